/*
 * replay.h: --replay FILE.  A recording is read and checked whole, then
 * played into an event sink at the recorded pace (scaled), with pause,
 * step, seek and speed: the same consumers as a live run see the same
 * events, so a lecture looks the same on any machine.
 */
#ifndef POOLSCOPE_REPLAY_H
#define POOLSCOPE_REPLAY_H

#include <stddef.h>
#include <stdint.h>

#include "engine/event.h"

struct replay;
struct tasklist;

/* Read and check a recording; NULL with "FILE:LINE: what" in err. */
struct replay	*replay_open(const char *path, char *err, size_t errlen);
void		 replay_free(struct replay *);
struct tasklist	*replay_tasklist(struct replay *);
const struct run_info *replay_run_info(struct replay *);
/* The recorded run's length, ns. */
uint64_t	 replay_length(struct replay *);

/* Start playing into sink; scale 1 is the recorded pace, 0.5 twice as
 * fast. */
void		 replay_start(struct replay *, const struct event_sink *,
		    double scale);
/* ms until the next event is due, 0 if one is due now, -1 for none. */
int		 replay_prepare_wait(struct replay *);
void		 replay_process(struct replay *);
int		 replay_finished(struct replay *);
/* Play no more (a signal stopped the run). */
void		 replay_stop(struct replay *);
void		 replay_pause(struct replay *, int paused);
int		 replay_paused(struct replay *);
/* Play up to the next task end or result, then stay paused. */
void		 replay_step(struct replay *);
/* Jump by delta ns (back means playing again from the start, at once). */
void		 replay_seek(struct replay *, int64_t delta);
void		 replay_set_scale(struct replay *, double);
double		 replay_scale(struct replay *);
uint64_t	 replay_position(struct replay *);
/* As the recorded run: 0 all ok, 1 otherwise. */
int		 replay_exit_status(struct replay *);

#endif
