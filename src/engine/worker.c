/*
 * worker.c: the life of a worker process.  It takes queue entries (chunks)
 * until it takes a stop sentinel or has done --max-tasks-per-child tasks,
 * runs each task, and writes what happened into its slot's ring.  It never
 * prints to the terminal and always leaves with _exit().
 */
#include "config.h"

#if defined(__x86_64__)
#include <x86intrin.h>
#endif

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "util.h"
#include "tasks/tasks.h"
#include "engine/shm.h"

/* Wake the parent if it is asleep (or about to be). */
static void
worker_wake_parent(const struct worker_args *wa)
{
	uint64_t	one = 1;

	if (atomic_load_explicit(&wa->hdr->parent_sleeping,
	    memory_order_seq_cst) != 0 &&
	    atomic_exchange(&wa->hdr->parent_sleeping, 0) != 0) {
		while (write(wa->efd, &one, sizeof one) < 0 && errno == EINTR)
			;
	}
}

/* Wake the parent whether it sleeps or naps (its ring is full). */
static void
worker_wake_parent_now(const struct worker_args *wa)
{
	uint64_t	one = 1;

	atomic_store(&wa->hdr->parent_sleeping, 0);
	while (write(wa->efd, &one, sizeof one) < 0 && errno == EINTR)
		;
}

/* Append one record (payload at most SHM_REC_MAX_PAYLOAD) to the ring,
 * waiting for the parent to make room if the ring is full.  The record's
 * time is now, when it was posted (the caller's clock reading), not when
 * room was found: a task's end is when it ended, however long the parent
 * then took to read the ring.  Returns when the worker is free to go on
 * (after any wait). */
static uint64_t
worker_post1(const struct worker_args *wa, int type, int flags, uint32_t task,
    uint32_t entry, int64_t value, const void *pre, size_t prelen,
    const char *payload, size_t len, uint64_t t_start, uint64_t now)
{
	struct shm_slot	*s = wa->slot;
	struct shm_rec	 rec;
	uint32_t	 tail, head, pos, contig, need, total;
	uint32_t	 size = wa->hdr->ring_size;
	int		 waited = 0;

	need = sizeof rec + SHM_REC_ALIGN((uint32_t)(prelen + len));
	tail = atomic_load_explicit(&s->rtail, memory_order_relaxed);
	for (;;) {
		head = atomic_load_explicit(&s->rhead, memory_order_acquire);
		pos = tail & (size - 1);
		contig = size - pos;
		total = need + (contig < need ? contig : 0);
		if (size - (tail - head) >= total)
			break;
		/* Full: sleep until the parent consumes something.  It is
		 * woken even from a nap (records streaming in): a nap longer
		 * than the ring lasts would idle the pool. */
		waited = 1;
		atomic_store(&s->ring_wait, 1);
		if (atomic_load(&s->rhead) == head) {
			worker_wake_parent_now(wa);
			shm_futex_wait(&s->rhead, head);
		}
		atomic_store(&s->ring_wait, 0);
	}
	if (contig < need) {
		if (contig >= sizeof rec) {
			memset(&rec, 0, sizeof rec);
			rec.type = REC_WRAP;
			memcpy(s->ring + pos, &rec, sizeof rec);
		}
		tail += contig;
		pos = 0;
	}
	rec.type = type;
	rec.flags = flags;
	rec.len = prelen + len;
	rec.task = task;
	rec.entry = entry;
	rec.t = now;
	rec.t_start = t_start;
	rec.value = value;
	memcpy(s->ring + pos, &rec, sizeof rec);
	if (prelen > 0)
		memcpy(s->ring + pos + sizeof rec, pre, prelen);
	if (len > 0)
		memcpy(s->ring + pos + sizeof rec + prelen, payload, len);
	/* seq_cst: this store and the parent_sleeping load below must not be
	 * reordered (the parent does the mirror image before it sleeps). */
	atomic_store(&s->rtail, tail + need);
	worker_wake_parent(wa);
	return waited ? now_ns() : now;
}

