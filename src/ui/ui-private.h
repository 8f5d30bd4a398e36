/*
 * ui-private.h: what the screen's files share.  ui.c owns the terminal and
 * the loop; setup.c is the set-up screen; run.c the run screen; draw.c the
 * glyphs, colours and small drawing helpers.
 */
#ifndef POOLSCOPE_UI_PRIVATE_H
#define POOLSCOPE_UI_PRIVATE_H

#include <curses.h>
#include <stdint.h>

#include "engine/engine.h"
#include "source.h"
#include "model/model.h"
#include "tasks/tasks.h"
#include "options.h"

#define UI_MIN_COLS	80
#define UI_MIN_ROWS	24
#define UI_FRAME_NS	33000000u	/* at most ~30 frames a second */

/* Colour pairs (or, without colour, attributes that stand for them). */
enum ui_color {
	C_NORMAL = 1, C_TITLE, C_DIM, C_KEY, C_WARN, C_ERROR, C_OK,
	C_STARTING, C_IDLE, C_BUSY, C_PAUSED, C_EXITING, C_EXITED, C_CRASHED,
	C_TASK_A, C_TASK_B, C_TASK_C, C_TASK_D, C_TASK_FAIL, C_RECEIVED,
	C_WAITING, C_RUNNING, C_PENDING, C_SELECTED, C_BAR, C_FOCUS,
	C_NCOLORS
};

struct ui_glyphs {
	const char	*h, *v, *tl, *tr, *bl, *br, *lt, *rt;	/* box drawing */
	const char	*full, *shade, *light, *dense;		/* blocks */
	const char	*bar_full, *bar_empty;
	const char	*arrow_up, *arrow_down, *ellipsis, *tick, *cross;
	const char	*respawn;
};

enum ui_screen { SCREEN_SETUP, SCREEN_RUN };
enum ui_pane { PANE_WORKERS, PANE_RESULTS, PANE_OUTPUT, PANE_N };

struct run_sinks;
struct recorder;
struct lesson;
struct replay;

struct ui_run {
	struct engine_config	 cfg;
	struct run_sinks	*sinks;
	struct tasklist		*tl;		/* borrowed from the ui */
	struct source		 src;		/* a live pool, or a recording */
	int			 replaying;	/* the source is a recording */
	struct recorder		*recorder;	/* --record */
	struct model		 model;
	uint64_t		 started;	/* monotonic ns */
	uint64_t		 ended;		/* monotonic ns, 0 while running */
	int			 paused;
	int			 selected;	/* worker slot */
	int			 worker_top;	/* first worker row shown */
	int			 focus;		/* enum ui_pane */
	size_t			 result_scroll;	/* 0: follow the newest */
	size_t			 output_scroll;	/* lines up from the newest */
	int			 confirm_quit;
	int			 help;
	int			 status;	/* exit status of the run */
	uint64_t		 timeline_dt;	/* ns per lane column so far */
	char			 message[256];	/* a one-line notice */
	uint64_t		 message_until;
	int			 message_error;	/* it says what failed */
};

struct ui {
	struct options		 opts;
	int			 utf8;
	int			 colors;	/* 0 none, 8, 16, 256 */
	const struct ui_glyphs	*g;
	int			 rows, cols;
	int			 top;		/* rows above the run screen:
						   caption, lesson bar */
	int			 too_small;
	int			 screen;	/* enum ui_screen */
	int			 dirty;
	int			 quit;
	int			 exit_status;
	uint64_t		 last_frame;
	int			 sigfd;

	struct tasklist		*tl;		/* what the next run runs */
	struct tasklist		*cmdline_tl;	/* the command line's list */
	struct engine_config	 choice;	/* what the set-up screen chose */
	struct ui_run		*run;
	struct replay		*replay;	/* --replay: owned by main */
	struct lesson		*lesson;	/* --lesson: owned by main */
	size_t			 step;		/* the lesson's step shown */
	FILE			*cast;		/* --cast: what ncurses writes */
	struct ui_run		*compared[8];	/* --compare: finished runs */
	int			 ncompared;
	int			 compare_view;
	int			 record_ours;	/* --record's file is what
						   an earlier run wrote */
	void			*setup;		/* setup.c's state */
};

/* draw.c */
void	 ui_draw_init(struct ui *);
int	 ui_attr(struct ui *, int color);
void	 ui_put(struct ui *, int y, int x, int width, int color, const char *);
void	 ui_putf(struct ui *, int y, int x, int width, int color,
	     const char *, ...) __attribute__((format(printf, 6, 7)));
void	 ui_fill(struct ui *, int y, int x, int width, int color);
void	 ui_hline(struct ui *, int y, int x, int width, int color,
	     const char *title);
int	 ui_state_color(int state);
size_t	 ui_strwidth(const char *);
void	 ui_too_small(struct ui *);

/* run.c */
struct ui_run	*ui_run_start(struct ui *, char *err, size_t errlen);
void		 ui_run_free(struct ui_run *);
void		 ui_run_draw(struct ui *);
int		 ui_run_key(struct ui *, int key);
void		 ui_run_mouse(struct ui *, MEVENT *);
int		 ui_run_live(struct ui *);	/* needs ticking redraws */
int		 ui_run_hold(struct ui *, int hold);	/* Ctrl-Z */
void		 ui_compare_draw(struct ui *, struct ui_run **, int);
/* A notice in the footer for a few seconds (an error for longer). */
void		 ui_run_notice(struct ui_run *, const char *, int error);
/* The run's event source, for the loop: an fd to poll (-1 none), the
 * timeout, and its work once woken. */
int		 ui_run_fd(struct ui *);
int		 ui_run_timeout(struct ui *);
void		 ui_run_process(struct ui *);

/* ui.c */
void		 ui_start_run(struct ui *);
/* An output (what: "--record", "--trace"...) could not be written: msg in
 * the footer and on stderr; the exit status will be 3. */
void		 ui_output_error(struct ui *, const char *what, const char *msg);

/* guide.c: lessons */
int		 ui_lesson_draw(struct ui *, int top);
void		 ui_guide_page(struct ui *);
void		 ui_guide_goto(struct ui *, size_t);
int		 ui_guide_key(struct ui *, int key);
int		 ui_guide_ready(struct ui *);

/* setup.c */
void		 ui_setup_init(struct ui *);
void		 ui_setup_free(struct ui *);
void		 ui_setup_draw(struct ui *);
/* Returns 1 when the user asked to start a run (ui->tl and ui->choice
 * are then set), 2 to start the lesson now in ui->lesson, -1 to quit, 0
 * otherwise. */
int		 ui_setup_key(struct ui *, int key);
int		 ui_setup_mouse(struct ui *, MEVENT *);
/* Tell the set-up screen why a run could not start. */
void		 ui_setup_error(struct ui *, const char *);

#endif
