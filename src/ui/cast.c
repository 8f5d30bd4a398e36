/*
 * cast.c: --cast FILE, an asciicast v2 recording of exactly the bytes the
 * screen sends to the terminal.
 *
 * ncurses 6.1 and later keep their own output buffer and hand it to write(2)
 * on fileno() of the stream given to newterm(); they set the terminal's modes
 * and read its size through the same descriptor.  So that descriptor must be
 * the terminal itself, and no stdio hook sees a byte (a fopencookie stream
 * has no descriptor: ncurses would draw nothing and leave the modes alone).
 * Instead cast_open() gives ncurses a stream on a private duplicate of the
 * terminal's descriptor, and this file defines write(2) for the program: a
 * definition in the executable comes before libc's for every shared library,
 * ncurses included.  A write to that one descriptor from this process is
 * written to the terminal in full and recorded; every other write goes
 * straight to the kernel.
 *
 * Output becomes "o" events: writes within 5 ms of the start of an event join
 * it (ncurses sends a frame in a few writes, sometimes many small ones), a
 * UTF-8 character split across writes is held back until it is whole, and
 * invalid bytes become U+FFFD, one for each maximal invalid subpart (as
 * Python's and the browsers' decoders do).  The cast is built in a buffer of
 * our own and written with write(2) when 100 ms have passed since the last
 * time, when the buffer fills and at close, always in whole lines.  Recording
 * neither allocates nor uses stdio, so cast_emergency_flush() may run in a
 * fatal-signal handler.
 *
 * The file is written under a temporary name and renamed into place at
 * close, or by cast_emergency_flush() (it is whole after every write); once
 * a write to it fails (a full disk, RLIMIT_FSIZE), nothing more is written,
 * the screen goes on, and at close the temporary file is removed.
 */
#include "config.h"

#include <sys/syscall.h>

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "outfile.h"
#include "ui/cast.h"

#define CAST_BUFSIZE	65536
#define CAST_JOIN_NS	5000000ULL	/* writes this soon share an event */
#define CAST_FLUSH_NS	100000000ULL	/* the most the file lags behind */
#define CAST_SLACK	64	/* always free: a line's start and its end */

enum cast_utf8 {
	CAST_UTF8_OK,		/* a whole character */
	CAST_UTF8_BAD,		/* an invalid subpart: one U+FFFD */
	CAST_UTF8_SHORT		/* a valid start that needs more bytes */
};

struct cast {
	FILE			*stream;
	int			 tty;		/* fileno(stream), a dup of real_fd */
	int			 fd;		/* the cast file */
	struct outfile		*of;		/* fd's file, put in place at close */
	pid_t			 pid;		/* children never record */
	uint64_t		 t0;		/* CLOCK_MONOTONIC at open */
	uint64_t		 line_t;	/* the time of the open "o" event */
	uint64_t		 flushed;	/* when the buffer was last written */
	int			 line_open;	/* an "o" event awaits its "]\n" */
	int			 error;		/* the first failed write's errno */
	volatile sig_atomic_t	 busy;		/* inside the recorder */
	unsigned char		 part[4];	/* an unfinished character */
	size_t			 npart;
	size_t			 len;
	char			 buf[CAST_BUFSIZE];
};

static struct cast	*cast_cur;

ssize_t	write(int, const void *, size_t)
	    __attribute__((visibility("default")));

static uint64_t
cast_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Write all of p to fd through the kernel (never through our write()),
 * across partial writes, EINTR and EAGAIN; 0 or an errno value. */
static int
cast_write_all(int fd, const void *p, size_t n)
{
	const char	*s = p;
	struct pollfd	 pfd;
	ssize_t		 r;

	while (n > 0) {
		r = syscall(SYS_write, fd, s, n);
		if (r > 0) {
			s += r;
			n -= (size_t)r;
		} else if (r == 0)
			return EIO;
		else if (errno == EINTR)
			continue;
		else if (errno == EAGAIN || errno == EWOULDBLOCK) {
			pfd.fd = fd;
			pfd.events = POLLOUT;
			poll(&pfd, 1, -1);
		} else
			return errno;
	}
	return 0;
}

static void
cast_put(struct cast *c, const char *s, size_t n)
{
	memcpy(c->buf + c->len, s, n);
	c->len += n;
}

