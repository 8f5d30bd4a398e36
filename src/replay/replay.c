/*
 * replay.c: reading recordings (record.h describes the format) and playing
 * them back.  The whole file is checked when it is opened, so a truncated,
 * malformed or foreign file is refused with its line number before
 * anything is shown; playing then parses each line again as it is due.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util.h"
#include "tasks/tasks.h"
#include "batch/record.h"
#include "replay/json.h"
#include "replay/replay.h"

#define REPLAY_MAX_BYTES	(1024ul * 1024 * 1024)

struct replay {
	char		*path;
	char		*data;
	size_t		 len;
	size_t		*off;		/* event lines: start ... */
	size_t		*end;		/* ... and end */
	uint64_t	*t;		/* ... and time */
	uint8_t		*type;
	size_t		 n, cap;
	struct tasklist	 tl;
	struct run_info	 info_start, info_end;

	struct event_sink sink;
	struct json_obj	 obj;
	char		 text[512];
	size_t		 next;
	double		 scale;
	uint64_t	 base;		/* monotonic ns at position 0 */
	uint64_t	 pos;		/* position when paused */
	int		 paused;
	int		 started;
};

static int
replay_state_parse(const char *s)
{
	int	i;

	for (i = 0; i < WS_NSTATES; i++)
		if (strcmp(s, worker_state_name(i)) == 0)
			return i;
	return -1;
}

static int
replay_type_parse(const char *s)
{
	int	i;

	for (i = 0; i < EV_NTYPES; i++)
		if (strcmp(s, event_type_name(i)) == 0)
			return i;
	return -1;
}

/* A whole number field; -1 with a message if missing or out of range. */
static int
replay_int(const struct json_obj *o, const char *key, int64_t min, int64_t max,
    int64_t *v, char *err, size_t errlen)
{
	const struct json_field	*f = json_get(o, key);

	if (f == NULL || f->type != J_NUM || !f->isint) {
		snprintf(err, errlen, "'%s' is missing or not a whole number",
		    key);
		return -1;
	}
	if (f->inum < min || f->inum > max) {
		snprintf(err, errlen, "'%s' %" PRId64 " is out of range (%"
		    PRId64 "..%" PRId64 ")", key, f->inum, min, max);
		return -1;
	}
	*v = f->inum;
	return 0;
}

