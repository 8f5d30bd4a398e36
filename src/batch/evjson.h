/*
 * evjson.h: the event stream's JSON shape, written and read in one place
 * (after ncdu's dir_export.c beside dir_import.c).  One table says which
 * fields each event type carries; --batch --json and --record write events
 * with it, --replay reads them back with it.
 */
#ifndef POOLSCOPE_EVJSON_H
#define POOLSCOPE_EVJSON_H

#include <stdio.h>

#include "engine/event.h"

struct json_obj;

/* One event as a JSON line (with its newline). */
void	evjson_write(FILE *, const struct event *);

/* What a reader knows while it reads a stream: the run's shape, for the
 * ranges of task and worker numbers, and where its texts go. */
struct evjson_reader {
	size_t		 ntasks;	/* tasks in the recorded list */
	struct run_info	 start, end;	/* run_start's and run_end's */
	char		*vtext;		/* a result's error text */
	size_t		 vcap;
};

/* The event in a parsed line into ev: every field its type carries, each
 * checked; 0, or -1 with what was wrong in err.  Strings point into the
 * object and the reader. */
int	evjson_read(struct evjson_reader *, const struct json_obj *,
	    struct event *, char *err, size_t errlen);
void	evjson_reader_free(struct evjson_reader *);

#endif
