/*
 * source.c: a recording played back as a source of events (source.h).
 * There is no process to stop or kill: pausing holds the pace, a step plays
 * up to the next task end or result, and it can seek and change its pace.
 */
#include "config.h"

#include <stdlib.h>

#include "util.h"
#include "source.h"
#include "replay/replay.h"

struct rsource {
	struct replay	*rp;
	double		 scale;
};

#define RP(arg)	(((struct rsource *)(arg))->rp)

static int
rs_start(void *arg, const struct event_sink *sink, char *err, size_t errlen)
{
	struct rsource	*s = arg;

	(void)err;
	(void)errlen;
	replay_start(s->rp, sink, s->scale);
	return 0;
}

static int
rs_fd(void *arg)
{
	(void)arg;
	return -1;	/* a timer only */
}

static int
rs_prepare_wait(void *arg)
{
	return replay_prepare_wait(RP(arg));
}

static void
rs_process(void *arg)
{
	replay_process(RP(arg));
}

static int
rs_finished(void *arg)
{
	return replay_finished(RP(arg));
}

static uint64_t
rs_now(void *arg)
{
	return replay_position(RP(arg));
}

static void
rs_pause(void *arg, int paused)
{
	replay_pause(RP(arg), paused);
}

static int
rs_paused(void *arg)
{
	return replay_paused(RP(arg));
}

static void
rs_step(void *arg)
{
	replay_step(RP(arg));
}

static int
rs_stepping(void *arg)
{
	(void)arg;
	return 0;	/* a step is over when it returns */
}

static void
rs_step_tasks(void *arg, int64_t *started, int64_t *ended)
{
	(void)arg;
	*started = *ended = -1;
}

static int
rs_kill_worker(void *arg, int slot)
{
	(void)arg;
	(void)slot;
	return -1;	/* nobody to kill in a recording */
}

static void
rs_set_speed(void *arg, double scale)
{
	replay_set_scale(RP(arg), scale);
}

static double
rs_speed(void *arg)
{
	return replay_scale(RP(arg));
}

static void
rs_seek(void *arg, int64_t ns)
{
	replay_seek(RP(arg), ns);
}

static uint64_t
rs_length(void *arg)
{
	return replay_length(RP(arg));
}

static void
rs_abort(void *arg)
{
	replay_stop(RP(arg));
}

static int
rs_exit_status(void *arg)
{
	return replay_exit_status(RP(arg));
}

static const struct tasklist *
rs_tasklist(void *arg)
{
	return replay_tasklist(RP(arg));
}

static void
rs_free(void *arg)
{
	free(arg);	/* the recording is the caller's */
}

static const struct source_ops rsource_ops = {
	"replay", rs_start, rs_fd, rs_prepare_wait, rs_process, rs_finished,
	rs_now, rs_pause, rs_paused, rs_step, rs_stepping, rs_step_tasks,
	rs_kill_worker, rs_set_speed, rs_speed, rs_seek, rs_length, rs_abort,
	rs_exit_status, rs_tasklist, rs_free
};

struct source
source_replay(struct replay *rp, double scale)
{
	struct rsource	*s = xcalloc(1, sizeof *s);
	struct source	 src = { &rsource_ops, s };

	s->rp = rp;
	s->scale = scale;
	return src;
}
