/*
 * ui.c: the terminal and the loop.
 *
 * One poll() holds the keyboard, a signalfd (SIGINT, SIGTERM, SIGHUP) and
 * the engine's fd; its timeout is the next frame, clock tick or engine
 * deadline, whichever is first, and none at all when nothing can change,
 * so an idle, paused or finished screen costs no CPU.  Frames are capped at
 * about 30 a second and drawn only when something changed; ncurses sends
 * only the cells that differ.
 *
 * The terminal is restored on every way out: q, the signals above, any
 * other signal whose default action would end poolscope (SA_RESETHAND
 * handlers that end curses and re-raise, so the exit status is still 128 +
 * the signal), and fatal()/exit paths (through util's fatal hook and
 * atexit).  SIGPIPE is ignored: a write to a pipe whose reader has gone is
 * an error like any other (the terminal itself going away is SIGHUP or
 * EIO), and so is SIGXFSZ (a file over RLIMIT_FSIZE is EFBIG).  Whatever was
 * written to stderr while curses owned the screen is kept in a temporary
 * file and shown once the terminal is back.
 *
 * An output that cannot be written (--record, --cast, the exports) is said
 * in the footer and on stderr, once; the screen goes on, and the exit status
 * is 3.
 */
#include "config.h"

#include <sys/ioctl.h>
#include <sys/signalfd.h>

#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <langinfo.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"
#include "outfile.h"
#include "lesson/lesson.h"
#include "ui/cast.h"
#include "ui/ui.h"
#include "ui/ui-private.h"

#include <term.h>	/* last: its capability macros (lines...) */

static volatile sig_atomic_t	ui_curses_active;
static FILE			*ui_cast;	/* --cast, closed after endwin */
static int			 ui_cast_told;	/* its write error was said */
static int			 ui_output_failed; /* exit status 3 */
static int			ui_saved_stderr = -1;
static FILE			*ui_captured;

/* Put stderr back on the terminal and show what was written meanwhile. */
static void
ui_release_stderr(void)
{
	char	buf[4096];
	size_t	n;

	if (ui_saved_stderr == -1)
		return;
	fflush(stderr);
	dup2(ui_saved_stderr, 2);
	close(ui_saved_stderr);
	ui_saved_stderr = -1;
	if (ui_captured != NULL) {
		rewind(ui_captured);
		while ((n = fread(buf, 1, sizeof buf, ui_captured)) > 0)
			if (write(2, buf, n) < 0)
				break;
		fclose(ui_captured);
		ui_captured = NULL;
	}
}

static void
ui_capture_stderr(void)
{
	if ((ui_captured = tmpfile()) == NULL)
		return;
	fflush(stderr);
	ui_saved_stderr = fcntl(2, F_DUPFD_CLOEXEC, 3);
	if (ui_saved_stderr == -1 || dup2(fileno(ui_captured), 2) == -1) {
		fclose(ui_captured);
		ui_captured = NULL;
		if (ui_saved_stderr != -1)
			close(ui_saved_stderr);
		ui_saved_stderr = -1;
	}
}

/* Leave curses; safe to call more than once and from any exit path. */
static void
ui_restore(void)
{
	if (ui_curses_active) {
		ui_curses_active = 0;
		endwin();
	}
	if (ui_cast != NULL) {
		char	err[600];

		if (cast_close(ui_cast, err, sizeof err) == -1) {
			ui_output_failed = 1;
			if (!ui_cast_told)
				fprintf(stderr, "poolscope: --cast: %s\n", err);
		}
		ui_cast = NULL;
	}
	outfile_finish_all();	/* a fatal error: no half-written file */
	ui_release_stderr();
}

void
ui_output_error(struct ui *ui, const char *what, const char *msg)
{
	char	line[700];

	/* stderr is kept while curses owns the terminal, shown after. */
	fprintf(stderr, "poolscope: %s: %s\n", what, msg);
	ui_output_failed = 1;
	snprintf(line, sizeof line, "%s: %s", what, msg);
	if (ui->run != NULL)
		ui_run_notice(ui->run, line, 1);
	else if (ui->screen == SCREEN_SETUP)
		ui_setup_error(ui, line);
	ui->dirty = 1;
}

