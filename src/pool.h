/*
 * pool.h: the rules of Python's process pool that every layer asks about:
 * the call styles and what each does with chunks and errors, the default
 * chunksize, and the limits of every setting.  The engine, the option
 * parsers (command line and lesson runs), the set-up screen and the views
 * all read them here, so a rule is written once.
 */
#ifndef POOLSCOPE_POOL_H
#define POOLSCOPE_POOL_H

#include <stddef.h>

enum pool_mode {
	MODE_APPLY, MODE_MAP, MODE_IMAP, MODE_IMAP_UNORDERED, MODE_APPLY_ASYNC,
	MODE_PROCESS, MODE_NMODES
};
/* Not a style of poolscope's own pool: a Python program's items put on a
 * Queue that its Processes read (a task each), as seen in the program. */
#define MODE_QUEUE	MODE_NMODES

/* The limits of the settings, as the options and the set-up screen take
 * them. */
#define POOL_MAX_WORKERS	4096
#define POOL_MAX_CHUNKSIZE	1000000
#define POOL_MAX_RETRIES	100
#define POOL_MAX_TIMEOUT_MS	86400000
#define POOL_MAX_PACE_MS	60000	/* --pace: a minute a task */
#define POOL_TIME_SCALE_MIN	0.001
#define POOL_TIME_SCALE_MAX	1000.0

/* "map"; "unknown" out of range. */
const char	*pool_mode_name(int mode);
/* A call style by name ("sync" and "async" are aliases), or -1. */
int		 pool_mode_parse(const char *name);
/* "apply (or sync), map, imap, imap_unordered, apply_async (or async) or
 * process", for messages. */
const char	*pool_mode_list(void);

/* 1 if the style sends tasks in chunks (map, imap, imap_unordered); apply,
 * apply_async and process send one task per call. */
int		 pool_chunked(int mode);
/* Python's default chunksize for a mode: ceil(n / (4 * workers)) for map,
 * 1 for everything else (imap, imap_unordered, apply_async). */
size_t		 pool_default_chunksize(int mode, size_t ntasks, int workers);
/* 1 if a task that raises ends the rest of its chunk and the call (map,
 * imap, imap_unordered without keep_going), as in CPython. */
int		 pool_raises(int mode, int keep_going);
/* A time scale brought within its limits. */
double		 pool_time_scale_clamp(double);

#endif
