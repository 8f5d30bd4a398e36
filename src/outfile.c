/*
 * outfile.c: writing the files poolscope is asked for (--record, --trace,
 * --svg, --cast) so that nothing is clobbered and no reader sees half of one.
 *
 * A file is written under a temporary name in its own directory
 * (".NAME.XXXXXX", made with O_EXCL and mode 0666, so the umask and any
 * default ACL apply as to a plain create) and renamed onto NAME once it is
 * whole.  So a reader of NAME sees the old file or the whole new one, two
 * poolscopes writing one name never interleave, a symbolic link at NAME is
 * replaced rather than followed, and a run that fails to start, or a file
 * that could not be written whole, leaves NAME as it was.  Without --force
 * the rename does not replace a file that appeared meanwhile (renameat2's
 * RENAME_NOREPLACE, or link(2) where a filesystem lacks it): what was
 * written is then kept under its temporary name and the message says where.
 *
 * A device, FIFO or socket at NAME (/dev/null, a pipe from the shell's
 * >(...)) is written to as it is: there is nothing there to replace.
 *
 * The files being written are listed where a fatal-signal handler can reach
 * them: outfile_finish_all() removes their temporary files, or, for a file
 * that is whole after every write (the cast), renames it into place.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "outfile.h"

#define OUTFILE_MAX	8	/* open at once: --record, --cast, two exports */

struct outfile {
	char			*path;
	char			*tmp;		/* NULL: written in place */
	int			 fd;		/* -1 once closed */
	FILE			*stream;
	int			 replace;
	int			 error;		/* the first failed write's errno */
	volatile sig_atomic_t	 keep;		/* put in place on a signal */
	volatile sig_atomic_t	 pending;	/* tmp exists, not renamed */
};

static struct outfile *volatile	outfile_live[OUTFILE_MAX];

int
outfile_check(const char *path, int force, char *err, size_t errlen)
{
	struct stat	lst, st;
	int		to_ok;

	if (lstat(path, &lst) == -1) {
		if (errno == ENOENT)
			return 0;	/* a new file */
		snprintf(err, errlen, "cannot write '%s': %s", path,
		    strerror(errno));
		return -1;
	}
	if (S_ISDIR(lst.st_mode)) {
		snprintf(err, errlen, "'%s' is a directory; give a file name",
		    path);
		return -1;
	}
	if (S_ISLNK(lst.st_mode)) {
		/* A link to a device or a pipe (/dev/stdout) is written
		 * through; a link to a file would be replaced, not followed. */
		to_ok = stat(path, &st) == 0 && !S_ISREG(st.st_mode) &&
		    !S_ISDIR(st.st_mode);
		if (to_ok || force)
			return 0;
		snprintf(err, errlen, "'%s' is a symbolic link; give another "
		    "name, or --force to replace the link itself (what it "
		    "points to is left alone)", path);
		return -1;
	}
	if (!S_ISREG(lst.st_mode) || force)
		return 0;
	snprintf(err, errlen, "'%s' exists; give another name, or --force to "
	    "replace it", path);
	return -1;
}

int
outfile_same(const char *a, const char *b)
{
	struct stat	sa, sb;

	if ((strcmp(a, "-") == 0 ? fstat(0, &sa) : stat(a, &sa)) == -1)
		return 0;
	if ((strcmp(b, "-") == 0 ? fstat(0, &sb) : stat(b, &sb)) == -1)
		return 0;
	return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* Keep of where outfile_finish_all() finds it (if there is room). */
static void
outfile_list(struct outfile *of)
{
	size_t	i;

	for (i = 0; i < OUTFILE_MAX; i++) {
		if (outfile_live[i] == NULL) {
			outfile_live[i] = of;
			return;
		}
	}
}

static void
outfile_unlist(struct outfile *of)
{
	size_t	i;

	of->pending = 0;
	for (i = 0; i < OUTFILE_MAX; i++)
		if (outfile_live[i] == of)
			outfile_live[i] = NULL;
}

/* A temporary name beside path: "DIR/.BASE.XXXXXX". */
static char *
outfile_tmpname(const char *path)
{
	static const char	 chars[] = "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	const char		*base = strrchr(path, '/');
	char			*tmp, *x;
	int			 dirlen, i;

	base = base != NULL ? base + 1 : path;
	dirlen = (int)(base - path);
	/* A base of 200 bytes leaves room in NAME_MAX for the rest. */
	if (asprintf(&tmp, "%.*s.%.200s.XXXXXX", dirlen, path, base) == -1)
		return NULL;
	x = tmp + strlen(tmp) - 6;
	for (i = 0; i < 6; i++)
		x[i] = chars[arc4random_uniform(sizeof chars - 1)];
	return tmp;
}

struct outfile *
outfile_open(const char *path, int replace, char *err, size_t errlen)
{
	struct outfile	*of;
	struct stat	 st;
	const char	*base;
	int		 tries, e;

	if ((of = calloc(1, sizeof *of)) == NULL ||
	    (of->path = strdup(path)) == NULL) {
		e = errno;
		free(of);
		snprintf(err, errlen, "cannot create '%s': %s", path,
		    strerror(e));
		return NULL;
	}
	of->replace = replace;
	base = strrchr(path, '/');
	base = base != NULL ? base + 1 : path;
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		if (S_ISDIR(st.st_mode)) {
			e = EISDIR;
			goto fail;
		}
		/* A device, FIFO or socket: nothing to replace. */
		if ((of->fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC)) ==
		    -1) {
			e = errno;
			goto fail;
		}
		return of;
	}
	if (*base == '\0') {
		e = EISDIR;
		goto fail;
	}
	for (tries = 0; tries < 100; tries++) {
		free(of->tmp);
		if ((of->tmp = outfile_tmpname(path)) == NULL) {
			e = errno;
			goto fail;
		}
		of->fd = open(of->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOCTTY |
		    O_CLOEXEC, 0666);
		if (of->fd != -1)
			break;
		if (errno != EEXIST) {
			e = errno;
			goto fail;
		}
	}
	if (of->fd == -1) {
		e = EEXIST;
		goto fail;
	}
	of->pending = 1;
	outfile_list(of);
	return of;