static const char *
replay_str(const struct json_obj *o, const char *key, size_t *len, char *err,
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

/* "16" -> VAL_INT 16, "None" -> VAL_NONE; TaskError('x') -> VAL_ERROR x. */
static int
replay_value(struct replay *r, const char *s, struct event *ev, char *err,
    size_t errlen)
{
	char	*end;
	size_t	 i, o = 0, n = strlen(s);

	if (strcmp(s, "None") == 0) {
		ev->vkind = VAL_NONE;
		return 0;
	}
	if (n > 13 && strncmp(s, "TaskError('", 11) == 0 &&
	    strcmp(s + n - 2, "')") == 0) {
		for (i = 11; i < n - 2 && o + 1 < sizeof r->text; i++) {
			if (s[i] == '\\' && i + 1 < n - 2) {
				i++;
				if (s[i] == 'x' && i + 2 < n - 2) {
					r->text[o++] = (char)strtol((char[]){
					    s[i + 1], s[i + 2], 0 }, NULL, 16);
					i += 2;
					continue;
				}
			}
			r->text[o++] = s[i];
		}
		r->text[o] = '\0';
		ev->vkind = VAL_ERROR;
		ev->text = r->text;
		ev->len = o;
		return 0;
	}
	errno = 0;
	ev->value = strtoll(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0) {
		snprintf(err, errlen, "a result must be a whole number, None or "
		    "TaskError('...'), not '%.40s'", s);
		return -1;
	}
	ev->vkind = VAL_INT;
	return 0;
}

/* A time in seconds, 0 when missing (older recordings lack it). */
static uint64_t
replay_secs(const struct json_obj *o, const char *key)
{
	const struct json_field	*f = json_get(o, key);

	return f && f->type == J_NUM && f->num >= 0 && f->num < 1e9 ?
	    (uint64_t)llround(f->num * 1e9) : 0;
}

/* A task's cpu and wait, when the event has them. */
static void
replay_stats(const struct json_obj *o, struct event *ev)
{
	if (json_get(o, "cpu") == NULL || json_get(o, "wait") == NULL)
		return;
	ev->has_stats = 1;
	ev->cpu_ns = replay_secs(o, "cpu");
	ev->wait_ns = replay_secs(o, "wait");
}

/* Event line i into ev (strings point into r->obj). */
static int
replay_event(struct replay *r, size_t i, struct event *ev, char *err,
    size_t errlen)
{
	struct json_obj		*o = &r->obj;
	const struct json_field	*f;
	const char		*s;
	struct run_info		*ri;
	int64_t			 v, nt = (int64_t)r->tl.n;
	int64_t			 nw = r->info_start.workers;
	size_t			 len;
	int			 type;

	if (json_parse_object(o, r->data + r->off[i], r->end[i] - r->off[i],
	    err, errlen) != 0)
		return -1;
	memset(ev, 0, sizeof *ev);
	ev->worker = -1;
	ev->task = -1;
	if ((s = replay_str(o, "ev", NULL, err, errlen)) == NULL)
		return -1;
	if ((type = replay_type_parse(s)) == -1) {
		snprintf(err, errlen, "unknown event '%.40s'", s);
		return -1;
	}
	ev->type = type;
	f = json_get(o, "t");
	if (f == NULL || f->type != J_NUM || f->num < 0 || f->num > 1e9) {
		snprintf(err, errlen, "'t' is missing or not a time in seconds");
		return -1;
	}
	ev->t = (uint64_t)llround(f->num * 1e9);
	if (type == EV_RUN_START || type == EV_RUN_END) {
		ri = type == EV_RUN_START ? &r->info_start : &r->info_end;
		ev->run = ri;
		if (type == EV_RUN_END) {
			*ri = r->info_start;
			if (replay_int(o, "ok", 0, nt, &v, err, errlen))
				return -1;
			ri->ok = v;
			if (replay_int(o, "failed", 0, nt, &v, err, errlen))
				return -1;
			ri->failed = v;
			f = json_get(o, "wall");
			ri->wall_ns = f && f->type == J_NUM && f->num >= 0 ?
			    (uint64_t)llround(f->num * 1e9) : ev->t;
			ri->busy_ns = replay_secs(o, "busy");
			ri->cpu_ns = replay_secs(o, "cpu");
			ri->wait_ns = replay_secs(o, "wait");
			ri->runq_ns = replay_secs(o, "runq");
			ri->paused_ns = replay_secs(o, "paused");
			f = json_get(o, "interrupted");
			ri->interrupted = f != NULL && f->type == J_BOOL && f->b;
			if (json_get(o, "skipped") != NULL) {
				if (replay_int(o, "skipped", 0, nt, &v, err,
				    errlen))
					return -1;
				ri->skipped = v;
			}
			return 0;
		}
		if ((s = replay_str(o, "mode", NULL, err, errlen)) == NULL)
			return -1;
		if ((ri->mode = mode_parse(s)) == -1) {
			snprintf(err, errlen, "unknown mode '%.40s'", s);
			return -1;
		}
		if (replay_int(o, "workers", 1, 65536, &v, err,
		    errlen))
			return -1;
		ri->workers = (int)v;
		if (replay_int(o, "cpus", 1, 1 << 20, &v, err, errlen))
			return -1;
		ri->cpus = (int)v;
		if (replay_int(o, "tasks", nt, nt, &v, err, errlen))
			return -1;
		ri->tasks = v;
		if (replay_int(o, "chunksize", 0, 1 << 30, &v, err, errlen))
			return -1;
		ri->chunksize = (int)v;
		f = json_get(o, "keep_going");
		ri->keep_going = f != NULL && f->type == J_BOOL && f->b;
		return 0;
	}
	if (nw == 0) {
		snprintf(err, errlen, "'%s' before run_start", event_type_name(type));
		return -1;
	}
	if (json_get(o, "worker") != NULL || type == EV_WORKER_START ||
	    type == EV_WORKER_EXIT || type == EV_WORKER_STATE ||
	    type == EV_TASK_START || type == EV_SPAWN_FAIL ||
	    type == EV_SENTINEL) {
		if (replay_int(o, "worker", type == EV_TASK_FAIL ||
		    type == EV_OUTPUT ? -1 : 0, nw - 1, &v, err, errlen))
			return -1;
		ev->worker = (int)v;
	}
	if (json_get(o, "pid") != NULL) {
		if (replay_int(o, "pid", 0, INT32_MAX, &v, err, errlen))
			return -1;
		ev->pid = (pid_t)v;
	}
	if (type != EV_WORKER_START && type != EV_WORKER_EXIT &&
	    type != EV_WORKER_STATE && type != EV_SPAWN_FAIL &&
	    type != EV_SENTINEL) {
		if (replay_int(o, "task", type == EV_OUTPUT ? -1 : 0, nt - 1, &v,
		    err, errlen))
			return -1;
		ev->task = v;
	}
	switch (type) {
	case EV_WORKER_STATE:
		if ((s = replay_str(o, "state", NULL, err, errlen)) == NULL)
			return -1;
		if ((ev->state = replay_state_parse(s)) == -1) {
			snprintf(err, errlen, "unknown worker state '%.40s'", s);
			return -1;
		}
		if (json_get(o, "why") != NULL &&
		    (ev->text = replay_str(o, "why", &ev->len, err, errlen)) ==
		    NULL)
			return -1;
		break;
	case EV_TASK_START:
		if (json_get(o, "chunk") != NULL &&
		    replay_int(o, "chunk", 0, INT64_MAX, &ev->chunk, err, errlen))
			return -1;
		break;
	case EV_OUTPUT:
		if ((ev->text = replay_str(o, "text", &ev->len, err, errlen)) ==
		    NULL)
			return -1;
		break;
	case EV_TASK_DONE:
		if ((s = replay_str(o, "result", NULL, err, errlen)) == NULL ||
		    replay_value(r, s, ev, err, errlen) != 0)
			return -1;
		replay_stats(o, ev);
		break;
	case EV_TASK_SKIP:
		if (replay_int(o, "chunk", 0, INT64_MAX, &ev->chunk, err,
		    errlen) || replay_int(o, "cause", 0, nt - 1, &ev->seq, err,
		    errlen))
			return -1;
		break;
	case EV_TASK_RETRY:
		if (replay_int(o, "attempt", 1, 1000, &v, err, errlen))
			return -1;
		ev->state = (int)v;
		/* FALLTHROUGH */
	case EV_TASK_FAIL:
		if ((ev->text = replay_str(o, "error", &ev->len, err, errlen)) ==
		    NULL)
			return -1;
		ev->vkind = VAL_ERROR;
		replay_stats(o, ev);
		break;
	case EV_RESULT:
		if (replay_int(o, "seq", 0, nt - 1, &ev->seq, err, errlen))
			return -1;
		if ((s = replay_str(o, "value", &len, err, errlen)) == NULL ||
		    replay_value(r, s, ev, err, errlen) != 0)
			return -1;
		break;
	case EV_SPAWN_FAIL:
		if ((ev->text = replay_str(o, "error", &ev->len, err, errlen)) ==
		    NULL || replay_int(o, "live", 0, nw, &v, err, errlen))
			return -1;
		ev->state = (int)v;
		break;
	case EV_WORKER_EXIT:
		if ((ev->text = replay_str(o, "status", &ev->len, err, errlen)) ==
		    NULL)
			return -1;
		ev->state = strcmp(ev->text, "exited 0") == 0 ? WS_EXITED :
		    WS_CRASHED;
		break;
	}
	return 0;
}

static int
replay_task_line(void *arg, const char *s, size_t len)
{
	char	**buf = arg;
	size_t	 have = *buf ? strlen(*buf) : 0;

	if (memchr(s, '\n', len) != NULL)
		return -1;
	*buf = xreallocarray(*buf, have + len + 2, 1);
	memcpy(*buf + have, s, len);
	(*buf)[have + len] = '\n';
	(*buf)[have + len + 1] = '\0';
	return 0;
}

static void
replay_add_line(struct replay *r, size_t off, size_t end)
{
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 1024;
		r->off = xreallocarray(r->off, r->cap, sizeof *r->off);
		r->end = xreallocarray(r->end, r->cap, sizeof *r->end);
		r->t = xreallocarray(r->t, r->cap, sizeof *r->t);
		r->type = xreallocarray(r->type, r->cap, sizeof *r->type);
	}
	r->off[r->n] = off;
	r->end[r->n] = end;
	r->n++;
}

