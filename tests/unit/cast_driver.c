/*
 * cast_driver.c: drives src/ui/cast.c the way ncurses does, for
 * tests/screen/cast.py.
 *
 * usage: cast_driver [-k] CAST [COPY]
 *
 * Records fd 1 as an 80x24 terminal into CAST and writes to the stream's
 * descriptor with write(2), as ncurses 6 does: escape sequences, UTF-8 with
 * characters split across writes, invalid bytes, many one-byte writes, a
 * write larger than the recorder's buffer, a marker and a resize.  A forked
 * child and a write straight to fd 1 also reach the terminal but must not be
 * recorded.  COPY gets every byte that should reach fd 1, for the test to
 * compare (the child's and the direct text too, as they reach
 * the terminal).  With -k the driver dies of SIGSEGV half-way, through
 * a handler that calls cast_emergency_flush().
 *
 * Exit status: 0, 2 if cast_open failed (its message on stderr), 3 if
 * cast_close reported a failed write.  stderr also says "writes: N" (the
 * number of writes to the stream), "flushed: yes|no" (whether output was
 * in the file 100 ms later, before the close: in the temporary file the
 * cast is written to, since CAST itself appears only at the close),
 * "absent: yes|no" (whether CAST did not exist before the close) and
 * "close: RC" (with the reason when it is -1).
 */
#include "config.h"

#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ui/cast.h"

#define CHILD_TEXT	"from the child\r\n"
#define DIRECT_TEXT	"straight to fd 1\r\n"
#define PAUSE_TEXT	"after the pause\r\n"

static int	out_fd = -1;
static int	copy_fd = -1;
static int	nwrites;

/* Write to the terminal through the recorder, and to the copy.  A failing
 * terminal (the test's /dev/full) is not an error here. */
static void
out(const char *s, size_t n)
{
	ssize_t	r;

	nwrites++;
	r = write(out_fd, s, n);
	(void)r;
	if (copy_fd != -1 && write(copy_fd, s, n) != (ssize_t)n) {
		perror("cast_driver: copy");
		exit(1);
	}
}

static void
outs(const char *s)
{
	out(s, strlen(s));
}

