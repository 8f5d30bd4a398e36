/*
 * narrate.c: the run in words.  A sink keeps the latest event (and the
 * result it brought the caller at the same moment); the screen puts it in
 * plain words under the header ("worker 2 finished task 5 (sleep 300);
 * the callback received 300"), so a class can follow without reading the
 * whole screen, and a step reads like a story.  The caller's line (what
 * the main program is doing now) is here too.
 *
 * The sink only copies the event: words are made once a frame, not once
 * an event (a million-task run sends a million).
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "util.h"
#include "ui/ui-private.h"

static void
narrate_copy(struct event *dst, char *text, size_t size,
    const struct event *ev)
{
	size_t	n = ev->len < size - 1 ? ev->len : size - 1;

	*dst = *ev;
	if (ev->text != NULL)
		memcpy(text, ev->text, n);
	else
		n = 0;
	text[n] = '\0';
	dst->text = text;
	dst->len = n;
	dst->run = NULL;
}

static void
narrate_event(struct ui_run *r, const struct event *ev)
{
	struct ui_narration	*n = &r->said;
	size_t			 k = n->nlog % UI_LOG;
	const struct event	*last = &n->log[n->ev_at % UI_LOG];

	narrate_copy(&n->log[k], n->logtext[k], sizeof n->logtext[k], ev);
	/* A result that comes with the end of its task reads as one. */
	if (ev->type == EV_RESULT && n->has_ev && !n->has_res &&
	    (last->type == EV_TASK_DONE || last->type == EV_TASK_FAIL) &&
	    last->task == ev->task) {
		n->res_at = n->nlog++;
		n->has_res = 1;
		return;
	}
	n->ev_at = n->nlog++;
	n->has_ev = 1;
	n->has_res = 0;
}

/*
 * A run of instant tasks (a bulk event) in the words of the events it
 * stands for: the log keeps UI_LOG events, so only the run's last tasks'
 * (each started, printed, finished) and the last results the caller got
 * are told, as they would have been one by one.
 */
static void
narrate_bulk(struct ui_run *r, const struct event *ev)
{
	const struct event_bulk	*bk = ev->bulk;
	const struct model	*m = &r->model;
	struct event		 one;
	struct task		 t;
	char			 out[MODEL_LINE_MAX];
	size_t			 i, n = ev->count, from;
	uint64_t		 start;

	if (ev->task < 0 || (size_t)ev->task > m->ntasks ||
	    n > m->ntasks - (size_t)ev->task)
		return;
	from = n > UI_LOG ? n - UI_LOG : 0;
	if (ev->type == EV_RESULTS) {
		for (i = from; i < n; i++) {
			size_t	k = (size_t)ev->task + i;

			event_init(&one, EV_RESULT, -1, 0, (int64_t)k);
			one.t = ev->t;
			one.seq = ev->seq + (int64_t)i;
			one.vkind = m->tasks[k].vkind;
			one.value = m->values[k];
			if (m->errors != NULL && m->errors[k] != NULL) {
				one.text = m->errors[k];
				one.len = strlen(one.text);
			}
			narrate_event(r, &one);
		}
		return;
	}
	if (bk == NULL)
		return;		/* (the screen's runs always say when) */
	from = n > UI_LOG / 2 ? n - UI_LOG / 2 : 0;
	start = from > 0 ? bk->ends[from - 1] : ev->t_start;
	for (i = from; i < n; i++) {
		size_t	k = (size_t)ev->task + i;

		event_init(&one, EV_TASK_START, ev->worker, ev->pid,
		    (int64_t)k);
		one.t = start;
		one.chunk = bk->chunk;
		narrate_event(r, &one);
		t = tasklist_at(bk->tl, k);
		one.type = EV_OUTPUT;
		one.len = task_print(&t, out, sizeof out);
		one.text = out;
		if (one.len > 0)
			narrate_event(r, &one);
		one.type = EV_TASK_DONE;
		one.t = bk->ends[i];
		one.text = NULL;
		one.len = 0;
		one.vkind = ev->vkind;
		one.value = ev->values != NULL ? ev->values[i] : 0;
		narrate_event(r, &one);
		start = bk->ends[i];
	}
}