static struct replay *
replay_fail(struct replay *r, char *err, size_t errlen, size_t line,
    const char *what)
{
	char	msg[600];

	if (line > 0)
		snprintf(msg, sizeof msg, "%s:%zu: %s", r->path, line, what);
	else
		snprintf(msg, sizeof msg, "%s: %s", r->path, what);
	snprintf(err, errlen, "%s", msg);
	replay_free(r);
	return NULL;
}

struct replay *
replay_open(const char *path, char *err, size_t errlen)
{
	struct replay		*r = xcalloc(1, sizeof *r);
	const struct json_field	*f;
	struct stat		 sb;
	struct event		 ev;
	char			 why[512], perr[1024], *tasks = NULL, *nl;
	size_t			 p, e, i, line;
	int64_t			 v;
	FILE			*fp;
	int			 ended = 0;

	r->path = xstrdup(path);
	r->scale = 1;
	if ((fp = fopen(path, "r")) == NULL || fstat(fileno(fp), &sb) != 0) {
		snprintf(why, sizeof why, "cannot read the recording: %s; check "
		    "the path", strerror(errno));
		if (fp != NULL)
			fclose(fp);
		return replay_fail(r, err, errlen, 0, why);
	}
	if (S_ISDIR(sb.st_mode) || (size_t)sb.st_size > REPLAY_MAX_BYTES) {
		fclose(fp);
		return replay_fail(r, err, errlen, 0, S_ISDIR(sb.st_mode) ?
		    "is a directory, not a recording" :
		    "is larger than 1 GiB, too large to replay");
	}
	r->len = (size_t)sb.st_size;
	r->data = xmalloc(r->len + 1);
	if (r->len > 0 && fread(r->data, 1, r->len, fp) != r->len) {
		fclose(fp);
		return replay_fail(r, err, errlen, 0, "cannot read the recording");
	}
	fclose(fp);
	r->data[r->len] = '\0';
	if (r->len == 0)
		return replay_fail(r, err, errlen, 0, "is empty, not a recording;"
		    " make one with --record FILE");
	if (memchr(r->data, '\0', r->len) != NULL)
		return replay_fail(r, err, errlen, 0, "holds binary data, not a "
		    "poolscope recording (JSON Lines from --record)");

	/* The header: the format and the task list. */
	e = (nl = memchr(r->data, '\n', r->len)) ? (size_t)(nl - r->data) :
	    r->len;
	if (json_parse_object(&r->obj, r->data, e, why, sizeof why) != 0 ||
	    (f = json_get(&r->obj, "ev")) == NULL || f->type != J_STR ||
	    strcmp(f->str, "recording") != 0)
		return replay_fail(r, err, errlen, 1, "not a poolscope recording "
		    "(its first line must be the 'recording' header written by "
		    "--record)");
	if (replay_int(&r->obj, "version", 1, 1000, &v, why, sizeof why) != 0)
		return replay_fail(r, err, errlen, 1, why);
	if (v != RECORD_VERSION) {
		snprintf(why, sizeof why, "recording format version %" PRId64
		    "; this poolscope reads version %d", v, RECORD_VERSION);
		return replay_fail(r, err, errlen, 1, why);
	}
	f = json_get(&r->obj, "tasks");
	if (f == NULL || f->type != J_ARR || json_array_strings(f,
	    replay_task_line, &tasks, why, sizeof why) != 0) {
		free(tasks);
		return replay_fail(r, err, errlen, 1, "the header's 'tasks' must "
		    "be a list of task lines");
	}
	/* An empty list is a run of nothing (Pool.map(f, []) returns []). */
	if (tasklist_parse(&r->tl, path, tasks ? tasks : "", tasks ?
	    strlen(tasks) : 0, 0, perr, sizeof perr) != 0) {
		free(tasks);
		snprintf(why, sizeof why, "the recorded task list does not "
		    "parse: %.400s", perr);
		for (i = 0; why[i] != '\0'; i++)
			if (why[i] == '\n')
				why[i] = ' ';
		return replay_fail(r, err, errlen, 1, why);
	}
	free(tasks);

	/* Every event line, checked now. */
	line = 1;
	for (p = e + 1; p < r->len; p = e + 1) {
		line++;
		e = (nl = memchr(r->data + p, '\n', r->len - p)) ?
		    (size_t)(nl - r->data) : r->len;
		if (e == p)
			continue;	/* a blank line */
		if (ended)
			return replay_fail(r, err, errlen, line, "events after "
			    "run_end");
		replay_add_line(r, p, e);
		if (replay_event(r, r->n - 1, &ev, why, sizeof why) != 0)
			return replay_fail(r, err, errlen, line, why);
		if (r->n == 1 && ev.type != EV_RUN_START)
			return replay_fail(r, err, errlen, line, "the first event "
			    "must be run_start");
		if (r->n > 1 && ev.type == EV_RUN_START)
			return replay_fail(r, err, errlen, line, "a second "
			    "run_start");
		if (r->n > 1 && ev.t < r->t[r->n - 2])
			return replay_fail(r, err, errlen, line, "time goes "
			    "backwards");
		r->t[r->n - 1] = ev.t;
		r->type[r->n - 1] = (uint8_t)ev.type;
		if (ev.type == EV_RUN_END)
			ended = 1;
	}
	if (r->n == 0)
		return replay_fail(r, err, errlen, 0, "holds no events after its "
		    "header: the recording is truncated");
	if (!ended) {
		snprintf(why, sizeof why, "ends at line %zu before the run's end "
		    "(no run_end): the recording is truncated", line);
		return replay_fail(r, err, errlen, 0, why);
	}
	return r;
}