/* A write to the cast failed: say so once; the screen goes on. */
static void
ui_cast_check(struct ui *ui)
{
	char	msg[600];
	int	e;

	if (ui->cast == NULL || ui_cast_told || (e = cast_error(ui->cast)) ==
	    0)
		return;
	ui_cast_told = 1;
	snprintf(msg, sizeof msg, "cannot write '%s': %s", ui->opts.cast,
	    strerror(e));
	ui_output_error(ui, "--cast", msg);
}

/* A signal that would end poolscope (a crash of its own, SIGUSR1, SIGXCPU
 * from a CPU limit...): give the terminal back, leave no half-written file,
 * say so, and die of the same signal (the workers follow through
 * PR_SET_PDEATHSIG). */
static void
ui_fatal_signal(int sig)
{
	char	msg[128];
	int	n;

	if (ui_curses_active) {
		ui_curses_active = 0;
		endwin();
	}
	if (ui_cast != NULL)
		cast_emergency_flush();
	outfile_finish_all();	/* the cast in place, other files removed */
	if (ui_saved_stderr != -1)
		dup2(ui_saved_stderr, 2);
	if (sigabbrev_np(sig) != NULL)
		n = snprintf(msg, sizeof msg, "poolscope: fatal signal %s; the "
		    "terminal has been restored\n", sigabbrev_np(sig));
	else	/* a real-time signal */
		n = snprintf(msg, sizeof msg, "poolscope: fatal signal %d; the "
		    "terminal has been restored\n", sig);
	if (n > 0 && write(2, msg, (size_t)n) < 0)
		_exit(128 + sig);
	raise(sig);
}

/*
 * Whether the terminal can hold the screen: it needs cursor addressing
 * (TERM=dumb, an Emacs shell buffer, a printing terminal have none).  Asked
 * of terminfo before anything is written or forked; a terminal type
 * terminfo does not know is left to newterm() to refuse.
 */
static int
ui_term_usable(void)
{
	const char	*cup;
	int		 err, ok = 1;

	if (setupterm(NULL, 1, &err) != OK)
		return 1;
	cup = tigetstr("cup");
	if (cup == NULL || cup == (char *)-1)
		ok = 0;
	del_curterm(cur_term);
	return ok;
}

static void
ui_resize(struct ui *ui)
{
	getmaxyx(stdscr, ui->rows, ui->cols);
	ui->too_small = ui->cols < UI_MIN_COLS || ui->rows < UI_MIN_ROWS;
	erase();
	ui->dirty = 1;
}

/*
 * Frame times, for the benchmark: POOLSCOPE_FRAME_STATS=FILE makes the
 * screen write, as it ends, how many frames it drew and how long they took
 * (building the frame and handing it to the terminal), from a histogram of
 * 10-microsecond buckets up to 100 ms.
 */
#define FRAME_BUCKETS	10001
static uint32_t	 frame_hist[FRAME_BUCKETS];
static int	 frame_on;
static uint64_t	 frame_n, frame_sum, frame_max;

static void
ui_frame_stat(uint64_t ns)
{
	uint64_t	b = ns / 10000;

	if (!frame_on)
		return;
	frame_hist[b < FRAME_BUCKETS - 1 ? b : FRAME_BUCKETS - 1]++;
	frame_n++;
	frame_sum += ns;
	if (ns > frame_max)
		frame_max = ns;
}

static double
ui_frame_pct(double pct)
{
	uint64_t	want = (uint64_t)(pct / 100 * frame_n), seen = 0;
	size_t		i;

	for (i = 0; i < FRAME_BUCKETS; i++)
		if ((seen += frame_hist[i]) > want)
			return (i + 1) * 0.01;
	return frame_max / 1e6;
}

static void
ui_frame_report(void)
{
	const char	*path = getenv("POOLSCOPE_FRAME_STATS");
	FILE		*f;

	if (!frame_on || path == NULL || (f = fopen(path, "w")) == NULL)
		return;
	fprintf(f, "frames %" PRIu64 " mean_ms %.3f p50_ms %.2f p99_ms %.2f "
	    "max_ms %.3f\n", frame_n, frame_n ? frame_sum / 1e6 / frame_n : 0,
	    ui_frame_pct(50), ui_frame_pct(99), frame_max / 1e6);
	fclose(f);
}