/* Records of any length: long text goes in pieces. */
static void
worker_post(const struct worker_args *wa, int type, uint32_t task,
    uint32_t entry, const char *payload, size_t len)
{
	size_t	n;

	do {
		n = len > SHM_REC_MAX_PAYLOAD ? SHM_REC_MAX_PAYLOAD : len;
		worker_post1(wa, type, 0, task, entry, 0, NULL, 0, payload, n, 0,
		    now_ns());
		payload += n;
		len -= n;
	} while (len > 0);
}

struct worker_output {
	const struct worker_args	*wa;
	uint32_t			 task;
	uint32_t			 entry;
	/* Instant tasks: output is kept here and goes with the result. */
	int				 keep;
	size_t				 len;
	char				 buf[128];
};

static void
worker_output(void *arg, const char *text, size_t len)
{
	struct worker_output	*wo = arg;

	if (len == 0)
		return;
	if (wo->keep && wo->len + len <= sizeof wo->buf) {
		memcpy(wo->buf + wo->len, text, len);
		wo->len += len;
		return;
	}
	if (wo->keep && wo->len > 0) {
		worker_post(wo->wa, REC_OUTPUT, wo->task, wo->entry, wo->buf,
		    wo->len);
		wo->len = 0;
	}
	worker_post(wo->wa, REC_OUTPUT, wo->task, wo->entry, text, len);
}

/* Set the process title now, or for an instant task only if the last one
 * was set over a millisecond ago: nobody can see a title that lives for
 * 100 ns, and setting it costs more than the task. */
static void
worker_title(const struct worker_args *wa, const struct task *t, uint32_t task,
    uint64_t now)
{
	static uint64_t	 last;
	char		 title[128], *p = title;

	if (task_kind_instant(t->kind) && now - last < 1000000u)
		return;
	last = now;
	p = util_put_str(p, "worker ");
	p = util_put_i64(p, wa->slotno);
	p = util_put_str(p, " task ");
	p = util_put_i64(p, task);
	*p++ = ' ';
	p = util_put_str(p, task_kind_name(t->kind));
	if (t->kind == TASK_SH) {
		*p++ = ' ';
		strlcpy(p, t->cmd, title + sizeof title - p);
	} else {
		if (task_kind_numeric(t->kind)) {
			*p++ = ' ';
			p = util_put_i64(p, t->arg);
		}
		*p = '\0';
	}
	setproctitle("%s", title);
}

/* An sh task's process group: the parent stops it with the worker when
 * the pool pauses, and kills it with the worker. */
static void
worker_group(void *arg, int pgid)
{
	struct worker_output	*wo = arg;

	worker_post1(wo->wa, REC_GROUP, 0, wo->task, wo->entry, pgid, NULL, 0,
	    NULL, 0, 0, now_ns());
}

static double
worker_time_scale(const struct worker_args *wa)
{
	uint64_t	bits = atomic_load(&wa->hdr->time_scale);
	double		d;

	memcpy(&d, &bits, sizeof d);
	return d;
}

/*
 * A task's own time is what it would take alone: its wall time less the
 * time it spent runnable but waiting for a processor (more workers than
 * processors).  The scheduler counts both for each thread; the worker
 * reads them around each task that takes a while.  An instant task (a
 * square) is over in nanoseconds, far too short for two reads of a /proc
 * file: only one that took long (it was preempted) reads them, and what
 * the counters moved since the last read is its wait, as every task
 * since then was quick.
 */
static int	worker_stats_fd = -1;
static struct shm_stats worker_stats_last;

static int
worker_stats_read(struct shm_stats *st)
{
	char		 buf[96], *p;
	ssize_t		 n;

	if (worker_stats_fd == -1)
		return -1;
	n = pread(worker_stats_fd, buf, sizeof buf - 1, 0);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	st->cpu_ns = strtoull(buf, &p, 10);
	st->runq_ns = strtoull(p, NULL, 10);
	return 0;
}

/* The last read is now: what the counters move from here on belongs to
 * the next task (a worker waking from a wait is runnable before it runs,
 * and that wait is nobody's). */
static void
worker_stats_mark(void)
{
	worker_stats_read(&worker_stats_last);
}