void
replay_free(struct replay *r)
{
	if (r == NULL)
		return;
	json_obj_free(&r->obj);
	tasklist_free(&r->tl);
	free(r->off);
	free(r->end);
	free(r->t);
	free(r->type);
	free(r->data);
	free(r->path);
	free(r);
}

struct tasklist *
replay_tasklist(struct replay *r)
{
	return &r->tl;
}

const struct run_info *
replay_run_info(struct replay *r)
{
	return &r->info_start;
}

uint64_t
replay_length(struct replay *r)
{
	return r->n ? r->t[r->n - 1] : 0;
}

uint64_t
replay_position(struct replay *r)
{
	uint64_t	now = now_ns(), pos;

	if (r->paused || !r->started)
		return r->pos;
	if (now < r->base)
		return 0;
	pos = (uint64_t)((now - r->base) / r->scale);
	/* Past the end the clock stops: seeking counts from the end. */
	return pos > replay_length(r) ? replay_length(r) : pos;
}

static void
replay_rebase(struct replay *r, uint64_t pos)
{
	r->pos = pos;
	r->base = now_ns() - (uint64_t)(pos * r->scale);
}

void
replay_start(struct replay *r, const struct event_sink *sink, double scale)
{
	r->sink = *sink;
	r->scale = scale > 0 ? scale : 1;
	r->next = 0;
	r->started = 1;
	replay_rebase(r, 0);
}