/* --compare's side-by-side screen. */
static const struct ui_key compare_keys[] = {
	{ 'r', ACT_RERUN, K_ALL, "r", "again", "r",
	    "run the task list in every call style again" },
	{ 'n', ACT_SETUP, K_ALL, "n", "setup", "n", "back to the set-up screen" },
	{ '?', ACT_HELP, K_ALL, "?", "help", "? F1", "this help" },
	{ KEY_F(1), ACT_HELP, K_ALL, NULL, NULL, NULL, NULL },
	{ 'q', ACT_QUIT, K_ALL, "q", "quit", "q F10", "quit" },
	{ 'Q', ACT_QUIT, K_ALL, NULL, NULL, NULL, NULL },
	{ KEY_F(10), ACT_QUIT, K_ALL, NULL, NULL, NULL, NULL },
	{ 0, ACT_NONE, 0, NULL, NULL, NULL, NULL }
};

static void
ui_draw(struct ui *ui)
{
	uint64_t	start = now_ns();
	int		x;

	ui->top = 0;
	if (ui->too_small)
		ui_too_small(ui);
	else if (ui->compare_view) {
		if (ui->opts.caption != NULL) {
			ui_putf(ui, 0, 0, ui->cols, C_TITLE, " %s",
			    ui->opts.caption);
			ui->top = 1;
		}
		ui_compare_draw(ui, ui->compared, ui->ncompared);
		x = ui_keys_footer(ui, compare_keys, K_ALL, ui->rows - 1);
		ui_put(ui, ui->rows - 1, x + 1, ui->cols - x - 1, C_DIM,
		    "one time axis: a shorter lane finished sooner");
		if (ui->compare_help)
			ui_keys_help(ui, compare_keys, K_ALL, "Keys");
	} else if (ui->screen == SCREEN_RUN && ui->run != NULL) {
		if (ui->opts.caption != NULL) {
			/* A title bar for recordings and slides. */
			ui_putf(ui, 0, 0, ui->cols, C_TITLE, " %s",
			    ui->opts.caption);
			ui->top = 1;
		}
		ui->top += ui_lesson_draw(ui, ui->top, 1);
		ui_run_draw(ui);
	} else if (ui->screen == SCREEN_RUN && ui->lesson != NULL) {
		ui->top = ui_lesson_draw(ui, 0, 0);
		ui_guide_page(ui);
	} else
		ui_setup_draw(ui);
	refresh();
	ui->dirty = 0;
	ui->last_frame = now_ns();
	ui_frame_stat(ui->last_frame - start);
}

/* Start a run from the set-up choice; stay on set-up if it cannot start. */
void
ui_start_run(struct ui *ui)
{
	char	err[512];

	if (ui->run != NULL) {
		ui_run_free(ui->run);
		ui->run = NULL;
	}
	ui->run = ui_run_start(ui, err, sizeof err);
	if (ui->run == NULL) {
		ui->screen = SCREEN_SETUP;
		ui_setup_error(ui, err);
	} else
		ui->screen = SCREEN_RUN;
	erase();
	ui->dirty = 1;
}

static void
ui_compare_clear(struct ui *ui)
{
	int	i;

	for (i = 0; i < ui->ncompared; i++)
		ui_run_free(ui->compared[i]);
	ui->ncompared = 0;
	ui->compare_view = 0;
}

/* --compare: start call style k of the list. */
static void
ui_compare_run(struct ui *ui, int k)
{
	ui->choice.mode = ui->opts.compare[k];
	ui->choice.chunksize = pool_chunked(ui->choice.mode) ?
	    ui->opts.chunksize : 0;
	ui_start_run(ui);
}


/* Keys of --compare: Space after each run goes on to the next call style,
 * and after the last shows them all side by side.  1 when handled. */
