/*
 * batch.h: the screenless printers.  Text (one readable line per event),
 * JSON Lines (the README's event stream) or quiet (results and summary only).
 */
#ifndef POOLSCOPE_BATCH_H
#define POOLSCOPE_BATCH_H

#include <stdio.h>

#include "engine/event.h"

struct model;
struct tasklist;

enum batch_format { BATCH_TEXT, BATCH_JSON, BATCH_QUIET };

struct batch;

struct batch	*batch_new(FILE *, int format, const struct tasklist *,
		    const struct model *);
void		 batch_free(struct batch *);
struct event_sink batch_sink(struct batch *);
/* Before batch_sink: the run is a Python program's, whose own output -q
 * prints as it comes. */
void	batch_for_program(struct batch *);
/* After the run: the results list and the summary (text and quiet). */
void		 batch_finish(struct batch *);
/* 1 once a write failed (EPIPE: the reader went away; ENOSPC...); nothing
 * more is written then.  batch_write_error() is the failed write's errno. */
int		 batch_write_failed(struct batch *);
int		 batch_write_error(struct batch *);

/* JSON string escaping, shared with other writers: invalid UTF-8 becomes
 * U+FFFD, control characters \uXXXX. */
void		 batch_json_string(FILE *, const char *, size_t);
/* The same, each piece given to put(arg, piece, its length). */
void		 batch_json_escape(const char *, size_t,
		     void (*)(void *, const char *, size_t), void *);

#endif
