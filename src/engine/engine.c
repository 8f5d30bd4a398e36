/*
 * engine.c: the parent side of the pool.
 *
 * One epoll set holds an eventfd the workers write when they post records
 * while the parent sleeps, a signalfd for SIGCHLD, and each worker's
 * stdout/stderr pipe (stray output).  engine_process() drains every slot's
 * ring, reaps dead workers (failing or re-queueing what they held, then
 * respawning the slot), kills tasks past --timeout, publishes queue entries
 * and, once every task has an outcome, sends each worker the stop sentinel.
 * The caller's view (which results it receives when) lives in order.c.
 */
#include "config.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"
#include "tasks/tasks.h"
#include "engine/engine.h"
#include "engine/order.h"
#include "engine/shm.h"

/* How long a slot killed from the screen shows "crashed". */
#define ENGINE_RESPAWN_SHOWN_NS	500000000u

/* epoll tags */
#define TAG_EVENTFD	0xffffffff00000001ULL
#define TAG_SIGNALFD	0xffffffff00000002ULL

enum etask_state { T_PENDING, T_RUNNING, T_DONE, T_FAILED, T_SKIPPED };

enum kill_reason { KILL_NONE, KILL_TIMEOUT, KILL_USER, KILL_ABORT,
	KILL_SHUTDOWN };

/* A worker that cannot set itself up is tried this many times, each after
 * a longer pause (ENGINE_SETUP_BACKOFF_NS, doubled), then its slot is given
 * up on. */
#define ENGINE_SETUP_TRIES	3
#define ENGINE_SETUP_BACKOFF_NS	100000000u

/* Once every task has its outcome, a worker has this long (pool time) to
 * take its stop sentinel; one that does not (stopped by someone else,
 * say) is reported and killed. */
#define ENGINE_SHUTDOWN_NS	3000000000u

struct eslot {
	pid_t		 pid;		/* 0: no process */
	int		 state;		/* enum worker_state */
	int		 out_fd;	/* its stdout/stderr, -1 when closed */
	int64_t		 task;		/* running task, -1 */
	int64_t		 ptask;		/* process mode: the task its process
					   was forked for, -1 */
	uint64_t	 task_start;	/* pool ns */
	struct shm_stats st0;		/* the worker's counters as it began */
	int		 has_st0;
	int		 prev_state;	/* before the pause */
	int		 kill_reason;
	uint64_t	 spawned;	/* processes this slot has had */
	uint32_t	 rpos;		/* ring bytes read (rhead once released) */
	uint64_t	 respawn_at;	/* a new process is due then (0: none) */
	int		 setup_fails;	/* processes that could not set up, in
					   a row */
	int		 gave_up;	/* no more processes for this slot */
	char		 setup_error[200];	/* why, from its last one */
	int		 ready;		/* it said it is ready, or began */
	int		 group;		/* its sh task's process group, 0 */
	int		 stopped_by;	/* the stop signal someone else sent,
					   while it is stopped, or 0 */
};

struct heap_ent {
	uint64_t	 key;
	int		 slot;
};

struct retry_ent {
	uint32_t	 first;
	uint32_t	 count;
	uint32_t	 chunk;
};

/* A stretch of time the pool was paused (monotonic ns); before: the
 * total of every earlier pause. */
struct pause_iv {
	uint64_t	 start, end;
	uint64_t	 before;
};

struct engine {
	struct engine_config	 cfg;
	const struct tasklist	*tl;
	struct event_sink	 sink;
	struct run_info		 info;

	/* Shared with the workers. */
	void			*map;
	size_t			 maplen;
	struct shm_hdr		*hdr;
	char			*slots;		/* cfg.workers of them */
	size_t			 slot_stride;
	struct shm_qent		*q;
	uint32_t		 qcap;

	struct eslot		*es;
	int			 nlive;		/* processes alive */
	int			 start_next;	/* the pool's first forks: next slot */
	int			 flowing;	/* the last turn took records */
	int			 bulk;		/* instant tasks come in REC_BULK
						   records, and go out as bulk
						   events (EVENT_BULK): BULK_PLAIN,
						   or BULK_TIMED for readers of
						   their times or output */
	int			 tsc;		/* workers may time instant
						   tasks by the TSC */
	/* A timed record's values and ends, apart, for its event. */
	int64_t			*bulk_values;
	uint64_t		*bulk_ends;
	struct event_bulk	 bulk_info;
	/* Per task: its state (enum etask_state); its result, for the
	 * result events, unless they go out in bulk (whose readers have the
	 * values from the tasks' own events); its re-runs after a worker
	 * died, with --retries.  One byte a task in bulk. */
	uint8_t			*state;
	int64_t			*values;
	uint8_t			*vkinds;
	uint8_t			*attempts;
	char		       **errors;	/* per task, only once one fails */
	struct order		 order;

	/* What is still to publish: original chunks, then re-runs first. */
	size_t			 nchunks;
	size_t			 next_chunk;
	struct retry_ent	*retry;
	size_t			 nretry, retrycap, retryhead;
	size_t			 inflight;	/* published tasks without an outcome */
	size_t			 unfinished;	/* tasks without a final outcome */
	size_t			 ok, failed;
	int64_t			 seq;
	size_t			 skipped;
	int			 stopping;	/* sentinels sent */
	uint64_t		 stop_deadline;	/* pool ns: sentinels taken by */
	int			 finished;
	int			 interrupted;
	int			 paused;
	int			 stepping;	/* paused, but running one more task */
	int			 step_spawned;	/* process mode: the step's fork */
	int64_t			 step_task;	/* the task the last step let go */
	int64_t			 step_end;	/* the task whose end ended it */
	/* The pool clock: pool time is monotonic time less the pauses. */
	uint64_t		 paused_at;	/* while paused: since when */
	uint64_t		 paused_total;	/* ns, every pause so far */
	struct pause_iv		*pauses;
	size_t			 npauses, pausecap;
	char			 fork_error[256];
	unsigned		 spawn_fails;	/* spawn_fail events emitted */

	/* Process mode: the next task to start a process for. */
	size_t			 next_task;

	struct heap_ent		*heap;		/* slots with records, by time */
	size_t			 nheap;
	int			 epfd, efd, sfd;
	uint64_t		 t0, last_t;
	uint64_t		 now;		/* the parent's clock, per turn */
	pid_t			 self;
	char			 buf[SHM_REC_MAX_PAYLOAD + 64];
};

static void	engine_emit(struct engine *, struct event *, uint64_t);
static void	engine_deliver_range(void *, size_t, size_t);
static void	engine_spawn_event(struct engine *, int);
static void	engine_signal_all(struct engine *, int);
static void	engine_reap(struct engine *);
static void	engine_slot_spawn(struct engine *, int, int64_t);
static void	engine_schedule(struct engine *);
static int	engine_start_more(struct engine *);

/*
 * Timing each of a run of instant tasks by the clock costs more than the
 * task (33 ns a read here, against 13 ns for the TSC).  Where the kernel
 * keeps its own clock by the TSC (its clocksource: then the counter ticks
 * at one rate on every processor), a worker reads the counter after each
 * task and the clock only at each end of the run, and places each task's
 * end between the two, as the kernel's clock would.
 */
