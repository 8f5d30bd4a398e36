/*
 * evjson.c: the event stream's JSON shape (evjson.h).  evjson_fields is the
 * one list of what each event type carries; the writer and the reader
 * below both walk it, so a field added to one is in the other, and the
 * round trip is tested for every type (tests/unit/test_evjson.c).
 *
 * Every line is {"t":SECONDS,"ev":"NAME",...} with the fields in the
 * table's order.  Times are seconds with six decimals.  Results are
 * written as Python prints them ("16", "None", "TaskError('...')").
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "batch/batch.h"
#include "batch/evjson.h"
#include "replay/json.h"

enum evf {
	EVF_END,
	EVF_WORKER,		/* "worker": a slot */
	EVF_WORKER_NEG,		/* "worker": a slot, or -1 (none) */
	EVF_PID,		/* "pid" (optional when read) */
	EVF_TASK,		/* "task": a task */
	EVF_TASK_NEG,		/* "task": a task, or -1 (between tasks) */
	EVF_CHUNK,		/* "chunk" (optional when read) */
	EVF_CHUNK_REQ,		/* "chunk" */
	EVF_CAUSE,		/* "cause": the task whose error it was (seq) */
	EVF_SEQ,		/* "seq": arrival position */
	EVF_STATE,		/* "state": a worker state, and "why" if any */
	EVF_TEXT,		/* "text": what a task printed */
	EVF_RESULT,		/* "result": the task's value */
	EVF_VALUE,		/* "value" and "ok": false for an exception */
	EVF_ATTEMPT,		/* "attempt" (state) */
	EVF_ERROR,		/* "error" (text) */
	EVF_STATS,		/* "cpu" and "wait", when known */
	EVF_STATUS,		/* "status": how a process ended (text) */
	EVF_LIVE,		/* "live": workers going on (state) */
	EVF_CALL,		/* "call": what a Python task calls (text) */
	EVF_STYLE,		/* "style" (state) and "call_seq" (seq): a
				   program's call a task belongs to */
	EVF_RUN_START,		/* the run's shape */
	EVF_RUN_END		/* its outcome and times */
};

#define EVJSON_MAXF	6

static const uint8_t evjson_fields[EV_NTYPES][EVJSON_MAXF] = {
	[EV_RUN_START] = { EVF_RUN_START },
	[EV_WORKER_START] = { EVF_WORKER, EVF_PID },
	[EV_TASK_START] = { EVF_TASK, EVF_WORKER, EVF_PID, EVF_CHUNK },
	[EV_OUTPUT] = { EVF_TASK_NEG, EVF_WORKER_NEG, EVF_TEXT },
	[EV_TASK_DONE] = { EVF_TASK, EVF_WORKER, EVF_RESULT, EVF_STATS },
	[EV_TASK_FAIL] = { EVF_TASK, EVF_WORKER_NEG, EVF_ERROR, EVF_STATS },
	[EV_TASK_RETRY] = { EVF_TASK, EVF_WORKER, EVF_ATTEMPT, EVF_ERROR,
	    EVF_STATS },
	[EV_RESULT] = { EVF_TASK, EVF_SEQ, EVF_VALUE },
	[EV_WORKER_EXIT] = { EVF_WORKER, EVF_PID, EVF_STATUS },
	[EV_WORKER_STATE] = { EVF_WORKER, EVF_PID, EVF_STATE },
	[EV_RUN_END] = { EVF_RUN_END },
	[EV_SPAWN_FAIL] = { EVF_WORKER, EVF_ERROR, EVF_LIVE },
	[EV_TASK_SKIP] = { EVF_TASK, EVF_WORKER, EVF_CHUNK_REQ, EVF_CAUSE },
	[EV_SENTINEL] = { EVF_WORKER, EVF_PID },
	[EV_TASK_SUBMIT] = { EVF_TASK, EVF_CHUNK, EVF_STYLE, EVF_CALL },
};

/* ---------------------------------------------------------------- writing */

/*
 * An event is made into one line in a buffer and written at once: a million
 * tasks make millions of events, and a printf or an fwrite a field cost
 * more than the run (--json, --record).
 */
struct jout {
	FILE	*f;
	size_t	 n;
	char	 buf[4096];
};

static void
jo_put(void *arg, const char *s, size_t len)
{
	struct jout	*o = arg;

	if (o->n + len > sizeof o->buf) {
		fwrite(o->buf, 1, o->n, o->f);
		o->n = 0;
		if (len > sizeof o->buf) {
			fwrite(s, 1, len, o->f);
			return;
		}
	}
	memcpy(o->buf + o->n, s, len);
	o->n += len;
}

