/*
 * util.h: small helpers every layer uses: checked allocation, fatal errors that
 * restore the terminal first, and the monotonic clock.
 */
#ifndef POOLSCOPE_UTIL_H
#define POOLSCOPE_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>
#include <sys/types.h>

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
int	 xasprintf(char **, const char *, ...) __attribute__((format(printf, 2, 3)));

/* The exit status when poolscope itself fails: out of memory, no shared
 * memory, no event loop (not bad usage: 2; not a task: 1). */
#define UTIL_EXIT_INTERNAL	4

/* Called by fatal()/fatalx() before exiting (the screen registers its restore). */
void	 util_set_fatal_hook(void (*)(void));
/* Say what failed (with errno: fatal) and exit UTIL_EXIT_INTERNAL. */
void	 fatal(const char *, ...) __attribute__((noreturn, format(printf, 1, 2)));
void	 fatalx(const char *, ...) __attribute__((noreturn, format(printf, 1, 2)));

/* Nanoseconds of CLOCK_MONOTONIC. */
uint64_t now_ns(void);

/* Install handler, once (SA_RESETHAND), for every signal whose default
 * action would end poolscope and that it does not otherwise handle: the
 * handler tidies up and raises the signal again, so the exit status stays
 * 128 + the signal. */
void	 util_fatal_signals(void (*)(int));

/* Number of online processors, as Python's os.cpu_count(). */
int	 util_cpu_count(void);
/* Stop this process as Ctrl-Z would (SIGTSTP, default action), for a
 * program that reads SIGTSTP from a signalfd; returns once continued (at
 * once if the process group is orphaned and the stop is discarded). */
void	 util_suspend(void);

/* Append the decimal form of v at p (no NUL); returns the end.  A fast
 * path for the workers' hot loop, where snprintf dominates. */
char	*util_put_i64(char *p, int64_t v);
/* A duration as every view writes it: "0.303 s" below 10 s, "12.3 s"
 * below a minute, then "1:08.2", and "1:02:03" past an hour. */
void	 util_format_duration(uint64_t ns, char *buf, size_t len);

/* The length of the valid UTF-8 sequence at s (n bytes left), or 0 for an
 * invalid one (overlong forms, surrogates, beyond U+10FFFF). */
size_t	 util_utf8_len(const unsigned char *s, size_t n);

/* For "did you mean": the edit distance between a (la bytes, folded to
 * lower case) and b, a swap of neighbours counting as one edit; and the
 * word of words that w (n bytes) most likely meant (its only prefix, or
 * the nearest within an edit or two), or -1. */
size_t	 util_edit_distance(const char *a, size_t la, const char *b);
ssize_t	 util_suggest(const char *w, size_t n, const char *const *words,
	     size_t nwords);

/* A step for an axis: 1, 2 or 5 times a power of ten, the first at or
 * above x (up), or the nearest to x. */
double	 util_step125(double x, int up);
/* The English ordinal suffix of n: "st", "nd", "rd" or "th". */
const char *util_ordinal(uint64_t n);

/* Append s (NUL-terminated) at p; returns the end. */
char	*util_put_str(char *p, const char *s);
/* argv (NULL-terminated) as one line, its words joined by spaces (cut to
 * fit len). */
void	 util_join_argv(char *const *argv, char *buf, size_t len);

#endif