fail:
	snprintf(err, errlen, "cannot create '%s': %s", path, strerror(e));
	free(of->tmp);
	free(of->path);
	free(of);
	return NULL;
}

int
outfile_fd(struct outfile *of)
{
	return of->fd;
}

/* The stream's writes: all of it, or the first error kept. */
static ssize_t
outfile_cookie_write(void *cookie, const char *buf, size_t n)
{
	struct outfile	*of = cookie;
	size_t		 done = 0;
	ssize_t		 r;

	if (of->error != 0)
		return 0;	/* no gap in the middle of a file */
	while (done < n) {
		r = write(of->fd, buf + done, n - done);
		if (r > 0)
			done += (size_t)r;
		else if (r == -1 && errno == EINTR)
			continue;
		else {
			outfile_set_error(of, r == 0 ? EIO : errno);
			break;
		}
	}
	return (ssize_t)done;
}

static int
outfile_cookie_close(void *cookie)
{
	struct outfile	*of = cookie;

	if (close(of->fd) == -1 && errno != EINTR)
		outfile_set_error(of, errno);
	of->fd = -1;
	return 0;
}

FILE *
outfile_stream(struct outfile *of)
{
	cookie_io_functions_t	io = { NULL, outfile_cookie_write, NULL,
	    outfile_cookie_close };

	if (of->stream == NULL) {
		if ((of->stream = fopencookie(of, "w", io)) == NULL)
			return NULL;
		setvbuf(of->stream, NULL, _IOFBF, 1 << 16);
	}
	return of->stream;
}

int
outfile_error(const struct outfile *of)
{
	return of->error;
}

void
outfile_set_error(struct outfile *of, int e)
{
	if (of->error == 0)
		of->error = e != 0 ? e : EIO;
}

void
outfile_keep_on_signal(struct outfile *of)
{
	of->keep = 1;
}

static void
outfile_close(struct outfile *of)
{
	if (of->stream != NULL) {
		if (fflush(of->stream) == EOF)
			outfile_set_error(of, errno);
		fclose(of->stream);	/* closes the descriptor */
		of->stream = NULL;
	} else if (of->fd != -1) {
		if (close(of->fd) == -1 && errno != EINTR)
			outfile_set_error(of, errno);
		of->fd = -1;
	}
}

/* rename(2), but without replace not onto an existing file.  Only
 * system calls: a signal handler uses it. */
static int
outfile_rename(const char *from, const char *to, int replace)
{
	if (replace)
		return rename(from, to);
	if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	/* A filesystem without RENAME_NOREPLACE: link(2) never replaces. */
	if (link(from, to) == -1)
		return -1;
	unlink(from);
	return 0;
}

static void
outfile_free(struct outfile *of)
{
	outfile_unlist(of);
	free(of->tmp);
	free(of->path);
	free(of);
}

int
outfile_commit(struct outfile *of, char *err, size_t errlen)
{
	int	rc = 0, e;

	outfile_close(of);
	of->pending = 0;
	if (of->error != 0) {
		snprintf(err, errlen, "cannot write '%s': %s", of->path,
		    strerror(of->error));
		if (of->tmp != NULL)
			unlink(of->tmp);
		rc = -1;
	} else if (of->tmp != NULL && outfile_rename(of->tmp, of->path,
	    of->replace) == -1) {
		e = errno;
		if (e == EEXIST)
			snprintf(err, errlen, "'%s' appeared while poolscope "
			    "was writing it; what poolscope wrote is in '%s'",
			    of->path, of->tmp);
		else {
			snprintf(err, errlen, "cannot rename '%s' to '%s': %s",
			    of->tmp, of->path, strerror(e));
			unlink(of->tmp);
		}
		rc = -1;
	}
	outfile_free(of);
	return rc;
}

void
outfile_discard(struct outfile *of)
{
	if (of == NULL)
		return;
	outfile_close(of);
	of->pending = 0;
	if (of->tmp != NULL)
		unlink(of->tmp);
	outfile_free(of);
}

void
outfile_finish(struct outfile *of)
{
	int	saved = errno;

	if (of == NULL || !of->pending)
		return;
	of->pending = 0;
	if (!of->keep || of->error != 0)
		unlink(of->tmp);
	else
		outfile_rename(of->tmp, of->path, of->replace);
	/* (if even that fails, the file stays under its temporary name: a
	 * signal handler has no way to say so) */
	errno = saved;
}

void
outfile_finish_all(void)
{
	size_t	i;

	for (i = 0; i < OUTFILE_MAX; i++)
		outfile_finish(outfile_live[i]);
}
