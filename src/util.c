/*
 * util.c: checked allocation (zero sizes and overflow are caught), fatal
 * errors, and the monotonic clock.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

static void (*fatal_hook)(void);

/*
 * A million tasks make arrays of tens of megabytes, filled as the run goes:
 * with 4 KiB pages that is a page fault every few dozen tasks, a tenth of
 * the parent's time.  Ask for transparent huge pages on big blocks (glibc
 * gives them their own mapping); where THP is off this does nothing.
 */
#define UTIL_BIG	(4u << 20)
static void
util_big(void *p, size_t size)
{
	uintptr_t	a = ((uintptr_t)p + 4095) & ~(uintptr_t)4095;
	uintptr_t	e = ((uintptr_t)p + size) & ~(uintptr_t)4095;

	if (size >= UTIL_BIG && e > a)
		madvise((void *)a, e - a, MADV_HUGEPAGE);
}

/* Out of memory: say how much was asked for, in the user's terms. */
static void __attribute__((noreturn))
util_no_memory(size_t n, size_t size)
{
	size_t	total;

	if (__builtin_mul_overflow(n, size, &total))
		fatalx("out of memory: %zu blocks of %zu bytes are more than "
		    "this machine can address; try fewer tasks or workers", n,
		    size);
	fatalx("out of memory: could not allocate %zu bytes (%.1f MiB); try "
	    "fewer tasks or workers", total, total / 1048576.0);
}

void *
xmalloc(size_t size)
{
	void	*p;

	if (size == 0)
		fatalx("internal error: an allocation of zero bytes");
	if ((p = malloc(size)) == NULL)
		util_no_memory(1, size);
	util_big(p, size);
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void	*p;

	if (n == 0 || size == 0)
		fatalx("internal error: an allocation of zero bytes");
	if ((p = calloc(n, size)) == NULL)
		util_no_memory(n, size);
	util_big(p, n * size);
	return p;
}

void *
xreallocarray(void *old, size_t n, size_t size)
{
	void	*p;

	if (n == 0 || size == 0)
		fatalx("internal error: an allocation of zero bytes");
	if ((p = reallocarray(old, n, size)) == NULL)
		util_no_memory(n, size);
	util_big(p, n * size);
	return p;
}

char *
xstrdup(const char *s)
{
	char	*p;

	if ((p = strdup(s)) == NULL)
		util_no_memory(1, strlen(s) + 1);
	return p;
}

char *
xstrndup(const char *s, size_t n)
{
	char	*p;

	if ((p = strndup(s, n)) == NULL)
		util_no_memory(1, n + 1);
	return p;
}

int
xasprintf(char **ret, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vasprintf(ret, fmt, ap);
	va_end(ap);
	if (n < 0)
		util_no_memory(1, strlen(fmt));
	return n;
}

void
util_set_fatal_hook(void (*hook)(void))
{
	fatal_hook = hook;
}

static void __attribute__((noreturn))
fatal_common(int with_errno, const char *fmt, va_list ap)
{
	int	 saved = errno;

	if (fatal_hook != NULL)
		fatal_hook();
	fprintf(stderr, "poolscope: ");
	vfprintf(stderr, fmt, ap);
	if (with_errno)
		fprintf(stderr, ": %s", strerror(saved));
	fputc('\n', stderr);
	exit(UTIL_EXIT_INTERNAL);
}

void
fatal(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	fatal_common(1, fmt, ap);
}

void
fatalx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	fatal_common(0, fmt, ap);
}

uint64_t
now_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void
util_suspend(void)
{
	sigset_t	set;

	fflush(stdout);
	signal(SIGTSTP, SIG_DFL);
	sigemptyset(&set);
	sigaddset(&set, SIGTSTP);
	raise(SIGTSTP);				/* pending while blocked */
	sigprocmask(SIG_UNBLOCK, &set, NULL);	/* stops here */
	sigprocmask(SIG_BLOCK, &set, NULL);
}

void
util_fatal_signals(void (*handler)(int))
{
	/* Those whose default action ends the process (the real-time ones
	 * too), but SIGINT, SIGTERM and SIGHUP, which are read from a
	 * signalfd, and SIGPIPE and SIGXFSZ, which are ignored so that a write
	 * fails with an error instead, and SIGKILL. */
	static const int	 sigs[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL,
	    SIGABRT, SIGQUIT, SIGTRAP, SIGSYS, SIGXCPU, SIGUSR1, SIGUSR2,
	    SIGALRM, SIGVTALRM, SIGPROF, SIGIO, SIGPWR, SIGSTKFLT };
	struct sigaction	 sa;
	size_t			 i;
	int			 sig;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = handler;
	sa.sa_flags = SA_RESETHAND | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		sigaction(sigs[i], &sa, NULL);
	for (sig = SIGRTMIN; sig <= SIGRTMAX; sig++)
		sigaction(sig, &sa, NULL);
}

int
util_cpu_count(void)
{
	long	n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : (int)n;
}