static void
jo_str(struct jout *o, const char *s)
{
	jo_put(o, s, strlen(s));
}

/* ns as seconds with six decimals, at p; returns the end. */
static char *
evjson_put_secs(char *p, uint64_t ns)
{
	uint64_t	us = (ns % 1000000000u) / 1000u;
	int		i;

	p = util_put_i64(p, (int64_t)(ns / 1000000000u));
	*p++ = '.';
	for (i = 5; i >= 0; i--) {
		p[i] = (char)('0' + us % 10);
		us /= 10;
	}
	return p + 6;
}

/* ,"key": */
static char *
evjson_put_key(char *p, const char *key)
{
	*p++ = ',';
	*p++ = '"';
	p = util_put_str(p, key);
	*p++ = '"';
	*p++ = ':';
	return p;
}

static void
evjson_secs(struct jout *o, const char *key, uint64_t ns)
{
	char	buf[96], *p = evjson_put_key(buf, key);

	p = evjson_put_secs(p, ns);
	jo_put(o, buf, (size_t)(p - buf));
}

static void
evjson_int(struct jout *o, const char *key, int64_t v)
{
	char	buf[64], *p = evjson_put_key(buf, key);

	p = util_put_i64(p, v);
	jo_put(o, buf, (size_t)(p - buf));
}

static void
evjson_text(struct jout *o, const char *key, const char *text, size_t len)
{
	char	buf[64], *p = evjson_put_key(buf, key);

	jo_put(o, buf, (size_t)(p - buf));
	batch_json_escape(text != NULL ? text : "", text != NULL ? len : 0,
	    jo_put, o);
}

/* ,"key":"name" for one of poolscope's own names (nothing to escape). */
static void
evjson_name(struct jout *o, const char *key, const char *name)
{
	char	buf[64], *p = evjson_put_key(buf, key);

	*p++ = '"';
	jo_put(o, buf, (size_t)(p - buf));
	jo_str(o, name);
	jo_put(o, "\"", 1);
}

static void
evjson_write_field(struct jout *o, int kind, const struct event *ev)
{
	const struct run_info	*ri = ev->run;
	char			 val[512];

	switch (kind) {
	case EVF_WORKER:
	case EVF_WORKER_NEG:
		evjson_int(o, "worker", ev->worker);
		break;
	case EVF_PID:
		evjson_int(o, "pid", (int)ev->pid);
		break;
	case EVF_TASK:
	case EVF_TASK_NEG:
		evjson_int(o, "task", ev->task);
		break;
	case EVF_CHUNK:
	case EVF_CHUNK_REQ:
		evjson_int(o, "chunk", ev->chunk);
		break;
	case EVF_CAUSE:
		evjson_int(o, "cause", ev->seq);
		break;
	case EVF_SEQ:
		evjson_int(o, "seq", ev->seq);
		break;
	case EVF_STATE:
		evjson_name(o, "state", worker_state_name(ev->state));
		if (ev->len > 0)
			evjson_text(o, "why", ev->text, ev->len);
		break;
	case EVF_TEXT:
		evjson_text(o, "text", ev->text, ev->len);
		break;
	case EVF_RESULT:
		if (ev->vkind == VAL_TEXT) {
			evjson_text(o, "result", ev->text, ev->len);
			break;
		}
		event_value_format(ev->vkind, ev->value, NULL, 0, val,
		    sizeof val);
		evjson_name(o, "result", val);
		break;
	case EVF_VALUE:
		event_value_format(ev->vkind, ev->value, ev->text, ev->len, val,
		    sizeof val);
		evjson_text(o, "value", val, strlen(val));
		if (value_failed(ev->vkind))
			jo_str(o, ",\"ok\":false");
		break;
	case EVF_ATTEMPT:
		evjson_int(o, "attempt", ev->state);
		break;
	case EVF_ERROR:
		/* A Python program's exception is its repr, as it is. */
		evjson_text(o, ev->vkind == VAL_EXC ? "exception" : "error",
		    ev->text, ev->len);
		break;
	case EVF_CALL:
		evjson_text(o, "call", ev->text, ev->len);
		break;
	case EVF_STYLE:
		evjson_name(o, "style", pool_mode_name(ev->state));
		evjson_int(o, "call_seq", ev->seq);
		break;
	case EVF_STATS:
		if (ev->has_stats) {
			evjson_secs(o, "cpu", ev->cpu_ns);
			evjson_secs(o, "wait", ev->wait_ns);
		}
		break;
	case EVF_STATUS:
		evjson_text(o, "status", ev->text, ev->len);
		break;
	case EVF_LIVE:
		evjson_int(o, "live", ev->state);
		break;
	case EVF_RUN_START:
		evjson_name(o, "mode", pool_mode_name(ri->mode));
		evjson_int(o, "workers", ri->workers);
		evjson_int(o, "cpus", ri->cpus);
		evjson_int(o, "tasks", (int64_t)ri->tasks);
		evjson_int(o, "chunksize", ri->chunksize);
		if (ri->keep_going)
			jo_str(o, ",\"keep_going\":true");
		evjson_int(o, "pace_ms", ri->pace_ms);
		if (ri->program) {
			jo_str(o, ",\"program\":true");
			evjson_text(o, "command", ri->command,
			    strlen(ri->command));
		}
		break;
	case EVF_RUN_END:
		evjson_int(o, "tasks", (int64_t)ri->tasks);
		evjson_int(o, "ok", (int64_t)ri->ok);
		evjson_int(o, "failed", (int64_t)ri->failed);
		if (ri->skipped > 0)
			evjson_int(o, "skipped", (int64_t)ri->skipped);
		evjson_secs(o, "wall", ri->wall_ns);
		evjson_secs(o, "busy", ri->busy_ns);
		evjson_secs(o, "cpu", ri->cpu_ns);
		evjson_secs(o, "wait", ri->wait_ns);
		evjson_secs(o, "runq", ri->runq_ns);
		evjson_secs(o, "paused", ri->paused_ns);
		if (run_info_unfinished(ri))
			jo_str(o, ",\"interrupted\":true");
		if (ri->program)
			evjson_int(o, "exit_code", ri->exit_code);
		break;
	}
}

