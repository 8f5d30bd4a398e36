/*
 * source.c: a real Python program as a source of events (source.h).
 *
 * The program runs in its own process group with poolscope's tracer first
 * on PYTHONPATH (tracer/sitecustomize.py).  Every process of the program
 * writes what its pools do, one JSON object a line, to a pipe of
 * poolscope's, which each opens by its /proc path (spawned children do not
 * inherit it).  What the program itself prints comes through a second pipe.
 *
 * Lines from many processes arrive out of order: each is held for
 * PY_HOLD_NS and released in time order, then turned into the same events
 * the engine emits, so every reader (the model, the printers, the
 * recordings, the screen) takes a Python program as it takes a pool of
 * poolscope's own.  A task is known once the program submits it: a
 * task_submit event carries what it calls, and tasks and worker slots
 * grow as the program runs.
 *
 * poolscope is the program's subreaper: a process of it that outlives its
 * parent is poolscope's to reap, and nothing is left behind when the run
 * ends, however it ends.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"
#include "assets.h"
#include "source.h"
#include "replay/json.h"
#include "tasks/tasks.h"

extern char **environ;

#define PY_HOLD_NS	(30 * 1000000ull)	/* a line waits for older ones */
#define PY_READ_MAX	(1 << 20)		/* bytes read at a time */
#define PY_NAP_NS	(2 * 1000000ull)	/* lines gather this long */
#define PY_END_GRACE_NS	(2000 * 1000000ull)	/* after the program: its
						   processes' time to end */
#define PY_TERM_NS	(1000 * 1000000ull)	/* SIGTERM, then SIGKILL */
#define PY_SLOT		32			/* the board's bytes a PID */

enum praw_type {
	R_SPAWN, R_POOL, R_BEGIN, R_SUB, R_START, R_DONE, R_SENT, R_RECV,
	R_OUT, R_END, R_EXIT, R_JOINED, R_WARN, R_QSTART, R_SUBS, R_PRINTED,
	R_BROKEN, R_RECVS, R_HELLO, R_NTYPES
};

static const char *const praw_names[R_NTYPES] = {
	"spawn", "pool", "begin", "sub", "start", "done", "sent", "recv",
	"out", "end", "exit", "joined", "warn", "qstart", "subs", "printed",
	"broken", "recvs", "hello"
};

/* One line of the tracer's, or what the program printed. */
struct praw {
	uint64_t	 t;		/* monotonic ns */
	uint64_t	 seq;		/* arrival order, for equal times */
	int		 type;
	pid_t		 p;		/* who wrote it */
	pid_t		 c;		/* spawn, exit, joined: the child */
	int64_t		 j, i, k;	/* a task: job, chunk, position */
	int64_t		 n;		/* pool: workers; exit: the code */
	uint64_t	 s0;		/* done: when the call began, if its
					   start was not told */
	int64_t		 pool;		/* spawn: the pool (or executor) the
					   process works for */
	int		 ok;
	int		 style;		/* sub: enum pool_mode */
	int		 has_call;	/* spawn: a Process with a target */
	char		*text;		/* call, value, output, warning */
	size_t		 len;
};

struct pslot {
	pid_t		 pid;		/* 0: free */
	int64_t		 task;		/* running, or -1 */
	int		 ended;		/* its exit was told */
};

/* A key's entry: a task ((job, chunk, position); a Process's task is
 * (-2, pid, 0)), a job (job, -1, -1) or a chunk (job, chunk, -1). */
struct pent {
	int64_t		 j, i, k;
	int64_t		 v;		/* task index, job index, chunk id */
	int		 used;
};

struct ptask {
	int		 state;		/* 0 pending, 1 running, 2 done,
					   3 failed */
	int		 vkind;
	int64_t		 value;
	char		*text;		/* VAL_TEXT, VAL_EXC */
	size_t		 len;
	int		 slot;
	int64_t		 chunk;
	int64_t		 i;		/* its chunk in its job */
	uint64_t	 start;
	int		 recv_due;	/* the caller has it: told once it
					   has ended (its end may be told
					   later than the caller's line) */
};

struct pjob {
	uint32_t	*tasks;		/* in submission (index) order */
	size_t		 n, cap;
};

struct psource {
	char *const	*argv;
	char		*tracer;	/* the tracer's directory */
	int		 batch;		/* stdin stays the terminal's */

	pid_t		 pid;		/* the program */
	int		 status;	/* its wait status, once ended */
	int		 exited;
	uint64_t	 exited_at;
	int		 epfd, chan, wchan, out, pidfd;
	int		 board;		/* PY_SLOT bytes a PID: see py_board */
	const unsigned char *bmap;	/* it, mapped */
	size_t		 blen;
	uint64_t	 chan_on_at;	/* not read till then (0: it is) */
	int		 out_eof;
	uint64_t	 t0;		/* monotonic ns at start */
	uint64_t	 paused_total, paused_at;
	uint64_t	 last_t;	/* of the last event emitted */
	struct praw	*orphans;	/* a start or end whose task is not
					   submitted yet: kept for it */
	size_t		 norphans, orphancap;
	pid_t		 adopting;	/* the Process whose lines are told now */
	int		 paused, stepping;
	int		 aborted;
	uint64_t	 term_at;	/* SIGTERM sent at; 0 none */

	struct event_sink sink;
	int		 started;	/* run_start emitted */
	int		 ended;		/* run_end emitted */
	struct run_info	 info, end;

	/* lines read, not yet released: sorted by (t, seq) on release */
	struct praw	*raw;
	size_t		 nraw, rawcap;
	size_t		 head;		/* raw[head..nraw) wait */
	size_t		 nsorted;	/* raw[head..nsorted) are in order */
	struct praw	*merge;		/* room to merge the new ones in */
	size_t		 mergecap;
	uint64_t	 seq;
	char		*line;		/* a partial line of the channel */
	size_t		 linelen, linecap;
	struct json_obj	 obj;

	struct tasklist	 tl;
	struct ptask	*tasks;
	size_t		 taskcap;
	struct pjob	*jobs;
	size_t		 njobs, jobcap;
	int64_t		 nchunks;
	struct pent	*map;
	size_t		 mapcap, mapn;
	struct pslot	*slots;
	int		 nslots;
	pid_t		*pool_pids;	/* workers of a pool, and */
	size_t		 npool_pids, pool_pidcap;
	int64_t		 nresults;
	size_t		 ok, failed;
	uint64_t	 busy;

	pid_t		*wpids;		/* each pool worker, and */
	int64_t		*wpools;	/* the pool (executor) it works for */
	size_t		 nwpids, wpidcap;
	int64_t		*qpending;	/* items put on a queue, not yet
					   taken, in order */
	size_t		 nqpending, qpendcap;
	char		**warnings;
	size_t		 nwarnings;
	size_t		 ntraced;	/* lines from the tracer */
	uint64_t	 timeout_ns;	/* end it this long after a loss */
	uint64_t	 lost_at;	/* when it first lost a task, or 0 */
};

/* ---------------------------------------------------------------- keys */

static uint64_t
py_hash(int64_t j, int64_t i, int64_t k)
{
	uint64_t	h = (uint64_t)j * 0x9e3779b97f4a7c15ull ^
	    (uint64_t)i * 0xc2b2ae3d27d4eb4full ^
	    (uint64_t)k * 0x165667b19e3779f9ull;

	/* splitmix64's finaliser: every bit of the key in the low ones */
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebull;
	return h ^ (h >> 31);
}

static struct pent *
py_find(struct psource *s, int64_t j, int64_t i, int64_t k, int add)
{
	struct pent	*e, *old;
	size_t		 n, x, oldcap;

	if (add && (s->mapn + 1) * 2 > s->mapcap) {
		old = s->map;
		oldcap = s->mapcap;
		s->mapcap = oldcap ? oldcap * 2 : 1024;
		s->map = xcalloc(s->mapcap, sizeof *s->map);
		s->mapn = 0;
		for (n = 0; n < oldcap; n++)
			if (old[n].used) {
				e = py_find(s, old[n].j, old[n].i, old[n].k, 1);
				e->v = old[n].v;
			}
		free(old);
	}
	if (s->mapcap == 0)
		return NULL;
	x = py_hash(j, i, k) & (s->mapcap - 1);
	for (;;) {
		e = &s->map[x];
		if (!e->used)
			break;
		if (e->j == j && e->i == i && e->k == k)
			return e;
		x = (x + 1) & (s->mapcap - 1);
	}
	if (!add)
		return NULL;
	e->used = 1;
	e->j = j;
	e->i = i;
	e->k = k;
	e->v = -1;
	s->mapn++;
	return e;
}