static void
narrate_sink_event(void *arg, const struct event *ev)
{
	if (ev->type == EV_TASKS_DONE || ev->type == EV_RESULTS)
		narrate_bulk(arg, ev);
	else
		narrate_event(arg, ev);
}

struct event_sink
ui_narrate_sink(struct ui_run *r)
{
	struct event_sink	s;

	memset(&s, 0, sizeof s);
	s.event = narrate_sink_event;
	s.arg = r;
	s.want = (EVENT_ALL & ~(EVENT_BIT(EV_RUN_START) |
	    EVENT_BIT(EV_RUN_END))) | EVENT_BULK;
	return s;
}

/* "task 5 (sleep 300)" */
void
ui_task_words(struct ui_run *r, int64_t task, char *buf, size_t len)
{
	char	label[64];

	if (task < 0 || (size_t)task >= r->tl->n) {
		snprintf(buf, len, "a task");
		return;
	}
	tasklist_label(r->tl, task, label, sizeof label);
	snprintf(buf, len, "task %" PRId64 " (%s)", task, label);
}

/* The text of an event, to one line: "ValueError: x" without its '\n'. */
static void
narrate_text(const struct event *ev, char *buf, size_t len)
{
	size_t	i;

	snprintf(buf, len, "%s", ev->text ? ev->text : "");
	for (i = 0; buf[i] != '\0'; i++)
		if (buf[i] == '\n' || buf[i] == '\r' || buf[i] == '\t')
			buf[i] = buf[i + 1] == '\0' ? '\0' : ' ';
}

/* The caller's side of a result, as its call style sees it. */
static void
narrate_result(struct ui_run *r, const struct event *ev, char *buf,
    size_t len)
{
	struct model	*m = &r->model;
	char		 val[96], task[96];
	int		 mode = r->cfg.mode;
	size_t		 n = m->ntasks;

	ui_task_words(r, ev->task, task, sizeof task);
	if (m->task_mode != NULL && ev->task >= 0 &&
	    (size_t)ev->task < m->ntasks) {
		/* A program's task: its own call's style and size. */
		mode = m->task_mode[ev->task];
		n = (size_t)ev->task >= m->call_first ? m->ntasks -
		    m->call_first : 0;
	}
	if (ev->vkind == VAL_EXC && mode != MODE_APPLY_ASYNC) {
		/* A program's call raised the task's exception. */
		snprintf(buf, len, "the program's %s() raised %.*s from %s",
		    pool_mode_name(mode), (int)ev->len, ev->text, task);
		return;
	}
	if (ev->vkind == VAL_ERROR) {
		snprintf(val, sizeof val, "TaskError");
		if (pool_raises(mode, r->cfg.keep_going)) {
			snprintf(buf, len, "%s() raised TaskError from %s",
			    pool_mode_name(mode), task);
			return;
		}
	} else
		event_value_format(ev->vkind, ev->value, ev->text, ev->len,
		    val, sizeof val);
	if (m->run.program && mode == MODE_APPLY_ASYNC) {
		/* Its callback ran, or its get() returned (or raised). */
		snprintf(buf, len, "the program got %s from %s", val, task);
		return;
	}
	switch (mode) {
	case MODE_APPLY:
		snprintf(buf, len, "apply() %s %s to the caller",
		    ev->vkind == VAL_ERROR ? "raised" : "returned", val);
		break;
	case MODE_MAP:
		snprintf(buf, len, "map() returned: the caller got all %zu "
		    "results at once, in order", n);
		break;
	case MODE_IMAP:
		snprintf(buf, len, "the caller's next() returned %s, %s's "
		    "result", val, task);
		break;
	case MODE_IMAP_UNORDERED:
		snprintf(buf, len, "the caller's next() returned %s (%s), in "
		    "the order tasks finish", val, task);
		break;
	case MODE_APPLY_ASYNC:
		snprintf(buf, len, "the %s received %s", ev->vkind ==
		    VAL_ERROR ? "error_callback" : "callback", val);
		break;
	default:
		snprintf(buf, len, "the caller joined the process of %s: "
		    "exitcode %s", task, val);
		break;
	}
}

/* A task started: taken from the queue, alone or as the first of its
 * chunk, or the next of a chunk the worker holds. */