static int
ui_compare_key(struct ui *ui, int key)
{
	const struct ui_key	*k;

	if (ui->opts.ncompare == 0)
		return 0;
	if (ui->compare_view) {
		k = ui_key_find(compare_keys, key, K_ALL);
		if (ui->compare_help)
			ui->compare_help = 0;
		else if (k == NULL)
			;
		else if (k->action == ACT_RERUN) {
			ui_compare_clear(ui);
			ui_compare_run(ui, 0);
		} else if (k->action == ACT_SETUP) {
			ui_compare_clear(ui);
			ui->screen = SCREEN_SETUP;
		} else if (k->action == ACT_HELP)
			ui->compare_help = 1;
		else if (k->action == ACT_QUIT)
			ui->quit = 1;
		erase();
		return 1;
	}
	if (key != ' ' || ui->screen != SCREEN_RUN || ui->run == NULL)
		return 0;
	ui_run_live(ui);
	if (!ui->run->ended)
		return 0;
	if (ui->run->status != 0)
		ui->exit_status = 1;
	ui->compared[ui->ncompared++] = ui->run;
	ui->run = NULL;
	if (ui->ncompared < ui->opts.ncompare)
		ui_compare_run(ui, ui->ncompared);
	else
		ui->compare_view = 1;
	erase();
	return 1;
}

/* Leave the run for the set-up screen. */
static void
ui_to_setup(struct ui *ui)
{
	ui_run_live(ui);
	ui->exit_status = ui->run->ended ? ui->run->status : 1;
	ui_run_free(ui->run);
	ui->run = NULL;
	ui->screen = SCREEN_SETUP;
	erase();
}

static void
ui_key(struct ui *ui, int key)
{
	int	r;

	if (key == KEY_RESIZE) {
		ui_resize(ui);
		if (ui->cast != NULL)
			cast_resize(ui->cast, ui->cols, ui->rows);
		return;
	}
	if (ui->too_small) {
		if (key == 'q' || key == 'Q' || key == KEY_F(10))
			ui->quit = 1;
		return;
	}
	if (key == KEY_MOUSE) {
		MEVENT	me;

		/* ncurses may hold the rest of a report (a release after a
		 * press) where poll() cannot see it: look again soon. */
		ui->mouse_pending = 1;
		ui->dirty = 1;
		if (getmouse(&me) != OK || (me.bstate & BUTTON1_RELEASED))
			return;
		if (ui->screen == SCREEN_RUN && ui->run != NULL)
			ui_run_mouse(ui, &me);
		else if (ui->screen == SCREEN_SETUP &&
		    ui_setup_mouse(ui, &me) == 1)
			ui_start_run(ui);
		ui->dirty = 1;
		return;
	}
	if (ui_compare_key(ui, key)) {
		ui->dirty = 1;
		return;
	}
	if (ui->screen == SCREEN_RUN && ui_guide_key(ui, key)) {
		ui->dirty = 1;
		return;
	}
	if (ui->screen == SCREEN_RUN && ui->run == NULL) {
		if (key == 'q' || key == 'Q' || key == KEY_F(10))
			ui->quit = 1;	/* a lesson page */
		return;
	}
	if (ui->screen == SCREEN_RUN) {
		r = ui_run_key(ui, key);
		if (r == ACT_QUIT)
			ui->quit = 1;
		else if (r == ACT_RERUN)
			ui_start_run(ui);
		else if (r == ACT_SETUP)
			ui_to_setup(ui);
	} else {
		r = ui_setup_key(ui, key);
		if (r == 2)
			ui_guide_goto(ui, 0);	/* a lesson chosen on set-up */
		else if (r == 1)
			ui_start_run(ui);
		else if (r == -1)
			ui->quit = 1;
	}
	ui->dirty = 1;
}

/*
 * Ctrl-Z: the pool stops with poolscope (a live run is paused as Space
 * would, so its workers stop too and --timeout does not count the stop),
 * the terminal is given back, and on fg the screen comes back whole and the
 * run goes on as it was.  Where the stop is discarded (no job control), it
 * is all over at once.
 */
static void
ui_suspend(struct ui *ui)
{
	int	held = ui_run_hold(ui, 1);

	endwin();
	util_suspend();
	/* Continued: take the terminal back, whatever it did meanwhile. */
	refresh();
	clearok(curscr, TRUE);
	ui_resize(ui);
	if (held)
		ui_run_hold(ui, 0);
	ui->dirty = 1;
}

/* How long poll() may sleep: the next engine deadline, the next frame if
 * something is waiting to be drawn, the next clock tick while a run is
 * live; -1 when nothing at all can change. */