static void
pause_ms(long ms)
{
	struct timespec	ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static void
crash_handler(int sig)
{
	cast_emergency_flush();
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Whether the cast being written already holds text (the buffer was
 * written out): the temporary file ".BASE.XXXXXX" beside path. */
static int
file_has(const char *path, const char *text)
{
	static char	 buf[1 << 20], dir[4096], tmp[8192];
	const char	*base = strrchr(path, '/');
	struct dirent	*de;
	DIR		*d;
	ssize_t		 n;
	size_t		 len = 0, blen;
	int		 fd = -1;

	base = base != NULL ? base + 1 : path;
	snprintf(dir, sizeof dir, "%.*s", base == path ? 1 : (int)(base - path),
	    base == path ? "." : path);
	blen = strlen(base);
	if ((d = opendir(dir)) == NULL)
		return 0;
	while (fd == -1 && (de = readdir(d)) != NULL) {
		if (de->d_name[0] != '.' || strncmp(de->d_name + 1, base,
		    blen) != 0 || de->d_name[blen + 1] != '.' ||
		    strlen(de->d_name + blen + 2) != 6)
			continue;
		snprintf(tmp, sizeof tmp, "%s/%s", dir, de->d_name);
		fd = open(tmp, O_RDONLY);
	}
	closedir(d);
	if (fd == -1)
		return 0;
	while (len < sizeof buf - 1 &&
	    (n = read(fd, buf + len, sizeof buf - 1 - len)) > 0)
		len += (size_t)n;
	close(fd);
	buf[len] = '\0';
	return strstr(buf, text) != NULL;
}

int
main(int argc, char **argv)
{
	static const char	 unit[] = "\xe2\x94\x80\xe2\x94\x82 \xc3\xa9"
	    "\xe2\x82\xac\xf0\x9f\x98\x80 abc\x1b[0m\r\n";
	char			 err[512], *big;
	const char		*path;
	size_t			 i, n, unitlen = sizeof unit - 1;
	FILE			*stream;
	pid_t			 pid;
	int			 crash = 0, rc, status;

	if (argc > 1 && strcmp(argv[1], "-k") == 0) {
		crash = 1;
		argc--;
		argv++;
	}
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: cast_driver [-k] CAST [COPY]\n");
		return 1;
	}
	path = argv[1];
	if (argc == 3 && (copy_fd = open(argv[2], O_WRONLY | O_CREAT |
	    O_TRUNC, 0666)) == -1) {
		perror(argv[2]);
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);

	stream = cast_open(path, 0, 1, 80, 24, "cast driver \"test\"", err,
	    sizeof err);
	if (stream == NULL) {
		fprintf(stderr, "%s\n", err);
		return 2;
	}
	out_fd = fileno(stream);

	outs("\x1b[?1049h\x1b[1;24r\x1b[H\x1b[2J");
	outs("caf\xc3\xa9 price: 5");
	outs("\xe2\x82");			/* the euro sign, split */
	outs("\xac\r\n");
	outs("grin \xf0\x9f");			/* U+1F600 across three writes */
	outs("\x98");
	outs("\x80\r\n");
	outs("\"quoted\" back\\slash\ttab\x7f del\x01 soh\r\n");
	cast_marker(stream, "step 1: \"split\" \xe2\x80\x94 done");

	for (i = 0; i < 200; i++)		/* one byte at a time */
		out(&"abcdefghijklmnopqrstuvwxyz"[i % 26], 1);
	outs("\r\n");
	outs("bad:\xff\xfe|\xe2\x82" "A|\xed\xa0\x80|\xc0\xaf|");
	outs("\xe2");				/* invalid across writes */
	outs("B|\r\n");

	if (crash) {
		signal(SIGSEGV, crash_handler);
		raise(SIGSEGV);
		return 1;
	}

	cast_resize(stream, 100, 30);

	/* Larger than the recorder's buffer, split inside a character. */
	n = unitlen * 8000;
	if ((big = malloc(n)) == NULL) {
		perror("cast_driver");
		return 1;
	}
	for (i = 0; i < 8000; i++)
		memcpy(big + i * unitlen, unit, unitlen);
	out(big, 100001);
	out(big + 100001, n - 100001);
	free(big);

	/* Not recorded: another process, another descriptor. */
	if ((pid = fork()) == 0) {
		pause_ms(120);	/* a recorder in the child would flush now */
		if (write(out_fd, CHILD_TEXT, strlen(CHILD_TEXT)) < 0)
			_exit(1);
		_exit(0);
	}
	if (pid == -1 || waitpid(pid, &status, 0) == -1) {
		perror("cast_driver: fork");
		return 1;
	}
	if (write(1, DIRECT_TEXT, strlen(DIRECT_TEXT)) < 0)
		(void)0;
	if (copy_fd != -1 && write(copy_fd, CHILD_TEXT DIRECT_TEXT,
	    strlen(CHILD_TEXT DIRECT_TEXT)) < 0) {
		perror("cast_driver: copy");
		return 1;
	}

	pause_ms(150);
	outs(PAUSE_TEXT);
	fprintf(stderr, "flushed: %s\n", file_has(path, "after the pause") ?
	    "yes" : "no");
	fprintf(stderr, "absent: %s\n", access(path, F_OK) != 0 ? "yes" :
	    "no");

	outs("\x1b[?1049l\xe2\x82");		/* cut short by the end */
	rc = cast_close(stream, err, sizeof err);
	fprintf(stderr, "writes: %d\nclose: %d%s%s\n", nwrites, rc,
	    rc != 0 ? " " : "", rc != 0 ? strerror(errno) : "");
	if (copy_fd != -1)
		close(copy_fd);
	return rc == 0 ? 0 : 3;
}
