/*
 * model.c: folds events into workers, tasks, result order and counters.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "engine/order.h"
#include "tasks/tasks.h"
#include "model/model.h"

void
model_init(struct model *m)
{
	memset(m, 0, sizeof *m);
	m->raised = -1;
	m->lost = -1;
}

void
model_keep_views(struct model *m)
{
	m->views = 1;
}

static void
model_free_views(struct model *m)
{
	int	i;

	if (m->lanes != NULL)
		for (i = 0; i < m->nworkers; i++) {
			free(m->lanes[i].tasks);
			free(m->lanes[i].spawns);
			free(m->lanes[i].pids);
		}
	free(m->past);
	m->past = NULL;
	m->npast = m->pastcap = 0;
	if (m->partial != NULL)
		for (i = 0; i < m->nworkers; i++)
			free(m->partial[i]);
	free(m->lanes);
	free(m->partial);
	free(m->caller_partial);
	m->caller_partial = NULL;
	free(m->partial_task);
	m->partial_task = NULL;
	free(m->lines);
	free(m->pend);
	m->pend = NULL;
	m->npend = 0;
	m->pend_tl = NULL;
	m->lanes = NULL;
	m->partial = NULL;
	m->lines = NULL;
	m->nlines = 0;
}

void
model_free(struct model *m)
{
	size_t	i;
	int	views = m->views;

	model_free_views(m);
	if (m->errors != NULL) {
		for (i = 0; i < m->ntasks; i++)
			free(m->errors[i]);
		free(m->errors);
	}
	free(m->workers);
	free(m->task_mode);
	free(m->calls);
	free(m->tasks);
	free(m->values);
	free(m->ends);
	free(m->starts);
	free(m->rt_first);
	free(m->rt_t);
	free(m->where);
	free(m->results);
	memset(m, 0, sizeof *m);
	m->views = views;
	m->raised = -1;
	m->lost = -1;
}

static void	model_lines_settle(struct model *);
static void	*model_sparse(size_t, size_t);

size_t
model_lines_kept(struct model *m)
{
	model_lines_settle(m);
	return m->nlines < MODEL_LINES ? m->nlines : MODEL_LINES;
}

const struct model_line *
model_line_get(struct model *m, size_t i)
{
	size_t	kept = model_lines_kept(m), first = m->nlines - kept;

	if (m->lines == NULL || i >= kept)
		return NULL;
	return &m->lines[(first + i) % MODEL_LINES];
}

static void
model_line_put(struct model *m, int worker, int64_t task, uint64_t t,
    const char *text, size_t len)
{
	struct model_line	*l = &m->lines[m->nlines % MODEL_LINES];
	size_t			 n = len < sizeof l->text - 1 ? len :
	    sizeof l->text - 1;

	/* Kept as printed, up to a NUL; whoever shows it makes control
	 * characters harmless (the screen draws them as '?'). */
	l->worker = worker;
	l->task = task;
	l->t = t;
	memcpy(l->text, text, n);
	l->text[n] = '\0';
	m->nlines++;
}

/* A line, after any an instant task printed before it. */
static void
model_line_add(struct model *m, int worker, int64_t task, uint64_t t,
    const char *text, size_t len)
{
	model_lines_settle(m);
	model_line_put(m, worker, task, t, text, len);
}

/* A pending line: who printed it, when (as it began: a task's start). */
struct model_pline {
	uint64_t	 t;
	int		 worker;
	uint32_t	 task;
};

static int
model_pline_cmp(const void *a, const void *b)
{
	const struct model_pline	*x = a, *y = b;

	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	if (x->worker != y->worker)
		return x->worker < y->worker ? -1 : 1;
	return x->task < y->task ? -1 : x->task > y->task;
}

/* Make the lines instant tasks printed in runs, in the order they were
 * printed across the slots (each slot's runs are in order), the newest
 * MODEL_LINES of them. */