char *
util_put_i64(char *p, int64_t v)
{
	static const char digits[] =
	    "00010203040506070809101112131415161718192021222324"
	    "25262728293031323334353637383940414243444546474849"
	    "50515253545556575859606162636465666768697071727374"
	    "75767778798081828384858687888990919293949596979899";
	char		tmp[24], *t = tmp + sizeof tmp;
	uint64_t	u = v < 0 ? -(uint64_t)v : (uint64_t)v;
	size_t		n;

	/* Two digits a division: a million results are printed with it. */
	while (u >= 100) {
		t -= 2;
		memcpy(t, digits + 2 * (u % 100), 2);
		u /= 100;
	}
	if (u >= 10) {
		t -= 2;
		memcpy(t, digits + 2 * u, 2);
	} else
		*--t = (char)('0' + u);
	if (v < 0)
		*p++ = '-';
	n = (size_t)(tmp + sizeof tmp - t);
	memcpy(p, t, n);
	return p + n;
}

char *
util_put_str(char *p, const char *s)
{
	while (*s != '\0')
		*p++ = *s++;
	return p;
}

void
util_join_argv(char *const *argv, char *buf, size_t len)
{
	size_t	n = 0;
	int	i, k;

	if (len == 0)
		return;
	buf[0] = '\0';
	for (i = 0; argv[i] != NULL && n < len - 1; i++) {
		k = snprintf(buf + n, len - n, "%s%s", i ? " " : "", argv[i]);
		if (k < 0)
			break;
		n += (size_t)k;
	}
}

void
util_format_duration(uint64_t ns, char *buf, size_t len)
{
	uint64_t	ds = (ns + 50000000u) / 100000000u;	/* tenths */

	if (ns < 10000000000u)
		snprintf(buf, len, "%.3f s", ns / 1e9);
	else if (ns < 60000000000u)
		snprintf(buf, len, "%.1f s", ns / 1e9);
	else if (ds < 36000)
		snprintf(buf, len, "%u:%02u.%u", (unsigned)(ds / 600),
		    (unsigned)(ds / 10 % 60), (unsigned)(ds % 10));
	else
		snprintf(buf, len, "%u:%02u:%02u", (unsigned)(ds / 36000),
		    (unsigned)(ds / 600 % 60), (unsigned)(ds / 10 % 60));
}

size_t
util_utf8_len(const unsigned char *s, size_t n)
{
	unsigned char	 lo = 0x80, hi = 0xbf;
	size_t		 len, i;

	if (n == 0)
		return 0;
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		if (s[0] == 0xe0)
			lo = 0xa0;	/* not overlong */
		else if (s[0] == 0xed)
			hi = 0x9f;	/* not a surrogate */
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		if (s[0] == 0xf0)
			lo = 0x90;	/* not overlong */
		else if (s[0] == 0xf4)
			hi = 0x8f;	/* not beyond U+10FFFF */
	} else
		return 0;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return len;
}

static char
util_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c + 'a' - 'A') : c;
}

size_t
util_edit_distance(const char *a, size_t la, const char *b)
{
	size_t	lb = strlen(b), i, j, c, v;
	size_t	d[3][65];	/* rows i-2, i-1, i, by i % 3 */

	if (la > 64 || lb > 64)
		return SIZE_MAX;
	for (j = 0; j <= lb; j++)
		d[0][j] = j;
	for (i = 1; i <= la; i++) {
		d[i % 3][0] = i;
		for (j = 1; j <= lb; j++) {
			c = util_lower(a[i - 1]) != b[j - 1];
			v = d[(i - 1) % 3][j - 1] + c;
			if (d[(i - 1) % 3][j] + 1 < v)
				v = d[(i - 1) % 3][j] + 1;
			if (d[i % 3][j - 1] + 1 < v)
				v = d[i % 3][j - 1] + 1;
			if (i > 1 && j > 1 && util_lower(a[i - 1]) == b[j - 2] &&
			    util_lower(a[i - 2]) == b[j - 1] &&
			    d[(i - 2) % 3][j - 2] + 1 < v)
				v = d[(i - 2) % 3][j - 2] + 1;
			d[i % 3][j] = v;
		}
	}
	return d[la % 3][lb];
}

ssize_t
util_suggest(const char *w, size_t n, const char *const *words, size_t nwords)
{
	size_t	i, d, bestd = SIZE_MAX, max = n <= 4 ? 1 : 2, nprefix = 0;
	ssize_t	best = -1, prefix = -1;

	if (n == 0 || n > 64)
		return -1;
	for (i = 0; i < nwords; i++) {
		d = util_edit_distance(w, n, words[i]);
		if (d < bestd) {
			bestd = d;
			best = (ssize_t)i;
		}
		if (strncasecmp(w, words[i], n) == 0) {
			prefix = (ssize_t)i;
			nprefix++;
		}
	}
	if (nprefix == 1)
		return prefix;
	return bestd <= max && bestd < n ? best : -1;
}

const char *
util_ordinal(uint64_t n)
{
	if (n % 100 >= 11 && n % 100 <= 13)
		return "th";
	return n % 10 == 1 ? "st" : n % 10 == 2 ? "nd" : n % 10 == 3 ? "rd" :
	    "th";
}

double
util_step125(double x, int up)
{
	double	p, f;

	if (!(x > 0))
		return 1;
	/* the power of ten at or below x (no libm: one mapping fewer to
	 * copy at each worker's fork) */
	for (p = 1; p * 10 <= x; p *= 10)
		;
	while (p > x)
		p /= 10;
	f = x / p;
	if (up) {
		/* The first of 1, 2, 5 (times p) at or above x. */
		if (f <= 1.0000001)
			return p;
		return f <= 2 ? 2 * p : f <= 5 ? 5 * p : 10 * p;
	}
	return f < 1.5 ? p : f < 3.5 ? 2 * p : f < 7.5 ? 5 * p : 10 * p;
}