void
evjson_write(FILE *f, const struct event *ev)
{
	struct jout	 o;
	const uint8_t	*k;
	char		*p;

	o.f = f;
	p = util_put_str(o.buf, "{\"t\":");
	p = evjson_put_secs(p, ev->t);
	p = util_put_str(p, ",\"ev\":\"");
	p = util_put_str(p, event_type_name(ev->type));
	*p++ = '"';
	o.n = (size_t)(p - o.buf);
	if (ev->type >= 0 && ev->type < EV_NTYPES)
		for (k = evjson_fields[ev->type]; k < evjson_fields[ev->type] +
		    EVJSON_MAXF && *k != EVF_END; k++)
			evjson_write_field(&o, *k, ev);
	jo_put(&o, "}\n", 2);
	fwrite(o.buf, 1, o.n, f);
}

/* ---------------------------------------------------------------- reading */

/* Inline, as json_get: its name is a constant at each call. */
static inline const char *
evjson_str(const struct json_obj *o, const char *key, size_t *len, char *err,
    size_t errlen)
{
	const struct json_field	*f = json_get(o, key);

	if (f == NULL || f->type != J_STR) {
		snprintf(err, errlen, "'%s' is missing or not a string", key);
		return NULL;
	}
	if (len != NULL)
		*len = f->len;
	return f->str;
}

/* A time in seconds, 0 when missing (older recordings lack it). */
static uint64_t
evjson_secs_get(const struct json_obj *o, const char *key)
{
	const struct json_field	*f = json_get(o, key);

	return f && f->type == J_NUM && f->num >= 0 && f->num < 1e9 ?
	    (uint64_t)(f->num * 1e9 + 0.5) : 0;
}

static int
evjson_bool(const struct json_obj *o, const char *key)
{
	const struct json_field	*f = json_get(o, key);

	return f != NULL && f->type == J_BOOL && f->b;
}

static int
evjson_state_parse(const char *s)
{
	int	i;

	for (i = 0; i < WS_NSTATES; i++)
		if (strcmp(s, worker_state_name(i)) == 0)
			return i;
	return -1;
}

/* "16" -> VAL_INT 16, "None" -> VAL_NONE; TaskError('x') -> VAL_ERROR x
 * (in the reader's vtext, which the next call overwrites). */
static int
evjson_value(struct evjson_reader *rd, const char *s, size_t n,
    struct event *ev, char *err, size_t errlen)
{
	char	*end;
	size_t	 i, o = 0;
	int64_t	 v;

