/*
 * event.h: the event stream, the one source of truth every consumer reads
 * (batch printers, the model behind the screen, recordings, exports).
 *
 * The engine emits events through an event_sink; several consumers are
 * chained by an event_fanout.  Field meanings are the README's (The event stream).
 */
#ifndef POOLSCOPE_EVENT_H
#define POOLSCOPE_EVENT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "pool.h"

enum event_type {
	EV_RUN_START,
	EV_WORKER_START,	/* worker, pid */
	EV_TASK_START,		/* task, worker, chunk */
	EV_OUTPUT,		/* task (-1: between tasks), worker, text */
	EV_TASK_DONE,		/* task, worker, value */
	EV_TASK_FAIL,		/* task, worker, text = error */
	EV_TASK_RETRY,		/* task, worker, attempt: queued again */
	EV_RESULT,		/* task, seq, value (or text = error) */
	EV_WORKER_EXIT,		/* worker, pid, text = "exited 0" / "killed by SIGSEGV" */
	EV_WORKER_STATE,	/* worker, state: paused, idle, ... (screen commands);
				   text: why, for "stopped" */
	EV_RUN_END,
	EV_SPAWN_FAIL,		/* worker, text = why, state = workers alive */
	EV_TASK_SKIP,		/* task, worker, chunk, seq = the task whose
				   error ended the chunk: it never ran */
	EV_SENTINEL,		/* worker, pid: took the stop sentinel (None) */
	EV_TASK_SUBMIT,		/* task, chunk, text = the call, state =
				   its call's style, seq = which call (-1:
				   a Process): a Python program's task,
				   known once submitted */
	EV_NTYPES,
	/* Not in the stream (never printed, recorded or replayed): stand-ins
	 * for a run of per-task events, for a reader that keeps only the
	 * outcome (EVENT_BULK).  EV_TASKS_DONE: tasks task .. task + count -
	 * 1 of one chunk were done on worker, from t_start to t, their own
	 * time in cpu_ns and wait_ns (has_stats) or all of it; values[] holds
	 * their results when vkind is VAL_INT (else each is None); bulk,
	 * when a reader wants each task's times or output (EVENT_BIT of
	 * EV_TASK_START or EV_OUTPUT in the engine's sink), when each ended
	 * and how to make what each printed.
	 * EV_RESULTS: the caller received those tasks' results, in order,
	 * seq being the first's arrival position. */
	EV_TASKS_DONE = EV_NTYPES,
	EV_RESULTS,
	EV_NALL
};

enum value_kind {
	VAL_NONE,		/* Python None */
	VAL_INT,
	VAL_ERROR,		/* failed: text holds the error */
	VAL_TEXT,		/* a Python program's value: text is its repr */
	VAL_EXC			/* a Python program's exception: text is its
				   repr, ValueError('bad') */
};

/* The value is an exception (the task failed). */
static inline int
value_failed(int vkind)
{
	return vkind == VAL_ERROR || vkind == VAL_EXC;
}

/* Worker states, as the README names them. */
enum worker_state {
	WS_STARTING, WS_IDLE, WS_BUSY, WS_PAUSED, WS_EXITING, WS_EXITED, WS_CRASHED,
	WS_STOPPED,	/* stopped by someone else (kill -STOP): text says how */
	WS_NSTATES
};

struct run_info {
	int		 mode;		/* enum pool_mode */
	int		 workers;
	int		 cpus;
	size_t		 tasks;
	int		 chunksize;
	int		 keep_going;	/* a raise does not end the call */
	int		 pace_ms;	/* --pace (ms, before the time scale);
					   0: none */
	int		 program;	/* a Python program's own pool: tasks
					   come with task_submit, and tasks and
					   workers grow as it runs */
	char		 command[96];	/* the program's command line, cut */
	int		 exit_code;	/* run_end of a program: how it ended,
					   as Python's exitcode (-N: signal N) */
	/* run_end */
	size_t		 ok;
	size_t		 failed;
	size_t		 skipped;	/* never ran: their chunk raised */
	uint64_t	 wall_ns;	/* pool time: pauses left out */
	uint64_t	 busy_ns;	/* sum of the tasks' own times (what a
					   serial run would take) */
	uint64_t	 cpu_ns;	/* of which on a processor */
	uint64_t	 wait_ns;	/* and waiting (sleep, I/O) */
	uint64_t	 runq_ns;	/* time tasks waited for a processor */
	uint64_t	 paused_ns;	/* wall time spent paused */
	int		 interrupted;	/* stopped before its end (a signal,
					   q on the screen, the reader gone) */
};

/* The run was stopped before its end (tasks may then be left without an
 * outcome, or have failed because it was stopped). */