static void
model_lines_settle(struct model *m)
{
	struct model_pline	*pl;
	struct model_pend	*p;
	struct task		 t;
	char			 buf[MODEL_LINE_MAX + 1], *s, *nl;
	size_t			 total = 0, k = 0, i, len;
	uint64_t		 end;
	uint32_t		 j, skip;
	int			 w, r;

	if (m->npend == 0)
		return;
	for (w = 0; w < m->nworkers; w++)
		total += m->pend[w].lines;
	pl = xreallocarray(NULL, total, sizeof *pl);
	for (w = 0; w < m->nworkers; w++) {
		p = &m->pend[w];
		for (r = 0; r < p->nruns; r++)
			for (j = 0; j < p->n[r]; j++) {
				model_task_when(m, p->first[r] + j, &pl[k].t,
				    &end);
				pl[k].worker = w;
				pl[k++].task = p->first[r] + j;
			}
		p->nruns = 0;
		p->lines = 0;
	}
	m->npend = 0;
	qsort(pl, k, sizeof *pl, model_pline_cmp);
	skip = k > MODEL_LINES ? (uint32_t)(k - MODEL_LINES) : 0;
	for (i = skip; i < k && m->pend_tl != NULL; i++) {
		t = tasklist_at(m->pend_tl, pl[i].task);
		len = task_print(&t, buf, sizeof buf);
		/* One line (an instant task's whole output), cut at its
		 * newline, as printed. */
		for (s = buf; len > 0; ) {
			nl = memchr(s, '\n', len);
			model_line_put(m, pl[i].worker, pl[i].task, pl[i].t, s,
			    nl ? (size_t)(nl - s) : len);
			len -= nl ? (size_t)(nl - s) + 1 : len;
			s = nl ? nl + 1 : s;
		}
	}
	free(pl);
}

/* Slot w ran tasks first .. first + n - 1 back to back, printing a line
 * each: their lines are made once read, and only the newest MODEL_LINES
 * can show. */
static void
model_lines_pend(struct model *m, int w, const struct tasklist *tl,
    uint32_t first, uint32_t n)
{
	struct model_pend	*p;

	if (m->pend == NULL)
		m->pend = xcalloc(m->nworkers, sizeof *m->pend);
	if (m->pend_tl != tl)
		model_lines_settle(m);
	m->pend_tl = tl;
	p = &m->pend[w];
	if (n > MODEL_LINES) {
		first += n - MODEL_LINES;
		n = MODEL_LINES;
	}
	/* Older runs the newer ones hide go; with no room left, the lines
	 * are made now. */
	while (p->nruns > 0 && p->lines - p->n[0] + n >= MODEL_LINES) {
		p->lines -= p->n[0];
		memmove(p->first, p->first + 1, --p->nruns * sizeof *p->first);
		memmove(p->n, p->n + 1, p->nruns * sizeof *p->n);
	}
	if (p->nruns == MODEL_PEND_RUNS) {
		model_lines_settle(m);
		p = &m->pend[w];
	}
	if (p->nruns == 0)
		m->npend++;
	p->first[p->nruns] = first;
	p->n[p->nruns++] = n;
	p->lines += n;
}

/* A worker's unfinished line is a line once its task ends (or its process,
 * or another task starts printing on it): what a task printed last shows
 * even without a newline, and is not glued to the next task's output. */
static void
model_partial_end(struct model *m, int w, uint64_t t)
{
	char	*p;

	if (!m->views || w < -1 || w >= m->nworkers)
		return;
	p = w < 0 ? m->caller_partial : m->partial[w];
	if (p == NULL || p[0] == '\0')
		return;
	model_line_add(m, w, w < 0 ? -1 : m->partial_task[w], t, p, strlen(p));
	p[0] = '\0';
}

/* Cut output into lines; a line longer than the pane keeps its start. */
static void
model_output(struct model *m, int w, int64_t task, uint64_t t,
    const char *text, size_t len)
{
	const char	*nl;
	char		*p, **slot;
	size_t		 have, n;

	if (w < -1 || w >= m->nworkers || (w == -1 && !m->run.program))
		return;
	/* -1: what a Python program printed itself, as its caller */
	slot = w < 0 ? &m->caller_partial : &m->partial[w];
	if (w >= 0 && m->partial[w] != NULL && m->partial_task[w] != task)
		model_partial_end(m, w, t);
	if (w >= 0)
		m->partial_task[w] = task;
	while (len > 0) {
		nl = memchr(text, '\n', len);
		n = nl ? (size_t)(nl - text) : len;
		p = *slot;
		have = p ? strlen(p) : 0;
		if (nl != NULL) {
			if (have > 0) {
				char	buf[MODEL_LINE_MAX];
				size_t	k = n < sizeof buf - have - 1 ?
				    n : sizeof buf - have - 1;

				memcpy(buf, p, have);
				memcpy(buf + have, text, k);
				model_line_add(m, w, task, t, buf, have + k);
				p[0] = '\0';
			} else
				model_line_add(m, w, task, t, text, n);
			text += n + 1;
			len -= n + 1;
		} else {
			if (p == NULL)
				p = *slot = xcalloc(1, MODEL_LINE_MAX);
			if (have + n >= MODEL_LINE_MAX - 1)
				n = MODEL_LINE_MAX - 1 - have;	/* keep the start */
			memcpy(p + have, text, n);
			p[have + n] = '\0';
			len = 0;
		}
	}
}