static void
narrate_start(struct ui_run *r, const struct event *ev, char *buf,
    size_t len)
{
	char	task[96];
	int	cs = r->model.run.chunksize;

	ui_task_words(r, ev->task, task, sizeof task);
	if (r->model.task_mode != NULL && ev->task >= 0 &&
	    (size_t)ev->task < r->model.ntasks &&
	    r->model.task_mode[ev->task] == MODE_QUEUE)
		snprintf(buf, len, "worker %d (pid %d) took %s from the queue",
		    ev->worker, (int)ev->pid, task);
	else if (r->cfg.mode == MODE_PROCESS)
		snprintf(buf, len, "the caller started a Process for %s: pid "
		    "%d", task, (int)ev->pid);
	else if (r->cfg.mode == MODE_APPLY)
		snprintf(buf, len, "the caller called apply(): worker %d took "
		    "%s", ev->worker, task);
	else if (cs > 1 && ev->task % cs == 0 && ev->task + 1 <
	    (int64_t)r->tl->n)
		snprintf(buf, len, "worker %d took chunk %" PRId64 " (tasks %"
		    PRId64 "-%" PRId64 "), started %s", ev->worker, ev->chunk,
		    ev->task, ev->task + cs - 1 < (int64_t)r->tl->n ?
		    ev->task + cs - 1 : (int64_t)r->tl->n - 1, task);
	else if (cs > 1 && ev->task % cs == 0)
		snprintf(buf, len, "worker %d took chunk %" PRId64 " (%s alone)",
		    ev->worker, ev->chunk, task);
	else if (cs > 1)
		snprintf(buf, len, "worker %d started %s, the next of its chunk",
		    ev->worker, task);
	else
		snprintf(buf, len, "worker %d took %s from the queue",
		    ev->worker, task);
}

static void
narrate_one(struct ui_run *r, const struct event *ev, char *buf, size_t len)
{
	char	task[96], text[200];

	ui_task_words(r, ev->task, task, sizeof task);
	narrate_text(ev, text, sizeof text);
	switch (ev->type) {
	case EV_WORKER_START:
		if (r->cfg.mode == MODE_PROCESS)
			snprintf(buf, len, "a new process started: pid %d",
			    (int)ev->pid);
		else if (r->model.workers != NULL && ev->worker >= 0 &&
		    ev->worker < r->model.nworkers &&
		    r->model.workers[ev->worker].processes > 1)
			snprintf(buf, len, "worker %d got a new process, pid %d, "
			    "in place of its last", ev->worker, (int)ev->pid);
		else
			snprintf(buf, len, "worker %d started: a new process, "
			    "pid %d", ev->worker, (int)ev->pid);
		break;
	case EV_TASK_START:
		narrate_start(r, ev, buf, len);
		break;
	case EV_OUTPUT:
		if (ev->worker < 0)
			snprintf(buf, len, "the program printed: %s", text);
		else
			snprintf(buf, len, "worker %d printed: %s", ev->worker,
			    text);
		break;
	case EV_TASK_SUBMIT:
		snprintf(buf, len, "the program submitted %s", task);
		break;
	case EV_TASK_DONE:
		event_value_format(ev->vkind, ev->value, ev->text, ev->len,
		    text, sizeof text);
		snprintf(buf, len, "worker %d finished %s: %s", ev->worker, task,
		    text);
		break;
	case EV_TASK_FAIL:
		if (ev->worker < 0)
			snprintf(buf, len, "%s failed: %s", task, text);
		else
			snprintf(buf, len, "%s failed on worker %d: %s", task,
			    ev->worker, text);
		break;
	case EV_TASK_SKIP:
		snprintf(buf, len, "%s never runs: task %" PRId64 " raised, "
		    "which ends its chunk", task, ev->seq);
		break;
	case EV_TASK_RETRY:
		snprintf(buf, len, "%s goes back to the queue (attempt %d): "
		    "its worker died", task, ev->state);
		break;
	case EV_RESULT:
		narrate_result(r, ev, buf, len);
		break;
	case EV_WORKER_EXIT:
		snprintf(buf, len, "worker %d (pid %d) %s", ev->worker,
		    (int)ev->pid, text);
		break;
	case EV_WORKER_STATE:
		if (ev->state == WS_PAUSED)
			snprintf(buf, len, "worker %d is paused (SIGSTOP): the "
			    "pool clock stands still", ev->worker);
		else if (ev->state == WS_STOPPED)
			snprintf(buf, len, "worker %d was stopped: %s",
			    ev->worker, text);
		else
			snprintf(buf, len, "worker %d is %s", ev->worker,
			    worker_state_name(ev->state));
		break;
	case EV_SENTINEL:
		snprintf(buf, len, "worker %d took a None from the queue: the "
		    "pool is closing, so it exits", ev->worker);
		break;
	case EV_SPAWN_FAIL:
		snprintf(buf, len, "worker %d could not start: %s", ev->worker,
		    text);
		break;
	default:
		buf[0] = '\0';
		break;
	}
}