static inline int
run_info_unfinished(const struct run_info *ri)
{
	return ri->interrupted || ri->ok + ri->failed + ri->skipped < ri->tasks;
}

struct tasklist;

/* An EV_TASKS_DONE for readers of each task's times and output: each task
 * began when the one before it ended (the first at the event's t_start),
 * all in one chunk; an instant task prints what its task alone decides
 * (task_print makes it again). */
struct event_bulk {
	const uint64_t		*ends;	/* per task, ns since the run began */
	int64_t			 chunk;
	const struct tasklist	*tl;
};

struct event {
	int		 type;		/* enum event_type */
	int		 vkind;		/* enum value_kind */
	uint64_t	 t;		/* ns since the run started */
	int		 worker;	/* slot, or -1 */
	pid_t		 pid;
	int64_t		 task;		/* task index, or -1 */
	int64_t		 seq;		/* EV_RESULT: arrival position */
	union {
		int64_t	 chunk;		/* EV_TASK_START: chunk (message) number */
		uint64_t t_start;	/* EV_TASKS_DONE: when the first began */
	};
	int64_t		 value;
	int		 state;		/* EV_WORKER_STATE; EV_TASK_RETRY: attempt */
	int		 has_stats;	/* EV_TASK_DONE, EV_TASK_FAIL: cpu, wait */
	uint64_t	 cpu_ns;	/* the task's time on a processor */
	uint64_t	 wait_ns;	/* and off it, not waiting for one */
	union {
		const char *text;	/* output, error or status; not
					   NUL-terminated */
		const int64_t *values;	/* EV_TASKS_DONE: the results, or
					   NULL (each returned None) */
	};
	union {
		size_t	 len;		/* of text */
		size_t	 count;		/* EV_TASKS_DONE, EV_RESULTS: tasks */
	};
	union {
		const struct run_info *run;	/* EV_RUN_START, EV_RUN_END */
		const struct event_bulk *bulk;	/* EV_TASKS_DONE, or NULL */
	};
};

/* An event with every field set: type and subject given, the rest empty.
 * For the per-task paths: "= { ... }" makes the compiler clear the whole
 * struct with rep stos, which costs more than the rest of the event. */
static inline void
event_init(struct event *ev, int type, int worker, pid_t pid, int64_t task)
{
	ev->type = type;
	ev->t = 0;
	ev->worker = worker;
	ev->pid = pid;
	ev->task = task;
	ev->seq = 0;
	ev->chunk = 0;
	ev->vkind = VAL_NONE;
	ev->value = 0;
	ev->state = 0;
	ev->has_stats = 0;
	ev->cpu_ns = 0;
	ev->wait_ns = 0;
	ev->text = NULL;
	ev->len = 0;
	ev->run = NULL;
}

#define EVENT_BIT(type)	(1u << (type))
#define EVENT_ALL	((1u << EV_NTYPES) - 1)
/* A reader that takes EV_TASKS_DONE and EV_RESULTS for runs of instant
 * tasks, without their task_start, output, task_done and result events. */
#define EVENT_BULK	(EVENT_BIT(EV_TASKS_DONE) | EVENT_BIT(EV_RESULTS))
/* The per-task events the bulk ones stand in for. */
#define EVENT_PER_TASK	(EVENT_BIT(EV_TASK_START) | EVENT_BIT(EV_OUTPUT) | \
	EVENT_BIT(EV_TASK_DONE) | EVENT_BIT(EV_RESULT))

struct event_sink {
	void	(*event)(void *arg, const struct event *ev);
	/* The engine is about to wait: push out whatever is buffered. */
	void	(*flush)(void *arg);
	void	 *arg;
	/* The event types this sink reads (EVENT_BIT(type) bits).  Nobody
	 * is handed an event it does not read, and the engine does not build
	 * events that no sink reads (a million output lines nobody shows).
	 * The engine sends bulk events only when every reader of per-task
	 * events takes them (EVENT_BULK set in a fan-out's want). */
	uint32_t want;
};

/* Fan one stream out to several sinks, in order. */
#define EVENT_FANOUT_MAX 8
struct event_fanout {
	struct event_sink	 sinks[EVENT_FANOUT_MAX];
	int			 n;
	/* Per event type, the sinks that read it, in order. */
	uint8_t			 by_type[EV_NALL][EVENT_FANOUT_MAX];
	uint8_t			 nby_type[EV_NALL];
};
void	 event_fanout_add(struct event_fanout *, const struct event_sink *);
struct event_sink event_fanout_sink(struct event_fanout *);

const char	*event_type_name(int type);
const char	*worker_state_name(int state);

/* Format a value as Python prints it in a list: "16", "None". */
void		 event_value_format(int vkind, int64_t value, const char *text,
		     size_t len, char *buf, size_t buflen);

#endif