	if (strcmp(s, "None") == 0) {
		ev->vkind = VAL_NONE;
		return 0;
	}
	if (n > 13 && strncmp(s, "TaskError('", 11) == 0 &&
	    strcmp(s + n - 2, "')") == 0) {
		if (n > rd->vcap) {
			rd->vcap = n;
			rd->vtext = xreallocarray(rd->vtext, rd->vcap, 1);
		}
		for (i = 11; i < n - 2; i++) {
			if (s[i] == '\\' && i + 1 < n - 2) {
				i++;
				if (s[i] == 'x' && i + 2 < n - 2) {
					rd->vtext[o++] = (char)strtol((char[]){
					    s[i + 1], s[i + 2], 0 }, NULL, 16);
					i += 2;
					continue;
				}
			}
			rd->vtext[o++] = s[i];
		}
		rd->vtext[o] = '\0';
		ev->vkind = VAL_ERROR;
		ev->text = rd->vtext;
		ev->len = o;
		return 0;
	}
	/* What poolscope writes, -?DIGITS, at most 18 of them (no overflow),
	 * without strtoll: a twentieth of replaying a million squares. */
	i = s[0] == '-';
	if (n > i && n - i <= 18) {
		for (v = 0; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			v = v * 10 + (s[i] - '0');
		if (i == n) {
			ev->value = s[0] == '-' ? -v : v;
			ev->vkind = VAL_INT;
			return 0;
		}
	}
	errno = 0;
	ev->value = strtoll(s, &end, 10);
	if (*s != '\0' && *end == '\0' && errno == 0) {
		ev->vkind = VAL_INT;
		return 0;
	}
	if (rd->start.program) {
		/* A Python value's repr, or an exception's (ok: false). */
		ev->vkind = VAL_TEXT;
		ev->text = s;
		ev->len = n;
		ev->value = 0;
		return 0;
	}
	snprintf(err, errlen, "a result must be a whole number, None or "
	    "TaskError('...'), not '%.40s'", s);
	return -1;
}

static int
evjson_read_run(struct evjson_reader *rd, const struct json_obj *o,
    int kind, struct event *ev, char *err, size_t errlen)
{
	struct run_info	*ri;
	const char	*s;
	int64_t		 v, nt = (int64_t)rd->ntasks;

	if (kind == EVF_RUN_END) {
		ri = &rd->end;
		*ri = rd->start;
		ev->run = ri;
		if (json_get_int(o, "ok", 0, nt, &v, err, errlen))
			return -1;
		ri->ok = (size_t)v;
		if (json_get_int(o, "failed", 0, nt, &v, err, errlen))
			return -1;
		ri->failed = (size_t)v;
		ri->skipped = 0;
		if (json_get(o, "skipped") != NULL) {
			if (json_get_int(o, "skipped", 0, nt, &v, err, errlen))
				return -1;
			ri->skipped = (size_t)v;
		}
		ri->wall_ns = json_get(o, "wall") != NULL ?
		    evjson_secs_get(o, "wall") : ev->t;
		ri->busy_ns = evjson_secs_get(o, "busy");
		ri->cpu_ns = evjson_secs_get(o, "cpu");
		ri->wait_ns = evjson_secs_get(o, "wait");
		ri->runq_ns = evjson_secs_get(o, "runq");
		ri->paused_ns = evjson_secs_get(o, "paused");
		ri->interrupted = evjson_bool(o, "interrupted");
		if (ri->program)	/* its tasks came as it ran */
			ri->tasks = rd->ntasks;
		ri->exit_code = 0;
		if (ri->program && json_get(o, "exit_code") != NULL) {
			if (json_get_int(o, "exit_code", -64, 255, &v, err,
			    errlen))
				return -1;
			ri->exit_code = (int)v;
		}
		return 0;
	}
	ri = &rd->start;
	ev->run = ri;
	if ((s = evjson_str(o, "mode", NULL, err, errlen)) == NULL)
		return -1;
	if ((ri->mode = pool_mode_parse(s)) == -1) {
		snprintf(err, errlen, "unknown mode '%.40s'", s);
		return -1;
	}
	/* A program may have made no pool: 0. */
	if (json_get_int(o, "workers", evjson_bool(o, "program") ? 0 : 1,
	    65536, &v, err, errlen))
		return -1;
	ri->workers = (int)v;
	if (json_get_int(o, "cpus", 1, 1 << 20, &v, err, errlen))
		return -1;
	ri->cpus = (int)v;
	if (json_get_int(o, "tasks", nt, nt, &v, err, errlen))
		return -1;
	ri->tasks = (size_t)v;
	if (json_get_int(o, "chunksize", 0, 1 << 30, &v, err, errlen))
		return -1;
	ri->chunksize = (int)v;
	ri->keep_going = evjson_bool(o, "keep_going");
	ri->program = evjson_bool(o, "program");
	ri->command[0] = '\0';
	if (ri->program && (s = evjson_str(o, "command", NULL, err,
	    errlen)) != NULL)
		snprintf(ri->command, sizeof ri->command, "%s", s);
	/* Optional: a recording made before --pace has none. */
	ri->pace_ms = 0;
	if (json_get(o, "pace_ms") != NULL) {
		if (json_get_int(o, "pace_ms", 0, POOL_MAX_PACE_MS, &v, err,
		    errlen))
			return -1;
		ri->pace_ms = (int)v;
	}
	return 0;
}

static int
evjson_read_field(struct evjson_reader *rd, const struct json_obj *o,
    int kind, struct event *ev, char *err, size_t errlen)
{
	const char	*s;
	size_t		 len;
	int64_t		 v, nt = (int64_t)rd->ntasks;
	int64_t		 nw = rd->start.program ? POOL_MAX_WORKERS :
	    rd->start.workers;

	switch (kind) {
	case EVF_WORKER:
	case EVF_WORKER_NEG:
		if (json_get_int(o, "worker", kind == EVF_WORKER_NEG ? -1 : 0,
		    nw - 1, &v, err, errlen))
			return -1;
		ev->worker = (int)v;
		return 0;
	case EVF_PID:
		if (json_get(o, "pid") == NULL)
			return 0;
		if (json_get_int(o, "pid", 0, INT32_MAX, &v, err, errlen))
			return -1;
		ev->pid = (pid_t)v;
		return 0;
	case EVF_TASK:
	case EVF_TASK_NEG:
		if (ev->type == EV_TASK_SUBMIT) {
			/* A program's next task: the tasks grow by one. */
			if (!rd->start.program) {
				snprintf(err, errlen, "task_submit in a run of "
				    "poolscope's own tasks (they are all in the "
				    "header)");
				return -1;
			}
			if (json_get_int(o, "task", nt, nt, &ev->task, err,
			    errlen))
				return -1;
			rd->ntasks++;
			return 0;
		}
		return json_get_int(o, "task", kind == EVF_TASK_NEG ? -1 : 0,
		    nt - 1, &ev->task, err, errlen);
	case EVF_CHUNK:
		if (json_get(o, "chunk") == NULL)
			return 0;
		/* FALLTHROUGH */
	case EVF_CHUNK_REQ:
		return json_get_int(o, "chunk", 0, INT64_MAX, &ev->chunk, err,
		    errlen);
	case EVF_CAUSE:
		return json_get_int(o, "cause", 0, nt - 1, &ev->seq, err, errlen);
	case EVF_SEQ:
		return json_get_int(o, "seq", 0, nt - 1, &ev->seq, err, errlen);
	case EVF_STATE:
		if ((s = evjson_str(o, "state", NULL, err, errlen)) == NULL)
			return -1;
		if ((ev->state = evjson_state_parse(s)) == -1) {
			snprintf(err, errlen, "unknown worker state '%.40s'", s);
			return -1;
		}
		if (json_get(o, "why") != NULL &&
		    (ev->text = evjson_str(o, "why", &ev->len, err, errlen)) ==
		    NULL)
			return -1;
		return 0;
	case EVF_TEXT:
		ev->text = evjson_str(o, "text", &ev->len, err, errlen);
		return ev->text != NULL ? 0 : -1;
	case EVF_RESULT:
		if ((s = evjson_str(o, "result", &len, err, errlen)) == NULL)
			return -1;
		return evjson_value(rd, s, len, ev, err, errlen);
	case EVF_VALUE:
		if ((s = evjson_str(o, "value", &len, err, errlen)) == NULL)
			return -1;
		if (evjson_value(rd, s, len, ev, err, errlen) != 0)
			return -1;
		if (ev->vkind == VAL_TEXT && json_get(o, "ok") != NULL &&
		    !evjson_bool(o, "ok"))
			ev->vkind = VAL_EXC;
		return 0;
	case EVF_ATTEMPT:
		if (json_get_int(o, "attempt", 1, 1000, &v, err, errlen))
			return -1;
		ev->state = (int)v;
		return 0;
	case EVF_ERROR:
		if (json_get(o, "exception") != NULL) {
			ev->text = evjson_str(o, "exception", &ev->len, err,
			    errlen);
			ev->vkind = VAL_EXC;
			return ev->text != NULL ? 0 : -1;
		}
		if ((ev->text = evjson_str(o, "error", &ev->len, err,
		    errlen)) == NULL)
			return -1;
		if (ev->type != EV_SPAWN_FAIL)
			ev->vkind = VAL_ERROR;
		return 0;
	case EVF_CALL:
		ev->text = evjson_str(o, "call", &ev->len, err, errlen);
		return ev->text != NULL ? 0 : -1;
	case EVF_STYLE:
		if ((s = evjson_str(o, "style", NULL, err, errlen)) == NULL)
			return -1;
		ev->state = strcmp(s, "queue") == 0 ? MODE_QUEUE :
		    pool_mode_parse(s);
		if (ev->state == -1) {
			snprintf(err, errlen, "unknown style '%.40s'", s);
			return -1;
		}
		return json_get_int(o, "call_seq", -1, INT64_MAX, &ev->seq, err,
		    errlen);
	case EVF_STATS:
		if (json_get(o, "cpu") == NULL || json_get(o, "wait") == NULL)
			return 0;
		ev->has_stats = 1;
		ev->cpu_ns = evjson_secs_get(o, "cpu");
		ev->wait_ns = evjson_secs_get(o, "wait");
		return 0;
	case EVF_STATUS:
		if ((ev->text = evjson_str(o, "status", &ev->len, err,
		    errlen)) == NULL)
			return -1;
		ev->state = strcmp(ev->text, "exited 0") == 0 ? WS_EXITED :
		    WS_CRASHED;
		return 0;
	case EVF_LIVE:
		if (json_get_int(o, "live", 0, nw, &v, err, errlen))
			return -1;
		ev->state = (int)v;
		return 0;
	case EVF_RUN_START:
	case EVF_RUN_END:
		return evjson_read_run(rd, o, kind, ev, err, errlen);
	}
	return 0;
}

/*
 * The type named s (n bytes), or -1.  Every line is looked up, four
 * million for a million tasks, so the names and their lengths are kept
 * here (made on the first call) and a name is compared only where the
 * length and first byte agree, rather than a call and a strcmp a type.
 * A name with a NUL in it is read as the C string before the NUL, as
 * always.
 */
static int
evjson_type_parse(const char *s, size_t n)
{
	static const char	*names[EV_NTYPES];
	static size_t		 lens[EV_NTYPES];
	int			 i;

	if (names[0] == NULL)
		for (i = EV_NTYPES - 1; i >= 0; i--) {
			names[i] = event_type_name(i);
			lens[i] = strlen(names[i]);
		}
	n = strnlen(s, n);
	for (i = 0; i < EV_NTYPES; i++)
		if (lens[i] == n && s[0] == names[i][0] &&
		    memcmp(s, names[i], n) == 0)
			return i;
	return -1;
}

int
evjson_read(struct evjson_reader *rd, const struct json_obj *o,
    struct event *ev, char *err, size_t errlen)
{
	const struct json_field	*f;
	const uint8_t		*k;
	const char		*s;
	size_t			 n;
	int			 type;