/* A time in seconds with six decimals, without stdio. */
static void
cast_put_time(struct cast *c, uint64_t t)
{
	char		tmp[32], *p = tmp + sizeof tmp;
	uint64_t	us = (t - c->t0) / 1000, s = us / 1000000;
	int		i;

	us %= 1000000;
	for (i = 0; i < 6; i++) {
		*--p = (char)('0' + us % 10);
		us /= 10;
	}
	*--p = '.';
	do {
		*--p = (char)('0' + s % 10);
		s /= 10;
	} while (s > 0);
	cast_put(c, p, (size_t)(tmp + sizeof tmp - p));
}

static void
cast_close_line(struct cast *c)
{
	if (c->line_open) {
		cast_put(c, "\"]\n", 3);
		c->line_open = 0;
	}
}

static void
cast_open_line(struct cast *c, uint64_t t)
{
	cast_put(c, "[", 1);
	cast_put_time(c, t);
	cast_put(c, ", \"o\", \"", 8);
	c->line_open = 1;
	c->line_t = t;
}

/* Write out the buffer, whole lines; after a failure, nothing more (the
 * file is not kept). */
static void
cast_write_buf(struct cast *c)
{
	int	e;

	if (c->len > 0 && c->error == 0 &&
	    (e = cast_write_all(c->fd, c->buf, c->len)) != 0) {
		c->error = e;
		outfile_set_error(c->of, e);
	}
	c->len = 0;
}

/* End the open event and write the buffer to the file. */
static void
cast_flush(struct cast *c, uint64_t now)
{
	cast_close_line(c);
	cast_write_buf(c);
	c->flushed = now;
}

/* Make room for need more bytes (an "o" event cut here goes on in a new
 * line: see cast_output_char()). */
static void
cast_room(struct cast *c, size_t need)
{
	if (CAST_BUFSIZE - c->len < need + CAST_SLACK)
		cast_flush(c, cast_now());
}

/* Classify the UTF-8 sequence at p (n > 0 bytes available); *len is its
 * length, the length of the maximal invalid subpart, or n when short. */
static enum cast_utf8
cast_utf8(const unsigned char *p, size_t n, size_t *len)
{
	unsigned char	lo = 0x80, hi = 0xbf;
	size_t		need, i;

	if (p[0] < 0x80) {
		*len = 1;
		return CAST_UTF8_OK;
	}
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		need = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		need = 3;
		if (p[0] == 0xe0)
			lo = 0xa0;	/* no overlong forms */
		else if (p[0] == 0xed)
			hi = 0x9f;	/* no surrogates */
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		need = 4;
		if (p[0] == 0xf0)
			lo = 0x90;
		else if (p[0] == 0xf4)
			hi = 0x8f;	/* nothing past U+10FFFF */
	} else {
		*len = 1;
		return CAST_UTF8_BAD;
	}
	for (i = 1; i < need; i++) {
		if (i >= n) {
			*len = n;
			return CAST_UTF8_SHORT;
		}
		if (p[i] < lo || p[i] > hi) {
			*len = i;
			return CAST_UTF8_BAD;
		}
		lo = 0x80;
		hi = 0xbf;
	}
	*len = need;
	return CAST_UTF8_OK;
}

/* One character (or U+FFFD) inside a JSON string. */
static void
cast_put_char(struct cast *c, const unsigned char *p, size_t len, int ok)
{
	static const char	hex[] = "0123456789abcdef";
	char			esc[6] = { '\\', 'u', '0', '0', 0, 0 };

	cast_room(c, 8);
	if (!ok)
		cast_put(c, "\\ufffd", 6);
	else if (len > 1)
		cast_put(c, (const char *)p, len);
	else if (p[0] < 0x20 || p[0] == 0x7f) {
		esc[4] = hex[p[0] >> 4];
		esc[5] = hex[p[0] & 0xf];
		cast_put(c, esc, 6);
	} else if (p[0] == '"' || p[0] == '\\') {
		esc[1] = (char)p[0];
		cast_put(c, esc, 2);
	} else
		cast_put(c, (const char *)p, 1);
}

/* A character of output, in the open event or a new one at time t (room
 * for the line's start too, so cast_put_char() never needs to flush). */
static void
cast_output_char(struct cast *c, const unsigned char *p, size_t len, int ok,
    uint64_t t)
{
	cast_room(c, 8 + CAST_SLACK);
	if (!c->line_open)
		cast_open_line(c, t);
	cast_put_char(c, p, len, ok);
}

/* A complete C string as a JSON string's contents. */
static void
cast_put_string(struct cast *c, const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 n = strlen(s), len;
	enum cast_utf8		 r;

	while (n > 0) {
		r = cast_utf8(p, n, &len);
		cast_put_char(c, p, len, r == CAST_UTF8_OK);
		p += len;
		n -= len;
	}
}

