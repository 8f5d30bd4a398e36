/*
 * order.h: when the caller receives each result.  This is the difference
 * between the call styles: apply, apply_async, imap_unordered and process
 * hand a chunk's results over as soon as the chunk is finished; imap only once
 * every earlier chunk is finished too; map only when everything is finished.
 *
 * A chunk runs as one call in a worker (Python's mapstar), so a chunk with
 * a task that raised comes back as that one exception.  Then, as in
 * CPython: map() waits for every chunk and raises the first exception that
 * came back, and the caller gets no list; imap raises when iteration
 * reaches the failed chunk; imap_unordered raises when the failed chunk
 * comes back.  A plain for loop stops there: what comes back later is never
 * received.  apply and apply_async hand each error over as its result (the
 * caller of apply catches it, apply_async's error callback gets it).  With
 * keep_going every style hands each task's error over as its result and
 * goes on, as a caller that catches each error would see it.
 */
#ifndef POOLSCOPE_ORDER_H
#define POOLSCOPE_ORDER_H

#include <stddef.h>
#include <stdint.h>

#define ORDER_NONE	UINT32_MAX

struct order {
	int		 mode;		/* enum pool_mode */
	int		 keep_going;
	size_t		 ntasks;
	size_t		 chunksize;
	size_t		 nchunks;
	uint32_t	*left;		/* per chunk: tasks without a final outcome */
	uint32_t	*err;		/* per chunk: its first failed task, or
					   ORDER_NONE (allocated on a failure) */
	size_t		 next_chunk;	/* imap: first chunk not yet delivered */
	size_t		 unfinished;	/* tasks without a final outcome */
	size_t		 delivered;
	uint32_t	 first_err;	/* map: the first failed chunk's task
					   that came back */
	int64_t		 raised;	/* the task whose exception the caller
					   got, ending the call; -1 */
	/* If set, what the caller receives is handed over a chunk in one
	 * call (tasks first .. first + n - 1, in order; a chunk that raises,
	 * its one failed task), not a task at a time with deliver(). */
	void		(*deliver_range)(void *arg, size_t first, size_t n);
};

void	order_init(struct order *, int mode, size_t ntasks, size_t chunksize,
	    int keep_going);
void	order_free(struct order *);
/* Task reached its final outcome (done, failed for good, or skipped; failed
 * != 0 for a failure).  deliver() is called for each task whose result the
 * caller receives now, in the order the caller receives them. */
void	order_task_final(struct order *, size_t task, int failed,
	    void (*deliver)(void *arg, size_t task), void *arg);
/* Tasks first .. first + n - 1, all of one chunk, were done (none
 * failed): order_task_final for each, in one go. */
void	order_tasks_final(struct order *, size_t first, size_t n,
	    void (*deliver)(void *arg, size_t task), void *arg);

#endif
