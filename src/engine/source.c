/*
 * source.c: the engine as a source of events (source.h): a live pool of
 * poolscope's own workers.
 */
#include "config.h"

#include <stdlib.h>

#include "util.h"
#include "source.h"
#include "engine/engine.h"

struct esource {
	struct engine_config	 cfg;
	const struct tasklist	*tl;
	struct engine		*e;
};

static int
es_start(void *arg, const struct event_sink *sink, char *err, size_t errlen)
{
	struct esource	*s = arg;

	s->e = engine_new(&s->cfg, s->tl, sink);
	return engine_start(s->e, err, errlen);
}

static int
es_fd(void *arg)
{
	struct esource	*s = arg;

	return s->e != NULL && !engine_finished(s->e) ? engine_fd(s->e) : -1;
}

static int
es_prepare_wait(void *arg)
{
	return engine_prepare_wait(((struct esource *)arg)->e);
}

static void
es_process(void *arg)
{
	engine_process(((struct esource *)arg)->e);
}

static int
es_finished(void *arg)
{
	struct esource	*s = arg;

	return s->e == NULL || engine_finished(s->e);
}

static uint64_t
es_now(void *arg)
{
	struct esource	*s = arg;

	return s->e != NULL ? engine_now(s->e) : 0;
}

static void
es_pause(void *arg, int paused)
{
	engine_pause(((struct esource *)arg)->e, paused);
}

static int
es_paused(void *arg)
{
	return engine_paused(((struct esource *)arg)->e);
}

static void
es_step(void *arg)
{
	engine_step(((struct esource *)arg)->e);
}

static int
es_stepping(void *arg)
{
	struct esource	*s = arg;

	return s->e != NULL && engine_stepping(s->e);
}

static void
es_step_tasks(void *arg, int64_t *started, int64_t *ended)
{
	engine_step_tasks(((struct esource *)arg)->e, started, ended);
}

static int
es_kill_worker(void *arg, int slot)
{
	return engine_kill_worker(((struct esource *)arg)->e, slot);
}

static void
es_set_speed(void *arg, double ts)
{
	engine_set_time_scale(((struct esource *)arg)->e, ts);
}

static double
es_speed(void *arg)
{
	return engine_time_scale(((struct esource *)arg)->e);
}

static void
es_abort(void *arg)
{
	struct esource	*s = arg;

	if (s->e != NULL && !engine_finished(s->e))
		engine_abort(s->e);
}

static int
es_exit_status(void *arg)
{
	return engine_exit_status(((struct esource *)arg)->e);
}

static const struct tasklist *
es_tasklist(void *arg)
{
	return ((struct esource *)arg)->tl;
}

static void
es_free(void *arg)
{
	struct esource	*s = arg;

	engine_free(s->e);	/* kills and reaps what is left */
	free(s);
}

static const struct source_ops esource_ops = {
	"engine", es_start, es_fd, es_prepare_wait, es_process, es_finished,
	es_now, es_pause, es_paused, es_step, es_stepping, es_step_tasks,
	es_kill_worker, es_set_speed, es_speed, NULL, NULL, es_abort,
	es_exit_status, es_tasklist, es_free
};

struct source
source_engine(const struct engine_config *cfg, const struct tasklist *tl)
{
	struct esource	*s = xcalloc(1, sizeof *s);
	struct source	 src = { &esource_ops, s };

	s->cfg = *cfg;
	s->tl = tl;
	return src;
}