/* Room in a lane for n more entries. */
static void
model_lane_room(struct model_lane *l, size_t n)
{
	if (l->n + n <= l->cap)
		return;
	while (l->n + n > l->cap)
		l->cap = l->cap ? l->cap * 2 : 64;
	l->tasks = xreallocarray(l->tasks, l->cap, sizeof *l->tasks);
}

static void
model_lane_push(struct model_lane *l, uint32_t task)
{
	model_lane_room(l, 1);
	l->tasks[l->n++] = task;
}

/* Task t's run on slot w ends in a retry: its lane entry keeps that run's
 * times as a past run, since the task's own are its next run's. */
static void
model_lane_retry(struct model *m, int w, uint32_t task, uint64_t end)
{
	struct model_lane	*l;
	size_t			 k;
	uint64_t		 end0;

	if (!m->views || w < 0 || w >= m->nworkers)
		return;
	l = &m->lanes[w];
	for (k = l->n; k > 0; k--)
		if (l->tasks[k - 1] == task)
			break;
	if (k == 0 || m->npast >= MODEL_LANE_PAST)
		return;
	if (m->npast == m->pastcap) {
		m->pastcap = m->pastcap ? m->pastcap * 2 : 16;
		m->past = xreallocarray(m->past, m->pastcap, sizeof *m->past);
	}
	m->past[m->npast].task = task;
	model_task_when(m, task, &m->past[m->npast].start, &end0);
	m->past[m->npast].end = end;
	l->tasks[k - 1] = MODEL_LANE_PAST | (uint32_t)m->npast++;
}

void
model_task_when(const struct model *m, size_t i, uint64_t *start,
    uint64_t *end)
{
	*start = *end = 0;
	if (m->ends == NULL || i >= m->ntasks)
		return;
	*end = m->ends[i];
	/* (a chained task is never the first) */
	*start = m->tasks[i].chained && i > 0 ? m->ends[i - 1] : m->starts[i];
}

uint64_t
model_result_time(const struct model *m, size_t i)
{
	size_t	lo = 0, hi = m->nrt, mid;

	/* the last run that began at or before result i */
	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (m->rt_first[mid] <= i)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo > 0 ? m->rt_t[lo - 1] : 0;
}

