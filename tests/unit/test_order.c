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

static void
collect(void *arg, size_t task)
{
	size_t	len = strlen(got);

	(void)arg;
	snprintf(got + len, sizeof got - len, "%s%zu", len ? "," : "", task);
}

/* Finish tasks in the given order; returns what the caller received, with
 * '|' between deliveries made by different finishes. */
static const char *
play(int mode, size_t n, size_t chunk, const size_t *finish, size_t nf)
{
	static char	out[512];
	struct order	o;
	size_t		i;

	out[0] = '\0';
	order_init(&o, mode, n, chunk);
	for (i = 0; i < nf; i++) {
		got[0] = '\0';
		order_task_final(&o, finish[i], collect, NULL);
		if (i > 0)
			strlcat(out, "|", sizeof out);
		strlcat(out, got, sizeof out);
	}
	order_free(&o);
	return out;
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

	is_int(order_default_chunksize(MODE_MAP, 10, 5), 1,
	    "map default chunksize: ceil(10 / 20) = 1");
	is_int(order_default_chunksize(MODE_MAP, 1000000, 2), 125000,
	    "map default chunksize: ceil(1000000 / 8) = 125000");
	is_int(order_default_chunksize(MODE_MAP, 100, 3), 9,
	    "map default chunksize: ceil(100 / 12) = 9");
	is_int(order_default_chunksize(MODE_IMAP, 1000, 2), 1,
	    "imap default chunksize is 1");
	is_int(order_default_chunksize(MODE_IMAP_UNORDERED, 1000, 2), 1,
	    "imap_unordered default chunksize is 1");
	is_int(order_default_chunksize(MODE_APPLY_ASYNC, 1000, 2), 1,
	    "apply_async default chunksize is 1");

	order_init(&o, MODE_MAP, 0, 1);
	is_int(o.nchunks, 0, "an empty list has no chunks");
	order_free(&o);
	order_init(&o, MODE_IMAP, 7, 3);
	is_int(o.nchunks, 3, "7 tasks in chunks of 3 make 3 chunks");
	is_int(o.left[2], 1, "the last chunk holds the one left over");
	order_free(&o);

	is_int(mode_parse("sync"), MODE_APPLY, "sync is apply");
	is_int(mode_parse("async"), MODE_APPLY_ASYNC, "async is apply_async");
	is_int(mode_parse("imap_unordered"), MODE_IMAP_UNORDERED,
	    "imap_unordered parses");
	is_int(mode_parse("Map"), -1, "modes are lower case");
	return tap_done();
}