static int
ui_timeout(struct ui *ui)
{
	uint64_t	now = now_ns(), next;
	int		t = -1, f;

	t = ui_run_timeout(ui);
	if (t == 0)
		return 0;
	if (ui->mouse_pending) {
		ui->mouse_pending = 0;
		if (t < 0 || t > 20)
			t = 20;
	}
	if (ui->dirty) {
		next = ui->last_frame + UI_FRAME_NS;
		f = next > now ? (int)((next - now + 999999) / 1000000) : 0;
		if (t < 0 || f < t)
			t = f;
	}
	if (ui->screen == SCREEN_RUN && ui_run_live(ui) && !ui->too_small &&
	    (t < 0 || t > 100))
		t = 100;	/* the elapsed-time clock */
	return t;
}

/* The screen's one loop: the keyboard, the signals, the run's source (its
 * fd and deadlines, source.h) and the frames, until the user quits or a
 * signal stops it; the signal, or 0. */
static int
ui_loop(struct ui *ui)
{
	struct pollfd		 pfd[3];
	struct signalfd_siginfo	 si;
	int			 key, n, timeout, nfd;

	while (!ui->quit) {
		if (ui->dirty && now_ns() >= ui->last_frame + UI_FRAME_NS)
			ui_draw(ui);
		timeout = ui_timeout(ui);
		nfd = 0;
		pfd[nfd].fd = 0;
		pfd[nfd++].events = POLLIN;
		pfd[nfd].fd = ui->sigfd;
		pfd[nfd++].events = POLLIN;
		if (ui_run_fd(ui) != -1) {
			pfd[nfd].fd = ui_run_fd(ui);
			pfd[nfd++].events = POLLIN;
		}
		n = poll(pfd, nfd, timeout);
		if (n == -1 && errno != EINTR)
			fatal("poll");
		if (read(ui->sigfd, &si, sizeof si) == sizeof si) {
			if (si.ssi_signo == SIGTSTP) {
				ui_suspend(ui);
				continue;
			}
			return (int)si.ssi_signo;
		}
		ui_run_process(ui);
		if (ui->screen == SCREEN_RUN && ui_run_live(ui))
			ui->dirty = 1;
		while ((key = getch()) != ERR)
			ui_key(ui, key);
		ui_cast_check(ui);
	}
	return 0;
}

/* Home and End as the common terminals send them, whatever the terminfo
 * entry says (a Linux console, rxvt, tmux or screen under TERM=xterm,
 * xterm outside keypad mode), so they work in all of them. */
static void
ui_define_keys(void)
{
	static const struct {
		const char	*seq;
		int		 key;
	} keys[] = {
		{ "\033[1~", KEY_HOME }, { "\033[7~", KEY_HOME },
		{ "\033[H", KEY_HOME }, { "\033OH", KEY_HOME },
		{ "\033[4~", KEY_END }, { "\033[8~", KEY_END },
		{ "\033[F", KEY_END }, { "\033OF", KEY_END },
	};
	size_t	i;

	for (i = 0; i < sizeof keys / sizeof keys[0]; i++)
		if (key_defined(keys[i].seq) == 0)
			define_key(keys[i].seq, keys[i].key);
}

/* Take the terminal: the signals the loop reads, the handlers that give
 * it back, the cast, curses and its colours.  0, or 2 with a message. */
