/*
 * model.h: the state every view reads, folded from the event stream alone
 * (live runs and, later, replays feed it the same way).
 */
#ifndef POOLSCOPE_MODEL_H
#define POOLSCOPE_MODEL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "engine/event.h"

/* One slot's timeline: the tasks it started, in order, and its
 * processes.  An entry is a task's index; a run of a task that was later
 * retried (its worker died) is MODEL_LANE_PAST | an index in the model's
 * past runs, since the task's own times are now those of its next run.
 * Read entries with model_lane_span. */
#define MODEL_LANE_PAST	0x80000000u
struct model_lane {
	uint32_t	*tasks;
	size_t		 n, cap;
	uint64_t	*spawns;	/* when each of its processes started */
	pid_t		*pids;		/* and their PIDs */
	size_t		 nspawns, spawncap;
	uint64_t	 sentinel_t;	/* when it took the stop sentinel */
	int		 sentinel;	/* it did */
};

/* A task's run that ended in a retry: it failed there. */
struct model_past {
	uint32_t	 task;
	uint64_t	 start, end;
};

/* One entry of a lane, as drawn: whose, from when to when (a running
 * task: to now), and how it ended (enum model_task_state). */
struct model_span {
	uint32_t	 task;
	uint64_t	 start, end;
	int		 state;
	int		 past;		/* a run retried since */
};

/* A line the tasks printed, for the output pane: raw bytes (control
 * characters included) up to MODEL_LINE_MAX - 1, cut at a NUL. */
#define MODEL_LINE_MAX	160
#define MODEL_LINES	1024
struct model_line {
	int		 worker;
	int64_t		 task;
	uint64_t	 t;
	char		 text[MODEL_LINE_MAX];
};

/* A slot's runs of instant tasks whose lines are not made yet, oldest
 * first, no more than MODEL_LINES lines in all. */
#define MODEL_PEND_RUNS	16
struct model_pend {
	uint32_t	 first[MODEL_PEND_RUNS];
	uint32_t	 n[MODEL_PEND_RUNS];
	int		 nruns;
	size_t		 lines;
};

/* A Python program's call: map(), imap(), apply_async() in a row... */
struct model_call {
	size_t		 first;		/* its first task */
	uint64_t	 t;		/* when it was submitted */
	int		 mode;
};

struct model_worker {
	pid_t		 pid;
	int		 state;		/* enum worker_state */
	int64_t		 task;		/* running task, -1 */
	uint64_t	 task_start;	/* ns */
	uint64_t	 busy_ns;
	uint64_t	 done;		/* tasks finished (done or failed), by
					   all the slot's processes */
	unsigned	 processes;	/* PIDs this slot has had */
	int		 no_process;	/* its process could not be made */
};

enum model_task_state { MT_PENDING, MT_RUNNING, MT_DONE, MT_FAILED,
	MT_SKIPPED	/* never ran: an earlier task of its chunk raised */
};

/* A task: two bytes (its value is in the model's values[]). */
struct model_task {
	uint8_t		 state:3;	/* enum model_task_state */
	uint8_t		 vkind:3;	/* enum value_kind */
	uint8_t		 received:1;	/* the caller has its result */
	uint8_t		 ran:1;		/* a worker ran it (a task may fail
					   with none left to run it) */
	uint8_t		 attempts:7;	/* (POOL_MAX_RETRIES + 1 at most) */
	uint8_t		 chained:1;	/* it began as the task before it
					   ended, on the same slot (a run of
					   instant tasks): no start of its own
					   is kept (views) */
};

struct model {
	struct run_info		 run;
	int			 started;	/* run_start seen */
	int			 ended;		/* run_end seen */
	uint64_t		 now;		/* t of the latest event */
	uint64_t		 nevents;	/* events taken (since run_start) */

	struct model_worker	*workers;
	int			 nworkers;
	struct model_task	*tasks;
	int64_t			*values;	/* per task: its result (VAL_INT) */
	/* When each task ran (views only; read them with model_task_when):
	 * its end, and its start unless it is chained to the task before
	 * it.  starts[] is written only where needed, and its pages made
	 * only then: a million squares in runs touch a few hundred. */
	uint64_t		*ends;
	uint64_t		*starts;
	int16_t			*where;		/* per task: the slot that ran it,
						   or whose chunk it was, -1:
						   none (views only) */
	size_t			 ntasks;
	size_t			 taskcap;	/* tasks, values, ends, starts,
						   where, results and errors
						   have room for */
	/* Per task, allocated on first use: an error's text, or a Python
	 * value's repr (VAL_TEXT). */
	char		       **errors;