static void
replay_emit(struct replay *r)
{
	struct event	ev;
	char		why[512];

	/* Checked when opened: it parses again the same way. */
	if (replay_event(r, r->next, &ev, why, sizeof why) == 0 &&
	    r->sink.event != NULL)
		r->sink.event(r->sink.arg, &ev);
	r->next++;
}

void
replay_process(struct replay *r)
{
	uint64_t	pos = replay_position(r);

	while (r->next < r->n && r->t[r->next] <= pos)
		replay_emit(r);
	if (r->next == r->n) {
		r->pos = replay_length(r);
		if (r->sink.flush != NULL)
			r->sink.flush(r->sink.arg);
	}
}

int
replay_prepare_wait(struct replay *r)
{
	uint64_t	due, now = now_ns();

	if (r->next >= r->n || r->paused)
		return -1;
	due = r->base + (uint64_t)(r->t[r->next] * r->scale);
	if (due <= now)
		return 0;
	if (r->sink.flush != NULL)
		r->sink.flush(r->sink.arg);
	return (int)((due - now + 999999) / 1000000);
}

int
replay_finished(struct replay *r)
{
	return r->next >= r->n;
}

void
replay_pause(struct replay *r, int paused)
{
	if (paused == r->paused)
		return;
	if (paused) {
		r->pos = replay_position(r);
		r->paused = 1;
	} else {
		r->paused = 0;
		replay_rebase(r, r->pos);
	}
}

int
replay_paused(struct replay *r)
{
	return r->paused;
}

void
replay_step(struct replay *r)
{
	int	type;

	replay_pause(r, 1);
	while (r->next < r->n) {
		type = r->type[r->next];
		r->pos = r->t[r->next];
		replay_emit(r);
		if (type == EV_TASK_DONE || type == EV_TASK_FAIL ||
		    type == EV_RESULT)
			break;
	}
}

void
replay_seek(struct replay *r, int64_t delta)
{
	uint64_t	pos = replay_position(r), target;

	if (delta < 0 && (uint64_t)-delta > pos)
		target = 0;
	else
		target = pos + delta;
	if (target > replay_length(r))
		target = replay_length(r);
	if (target < pos)
		r->next = 0;	/* run_start resets every consumer */
	while (r->next < r->n && r->t[r->next] <= target)
		replay_emit(r);
	if (r->next == 0 && r->n > 0)
		replay_emit(r);	/* at least the run_start */
	if (r->paused)
		r->pos = target;
	else
		replay_rebase(r, target);
}

void
replay_set_scale(struct replay *r, double scale)
{
	uint64_t	pos = replay_position(r);

	if (scale <= 0)
		return;
	r->scale = scale;
	if (!r->paused)
		replay_rebase(r, pos);
}

double
replay_scale(struct replay *r)
{
	return r->scale;
}

int
replay_exit_status(struct replay *r)
{
	return (r->info_end.failed > 0 || run_info_unfinished(&r->info_end)) ?
	    1 : 0;
}
