/*
 * tasks.h: what a worker can run, and the task-list parser.
 *
 * A task list is text, one task per line: "KIND [ARG]".  "A..B" in a numeric
 * ARG expands to one task per integer; "#" (at the start of a line or after
 * white space) starts a comment; blank lines are skipped.  Inline lists (-t)
 * use ';' as the line separator ("\;" is a literal ';').
 *
 * The parser never exits: it returns -1 and fills a message of the form
 * "FILE:LINE:COL: what was wrong; what to do", followed by the offending line
 * and a caret, for the caller to print.
 */
#ifndef POOLSCOPE_TASKS_H
#define POOLSCOPE_TASKS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

enum task_kind {
	TASK_SQUARE,	/* square N: result N*N, prints "square of N is R" */
	TASK_CUBE,	/* cube N: result N*N*N, prints "cube of N is R" */
	TASK_PRINT,	/* print N: prints N, result None */
	TASK_HELLO,	/* hello ID: prints "I'm the process with id: ID", result None */
	TASK_SLEEP,	/* sleep MS: waits MS * time scale of pool time, result MS */
	TASK_SPIN,	/* spin MS: uses MS * time scale of CPU time, result MS */
	TASK_PRIMES,	/* primes N: result = number of primes <= N */
	TASK_FIB,	/* fib N: Nth Fibonacci number, computed recursively */
	TASK_FAIL,	/* fail: the task reports an error */
	TASK_CRASH,	/* crash: the worker dies by SIGSEGV while running it */
	TASK_HANG,	/* hang: never returns */
	TASK_SH,	/* sh COMMAND: /bin/sh -c COMMAND, result its exit status */
	TASK_NKINDS
};

/* Limits enforced by the parser (documented in the README). */
#define TASKS_MAX		10000000	/* tasks in one list */
#define TASK_MAX_MS		86400000	/* sleep/spin: one day */
#define TASK_MAX_SQUARE		3037000499LL	/* |N| for square without overflow */
#define TASK_MAX_CUBE		2097151LL	/* |N| for cube without overflow */
#define TASK_MAX_PRIMES		1000000000LL
#define TASK_MAX_FIB		50
#define TASK_MAX_ID		1000000000000000000LL	/* |N| for print and hello */

struct task {
	int64_t		 arg;	/* the number, or 0 */
	char		*cmd;	/* sh: the command (shared between tasks of one line) */
	uint32_t	 line;	/* source line, from 1 */
	uint8_t		 kind;	/* enum task_kind */
};

/* Tasks are kept as runs, not one by one: "square 1..10000000" is one run
 * (a task costs no memory here), "sleep 10 x1000" another; a run whose
 * arguments follow no step lists them (8 bytes a task), and a Python
 * program's calls list their commands. */
struct task_run {
	size_t		 first;	/* its first task's index */
	int64_t		 arg;	/* the first task's argument */
	char		*cmd;	/* every task's command */
	union {
		int64_t	*args;	/* the arguments, listed (or NULL) */
		char   **cmds;	/* TASK_CALL: each call, listed */
	};
	uint32_t	 n;	/* tasks in it */
	uint32_t	 line;	/* the first task's source line */
	uint8_t		 kind;
	uint8_t		 astep;	/* 0 or 1: each next argument is that more */
	uint8_t		 lstep;	/* and each next line */
};

struct tasklist {
	struct task_run	*runs;
	size_t		 nruns;
	size_t		 n;	/* tasks */
	char		*name;	/* file name, or "--tasks" for an inline list */
	char	       **strings;	/* owned sh commands */
	size_t		 nstrings;
};

/* Task i of tl (i < tl->n). */
struct task	 tasklist_at(const struct tasklist *tl, size_t i);

/* A task of a Python program that poolscope watches: what it calls,
 * "square(7)", in cmd.  poolscope never runs one, and no task list can
 * name one. */
#define TASK_CALL	TASK_NKINDS

/* Append a Python program's task to tl, a list made only by appending
 * (from an empty one): its index. */
size_t	 tasklist_append_call(struct tasklist *tl, const char *call,
	     size_t len);

/* Parse text (len bytes, may contain NULs which are reported) into tl.
 * name is used in messages; inline != 0 means ';' separates lines.
 * Returns 0, or -1 with a message in err (always NUL-terminated). */
int	 tasklist_parse(struct tasklist *tl, const char *name, const char *text,
	     size_t len, int inline_list, char *err, size_t errlen);
/* Read and parse a file ("-" is standard input). */
int	 tasklist_parse_file(struct tasklist *tl, const char *path, char *err,
	     size_t errlen);
void	 tasklist_free(struct tasklist *tl);
/* Seed rand(A,B) (--seed); unseeded, it draws from arc4random. */
void	 tasklist_seed(uint64_t seed);

const char	*task_kind_name(int kind);
/* "square 4", "sh echo hi" (truncated to fit). */
void		 task_label(const struct task *t, char *buf, size_t len);
/* The label of task i of tl. */
void		 tasklist_label(const struct tasklist *tl, size_t i, char *buf,
		     size_t len);
/* 1 if the kind takes a numeric argument. */
int		 task_kind_numeric(int kind);
/* 1 if the kind always finishes in well under a microsecond and prints at
 * most one short line (square, cube, print, hello). */
int		 task_kind_instant(int kind);
/* 1 if an instant kind returns a number (square, cube), 0 if None. */
int		 task_kind_valued(int kind);

/* Running a task, in a worker process. */
struct task_ctx {
	/* Called with each piece of text the task prints (not NUL-terminated). */
	void	(*output)(void *arg, const char *text, size_t len);
	void	 *arg;
	double	  time_scale;	/* multiplies sleep and spin durations */
	/* The pool clock: monotonic ns the pool has spent paused so far
	 * (NULL: never paused).  sleep lasts its length in pool time: a
	 * worker stopped mid-sleep sleeps the rest once it is continued. */
	const _Atomic uint64_t *paused_ns;
	/* sh: its commands' process group is pgid (0: it has ended), for
	 * whoever stops and kills the worker to stop and kill it too. */
	void	(*group)(void *arg, int pgid);
};

enum task_status {
	TASK_OK,		/* value (if has_value) is the result */
	TASK_ERROR		/* error holds the message */
};

struct task_outcome {
	int	 status;	/* enum task_status */
	int	 has_value;	/* 0: the result is None */
	int64_t	 value;
	uint64_t child_cpu_ns;	/* sh: the CPU time its command used */
	char	 error[160];
};

/* Run t in this process.  crash and hang do not return. */
void	 task_run(const struct task *t, struct task_ctx *ctx,
	     struct task_outcome *out);

/* What an instant task prints (task_kind_instant: it depends on the task
 * alone), made again: up to size - 1 bytes in buf, NUL-terminated; returns
 * their length.  Each instant kind prints one line. */
size_t	 task_print(const struct task *t, char *buf, size_t size);

/* Pacing (--pace), as a demo adds time.sleep(max(0, pace - elapsed)) to
 * its task just before it returns: sleep until pace_ms (times the
 * context's time scale) of pool time have passed since start (pool time,
 * ns: the monotonic clock less ctx->paused_ns), if they have not.  Pauses
 * are left out, as for a sleep task. */
void	 task_pace(const struct task_ctx *ctx, uint64_t start, int pace_ms);

#endif