	uint32_t		*results;	/* task indices, in arrival order */
	size_t			 nresults;
	/* When the results arrived (views only; read them with
	 * model_result_time): runs of results that arrived at one moment
	 * (a chunk's come together), each run's first result and time. */
	uint32_t		*rt_first;
	uint64_t		*rt_t;
	size_t			 nrt, rtcap;
	size_t			 next_unreceived;	/* the first task the caller
						   has no result for yet */

	size_t			 ndone, nfailed, nrunning, nretried;
	size_t			 nskipped;	/* tasks that never ran */
	size_t			 ncomputed;	/* done, or failed on a worker */
	size_t			 nunrun;	/* failed without a worker to run
						   them (none could start) */
	size_t			 nresults_computed;	/* of those, received */
	int64_t			 lost;		/* a program's task lost with its
						   worker (the latest), or -1 */
	size_t			 nno_channel;	/* of those, a program's queue
						   items: nothing sends them
						   back */
	size_t			 nsentinels;	/* stop sentinels taken */
	/* The task whose exception the caller got, ending its call (map,
	 * imap, imap_unordered; -1: none): nothing after it is received. */
	int64_t			 raised;
	size_t			 nworker_starts, ncrashes;
	size_t			 nspawn_fails;	/* processes that could not start */
	int			 spawn_live;	/* workers alive after the last */
	char			 spawn_error[256];	/* why, the last time */

	/* Kept only for the screen (model_keep_views). */
	int			 views;
	struct model_lane	*lanes;		/* per worker slot */
	struct model_past	*past;		/* runs retried since */
	size_t			 npast, pastcap;
	struct model_line	*lines;		/* a ring of MODEL_LINES */
	size_t			 nlines;	/* lines ever added */
	char		       **partial;	/* per slot: a line not yet ended */
	char			*caller_partial;	/* and the program's own
						   (worker -1) */
	uint64_t		 first_submit;	/* a program's first task_submit */
	/* A program's calls (map(), apply_async(), the Processes...): the
	 * style of each task's, and the latest call. */
	uint8_t			*task_mode;
	struct model_call	*calls;		/* each call, in order */
	size_t			 callcap;
	size_t			 ncalls;
	int64_t			 call_id;	/* the latest call's seq */
	int			 call_mode;
	size_t			 call_first;	/* its first task */
	size_t			 call_ended;	/* its tasks done or failed */
	size_t			 call_received;	/* and received */
	int64_t			*partial_task;	/* per slot: whose it is */
	/* Lines instant tasks printed that are not made yet (bulk events):
	 * per slot, runs of tasks, each task's line made from the task list
	 * when the lines are read (only the newest MODEL_LINES can show). */
	struct model_pend	*pend;		/* per slot */
	size_t			 npend;		/* slots with lines pending */
	const struct tasklist	*pend_tl;
	uint64_t		 task_ns_sum;	/* for the mean task time */
	size_t			 task_ns_n;
};

void	model_init(struct model *);
/* Also keep timelines and output lines (for the screen).  Without views
 * the model takes neither output nor task_start events: it keeps results,
 * values, errors and the counts, but not when each task started, how many
 * run, the workers' busy time or the mean task time. */
void	model_keep_views(struct model *);
/* When task i began and ended (views; 0 for a task that never ran). */
void	model_task_when(const struct model *, size_t i, uint64_t *start,
	    uint64_t *end);
/* When the caller received its i-th result (i < nresults; views). */
uint64_t model_result_time(const struct model *, size_t i);
/* How many results the caller had received before t (views). */
size_t	model_results_before(const struct model *, uint64_t t);
/* Entry k of a lane, its end at now if it is still running. */
void	model_lane_span(const struct model *, const struct model_lane *,
	    size_t k, uint64_t now, struct model_span *);
/* Line i (0 = oldest kept); NULL when out of range.  Lines instant tasks
 * printed in a run are made when first read. */
const struct model_line *model_line_get(struct model *, size_t i);
size_t	model_lines_kept(struct model *);
void	model_free(struct model *);
void	model_event(struct model *, const struct event *);
struct event_sink model_sink(struct model *);

/* Results a worker computed (or errors it raised) that the caller never
 * received: map raised, or a for loop over imap stopped at an error. */
size_t	 model_never_received(const struct model *);

/* One result's value as Python prints it. */
void	 model_value_format(const struct model *, size_t task, char *, size_t);

#endif