/* Record n bytes that went (or were meant to go) to the terminal. */
static void
cast_record(struct cast *c, const unsigned char *p, size_t n)
{
	unsigned char	tmp[8];
	uint64_t	now = cast_now();
	size_t		k, len, used;
	enum cast_utf8	r;

	if (c->line_open && now - c->line_t >= CAST_JOIN_NS)
		cast_close_line(c);
	if (c->npart > 0 && n > 0) {
		/* Finish the character held back from the last write. */
		k = n < sizeof c->part - c->npart ? n : sizeof c->part - c->npart;
		memcpy(tmp, c->part, c->npart);
		memcpy(tmp + c->npart, p, k);
		r = cast_utf8(tmp, c->npart + k, &len);
		if (r == CAST_UTF8_SHORT) {
			memcpy(c->part + c->npart, p, k);
			c->npart += k;
			p += k;
			n -= k;
		} else {
			cast_output_char(c, tmp, len, r == CAST_UTF8_OK, now);
			used = len - c->npart;
			c->npart = 0;
			p += used;
			n -= used;
		}
	}
	while (n > 0) {
		r = cast_utf8(p, n, &len);
		if (r == CAST_UTF8_SHORT) {
			memcpy(c->part, p, n);
			c->npart = n;
			break;
		}
		cast_output_char(c, p, len, r == CAST_UTF8_OK, now);
		p += len;
		n -= len;
	}
	if (now - c->flushed >= CAST_FLUSH_NS)
		cast_flush(c, now);
}

/* The terminal's write: all of it, and into the cast even if the terminal
 * refused it (what poolscope meant to draw).  On failure, -1 and no partial
 * count, so the caller does not send (and we do not record) the rest again. */
static ssize_t
cast_tee(struct cast *c, const void *buf, size_t n)
{
	int	saved = errno, e;

	c->busy = 1;
	e = cast_write_all(c->tty, buf, n);
	cast_record(c, buf, n);
	c->busy = 0;
	if (e != 0) {
		errno = e;
		return -1;
	}
	errno = saved;
	return (ssize_t)n;
}

/*
 * write(2) for the whole program (see the top of the file): only the
 * recording's own descriptor, in this process, takes the long way.
 */
ssize_t
write(int fd, const void *buf, size_t n)
{
	struct cast	*c = cast_cur;

	if (c == NULL || fd != c->tty || c->busy || c->pid != getpid())
		return syscall(SYS_write, fd, buf, n);
	return cast_tee(c, buf, n);
}

static void
cast_event(struct cast *c, const char *type, const char *data)
{
	uint64_t	now = cast_now();

	c->busy = 1;
	cast_close_line(c);
	cast_room(c, 48);
	cast_put(c, "[", 1);
	cast_put_time(c, now);
	cast_put(c, ", \"", 3);
	cast_put(c, type, strlen(type));
	cast_put(c, "\", \"", 4);
	cast_put_string(c, data);
	cast_room(c, 3);
	cast_put(c, "\"]\n", 3);
	if (now - c->flushed >= CAST_FLUSH_NS)
		cast_flush(c, now);
	c->busy = 0;
}

static struct cast *
cast_of(FILE *stream)
{
	struct cast	*c = cast_cur;

	if (c == NULL || stream == NULL || stream != c->stream ||
	    c->pid != getpid())
		return NULL;
	return c;
}

/* The header line: {"version": 2, "width": ..., "env": {...}}. */
static void
cast_header(struct cast *c, int cols, int rows, const char *title)
{
	const char	*term = getenv("TERM"), *shell = getenv("SHELL");
	char		 tmp[128];
	int		 n;

	n = snprintf(tmp, sizeof tmp, "{\"version\": 2, \"width\": %d, "
	    "\"height\": %d, \"timestamp\": %lld", cols, rows,
	    (long long)time(NULL));
	cast_put(c, tmp, (size_t)n);
	if (title != NULL) {
		cast_put(c, ", \"title\": \"", 12);
		cast_put_string(c, title);
		cast_room(c, 1);
		cast_put(c, "\"", 1);
	}
	cast_room(c, 32);
	cast_put(c, ", \"env\": {", 10);
	if (term != NULL) {
		cast_put(c, "\"TERM\": \"", 9);
		cast_put_string(c, term);
		cast_room(c, 1);
		cast_put(c, "\"", 1);
	}
	if (shell != NULL) {
		cast_room(c, 16);
		if (term != NULL)
			cast_put(c, ", ", 2);
		cast_put(c, "\"SHELL\": \"", 10);
		cast_put_string(c, shell);
		cast_room(c, 1);
		cast_put(c, "\"", 1);
	}
	cast_room(c, 3);
	cast_put(c, "}}\n", 3);
}