static int	py_slot(struct psource *, pid_t);
static void	py_line_subs(struct psource *, struct praw *);
static void	py_board_start(struct psource *, int, uint64_t);
static void	py_line_recvs(struct psource *, struct praw *);
static int64_t	py_next_int(const char **, size_t *);
static void	py_result(struct psource *, int64_t, uint64_t);

static int64_t
py_task_of(struct psource *s, const struct praw *r)
{
	struct pent	*e;
	int		 slot;

	if (r->j == -3)		/* the queue item its process holds */
		return (slot = py_slot(s, r->p)) >= 0 ? s->slots[slot].task :
		    -1;

	e = r->j == -1 ? py_find(s, -2, r->p, 0, 0) :
	    py_find(s, r->j, r->i, r->k, 0);
	return e != NULL ? e->v : -1;
}

/* ---------------------------------------------------------------- events */

static uint64_t
py_pool_t(struct psource *s, uint64_t t)
{
	uint64_t	d = t > s->t0 ? t - s->t0 : 0;

	return d > s->paused_total ? d - s->paused_total : 0;
}

static void
py_emit(struct psource *s, struct event *ev, uint64_t t)
{
	/* Never back in time: a chunk's next call, told with its end, starts
	 * no earlier than what was told before it. */
	ev->t = py_pool_t(s, t);
	if (ev->t < s->last_t)
		ev->t = s->last_t;
	s->last_t = ev->t;
	s->sink.event(s->sink.arg, ev);
}

static void
py_run_start(struct psource *s, int mode, uint64_t t)
{
	struct event	ev;
	size_t		i;

	if (s->started)
		return;
	s->started = 1;
	/* The first pool's size, if it is made before the first call (its
	 * workers start in its constructor). */
	for (i = s->head; i < s->nraw; i++)
		if (s->raw[i].type == R_POOL && s->info.workers == 0)
			s->info.workers = (int)s->raw[i].n;
	util_join_argv(s->argv, s->info.command, sizeof s->info.command);
	s->info.mode = mode == MODE_QUEUE ? MODE_PROCESS : mode;
	s->info.cpus = util_cpu_count();
	/* No pool made (yet): none (0); its workers are counted as they
	 * come. */
	s->info.chunksize = 1;
	s->info.keep_going = 1;	/* the program decides what an error ends */
	s->info.program = 1;
	event_init(&ev, EV_RUN_START, -1, 0, -1);
	ev.run = &s->info;
	py_emit(s, &ev, t < s->t0 ? s->t0 : s->t0);
}

static int
py_slot(struct psource *s, pid_t pid)
{
	int	i;

	for (i = 0; i < s->nslots; i++)
		if (s->slots[i].pid == pid)
			return i;
	return -1;
}

/* The lowest slot free: the one a new process takes. */
static int
py_slot_take(struct psource *s, pid_t pid)
{
	int	i;

	for (i = 0; i < s->nslots; i++)
		if (s->slots[i].pid == 0)
			break;
	if (i == s->nslots) {
		if (s->nslots >= POOL_MAX_WORKERS)
			return -1;
		s->slots = xreallocarray(s->slots, (size_t)++s->nslots,
		    sizeof *s->slots);
	}
	s->slots[i].pid = pid;
	s->slots[i].task = -1;
	s->slots[i].ended = 0;
	return i;
}

static struct ptask *
py_ptask(struct psource *s, int64_t task)
{
	size_t	cap;

	if ((size_t)task >= s->taskcap) {
		cap = s->taskcap ? s->taskcap * 2 : 256;
		while (cap <= (size_t)task)
			cap *= 2;
		s->tasks = xreallocarray(s->tasks, cap, sizeof *s->tasks);
		memset(s->tasks + s->taskcap, 0, (cap - s->taskcap) *
		    sizeof *s->tasks);
		s->taskcap = cap;
	}
	return &s->tasks[task];
}

static struct pjob *
py_job(struct psource *s, int64_t j, int add)
{
	struct pent	*e = py_find(s, j, -1, -1, add);

	if (e == NULL)
		return NULL;
	if (e->v < 0) {
		if (s->njobs == s->jobcap) {
			s->jobcap = s->jobcap ? s->jobcap * 2 : 16;
			s->jobs = xreallocarray(s->jobs, s->jobcap,
			    sizeof *s->jobs);
		}
		memset(&s->jobs[s->njobs], 0, sizeof *s->jobs);
		e->v = (int64_t)s->njobs++;
	}
	return &s->jobs[e->v];
}

/* Process pid works for pool: an executor's worker tells its tasks as
 * job -5, "my executor's". */
static void
py_worker_of(struct psource *s, pid_t pid, int64_t pool)
{
	if (s->nwpids == s->wpidcap) {
		s->wpidcap = s->wpidcap ? s->wpidcap * 2 : 16;
		s->wpids = xreallocarray(s->wpids, s->wpidcap,
		    sizeof *s->wpids);
		s->wpools = xreallocarray(s->wpools, s->wpidcap,
		    sizeof *s->wpools);
	}
	s->wpids[s->nwpids] = pid;
	s->wpools[s->nwpids++] = pool;
}

static int64_t
py_pool_of(struct psource *s, pid_t pid)
{
	size_t	n;

	for (n = s->nwpids; n > 0; n--)
		if (s->wpids[n - 1] == pid)
			return s->wpools[n - 1];
	return -5;
}

/* A start or end line for a task not submitted yet (the caller's line
 * is late): kept until it is. */
static void
py_orphan(struct psource *s, const struct praw *r)
{
	if (s->norphans == s->orphancap) {
		s->orphancap = s->orphancap ? s->orphancap * 2 : 16;
		s->orphans = xreallocarray(s->orphans, s->orphancap,
		    sizeof *s->orphans);
	}
	s->orphans[s->norphans] = *r;
	s->orphans[s->norphans].text = r->text ? xstrndup(r->text, r->len) :
	    NULL;
	s->norphans++;
}

static void	py_release(struct psource *, const struct praw *);

/* Whether a Process's own lines wait for its task (its start came before
 * the caller said it started the Process). */
static int
py_pid_waits(const struct psource *s, pid_t pid)
{
	size_t	n;

	for (n = 0; n < s->norphans; n++)
		if (s->orphans[n].j == -1 && s->orphans[n].p == pid)
			return 1;
	return 0;
}

/*
 * A line of a Process whose start waits for its task (the caller, slow
 * after the fork, told of it late): what it printed, its end, and the
 * caller seeing it exit wait too, so that they are told in their order
 * once its task is (the print as its task's, the exit after it).  1 if
 * it waits.
 */
static int
py_after_orphan(struct psource *s, const struct praw *r)
{
	struct praw	 w = *r;
	pid_t		 pid = r->type == R_EXIT ? (pid_t)r->c : r->p;

	if (s->norphans == 0 || (r->type != R_OUT && r->type != R_END &&
	    r->type != R_EXIT) || pid == s->adopting || !py_pid_waits(s, pid))
		return 0;
	w.j = -1;
	w.p = pid;
	py_orphan(s, &w);
	return 1;
}

/* The program has ended, and some Process's task was never told (its
 * caller died between the fork and saying so): what the Process printed
 * and how it ended are told all the same, in their order. */
static void
py_orphans_end(struct psource *s)
{
	struct praw	r;

	while (s->norphans > 0) {
		r = s->orphans[0];
		memmove(s->orphans, s->orphans + 1, --s->norphans *
		    sizeof *s->orphans);
		if (r.type == R_OUT || r.type == R_END || r.type == R_EXIT) {
			s->adopting = r.p;
			py_release(s, &r);
			s->adopting = 0;
		}
		free(r.text);
	}
}

