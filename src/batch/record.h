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

/* NULL with a message in err when the file cannot be created.  It is
 * written under a temporary name; replace: whether recorder_close() may
 * replace a file at path. */
struct recorder	*recorder_open(const char *path, int replace,
		    const struct tasklist *, char *err, size_t errlen);
struct event_sink recorder_sink(struct recorder *);
/* 1, once, with a message in err, when a write has failed (the recording
 * is then not saved); 0 otherwise.  For saying so while the run goes on. */
int		 recorder_poll_error(struct recorder *, char *err,
		     size_t errlen);
/* Flush, close and put the recording in place; -1 if anything failed to
 * be written (nothing is then saved) or it could not be put in place, with
 * a message in err, or err empty if recorder_poll_error() told it already. */
int		 recorder_close(struct recorder *, char *err, size_t errlen);
/* Drop the recording: the run did not start. */
void		 recorder_discard(struct recorder *);

#endif