/* What a task used since st0 (with its sh command's CPU time). */
static int
worker_stats_since(const struct shm_stats *st0, uint64_t child_cpu,
    struct shm_stats *used)
{
	struct shm_stats	now;

	if (worker_stats_read(&now) != 0)
		return -1;
	used->cpu_ns = now.cpu_ns - st0->cpu_ns + child_cpu;
	used->runq_ns = now.runq_ns - st0->runq_ns;
	worker_stats_last = now;
	return 0;
}

/* An instant task is slow past this: it was preempted (or waited for the
 * parent); it reads the counters to say for how long. */
#define WORKER_SLOW_NS	50000u

/*
 * The stop gate: while the pool is paused no task may start, and a step
 * lets exactly one start.  The parent sets the number of starts allowed
 * (SHM_OPEN when running freely); a worker takes one before each task, or
 * waits.  Running freely it is one load of a line nobody writes.
 */
static void
worker_gate(const struct worker_args *wa)
{
	_Atomic uint32_t	*tk = &wa->hdr->tokens;
	uint32_t		 v;

	for (;;) {
		v = atomic_load(tk);
		if (v == SHM_OPEN)
			return;
		if (v > 0) {
			if (atomic_compare_exchange_weak(tk, &v, v - 1))
				return;
			continue;
		}
		shm_futex_wait(tk, 0);
		worker_stats_mark();
	}
}

/* Give back a start that was not used (the queue was empty, or held the
 * sentinel). */
static void
worker_gate_return(const struct worker_args *wa)
{
	_Atomic uint32_t	*tk = &wa->hdr->tokens;
	uint32_t		 v = atomic_load(tk);

	while (v != SHM_OPEN && !atomic_compare_exchange_weak(tk, &v, v + 1))
		;
	if (v != SHM_OPEN)
		shm_futex_wake(tk, 1);
}

/*
 * Instant tasks whose events nobody reads one by one (batch mode, quiet;
 * the screen): a run of a chunk's tasks goes in one REC_BULK record with
 * their values, 8 bytes a task instead of a 40-byte record each, and the
 * scheduler counters are read once a record, not once a task.  Without a
 * reader of each task's times (BULK_PLAIN) the clock is read once a record
 * too; with one (BULK_TIMED) each task's end goes with its value, read as
 * a REC_RUN reads it, and its output is not even made: the parent makes
 * it again from the task for the lines it shows.
 */
#define WORKER_BULK_MAX	((SHM_BULK_MAX_PAYLOAD - sizeof(struct shm_stats)) / \
	sizeof(int64_t))

struct worker_bulk {
	uint32_t	 max;		/* tasks a record may hold here */
	uint32_t	 first;		/* task of the first */
	uint32_t	 n;
	uint32_t	 entry;
	int		 flags;		/* REC_F_VALUE: numbers, else None */
	int		 timed;		/* REC_F_TIMED: data holds value and
					   end pairs */
	uint64_t	 start;		/* when the first task began */
	uint64_t	 tsc0;		/* and the TSC then (wa->tsc) */
	int64_t		 data[WORKER_BULK_MAX];	/* values, or pairs */
};

static inline uint64_t
worker_tsc(void)
{
#if defined(__x86_64__)
	return __rdtsc();
#else
	return 0;
#endif
}

/* A run timed by the TSC: each end from its count of ticks, placed
 * between the clock reads at the run's two ends (start, now). */
static void
worker_bulk_ticks_to_ns(struct worker_bulk *b, uint64_t now)
{
	uint64_t		ticks = worker_tsc() - b->tsc0, ns = now - b->start;
	unsigned __int128	mult;
	uint32_t		i;
	int64_t			*end = &b->data[1];

	if (ticks == 0 || ns == 0) {
		for (i = 0; i < b->n; i++)
			end[2 * i] = (int64_t)b->start;
		return;
	}
	/* ns per tick in 32.32 fixed point */
	mult = ((unsigned __int128)ns << 32) / ticks;
	for (i = 0; i < b->n; i++) {
		uint64_t t = (uint64_t)end[2 * i];

		t = t < ticks ? t : ticks;
		end[2 * i] = (int64_t)(b->start +
		    (uint64_t)(((unsigned __int128)t * mult) >> 32));
	}
}