/* The lines kept for a task just submitted, in their order. */
static void
py_adopt(struct psource *s, int64_t j, int64_t i, int64_t k)
{
	struct praw	 r;
	size_t		 n = 0;
	pid_t		 was = s->adopting;

	if (j == -2)
		s->adopting = (pid_t)i;
	while (n < s->norphans) {
		/* a Process's own task (-2, pid) is told as (-1, ..) by it */
		if (j == -2 ? s->orphans[n].j != -1 || s->orphans[n].p != i :
		    s->orphans[n].j != j || s->orphans[n].i != i ||
		    s->orphans[n].k != k) {
			n++;
			continue;
		}
		r = s->orphans[n];
		memmove(s->orphans + n, s->orphans + n + 1,
		    (s->norphans - n - 1) * sizeof *s->orphans);
		s->norphans--;
		py_release(s, &r);
		free(r.text);
	}
	s->adopting = was;
}

/* A task is submitted: it gets the next index, and its call is its
 * label. */
static int64_t
py_submit(struct psource *s, int64_t j, int64_t i, int64_t k, int mode,
    const char *call_text, size_t len, uint64_t t)
{
	struct event	 ev;
	struct pent	*e, *c;
	struct pjob	*job;
	struct ptask	*pt;
	int64_t		 task, call = -1;

	e = j == -2 ? py_find(s, -2, i, 0, 1) : py_find(s, j, i, k, 1);
	if (e->v >= 0)
		return e->v;	/* told twice */
	py_run_start(s, mode, t);
	task = (int64_t)tasklist_append_call(&s->tl, call_text, len);
	e = j == -2 ? py_find(s, -2, i, 0, 0) : py_find(s, j, i, k, 0);
	e->v = task;
	pt = py_ptask(s, task);
	pt->slot = -1;
	pt->i = i;
	if (j == -2)
		pt->chunk = s->nchunks++;
	else {
		c = py_find(s, j, i, -1, 1);
		if (c->v < 0)
			c->v = s->nchunks++;
		pt->chunk = c->v;
		job = py_job(s, j, 1);
		if (job->n == job->cap) {
			job->cap = job->cap ? job->cap * 2 : 16;
			job->tasks = xreallocarray(job->tasks, job->cap,
			    sizeof *job->tasks);
		}
		job->tasks[job->n++] = (uint32_t)task;
		/* apply_async calls in a row read as one call of it */
		if (mode != MODE_APPLY_ASYNC)
			call = job - s->jobs;
	}
	if (j == -3) {
		if (s->nqpending == s->qpendcap) {
			s->qpendcap = s->qpendcap ? s->qpendcap * 2 : 64;
			s->qpending = xreallocarray(s->qpending, s->qpendcap,
			    sizeof *s->qpending);
		}
		s->qpending[s->nqpending++] = task;
	}
	s->info.tasks = s->tl.n;
	event_init(&ev, EV_TASK_SUBMIT, -1, 0, task);
	ev.chunk = pt->chunk;
	ev.state = mode;
	ev.seq = call;
	ev.text = call_text;
	ev.len = len;
	py_emit(s, &ev, t);
	if (s->norphans > 0 && j != -3)
		py_adopt(s, j, i, k);
	return task;
}

/* A Python value's repr: None and whole numbers as such, the rest as
 * text. */
static void
py_value(const char *v, size_t len, int *vkind, int64_t *value)
{
	char	*end;

	*value = 0;
	if (len == 4 && memcmp(v, "None", 4) == 0) {
		*vkind = VAL_NONE;
		return;
	}
	if (len > 0 && len < 20 && v[len] == '\0') {
		errno = 0;
		*value = strtoll(v, &end, 10);
		if (*end == '\0' && errno == 0 && (v[0] == '-' ||
		    (v[0] >= '0' && v[0] <= '9'))) {
			*vkind = VAL_INT;
			return;
		}
	}
	*vkind = VAL_TEXT;
}

/* Task task started on slot's process pid (nothing if either is not
 * known). */
static void
py_started(struct psource *s, int64_t task, int slot, pid_t pid, uint64_t t)
{
	struct event	 ev;
	struct ptask	*pt;

	if (task < 0 || slot < 0)
		return;
	pt = py_ptask(s, task);
	pt->state = 1;
	pt->slot = slot;
	pt->start = t;
	s->slots[slot].task = task;
	event_init(&ev, EV_TASK_START, slot, pid, task);
	ev.chunk = pt->chunk;
	py_emit(s, &ev, t);
}

static void
py_task_start(struct psource *s, const struct praw *r, uint64_t t)
{
	py_started(s, py_task_of(s, r), py_slot(s, r->p), r->p, t);
}

/* A Process took an item from a queue: the first item put with that repr
 * and not yet taken is its task. */
static void
py_queue_start(struct psource *s, const struct praw *r, uint64_t t)
{
	const char	*label;
	size_t		 n;
	int64_t		 task = -1;
	int		 slot = py_slot(s, r->p);

	for (n = 0; n < s->nqpending && r->text != NULL; n++) {
		label = tasklist_at(&s->tl, s->qpending[n]).cmd;
		if (label != NULL && strlen(label) == r->len &&
		    memcmp(label, r->text, r->len) == 0) {
			task = s->qpending[n];
			memmove(s->qpending + n, s->qpending + n + 1,
			    (s->nqpending - n - 1) * sizeof *s->qpending);
			s->nqpending--;
			break;
		}
	}
	py_started(s, task, slot, r->p, t);
}

static void
py_task_end(struct psource *s, int64_t task, int ok, const char *v,
    size_t len, uint64_t t, int exc)
{
	struct event	 ev;
	struct ptask	*pt = py_ptask(s, task);
	int		 slot = pt->slot;

	if (pt->state >= 2)
		return;
	event_init(&ev, ok ? EV_TASK_DONE : EV_TASK_FAIL, slot,
	    slot >= 0 ? s->slots[slot].pid : 0, task);
	if (ok)
		py_value(v, len, &pt->vkind, &pt->value);
	else
		pt->vkind = exc ? VAL_EXC : VAL_ERROR;
	free(pt->text);
	pt->text = xstrndup(v, len);
	pt->len = len;
	pt->state = ok ? 2 : 3;
	ev.vkind = pt->vkind;
	ev.value = pt->value;
	ev.text = pt->text;
	ev.len = pt->len;
	if (ok)
		s->ok++;
	else
		s->failed++;
	if (pt->state != 0 && t > pt->start && pt->start > 0)
		s->busy += py_pool_t(s, t) - py_pool_t(s, pt->start);
	if (slot >= 0 && s->slots[slot].task == task)
		s->slots[slot].task = -1;
	py_emit(s, &ev, t);
	if (pt->recv_due) {
		pt->recv_due = 0;
		py_result(s, task, t);
	}
}

static void
py_result(struct psource *s, int64_t task, uint64_t t)
{
	struct event	 ev;
	struct ptask	*pt = py_ptask(s, task);

	event_init(&ev, EV_RESULT, -1, 0, task);
	ev.seq = s->nresults++;
	ev.vkind = pt->vkind;
	ev.value = pt->value;
	ev.text = pt->text;
	ev.len = pt->len;
	py_emit(s, &ev, t);
}

/* The caller has task's result: told now if its end has been, else
 * right after it. */
static void
py_result_when_ended(struct psource *s, int64_t task, uint64_t t)
{
	struct ptask	*pt = py_ptask(s, task);

	if (pt->state >= 2)
		py_result(s, task, t);
	else
		pt->recv_due = 1;
}

/* The caller received: a whole job (i -1), a chunk of it, or, when ok is
 * 0, the exception of the failed task in chunk i. */
static void
py_received(struct psource *s, const struct praw *r, uint64_t t)
{
	struct pjob	*job = py_job(s, r->j, 0);
	struct ptask	*pt;
	struct pent	*e;
	size_t		 n;
	int64_t		 k;

	if (job == NULL)
		return;
	if (r->i >= 0) {
		/* One chunk: its tasks by position, not the whole job's. */
		for (k = 0; (e = py_find(s, r->j, r->i, k, 0)) != NULL; k++) {
			if (!r->ok && py_ptask(s, e->v)->state != 3)
				continue;
			py_result_when_ended(s, e->v, t);
			if (!r->ok)
				break;
		}
		return;
	}
	for (n = 0; n < job->n; n++) {
		pt = py_ptask(s, job->tasks[n]);
		if (r->i >= 0 && pt->i != r->i)
			continue;
		if (!r->ok && pt->state != 3)
			continue;
		py_result_when_ended(s, job->tasks[n], t);
		if (!r->ok)
			break;
	}
}

