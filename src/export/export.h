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

/* Write to a path ("-" for stdout), under a temporary name renamed onto
 * path once whole (replace: whether a file that exists at path by then may
 * be replaced).  On failure fill err, set errno to the cause (EPIPE: the
 * reader of stdout went away) and return -1. */
int	export_to_path(const char *path, int (*fn)(FILE *, const struct model *,
	    const struct tasklist *), const struct model *,
	    const struct tasklist *, int replace, char *err, size_t errlen);

#endif
