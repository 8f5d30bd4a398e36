/*
 * test_order.c: the result-order logic of each call style, without processes.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "engine/event.h"
#include "engine/order.h"
#include "tap.h"

static char	got[256];
static unsigned	failing;	/* bit t: task t failed */

static void
collect(void *arg, size_t task)
{
	size_t	len = strlen(got);

	(void)arg;
	snprintf(got + len, sizeof got - len, "%s%s%zu", len ? "," : "",
	    failing & (1u << task) ? "!" : "", task);
}

/* Finish tasks in the given order (those in fail failing); returns what the
 * caller received ("!3": task 3's exception), with '|' between deliveries
 * made by different finishes. */
static const char *
play_failing(int mode, size_t n, size_t chunk, const size_t *finish,
    size_t nf, unsigned fail, int keep_going)
{
	static char	out[512];
	struct order	o;
	size_t		i;

	out[0] = '\0';
	failing = fail;
	order_init(&o, mode, n, chunk, keep_going);
	for (i = 0; i < nf; i++) {
		got[0] = '\0';
		order_task_final(&o, finish[i], (fail & (1u << finish[i])) != 0,
		    collect, NULL);
		if (i > 0)
			strlcat(out, "|", sizeof out);
		strlcat(out, got, sizeof out);
	}
	order_free(&o);
	return out;
}

static void
collect_range(void *arg, size_t first, size_t n)
{
	size_t	len = strlen(got);

	(void)arg;
	snprintf(got + len, sizeof got - len, "%s%zu+%zu", len ? "," : "",
	    first, n);
}

/* As play_failing, but each element of runs finishes that many tasks at
 * once (order_tasks_final) or, negative, fails one task; each delivery is
 * a range, "2+3" for tasks 2, 3 and 4. */
static const char *
play_runs(int mode, size_t n, size_t chunk, const int *runs, size_t nr)
{
	static char	out[512];
	struct order	o;
	size_t		i, next = 0;

	out[0] = '\0';
	failing = 0;
	order_init(&o, mode, n, chunk, 0);
	o.deliver_range = collect_range;
	for (i = 0; i < nr; i++) {
		got[0] = '\0';
		if (runs[i] < 0) {
			failing |= 1u << next;
			order_task_final(&o, next++, 1, collect, NULL);
		} else {
			order_tasks_final(&o, next, (size_t)runs[i], collect,
			    NULL);
			next += (size_t)runs[i];
		}
		if (i > 0)
			strlcat(out, "|", sizeof out);
		strlcat(out, got, sizeof out);
	}
	order_free(&o);
	return out;
}

static const char *
play(int mode, size_t n, size_t chunk, const size_t *finish, size_t nf)
{
	return play_failing(mode, n, chunk, finish, nf, 0, 0);
}

