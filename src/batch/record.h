/*
 * record.h: --record FILE, the event stream saved for --replay.  The file
 * is JSON Lines: a first line {"t":0,"ev":"recording",...} with the format
 * version and the task list (one task line each, so a replay knows every
 * task's call), then the events exactly as --batch --json prints them.
 */
#ifndef POOLSCOPE_RECORD_H
#define POOLSCOPE_RECORD_H

#include "engine/event.h"

struct tasklist;
struct recorder;

#define RECORD_VERSION	1

/* NULL with a message in err when the file cannot be created. */
struct recorder	*recorder_open(const char *path, const struct tasklist *,
		    char *err, size_t errlen);
struct event_sink recorder_sink(struct recorder *);
/* Flush and close; -1 (with err) if anything failed to be written. */
int		 recorder_close(struct recorder *, char *err, size_t errlen);

#endif