/* A task lost with its worker: Python's Pool waits for it for ever (an
 * executor raises BrokenProcessPool).  Said at once in batch mode; with
 * --timeout the program is ended that long after. */
static void
py_lost(struct psource *s, int64_t task, const char *msg)
{
	char	label[64];

	if (s->lost_at == 0)
		s->lost_at = now_ns();
	if (!s->batch || s->aborted || s->exited)
		return;
	tasklist_label(&s->tl, task, label, sizeof label);
	fprintf(stderr, "poolscope: task %" PRId64 " (%s) was lost: %s; a "
	    "Pool waits for its result for ever, so the program may not end "
	    "by itself: %s\n", task, label, msg, s->timeout_ns ?
	    "--timeout will end it" : "Ctrl-C ends it (or give --timeout MS)");
}

static void
py_worker_exit(struct psource *s, pid_t pid, int64_t code, uint64_t t)
{
	struct event	 ev;
	char		 why[96], msg[200];
	int		 slot = py_slot(s, pid);
	int64_t		 task;

	if (slot < 0 || s->slots[slot].ended)
		return;
	py_board_start(s, slot, t);
	s->slots[slot].ended = 1;
	if (code >= 0)
		snprintf(why, sizeof why, "exited %" PRId64, code);
	else
		snprintf(why, sizeof why, "killed by SIG%s",
		    sigabbrev_np((int)-code) ? sigabbrev_np((int)-code) : "?");
	if ((task = s->slots[slot].task) >= 0) {
		snprintf(msg, sizeof msg, "worker %d (pid %d) %s while running "
		    "task %" PRId64, slot, (int)pid, why, task);
		py_task_end(s, task, 0, msg, strlen(msg), t, 0);
		py_lost(s, task, msg);
	}
	event_init(&ev, EV_WORKER_EXIT, slot, pid, -1);
	/* Pool.terminate() (as with Pool() ends) stops workers by SIGTERM:
	 * an end, not a crash. */
	ev.state = code >= 0 || code == -SIGTERM ? WS_EXITED : WS_CRASHED;
	ev.text = why;
	ev.len = strlen(why);
	py_emit(s, &ev, t);
	s->slots[slot].pid = 0;
}

static void
py_output(struct psource *s, const struct praw *r, uint64_t t)
{
	struct event	ev;
	int		slot = r->type == R_PRINTED ? -1 : py_slot(s, r->p);

	event_init(&ev, EV_OUTPUT, slot, r->p, slot >= 0 ?
	    s->slots[slot].task : -1);
	ev.text = r->text;
	ev.len = r->len;
	py_emit(s, &ev, t);
}

static void
py_release(struct psource *s, const struct praw *r0)
{
	struct event	ev;
	struct praw	rr = *r0, *r = &rr;
	uint64_t	t = r->t;
	int		slot;

	if (r->j == -5)		/* an executor's worker: its executor's job */
		r->j = py_pool_of(s, r->p);
	if (py_after_orphan(s, r))
		return;

	switch (r->type) {
	case R_SPAWN:
		if (r->has_call)
			py_submit(s, -2, r->c, 0, MODE_PROCESS, r->text,
			    r->len, t);
		else if (r->pool != 0)
			py_worker_of(s, r->c, r->pool);
		break;
	case R_POOL:
		if (r->n > s->info.workers)
			s->info.workers = (int)r->n;
		break;
	case R_BEGIN:
		if (!s->started || (slot = py_slot_take(s, r->p)) < 0)
			break;
		event_init(&ev, EV_WORKER_START, slot, r->p, -1);
		py_emit(s, &ev, t);
		break;
	case R_SUB:
		py_submit(s, r->j, r->i, r->k, r->style, r->text, r->len, t);
		break;
	case R_START:
		if (py_task_of(s, r) < 0)
			py_orphan(s, r);
		else
			py_task_start(s, r, t);
		break;
	case R_QSTART:
		py_queue_start(s, r, t);
		break;
	case R_DONE: {
		int64_t task = py_task_of(s, r);

		if (task < 0 && r->j != -3) {
			py_orphan(s, r);
			break;
		}
		/* The next call of a chunk: its start comes with its end. */
		if (task >= 0 && r->s0 != 0 && py_ptask(s, task)->state == 0)
			py_task_start(s, r, r->s0);
		if (task >= 0)
			py_task_end(s, task, r->ok, r->text, r->len, t, 1);
		break;
	}
	case R_BROKEN: {
		/* An executor broke (a worker of it died): every call of this
		 * work item not yet ended fails with BrokenProcessPool. */
		struct pent	*e;
		int64_t		 k;
		int		 n;

		for (n = 0; n < s->nslots; n++)
			if (!s->slots[n].ended)
				py_board_start(s, n, t);
		for (k = 0; (e = py_find(s, r->j, r->i, k, 0)) != NULL; k++)
			if (e->v >= 0)
				py_task_end(s, e->v, 0, r->text, r->len, t, 1);
		break;
	}
	case R_SENT:
		if ((slot = py_slot(s, r->p)) < 0)
			break;
		event_init(&ev, EV_SENTINEL, slot, r->p, -1);
		py_emit(s, &ev, t);
		break;
	case R_RECV:
		py_received(s, r, t);
		break;
	case R_OUT:
	case R_PRINTED:
		py_output(s, r, t);
		break;
	case R_END:
		py_worker_exit(s, r->p, r->n, t);
		break;
	case R_EXIT:
		py_worker_exit(s, r->c, r->n, t);
		break;
	case R_JOINED: {
		struct pent *e = py_find(s, -2, r->c, 0, 0);

		if (e != NULL && e->v >= 0) {
			py_ptask(s, e->v)->vkind = VAL_INT;
			py_ptask(s, e->v)->value = r->n;
			py_result(s, e->v, t);
		}
		break;
	}
	case R_WARN:
		s->warnings = xreallocarray(s->warnings, s->nwarnings + 1,
		    sizeof *s->warnings);
		s->warnings[s->nwarnings++] = xstrndup(r->text, r->len);
		break;
	}
}

/* ---------------------------------------------------------------- lines */

static const char *
py_str(const struct json_obj *o, const char *key, size_t *len)
{
	const struct json_field	*f = json_get(o, key);

	if (f == NULL || f->type != J_STR) {
		*len = 0;
		return NULL;
	}
	*len = f->len;
	return f->str;
}

static int64_t
py_int(const struct json_obj *o, const char *key, int64_t dflt)
{
	const struct json_field	*f = json_get(o, key);

	return f != NULL && f->type == J_NUM && f->isint ? f->inum : dflt;
}

static struct praw *
py_raw_new(struct psource *s)
{
	struct praw	*r;

	if (s->nraw == s->rawcap) {
		s->rawcap = s->rawcap ? s->rawcap * 2 : 256;
		s->raw = xreallocarray(s->raw, s->rawcap, sizeof *s->raw);
	}
	r = &s->raw[s->nraw++];
	memset(r, 0, sizeof *r);
	r->seq = s->seq++;
	return r;
}

/* A new line like proto (a copy, not one of s->raw, which may move), in
 * its own place in the order: one of the many a "subs" or "recvs" line
 * stands for. */
static struct praw *
py_raw_like(struct psource *s, const struct praw *proto)
{
	struct praw	*r = py_raw_new(s);
	uint64_t	 seq = r->seq;

	*r = *proto;
	r->seq = seq;
	return r;
}