size_t
model_results_before(const struct model *m, uint64_t t)
{
	size_t	lo = 0, hi = m->nrt, mid;

	/* the first run at t or later */
	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (m->rt_t[mid] < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < m->nrt ? m->rt_first[lo] : m->nresults;
}

void
model_lane_span(const struct model *m, const struct model_lane *l, size_t k,
    uint64_t now, struct model_span *sp)
{
	const struct model_task	*t;
	uint32_t		 e = l->tasks[k];

	if (e & MODEL_LANE_PAST) {
		const struct model_past *p = &m->past[e & ~MODEL_LANE_PAST];

		sp->task = p->task;
		sp->start = p->start;
		sp->end = p->end;
		sp->state = MT_FAILED;
		sp->past = 1;
		return;
	}
	t = &m->tasks[e];
	sp->task = e;
	model_task_when(m, e, &sp->start, &sp->end);
	if (t->state == MT_RUNNING)
		sp->end = now;
	if (sp->end < sp->start)
		sp->end = sp->start;
	sp->state = t->state;
	sp->past = 0;
}

static void
model_lane_spawn(struct model_lane *l, uint64_t t, pid_t pid)
{
	if (l->nspawns == l->spawncap) {
		l->spawncap = l->spawncap ? l->spawncap * 2 : 4;
		l->spawns = xreallocarray(l->spawns, l->spawncap,
		    sizeof *l->spawns);
		l->pids = xreallocarray(l->pids, l->spawncap, sizeof *l->pids);
	}
	l->pids[l->nspawns] = pid;
	l->spawns[l->nspawns++] = t;
}

static void
model_run_start(struct model *m, const struct run_info *ri)
{
	int	i;

	model_free(m);
	m->run = *ri;
	m->started = 1;
	m->nworkers = ri->workers > 0 ? ri->workers : 1;
	m->workers = xcalloc(m->nworkers, sizeof *m->workers);
	for (i = 0; i < m->nworkers; i++) {
		m->workers[i].task = -1;
		m->workers[i].state = WS_EXITED;
	}
	if (m->views) {
		m->lanes = xcalloc(m->nworkers, sizeof *m->lanes);
		m->partial = xcalloc(m->nworkers, sizeof *m->partial);
		m->partial_task = xcalloc(m->nworkers,
		    sizeof *m->partial_task);
		m->lines = xcalloc(MODEL_LINES, sizeof *m->lines);
	}
	m->ntasks = m->taskcap = ri->tasks;
	if (m->ntasks > 0) {
		m->tasks = xcalloc(m->ntasks, sizeof *m->tasks);
		m->values = xcalloc(m->ntasks, sizeof *m->values);
		m->results = xcalloc(m->ntasks, sizeof *m->results);
		if (m->views) {
			m->ends = xcalloc(m->ntasks, sizeof *m->ends);
			m->starts = model_sparse(m->ntasks, sizeof *m->starts);
			m->where = xcalloc(m->ntasks, sizeof *m->where);
		}
	}
}

/* A slot as where[] keeps it (two bytes: POOL_MAX_WORKERS fit), -1 for
 * none or one out of range. */
static int16_t
model_slot16(int w)
{
	return w >= 0 && w < POOL_MAX_WORKERS ? (int16_t)w : -1;
}

/* A zeroed array whose pages are made only where it is written: no huge
 * pages asked for (one write would make two megabytes). */
static void *
model_sparse(size_t n, size_t size)
{
	void	*p = calloc(n, size);

	if (p == NULL)
		return xcalloc(n, size);	/* (which says so) */
	return p;
}

/* Grow an array of n elements of size to cap, the new ones zero. */
static void *
model_grow(void *p, size_t n, size_t cap, size_t size)
{
	p = xreallocarray(p, cap, size);
	memset((char *)p + n * size, 0, (cap - n) * size);
	return p;
}

/* A Python program submitted task i: there are at least i + 1. */
static void
model_task_submit(struct model *m, int64_t i)
{
	size_t	cap, n = m->taskcap;

	if (i < 0 || i >= TASKS_MAX)
		return;
	if ((size_t)i >= m->taskcap) {
		cap = m->taskcap ? m->taskcap : 64;
		while (cap <= (size_t)i)
			cap *= 2;
		m->tasks = model_grow(m->tasks, n, cap, sizeof *m->tasks);
		m->values = model_grow(m->values, n, cap, sizeof *m->values);
		m->results = model_grow(m->results, n, cap,
		    sizeof *m->results);
		if (m->views) {
			m->ends = model_grow(m->ends, n, cap, sizeof *m->ends);
			m->starts = model_grow(m->starts, n, cap,
			    sizeof *m->starts);
			m->where = model_grow(m->where, n, cap,
			    sizeof *m->where);
		}
		if (m->errors != NULL)
			m->errors = model_grow(m->errors, n, cap,
			    sizeof *m->errors);
		m->task_mode = model_grow(m->task_mode, n, cap,
		    sizeof *m->task_mode);
		m->taskcap = cap;
	}
	if ((size_t)i >= m->ntasks)
		m->ntasks = m->run.tasks = (size_t)i + 1;
}

/* The call a program's task belongs to: a new one when its seq changes
 * (a Process's is -1: every Process of a row is one "call"). */
static void
model_call(struct model *m, const struct event *ev)
{
	if (ev->task < 0 || (size_t)ev->task >= m->ntasks)
		return;
	m->task_mode[ev->task] = (uint8_t)ev->state;
	if (m->ncalls == 0 || ev->seq != m->call_id ||
	    ev->state != m->call_mode) {
		if (m->ncalls == m->callcap) {
			m->callcap = m->callcap ? m->callcap * 2 : 8;
			m->calls = xreallocarray(m->calls, m->callcap,
			    sizeof *m->calls);
		}
		m->calls[m->ncalls].first = (size_t)ev->task;
		m->calls[m->ncalls].t = ev->t;
		m->calls[m->ncalls].mode = ev->state;
		/* The run's style is its first call's (a program shown
		 * before its first call started as map). */
		if (m->ncalls == 0 && m->run.program)
			m->run.mode = ev->state == MODE_QUEUE ? MODE_PROCESS :
			    ev->state;
		m->ncalls++;
		m->call_id = ev->seq;
		m->call_mode = ev->state;
		m->call_first = (size_t)ev->task;
		m->call_ended = m->call_received = 0;
	}
}

/* A Python program's process took slot w: there are at least w + 1. */
static void
model_worker_grow(struct model *m, int w)
{
	int	i, n = m->nworkers;

	if (w < n || w >= POOL_MAX_WORKERS)
		return;
	m->workers = model_grow(m->workers, n, w + 1, sizeof *m->workers);
	for (i = n; i <= w; i++) {
		m->workers[i].task = -1;
		m->workers[i].state = WS_EXITED;
	}
	if (m->views) {
		m->lanes = model_grow(m->lanes, n, w + 1, sizeof *m->lanes);
		m->partial = model_grow(m->partial, n, w + 1,
		    sizeof *m->partial);
		m->partial_task = model_grow(m->partial_task, n, w + 1,
		    sizeof *m->partial_task);
	}
	m->nworkers = m->run.workers = w + 1;
}

/* Per task text (an error, a repr), its array made on first use. */
static void
model_text_set(struct model *m, int64_t task, const char *text, size_t len)
{
	if (m->errors == NULL)
		m->errors = xcalloc(m->taskcap, sizeof *m->errors);
	free(m->errors[task]);
	m->errors[task] = xstrndup(text ? text : "", len);
}

static struct model_worker *
model_worker(struct model *m, int w)
{
	if (w < 0 || w >= m->nworkers)
		return NULL;
	return &m->workers[w];
}

static struct model_task *
model_task(struct model *m, int64_t t)
{
	if (t < 0 || (uint64_t)t >= m->ntasks)
		return NULL;
	return &m->tasks[t];
}

/* The worker's task has an outcome: it is idle again.  Its busy time
 * grows by the task's own time (less any wait for a processor) when the
 * event says it. */
static void
model_task_end(struct model *m, struct model_worker *w, struct model_task *t,
    const struct event *ev)
{
	uint64_t	at = ev->t;

	if (t->state == MT_RUNNING && m->nrunning > 0)
		m->nrunning--;
	if (m->ends != NULL)
		m->ends[t - m->tasks] = at;
	if (w != NULL) {
		if (ev->has_stats)
			w->busy_ns += ev->cpu_ns + ev->wait_ns;
		else if (w->task >= 0 && at > w->task_start)
			w->busy_ns += at - w->task_start;
		w->task = -1;
		w->done++;
		if (w->state == WS_BUSY)
			w->state = WS_IDLE;
	}
}

static void
model_worker_start(struct model *m, struct model_worker *w,
    const struct event *ev)
{
	w->pid = ev->pid;
	w->no_process = 0;
	w->state = WS_STARTING;
	/* A program's pool, made after it started: its size as it grows. */
	if (m->run.program && ev->worker >= m->run.workers)
		m->run.workers = ev->worker + 1;
	w->task = -1;
	w->processes++;
	m->nworker_starts++;
	if (m->views)
		model_lane_spawn(&m->lanes[ev->worker], ev->t, ev->pid);
}

static void
model_task_start(struct model *m, struct model_worker *w,
    struct model_task *t, const struct event *ev)
{
	t->state = MT_RUNNING;
	t->chained = 0;
	if (m->ends != NULL) {
		m->starts[t - m->tasks] = ev->t;
		m->where[t - m->tasks] = model_slot16(ev->worker);
	}
	t->ran = ev->worker >= 0;
	m->nrunning++;
	if (w == NULL)
		return;
	if (m->views)
		model_lane_push(&m->lanes[ev->worker], (uint32_t)ev->task);
	w->task = ev->task;
	w->task_start = ev->t;
	if (w->state != WS_PAUSED)
		w->state = WS_BUSY;
}

static void
model_task_done(struct model *m, struct model_worker *w, struct model_task *t,
    const struct event *ev)
{
	model_task_end(m, w, t, ev);
	t->state = MT_DONE;
	t->vkind = (uint8_t)ev->vkind;
	m->values[t - m->tasks] = ev->value;
	if (m->task_mode != NULL && m->task_mode[ev->task] == MODE_QUEUE)
		m->nno_channel++;
	if (ev->vkind == VAL_TEXT)
		model_text_set(m, ev->task, ev->text, ev->len);
	m->ndone++;
	m->ncomputed++;
	if (m->ends != NULL) {
		uint64_t	start, end;

		model_task_when(m, (size_t)(t - m->tasks), &start, &end);
		m->task_ns_sum += end - start;
		m->task_ns_n++;
	}
}

static void
model_task_fail(struct model *m, struct model_worker *w, struct model_task *t,
    const struct event *ev)
{
	if (t->state == MT_RUNNING)
		model_task_end(m, w, t, ev);
	t->state = MT_FAILED;
	t->vkind = ev->vkind == VAL_EXC ? VAL_EXC : VAL_ERROR;
	if (m->run.program && ev->vkind != VAL_EXC)
		m->lost = ev->task;	/* its worker died: not an exception */
	t->ran = ev->worker >= 0;	/* no: no worker was left to run it */
	if (m->ends != NULL)
		m->where[t - m->tasks] = model_slot16(ev->worker);
	if (ev->worker >= 0)
		m->ncomputed++;
	else
		m->nunrun++;
	model_text_set(m, ev->task, ev->text, ev->len);
	m->nfailed++;
}

/* A run of instant tasks was done (a bulk event), back to back on one
 * slot.  For the views, with each one's end and the lines they printed
 * (made when read). */
static void
model_tasks_done(struct model *m, struct model_worker *w,
    const struct event *ev)
{
	const struct event_bulk	*bk = ev->bulk;
	struct model_task	*t;
	struct model_lane	*l;
	size_t			 i, n = ev->count, first = (size_t)ev->task;
	uint64_t		 start = ev->t_start;

	if (ev->task < 0 || (uint64_t)ev->task > m->ntasks ||
	    n > m->ntasks - first || n == 0)
		return;
	t = &m->tasks[first];
	for (i = 0; i < n; i++, t++) {
		t->state = MT_DONE;
		t->ran = 1;
		t->vkind = (uint8_t)ev->vkind;
		t->chained = i > 0 && m->views;	/* (see below) */
	}
	if (ev->values != NULL)
		memcpy(m->values + first, ev->values, n * sizeof *m->values);
	else
		memset(m->values + first, 0, n * sizeof *m->values);
	m->ndone += n;
	m->ncomputed += n;
	if (w != NULL) {
		w->busy_ns += ev->has_stats ? ev->cpu_ns + ev->wait_ns :
		    ev->t - ev->t_start;
		w->done += n;
	}
	if (!m->views || w == NULL)
		return;
	/* What it printed before, unended, is a line (its first task's
	 * line comes after it). */
	model_partial_end(m, ev->worker, start);
	/* Only the first has a start of its own: each of the others began
	 * as the one before it ended. */
	m->starts[first] = start;
	if (bk != NULL)
		memcpy(m->ends + first, bk->ends, n * sizeof *m->ends);
	else
		for (i = 0; i < n; i++)
			m->ends[first + i] = ev->t;
	start = m->ends[first + n - 1];
	for (i = 0; i < n; i++)
		m->where[first + i] = model_slot16(ev->worker);
	m->task_ns_sum += start - ev->t_start;
	m->task_ns_n += n;
	l = &m->lanes[ev->worker];
	model_lane_room(l, n);
	for (i = 0; i < n; i++)
		l->tasks[l->n++] = (uint32_t)(first + i);
	w->task = -1;
	w->task_start = n > 1 ? m->ends[first + n - 2] : ev->t_start;
	if (w->state != WS_PAUSED)
		w->state = WS_IDLE;
	/* A run that ends before its chunk does (its record was full, or a
	 * task that takes a while comes next): the worker goes on with the
	 * chunk's next task, as Python's does with the rest of its mapstar.
	 * It is busy, not idle between two of a million squares. */
	if (bk != NULL && m->run.chunksize > 1) {
		size_t	last = (size_t)(bk->chunk + 1) * (size_t)m->run.chunksize;

		if (first + n < last && first + n < m->ntasks &&
		    m->tasks[first + n].state == MT_PENDING) {
			w->task = (int64_t)(first + n);
			w->task_start = m->ends[first + n - 1];
			if (w->state != WS_PAUSED)
				w->state = WS_BUSY;
		}
	}
	if (bk != NULL && bk->tl != NULL)
		model_lines_pend(m, ev->worker, bk->tl, (uint32_t)first,
		    (uint32_t)n);
}

/* The caller has task i's result, at ns: in the arrival order, counted,
 * and, an exception where the call style raises, the end of the call. */
static void
model_receive(struct model *m, size_t i, int failed, uint64_t ns)
{
	struct model_task	*t = &m->tasks[i];

	t->received = 1;
	if (t->state == MT_DONE || (t->state == MT_FAILED && t->ran))
		m->nresults_computed++;
	if (failed && m->raised < 0 &&
	    pool_raises(m->run.mode, m->run.keep_going))
		m->raised = (int64_t)i;
	if (m->views) {
		/* a new run of arrivals when the time moves on */
		if (m->nrt > 0 && ns < m->rt_t[m->nrt - 1])
			ns = m->rt_t[m->nrt - 1];	/* (never earlier) */
		if (m->nrt == 0 || ns != m->rt_t[m->nrt - 1]) {
			if (m->nrt == m->rtcap) {
				m->rtcap = m->rtcap ? m->rtcap * 2 : 64;
				m->rt_first = xreallocarray(m->rt_first,
				    m->rtcap, sizeof *m->rt_first);
				m->rt_t = xreallocarray(m->rt_t, m->rtcap,
				    sizeof *m->rt_t);
			}
			m->rt_first[m->nrt] = (uint32_t)m->nresults;
			m->rt_t[m->nrt++] = ns;
		}
	}
	m->results[m->nresults++] = (uint32_t)i;
}

/* The first task the caller has no result for yet. */
static void
model_next_due(struct model *m)
{
	while (m->next_unreceived < m->ntasks &&
	    m->tasks[m->next_unreceived].received)
		m->next_unreceived++;
}

/* The caller received a run of results, in order (a bulk event): each
 * task's own value or exception, from its done or failed event. */
static void
model_results(struct model *m, const struct event *ev)
{
	struct model_task	*t;
	uint32_t		*r;
	size_t			 i, first = (size_t)ev->task, n = ev->count;

	if (ev->task < 0 || first > m->ntasks || n > m->ntasks - first ||
	    n > m->ntasks - m->nresults)
		return;
	/* A run of tasks done and not yet received (a chunk of squares):
	 * in one go, its first through model_receive for the time. */
	for (i = first, t = &m->tasks[first]; i < first + n; i++, t++)
		if (t->received || t->state != MT_DONE)
			break;
	if (i == first + n && n > 1) {
		model_receive(m, first, 0, ev->t);
		r = &m->results[m->nresults];
		for (i = first + 1, t = &m->tasks[first + 1]; i < first + n;
		    i++, t++) {
			t->received = 1;
			*r++ = (uint32_t)i;
		}
		m->nresults += n - 1;
		m->nresults_computed += n - 1;
	} else
		for (i = first; i < first + n; i++)
			if (!m->tasks[i].received)
				model_receive(m, i,
				    value_failed(m->tasks[i].vkind), ev->t);
	model_next_due(m);
}

/* The caller received a task's result (or its exception, or, in process
 * mode, the exit code of the process it joined). */
static void
model_result(struct model *m, struct model_task *t, const struct event *ev)
{
	if (t->received || m->nresults >= m->ntasks)
		return;
	if (m->run.mode == MODE_PROCESS) {
		/* join() gives the exit code; the target's return value was
		 * never sent anywhere. */
		t->vkind = VAL_INT;
		m->values[t - m->tasks] = ev->value;
	}
	/* (a Process's caller never raises: pool_raises says so) */
	model_receive(m, (size_t)ev->task, value_failed(ev->vkind), ev->t);
	model_next_due(m);
}

static void
model_run_end(struct model *m, const struct run_info *ri)
{
	model_lines_settle(m);	/* while the task list is sure to be there */
	m->pend_tl = NULL;
	model_partial_end(m, -1, m->now);
	m->ended = 1;
	m->run.ok = ri->ok;
	m->run.failed = ri->failed;
	m->run.skipped = ri->skipped;
	m->run.wall_ns = ri->wall_ns;
	m->run.busy_ns = ri->busy_ns;
	m->run.cpu_ns = ri->cpu_ns;
	m->run.wait_ns = ri->wait_ns;
	m->run.runq_ns = ri->runq_ns;
	m->run.paused_ns = ri->paused_ns;
	m->run.interrupted = ri->interrupted;
	m->run.exit_code = ri->exit_code;
}

void
model_event(struct model *m, const struct event *ev)
{
	struct model_worker	*w;
	struct model_task	*t;

	if (ev->type == EV_RUN_START) {
		model_run_start(m, ev->run);
		m->now = ev->t;
		return;
	}
	if (!m->started)
		return;
	m->nevents++;
	m->now = ev->t;
	/* A program's tasks and slots are known as it runs. */
	if (ev->type == EV_TASK_SUBMIT && m->run.program) {
		if (m->ntasks == 0)
			m->first_submit = ev->t;
		model_task_submit(m, ev->task);
		model_call(m, ev);
	} else if (ev->type == EV_WORKER_START && m->run.program)
		model_worker_grow(m, ev->worker);
	w = model_worker(m, ev->worker);
	t = model_task(m, ev->task);
	/* A line a task left unended is a line once it (or its worker)
	 * ends. */
	if (ev->type == EV_TASK_DONE || ev->type == EV_TASK_FAIL ||
	    ev->type == EV_WORKER_EXIT)
		model_partial_end(m, ev->worker, ev->t);
	switch (ev->type) {
	case EV_WORKER_START:
		if (w != NULL)
			model_worker_start(m, w, ev);
		break;
	case EV_WORKER_STATE:
		if (w != NULL)
			w->state = ev->state;
		break;
	case EV_TASK_START:
		if (t != NULL)
			model_task_start(m, w, t, ev);
		break;
	case EV_TASK_DONE:
		if (t != NULL)
			model_task_done(m, w, t, ev);
		if (t != NULL && m->ncalls > 0 && (size_t)ev->task >=
		    m->call_first)
			m->call_ended++;
		break;
	case EV_OUTPUT:
		if (m->views)
			model_output(m, ev->worker, ev->task, ev->t, ev->text,
			    ev->len);
		break;
	case EV_TASK_FAIL:
		if (t != NULL)
			model_task_fail(m, w, t, ev);
		if (t != NULL && m->ncalls > 0 && (size_t)ev->task >=
		    m->call_first)
			m->call_ended++;
		break;
	case EV_TASK_RETRY:
		if (t == NULL)
			break;
		if (t->state == MT_RUNNING) {
			model_task_end(m, w, t, ev);
			model_lane_retry(m, ev->worker, (uint32_t)ev->task,
			    ev->t);
		}
		t->state = MT_PENDING;
		t->attempts = (uint8_t)ev->state;
		m->nretried++;
		break;
	case EV_TASK_SKIP:
		if (t == NULL || t->state == MT_SKIPPED)
			break;
		t->state = MT_SKIPPED;
		if (m->ends != NULL)
			m->where[ev->task] = model_slot16(ev->worker);
		m->nskipped++;
		break;
	case EV_SENTINEL:
		if (w != NULL)
			w->state = WS_EXITING;
		if (w != NULL && m->views) {
			m->lanes[ev->worker].sentinel = 1;
			m->lanes[ev->worker].sentinel_t = ev->t;
		}
		m->nsentinels++;
		break;
	case EV_RESULT:
		if (t != NULL && m->ncalls > 0 && !t->received &&
		    (size_t)ev->task >= m->call_first)
			m->call_received++;
		if (t != NULL)
			model_result(m, t, ev);
		break;
	case EV_WORKER_EXIT:
		if (w == NULL)
			break;
		w->state = ev->state == WS_CRASHED ? WS_CRASHED : WS_EXITED;
		if (w->state == WS_CRASHED)
			m->ncrashes++;
		w->task = -1;
		break;
	case EV_SPAWN_FAIL:
		if (w != NULL)
			w->no_process = 1;
		m->nspawn_fails++;
		m->spawn_live = ev->state;
		snprintf(m->spawn_error, sizeof m->spawn_error, "%.*s",
		    (int)ev->len, ev->text ? ev->text : "");
		break;
	case EV_RUN_END:
		model_run_end(m, ev->run);
		break;
	case EV_TASKS_DONE:
		model_tasks_done(m, w, ev);
		break;
	case EV_RESULTS:
		model_results(m, ev);
		break;
	}
}

static void
model_sink_event(void *arg, const struct event *ev)
{
	model_event(arg, ev);
}

struct event_sink
model_sink(struct model *m)
{
	/* Without views nobody reads output lines or when each task started
	 * (the running count, busy shares, the mean task time): skipping
	 * task_start saves a fifth of the parent's time on a million tasks,
	 * and instant tasks may come a run at a time (bulk events). */
	struct event_sink	s = { model_sink_event, NULL, m, (m->views ?
	    EVENT_ALL : (EVENT_ALL & ~EVENT_BIT(EV_OUTPUT) &
	    ~EVENT_BIT(EV_TASK_START))) | EVENT_BULK };

	return s;
}

size_t
model_never_received(const struct model *m)
{
	size_t	sent = m->ncomputed - m->nno_channel;

	return sent > m->nresults_computed ? sent - m->nresults_computed : 0;
}

void
model_value_format(const struct model *m, size_t task, char *buf, size_t len)
{
	const struct model_task	*t = &m->tasks[task];
	const char		*err = NULL;

	if (t->vkind != VAL_INT && t->vkind != VAL_NONE && m->errors != NULL)
		err = m->errors[task];
	event_value_format(t->vkind, m->values[task], err, err ? strlen(err) : 0,
	    buf, len);
}