static void
worker_bulk_flush(const struct worker_args *wa, struct worker_bulk *b)
{
	struct shm_stats	used;
	uint64_t		now;
	size_t			len;
	int			flags;

	if (b->n == 0)
		return;
	/* As for one instant task: only a run that took long (it was
	 * preempted) reads the counters, and what they moved since the last
	 * read is its wait, every run since then having been quick. */
	if (b->timed && wa->tsc) {
		now = now_ns();
		worker_bulk_ticks_to_ns(b, now);
	} else
		now = b->timed ? (uint64_t)b->data[2 * b->n - 1] : now_ns();
	flags = now - b->start >= WORKER_SLOW_NS &&
	    worker_stats_since(&worker_stats_last, 0, &used) == 0 ?
	    REC_F_STATS : 0;
	len = b->timed ? 2 * b->n * sizeof *b->data : b->flags ?
	    b->n * sizeof *b->data : 0;
	worker_post1(wa, REC_BULK, flags | b->flags | b->timed, b->first,
	    b->entry, b->n, &used, flags ? sizeof used : 0,
	    (const char *)b->data, len, b->start, now);
	b->n = 0;
}

/* Run an instant task into the bulk record; 0 if it must be reported on
 * its own (it failed: the record so far is posted first, and *start is
 * when it began). */
static int
worker_bulk_run(const struct worker_args *wa, struct worker_bulk *b,
    const struct task *t, uint32_t task, uint32_t entry,
    struct task_outcome *out, uint64_t *start)
{
	int		flags = task_kind_valued(t->kind) ? REC_F_VALUE : 0;
	uint32_t	n;

	/* A record's tasks follow each other in one chunk: it is posted at
	 * the chunk's end, and before any task reported on its own. */
	if (b->n > 0 && flags != b->flags)
		worker_bulk_flush(wa, b);
	if (b->n == 0) {
		b->start = now_ns();
		b->tsc0 = wa->tsc ? worker_tsc() : 0;
		b->first = task;
		b->entry = entry;
		b->flags = flags;
		worker_title(wa, t, task, b->start);
	}
	task_run(t, NULL, out);
	if (out->status == TASK_OK) {
		if (b->timed) {
			/* It began as the one before it ended. */
			b->data[2 * b->n] = out->has_value ? out->value : 0;
			b->data[2 * b->n + 1] = wa->tsc ? (int64_t)(worker_tsc() -
			    b->tsc0) : (int64_t)now_ns();
		} else
			b->data[b->n] = out->value;
		if (++b->n == b->max)
			worker_bulk_flush(wa, b);
		return 1;
	}
	n = b->n;
	*start = n == 0 ? b->start : now_ns();
	worker_bulk_flush(wa, b);
	if (b->timed && n > 0)		/* as the one before it ended */
		*start = (uint64_t)b->data[2 * n - 1];
	return 0;
}

/* Run one task and report it; returns its status.  *clock is when the
 * worker's last instant task ended (0: none just before): the next instant
 * task of the chunk starts then, back to back, which saves reading the
 * clock twice for a task of a few dozen nanoseconds (a tenth of the
 * worker's time).  A paced task (--pace) is not instant: it says it
 * started, as a task that takes a while does, and after its work it waits
 * out the rest of the pace before it reports. */