static void
py_line(struct psource *s, const char *line, size_t len)
{
	struct praw	*r;
	const char	*e, *x;
	char		 err[128];
	size_t		 n;
	int		 type;

	if (json_parse_object(&s->obj, line, len, err, sizeof err) != 0)
		return;		/* not the tracer's: a program's own write */
	if ((e = py_str(&s->obj, "e", &n)) == NULL)
		return;
	for (type = 0; type < R_NTYPES; type++)
		if (strcmp(e, praw_names[type]) == 0)
			break;
	if (type == R_NTYPES || type == R_PRINTED)
		return;
	s->ntraced++;
	r = py_raw_new(s);
	r->type = type;
	r->t = (uint64_t)py_int(&s->obj, "t", 0);
	r->p = (pid_t)py_int(&s->obj, "p", 0);
	r->c = (pid_t)py_int(&s->obj, "c", 0);
	r->j = py_int(&s->obj, "j", -1);
	r->i = py_int(&s->obj, "i", -1);
	r->k = py_int(&s->obj, "k", -1);
	r->ok = (int)py_int(&s->obj, "ok", 1);
	r->s0 = (uint64_t)py_int(&s->obj, "s0", 0);
	r->pool = py_int(&s->obj, "pool", 0);
	r->n = type == R_POOL ? py_int(&s->obj, "w", 0) :
	    py_int(&s->obj, "code", 0);
	if ((x = py_str(&s->obj, "s", &n)) != NULL) {
		r->style = pool_mode_parse(x);
		if (strcmp(x, "queue") == 0)
			r->style = MODE_QUEUE;
		else if (strcmp(x, "submit") == 0)	/* an executor's */
			r->style = MODE_APPLY_ASYNC;
		else if (r->style < 0)	/* starmap and the _async forms */
			r->style = strncmp(x, "apply", 5) == 0 ?
			    MODE_APPLY_ASYNC : MODE_MAP;
	}
	if (type == R_SUBS) {
		py_line_subs(s, r);
		return;
	}
	if (type == R_RECVS) {
		py_line_recvs(s, r);
		return;
	}
	if ((x = py_str(&s->obj, "call", &n)) != NULL)
		r->has_call = 1;
	else if ((x = py_str(&s->obj, "c", &n)) == NULL &&
	    (x = py_str(&s->obj, "v", &n)) == NULL)
		x = py_str(&s->obj, "x", &n);
	if (x != NULL) {
		r->text = xstrndup(x, n);
		r->len = n;
	}
}

static void
py_append(struct psource *s, const char *p, size_t n)
{
	if (s->linelen + n + 1 > s->linecap) {
		s->linecap = (s->linelen + n + 1) * 2;
		s->line = xreallocarray(s->line, s->linecap, 1);
	}
	memcpy(s->line + s->linelen, p, n);
	s->linelen += n;
	s->line[s->linelen] = '\0';
}

/* Results the caller got, many a line ("recvs"): "r" is "i,dt,i,dt...",
 * each call's position and its time after the line's. */
static void
py_line_recvs(struct psource *s, struct praw *r)
{
	struct praw	 proto = *r, *x;
	const char	*d;
	size_t		 dlen;

	s->nraw--;		/* r itself is not one: the results are */
	if ((d = py_str(&s->obj, "r", &dlen)) == NULL)
		return;
	while (dlen > 0) {
		x = py_raw_like(s, &proto);
		x->type = R_RECV;
		x->i = py_next_int(&d, &dlen);
		x->t = proto.t + (uint64_t)py_next_int(&d, &dlen);
	}
}

/* A map's tasks, many a line ("subs"): each becomes a sub of its own,
 * its label the function's name with its arguments. */
struct subs_ctx {
	struct psource	*s;
	struct praw	 proto;
	const char	*f;
	size_t		 flen;
	int64_t		 k;
	int64_t		 cs;	/* imap's: call n is chunk n / cs, at n % cs */
	const char	*d;	/* each call's time after the line's, ns */
	size_t		 dlen;
};

/* The next number of a list "a,b,c" (d, dlen advanced past it). */
static int64_t
py_next_int(const char **d, size_t *dlen)
{
	int64_t	v = 0;
	int	neg = 0;

	if (*dlen > 0 && **d == '-') {
		neg = 1;
		(*d)++;
		(*dlen)--;
	}
	while (*dlen > 0 && **d >= '0' && **d <= '9' && v < INT64_MAX / 10) {
		v = v * 10 + (**d - '0');
		(*d)++;
		(*dlen)--;
	}
	while (*dlen > 0 && (**d < '0' || **d > '9') && **d != '-') {
		(*d)++;
		(*dlen)--;
	}
	return neg ? -v : v;
}

static int
py_subs_one(void *arg, const char *a, size_t len)
{
	struct subs_ctx	*c = arg;
	struct praw	*r = py_raw_like(c->s, &c->proto);

	r->type = R_SUB;
	if (c->cs > 0) {
		r->i = c->k / c->cs;
		r->k = c->k++ % c->cs;
	} else
		r->k = c->k++;
	if (c->d != NULL && c->dlen > 0)
		r->t += (uint64_t)py_next_int(&c->d, &c->dlen);
	r->len = c->flen + len + 2;
	r->text = xmalloc(r->len + 1);
	memcpy(r->text, c->f, c->flen);
	r->text[c->flen] = '(';
	memcpy(r->text + c->flen + 1, a, len);
	r->text[c->flen + 1 + len] = ')';
	r->text[r->len] = '\0';
	return 0;
}

static void
py_line_subs(struct psource *s, struct praw *r)
{
	const struct json_field	*a = json_get(&s->obj, "a");
	struct subs_ctx		 c;
	char			 err[64];

	/* r itself is not one: the calls are. */
	c.s = s;
	c.proto = *r;
	c.k = r->k;
	c.cs = py_int(&s->obj, "cs", 0);
	if (c.cs > 0)
		c.k = py_int(&s->obj, "n", 0);
	c.d = py_str(&s->obj, "d", &c.dlen);
	c.f = py_str(&s->obj, "f", &c.flen);
	s->nraw--;
	if (c.f == NULL || a == NULL || a->type != J_ARR)
		return;
	json_array_strings(a, py_subs_one, &c, err, sizeof err);
}

/* Whole lines of the channel; a partial one waits for its end. */
static size_t
py_read_chan(struct psource *s)
{
	char	 buf[65536], *p, *nl;
	ssize_t	 n;
	size_t	 total = 0, rest;

	while (total < PY_READ_MAX) {
		n = read(s->chan, buf, sizeof buf);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		total += (size_t)n;
		p = buf;
		rest = (size_t)n;
		while (rest > 0 && (nl = memchr(p, '\n', rest)) != NULL) {
			if (s->linelen > 0) {
				py_append(s, p, (size_t)(nl - p));
				py_line(s, s->line, s->linelen);
				s->linelen = 0;
			} else
				py_line(s, p, (size_t)(nl - p));
			rest -= (size_t)(nl - p) + 1;
			p = nl + 1;
		}
		if (rest > 0)
			py_append(s, p, rest);
		if ((size_t)n < sizeof buf)
			break;	/* emptied: what comes next waits for the nap */
	}
	return total;
}

/* What the program printed itself (its caller, and anything not in a
 * pool's process). */
static void
py_read_out(struct psource *s)
{
	char		 buf[16384];
	ssize_t		 n;
	struct praw	*r;
	size_t		 total = 0;

	while (!s->out_eof && total < PY_READ_MAX) {
		n = read(s->out, buf, sizeof buf);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == 0)
			s->out_eof = 1;
		if (n <= 0)
			break;
		total += (size_t)n;
		r = py_raw_new(s);
		r->type = R_PRINTED;
		r->t = now_ns();
		r->p = s->pid;
		r->text = xstrndup(buf, (size_t)n);
		r->len = (size_t)n;
	}
}