int
main(void)
{
	const size_t	f102[] = { 1, 0, 2 };
	const size_t	f120[] = { 1, 2, 0 };
	const size_t	f6[] = { 5, 0, 1, 3, 2, 4 };
	const size_t	fdup[] = { 0, 0, 1 };
	struct order	o;

	/* sleeps 300, 100, 200: finish order 1, 2, 0 */
	is_str(play(MODE_APPLY_ASYNC, 3, 1, f120, 3), "1|2|0",
	    "apply_async delivers each result as it finishes");
	is_str(play(MODE_IMAP_UNORDERED, 3, 1, f120, 3), "1|2|0",
	    "imap_unordered delivers in completion order");
	is_str(play(MODE_PROCESS, 3, 1, f120, 3), "1|2|0",
	    "process: completion order");
	is_str(play(MODE_IMAP, 3, 1, f120, 3), "||0,1,2",
	    "imap holds 1 and 2 until 0 is done");
	is_str(play(MODE_IMAP, 3, 1, f102, 3), "|0,1|2",
	    "imap releases 0 and 1 together when 0 finishes after 1");
	is_str(play(MODE_MAP, 3, 1, f102, 3), "||0,1,2",
	    "map delivers everything when the last task is done");
	is_str(play(MODE_APPLY, 3, 1, f102, 3), "1|0|2",
	    "apply delivers each as it finishes (the engine keeps one in flight)");

	/* chunks of 2 over 6 tasks: chunks {0,1} {2,3} {4,5} */
	is_str(play(MODE_IMAP_UNORDERED, 6, 2, f6, 6), "||0,1||2,3|4,5",
	    "imap_unordered with chunks: a chunk's results come together");
	is_str(play(MODE_IMAP, 6, 2, f6, 6), "||0,1||2,3|4,5",
	    "imap with chunks: chunk by chunk");
	is_str(play(MODE_IMAP_UNORDERED, 4, 2, (const size_t[]){ 2, 3, 0, 1 }, 4),
	    "|2,3||0,1", "imap_unordered: a later chunk may come first");
	is_str(play(MODE_IMAP, 4, 2, (const size_t[]){ 2, 3, 0, 1 }, 4),
	    "|||0,1,2,3", "imap: a later chunk waits for the earlier one");
	is_str(play(MODE_MAP, 6, 2, f6, 6), "|||||0,1,2,3,4,5",
	    "map with chunks: all at the end");
	is_str(play(MODE_IMAP_UNORDERED, 5, 2, (const size_t[]){ 4, 3, 2, 1, 0 }, 5),
	    "4||2,3||0,1", "imap_unordered: a short last chunk");
	is_str(play(MODE_APPLY_ASYNC, 3, 1, fdup, 3), "0||1",
	    "a duplicate final outcome is ignored");

	/* A task that raises: chunks {0,1} {2,3} {4,5}, task 2 fails (and 3,
	 * after it in its chunk, is skipped: final, not failed). */
	is_str(play_failing(MODE_MAP, 6, 2, (const size_t[]){ 0, 1, 2, 3, 4, 5 },
	    6, 1u << 2, 0), "|||||!2",
	    "map: the caller gets the exception, and no list, at the end");
	is_str(play_failing(MODE_MAP, 6, 2, (const size_t[]){ 4, 5, 2, 3, 0, 1 },
	    6, (1u << 2) | (1u << 5), 0), "|||||!5",
	    "map: the first failed chunk to come back is the one raised");
	is_str(play_failing(MODE_IMAP, 6, 2, (const size_t[]){ 4, 5, 2, 3, 0, 1 },
	    6, 1u << 2, 0), "|||||0,1,!2",
	    "imap: results up to the failed chunk, then its exception, then "
	    "nothing");
	is_str(play_failing(MODE_IMAP, 4, 2, (const size_t[]){ 0, 1, 3, 2 },
	    4, 1u << 2, 0), "|0,1||!2",
	    "imap: the exception comes when iteration reaches its chunk");
	is_str(play_failing(MODE_IMAP, 4, 2, (const size_t[]){ 0, 1, 3, 2 },
	    4, 1u << 3, 0), "|0,1||!3",
	    "imap: a chunk comes back as its one exception, whatever ran "
	    "before it in the chunk");
	is_str(play_failing(MODE_IMAP_UNORDERED, 6, 2, (const size_t[]){ 4, 5, 2,
	    3, 0, 1 }, 6, 1u << 2, 0), "|4,5||!2||",
	    "imap_unordered: results as they come, until the failed chunk");
	is_str(play_failing(MODE_APPLY_ASYNC, 3, 1, (const size_t[]){ 1, 0, 2 },
	    3, 1u << 1, 0), "!1|0|2",
	    "apply_async: the error callback gets the error; the rest go on");
	is_str(play_failing(MODE_APPLY, 3, 1, (const size_t[]){ 0, 1, 2 },
	    3, 1u << 1, 0), "0|!1|2", "apply: each call raises or returns");
	is_str(play_failing(MODE_MAP, 6, 2, (const size_t[]){ 0, 1, 2, 3, 4, 5 },
	    6, 1u << 2, 1), "|||||0,1,!2,3,4,5",
	    "map --keep-going: every result, the error in its place");
	is_str(play_failing(MODE_IMAP_UNORDERED, 6, 2, (const size_t[]){ 4, 5, 2,
	    3, 0, 1 }, 6, 1u << 2, 1), "|4,5||!2,3||0,1",
	    "imap_unordered --keep-going: every chunk, errors in place");
	/* Runs of tasks of one chunk at a time (instant tasks in bulk):
	 * chunks {0,1,2} {3,4,5} {6}. */
	is_str(play_runs(MODE_MAP, 7, 3, (const int[]){ 2, 1, 3, 1 }, 4),
	    "|||0+3,3+3,6+1", "map: clean chunks handed over as ranges, at the "
	    "end");
	is_str(play_runs(MODE_IMAP, 7, 3, (const int[]){ 3, 2, 1, 1 }, 4),
	    "0+3||3+3|6+1", "imap: each clean chunk as a range, in turn");
	is_str(play_runs(MODE_IMAP_UNORDERED, 7, 3, (const int[]){ 2, 2 }, 2),
	    "|0+3", "a run across two chunks is taken a task at a time");
	is_str(play_runs(MODE_IMAP_UNORDERED, 7, 3, (const int[]){ 1, -1, 1 },
	    3), "||1+1", "a chunk that raises: its failed task alone");
	is_str(play_runs(MODE_APPLY_ASYNC, 3, 1, (const int[]){ 1, -1, 1 },
	    3), "0+1|1+1|2+1", "apply_async: a failed task is handed over "
	    "as the others");
	is_str(play_runs(MODE_APPLY_ASYNC, 3, 1, (const int[]){ 1, 1, 1 }, 3),
	    "0+1|1+1|2+1", "apply_async: one task a chunk");
	is_int(pool_raises(MODE_MAP, 0) && pool_raises(MODE_IMAP, 0) &&
	    pool_raises(MODE_IMAP_UNORDERED, 0), 1,
	    "map, imap and imap_unordered raise to the caller");
	is_int(pool_raises(MODE_APPLY, 0) || pool_raises(MODE_APPLY_ASYNC, 0) ||
	    pool_raises(MODE_PROCESS, 0) || pool_raises(MODE_MAP, 1), 0,
	    "apply, apply_async, process and --keep-going do not");

	is_int(pool_default_chunksize(MODE_MAP, 10, 5), 1,
	    "map default chunksize: ceil(10 / 20) = 1");
	is_int(pool_default_chunksize(MODE_MAP, 1000000, 2), 125000,
	    "map default chunksize: ceil(1000000 / 8) = 125000");
	is_int(pool_default_chunksize(MODE_MAP, 100, 3), 9,
	    "map default chunksize: ceil(100 / 12) = 9");
	is_int(pool_default_chunksize(MODE_IMAP, 1000, 2), 1,
	    "imap default chunksize is 1");
	is_int(pool_default_chunksize(MODE_IMAP_UNORDERED, 1000, 2), 1,
	    "imap_unordered default chunksize is 1");
	is_int(pool_default_chunksize(MODE_APPLY_ASYNC, 1000, 2), 1,
	    "apply_async default chunksize is 1");

	order_init(&o, MODE_MAP, 0, 1, 0);
	is_int(o.nchunks, 0, "an empty list has no chunks");
	order_free(&o);
	order_init(&o, MODE_IMAP, 7, 3, 0);
	is_int(o.nchunks, 3, "7 tasks in chunks of 3 make 3 chunks");
	is_int(o.left[2], 1, "the last chunk holds the one left over");
	order_free(&o);

	is_int(pool_mode_parse("sync"), MODE_APPLY, "sync is apply");
	is_int(pool_mode_parse("async"), MODE_APPLY_ASYNC, "async is apply_async");
	is_int(pool_mode_parse("imap_unordered"), MODE_IMAP_UNORDERED,
	    "imap_unordered parses");
	is_int(pool_mode_parse("Map"), -1, "modes are lower case");
	return tap_done();
}
