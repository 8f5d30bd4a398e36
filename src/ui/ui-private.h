/*
 * ui-private.h: what the screen's files share.  ui.c owns the terminal and
 * the loop; setup.c is the set-up screen; run.c the run screen's controller
 * (its source, its keys, its layout), drawing its panels through
 * timeline.c (the lanes), results.c (result order, summary, output) and
 * narrate.c (what just happened); compare.c is --compare's screen; keys.c
 * the key tables every screen dispatches, lists and explains through;
 * draw.c the glyphs, themes and small drawing helpers.
 */
#ifndef POOLSCOPE_UI_PRIVATE_H
#define POOLSCOPE_UI_PRIVATE_H

#include <curses.h>
#include <limits.h>
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
	/* Task blocks: a colour per chunk (black or white text on it), and
	 * the same colours as text for a running task's hatching. */
	C_CHUNK0, C_CHUNK1, C_CHUNK2, C_CHUNK3, C_CHUNK4, C_CHUNK5,
	C_HATCH0, C_HATCH1, C_HATCH2, C_HATCH3, C_HATCH4, C_HATCH5,
	C_CALLER,	/* the caller blocked */
	C_TICK,		/* a result reaching the caller */
	C_SENTINEL,	/* a stop sentinel (None) */
	C_NCOLORS
};
#define UI_NCHUNK_COLORS	6

struct ui_glyphs {
	const char	*h, *v, *tl, *tr, *bl, *br, *lt, *rt;	/* box drawing */
	const char	*full, *shade, *light, *dense;		/* blocks */
	const char	*bar_full, *bar_empty;
	const char	*arrow_up, *arrow_down, *ellipsis, *tick, *cross;
	const char	*respawn, *sentinel, *hatch, *edge, *pause;
	const char	*arrow_left, *arrow_right;
	const char	*heat[5];	/* empty to full */
};

enum ui_screen { SCREEN_SETUP, SCREEN_RUN };
enum ui_pane { PANE_WORKERS, PANE_RESULTS, PANE_OUTPUT, PANE_N };

/* What a key asks for, on any screen (keys.c maps keys to these). */
enum ui_action {
	ACT_NONE, ACT_QUIT, ACT_HELP, ACT_CANCEL,
	ACT_PAUSE, ACT_STEP, ACT_FASTER, ACT_SLOWER, ACT_KILL, ACT_RERUN, ACT_SETUP,
	ACT_EXPORT, ACT_UP, ACT_DOWN, ACT_LEFT, ACT_RIGHT, ACT_PGUP, ACT_PGDN, ACT_HOME,
	ACT_END, ACT_PANE, ACT_PANE_BACK, ACT_ZOOM_IN, ACT_ZOOM_OUT, ACT_FOLLOW, ACT_VIEW,
	ACT_PAN_BACK, ACT_PAN_ON,
	ACT_SEEK_BACK, ACT_SEEK_ON,
	/* the set-up screen */
	ACT_CHANGE_LESS, ACT_CHANGE_MORE, ACT_CHOOSE, ACT_START, ACT_EDIT,
	ACT_FILE, ACT_BACKSPACE, ACT_DIGIT
};
/* A key table entry that only explains (digits, the mouse): never read. */
#define UI_KEY_DOC	INT_MIN

/* When a key applies (a mask): the run screen's states. */
#define K_LIVE		0x01	/* a live run, going */
#define K_ENDED		0x02	/* a live run, over */
#define K_REPLAY	0x04	/* a recording played back */
#define K_PROGRAM	0x08	/* a live Python program, going */
#define K_RUN		(K_LIVE | K_ENDED | K_REPLAY | K_PROGRAM)
#define K_ALL		0xff

/* One key of a screen's table: the table drives the dispatch, the footer
 * (entries with a footer word, in order, while they fit) and the help
 * overlay (entries with help text; keys gives the keys' names there). */
struct ui_key {
	int		 key;
	int		 action;	/* enum ui_action */
	unsigned	 when;		/* K_* */
	const char	*fkey;		/* in the footer: the key, its word */
	const char	*fword;
	const char	*keys;		/* in the help: the keys, what they do */
	const char	*help;
};