static int
py_raw_cmp(const void *a, const void *b)
{
	const struct praw	*x = a, *y = b;

	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* raw[head..nraw) in order: the lines read since the last time sorted
 * on their own, then merged with those already in order (each process
 * writes its own in order, so most of them are). */
static void
py_raw_sort(struct psource *s)
{
	size_t	a, b, o, na, nb;

	if (s->nsorted < s->head)
		s->nsorted = s->head;
	na = s->nsorted - s->head;
	nb = s->nraw - s->nsorted;
	if (nb == 0)
		return;
	qsort(s->raw + s->nsorted, nb, sizeof *s->raw, py_raw_cmp);
	if (na > 0 && py_raw_cmp(&s->raw[s->nsorted - 1],
	    &s->raw[s->nsorted]) > 0) {
		if (na + nb > s->mergecap) {
			s->mergecap = (na + nb) * 2;
			s->merge = xreallocarray(s->merge, s->mergecap,
			    sizeof *s->merge);
		}
		a = s->head;
		b = s->nsorted;
		for (o = 0; a < s->nsorted || b < s->nraw; o++)
			s->merge[o] = b >= s->nraw || (a < s->nsorted &&
			    py_raw_cmp(&s->raw[a], &s->raw[b]) <= 0) ?
			    s->raw[a++] : s->raw[b++];
		memcpy(s->raw + s->head, s->merge, o * sizeof *s->raw);
	}
	s->nsorted = s->nraw;
}

/* The program has ended, with every process of it, and all it wrote is
 * read. */
static int
py_drained(struct psource *s)
{
	return s->exited && s->out_eof;
}

/* The first call tells the run's style; until then lines wait (a pool's
 * workers start before its first call). */
static int
py_first_style(struct psource *s)
{
	size_t	i;

	for (i = s->head; i < s->nraw; i++) {
		if (s->raw[i].type == R_SUB)
			return s->raw[i].style;
		if (s->raw[i].type == R_SPAWN && s->raw[i].has_call)
			return MODE_PROCESS;
	}
	return -1;
}

/* Whether the program printed something the hold is over for, and no
 * pool or Process is being made (whose first call says the run's style
 * soon): then the run starts without its style. */
static int
py_printed_waits(struct psource *s, uint64_t now)
{
	size_t	i;
	int	printed = 0;

	for (i = s->head; i < s->nraw; i++) {
		if (s->raw[i].type == R_SPAWN || s->raw[i].type == R_POOL ||
		    s->raw[i].type == R_BEGIN)
			return 0;
		if ((s->raw[i].type == R_PRINTED || s->raw[i].type == R_OUT) &&
		    s->raw[i].t + PY_HOLD_NS <= now)
			printed = 1;
	}
	return printed;
}

/* Release, in time order, every line older than the hold (all of them
 * once the program has ended). */
static void
py_release_ready(struct psource *s)
{
	uint64_t	now = now_ns(), upto;
	size_t		i, n;
	int		style;

	if (s->nraw == s->head)
		return;
	py_raw_sort(s);
	if (!s->started) {
		/* The run's style is its first call's; a program that prints
		 * (or makes a pool) and calls nothing yet is shown all the
		 * same once that waits longer than the hold. */
		if ((style = py_first_style(s)) < 0 && !py_drained(s) &&
		    !py_printed_waits(s, now))
			return;
		py_run_start(s, style < 0 ? MODE_MAP : style, s->t0);
	}
	upto = py_drained(s) || s->paused ? UINT64_MAX : now - PY_HOLD_NS;
	for (n = s->head; n < s->nraw && s->raw[n].t <= upto; n++)
		py_release(s, &s->raw[n]);
	for (i = s->head; i < n; i++)
		free(s->raw[i].text);
	s->head = n;
	/* Moved down only when what waits is the smaller part. */
	if (s->head == s->nraw)
		s->head = s->nraw = s->nsorted = 0;
	else if (s->head > 4096 && s->head > s->nraw / 2) {
		memmove(s->raw, s->raw + s->head, (s->nraw - s->head) *
		    sizeof *s->raw);
		s->nraw -= s->head;
		s->nsorted -= s->head;
		s->head = 0;
	}
}

/* A process left when its program ended: its own end if it has one,
 * else SIGKILL's; as Python's exitcode. */
static int64_t
py_end_leftover(pid_t pid)
{
	int	status;
	pid_t	r;

	if ((r = waitpid(pid, &status, WNOHANG | __WALL)) == 0) {
		kill(pid, SIGKILL);
		r = waitpid(pid, &status, __WALL);
	}
	if (r != pid)		/* not poolscope's to reap: gone with it */
		return -SIGKILL;
	return WIFSIGNALED(status) ? -WTERMSIG(status) : WEXITSTATUS(status);
}

static void
py_run_end(struct psource *s)
{
	struct event	ev;
	int		i;

	if (s->ended)
		return;
	if (s->ntraced == 0 && !s->aborted) {
		s->warnings = xreallocarray(s->warnings, s->nwarnings + 1,
		    sizeof *s->warnings);
		s->warnings[s->nwarnings++] = xstrdup("nothing came from the "
		    "program: it never imported multiprocessing or "
		    "concurrent.futures, or its Python ignored PYTHONPATH "
		    "(python3 -I, -E and -S do)");
	}
	if (!s->started)
		py_run_start(s, MODE_MAP, s->t0);
	py_orphans_end(s);
	/* A process of it still going when the program has ended is
	 * poolscope's (its subreaper's): it is ended, and how is told. */
	for (i = 0; i < s->nslots; i++)
		if (s->slots[i].pid != 0 && !s->slots[i].ended)
			py_worker_exit(s, s->slots[i].pid,
			    py_end_leftover(s->slots[i].pid), now_ns());
	s->ended = 1;
	s->end = s->info;
	s->end.tasks = s->tl.n;
	s->end.ok = s->ok;
	s->end.failed = s->failed;
	s->end.wall_ns = py_pool_t(s, now_ns());
	s->end.busy_ns = s->busy;
	s->end.cpu_ns = 0;
	s->end.wait_ns = 0;
	s->end.paused_ns = s->paused_total;
	s->end.interrupted = s->aborted;
	s->end.exit_code = !s->exited ? -SIGKILL : WIFSIGNALED(s->status) ?
	    -WTERMSIG(s->status) : WEXITSTATUS(s->status);
	event_init(&ev, EV_RUN_END, -1, 0, -1);
	ev.run = &s->end;
	py_emit(s, &ev, now_ns());
	if (s->sink.flush != NULL)
		s->sink.flush(s->sink.arg);
}

/* ---------------------------------------------------------------- children */

/* Every child poolscope has (the program, and any process of it whose
 * parent ended before it: poolscope is their subreaper) that has ended. */
static void
py_reap(struct psource *s)
{
	pid_t	pid;
	int	status;

	struct praw	*r;

	while ((pid = waitpid(-1, &status, WNOHANG | __WALL)) > 0) {
		if (pid == s->pid && !s->exited) {
			s->exited = 1;
			s->status = status;
			s->exited_at = now_ns();
			continue;
		}
		/* A process of the program that outlived its parent: how it
		 * ended is poolscope's to tell. */
		r = py_raw_new(s);
		r->type = R_EXIT;
		r->t = now_ns();
		r->c = pid;
		r->n = WIFSIGNALED(status) ? -WTERMSIG(status) :
		    WEXITSTATUS(status);
	}
}

/* Signal the whole program: its process group, and (poolscope being
 * their subreaper) the processes that left it. */
static void
py_signal_all(struct psource *s, int sig)
{
	if (s->pid > 0)
		kill(-s->pid, sig);
}

static char *
py_pythonpath(const char *tracer)
{
	const char	*old = getenv("PYTHONPATH");
	char		*v;

	if (old != NULL && *old != '\0')
		xasprintf(&v, "%s:%s", tracer, old);
	else
		v = xstrdup(tracer);
	return v;
}

/* The board: PY_SLOT bytes for each possible PID, which a pool's worker
 * writes (the tracer's _board_open): byte 0 is set while it holds lines
 * not yet sent (Pool.terminate() waits for its workers' to clear before it
 * kills them, so that no line of theirs is lost); byte 1 while it runs a
 * call, whose k (int32 at 4), job (int64 at 8), i (int64 at 16) and start
 * (monotonic ns at 24, all little-endian as the tracer packs them) a
 * worker that dies before it could say so leaves here.  Sparse: a page is
 * only made where a PID writes. */
static int
py_board(struct psource *s)
{
	long	 max = 4194304;
	FILE	*f = fopen("/proc/sys/kernel/pid_max", "re");
	int	 fd;
	void	*map;

	if (f != NULL) {
		if (fscanf(f, "%ld", &max) != 1 || max <= 0)
			max = 4194304;
		fclose(f);
	}
	if ((fd = memfd_create("poolscope-board", MFD_CLOEXEC)) == -1)
		return -1;
	s->blen = (size_t)max * PY_SLOT;
	if (ftruncate(fd, (off_t)s->blen) == -1 || (map = mmap(NULL, s->blen,
	    PROT_READ, MAP_SHARED, fd, 0)) == MAP_FAILED) {
		close(fd);
		return -1;
	}
	s->bmap = map;
	return fd;
}

/* The call pid runs, as the board says: 1 and it, or 0. */
static int
py_board_held(struct psource *s, pid_t pid, int64_t *j, int64_t *i,
    int64_t *k, uint64_t *t0)
{
	const unsigned char	*e;
	int32_t			 kk;

	if (s->bmap == NULL || pid <= 0 ||
	    ((size_t)pid + 1) * PY_SLOT > s->blen)
		return 0;
	e = s->bmap + (size_t)pid * PY_SLOT;
	if (__atomic_load_n(e + 1, __ATOMIC_ACQUIRE) == 0)
		return 0;
	memcpy(&kk, e + 4, sizeof kk);
	memcpy(j, e + 8, sizeof *j);
	memcpy(i, e + 16, sizeof *i);
	memcpy(t0, e + 24, sizeof *t0);
	*k = kk;
	if (*j == -5)		/* an executor's worker */
		*j = py_pool_of(s, pid);
	return 1;
}

/* A worker that died (or whose executor broke) before it said it started
 * the call it held: the board names it, and when it started. */
static void
py_board_start(struct psource *s, int slot, uint64_t t)
{
	struct pent	*e;
	int64_t		 j, i, k;
	uint64_t	 t0;
	pid_t		 pid;

	if (slot < 0 || (pid = s->slots[slot].pid) <= 0 ||
	    s->slots[slot].task >= 0 || !py_board_held(s, pid, &j, &i, &k, &t0))
		return;
	if ((e = py_find(s, j, i, k, 0)) == NULL || e->v < 0 ||
	    py_ptask(s, e->v)->state != 0)
		return;
	py_started(s, e->v, slot, pid, t0 < t ? t0 : t);
}

static int
py_start(void *arg, const struct event_sink *sink, char *err, size_t errlen)
{
	struct psource		*s = arg;
	struct epoll_event	 ee;
	int			 chan[2], out[2], st[2], e = 0;
	char			*pypath, trace[64], board[64] = "";
	ssize_t			 n;

	s->sink = *sink;
	if (pipe2(chan, O_CLOEXEC | O_NONBLOCK) == -1 ||
	    pipe2(out, O_CLOEXEC) == -1 || pipe2(st, O_CLOEXEC) == -1) {
		snprintf(err, errlen, "cannot make a pipe: %s", strerror(errno));
		return -2;
	}
	/* The write end stays open here: every process of the program opens
	 * it by this path, spawned ones included. */
	s->chan = chan[0];
	s->wchan = chan[1];
	snprintf(trace, sizeof trace, "/proc/%d/fd/%d", (int)getpid(),
	    chan[1]);
	/* Room for what a burst of lines needs while this process is busy
	 * (at most the default where the system allows no more). */
	(void)fcntl(chan[1], F_SETPIPE_SZ, 1 << 20);
	if ((s->board = py_board(s)) >= 0)
		snprintf(board, sizeof board, "/proc/%d/fd/%d",
		    (int)getpid(), s->board);
	pypath = py_pythonpath(s->tracer);
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	s->t0 = now_ns();
	if ((s->pid = fork()) == -1) {
		snprintf(err, errlen, "cannot start '%s': fork: %s",
		    s->argv[0], strerror(errno));
		free(pypath);
		return -2;
	}
	if (s->pid == 0) {
		sigset_t	none;

		/* The program gets the signals poolscope keeps for itself
		 * (a signalfd's are blocked), or Pool.terminate() could not
		 * end its workers. */
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		/* and none ignored (SIGPIPE, SIGXFSZ are, here) */
		for (int sig = 1; sig < NSIG; sig++)
			if (sig != SIGKILL && sig != SIGSTOP)
				signal(sig, SIG_DFL);
		dup2(out[1], 1);
		dup2(out[1], 2);
		if (!s->batch) {
			int fd = open("/dev/null", O_RDONLY);

			if (fd >= 0 && fd != 0) {
				dup2(fd, 0);
				close(fd);
			}
		}
		setenv("PYTHONPATH", pypath, 1);
		setenv("POOLSCOPE_TRACE", trace, 1);
		if (board[0] != '\0')
			setenv("POOLSCOPE_BOARD", board, 1);
		else
			unsetenv("POOLSCOPE_BOARD");
		execvp(s->argv[0], s->argv);
		e = errno;
		if (write(st[1], &e, sizeof e) < 0)
			_exit(127);
		_exit(127);
	}
	free(pypath);
	setpgid(s->pid, s->pid);
	close(out[1]);
	close(st[1]);
	s->out = out[0];
	do
		n = read(st[0], &e, sizeof e);
	while (n == -1 && errno == EINTR);
	close(st[0]);
	if (n == (ssize_t)sizeof e) {
		snprintf(err, errlen, "cannot run '%s': %s", s->argv[0],
		    strerror(e));
		waitpid(s->pid, NULL, 0);
		s->pid = 0;
		return -1;
	}
	fcntl(s->out, F_SETFL, O_NONBLOCK);
	s->pidfd = (int)syscall(SYS_pidfd_open, s->pid, 0);
	if ((s->epfd = epoll_create1(EPOLL_CLOEXEC)) == -1)
		fatal("epoll_create1");
	memset(&ee, 0, sizeof ee);
	ee.events = EPOLLIN;
	epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->chan, &ee);
	epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->out, &ee);
	if (s->pidfd >= 0)
		epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->pidfd, &ee);
	return 0;
}

