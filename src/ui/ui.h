/*
 * ui.h: the curses front end (the only layer that includes curses).
 */
#ifndef POOLSCOPE_UI_H
#define POOLSCOPE_UI_H

struct options;
struct tasklist;
struct replay;
struct lesson;

/* Run the screen: the set-up screen (or, with --autostart, straight into
 * a run of tl) and the run screen.  Returns the exit status.  tl may be
 * empty (no task list given); the screen owns it from here on.  With rp
 * (a recording opened by --replay) the run screen plays it back. */
int	ui_main(const struct options *, struct tasklist *tl, struct replay *rp,
	    struct lesson *);

#endif
