/*
 * source.h: where events come from.  A run's events come from a source:
 * the engine (a live pool of poolscope's own workers), a recording played
 * back, and later a real Python program.  Every source offers the same
 * operations, so the screen and batch mode each drive any of them with
 * one loop, and adding a source means writing one file that fills in a
 * struct source_ops (after ncdu's dir_scan/dir_import feeding one output,
 * and tmux's window modes).
 *
 * Driving a source: start it with the sink its events go to, then wait on
 * its fd (if any) for at most prepare_wait() ms and call process() when it
 * is readable or the time is up, until finished().  source_run() is that
 * loop for batch mode; the screen's loop adds its keys and frames.
 */
#ifndef POOLSCOPE_SOURCE_H
#define POOLSCOPE_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "engine/event.h"

struct tasklist;

struct source_ops {
	const char *name;		/* "engine", "replay" */
	/* Begin: events go to sink from now on.  0, or -1 (nothing could
	 * start: no worker) or -2 (poolscope could not set up) with a
	 * message. */
	int	 (*start)(void *, const struct event_sink *, char *err,
		     size_t errlen);
	int	 (*fd)(void *);		/* to poll for reading, or -1 */
	int	 (*prepare_wait)(void *);	/* ms; 0: work now; -1: none */
	void	 (*process)(void *);	/* all that can be done now */
	int	 (*finished)(void *);	/* run_end has been emitted */
	uint64_t (*now)(void *);	/* pool time, ns since the start */
	void	 (*pause)(void *, int paused);
	int	 (*paused)(void *);
	void	 (*step)(void *);	/* one beat: see engine_step() */
	int	 (*stepping)(void *);
	/* The task a step let start and the one whose end ended it (-1). */
	void	 (*step_tasks)(void *, int64_t *started, int64_t *ended);
	int	 (*kill_worker)(void *, int slot);	/* -1: none to kill */
	/* Live: the time scale of tasks to come; played back: the pace. */
	void	 (*set_speed)(void *, double);
	double	 (*speed)(void *);
	/* Played back only (NULL otherwise): move by ns, and the length. */
	void	 (*seek)(void *, int64_t ns);
	uint64_t (*length)(void *);
	void	 (*abort)(void *);	/* stop now: run_end, interrupted */
	int	 (*exit_status)(void *);	/* 0 every task succeeded, else 1 */
	const struct tasklist *(*tasklist)(void *);
	void	 (*free)(void *);
};

struct source {
	const struct source_ops	*ops;
	void			*arg;
};

struct engine_config;
struct replay;

/* A live pool: the engine is made when the source starts. */
struct source	 source_engine(const struct engine_config *,
		     const struct tasklist *);
/* A recording played back at its recorded pace times scale (it stays the
 * caller's). */
struct source	 source_replay(struct replay *, double scale);

/* A Python program (argv, NULL-terminated, argv[0] looked up in PATH),
 * watched through the tracer in the directory tracer.  batch: its standard
 * input is poolscope's (else /dev/null), and a task lost with its worker
 * is said on stderr at once.  timeout_ms (0: none): a program still
 * running that long after it lost a task is ended. */
struct source	 source_python(char *const *argv, const char *tracer, int batch,
		     int timeout_ms);
/* The tracer's directory (allocated), or NULL with a message. */
char		*python_tracer_dir(char *err, size_t errlen);
/* 0 if argv[0] can be run (found in PATH, executable), or -1 with a
 * message: nothing is run then. */
int		 python_command_check(char *const *argv, char *err,
		     size_t errlen);

/* Drive src to its end.  stop_fd, when not -1, is a signalfd: SIGTSTP
 * pauses the source while poolscope is stopped; any other signal aborts
 * it, and is returned; 0 when the run ended.  flush (may be NULL) is called
 * before each wait. */
int	 source_run(struct source *src, int stop_fd, void (*flush)(void *),
	     void *arg);

static inline void
source_free(struct source *src)
{
	if (src->ops != NULL)
		src->ops->free(src->arg);
	src->ops = NULL;
	src->arg = NULL;
}

#endif