static int
py_fd(void *arg)
{
	struct psource	*s = arg;

	return s->ended ? -1 : s->epfd;
}

static int
py_prepare_wait(void *arg)
{
	struct psource	*s = arg;
	uint64_t	 now = now_ns(), due;

	if (s->ended)
		return -1;
	if (py_drained(s))
		return 0;
	if (s->term_at != 0)
		return 50;
	if (s->exited)		/* its processes' output still coming */
		return 20;
	if (s->timeout_ns && s->lost_at)	/* --timeout may end it */
		return 50;
	if (s->pidfd < 0)	/* no pidfd: look for its end now and then */
		return 100;
	if (s->nraw == s->head || s->paused)
		due = UINT64_MAX;
	else {
		py_raw_sort(s);
		due = s->raw[s->head].t + PY_HOLD_NS;
	}
	if (s->chan_on_at != 0 && s->chan_on_at < due)
		due = s->chan_on_at;
	if (due == UINT64_MAX)
		return -1;
	return due <= now ? 0 : (int)((due - now) / 1000000u) + 1;
}

/* Lines that come in a stream are read every PY_NAP_NS, not as each
 * write comes: the program's processes write on, and poolscope wakes
 * far less often.  The pipe holds what comes meanwhile. */
static void
py_chan_nap(struct psource *s, size_t got, uint64_t now)
{
	struct epoll_event	ee;

	memset(&ee, 0, sizeof ee);
	ee.data.fd = s->chan;
	if (s->chan_on_at != 0 && now >= s->chan_on_at) {
		ee.events = EPOLLIN;
		epoll_ctl(s->epfd, EPOLL_CTL_MOD, s->chan, &ee);
		s->chan_on_at = 0;
	} else if (s->chan_on_at == 0 && got > 0 && !s->exited) {
		ee.events = 0;
		epoll_ctl(s->epfd, EPOLL_CTL_MOD, s->chan, &ee);
		s->chan_on_at = now + PY_NAP_NS;
	}
}

static void
py_process(void *arg)
{
	struct psource	*s = arg;
	uint64_t	 now;
	size_t		 got;

	if (s->ended)
		return;
	got = py_read_chan(s);
	py_read_out(s);
	py_reap(s);
	now = now_ns();
	py_chan_nap(s, got, now);
	if (s->exited && !s->out_eof && now - s->exited_at > PY_END_GRACE_NS) {
		/* Its processes outlived it and still hold its output. */
		py_signal_all(s, SIGKILL);
		s->out_eof = 1;
	}
	if (s->term_at != 0 && !s->exited && now - s->term_at > PY_TERM_NS)
		py_signal_all(s, SIGKILL);
	if (s->timeout_ns && s->lost_at && !s->exited && s->term_at == 0 &&
	    now - s->lost_at > s->timeout_ns) {
		/* It lost a task and has not ended: --timeout ends it. */
		if (s->batch)
			fprintf(stderr, "poolscope: the program has not ended "
			    "%.1f s after it lost a task (--timeout): ending it "
			    "(SIGTERM)\n", s->timeout_ns / 1e9);
		py_signal_all(s, SIGTERM);
		s->term_at = now;
	}
	if (py_drained(s))
		py_read_chan(s);
	py_release_ready(s);
	if (py_drained(s) && s->nraw == s->head)
		py_run_end(s);
	if (s->sink.flush != NULL)
		s->sink.flush(s->sink.arg);
}