void
ui_narrate(struct ui_run *r, char *buf, size_t len)
{
	struct ui_narration	*n = &r->said;
	char			 res[256];
	int			 k;

	if (!n->has_ev) {
		snprintf(buf, len, "%s", r->model.nworkers > 0 ||
		    r->cfg.mode == MODE_PROCESS ? "the pool is starting" :
		    "nothing has happened yet");
		return;
	}
	narrate_one(r, &n->log[n->ev_at % UI_LOG], buf, len);
	if (n->has_res) {
		narrate_result(r, &n->log[n->res_at % UI_LOG], res,
		    sizeof res);
		k = (int)strlen(buf);
		snprintf(buf + k, len - k, "; %s", res);
	}
}

size_t
ui_narrate_logged(struct ui_run *r)
{
	return r->said.nlog < UI_LOG ? r->said.nlog : UI_LOG;
}

int
ui_narrate_log(struct ui_run *r, size_t i, char *buf, size_t len, char *t,
    size_t tlen)
{
	struct ui_narration	*n = &r->said;
	struct event		*ev;
	size_t			 kept = ui_narrate_logged(r);

	if (i >= kept)
		return 0;
	ev = &n->log[(n->nlog - kept + i) % UI_LOG];
	narrate_one(r, ev, buf, len);
	util_format_duration(ev->t, t, tlen);
	return 1;
}

/* A Python program's caller, in a sentence: its latest call. */
static const char *
narrate_program_caller(struct ui_run *r, char *buf, size_t len)
{
	struct model	*m = &r->model;
	size_t		 n = m->ntasks - m->call_first;
	const char	*mode = pool_mode_name(m->call_mode);

	if (r->ended) {
		snprintf(buf, len, "the program ended: %zu task%s in %zu "
		    "call%s, %zu result%s received", m->ntasks, m->ntasks == 1 ?
		    "" : "s", m->ncalls, m->ncalls == 1 ? "" : "s", m->nresults,
		    m->nresults == 1 ? "" : "s");
	} else if (m->lost >= 0 && m->call_mode != MODE_PROCESS &&
	    m->call_mode != MODE_QUEUE)
		snprintf(buf, len, "task %" PRId64 " was lost with its worker: "
		    "its Pool waits for ever (q ends it)", m->lost);
	else if (m->ncalls == 0)
		snprintf(buf, len, "the program is running: no pool call yet");
	else if (m->call_mode == MODE_PROCESS)
		snprintf(buf, len, "the program started %zu Process%s: %zu "
		    "ended, %zu joined", n, n == 1 ? "" : "es", m->call_ended,
		    m->call_received);
	else if (m->call_mode == MODE_QUEUE)
		snprintf(buf, len, "the program put %zu item%s on a queue: %zu "
		    "taken and done (a Process has no result channel)", n,
		    n == 1 ? "" : "s", m->call_ended);
	else if (m->call_mode == MODE_APPLY_ASYNC)
		snprintf(buf, len, "the program called apply_async() %zu "
		    "time%s: %zu done, %zu received", n, n == 1 ? "" : "s",
		    m->call_ended, m->call_received);
	else
		snprintf(buf, len, "the program's %s%s(): %zu of %zu done, "
		    "%zu received", m->ncalls > 1 ? "next call, " : "", mode,
		    m->call_ended, n, m->call_received);
	return buf;
}

