/*
 * shm.h: the engine's transport, private to src/engine.
 *
 * One shared anonymous mapping holds the task queue (the
 * multiprocessing.Queue of the worker_process example, None sentinels
 * included) and, per worker slot, a ring of records the worker writes for
 * the parent.  Tasks travel as queue entries (a chunk: first task and
 * count; count 0 is the None sentinel) that workers claim with a
 * compare-and-swap; the task list itself was inherited at fork.
 * Nobody ever holds a lock, so a worker killed at any instant leaves the
 * queue consistent; the parent finds what it held from its slot's claim.
 *
 * Waking is the expensive part (about 100 us across cores), so nobody is
 * woken unless it sleeps: workers sleep on a futex over q_seq when the queue
 * is empty; the parent sleeps in epoll and sets parent_sleeping first, and the
 * first record posted after that writes the eventfd once.
 */
#ifndef POOLSCOPE_SHM_H
#define POOLSCOPE_SHM_H

#include <stdatomic.h>
#include <stdint.h>

/* Bytes of records per slot: a power of two (positions are free-running
 * 32-bit counters).  A worker that fills its ring sleeps until the parent
 * drains it, and each such hand-over costs two wake-ups (~100 us each
 * here), so a ring must hold thousands of records; but what the rings hold
 * is how far the screen lags behind the workers, and a ring that fits in
 * the cache is read faster (measured: 256 KiB rings run a million tasks as
 * fast as 4 MiB ones, or faster).  The engine picks the size from a total
 * budget shared by all slots. */
#define SHM_RING_MIN	(16u * 1024)
#define SHM_RING_MAX	(256u * 1024)
#define SHM_RING_BUDGET	(16u * 1024 * 1024)
#define SHM_NONE	UINT32_MAX
#define SHM_LINE	64

struct shm_qent {
	_Atomic uint32_t owner;		/* 0 free, else slot + 1 */
	uint32_t	 first;		/* first task */
	uint32_t	 count;		/* tasks; 0 is the stop sentinel */
	uint32_t	 chunk;		/* chunk number shown in events */
};

struct shm_slot {
	/* Written by the worker. */
	_Atomic uint32_t rtail;		/* ring bytes written */
	_Atomic uint32_t claim;		/* queue entry claimed or being claimed */
	_Atomic uint32_t ring_wait;	/* the worker sleeps for ring space */
	char		 pad0[SHM_LINE - 12];
	/* Written by the parent. */
	_Atomic uint32_t rhead;		/* ring bytes consumed */
	char		 pad1[SHM_LINE - 4];
	uint8_t		 ring[];	/* ring_size bytes */
};

/* tokens: how many more tasks may start (pausing sets 0, a step 1), or
 * SHM_OPEN when the pool runs freely. */
#define SHM_OPEN	UINT32_MAX

struct shm_hdr {
	_Atomic uint32_t q_tail;	/* entries published (parent) */
	_Atomic uint32_t q_seq;		/* futex word, bumped on publish */
	_Atomic uint32_t q_waiters;	/* workers asleep on q_seq */
	char		 pad0[SHM_LINE - 12];
	_Atomic uint32_t q_head;	/* first entry perhaps unclaimed (hint) */
	char		 pad1[SHM_LINE - 4];
	_Atomic uint32_t parent_sleeping;
	char		 pad2[SHM_LINE - 4];
	/* Read on every task start, written only on the user's commands. */
	_Atomic uint32_t tokens;	/* futex word: task starts allowed */
	uint32_t	 ring_size;	/* bytes of ring per slot */
	_Atomic uint64_t time_scale;	/* a double's bits: live +/- */
	/* The pool clock: monotonic ns the pool has spent paused, updated
	 * by the parent before it lets the workers go on, so a worker's
	 * sleep lasts its length in pool time. */
	_Atomic uint64_t paused_ns;
	char		 pad3[SHM_LINE - 24];
};

