/*
 * order.c: the caller's side of each call style, reduced to one question:
 * which results does the caller receive when a task is finished?
 */
#include "config.h"

#include <stdlib.h>

#include "util.h"
#include "engine/event.h"
#include "engine/order.h"

void
order_init(struct order *o, int mode, size_t ntasks, size_t chunksize,
    int keep_going)
{
	size_t	i;

	if (chunksize == 0)
		chunksize = 1;
	o->mode = mode;
	o->keep_going = keep_going;
	o->ntasks = ntasks;
	o->chunksize = chunksize;
	o->nchunks = ntasks == 0 ? 0 : (ntasks + chunksize - 1) / chunksize;
	o->left = o->nchunks ? xcalloc(o->nchunks, sizeof *o->left) : NULL;
	o->err = NULL;
	for (i = 0; i < o->nchunks; i++) {
		if (i + 1 < o->nchunks)
			o->left[i] = chunksize;
		else
			o->left[i] = ntasks - i * chunksize;
	}
	o->next_chunk = 0;
	o->unfinished = ntasks;
	o->delivered = 0;
	o->first_err = ORDER_NONE;
	o->raised = -1;
	o->deliver_range = NULL;
}

void
order_free(struct order *o)
{
	free(o->left);
	free(o->err);
	o->left = NULL;
	o->err = NULL;
}

static uint32_t
order_chunk_err(const struct order *o, size_t c)
{
	return o->err != NULL ? o->err[c] : ORDER_NONE;
}

/* The caller receives chunk c: its results, or the exception it came back
 * with (and then, where that ends the call, nothing more). */
static void
order_deliver_chunk(struct order *o, size_t c,
    void (*deliver)(void *, size_t), void *arg)
{
	size_t		t, end;
	uint32_t	err = order_chunk_err(o, c);

	if (o->raised >= 0)
		return;		/* the call already raised */
	if (err != ORDER_NONE && pool_raises(o->mode, o->keep_going)) {
		o->raised = err;
		if (o->deliver_range != NULL)
			o->deliver_range(arg, err, 1);
		else
			deliver(arg, err);
		o->delivered++;
		return;
	}
	end = (c + 1) * o->chunksize;
	if (end > o->ntasks)
		end = o->ntasks;
	if (o->deliver_range != NULL) {
		o->deliver_range(arg, c * o->chunksize, end - c * o->chunksize);
		o->delivered += end - c * o->chunksize;
		return;
	}
	for (t = c * o->chunksize; t < end; t++) {
		deliver(arg, t);
		o->delivered++;
	}
}

/* Chunk c has every outcome: what does the caller receive now? */
static void
order_chunk_final(struct order *o, size_t c,
    void (*deliver)(void *, size_t), void *arg)
{
	if (order_chunk_err(o, c) != ORDER_NONE && o->first_err == ORDER_NONE)
		o->first_err = (uint32_t)c;

	switch (o->mode) {
	case MODE_MAP:
		/* The caller is blocked in map() until the last chunk is done;
		 * then it gets the list, or the first exception that came
		 * back. */
		if (o->unfinished != 0)
			break;
		if (o->first_err != ORDER_NONE &&
		    pool_raises(o->mode, o->keep_going))
			order_deliver_chunk(o, o->first_err, deliver, arg);
		else
			for (c = 0; c < o->nchunks; c++)
				order_deliver_chunk(o, c, deliver, arg);
		break;
	case MODE_IMAP:
		/* In submission order: a finished chunk waits for earlier ones. */
		while (o->next_chunk < o->nchunks && o->left[o->next_chunk] == 0)
			order_deliver_chunk(o, o->next_chunk++, deliver, arg);
		break;
	default:
		/* Completion order, a chunk at a time. */
		order_deliver_chunk(o, c, deliver, arg);
		break;
	}
}

void
order_task_final(struct order *o, size_t task, int failed,
    void (*deliver)(void *, size_t), void *arg)
{
	size_t	c;

	if (task >= o->ntasks)
		return;
	c = task / o->chunksize;
	if (o->left[c] == 0)
		return;		/* already final: ignore a duplicate */
	if (failed && order_chunk_err(o, c) == ORDER_NONE) {
		if (o->err == NULL) {
			o->err = xreallocarray(NULL, o->nchunks, sizeof *o->err);
			for (size_t i = 0; i < o->nchunks; i++)
				o->err[i] = ORDER_NONE;
		}
		o->err[c] = (uint32_t)task;
	}
	o->left[c]--;
	o->unfinished--;
	if (o->left[c] == 0)
		order_chunk_final(o, c, deliver, arg);
}

void
order_tasks_final(struct order *o, size_t first, size_t n,
    void (*deliver)(void *, size_t), void *arg)
{
	size_t	c;

	if (n == 0 || first >= o->ntasks || n > o->ntasks - first)
		return;
	c = first / o->chunksize;
	if ((first + n - 1) / o->chunksize != c || o->left[c] < n) {
		/* Not one chunk's, or some already final: one at a time. */
		for (; n > 0; n--)
			order_task_final(o, first++, 0, deliver, arg);
		return;
	}
	o->left[c] -= (uint32_t)n;
	o->unfinished -= n;
	if (o->left[c] == 0)
		order_chunk_final(o, c, deliver, arg);
}