static int
worker_run_task(const struct worker_args *wa, uint32_t task, uint32_t entry,
    uint64_t *clock, struct worker_bulk *b)
{
	const struct task	 tt = tasklist_at(wa->tl, task), *t = &tt;
	struct worker_output	 wo;
	struct task_ctx		 ctx;
	struct task_outcome	 out;
	struct shm_stats	 st0, used;
	uint64_t		 start, end, paused, pace_start = 0;
	int			 instant, flags;

	instant = task_kind_instant(t->kind) && wa->pace_ms == 0;
	if (b != NULL && instant && worker_bulk_run(wa, b, t, task, entry, &out,
	    &start)) {
		return TASK_OK;
	} else if (b != NULL && instant) {
		/* It failed: reported as a task that takes a while. */
		wo.len = 0;
		st0 = worker_stats_last;
		worker_post1(wa, REC_START, 0, task, entry, 0, NULL, 0, NULL, 0,
		    start, start);
		end = now_ns();
		goto report;
	}
	if (b != NULL)
		worker_bulk_flush(wa, b);	/* posted before this one */
	start = instant && *clock != 0 ? *clock : now_ns();
	*clock = 0;

	worker_title(wa, t, task, start);
	wo.wa = wa;
	wo.task = task;
	wo.entry = entry;
	wo.len = 0;
	wo.keep = instant;
	/* An instant task is reported in one record after it ran; any other
	 * says it started first (with the counters as it began, to account
	 * for it should it die), so the parent sees it while it runs. */
	if (!instant) {
		flags = worker_stats_read(&st0) == 0 ? REC_F_STATS : 0;
		worker_post1(wa, REC_START, flags, task, entry, 0, &st0,
		    flags ? sizeof st0 : 0, NULL, 0, start, start);
	}
	/*
	 * The pace counts from the start as posted, in pool time.  A worker
	 * held up between reading its clock and posting (preempted, on a
	 * busy machine) lets others' later events go out first, and the
	 * parent never stamps an event earlier than the one before it: so
	 * the start it writes can be later than the clock read, and counting
	 * from the post keeps the whole pace between the events.  The pauses
	 * are read before the clock: a pause in between lengthens the pace
	 * rather than shortening it.
	 */
	if (wa->pace_ms > 0) {
		paused = atomic_load(&wa->hdr->paused_ns);
		pace_start = now_ns() - paused;
	}
	/* Nobody reads output (as with --quiet): do not even make it. */
	ctx.output = wa->output ? worker_output : NULL;
	ctx.arg = &wo;
	ctx.time_scale = worker_time_scale(wa);
	ctx.paused_ns = &wa->hdr->paused_ns;
	ctx.group = worker_group;
	task_run(t, &ctx, &out);
	task_pace(&ctx, pace_start, wa->pace_ms);
	end = now_ns();
	if (instant) {
		if (end - start < WORKER_SLOW_NS && out.status == TASK_OK) {
			*clock = worker_post1(wa, REC_RUN, out.has_value ?
			    REC_F_VALUE : 0, task, entry, out.value, NULL, 0,
			    wo.buf, wo.len, start, end);
			return TASK_OK;
		}
		/* Slow, or failed: reported as any other task, the wait
		 * counted since the last read. */
		st0 = worker_stats_last;
		worker_post1(wa, REC_START, 0, task, entry, 0, NULL, 0, NULL, 0,
		    start, start);
	}
	if (wo.len > 0)
		worker_post(wa, REC_OUTPUT, task, entry, wo.buf, wo.len);
report:
	flags = worker_stats_since(&st0, out.child_cpu_ns, &used) == 0 ?
	    REC_F_STATS : 0;
	if (out.status == TASK_OK)
		worker_post1(wa, REC_DONE, flags | (out.has_value ?
		    REC_F_VALUE : 0), task, entry, out.value, &used,
		    flags ? sizeof used : 0, NULL, 0, start, end);
	else
		worker_post1(wa, REC_FAIL, flags, task, entry, 0, &used,
		    flags ? sizeof used : 0, out.error, strnlen(out.error,
		    sizeof out.error), start, end);
	return out.status;
}

/* Take the next queue entry, sleeping while there is none; it comes with
 * a start from the gate, given back if the entry is the sentinel. */