/* Records in a slot's ring, 8-byte aligned, payload after the header. */
enum shm_rec_type {
	REC_WRAP = 1,	/* skip to the start of the ring */
	REC_READY,	/* the worker is up and waiting for work */
	REC_START,	/* task started */
	REC_OUTPUT,	/* payload: text the task printed */
	REC_DONE,	/* value (flags & REC_F_VALUE) */
	REC_FAIL,	/* payload: the error */
	REC_RUN,	/* an instant task, start to done in one record:
			   t_start, t, value, payload: its output */
	REC_SENTINEL,	/* the worker took the stop sentinel (None) */
	REC_GROUP,	/* value: the process group of the running task's
			   sh commands, 0 once they are gone */
	REC_SETUP,	/* payload: why the worker could not set itself up;
			   it exits WORKER_EXIT_SETUP next */
	REC_BULK	/* instant tasks task .. task + value - 1 of entry,
			   run back to back from t_start to t, when nobody
			   reads their events one by one (worker_args.bulk):
			   payload: a struct shm_stats (REC_F_STATS), then
			   each task's result as an int64_t (REC_F_VALUE;
			   without it each returned None); with
			   REC_F_TIMED, each task's result (0 for None) and
			   when it ended, two int64_t a task */
};
/* A worker that could not set itself up exits with this status, after
 * saying why in a REC_SETUP record if it could. */
#define WORKER_EXIT_SETUP	126
#define REC_F_VALUE	1
/* The payload starts with a struct shm_stats (REC_START: the worker's
 * counters as the task began; REC_DONE, REC_FAIL: what the task used). */
#define REC_F_STATS	2
/* REC_BULK: each task's end comes with its value (worker_args.bulk is
 * BULK_TIMED: a reader wants each task's times, or what it printed). */
#define REC_F_TIMED	4

/* A worker's scheduler counters (/proc/thread-self/schedstat): time on a
 * CPU, and time spent runnable but waiting for one. */
struct shm_stats {
	uint64_t	 cpu_ns;
	uint64_t	 runq_ns;
};

struct shm_rec {
	uint16_t	 type;
	uint16_t	 flags;
	uint32_t	 len;		/* payload bytes */
	uint32_t	 task;
	uint32_t	 entry;
	uint64_t	 t;		/* CLOCK_MONOTONIC ns */
	uint64_t	 t_start;	/* REC_RUN: when it started */
	int64_t		 value;
};

#define SHM_REC_ALIGN(n)	(((n) + 7u) & ~7u)
#define SHM_REC_MAX_PAYLOAD	4096
/* A REC_BULK record's payload may be longer, up to a quarter of a ring. */
#define SHM_BULK_MAX_PAYLOAD	32768

struct tasklist;

/* How instant tasks are reported when nobody reads their events one by
 * one: in runs with their values (BULK_PLAIN), or with each one's end too
 * (BULK_TIMED: a reader draws when each ran, or shows what it printed,
 * which the parent makes again from the task, as an instant task's output
 * is its own alone). */
enum { BULK_NONE, BULK_PLAIN, BULK_TIMED };

/* What a worker process needs; it inherits everything else at fork. */
struct worker_args {
	struct shm_hdr		*hdr;
	struct shm_slot		*slot;
	struct shm_qent		*q;
	const struct tasklist	*tl;
	int			 slotno;
	int			 efd;		/* eventfd that wakes the parent */
	int			 max_tasks;	/* messages (chunks); 0: no limit */
	int64_t			 single_task;	/* process mode: the one task, else -1 */
	int			 output;	/* somebody reads what tasks print */
	int			 chunk_stops;	/* a raise ends the chunk (mapstar) */
	int			 pace_ms;	/* --pace; 0: none */
	int			 bulk;		/* instant tasks go in REC_BULK
						   records: BULK_PLAIN or
						   BULK_TIMED, 0: not */
	int			 tsc;		/* the processors' time stamp
						   counter keeps the kernel's
						   clock: it may time a run's
						   tasks between two clock
						   reads */
};

void	worker_main(const struct worker_args *) __attribute__((noreturn));
/* A new worker could not set itself up: say why in its ring, and exit
 * WORKER_EXIT_SETUP. */
void	worker_setup_failed(const struct worker_args *, const char *why)
	    __attribute__((noreturn));

/* futex helpers shared by both sides. */
int	shm_futex_wait(_Atomic uint32_t *, uint32_t);
int	shm_futex_wake(_Atomic uint32_t *, int);

#endif
