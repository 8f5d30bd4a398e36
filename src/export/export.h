/*
 * export.h: pictures and traces of a finished run, made from the model
 * (so a live run and a replay export the same way).
 */
#ifndef POOLSCOPE_EXPORT_H
#define POOLSCOPE_EXPORT_H

#include <stdio.h>

struct model;
struct tasklist;

/* Chrome trace-event JSON (opens in Perfetto): a track per worker slot
 * named with its PIDs, a complete event per task, an instant event on the
 * caller's track when it receives each result.  Returns 0 or -1 (errno). */
int	export_trace(FILE *, const struct model *, const struct tasklist *);

/* A self-contained SVG: worker lanes, labelled task blocks, a time axis,
 * the caller's lane with the result order.  Returns 0 or -1 (errno). */
int	export_svg(FILE *, const struct model *, const struct tasklist *);

/* Write to a path ("-" for stdout); on failure fill err and return -1. */
int	export_to_path(const char *path, int (*fn)(FILE *, const struct model *,
	    const struct tasklist *), const struct model *,
	    const struct tasklist *, char *err, size_t errlen);

#endif
