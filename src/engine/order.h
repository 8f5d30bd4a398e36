/*
 * order.h: when the caller receives each result.  This is the difference
 * between the call styles: apply, apply_async, imap_unordered and process
 * hand a chunk's results over as soon as the chunk is finished; imap only once
 * every earlier chunk is finished too; map only when everything is finished.
 */
#ifndef POOLSCOPE_ORDER_H
#define POOLSCOPE_ORDER_H

#include <stddef.h>
#include <stdint.h>

struct order {
	int		 mode;		/* enum pool_mode */
	size_t		 ntasks;
	size_t		 chunksize;
	size_t		 nchunks;
	uint32_t	*left;		/* per chunk: tasks without a final outcome */
	size_t		 next_chunk;	/* imap: first chunk not yet delivered */
	size_t		 unfinished;	/* tasks without a final outcome */
	size_t		 delivered;
};

void	order_init(struct order *, int mode, size_t ntasks, size_t chunksize);
void	order_free(struct order *);
/* Task reached its final outcome (done, or failed for good).  deliver() is
 * called for each task whose result the caller receives now, in the order
 * the caller receives them. */
void	order_task_final(struct order *, size_t task,
	    void (*deliver)(void *arg, size_t task), void *arg);
/* Python's default chunksize for a mode: ceil(n / (4 * workers)) for map,
 * 1 for everything else (imap, imap_unordered, apply_async). */
size_t	order_default_chunksize(int mode, size_t ntasks, int workers);

#endif