	/* Field by field: a memset (rep stos) was a fifth of this. */
	event_init(ev, 0, -1, 0, -1);
	if ((s = evjson_str(o, "ev", &n, err, errlen)) == NULL)
		return -1;
	if ((type = evjson_type_parse(s, n)) == -1) {
		snprintf(err, errlen, "unknown event '%.40s'", s);
		return -1;
	}
	ev->type = type;
	f = json_get(o, "t");
	if (f == NULL || f->type != J_NUM || f->num < 0 || f->num > 1e9) {
		snprintf(err, errlen, "'t' is missing or not a time in seconds");
		return -1;
	}
	ev->t = (uint64_t)(f->num * 1e9 + 0.5);
	if (type != EV_RUN_START && rd->start.cpus == 0) {
		snprintf(err, errlen, "'%s' before run_start",
		    event_type_name(type));
		return -1;
	}
	for (k = evjson_fields[type]; k < evjson_fields[type] + EVJSON_MAXF &&
	    *k != EVF_END; k++)
		if (evjson_read_field(rd, o, *k, ev, err, errlen) != 0)
			return -1;
	return 0;
}

void
evjson_reader_free(struct evjson_reader *rd)
{
	free(rd->vtext);
	rd->vtext = NULL;
	rd->vcap = 0;
}