/* A rectangle of the screen a panel was drawn in (h 0: not drawn). */
struct ui_rect {
	int	y, x, h, w;
};

/* The timeline's window on time (timeline.c). */
struct ui_view {
	uint64_t	 span;		/* ns the lanes show when zoomed; 0 fit */
	uint64_t	 t0;		/* first ns shown when not following */
	int		 follow;	/* keep now in view (else t0 holds) */
	int		 heat;		/* 1 heat map, 0 lanes, -1 by size */
	/* set by each frame */
	uint64_t	 a, dt;		/* first ns, ns per column */
	int		 lane_h;	/* rows per worker */
	int		 per_row;	/* workers per row (the heat map) */
	int		 nrows;		/* worker rows shown */
};

/* What just happened (narrate.c): the latest event, and the result it
 * brought the caller at once, if any; put in words when drawn. */
#define UI_LOG	64
struct ui_narration {
	/* The latest events, for the events pane when nothing was printed;
	 * the latest and its result are two of them (each event is copied
	 * once: a million-task run sends millions). */
	struct event	 log[UI_LOG];
	char		 logtext[UI_LOG][200];
	size_t		 nlog;		/* events ever logged */
	size_t		 ev_at, res_at;	/* which of them: ev_at is one of
					   the last two, res_at the last */
	int		 has_ev, has_res;
};

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
	int			 program;	/* the source is a Python
						   program: its pool's shape is
						   the model's */
	struct recorder		*recorder;	/* --record */
	struct model		 model;
	uint64_t		 started;	/* monotonic ns */
	uint64_t		 ended;		/* monotonic ns, 0 while running */
	int			 paused;
	int			 selected;	/* worker slot */
	int			 worker_top;	/* first worker row shown */
	int64_t			 cursor;	/* the task under the cursor; -1 */
	int			 focus;		/* enum ui_pane */
	size_t			 result_scroll;	/* 0: follow the newest */
	size_t			 output_scroll;	/* lines up from the newest */
	int			 confirm;	/* the action asked about (quit,
						   set-up) while running; 0 */
	int			 help;
	int			 status;	/* exit status of the run */
	struct ui_view		 view;
	size_t			 queue_first;	/* first chunk still queued */
	size_t			 queue_retried;	/* retries when it was found */
	struct ui_narration	 said;
	/* Where the last frame drew each part (for the mouse). */
	struct ui_rect		 r_table, r_lanes, r_results, r_output;
	char			 message[256];	/* a one-line notice */
	uint64_t		 message_until;
	int			 message_error;	/* it says what failed */
};

struct ui {
	struct options		 opts;
	char			*guide_tracer;	/* a lesson's programs' tracer */
	int			 utf8;
	int			 colors;	/* 0 none, 8, 16, 256 */
	const struct ui_glyphs	*g;
	int			 rows, cols;
	int			 top;		/* rows above the run screen:
						   caption, lesson bar */
	int			 too_small;
	int			 screen;	/* enum ui_screen */
	int			 dirty;
	int			 mouse_pending;	/* a mouse report came */
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
	int			 compare_help;
	int			 record_ours;	/* --record's file is what
						   an earlier run wrote */
	void			*setup;		/* setup.c's state */
};

/* draw.c */
void	 ui_draw_init(struct ui *);
int	 ui_attr(struct ui *, int color);
void	 ui_put(struct ui *, int y, int x, int width, int color, const char *);
void	 ui_put_attr(struct ui *, int y, int x, int width, int color,
	     int attr, const char *);
void	 ui_putf(struct ui *, int y, int x, int width, int color,
	     const char *, ...) __attribute__((format(printf, 6, 7)));
void	 ui_fill(struct ui *, int y, int x, int width, int color);
void	 ui_hline(struct ui *, int y, int x, int width, int color,
	     const char *title);
int	 ui_state_color(int state);
size_t	 ui_strwidth(const char *);
void	 ui_too_small(struct ui *);

/* keys.c */
const struct ui_key *ui_key_find(const struct ui_key *, int key,
		     unsigned when);