static int
engine_tsc_ok(void)
{
#if defined(__x86_64__)
	char	buf[32];
	int	fd, ok = 0;
	ssize_t	n;

	if (getenv("POOLSCOPE_NO_TSC") != NULL)
		return 0;
	fd = open("/sys/devices/system/clocksource/clocksource0/"
	    "current_clocksource", O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		return 0;
	n = read(fd, buf, sizeof buf - 1);
	if (n > 0) {
		buf[n] = '\0';
		ok = strcmp(buf, "tsc\n") == 0;
	}
	close(fd);
	return ok;
#else
	return 0;
#endif
}

/* How long the parent naps while records stream in (engine_prepare_wait). */
#define ENGINE_NAP_MS	1

/* How long one turn may spend forking the pool's first workers. */
#define ENGINE_START_SLICE_NS	10000000u

static struct shm_slot *
engine_shm_slot(struct engine *e, int slot)
{
	return (struct shm_slot *)(e->slots + (size_t)slot * e->slot_stride);
}

struct engine *
engine_new(const struct engine_config *cfg, const struct tasklist *tl,
    const struct event_sink *sink)
{
	struct engine	*e = xcalloc(1, sizeof *e);
	int		 i;

	e->cfg = *cfg;
	if (e->cfg.workers < 1)
		e->cfg.workers = 1;
	if (e->cfg.chunksize == 0)
		e->cfg.chunksize = pool_default_chunksize(cfg->mode, tl->n,
		    e->cfg.workers);
	if (!pool_chunked(e->cfg.mode))
		e->cfg.chunksize = 1;	/* one task per call */
	/* Python's map() of an empty list has chunksize 0 (and returns []). */
	e->info.chunksize = e->cfg.mode == MODE_MAP && tl->n == 0 &&
	    cfg->chunksize == 0 ? 0 : (int)e->cfg.chunksize;
	e->step_task = e->step_end = -1;
	if (e->cfg.time_scale <= 0)
		e->cfg.time_scale = 1;
	e->tl = tl;
	e->sink = *sink;
	e->es = xcalloc(e->cfg.workers, sizeof *e->es);
	e->heap = xcalloc(e->cfg.workers, sizeof *e->heap);
	for (i = 0; i < e->cfg.workers; i++) {
		e->es[i].out_fd = -1;
		e->es[i].task = -1;
		e->es[i].ptask = -1;
		e->es[i].state = WS_EXITED;
	}
	order_init(&e->order, e->cfg.mode, tl->n, e->cfg.chunksize,
	    e->cfg.keep_going);
	/* Nobody reads instant tasks' events one by one: they come in runs
	 * (a process runs one task, and says so), with each one's end when
	 * somebody reads when they ran or what they printed. */
	if ((sink->want & EVENT_BULK) == EVENT_BULK &&
	    e->cfg.mode != MODE_PROCESS)
		e->bulk = sink->want & (EVENT_BIT(EV_TASK_START) |
		    EVENT_BIT(EV_OUTPUT)) ? BULK_TIMED : BULK_PLAIN;
	if (e->bulk == BULK_TIMED) {
		e->tsc = engine_tsc_ok();
		e->bulk_values = xcalloc(SHM_BULK_MAX_PAYLOAD / 16,
		    sizeof *e->bulk_values);
		e->bulk_ends = xcalloc(SHM_BULK_MAX_PAYLOAD / 16,
		    sizeof *e->bulk_ends);
		e->bulk_info.ends = e->bulk_ends;
		e->bulk_info.tl = tl;
	}
	if (tl->n > 0) {
		e->state = xcalloc(tl->n, sizeof *e->state);
		if (!e->bulk) {
			e->values = xcalloc(tl->n, sizeof *e->values);
			e->vkinds = xcalloc(tl->n, sizeof *e->vkinds);
		}
		if (e->cfg.retries > 0)
			e->attempts = xcalloc(tl->n, sizeof *e->attempts);
	}
	if (e->bulk)
		e->order.deliver_range = engine_deliver_range;
	e->nchunks = e->order.nchunks;
	e->unfinished = tl->n;
	e->epfd = e->efd = e->sfd = -1;
	e->self = getpid();
	return e;
}

void
engine_free(struct engine *e)
{
	size_t	i;
	int	s;

	if (e == NULL)
		return;
	if (e->nlive > 0)
		engine_abort(e);
	for (s = 0; s < e->cfg.workers; s++)
		if (e->es[s].out_fd != -1)
			close(e->es[s].out_fd);
	if (e->map != NULL)
		munmap(e->map, e->maplen);
	if (e->epfd != -1)
		close(e->epfd);
	if (e->efd != -1)
		close(e->efd);
	if (e->sfd != -1)
		close(e->sfd);
	if (e->errors != NULL) {
		for (i = 0; i < e->tl->n; i++)
			free(e->errors[i]);
		free(e->errors);
	}
	order_free(&e->order);
	free(e->pauses);
	free(e->retry);
	free(e->state);
	free(e->bulk_values);
	free(e->bulk_ends);
	free(e->values);
	free(e->vkinds);
	free(e->attempts);
	free(e->heap);
	free(e->es);
	free(e);
}

static void
engine_epoll_add(struct engine *e, int fd, uint64_t tag)
{
	struct epoll_event	ev;

	memset(&ev, 0, sizeof ev);
	ev.events = EPOLLIN;
	ev.data.u64 = tag;
	if (epoll_ctl(e->epfd, EPOLL_CTL_ADD, fd, &ev) == -1)
		fatal("epoll_ctl");
}

/* Enough file descriptors for a pipe per worker. */
static void
engine_raise_nofile(int workers)
{
	struct rlimit	rl;
	rlim_t		want = (rlim_t)workers * 2 + 64;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < want) {
		rl.rlim_cur = rl.rlim_max < want ? rl.rlim_max : want;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int
engine_start(struct engine *e, char *err, size_t errlen)
{
	sigset_t	 set;
	size_t		 off_slots, off_q, qcap;
	double		 ts = e->cfg.time_scale;
	uint64_t	 bits;
	uint32_t	 ring;
	int		 i, n;

	/* Entries: every chunk, a re-queue per possible worker death, and a
	 * sentinel per slot.  Untouched pages cost nothing (MAP_NORESERVE). */
	qcap = e->nchunks + e->tl->n * ((size_t)e->cfg.retries + 1) +
	    (size_t)e->cfg.workers + 16;
	if (qcap > UINT32_MAX - 1) {
		snprintf(err, errlen, "too many tasks and retries for one run");
		return -2;
	}
	e->qcap = qcap;
	ring = SHM_RING_MAX;
	while (ring > SHM_RING_MIN &&
	    (size_t)ring * (size_t)e->cfg.workers > SHM_RING_BUDGET)
		ring /= 2;
	e->slot_stride = sizeof(struct shm_slot) + ring;
	off_slots = sizeof(struct shm_hdr);
	off_q = off_slots + (size_t)e->cfg.workers * e->slot_stride;
	e->maplen = off_q + qcap * sizeof(struct shm_qent);
	e->map = mmap(NULL, e->maplen, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (e->map == MAP_FAILED) {
		e->map = NULL;
		if (errno == ENOMEM)
			snprintf(err, errlen, "out of memory: could not map %zu "
			    "bytes (%.1f MiB) of shared memory for the task "
			    "queue; try fewer tasks or workers", e->maplen,
			    e->maplen / 1048576.0);
		else
			snprintf(err, errlen, "cannot map %zu bytes of shared "
			    "memory: %s", e->maplen, strerror(errno));
		return -2;
	}
	e->hdr = e->map;
	e->slots = (char *)e->map + off_slots;
	e->hdr->ring_size = ring;
	e->q = (struct shm_qent *)((char *)e->map + off_q);
	memcpy(&bits, &ts, sizeof bits);
	atomic_store(&e->hdr->time_scale, bits);
	atomic_store(&e->hdr->tokens, SHM_OPEN);

	engine_raise_nofile(e->cfg.workers);
	if ((e->epfd = epoll_create1(EPOLL_CLOEXEC)) == -1 ||
	    (e->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) == -1) {
		snprintf(err, errlen, "cannot create the event loop: %s",
		    strerror(errno));
		return -2;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);
	if ((e->sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK)) == -1) {
		snprintf(err, errlen, "cannot create a signalfd: %s",
		    strerror(errno));
		return -2;
	}
	engine_epoll_add(e, e->efd, TAG_EVENTFD);
	engine_epoll_add(e, e->sfd, TAG_SIGNALFD);

	e->t0 = now_ns();
	e->info.mode = e->cfg.mode;
	e->info.workers = e->cfg.workers;
	e->info.cpus = util_cpu_count();
	e->info.tasks = e->tl->n;
	e->info.keep_going = e->cfg.keep_going;
	e->info.pace_ms = e->cfg.pace_ms;
	{
		struct event	ev = { .type = EV_RUN_START, .worker = -1,
		    .task = -1, .run = &e->info };

		engine_emit(e, &ev, e->t0);
	}

	if (e->cfg.mode == MODE_PROCESS) {
		e->start_next = e->cfg.workers;	/* forks come per task */
		engine_schedule(e);
		if (e->nlive == 0 && e->unfinished > 0) {
			snprintf(err, errlen, "cannot start a process: %s",
			    e->fork_error);
			return -1;
		}
		engine_process(e);
		return 0;
	}
	/* A big pool takes a while to fork (about half a second for 1024
	 * here): the rest are forked a slice at a time by engine_process(),
	 * so the screen shows them coming up.  As with Python's Pool, no task
	 * is handed out before the whole pool is there. */
	engine_start_more(e);
	for (i = n = 0; i < e->start_next; i++)
		if (e->es[i].pid > 0)
			n++;
	if (n == 0) {
		snprintf(err, errlen, "cannot start any worker: %s",
		    e->fork_error);
		return -1;
	}
	engine_process(e);
	return 0;
}

/* Fork more of the pool's first workers, for about ENGINE_START_SLICE_NS
 * (but until one is up); returns 1 while some are left to fork. */
static int
engine_start_more(struct engine *e)
{
	uint64_t	start = now_ns();
	int		up = 0;

	while (e->start_next < e->cfg.workers) {
		if (e->interrupted) {
			e->start_next = e->cfg.workers;
			break;
		}
		engine_slot_spawn(e, e->start_next, -1);
		up |= e->es[e->start_next].pid > 0;
		e->start_next++;
		if ((up || e->nlive > 0) &&
		    now_ns() - start >= ENGINE_START_SLICE_NS)
			break;
	}
	return e->start_next < e->cfg.workers;
}

int
engine_fd(struct engine *e)
{
	return e->epfd;
}

int
engine_finished(struct engine *e)
{
	return e->finished;
}

int
engine_exit_status(struct engine *e)
{
	return (e->failed > 0 || e->interrupted || e->unfinished > 0) ? 1 : 0;
}

/*
 * The pool clock: ns since the run started, less the time spent paused, for
 * a CLOCK_MONOTONIC time.  While paused it stands still.  Records are read
 * soon after they are written, after the last pause ended; one written
 * just before a pause and read after it is found among the pauses.
 */
static uint64_t
engine_pool_ns_past(const struct engine *e, uint64_t mono)
{
	const struct pause_iv	*iv = NULL;
	size_t			 lo = 0, hi = e->npauses, mid;
	uint64_t		 t;

	while (lo < hi) {	/* the last pause that began by mono */
		mid = (lo + hi) / 2;
		if (e->pauses[mid].start <= mono)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo > 0)
		iv = &e->pauses[lo - 1];
	if (iv == NULL)
		t = mono;
	else if (mono < iv->end)
		t = iv->start - iv->before;
	else
		t = mono - iv->before - (iv->end - iv->start);
	return t > e->t0 ? t - e->t0 : 0;
}

/* (inline: each task of a timed run has its end converted) */
static inline uint64_t
engine_pool_ns(const struct engine *e, uint64_t mono)
{
	uint64_t	t;

	if (e->paused && mono >= e->paused_at)
		mono = e->paused_at;
	if (e->npauses > 0 && mono < e->pauses[e->npauses - 1].end)
		return engine_pool_ns_past(e, mono);
	t = mono - e->paused_total;
	return t > e->t0 ? t - e->t0 : 0;
}

uint64_t
engine_now(struct engine *e)
{
	if (e->finished)
		return e->info.wall_ns;
	return engine_pool_ns(e, now_ns());
}

/* The pool stops (pausing, or a step that is over) or goes on. */
static void
engine_clock_stop(struct engine *e, uint64_t now)
{
	e->paused_at = now;
}

static void
engine_clock_go(struct engine *e, uint64_t now)
{
	struct pause_iv	*iv;

	if (now < e->paused_at)
		now = e->paused_at;
	if (e->npauses == e->pausecap) {
		e->pausecap = e->pausecap ? e->pausecap * 2 : 16;
		e->pauses = xreallocarray(e->pauses, e->pausecap,
		    sizeof *e->pauses);
	}
	iv = &e->pauses[e->npauses++];
	iv->start = e->paused_at;
	iv->end = now;
	iv->before = e->paused_total;
	e->paused_total += now - e->paused_at;
	/* Before any worker goes on: a sleep measures against it. */
	if (e->hdr != NULL)
		atomic_store(&e->hdr->paused_ns, e->paused_total);
}

/* Emit with the pool time of ns (CLOCK_MONOTONIC), never going backwards. */
static void
engine_emit(struct engine *e, struct event *ev, uint64_t ns)
{
	uint64_t	t;

	if (!(e->sink.want & EVENT_BIT(ev->type)) || e->sink.event == NULL)
		return;		/* nobody reads it */
	t = engine_pool_ns(e, ns);
	if (t < e->last_t)
		t = e->last_t;
	e->last_t = t;
	ev->t = t;
	e->sink.event(e->sink.arg, ev);
}

static void
engine_emit_state(struct engine *e, int slot, int state, uint64_t ns)
{
	struct event	ev = { .type = EV_WORKER_STATE, .worker = slot,
	    .pid = e->es[slot].pid, .task = -1, .state = state };

	e->es[slot].state = state;
	engine_emit(e, &ev, ns);
}

/* Why a process could not be made, naming the limit that was hit. */
static void
engine_spawn_reason(const char *what, int err, char *buf, size_t len)
{
	struct rlimit	rl;

	if (err == EAGAIN && getrlimit(RLIMIT_NPROC, &rl) == 0 &&
	    rl.rlim_cur != RLIM_INFINITY)
		snprintf(buf, len, "%s: %s (RLIMIT_NPROC is %llu process%s; "
		    "see ulimit -u)", what, strerror(err),
		    (unsigned long long)rl.rlim_cur,
		    rl.rlim_cur == 1 ? "" : "es");
	else if (err == EAGAIN)
		snprintf(buf, len, "%s: %s (the system's process limit; see "
		    "/proc/sys/kernel/threads-max)", what, strerror(err));
	else if (err == EMFILE && getrlimit(RLIMIT_NOFILE, &rl) == 0)
		snprintf(buf, len, "%s: %s (RLIMIT_NOFILE is %llu files; see "
		    "ulimit -n)", what, strerror(err),
		    (unsigned long long)rl.rlim_cur);
	else
		snprintf(buf, len, "%s: %s", what, strerror(err));
}

/* A slot could not get a process: say so, once per slot and failure (in
 * process mode, once a run: it tries again after each process ends). */
static void
engine_spawn_event(struct engine *e, int slot)
{
	struct event	ev;

	if (e->cfg.mode == MODE_PROCESS && e->spawn_fails > 0)
		return;
	e->spawn_fails++;
	event_init(&ev, EV_SPAWN_FAIL, slot, 0, -1);
	ev.text = e->fork_error;
	ev.len = strlen(e->fork_error);
	ev.state = e->nlive;
	engine_emit(e, &ev, now_ns());
}

static void
engine_spawn_failed(struct engine *e, int slot, const char *what, int err)
{
	engine_spawn_reason(what, err, e->fork_error, sizeof e->fork_error);
	engine_spawn_event(e, slot);
}

/* In a new worker: the descriptors it keeps, and nothing else.  0 is
 * /dev/null, 1 and 2 its output pipe (p1), 3 the eventfd that wakes the
 * parent.  Everything inherited is closed first, so a worker needs no more
 * than five descriptors whatever the parent holds (a big pool under a low
 * RLIMIT_NOFILE).  -1 with the call that failed in *what. */
static int
engine_child_fds(int p1, int efd, const char **what)
{
	int	lo = p1 < efd ? p1 : efd, hi = p1 < efd ? efd : p1, fd;

	if (lo > 0)
		close_range(0, (unsigned)lo - 1, 0);
	if (hi > lo + 1)
		close_range((unsigned)lo + 1, (unsigned)hi - 1, 0);
	close_range((unsigned)hi + 1, ~0u, 0);
	*what = "dup";
	if ((p1 = fcntl(p1, F_DUPFD, 4)) == -1 ||
	    (efd = fcntl(efd, F_DUPFD, 4)) == -1)
		return -1;
	close_range(0, 3, 0);
	*what = "open /dev/null";
	if ((fd = open("/dev/null", O_RDONLY)) == -1)
		return -1;
	*what = "dup2";
	if ((fd != 0 && dup2(fd, 0) == -1) || dup2(p1, 1) == -1 ||
	    dup2(p1, 2) == -1 || dup2(efd, 3) == -1)
		return -1;
	close_range(4, ~0u, 0);
	return 0;
}

/* Fork a process into a slot: a pool worker (task -1) or, in process
 * mode, a process for that one task. */
static void
engine_slot_spawn(struct engine *e, int slot, int64_t task)
{
	struct eslot		*s = &e->es[slot];
	struct shm_slot		*ss = engine_shm_slot(e, slot);
	struct worker_args	 wa;
	sigset_t		 all, old;
	const char		*what;
	char			 why[256];
	int			 p[2], i, fork_errno;
	pid_t			 pid;

	if (pipe2(p, O_CLOEXEC) == -1) {
		engine_spawn_failed(e, slot, "pipe", errno);
		return;
	}
	atomic_store(&ss->rtail, 0);
	atomic_store(&ss->rhead, 0);
	s->rpos = 0;
	atomic_store(&ss->claim, SHM_NONE);
	atomic_store(&ss->ring_wait, 0);

	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	pid = fork();
	fork_errno = errno;
	if (pid == 0) {
		/* The child: no stdio left over from the parent (whatever was
		 * buffered is the parent's to write; valgrind's exit would
		 * flush it into the worker's pipe), default signals, its own
		 * fds, dies with us. */
		__fpurge(stdout);
		__fpurge(stderr);
		for (i = 1; i < NSIG; i++)
			if (i != SIGKILL && i != SIGSTOP)
				signal(i, SIG_DFL);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != e->self)
			_exit(WORKER_EXIT_SETUP);	/* nobody to tell */
		wa.hdr = e->hdr;
		wa.slot = ss;
		wa.q = e->q;
		wa.tl = e->tl;
		wa.slotno = slot;
		wa.efd = e->efd;
		/* A process group of its own: the terminal's Ctrl-C and Ctrl-Z,
		 * and the shell's SIGCONT on fg, are for poolscope, which
		 * decides what its workers get (a paused run stays paused). */
		setpgid(0, 0);
		if (engine_child_fds(p[1], e->efd, &what) == -1) {
			engine_spawn_reason(what, errno, why, sizeof why);
			worker_setup_failed(&wa, why);
		}
		sigemptyset(&all);
		sigprocmask(SIG_SETMASK, &all, NULL);
		wa.efd = 3;
		wa.max_tasks = e->cfg.max_tasks_per_child;
		wa.single_task = task;
		wa.output = (e->sink.want & EVENT_BIT(EV_OUTPUT)) != 0;
		wa.chunk_stops = pool_raises(e->cfg.mode, e->cfg.keep_going);
		wa.pace_ms = e->cfg.pace_ms;
		wa.bulk = e->bulk;
		wa.tsc = e->tsc;
		worker_main(&wa);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(p[1]);
	if (pid == -1) {
		close(p[0]);
		engine_spawn_failed(e, slot, "fork", fork_errno);
		return;
	}
	s->pid = pid;
	s->out_fd = p[0];
	/* pipe2 made it close-on-exec; its flags are only that */
	fcntl(s->out_fd, F_SETFL, O_NONBLOCK);
	engine_epoll_add(e, s->out_fd, (uint64_t)slot);
	s->task = -1;
	s->ptask = task;
	s->has_st0 = 0;
	s->setup_error[0] = '\0';
	s->ready = 0;
	s->group = 0;
	s->stopped_by = 0;
	s->kill_reason = KILL_NONE;
	s->spawned++;
	e->nlive++;
	{
		struct event	ev = { .type = EV_WORKER_START, .worker = slot,
		    .pid = pid, .task = -1 };

		engine_emit(e, &ev, now_ns());
	}
	s->state = s->prev_state = WS_STARTING;
	if (e->paused) {
		kill(pid, SIGSTOP);
		engine_emit_state(e, slot, WS_PAUSED, now_ns());
	}
}

/* A signal to a slot's process, and to its sh task's commands: they stop,
 * go on and die with it. */
static void
engine_slot_kill(struct engine *e, int slot, int sig)
{
	if (e->es[slot].pid == 0)
		return;
	kill(e->es[slot].pid, sig);
	if (e->es[slot].group != 0)
		kill(-e->es[slot].group, sig);
}

/* Publish one queue entry. */
static void
engine_publish(struct engine *e, uint32_t first, uint32_t count, uint32_t chunk)
{
	uint32_t	t = atomic_load(&e->hdr->q_tail);

	if (t >= e->qcap)
		fatalx("internal error: task queue overflow");
	atomic_store(&e->q[t].owner, 0);
	e->q[t].first = first;
	e->q[t].count = count;
	e->q[t].chunk = chunk;
	atomic_store(&e->hdr->q_tail, t + 1);
	e->inflight += count;
}

static void
engine_wake_workers(struct engine *e)
{
	atomic_fetch_add(&e->hdr->q_seq, 1);
	if (atomic_load(&e->hdr->q_waiters) != 0)
		shm_futex_wake(&e->hdr->q_seq, INT_MAX);
}

/* Put entries on the queue, as many as the call style allows. */
static void
engine_schedule(struct engine *e)
{
	struct retry_ent	*r;
	size_t			 first, count;
	int			 published = 0, i;

	if (e->cfg.mode == MODE_PROCESS) {
		/* The caller starts no Process while the pool is paused, and
		 * one in a step. */
		if (e->paused && !e->stepping)
			return;
		for (i = 0; i < e->cfg.workers; i++) {
			if (e->es[i].pid != 0 || e->es[i].gave_up ||
			    e->es[i].respawn_at != 0)
				continue;
			if (e->stepping && e->step_spawned)
				break;
			if (e->retryhead < e->nretry) {
				r = &e->retry[e->retryhead++];
				e->state[r->first] = T_RUNNING;
				engine_slot_spawn(e, i, r->first);
				if (e->es[i].pid == 0) {
					e->retryhead--;
					break;
				}
				e->inflight++;
			} else if (e->next_task < e->tl->n) {
				engine_slot_spawn(e, i, (int64_t)e->next_task);
				if (e->es[i].pid == 0)
					break;
				e->next_task++;
				e->inflight++;
			} else
				break;
			e->step_spawned = e->stepping;
		}
		return;
	}

	if (e->start_next < e->cfg.workers)
		return;		/* the pool is still being forked */
	for (;;) {
		/* apply: the caller waits for each result before the next call. */
		if (e->cfg.mode == MODE_APPLY && e->inflight > 0)
			break;
		if (e->retryhead < e->nretry) {
			r = &e->retry[e->retryhead++];
			engine_publish(e, r->first, r->count, r->chunk);
		} else if (e->next_chunk < e->nchunks) {
			first = e->next_chunk * e->cfg.chunksize;
			count = e->cfg.chunksize;
			if (first + count > e->tl->n)
				count = e->tl->n - first;
			engine_publish(e, first, count, e->next_chunk);
			e->next_chunk++;
		} else
			break;
		published = 1;
	}
	if (e->nretry == e->retryhead)
		e->nretry = e->retryhead = 0;

	if (!e->stopping && e->unfinished == 0) {
		/* Every task has its outcome: one None per worker, to be
		 * taken within ENGINE_SHUTDOWN_NS. */
		e->stopping = 1;
		e->stop_deadline = engine_pool_ns(e, now_ns()) +
		    ENGINE_SHUTDOWN_NS;
		for (i = 0; i < e->cfg.workers; i++)
			if (e->es[i].pid != 0)
				engine_publish(e, 0, 0, SHM_NONE);
		published = 1;
	}
	if (published)
		engine_wake_workers(e);
}

static void
engine_requeue(struct engine *e, uint32_t first, uint32_t count, uint32_t chunk)
{
	if (e->nretry == e->retrycap) {
		e->retrycap = e->retrycap ? e->retrycap * 2 : 16;
		e->retry = xreallocarray(e->retry, e->retrycap, sizeof *e->retry);
	}
	e->retry[e->nretry].first = first;
	e->retry[e->nretry].count = count;
	e->retry[e->nretry].chunk = chunk;
	e->nretry++;
}

static void
engine_deliver(void *arg, size_t task)
{
	struct engine	*e = arg;
	struct event	 ev;

	event_init(&ev, EV_RESULT, -1, 0, (int64_t)task);
	ev.seq = e->seq++;
	ev.vkind = e->vkinds[task];
	ev.value = e->values[task];

	if (ev.vkind == VAL_ERROR && e->errors != NULL && e->errors[task]) {
		ev.text = e->errors[task];
		ev.len = strlen(ev.text);
	}
	engine_emit(e, &ev, e->now);
}

/* The caller received a chunk's results (bulk events). */
static void
engine_deliver_range(void *arg, size_t first, size_t n)
{
	struct engine	*e = arg;
	struct event	 ev;

	event_init(&ev, EV_RESULTS, -1, 0, (int64_t)first);
	ev.seq = e->seq;
	ev.count = n;
	e->seq += (int64_t)n;
	engine_emit(e, &ev, e->now);
}

/* process mode: the caller joined the process that ran task, and got its
 * exit code (a Process has no result channel). */
static void
engine_deliver_exitcode(struct engine *e, size_t task, int exitcode,
    uint64_t ns)
{
	struct event	ev;

	event_init(&ev, EV_RESULT, -1, 0, (int64_t)task);
	ev.seq = e->seq++;
	ev.vkind = VAL_INT;
	ev.value = exitcode;
	engine_emit(e, &ev, ns);
}

/* Tasks that could still start: not yet final and not running. */
static size_t
engine_startable(struct engine *e)
{
	size_t	running = 0;
	int	i;

	for (i = 0; i < e->cfg.workers; i++)
		if (e->es[i].pid != 0 && e->es[i].task >= 0)
			running++;
	return e->unfinished > running ? e->unfinished - running : 0;
}

/*
 * A step is one beat of the story: one task finishes and exactly one more
 * starts (the next in the queue, on whichever worker is free), in either
 * order; with nothing left to start, a task finishing is enough.  Then the
 * pool stops again (what the workers wrote before they stopped is still
 * taken in).
 */
static void
engine_step_check(struct engine *e)
{
	uint64_t	now;

	if (!e->stepping || e->step_end < 0 ||
	    (e->step_task < 0 && engine_startable(e) > 0))
		return;
	now = now_ns();
	e->stepping = 0;
	e->paused = 1;
	atomic_store(&e->hdr->tokens, 0);
	engine_clock_stop(e, now);
	engine_signal_all(e, 1);
}

/* A task has its final outcome: count it and let the caller have what it
 * may now receive (in process mode, once its process is joined). */
static void
engine_task_final(struct engine *e, size_t task)
{
	int	state = e->state[task];

	e->unfinished--;
	if (e->inflight > 0)
		e->inflight--;
	if (state == T_DONE)
		e->ok++;
	else if (state == T_SKIPPED)
		e->skipped++;
	else
		e->failed++;
	if (e->cfg.mode != MODE_PROCESS)
		order_task_final(&e->order, task, state == T_FAILED,
		    engine_deliver, e);
	if (e->stepping && e->unfinished > 0 && state != T_SKIPPED) {
		if (e->step_end < 0)
			e->step_end = (int64_t)task;
		engine_step_check(e);
	}
}

/* What a task used, from the worker's counters: its own time (wall time
 * less the wait for a processor), of which cpu on one; without counters,
 * all its wall time, on a processor. */
static void
engine_task_stats(struct engine *e, uint64_t wall, const struct shm_stats *st,
    struct event *ev)
{
	uint64_t	own = wall, cpu = wall;

	if (st != NULL) {
		own = st->runq_ns < wall ? wall - st->runq_ns : 0;
		cpu = st->cpu_ns < own ? st->cpu_ns : own;
		ev->has_stats = 1;
	}
	ev->cpu_ns = cpu;
	ev->wait_ns = own - cpu;
	e->info.busy_ns += own;
	e->info.cpu_ns += cpu;
	e->info.wait_ns += own - cpu;
	e->info.runq_ns += wall - own;
}

static void
engine_task_fail(struct engine *e, int slot, size_t task, const char *msg,
    uint64_t ns, struct event *ev)
{
	struct event	ev0;

	if (ev == NULL) {
		event_init(&ev0, EV_TASK_FAIL, slot, 0, (int64_t)task);
		ev = &ev0;
	}
	ev->type = EV_TASK_FAIL;
	ev->pid = slot >= 0 ? e->es[slot].pid : 0;
	ev->vkind = VAL_ERROR;
	ev->text = msg;
	ev->len = strlen(msg);
	if (e->errors == NULL)
		e->errors = xcalloc(e->tl->n, sizeof *e->errors);
	free(e->errors[task]);
	e->errors[task] = xstrdup(msg);
	e->state[task] = T_FAILED;
	if (e->vkinds != NULL)
		e->vkinds[task] = VAL_ERROR;
	engine_emit(e, ev, ns);
	engine_task_final(e, task);
}

/* The rest of a chunk after a task that raised never runs (the chunk ran
 * as one call, which the exception ended). */
static void
engine_skip_rest(struct engine *e, int slot, uint32_t entry, uint32_t task,
    uint64_t ns)
{
	struct shm_qent	*q;
	struct event	 ev;
	uint32_t	 i, end;

	if (entry == SHM_NONE || entry >= atomic_load(&e->hdr->q_tail))
		return;
	q = &e->q[entry];
	end = q->first + q->count;
	for (i = task + 1; i < end && i < e->tl->n; i++) {
		if (e->state[i] != T_PENDING)
			continue;
		e->state[i] = T_SKIPPED;
		event_init(&ev, EV_TASK_SKIP, slot, e->es[slot].pid, i);
		ev.chunk = q->chunk;
		ev.seq = task;
		engine_emit(e, &ev, ns);
		engine_task_final(e, i);
	}
}

/* A worker began a task (at ns). */
static void
engine_rec_start(struct engine *e, int slot, const struct shm_rec *r,
    const char *payload, uint64_t ns)
{
	struct eslot	*s = &e->es[slot];
	struct event	 ev;

	event_init(&ev, EV_TASK_START, slot, s->pid, (int64_t)r->task);
	s->task = r->task;
	s->task_start = engine_pool_ns(e, ns);
	s->has_st0 = (r->flags & REC_F_STATS) && r->len >= sizeof s->st0;
	if (s->has_st0)
		memcpy(&s->st0, payload, sizeof s->st0);
	e->state[r->task] = T_RUNNING;
	if (s->state != WS_PAUSED)
		s->state = WS_BUSY;
	ev.chunk = r->entry == SHM_NONE ? (int64_t)r->task :
	    (int64_t)e->q[r->entry].chunk;
	engine_emit(e, &ev, ns);
	if (e->stepping && e->step_task < 0) {
		e->step_task = r->task;
		engine_step_check(e);
	}
}

/* The counters a done or failed record carries, if any. */
static const struct shm_stats *
engine_rec_stats(const struct shm_rec *r, const char **payload, size_t *len,
    struct shm_stats *st)
{
	*len = r->len;
	if (!(r->flags & REC_F_STATS) || r->len < sizeof *st)
		return NULL;
	memcpy(st, *payload, sizeof *st);
	*payload += sizeof *st;
	*len -= sizeof *st;
	return st;
}

/* The worker's task ended at ns (with a result or an error): it is idle
 * again; ev gets what the task used. */
static void
engine_task_ended(struct engine *e, int slot, const struct shm_stats *st,
    uint64_t ns, struct event *ev)
{
	struct eslot	*s = &e->es[slot];
	uint64_t	 end = engine_pool_ns(e, ns);

	engine_task_stats(e, end > s->task_start ? end - s->task_start : 0,
	    st, ev);
	s->task = -1;
	if (s->state == WS_BUSY)
		s->state = WS_IDLE;
}

/* A worker finished its task with a result. */
static void
engine_rec_done(struct engine *e, int slot, const struct shm_rec *r,
    const struct shm_stats *st)
{
	struct eslot	*s = &e->es[slot];
	struct event	 ev;

	event_init(&ev, EV_TASK_DONE, slot, s->pid, (int64_t)r->task);
	e->state[r->task] = T_DONE;
	ev.vkind = (r->flags & REC_F_VALUE) ? VAL_INT : VAL_NONE;
	ev.value = r->value;
	if (e->values != NULL) {
		e->vkinds[r->task] = (uint8_t)ev.vkind;
		e->values[r->task] = ev.value;
	}
	engine_task_ended(e, slot, st, r->t, &ev);
	engine_emit(e, &ev, r->t);
	engine_task_final(e, r->task);
}

static void	engine_run_done(struct engine *, int, uint32_t, size_t, int,
		    const int64_t *, uint64_t, uint64_t, const struct shm_stats *,
		    const struct event_bulk *, uint64_t);

/* A run of instant tasks of one chunk, done back to back (REC_BULK). */
static void
engine_rec_bulk(struct engine *e, int slot, const struct shm_rec *r,
    const char *payload)
{
	struct shm_stats	 stbuf;
	const struct shm_stats	*st;
	const int64_t		*values = NULL, *pair;
	size_t			 len, n = (size_t)r->value, i;
	uint64_t		 t0, t1, t;
	int			 vkind;

	st = engine_rec_stats(r, &payload, &len, &stbuf);
	/* Instant tasks only compute: their own time is all on a
	 * processor.  The counters say how long they waited for one (the
	 * CPU time they show is behind by up to a tick). */
	t0 = engine_pool_ns(e, r->t_start);
	t1 = engine_pool_ns(e, r->t);
	stbuf.cpu_ns = t1 > t0 ? t1 - t0 : 0;
	vkind = (r->flags & REC_F_VALUE) ? VAL_INT : VAL_NONE;
	if (n == 0 || n > e->tl->n - r->task)
		return;
	if (r->flags & REC_F_TIMED) {
		if (e->bulk != BULK_TIMED || len < 2 * n * sizeof *values ||
		    n > SHM_BULK_MAX_PAYLOAD / 16)
			return;	/* cannot happen: never read past it */
		/* Each task's end in pool time (no earlier than the one
		 * before it), its value apart. */
		pair = (const int64_t *)(const void *)payload;
		for (i = 0, t = t0; i < n; i++, pair += 2) {
			e->bulk_values[i] = pair[0];
			e->bulk_ends[i] = engine_pool_ns(e, (uint64_t)pair[1]);
			if (e->bulk_ends[i] < t)
				e->bulk_ends[i] = t;
			t = e->bulk_ends[i];
		}
		values = vkind == VAL_INT ? e->bulk_values : NULL;
		e->bulk_info.chunk = r->entry == SHM_NONE ? (int64_t)r->task :
		    (int64_t)e->q[r->entry].chunk;
	} else if (vkind == VAL_INT) {
		if (len < n * sizeof *values)
			return;		/* cannot happen: never read past it */
		values = (const int64_t *)(const void *)payload;
	}
	engine_run_done(e, slot, r->task, n, vkind, values, t0, t1, st,
	    (r->flags & REC_F_TIMED) ? &e->bulk_info : NULL, r->t);
}

/* n instant tasks from first, done back to back on slot from t0 to t1 (in
 * pool time; at ns as the worker's clock read it): one EV_TASKS_DONE. */
static void
engine_run_done(struct engine *e, int slot, uint32_t first, size_t n,
    int vkind, const int64_t *values, uint64_t t0, uint64_t t1,
    const struct shm_stats *st, const struct event_bulk *bulk, uint64_t ns)
{
	struct eslot	*s = &e->es[slot];
	struct event	 ev;
	size_t		 i;

	s->ready = 1;
	for (i = first; i < first + n; i++)
		if (e->state[i] == T_DONE || e->state[i] == T_FAILED ||
		    e->state[i] == T_SKIPPED)
			return;	/* cannot happen: each is reported once */
	/* (no values kept here: only a bulk reader is told of them) */
	memset(e->state + first, T_DONE, n);
	event_init(&ev, EV_TASKS_DONE, slot, s->pid, (int64_t)first);
	ev.count = n;
	ev.vkind = vkind;
	ev.values = values;
	ev.t_start = t0;
	ev.bulk = bulk;
	engine_task_stats(e, t1 > t0 ? t1 - t0 : 0, st, &ev);
	engine_emit(e, &ev, ns);
	e->unfinished -= n;
	e->inflight = e->inflight > n ? e->inflight - n : 0;
	e->ok += n;
	order_tasks_final(&e->order, first, n, engine_deliver, e);
	/* A step lets one task go, and ends when one ends. */
	if (e->stepping) {
		if (e->step_task < 0)
			e->step_task = first;
		if (e->step_end < 0 && e->unfinished > 0)
			e->step_end = (int64_t)(first + n - 1);
		engine_step_check(e);
	}
}

/* One record from a worker's ring. */
static void
engine_record(struct engine *e, int slot, const struct shm_rec *r,
    const char *payload)
{
	struct eslot		*s = &e->es[slot];
	struct event		 ev;
	struct shm_stats	 stbuf;
	const struct shm_stats	*st;
	char			 msg[SHM_REC_MAX_PAYLOAD + 1];
	size_t			 len;

	event_init(&ev, EV_OUTPUT, slot, s->pid,
	    r->task == SHM_NONE ? -1 : (int64_t)r->task);
	if (r->task != SHM_NONE && r->task >= e->tl->n)
		return;		/* cannot happen; never index out of range */
	switch (r->type) {
	case REC_READY:
		s->setup_fails = 0;
		s->ready = 1;
		if (s->state == WS_STARTING)
			engine_emit_state(e, slot, WS_IDLE, r->t);
		break;
	case REC_SETUP:
		snprintf(s->setup_error, sizeof s->setup_error, "%.*s",
		    (int)r->len, payload);
		break;
	case REC_GROUP:
		s->group = (int)r->value;
		break;
	case REC_RUN:
		/* An instant task: started, printed and finished.  Nobody
		 * reads its events one by one (--quiet): a run of one. */
		if (e->bulk == BULK_PLAIN && r->len == 0) {
			engine_run_done(e, slot, r->task, 1, (r->flags &
			    REC_F_VALUE) ? VAL_INT : VAL_NONE, (r->flags &
			    REC_F_VALUE) ? &r->value : NULL,
			    engine_pool_ns(e, r->t_start),
			    engine_pool_ns(e, r->t), NULL, NULL, r->t);
			break;
		}
		s->ready = 1;
		engine_rec_start(e, slot, r, payload, r->t_start);
		if (r->len > 0) {
			ev.type = EV_OUTPUT;
			ev.text = payload;
			ev.len = r->len;
			engine_emit(e, &ev, r->t_start);
		}
		engine_rec_done(e, slot, r, NULL);
		break;
	case REC_START:
		s->setup_fails = 0;
		s->ready = 1;
		engine_rec_start(e, slot, r, payload, r->t);
		break;
	case REC_BULK:
		engine_rec_bulk(e, slot, r, payload);
		break;
	case REC_OUTPUT:
		ev.type = EV_OUTPUT;
		ev.text = payload;
		ev.len = r->len;
		engine_emit(e, &ev, r->t);
		break;
	case REC_DONE:
		st = engine_rec_stats(r, &payload, &len, &stbuf);
		engine_rec_done(e, slot, r, st);
		break;
	case REC_FAIL:
		st = engine_rec_stats(r, &payload, &len, &stbuf);
		event_init(&ev, EV_TASK_FAIL, slot, s->pid, r->task);
		engine_task_ended(e, slot, st, r->t, &ev);
		memcpy(msg, payload, len);
		msg[len] = '\0';
		engine_task_fail(e, slot, r->task, msg, r->t, &ev);
		if (pool_raises(e->cfg.mode, e->cfg.keep_going))
			engine_skip_rest(e, slot, r->entry, r->task, r->t);
		break;
	case REC_SENTINEL:
		event_init(&ev, EV_SENTINEL, slot, s->pid, -1);
		s->state = WS_EXITING;
		engine_emit(e, &ev, r->t);
		break;
	}
}

/*
 * Reading the rings.  Each slot's records are in time order; across slots
 * the parent merges them by time (a heap of slots keyed by their next
 * record), so the stream tells what happened when, and a busy worker cannot
 * starve the others' records.  A record's key is when its first event
 * happened (an instant task's start).
 */

/* The record at a slot's read position, if any; skips wrap padding. */
static int
engine_slot_peek(struct engine *e, int slot, struct shm_rec *r,
    const char **payload)
{
	struct shm_slot	*ss = engine_shm_slot(e, slot);
	uint32_t	 size = e->hdr->ring_size, pos, contig;
	uint32_t	 head = e->es[slot].rpos;

	for (;;) {
		if (head == atomic_load_explicit(&ss->rtail,
		    memory_order_acquire))
			break;
		pos = head & (size - 1);
		contig = size - pos;
		if (contig < sizeof *r) {
			head += contig;
			continue;
		}
		memcpy(r, ss->ring + pos, sizeof *r);
		if (r->type == REC_WRAP) {
			head += contig;
			continue;
		}
		/* A record never wraps: its payload is read in place. */
		if (r->len > (r->type == REC_BULK ? SHM_BULK_MAX_PAYLOAD :
		    SHM_REC_MAX_PAYLOAD) || sizeof *r + r->len > contig)
			r->len = 0;
		*payload = (const char *)ss->ring + pos + sizeof *r;
		e->es[slot].rpos = head;
		return 1;
	}
	e->es[slot].rpos = head;
	return 0;
}

static void
engine_slot_consume(struct engine *e, int slot, const struct shm_rec *r)
{
	e->es[slot].rpos += sizeof *r + SHM_REC_ALIGN(r->len);
}

/* Hand the space back to the worker, waking it if it waits for some. */
static void
engine_slot_release(struct engine *e, int slot)
{
	struct shm_slot	*ss = engine_shm_slot(e, slot);

	if (atomic_load_explicit(&ss->rhead, memory_order_relaxed) ==
	    e->es[slot].rpos)
		return;
	/* seq_cst, mirrored by the worker's ring_wait store. */
	atomic_store(&ss->rhead, e->es[slot].rpos);
	if (atomic_load(&ss->ring_wait) != 0)
		shm_futex_wake(&ss->rhead, 1);
}

static uint64_t
engine_rec_key(const struct shm_rec *r)
{
	/* An instant task says it started; a bulk record only that its
	 * tasks were done, at its end. */
	return r->type == REC_RUN ? r->t_start : r->t;
}

/* Consume everything in one slot's ring, in order. */
static int
engine_drain_slot(struct engine *e, int slot)
{
	struct shm_rec	 r;
	const char	*payload;
	int		 n = 0;

	e->now = now_ns();
	while (engine_slot_peek(e, slot, &r, &payload)) {
		engine_slot_consume(e, slot, &r);
		engine_record(e, slot, &r, payload);
		n++;
		if ((n & 1023) == 0)
			engine_slot_release(e, slot);
	}
	engine_slot_release(e, slot);
	return n;
}

static void
engine_heap_sift(struct engine *e, size_t i)
{
	struct heap_ent	*h = e->heap, tmp;
	size_t		 c;

	for (;;) {
		c = 2 * i + 1;
		if (c >= e->nheap)
			break;
		if (c + 1 < e->nheap && h[c + 1].key < h[c].key)
			c++;
		if (h[i].key <= h[c].key)
			break;
		tmp = h[i];
		h[i] = h[c];
		h[c] = tmp;
		i = c;
	}
}

/* Up to max records from all slots, merged by time; returns how many. */
static int
engine_drain_all(struct engine *e, int max)
{
	struct shm_rec	 r;
	const char	*payload;
	size_t		 i;
	int		 n = 0, slot, k;

	e->now = now_ns();
	e->nheap = 0;
	for (k = 0; k < e->cfg.workers; k++) {
		if (e->es[k].pid == 0 || !engine_slot_peek(e, k, &r, &payload))
			continue;
		e->heap[e->nheap].key = engine_rec_key(&r);
		e->heap[e->nheap].slot = k;
		e->nheap++;
	}
	if (e->nheap == 0)
		return 0;
	for (i = e->nheap / 2 + 1; i-- > 0;)
		engine_heap_sift(e, i);
	while (e->nheap > 0 && n < max) {
		slot = e->heap[0].slot;
		if (!engine_slot_peek(e, slot, &r, &payload))
			break;	/* cannot happen: it was there */
		engine_slot_consume(e, slot, &r);
		engine_record(e, slot, &r, payload);
		n++;
		if (e->es[slot].pid != 0 && engine_slot_peek(e, slot, &r, &payload))
			e->heap[0].key = engine_rec_key(&r);
		else
			e->heap[0] = e->heap[--e->nheap];
		engine_heap_sift(e, 0);
		if ((n & 1023) == 0)
			for (k = 0; k < e->cfg.workers; k++)
				engine_slot_release(e, k);
	}
	for (k = 0; k < e->cfg.workers; k++)
		engine_slot_release(e, k);
	return n;
}

/* Stray output a worker wrote to its stdout or stderr. */
static void
engine_read_output(struct engine *e, int slot)
{
	struct eslot	*s = &e->es[slot];
	struct event	 ev;
	ssize_t		 n;
	int		 rounds = 0;

	if (s->out_fd == -1)
		return;
	engine_drain_slot(e, slot);	/* know which task is running */
	while (rounds++ < 16) {
		n = read(s->out_fd, e->buf, SHM_REC_MAX_PAYLOAD);
		if (n <= 0) {
			if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
				epoll_ctl(e->epfd, EPOLL_CTL_DEL, s->out_fd, NULL);
				close(s->out_fd);
				s->out_fd = -1;
			}
			return;
		}
		memset(&ev, 0, sizeof ev);
		ev.type = EV_OUTPUT;
		ev.worker = slot;
		ev.pid = s->pid;
		ev.task = s->task;
		ev.text = e->buf;
		ev.len = (size_t)n;
		engine_emit(e, &ev, now_ns());
	}
}

static void
engine_status_text(int status, char *buf, size_t len)
{
	if (WIFEXITED(status))
		snprintf(buf, len, "exited %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by SIG%s%s",
		    sigabbrev_np(WTERMSIG(status)) ? sigabbrev_np(WTERMSIG(status)) : "?",
		    WCOREDUMP(status) ? " (core dumped)" : "");
	else
		snprintf(buf, len, "status %d", status);
}

/* Python's Process.exitcode: the exit status, or minus the signal. */
static int
engine_exitcode(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return -WTERMSIG(status);
	return -1;
}

/* What the task a dead worker held used, from its counters as it began
 * and as it died (read from the zombie before it was reaped). */
static const struct shm_stats *
engine_dead_stats(struct eslot *s, const struct shm_stats *at_death,
    struct shm_stats *used)
{
	if (!s->has_st0 || at_death == NULL ||
	    at_death->cpu_ns < s->st0.cpu_ns ||
	    at_death->runq_ns < s->st0.runq_ns)
		return NULL;
	used->cpu_ns = at_death->cpu_ns - s->st0.cpu_ns;
	used->runq_ns = at_death->runq_ns - s->st0.runq_ns;
	return used;
}

/*
 * A new process that could not set itself up (no descriptor for /dev/null,
 * say) is a failed spawn, not a worker death: it never held a task (in
 * process mode its task goes back on the queue as it was), the slot tries
 * again after a pause, twice as long each time, and is given up on after
 * ENGINE_SETUP_TRIES; the run goes on with the others, or, with none left,
 * fails what is left with the cause (engine_check_end).  Never a loop of
 * thousands of forks a second, never a lost task.
 */
static void
engine_setup_failed(struct engine *e, int slot, const char *why, uint64_t now)
{
	struct eslot	*s = &e->es[slot];
	struct event	 ev;

	char		 text[400];

	snprintf(e->fork_error, sizeof e->fork_error, "worker setup: %s",
	    s->setup_error[0] ? s->setup_error : "it ended before it was ready");
	snprintf(text, sizeof text, "%s: it could not set itself up (%s)", why,
	    s->setup_error[0] ? s->setup_error : "it ended before it was ready");
	event_init(&ev, EV_WORKER_EXIT, slot, s->pid, -1);
	ev.text = text;
	ev.len = strlen(text);
	ev.state = WS_CRASHED;
	engine_emit(e, &ev, now);
	if (s->ptask >= 0) {
		e->state[s->ptask] = T_PENDING;
		if (e->inflight > 0)
			e->inflight--;
		engine_requeue(e, (uint32_t)s->ptask, 1, (uint32_t)s->ptask);
		s->ptask = -1;
	}
	s->state = WS_CRASHED;
	s->pid = 0;
	e->nlive--;
	if (++s->setup_fails >= ENGINE_SETUP_TRIES)
		s->gave_up = 1;
	else
		s->respawn_at = now + ((uint64_t)ENGINE_SETUP_BACKOFF_NS <<
		    (s->setup_fails - 1));
	/* Each try says why as it ends; the slot given up on is a spawn
	 * failure (once a run in process mode). */
	if (s->gave_up)
		engine_spawn_event(e, slot);
}

/* Why the task a dead worker held failed. */
static void
engine_dead_task_msg(struct engine *e, int slot, const char *why, char *msg,
    size_t len)
{
	struct eslot	*s = &e->es[slot];
	int		 task = (int)s->task, pid = (int)s->pid;

	switch (s->kill_reason) {
	case KILL_TIMEOUT:
		snprintf(msg, len, "task %d timed out after %d ms; worker %d "
		    "(pid %d) was killed", task, e->cfg.timeout_ms, slot, pid);
		break;
	case KILL_ABORT:
		snprintf(msg, len, "the run was stopped while worker %d (pid %d) "
		    "was running task %d", slot, pid, task);
		break;
	case KILL_USER:
		snprintf(msg, len, "worker %d (pid %d) was killed by the user "
		    "while running task %d", slot, pid, task);
		break;
	case KILL_SHUTDOWN:
		snprintf(msg, len, "worker %d (pid %d) was killed at the end of "
		    "the run while running task %d", slot, pid, task);
		break;
	default:
		snprintf(msg, len, "worker %d (pid %d) %s while running task %d",
		    slot, pid, why, task);
		break;
	}
}

/* The task a dead worker held fails, or, with --retries left, goes back
 * on the queue. */
static void
engine_dead_task(struct engine *e, int slot, const char *why,
    const struct shm_stats *at_death, uint64_t now)
{
	struct eslot		*s = &e->es[slot];
	struct shm_stats	 used;
	struct event		 ev;
	char			 msg[256];
	int			 task = (int)s->task;

	engine_dead_task_msg(e, slot, why, msg, sizeof msg);
	event_init(&ev, EV_TASK_FAIL, slot, s->pid, task);
	engine_task_ended(e, slot, engine_dead_stats(s, at_death, &used), now,
	    &ev);
	if (e->attempts != NULL && e->attempts[task] < e->cfg.retries &&
	    s->kill_reason != KILL_ABORT) {
		ev.type = EV_TASK_RETRY;
		ev.text = msg;
		ev.len = strlen(msg);
		ev.state = ++e->attempts[task];
		e->state[task] = T_PENDING;
		if (e->inflight > 0)
			e->inflight--;
		engine_emit(e, &ev, now);
		engine_requeue(e, task, 1, task / e->cfg.chunksize);
	} else
		engine_task_fail(e, slot, task, msg, now, &ev);
	s->task = -1;
}

/* The rest of a dead worker's chunk never ran: back on the queue. */
static void
engine_requeue_rest(struct engine *e, int slot, int task)
{
	struct shm_qent	*q;
	uint32_t	 h = atomic_load(&engine_shm_slot(e, slot)->claim);
	uint32_t	 i, end;

	if (e->cfg.mode == MODE_PROCESS || h == SHM_NONE ||
	    h >= atomic_load(&e->hdr->q_tail))
		return;
	q = &e->q[h];
	if (atomic_load(&q->owner) != (uint32_t)slot + 1 || q->count == 0)
		return;
	end = q->first + q->count;
	for (i = q->first; i < end; i++)
		if (e->state[i] == T_PENDING && (int)i != task)
			break;
	if (i < end) {
		if (e->inflight >= end - i)
			e->inflight -= end - i;
		engine_requeue(e, i, end - i, q->chunk);
	}
}

/* Whether a slot's process still holds a task that has no outcome: its
 * pool task, or in process mode the task it was forked for. */
static int
engine_slot_holds(const struct engine *e, int slot)
{
	const struct eslot	*s = &e->es[slot];

	return s->task >= 0 || (s->ptask >= 0 &&
	    e->state[s->ptask] != T_DONE &&
	    e->state[s->ptask] != T_FAILED);
}

/* A process in a slot has ended: account for what it held.  at_death is
 * its scheduler counters, if they could be read. */
static void
engine_slot_died(struct engine *e, int slot, int status,
    const struct shm_stats *at_death)
{
	struct eslot		*s = &e->es[slot];
	struct event		 ev;
	char			 why[128];
	uint64_t		 now = now_ns();
	int			 normal, task;

	engine_drain_slot(e, slot);
	if (s->out_fd != -1) {
		engine_read_output(e, slot);
		if (s->out_fd != -1) {
			epoll_ctl(e->epfd, EPOLL_CTL_DEL, s->out_fd, NULL);
			close(s->out_fd);
			s->out_fd = -1;
		}
	}
	engine_status_text(status, why, sizeof why);
	normal = WIFEXITED(status) && WEXITSTATUS(status) == 0;
	if (s->group != 0) {
		/* Its sh task's commands go with it (their keeper sees to it
		 * too, unless it was killed outright). */
		kill(-s->group, SIGKILL);
		s->group = 0;
	}
	if (s->kill_reason == KILL_SHUTDOWN)
		snprintf(why, sizeof why, "killed by SIGKILL: it did not take "
		    "its stop sentinel within %u s%s", ENGINE_SHUTDOWN_NS /
		    1000000000u, s->stopped_by ? " (stopped by someone else)" :
		    "");
	if (WIFEXITED(status) && WEXITSTATUS(status) == WORKER_EXIT_SETUP &&
	    !s->ready) {
		engine_setup_failed(e, slot, why, now);
		return;
	}

	/* process mode: the task it was forked for, reported or not (it may
	 * die before it says it began). */
	if (s->task < 0 && engine_slot_holds(e, slot)) {
		s->task = s->ptask;
		if (e->state[s->task] != T_RUNNING)
			s->task_start = engine_pool_ns(e, now);
	}
	task = (int)s->task;
	if (task >= 0)
		engine_dead_task(e, slot, why, at_death, now);
	engine_requeue_rest(e, slot, task);

	event_init(&ev, EV_WORKER_EXIT, slot, s->pid, -1);
	ev.text = why;
	ev.len = strlen(why);
	ev.state = normal ? WS_EXITED : WS_CRASHED;
	engine_emit(e, &ev, now);
	/* process mode: the caller joins the process and gets its exit
	 * code, once its task has its outcome. */
	if (e->cfg.mode == MODE_PROCESS && s->ptask >= 0 &&
	    (e->state[s->ptask] == T_DONE ||
	    e->state[s->ptask] == T_FAILED))
		engine_deliver_exitcode(e, (size_t)s->ptask,
		    engine_exitcode(status), now);
	s->ptask = -1;
	s->state = normal ? WS_EXITED : WS_CRASHED;
	s->pid = 0;
	e->nlive--;

	/* The slot gets a new process while there is work for it.  After a
	 * kill from the screen, half a second later, so the crash can be
	 * seen before the replacement comes. */
	if (e->cfg.mode != MODE_PROCESS && !e->stopping && !e->interrupted &&
	    e->unfinished > 0) {
		if (s->kill_reason == KILL_USER)
			s->respawn_at = now + ENGINE_RESPAWN_SHOWN_NS;
		else
			engine_slot_spawn(e, slot, -1);
	}
}

static int
engine_slot_of(struct engine *e, pid_t pid)
{
	int	i;

	for (i = 0; i < e->cfg.workers; i++)
		if (e->es[i].pid == pid)
			return i;
	return -1;
}

/* A dead process's scheduler counters, read before it is reaped. */
static const struct shm_stats *
engine_zombie_stats(pid_t pid, struct shm_stats *st)
{
	char	path[64], buf[96], *p;
	ssize_t	n;
	int	fd;

	snprintf(path, sizeof path, "/proc/%d/schedstat", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return NULL;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	st->cpu_ns = strtoull(buf, &p, 10);
	st->runq_ns = strtoull(p, NULL, 10);
	return st;
}

/* Reap one process that has ended (wait: block for it); 0 if none. */
static pid_t
engine_reap_one(struct engine *e, int wait)
{
	struct shm_stats	 stbuf;
	const struct shm_stats	*st = NULL;
	siginfo_t		 si;
	pid_t			 pid;
	int			 status, slot;

	/* Peek first: a worker that died holding a task still has its
	 * counters, for what that task used, until it is reaped. */
	memset(&si, 0, sizeof si);
	if (waitid(P_ALL, 0, &si, WEXITED | WNOWAIT | (wait ? 0 : WNOHANG)) ==
	    -1 || si.si_pid == 0)
		return 0;
	slot = engine_slot_of(e, si.si_pid);
	if (slot != -1) {
		/* What it said before it died first: a process-mode child
		 * that reported its task's end left nothing to read. */
		engine_drain_slot(e, slot);
		if (engine_slot_holds(e, slot))
			st = engine_zombie_stats(si.si_pid, &stbuf);
	}
	while ((pid = waitpid(si.si_pid, &status, 0)) == -1 && errno == EINTR)
		;
	if (pid <= 0)
		return 0;
	if (slot != -1)
		engine_slot_died(e, slot, status, st);
	return pid;
}

/* Its state once it goes on: what it was doing before it stopped. */
static int
engine_slot_going(const struct eslot *s)
{
	if (s->task >= 0)
		return WS_BUSY;
	if (s->prev_state == WS_PAUSED || s->prev_state == WS_STOPPED ||
	    s->prev_state == WS_BUSY)
		return WS_IDLE;
	return s->prev_state;
}

/*
 * A worker stopped or continued by someone other than poolscope (kill -STOP
 * from a shell): say so, as state "stopped".  Its task's --timeout still
 * runs (pool time goes on), and at the end of the run it gets no more than
 * ENGINE_SHUTDOWN_NS to take its sentinel.  poolscope's own pausing
 * stops workers too: those are not news.
 */
static void
engine_reap_stops(struct engine *e)
{
	struct event	 ev;
	struct eslot	*s;
	siginfo_t	 si;
	char		 why[64];
	int		 slot;

	for (;;) {
		memset(&si, 0, sizeof si);
		if (waitid(P_ALL, 0, &si, WSTOPPED | WCONTINUED | WNOHANG) ==
		    -1 || si.si_pid == 0)
			return;
		if ((slot = engine_slot_of(e, si.si_pid)) == -1)
			continue;
		s = &e->es[slot];
		if (si.si_code == CLD_STOPPED && !e->paused && !s->stopped_by) {
			s->stopped_by = si.si_status;
			if (s->state != WS_STOPPED)
				s->prev_state = s->state;
			snprintf(why, sizeof why, "SIG%s by someone else",
			    sigabbrev_np(si.si_status) ? sigabbrev_np(si.si_status)
			    : "STOP");
			event_init(&ev, EV_WORKER_STATE, slot, s->pid, -1);
			ev.state = s->state = WS_STOPPED;
			ev.text = why;
			ev.len = strlen(why);
			engine_emit(e, &ev, now_ns());
		} else if (si.si_code == CLD_CONTINUED && s->stopped_by) {
			s->stopped_by = 0;
			if (!e->paused)
				engine_emit_state(e, slot, engine_slot_going(s),
				    now_ns());
		}
	}
}

static void
engine_reap(struct engine *e)
{
	struct signalfd_siginfo	si;
	int			got = 0;

	/* Only after a SIGCHLD: waitpid on every turn of a busy loop costs. */
	while (read(e->sfd, &si, sizeof si) == sizeof si)
		got = 1;
	if (!got)
		return;
	while (engine_reap_one(e, 0) > 0)
		;
	engine_reap_stops(e);
}

/* Kill the workers whose task ran past --timeout; the earliest deadline
 * still ahead, in ms (-1 for none). */
static int
engine_check_timeouts(struct engine *e)
{
	uint64_t	now, limit, deadline, next = UINT64_MAX;
	int		i;

	/* In pool time: a pause does not count against --timeout. */
	if ((e->cfg.timeout_ms <= 0 && !e->stopping) || e->paused)
		return -1;
	now = engine_pool_ns(e, now_ns());
	limit = (uint64_t)e->cfg.timeout_ms * 1000000u;
	if (e->stopping && e->nlive > 0) {
		/* A worker that has not taken its sentinel by now is not going
		 * to (stopped by someone else, say): reported, and killed. */
		if (now >= e->stop_deadline) {
			for (i = 0; i < e->cfg.workers; i++)
				if (e->es[i].pid != 0 &&
				    e->es[i].kill_reason == KILL_NONE) {
					e->es[i].kill_reason = KILL_SHUTDOWN;
					engine_slot_kill(e, i, SIGKILL);
				}
		} else
			next = e->stop_deadline;
	}
	for (i = 0; i < e->cfg.workers && limit > 0; i++) {
		if (e->es[i].pid == 0 || e->es[i].task < 0 ||
		    e->es[i].kill_reason != KILL_NONE)
			continue;
		deadline = e->es[i].task_start + limit;
		if (deadline <= now) {
			e->es[i].kill_reason = KILL_TIMEOUT;
			engine_slot_kill(e, i, SIGKILL);
		} else if (deadline < next)
			next = deadline;
	}
	if (next == UINT64_MAX)
		return -1;
	return (int)((next - now + 999999) / 1000000);
}

/* Slots whose delayed respawn is due; ms until the next one, or -1. */
static int
engine_check_respawns(struct engine *e)
{
	uint64_t	now = now_ns(), next = UINT64_MAX;
	int		i, freed = 0;

	for (i = 0; i < e->cfg.workers; i++) {
		if (e->es[i].respawn_at == 0 || e->es[i].pid != 0)
			continue;
		if (e->stopping || e->interrupted || e->unfinished == 0) {
			e->es[i].respawn_at = 0;
			continue;
		}
		if (e->es[i].respawn_at <= now) {
			e->es[i].respawn_at = 0;
			/* process mode: the slot takes the next task. */
			if (e->cfg.mode == MODE_PROCESS)
				freed = 1;
			else
				engine_slot_spawn(e, i, -1);
		} else if (e->es[i].respawn_at < next)
			next = e->es[i].respawn_at;
	}
	if (freed)
		engine_schedule(e);
	if (next == UINT64_MAX)
		return -1;
	return (int)((next - now + 999999) / 1000000);
}

static void
engine_check_end(struct engine *e)
{
	struct event	ev = { .type = EV_RUN_END, .worker = -1, .task = -1,
	    .run = &e->info };
	uint64_t	now;

	if (e->finished || e->nlive > 0)
		return;
	if (e->unfinished > 0 && !e->interrupted) {
		size_t	i;
		int	k;
		char	msg[400];

		/* Nothing alive and work left: only a failed fork or a worker
		 * that could not set itself up gets here.  Unless a slot is
		 * to try again, give up on what is left, loudly, rather than
		 * wait forever. */
		if (e->fork_error[0] == '\0')
			return;
		for (k = 0; k < e->cfg.workers; k++)
			if (e->es[k].respawn_at != 0)
				return;
		snprintf(msg, sizeof msg, "no worker left to run it (%s)",
		    e->fork_error);
		for (i = 0; i < e->tl->n; i++)
			if (e->state[i] != T_DONE &&
			    e->state[i] != T_FAILED &&
			    e->state[i] != T_SKIPPED)
				engine_task_fail(e, -1, i, msg, now_ns(), NULL);
	}
	now = now_ns();
	e->info.ok = e->ok;
	e->info.failed = e->failed;
	e->info.skipped = e->skipped;
	e->info.interrupted = e->interrupted;
	e->info.wall_ns = engine_pool_ns(e, now);
	e->info.paused_ns = e->paused_total + (e->paused && now > e->paused_at ?
	    now - e->paused_at : 0);
	e->finished = 1;
	engine_emit(e, &ev, now);
	if (e->sink.flush != NULL)
		e->sink.flush(e->sink.arg);
}

/* What the epoll set says, without waiting: stray output from the
 * workers (the eventfd and the signalfd are read by engine_process()). */
static void
engine_poll_events(struct engine *e)
{
	struct epoll_event	evs[64];
	int			n, i;

	while ((n = epoll_wait(e->epfd, evs, 64, 0)) > 0) {
		for (i = 0; i < n; i++)
			if (evs[i].data.u64 < (uint64_t)e->cfg.workers)
				engine_read_output(e, (int)evs[i].data.u64);
		if (n < 64)
			break;
	}
}

void
engine_process(struct engine *e)
{
	uint64_t	v, start;
	int		again;

	if (e->finished)
		return;
	e->now = now_ns();
	engine_poll_events(e);
	atomic_store(&e->hdr->parent_sleeping, 0);
	while (read(e->efd, &v, sizeof v) == sizeof v)
		;
	if (e->cfg.mode != MODE_PROCESS && engine_start_more(e)) {
		engine_drain_all(e, 4096);
		engine_reap(e);
		return;		/* the caller's turn (a frame), then more */
	}
	/* Keep going while records arrive, but give the caller's loop (the
	 * screen, the output flush) a turn at least every 20 ms. */
	start = now_ns();
	e->flowing = 0;
	do {
		again = engine_drain_all(e, 4096) > 0;
		e->flowing |= again;
		engine_reap(e);
		engine_schedule(e);
	} while (again && now_ns() - start < 20000000u);
	engine_check_respawns(e);
	engine_check_timeouts(e);
	engine_check_end(e);
}

int
engine_prepare_wait(struct engine *e)
{
	struct shm_slot	*ss;
	int		 i, t, r;

	if (e->finished)
		return -1;
	if (e->start_next < e->cfg.workers)
		return 0;	/* more of the pool to fork */
	if (e->flowing && !e->paused) {
		/*
		 * Records are streaming in (many short tasks): nap for a
		 * millisecond, without asking to be woken, and take what came
		 * meanwhile in one go.  Sleeping until a worker writes the
		 * eventfd would mean a wake-up (a system call in the worker,
		 * two context switches) for every record or two: measured,
		 * 43000 wake-ups in a screen run of 100000 tasks of 20 us;
		 * with naps that run takes a third less time, in batch mode
		 * too.  A lull (a turn that took nothing) ends the naps:
		 * the parent then sleeps until it is woken, as long as it
		 * likes.
		 */
		e->flowing = 0;
		t = engine_check_timeouts(e);
		return t >= 0 && t < ENGINE_NAP_MS ? t : ENGINE_NAP_MS;
	}
	atomic_store(&e->hdr->parent_sleeping, 1);
	for (i = 0; i < e->cfg.workers; i++) {
		ss = engine_shm_slot(e, i);
		if (e->es[i].pid != 0 &&
		    atomic_load(&ss->rtail) != atomic_load(&ss->rhead)) {
			atomic_store(&e->hdr->parent_sleeping, 0);
			return 0;
		}
	}
	t = engine_check_timeouts(e);
	r = engine_check_respawns(e);
	if (r >= 0 && (t < 0 || r < t))
		t = r;
	return t;
}

void
engine_abort(struct engine *e)
{
	int	i;

	e->interrupted = 1;
	for (i = 0; i < e->cfg.workers; i++) {
		if (e->es[i].pid == 0)
			continue;
		e->es[i].kill_reason = KILL_ABORT;
		engine_slot_kill(e, i, SIGKILL);
		engine_slot_kill(e, i, SIGCONT);
	}
	while (e->nlive > 0) {
		if (engine_reap_one(e, 1) > 0)
			continue;
		if (errno == EINTR)
			continue;
		break;	/* ECHILD: nobody left */
	}
	e->nlive = 0;
	engine_check_end(e);
}

/* Stop or continue every worker process for real (SIGSTOP/SIGCONT), and
 * say so; a worker continued is in the state it was in before. */
static void
engine_signal_all(struct engine *e, int paused)
{
	struct eslot	*s;
	uint64_t	 now = now_ns();
	int		 i, st;

	for (i = 0; i < e->cfg.workers; i++) {
		s = &e->es[i];
		if (s->pid == 0)
			continue;
		engine_slot_kill(e, i, paused ? SIGSTOP : SIGCONT);
		if (paused) {
			if (s->state != WS_PAUSED)
				s->prev_state = s->state;
			st = WS_PAUSED;
		} else if (s->state == WS_PAUSED || s->state == WS_STOPPED) {
			/* poolscope's SIGCONT goes on for anyone's stop. */
			s->stopped_by = 0;
			st = engine_slot_going(s);
		} else
			st = s->state;
		engine_emit_state(e, i, st, now);
	}
}

/*
 * Stop every worker and take in what they wrote before they stopped, so a
 * paused screen shows the pool as it was at the pause and not, a moment
 * later, tasks that had finished while the parent was catching up (and so
 * those records keep their own times, before the pause).  SIGSTOP takes
 * effect within microseconds; the wait for it is bounded all the same.
 */
static void
engine_stop_all(struct engine *e)
{
	uint64_t	deadline = now_ns() + 200000000u;
	struct timespec	tick = { 0, 20000 };
	siginfo_t	si;
	int		i;

	for (i = 0; i < e->cfg.workers; i++)
		if (e->es[i].pid != 0)
			engine_slot_kill(e, i, SIGSTOP);
	for (i = 0; i < e->cfg.workers; i++) {
		if (e->es[i].pid == 0)
			continue;
		for (;;) {
			memset(&si, 0, sizeof si);
			if (waitid(P_PID, (id_t)e->es[i].pid, &si, WSTOPPED |
			    WEXITED | WNOWAIT | WNOHANG) == -1 ||
			    si.si_pid != 0 || now_ns() > deadline)
				break;
			nanosleep(&tick, NULL);
		}
	}
	while (engine_drain_all(e, 1 << 20) > 0)
		;
}

void
engine_pause(struct engine *e, int paused)
{
	uint64_t	now = now_ns();

	if (e->hdr == NULL || e->finished)
		return;
	if (e->stepping && !paused) {
		/* Space during a step: run on freely. */
		e->stepping = 0;
		atomic_store(&e->hdr->tokens, SHM_OPEN);
		shm_futex_wake(&e->hdr->tokens, INT_MAX);
		return;
	}
	e->stepping = 0;
	if (paused == e->paused)
		return;
	e->paused = paused;
	if (paused) {
		/* No task starts from here on; then the workers stop, and
		 * what they wrote meanwhile is taken in, at the pause. */
		atomic_store(&e->hdr->tokens, 0);
		engine_clock_stop(e, now);
		engine_stop_all(e);
		engine_signal_all(e, 1);
		return;
	}
	engine_clock_go(e, now);
	atomic_store(&e->hdr->tokens, SHM_OPEN);
	shm_futex_wake(&e->hdr->tokens, INT_MAX);
	engine_signal_all(e, 0);
	engine_schedule(e);
}

void
engine_step(struct engine *e)
{
	if (e->hdr == NULL || e->finished)
		return;
	if (e->stepping)
		return;		/* one step at a time */
	if (!e->paused)
		engine_pause(e, 1);
	/* Exactly one more task may start; run until a task finishes. */
	e->step_task = e->step_end = -1;
	e->step_spawned = 0;
	e->stepping = 1;
	e->paused = 0;
	engine_clock_go(e, now_ns());
	atomic_store(&e->hdr->tokens, 1);
	shm_futex_wake(&e->hdr->tokens, INT_MAX);
	engine_signal_all(e, 0);
	engine_schedule(e);
}

void
engine_step_tasks(struct engine *e, int64_t *started, int64_t *ended)
{
	*started = e->step_task;
	*ended = e->step_end;
}

int
engine_stepping(struct engine *e)
{
	return e->stepping;
}

int
engine_paused(struct engine *e)
{
	return e->paused;
}

int
engine_kill_worker(struct engine *e, int slot)
{
	if (slot < 0 || slot >= e->cfg.workers || e->es[slot].pid == 0)
		return -1;
	e->es[slot].kill_reason = KILL_USER;
	engine_slot_kill(e, slot, SIGKILL);
	return 0;
}

void
engine_set_time_scale(struct engine *e, double ts)
{
	uint64_t	bits;

	if (ts <= 0)
		return;
	e->cfg.time_scale = ts;
	if (e->hdr != NULL) {
		memcpy(&bits, &ts, sizeof bits);
		atomic_store(&e->hdr->time_scale, bits);
	}
}

double
engine_time_scale(struct engine *e)
{
	return e->cfg.time_scale;
}