/* What the caller (the main program) is doing, in a sentence. */
const char *
ui_caller_words(struct ui_run *r, char *buf, size_t len)
{
	struct model	*m = &r->model;
	size_t		 fin = m->ndone + m->nfailed + m->nskipped, i;
	size_t		 lost = model_never_received(m);
	const char	*mode = pool_mode_name(r->cfg.mode);

	if (m->run.program)
		return narrate_program_caller(r, buf, len);
	if (m->raised >= 0) {
		/* The call raised: the caller's loop (or map) is over. */
		if (r->cfg.mode == MODE_MAP)
			snprintf(buf, len, "map() raised TaskError from task %"
			    PRId64 "; the caller got no list", m->raised);
		else
			snprintf(buf, len, "%s() raised TaskError from task %"
			    PRId64 " after %zu result%s; %zu computed, never "
			    "received", mode, m->raised, m->nresults - 1,
			    m->nresults == 2 ? "" : "s", lost);
		return buf;
	}
	if (r->ended) {
		if (run_info_unfinished(&m->run))
			snprintf(buf, len, "run stopped: the caller got %zu of "
			    "%zu results", m->nresults, m->ntasks);
		else if (r->cfg.mode == MODE_PROCESS)
			snprintf(buf, len, "caller joined all %zu process%s: "
			    "join() gives only the exit code", m->ntasks,
			    m->ntasks == 1 ? "" : "es");
		else
			snprintf(buf, len, "caller got all %zu result%s from "
			    "%s()", m->ntasks, m->ntasks == 1 ? "" : "s", mode);
		return buf;
	}
	if (r->cfg.mode != MODE_PROCESS && m->nworker_starts +
	    m->nspawn_fails < (size_t)m->nworkers && m->nrunning == 0 &&
	    fin == 0) {
		snprintf(buf, len, "caller blocked in Pool(%d): %zu of %d "
		    "workers forked", m->nworkers, m->nworker_starts,
		    m->nworkers);
		return buf;
	}
	switch (r->cfg.mode) {
	case MODE_APPLY:
		i = m->next_unreceived;
		snprintf(buf, len, "caller blocked in apply() on task %zu: %zu "
		    "of %zu done", i, fin, m->ntasks);
		break;
	case MODE_MAP:
		snprintf(buf, len, "caller blocked in map(): %zu of %zu done",
		    fin, m->ntasks);
		break;
	case MODE_IMAP:
		i = m->next_unreceived;
		snprintf(buf, len, "caller iterating imap(): %zu received, "
		    "waiting for task %zu", m->nresults, i);
		break;
	case MODE_IMAP_UNORDERED:
		snprintf(buf, len, "caller iterating imap_unordered(): %zu "
		    "received as they finish", m->nresults);
		break;
	case MODE_APPLY_ASYNC:
		snprintf(buf, len, "caller free: %zu result%s received by "
		    "callbacks", m->nresults, m->nresults == 1 ? "" : "s");
		break;
	default:
		snprintf(buf, len, "caller joining processes: %zu of %zu joined "
		    "(a Process has no result channel)", m->nresults, m->ntasks);
		break;
	}
	return buf;
}

/* The caller in a few words, for its lane's label: "blocked in map()". */
const char *
ui_caller_state(struct ui_run *r, char *buf, size_t len)
{
	struct model	*m = &r->model;

	if (m->run.program) {
		/* Whether it waits for them, poolscope cannot see. */
		snprintf(buf, len, "got %zu of %zu", m->nresults, m->ntasks);
		return buf;
	}
	if (m->raised >= 0)
		snprintf(buf, len, "raised TaskError");
	else if (m->nresults >= m->ntasks && m->ntasks > 0)
		snprintf(buf, len, "got all %zu", m->ntasks);
	else if (r->ended)
		snprintf(buf, len, "stopped");
	else switch (r->cfg.mode) {
	case MODE_APPLY:
		snprintf(buf, len, "in apply(%zu)", m->next_unreceived);
		break;
	case MODE_MAP:
		snprintf(buf, len, "blocked in map()");
		break;
	case MODE_IMAP:
		snprintf(buf, len, "next(): task %zu", m->next_unreceived);
		break;
	case MODE_IMAP_UNORDERED:
		snprintf(buf, len, "in next()");
		break;
	case MODE_APPLY_ASYNC:
		snprintf(buf, len, "free");
		break;
	default:
		snprintf(buf, len, "in join(%zu)", m->next_unreceived);
		break;
	}
	return buf;
}