int		 ui_keys_footer(struct ui *, const struct ui_key *,
		     unsigned when, int y);
void		 ui_keys_help(struct ui *, const struct ui_key *,
		     unsigned when, const char *title);
const struct ui_key *ui_keys_glyphs(struct ui *, const struct ui_key *,
		     struct ui_key *copy, size_t n);

/* run.c */
struct ui_run	*ui_run_start(struct ui *, char *err, size_t errlen);
void		 ui_run_free(struct ui_run *);
void		 ui_run_draw(struct ui *);
int		 ui_run_key(struct ui *, int key);
void		 ui_run_mouse(struct ui *, MEVENT *);
int		 ui_run_live(struct ui *);	/* needs ticking redraws */
int		 ui_run_hold(struct ui *, int hold);	/* Ctrl-Z */
uint64_t	 ui_run_now(struct ui_run *);
/* A notice in the footer for a few seconds (an error for longer). */
void		 ui_run_notice(struct ui_run *, const char *, int error);
/* The run's event source, for the loop: an fd to poll (-1 none), the
 * timeout, and its work once woken. */
int		 ui_run_fd(struct ui *);
int		 ui_run_timeout(struct ui *);
void		 ui_run_process(struct ui *);
int		 ui_run_no_pool(const struct ui_run *);

/* timeline.c: the caller's lane, the queue, the workers' table and lanes
 * (or their heat map) and the time axis, in the rectangle given; and the
 * cursor's detail line. */
int		 ui_timeline_rows(struct ui *, struct ui_run *, int avail,
		     int min_rest, int share_rest);
void		 ui_timeline_draw(struct ui *, struct ui_run *, int top,
		     int rows, uint64_t now);
void		 ui_timeline_lane(struct ui *, struct ui_run *, int y, int x,
		     int w, int h, int slot, uint64_t a, uint64_t dt,
		     uint64_t now);
int		 ui_timeline_caller(struct ui *, struct ui_run *, int y, int x,
		     int w, uint64_t a, uint64_t dt, uint64_t now);
void		 ui_timeline_detail(struct ui *, struct ui_run *, char *,
		     size_t);
void		 ui_timeline_key(struct ui *, struct ui_run *, int action);
int		 ui_timeline_click(struct ui *, struct ui_run *, int y, int x);
int		 ui_chunk_color(const struct model *, size_t task);
/* The lane entry drawn in the cell [a, b): -1 none, -2 too dense. */
int64_t		 ui_lane_cell(const struct model *, const struct model_lane *,
		     uint64_t a, uint64_t b, uint64_t now);

/* results.c: the result order, the summary and the output pane. */
int		 ui_results_rows(struct ui *, struct ui_run *, int avail);
void		 ui_results_draw(struct ui *, struct ui_run *, int top,
		     int rows);
void		 ui_output_draw(struct ui *, struct ui_run *, int top,
		     int rows);
void		 ui_shorten(const char *, int width, const char *ellipsis,
		     char *, size_t);

/* narrate.c */
struct event_sink ui_narrate_sink(struct ui_run *);
void		 ui_narrate(struct ui_run *, char *, size_t);
/* Logged event i (0 the oldest kept) in words, and its time; 0 if none. */
int		 ui_narrate_log(struct ui_run *, size_t i, char *, size_t,
		     char *, size_t);
size_t		 ui_narrate_logged(struct ui_run *);
void		 ui_task_words(struct ui_run *, int64_t task, char *, size_t);
const char	*ui_caller_words(struct ui_run *, char *, size_t);
const char	*ui_caller_state(struct ui_run *, char *, size_t);

/* compare.c */
void		 ui_compare_draw(struct ui *, struct ui_run **, int);

/* ui.c */
void		 ui_start_run(struct ui *);
/* An output (what: "--record", "--trace"...) could not be written: msg in
 * the footer and on stderr; the exit status will be 3. */
void		 ui_output_error(struct ui *, const char *what, const char *msg);

/* guide.c: lessons */
/* The lesson's bar at row top (its caption too, unless the step is a
 * page that shows it whole); the rows it took. */
int		 ui_lesson_draw(struct ui *, int top, int caption);
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