static uint32_t
worker_claim(const struct worker_args *wa)
{
	struct shm_hdr	*h = wa->hdr;
	uint32_t	 seq, head, tail, zero, hint;
	int		 got;
	uint32_t	 me = (uint32_t)wa->slotno + 1;

	for (;;) {
		worker_gate(wa);
		seq = atomic_load(&h->q_seq);
		head = atomic_load(&h->q_head);
		tail = atomic_load(&h->q_tail);
		if (head < tail) {
			atomic_store(&wa->slot->claim, head);
			zero = 0;
			got = atomic_compare_exchange_strong(&wa->q[head].owner,
			    &zero, me);
			/* Move the hint on whoever took it; losing this race
			 * only means somebody else moved it. */
			hint = head;
			atomic_compare_exchange_strong(&h->q_head, &hint,
			    head + 1);
			if (got) {
				if (wa->q[head].count == 0)
					worker_gate_return(wa);
				return head;
			}
			worker_gate_return(wa);
			continue;
		}
		worker_gate_return(wa);
		/* Idle only now that it waits: a title set between two tasks
		 * taken back to back is never seen, and costs more than they
		 * do. */
		setproctitle("worker %d idle", wa->slotno);
		atomic_fetch_add(&h->q_waiters, 1);
		shm_futex_wait(&h->q_seq, seq);
		atomic_fetch_sub(&h->q_waiters, 1);
		worker_stats_mark();
	}
}

void
worker_setup_failed(const struct worker_args *wa, const char *why)
{
	worker_post1(wa, REC_SETUP, 0, SHM_NONE, SHM_NONE, 0, NULL, 0, why,
	    strnlen(why, SHM_REC_MAX_PAYLOAD), 0, now_ns());
	_exit(WORKER_EXIT_SETUP);
}

void
worker_main(const struct worker_args *wa)
{
	const struct shm_qent	*e;
	struct worker_bulk	*b = NULL;
	uint32_t		 entry, i;
	uint64_t		 clock = 0;
	int			 done = 0, status;

	worker_stats_fd = open("/proc/thread-self/schedstat",
	    O_RDONLY | O_CLOEXEC);
	if (wa->single_task >= 0) {
		/* process mode: the Process's target, then its exit code (1
		 * when it raised, as Python's Process gives). */
		worker_gate(wa);
		worker_stats_mark();
		status = worker_run_task(wa, (uint32_t)wa->single_task,
		    SHM_NONE, &clock, NULL);
		_exit(status == TASK_OK ? 0 : 1);
	}

	if (wa->bulk) {
		b = xmalloc(sizeof *b);
		b->n = 0;
		b->timed = wa->bulk == BULK_TIMED ? REC_F_TIMED : 0;
		/* A record may take up to a quarter of the ring. */
		b->max = (wa->hdr->ring_size / 4 - sizeof(struct shm_rec) -
		    sizeof(struct shm_stats)) / sizeof *b->data;
		if (b->max > WORKER_BULK_MAX)
			b->max = WORKER_BULK_MAX;
		if (b->timed)
			b->max /= 2;
	}
	worker_stats_mark();
	setproctitle("worker %d idle", wa->slotno);
	worker_post(wa, REC_READY, SHM_NONE, SHM_NONE, NULL, 0);
	for (;;) {
		/* As Python's worker(): maxtasksperchild counts the messages
		 * taken from the task queue, and a chunk is one message. */
		if (wa->max_tasks > 0 && done >= wa->max_tasks)
			_exit(0);
		entry = worker_claim(wa);
		e = &wa->q[entry];
		if (e->count == 0) {
			setproctitle("worker %d stopping", wa->slotno);
			worker_post(wa, REC_SENTINEL, SHM_NONE, entry, NULL, 0);
			_exit(0);	/* the None sentinel */
		}
		clock = 0;	/* a chunk's first task reads the clock */
		for (i = 0; i < e->count; i++) {
			/* A pause holds the next task back, not the results
			 * of those before it. */
			if (b != NULL && b->n > 0 && atomic_load_explicit(
			    &wa->hdr->tokens, memory_order_relaxed) != SHM_OPEN)
				worker_bulk_flush(wa, b);
			if (i > 0)
				worker_gate(wa);
			/* A chunk of one task (apply_async, imap's default)
			 * goes as one record either way, and a REC_RUN costs
			 * the parent less than a run of one. */
			status = worker_run_task(wa, e->first + i, entry, &clock,
			    e->count > 1 ? b : NULL);
			/* A chunk runs as one call (Python's mapstar): a task
			 * that raises ends it, and the rest never run. */
			if (status != TASK_OK && wa->chunk_stops)
				break;
		}
		if (b != NULL)
			worker_bulk_flush(wa, b);
		done++;
	}
}