static int
ui_term_start(struct ui *ui, const struct options *o)
{
	sigset_t	set;

	setlocale(LC_ALL, "");
	ui->utf8 = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTSTP);	/* Ctrl-Z: ui_suspend() */
	sigprocmask(SIG_BLOCK, &set, NULL);
	if ((ui->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK)) == -1)
		fatal("signalfd");

	signal(SIGPIPE, SIG_IGN);
	frame_on = getenv("POOLSCOPE_FRAME_STATS") != NULL;
	ui_capture_stderr();
	util_set_fatal_hook(ui_restore);
	atexit(ui_restore);
	util_fatal_signals(ui_fatal_signal);
	if (o->cast != NULL) {
		struct winsize	ws;
		char		err[512];

		if (ioctl(1, TIOCGWINSZ, &ws) != 0 || ws.ws_col == 0) {
			ws.ws_col = 80;
			ws.ws_row = 24;
		}
		if ((ui->cast = cast_open(o->cast, o->force, 1, ws.ws_col,
		    ws.ws_row, o->caption ? o->caption : "poolscope", err,
		    sizeof err)) == NULL) {
			ui_restore();
			fprintf(stderr, "poolscope: --cast: %s\n", err);
			return 2;
		}
		ui_cast = ui->cast;
	}
	if (newterm(NULL, ui->cast ? ui->cast : stdout, stdin) == NULL) {
		if (ui->cast != NULL)
			cast_discard(ui->cast);	/* nothing to keep */
		ui_cast = NULL;
		ui_restore();
		fprintf(stderr, "poolscope: cannot start the screen on terminal "
		    "type '%s'; set TERM or use --batch\n",
		    getenv("TERM") ? getenv("TERM") : "");
		return 2;
	}
	ui_curses_active = 1;
	cbreak();
	noecho();
	nonl();
	intrflush(stdscr, FALSE);
	keypad(stdscr, TRUE);
	ui_define_keys();
	/* Every frame is drawn whole: without this, ncurses stops an update
	 * when input is waiting, and a paused screen (no further frames)
	 * would keep the half-drawn one. */
	typeahead(-1);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	mousemask(BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON1_RELEASED |
	    BUTTON4_PRESSED | BUTTON5_PRESSED, NULL);
	mouseinterval(0);
	if (!o->no_color && o->theme != THEME_MONO && getenv("NO_COLOR") ==
	    NULL && has_colors()) {
		start_color();
		ui->colors = COLORS >= 256 ? 256 : COLORS >= 16 ? 16 : 8;
	}
	ui_draw_init(ui);
	getmaxyx(stdscr, ui->rows, ui->cols);
	ui->too_small = ui->cols < UI_MIN_COLS || ui->rows < UI_MIN_ROWS;
	return 0;
}

int
ui_main(const struct options *o, struct tasklist *tl, struct replay *rp,
    struct lesson *lesson)
{
	struct ui		 ui;
	int			 stop_sig, rc;

	if (!isatty(0) || !isatty(1)) {
		fprintf(stderr, "poolscope: the screen needs a terminal on "
		    "standard input and output; use --batch to run without "
		    "one\n");
		return 2;
	}
	if (!ui_term_usable()) {
		fprintf(stderr, "poolscope: the terminal '%s' cannot draw the "
		    "screen (it has no cursor addressing); use --batch, or set "
		    "TERM to your terminal's type\n", getenv("TERM"));
		return 2;
	}
	memset(&ui, 0, sizeof ui);
	ui.opts = *o;
	ui.tl = tl;
	ui.replay = rp;
	ui.lesson = lesson;
	options_engine_config(o, &ui.choice);

	if ((rc = ui_term_start(&ui, o)) != 0)
		return rc;
	ui.cmdline_tl = tl;

	ui_setup_init(&ui);
	if (ui.lesson != NULL)
		ui_guide_goto(&ui, 0);
	else if (o->ncompare > 0 && ui.tl != NULL && ui.tl->n > 0)
		ui_compare_run(&ui, 0);
	else if (ui.replay != NULL || o->command != NULL || (o->autostart &&
	    ui.tl != NULL &&
	    (ui.tl->n > 0 || o->taskfile != NULL || o->tasks_inline != NULL)))
		ui_start_run(&ui);	/* an empty list given runs nothing */
	else
		ui.screen = SCREEN_SETUP;
	ui.dirty = 1;

	stop_sig = ui_loop(&ui);

	/* Reap every worker before the terminal comes back. */
	if (ui.run != NULL) {
		/* A run left before its end did not succeed. */
		ui_run_live(&ui);
		ui.exit_status = ui.run->ended ? ui.run->status : 1;
		ui_run_free(ui.run);
		ui.run = NULL;
	}
	ui_compare_clear(&ui);
	ui_setup_free(&ui);
	free(ui.guide_tracer);
	ui_restore();
	ui_frame_report();
	close(ui.sigfd);
	if (stop_sig != 0)
		return 128 + stop_sig;
	return ui_output_failed ? 3 : ui.exit_status;
}