static int
py_finished(void *arg)
{
	return ((struct psource *)arg)->ended;
}

static uint64_t
py_now(void *arg)
{
	struct psource	*s = arg;

	if (s->paused)
		return py_pool_t(s, s->paused_at);
	return py_pool_t(s, s->ended && s->exited_at ? s->exited_at :
	    now_ns());
}

static void
py_pause(void *arg, int paused)
{
	struct psource	*s = arg;

	if (s->exited || paused == s->paused)
		return;
	s->paused = paused;
	if (paused) {
		s->paused_at = now_ns();
		py_signal_all(s, SIGSTOP);
	} else {
		s->paused_total += now_ns() - s->paused_at;
		py_signal_all(s, SIGCONT);
	}
}

static int
py_paused(void *arg)
{
	return ((struct psource *)arg)->paused;
}

static void
py_step(void *arg)
{
	/* A program cannot be let go one task at a time: a step resumes
	 * it, as Space does. */
	py_pause(arg, 0);
}

static int
py_stepping(void *arg)
{
	(void)arg;
	return 0;
}

static void
py_step_tasks(void *arg, int64_t *started, int64_t *ended)
{
	(void)arg;
	*started = *ended = -1;
}

static int
py_kill_worker(void *arg, int slot)
{
	struct psource	*s = arg;

	if (slot < 0 || slot >= s->nslots || s->slots[slot].pid == 0 ||
	    s->slots[slot].ended)
		return -1;
	kill(s->slots[slot].pid, SIGKILL);
	if (s->paused)
		kill(s->slots[slot].pid, SIGCONT);
	return (int)s->slots[slot].pid;
}

static void
py_set_speed(void *arg, double speed)
{
	(void)arg;
	(void)speed;		/* a program runs at its own pace */
}

static double
py_speed(void *arg)
{
	(void)arg;
	return 1.0;
}

static void
py_abort(void *arg)
{
	struct psource	*s = arg;

	if (s->ended || s->pid <= 0)
		return;
	s->aborted = 1;
	if (s->paused)
		py_pause(s, 0);
	if (!s->exited) {
		py_signal_all(s, SIGTERM);
		s->term_at = now_ns();
	}
	/* To its end (SIGKILL a second on), with all it said, and run_end. */
	while (!s->ended) {
		struct epoll_event	ee;

		py_process(s);
		if (!s->ended && epoll_wait(s->epfd, &ee, 1, 10) == -1 &&
		    errno != EINTR)
			break;
	}
}

static int
py_exit_status(void *arg)
{
	struct psource	*s = arg;

	if (!s->exited)
		return 1;
	if (WIFEXITED(s->status))
		return WEXITSTATUS(s->status);
	if (WIFSIGNALED(s->status))
		return 128 + WTERMSIG(s->status);
	return 1;
}

static const struct tasklist *
py_tasklist(void *arg)
{
	return &((struct psource *)arg)->tl;
}

static void
py_free(void *arg)
{
	struct psource	*s = arg;
	size_t		 i;
	uint64_t	 until;

	/* Nothing of the program outlives poolscope. */
	if (s->pid > 0 && !s->exited) {
		py_signal_all(s, SIGCONT);
		py_signal_all(s, SIGKILL);
	}
	if (s->pid > 0) {
		py_signal_all(s, SIGKILL);
		until = now_ns() + 2000 * 1000000ull;
		while (waitpid(-1, NULL, __WALL) > 0 || errno == EINTR)
			if (now_ns() > until)
				break;
	}
	for (i = 0; i < s->nwarnings; i++) {
		fprintf(stderr, "poolscope: warning: %s\n", s->warnings[i]);
		free(s->warnings[i]);
	}
	free(s->warnings);
	for (i = s->head; i < s->nraw; i++)
		free(s->raw[i].text);
	free(s->raw);
	free(s->merge);
	for (i = 0; i < s->taskcap; i++)
		free(s->tasks[i].text);
	free(s->tasks);
	for (i = 0; i < s->njobs; i++)
		free(s->jobs[i].tasks);
	free(s->jobs);
	free(s->map);
	free(s->qpending);
	free(s->wpids);
	free(s->wpools);
	for (i = 0; i < s->norphans; i++)
		free(s->orphans[i].text);
	free(s->orphans);
	free(s->slots);
	free(s->line);
	json_obj_free(&s->obj);
	tasklist_free(&s->tl);
	if (s->epfd > 0)
		close(s->epfd);
	if (s->pidfd >= 0)
		close(s->pidfd);
	if (s->chan > 0)
		close(s->chan);
	if (s->wchan > 0)
		close(s->wchan);
	if (s->bmap != NULL)
		munmap((void *)s->bmap, s->blen);
	if (s->board >= 0)
		close(s->board);
	if (s->out > 0)
		close(s->out);
	free(s->tracer);
	free(s);
}

static const struct source_ops psource_ops = {
	"python", py_start, py_fd, py_prepare_wait, py_process, py_finished,
	py_now, py_pause, py_paused, py_step, py_stepping, py_step_tasks,
	py_kill_worker, py_set_speed, py_speed, NULL, NULL, py_abort,
	py_exit_status, py_tasklist, py_free
};

struct source
source_python(char *const *argv, const char *tracer, int batch, int timeout_ms)
{
	struct psource	*s = xcalloc(1, sizeof *s);
	struct source	 src = { &psource_ops, s };

	s->argv = argv;
	s->tracer = xstrdup(tracer);
	s->batch = batch;
	s->timeout_ns = (uint64_t)timeout_ms * 1000000u;
	s->pidfd = -1;
	s->epfd = -1;
	s->board = -1;
	s->tl.name = xstrdup("the program");
	return src;
}

char *
python_tracer_dir(char *err, size_t errlen)
{
	char	*dirs[ASSETS_NDIRS], *path, *found = NULL;
	size_t	 i, n = assets_dirs(dirs, "tracer");

	for (i = 0; i < n && found == NULL; i++) {
		xasprintf(&path, "%s/sitecustomize.py", dirs[i]);
		if (access(path, R_OK) == 0)
			found = xstrdup(dirs[i]);
		free(path);
	}
	if (found == NULL)
		snprintf(err, errlen, "cannot find poolscope's Python tracer "
		    "(tracer/sitecustomize.py) in %s%s%s; reinstall poolscope, "
		    "or set POOLSCOPE_ASSETS to its assets directory",
		    n > 0 ? dirs[0] : "its data directory", n > 1 ? " or " : "",
		    n > 1 ? dirs[n - 1] : "");
	assets_dirs_free(dirs, n);
	return found;
}

int
python_command_check(char *const *argv, char *err, size_t errlen)
{
	const char	*path = getenv("PATH"), *p, *colon;
	char		*full;
	int		 found = 0, exec_ok = 0;

	if (strchr(argv[0], '/') != NULL) {
		if (access(argv[0], X_OK) == 0)
			return 0;
		snprintf(err, errlen, "cannot run '%s': %s", argv[0],
		    strerror(errno));
		return -1;
	}
	for (p = path != NULL ? path : "/usr/local/bin:/usr/bin:/bin";
	    !exec_ok; p = colon + 1) {
		colon = strchr(p, ':');
		xasprintf(&full, "%.*s/%s", colon ? (int)(colon - p) :
		    (int)strlen(p), *p && p != colon ? p : ".", argv[0]);
		if (access(full, F_OK) == 0) {
			found = 1;
			exec_ok = access(full, X_OK) == 0;
		}
		free(full);
		if (colon == NULL)
			break;
	}
	if (exec_ok)
		return 0;
	snprintf(err, errlen, "cannot run '%s': %s", argv[0], found ?
	    "Permission denied" : "command not found in PATH");
	return -1;
}