FILE *
cast_open(const char *path, int replace, int real_fd, int cols, int rows,
    const char *title, char *err, size_t errlen)
{
	struct cast	*c;
	struct outfile	*of;
	FILE		*f;
	int		 fd, tty, e;

	if (cast_cur != NULL) {
		snprintf(err, errlen, "cannot record '%s': a recording is "
		    "already open", path);
		return NULL;
	}
	if (cols <= 0 || rows <= 0) {
		snprintf(err, errlen, "cannot record '%s': the terminal "
		    "size %dx%d is not valid", path, cols, rows);
		return NULL;
	}
	/* If write() were not exported, ncurses would bypass it. */
	if (dlsym(RTLD_DEFAULT, "write") != (void *)write) {
		snprintf(err, errlen, "cannot record '%s': this build of "
		    "poolscope does not route write(2) through the recorder "
		    "(link it with -rdynamic)", path);
		return NULL;
	}
	if ((of = outfile_open(path, replace, err, errlen)) == NULL)
		return NULL;
	fd = outfile_fd(of);
	if ((tty = fcntl(real_fd, F_DUPFD_CLOEXEC, 3)) == -1 ||
	    (f = fdopen(tty, "w")) == NULL) {
		e = errno;
		if (tty != -1)
			close(tty);
		outfile_discard(of);
		snprintf(err, errlen, "cannot record '%s': the terminal: %s",
		    path, strerror(e));
		return NULL;
	}
	setvbuf(f, NULL, _IONBF, 0);
	if ((c = calloc(1, sizeof *c)) == NULL) {
		e = errno;
		fclose(f);
		outfile_discard(of);
		snprintf(err, errlen, "cannot record '%s': %s", path,
		    strerror(e));
		return NULL;
	}
	c->stream = f;
	c->tty = tty;
	c->fd = fd;
	c->of = of;
	c->pid = getpid();
	c->t0 = c->flushed = cast_now();
	cast_header(c, cols, rows, title);
	cast_flush(c, c->t0);
	if (c->error != 0) {
		e = c->error;
		fclose(f);
		outfile_discard(of);
		free(c);
		snprintf(err, errlen, "cannot write '%s': %s", path,
		    strerror(e));
		return NULL;
	}
	outfile_keep_on_signal(of);
	cast_cur = c;
	return f;
}

void
cast_marker(FILE *stream, const char *label)
{
	struct cast	*c;

	if ((c = cast_of(stream)) != NULL)
		cast_event(c, "m", label != NULL ? label : "");
}

void
cast_resize(FILE *stream, int cols, int rows)
{
	struct cast	*c;
	char		 size[32];

	if ((c = cast_of(stream)) == NULL)
		return;
	snprintf(size, sizeof size, "%dx%d", cols, rows);
	cast_event(c, "r", size);
}

int
cast_error(FILE *stream)
{
	struct cast	*c;

	if ((c = cast_of(stream)) == NULL)
		return 0;
	return c->error;
}

int
cast_close(FILE *stream, char *err, size_t errlen)
{
	struct cast	*c;
	int		 e, rc;

	err[0] = '\0';
	if (stream == NULL)
		return 0;
	if ((c = cast_of(stream)) == NULL) {
		snprintf(err, errlen, "not the open recording");
		errno = EINVAL;
		return -1;
	}
	c->busy = 1;
	if (c->npart > 0)	/* an unfinished character at the very end */
		cast_output_char(c, c->part, c->npart, 0, cast_now());
	c->npart = 0;
	cast_flush(c, cast_now());
	cast_cur = NULL;
	fclose(c->stream);
	rc = outfile_commit(c->of, err, errlen);	/* or removes it */
	e = c->error != 0 ? c->error : EIO;
	free(c);
	if (rc != 0) {
		errno = e;
		return -1;
	}
	return 0;
}

void
cast_discard(FILE *stream)
{
	struct cast	*c;

	if ((c = cast_of(stream)) == NULL)
		return;
	cast_cur = NULL;
	fclose(c->stream);
	outfile_discard(c->of);
	free(c);
}

void
cast_emergency_flush(void)
{
	struct cast	*c = cast_cur;
	int		 saved = errno;

	if (c == NULL || c->busy || c->pid != getpid())
		return;
	c->busy = 1;
	cast_close_line(c);	/* CAST_SLACK keeps room for it */
	cast_write_buf(c);
	outfile_finish(c->of);	/* whole lines: in place */
	c->busy = 0;
	errno = saved;
}
