/*
 * engine.h: the process pool.  It forks the workers, hands them tasks, reaps
 * them, respawns them, and reports everything as events.  It knows nothing of
 * curses or printing.
 *
 * Driving it (source.h's loop does): engine_start(), then watch engine_fd()
 * with the timeout from engine_prepare_wait() and call engine_process()
 * whenever it is readable or the timeout passes, until engine_finished().
 */
#ifndef POOLSCOPE_ENGINE_H
#define POOLSCOPE_ENGINE_H

#include <stddef.h>

#include "engine/event.h"

struct tasklist;


struct engine_config {
	int		 workers;		/* pool size, >= 1 */
	int		 mode;			/* enum pool_mode */
	size_t		 chunksize;		/* 0: Python's default */
	int		 max_tasks_per_child;	/* 0: no limit */
	int		 timeout_ms;		/* 0: none */
	int		 retries;
	double		 time_scale;
	int		 keep_going;		/* a raise does not end the call */
	int		 pace_ms;		/* --pace: each task lasts at least
						   this much pool time (times the
						   time scale); 0: none */
};

struct engine;

struct engine	*engine_new(const struct engine_config *, const struct tasklist *,
		     const struct event_sink *);
void		 engine_free(struct engine *);

/* Fork the pool and emit run_start.  -1 (with a message) if no worker
 * could start (fork failed), -2 if poolscope itself could not set up (no
 * shared memory, no event loop); the engine may then only be freed. */
int		 engine_start(struct engine *, char *err, size_t errlen);

/* An fd to poll for reading, and the timeout (ms, -1 for none) to use.
 * engine_prepare_wait() returns 0 when there is work to do right now. */
int		 engine_fd(struct engine *);
int		 engine_prepare_wait(struct engine *);
/* Do everything that can be done without blocking. */
void		 engine_process(struct engine *);
/* 1 once run_end has been emitted. */
int		 engine_finished(struct engine *);

/* Stop now: kill and reap every worker, emit run_end (interrupted). */
void		 engine_abort(struct engine *);

/* 0 when every task succeeded, 1 otherwise (after the run). */
int		 engine_exit_status(struct engine *);

/* Pool time now, ns since the run started: the monotonic clock less the
 * time spent paused (it stands still while paused).  Event times are on
 * this clock. */
uint64_t	 engine_now(struct engine *);

/* Commands from the screen. */
void		 engine_pause(struct engine *, int paused);
int		 engine_paused(struct engine *);
/* While paused: let exactly one more task start, run until a task
 * finishes, then pause again. */
void		 engine_step(struct engine *);
int		 engine_stepping(struct engine *);
/* The task the last step let start (-1: none could), and the task whose
 * end paused the pool again (-1: not yet). */
void		 engine_step_tasks(struct engine *, int64_t *started,
		     int64_t *ended);
int		 engine_kill_worker(struct engine *, int slot);
void		 engine_set_time_scale(struct engine *, double);
double		 engine_time_scale(struct engine *);

#endif
