/*
 * run.c: the run screen's controller.  It starts a source (a live pool or a
 * recording), folds its events into a model (and into the narration of what
 * just happened), lays the screen out (the header, the caller's sentence,
 * what just happened, the timeline, the result order, the summary and the
 * output) and turns keys, through one table, into source commands (pause,
 * step, kill, speed) or view changes; the screen never touches a worker
 * process itself.  The panels draw themselves: timeline.c, results.c.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <time.h>

#include "util.h"
#include "outfile.h"
#include "batch/record.h"
#include "export/export.h"
#include "replay/replay.h"
#include "source.h"
#include "batch/driver.h"
#include "ui/ui-private.h"

struct run_sinks {
	struct event_fanout	 fan;
	struct ui		*ui;
};

struct ui_run *
ui_run_start(struct ui *ui, char *err, size_t errlen)
{
	struct ui_run		*r;
	struct run_sinks	*rs;
	struct event_sink	 s, sink;
	const struct run_info	*ri;

	/* An empty list from the command line runs (as Pool.map(f, [])
	 * does); on the set-up screen it is one not picked yet. */
	if (ui->replay == NULL && ui->opts.command == NULL && (ui->tl == NULL ||
	    (ui->tl->n == 0 && ui->tl != ui->cmdline_tl))) {
		snprintf(err, errlen, "no tasks to run: pick or type a task list");
		return NULL;
	}
	r = xcalloc(1, sizeof *r);
	rs = xcalloc(1, sizeof *rs);
	r->sinks = rs;
	if (ui->replay != NULL) {
		r->replaying = 1;
		r->src = source_replay(ui->replay, ui->choice.time_scale);
		r->tl = replay_tasklist(ui->replay);
		ri = replay_run_info(ui->replay);
		r->cfg.workers = ri->workers;
		r->cfg.mode = ri->mode;
		r->cfg.chunksize = ri->chunksize;
		r->cfg.time_scale = ui->choice.time_scale;
	} else if (ui->opts.command != NULL) {
		r->program = 1;
		r->cfg = ui->choice;
		r->cfg.time_scale = 1;	/* its own speed, whatever was set */
		r->src = source_python(ui->opts.command, ui->opts.tracer, 0,
		    ui->opts.timeout_ms);
		/* The source grows it; the screen only reads it. */
		r->tl = (struct tasklist *)r->src.ops->tasklist(r->src.arg);
	} else {
		r->tl = ui->tl;
		r->cfg = ui->choice;
		r->src = source_engine(&r->cfg, r->tl);
	}
	model_init(&r->model);
	model_keep_views(&r->model);
	rs->ui = ui;
	s = model_sink(&r->model);
	event_fanout_add(&rs->fan, &s);
	s = ui_narrate_sink(r);
	event_fanout_add(&rs->fan, &s);
	r->cursor = -1;
	r->view.follow = 1;
	r->view.heat = -1;
	if (ui->opts.record != NULL && !r->replaying) {
		/* A task file picked on the set-up screen is not overwritten
		 * (the command line's was checked before the screen). */
		if (r->tl->name != NULL && outfile_same(ui->opts.record,
		    r->tl->name)) {
			snprintf(err, errlen, "--record: '%s' is the task list "
			    "this run reads; give --record another name",
			    ui->opts.record);
			ui_run_free(r);
			return NULL;
		}
		/* Replaced only with --force, or if an earlier run of this
		 * screen wrote it. */
		if ((r->recorder = recorder_open(ui->opts.record,
		    ui->opts.force || ui->record_ours, r->tl, err,
		    errlen)) == NULL) {
			ui_run_free(r);
			return NULL;
		}
		s = recorder_sink(r->recorder);
		event_fanout_add(&rs->fan, &s);
	}
	sink = event_fanout_sink(&rs->fan);
	r->started = now_ns();
	r->focus = PANE_WORKERS;
	if (r->src.ops->start(r->src.arg, &sink, err, errlen) != 0) {
		recorder_discard(r->recorder);	/* nothing ran */
		r->recorder = NULL;
		ui_run_free(r);
		return NULL;
	}
	return r;
}

/* Put the recording in place (the run is over, or left: either way it
 * ends with a run_end), or say why it could not be. */
static void
run_record_close(struct ui *ui, struct ui_run *r)
{
	char	err[600];

	if (r->recorder == NULL)
		return;
	if (recorder_close(r->recorder, err, sizeof err) == 0)
		ui->record_ours = 1;
	else if (err[0] != '\0')
		ui_output_error(ui, "--record", err);
	r->recorder = NULL;
}

/* A write to the recording failed while the run goes on: say so now. */
static void
run_record_check(struct ui *ui, struct ui_run *r)
{
	char	err[600];

	if (recorder_poll_error(r->recorder, err, sizeof err))
		ui_output_error(ui, "--record", err);
}

void
ui_run_free(struct ui_run *r)
{
	if (r == NULL)
		return;
	source_free(&r->src);	/* a live pool: kills and reaps what is left */
	if (r->recorder != NULL)
		run_record_close(r->sinks->ui, r);
	model_free(&r->model);
	free(r->sinks);
	free(r);
}

/* The run's source, and a call of one of its operations. */
#define SRC(r, op, ...)	((r)->src.ops->op((r)->src.arg, ##__VA_ARGS__))

static int
run_source_finished(struct ui_run *r)
{
	return r->src.ops == NULL || SRC(r, finished);
}

int
ui_run_fd(struct ui *ui)
{
	struct ui_run	*r = ui->run;

	if (r == NULL || run_source_finished(r))
		return -1;
	return SRC(r, fd);
}

int
ui_run_timeout(struct ui *ui)
{
	struct ui_run	*r = ui->run;

	if (r == NULL || run_source_finished(r))
		return -1;
	return SRC(r, prepare_wait);
}

void
ui_run_process(struct ui *ui)
{
	struct ui_run	*r = ui->run;

	uint64_t	 seen;

	if (r == NULL || run_source_finished(r))
		return;
	/* Anything new to draw?  (The model counts the events it takes:
	 * cheaper than a sink called for each of a million events.) */
	seen = r->model.nevents;
	SRC(r, process);
	if (r->model.nevents != seen)
		ui->dirty = 1;
	run_record_check(ui, r);
}

/* Pause a live run that is not paused (hold 1; returns 1 if it did), or
 * resume one so paused (hold 0): for Ctrl-Z, as Space would. */
int
ui_run_hold(struct ui *ui, int hold)
{
	struct ui_run	*r = ui->run;

	if (r == NULL || r->ended || r->paused == hold)
		return 0;
	if (!r->replaying && run_source_finished(r))
		return 0;
	r->paused = hold;
	SRC(r, pause, hold);
	return 1;
}

/* Nanoseconds of pool time now (the model's clock): it stands still
 * while paused, and once the run is over. */
uint64_t
ui_run_now(struct ui_run *r)
{
	if (r->replaying)
		return SRC(r, now);
	if (r->ended)
		return r->model.run.wall_ns;
	return SRC(r, now);
}

int
ui_run_live(struct ui *ui)
{
	struct ui_run	*r = ui->run;

	if (r == NULL)
		return 0;
	if (!r->ended && run_source_finished(r) && r->model.ended) {
		r->ended = now_ns();
		r->status = SRC(r, exit_status);
		r->confirm = 0;
		ui->dirty = 1;
		run_record_check(ui, r);
		run_record_close(ui, r);	/* whole: in place now */
	}
	return !r->ended && (!r->paused || SRC(r, stepping));
}


/* Sum of busy time, counting the part of each running task so far. */
static uint64_t
run_busy(struct ui_run *r, uint64_t now)
{
	struct model	*m = &r->model;
	uint64_t	 busy = 0;
	int		 i;

	if (r->ended)
		return m->run.busy_ns;
	for (i = 0; i < m->nworkers; i++) {
		busy += m->workers[i].busy_ns;
		if (m->workers[i].task >= 0 && now > m->workers[i].task_start)
			busy += now - m->workers[i].task_start;
	}
	return busy;
}

/* The run's state in the header: running, PAUSED, a step, its end. */
static const char *
run_state(struct ui_run *r, char *buf, size_t len, int shortly)
{
	struct model	*m = &r->model;
	int64_t		 let_go = -1, ended_by = -1;

	if (r->ended)
		return r->status == 0 ? "finished" :
		    run_info_unfinished(&m->run) ? "stopped" : shortly ?
		    "failures" : "finished, with failures";
	SRC(r, step_tasks, &let_go, &ended_by);
	if (SRC(r, stepping)) {
		/* A step: which task it let start. */
		if (let_go >= 0)
			snprintf(buf, len, "step: task %" PRId64 " started",
			    let_go);
		else
			snprintf(buf, len, "stepping");
		return buf;
	}
	if (r->paused && ended_by >= 0) {
		if (let_go >= 0)
			snprintf(buf, len, "PAUSED (step: task %" PRId64 ")",
			    let_go);
		else
			snprintf(buf, len, "PAUSED (step)");
		return buf;
	}
	return r->paused ? "PAUSED" : "running";
}

/* A program in a word or two, for the header: its script's name
 * ("pool_map.py"), "-m module", or its command's. */
static const char *
run_program_name(const char *cmd, char *buf, size_t len)
{
	const char	*w, *end, *slash;
	int		 dash_m = 0;

	for (w = cmd; *w != '\0'; w = *end ? end + 1 : end) {
		end = strchr(w, ' ');
		if (end == NULL)
			end = w + strlen(w);
		if (dash_m || (end - w > 3 && strncmp(end - 3, ".py", 3) == 0)) {
			for (slash = w; (slash = memchr(w, '/', (size_t)(end -
			    w))) != NULL; w = slash + 1)
				;
			snprintf(buf, len, "%s%.*s", dash_m ? "-m " : "",
			    (int)(end - w), w);
			return buf;
		}
		dash_m = end - w == 2 && strncmp(w, "-m", 2) == 0;
	}
	snprintf(buf, len, "%s", cmd);
	return buf;
}

/* A program that has not made a pool (yet): no style, no size, no
 * worker to draw. */
int
ui_run_no_pool(const struct ui_run *r)
{
	return r->program && (!r->model.started || r->model.run.workers == 0);
}

/* The header: the call style, the pool against the processors (saying
 * when it is oversubscribed, always), the pool clock and the state; the
 * longer words give way first where the width runs short. */
static void
run_draw_title(struct ui *ui, struct ui_run *r, uint64_t now)
{
	char		 el[32], buf[256], st[96], pool[64], prog[96];
	int		 w = ui->cols, len = 0, v, cpus, nw = r->cfg.workers;
	int		 nopool = ui_run_no_pool(r);
	const char	*state = "", *name, *progname = "poolscope";

	util_format_duration(now, el, sizeof el);
	cpus = r->model.run.cpus ? r->model.run.cpus : util_cpu_count();
	if (r->program && r->model.started)
		progname = run_program_name(r->model.run.command, prog,
		    sizeof prog);
	else if (r->program && ui->opts.command != NULL) {
		/* Not started yet: the command line says its name. */
		char	cmd[256];

		util_join_argv(ui->opts.command, cmd, sizeof cmd);
		progname = run_program_name(cmd, prog, sizeof prog);
	}
	/* Full; the pool in short; without the program's name; both; the
	 * state in short too. */
	for (v = 0; v < 5; v++) {
		state = run_state(r, st, sizeof st, v >= 4);
		/* A program keeps its name: the style gives way first. */
		name = v < 2 || r->program ? (r->replaying ? "poolscope replay" :
		    progname) : r->replaying ? "replay" : "";
		if (nopool)
			snprintf(pool, sizeof pool, "no pool / %d cpu%s", cpus,
			    cpus == 1 ? "" : "s");
		else if (v == 0 || v == 2)
			snprintf(pool, sizeof pool, "%d worker%s / %d cpu%s", nw,
			    nw == 1 ? "" : "s", cpus, cpus == 1 ? "" : "s");
		else
			snprintf(pool, sizeof pool, "%dw/%dcpu", nw, cpus);
		len = snprintf(buf, sizeof buf, " %s%s%s%s%s%s  %s  ", name,
		    *name ? "  " : "", nopool ? "" : pool_mode_name(r->cfg.mode),
		    nopool ? "" : "  ", pool,
		    nw > cpus && !nopool ? " (oversubscribed)" : "", el);
		if (len + (int)strlen(state) <= w)
			break;
	}
	if (len >= w)
		len = w;
	ui_put(ui, ui->top, 0, len, C_SELECTED, buf);
	ui_put(ui, ui->top, len, w - len, r->paused && !r->ended ? C_PAUSED :
	    C_SELECTED, state);
}

/* The progress bar and figures: no rate and no speedup before a task has
 * finished (there is nothing yet to measure). */
static void
run_draw_progress(struct ui *ui, struct ui_run *r, uint64_t now)
{
	struct model	*m = &r->model;
	char		 buf[256], bar[512], figs[96];
	size_t		 fin = m->ndone + m->nfailed;
	double		 secs = now / 1e9;
	int		 w = ui->cols, barw, filled, i, len, y = ui->top + 1;

	if (fin > 0)
		snprintf(figs, sizeof figs, "%.0f tasks/s  speedup %.2fx",
		    secs > 0 ? fin / secs : 0, now > 0 ?
		    (double)run_busy(r, now) / now : 0);
	else
		snprintf(figs, sizeof figs, "- tasks/s  speedup -");
	len = snprintf(buf, sizeof buf, " %zu/%zu done", fin, m->ntasks);
	if (m->nfailed)
		len += snprintf(buf + len, sizeof buf - len, ", %zu failed",
		    m->nfailed);
	if (m->nskipped)
		len += snprintf(buf + len, sizeof buf - len, ", %zu never ran",
		    m->nskipped);
	/* A program runs at its own speed: no time scale of poolscope's. */
	if (r->program)
		len += snprintf(buf + len, sizeof buf - len, "  %s", figs);
	else
		len += snprintf(buf + len, sizeof buf - len, "  %s  time x%g",
		    figs, r->cfg.time_scale);
	if (m->run.pace_ms > 0)
		snprintf(buf + len, sizeof buf - len, "  paced %d ms",
		    m->run.pace_ms);
	barw = w - (int)strlen(buf) - 3;
	if (barw > 40)
		barw = 40;
	if (barw < 10)
		barw = 10;
	/* The bar: tasks with an outcome, those that never ran included. */
	filled = m->ntasks ? (int)((double)(fin + m->nskipped) * barw /
	    m->ntasks) : 0;
	bar[0] = '\0';
	for (i = 0; i < barw; i++)
		strlcat(bar, i < filled ? ui->g->bar_full : ui->g->bar_empty,
		    sizeof bar);
	ui_put(ui, y, 0, 1, C_NORMAL, "");
	ui_put(ui, y, 1, barw, C_BAR, bar);
	ui_put(ui, y, barw + 1, w - barw - 1, m->nfailed ? C_WARN : C_NORMAL,
	    buf);
}

/* What the caller does now; then what just happened (or, with the
 * cursor on a block, all about that block). */
static void
run_draw_words(struct ui *ui, struct ui_run *r, int y)
{
	char	buf[512], line[512];

	ui_put(ui, y, 0, 1, C_NORMAL, "");
	ui_put(ui, y, 1, ui->cols - 1, C_KEY, ui_caller_words(r, buf,
	    sizeof buf));
	if (r->cursor >= 0) {
		ui_timeline_detail(ui, r, buf, sizeof buf);
		ui_put(ui, y + 1, 0, 8, C_SELECTED, " cursor");
	} else {
		ui_narrate(r, buf, sizeof buf);
		ui_put(ui, y + 1, 0, 8, C_DIM, " latest");
	}
	ui_put(ui, y + 1, 8, 1, C_NORMAL, "");
	ui_shorten(buf, ui->cols - 9, ui->g->ellipsis, line, sizeof line);
	ui_put(ui, y + 1, 9, ui->cols - 9, r->cursor >= 0 ? C_TITLE :
	    C_NORMAL, line);
}

/* Processes that could not be made (fork failed): how many and why. */
static void
run_draw_spawn_warning(struct ui *ui, struct ui_run *r, int y)
{
	struct model	*m = &r->model;
	const char	*why = strchr(m->spawn_error, '(');
	char		 buf[400];

	if (r->cfg.mode == MODE_PROCESS)
		snprintf(buf, sizeof buf, " ! a process could not start %s%s; "
		    "at most %d run at a time", why ? "" : ": ",
		    why ? why : m->spawn_error, m->spawn_live);
	else
		snprintf(buf, sizeof buf, " ! %zu of %d workers could not start "
		    "%s%s", m->nspawn_fails, m->nworkers, why ? "" : ": ",
		    why ? why : m->spawn_error);
	ui_put(ui, y, 0, ui->cols, C_WARN, buf);
}

/* ----------------------------------------------------------------- keys */

static const struct ui_key run_keys[] = {
	{ ' ', ACT_PAUSE, K_LIVE | K_REPLAY | K_PROGRAM, "Spc", "pause",
	    "Space",
	    "pause / resume: workers really stop; the pool clock too" },
	{ 's', ACT_STEP, K_LIVE | K_REPLAY, "s", "step", "s",
	    "step: one more task may start, then pause when one ends" },
	{ 'k', ACT_KILL, K_LIVE | K_PROGRAM, "k", "kill", "k",
	    "kill the selected worker (SIGKILL): its task fails" },
	{ '+', ACT_FASTER, K_LIVE | K_REPLAY, "+-", "faster/slower", "+ -",
	    "faster / slower: halve or double the sleeps from now on" },
	{ '=', ACT_FASTER, K_LIVE | K_REPLAY, NULL, NULL, NULL, NULL },
	{ '-', ACT_SLOWER, K_LIVE | K_REPLAY, NULL, NULL, NULL, NULL },
	{ '_', ACT_SLOWER, K_LIVE | K_REPLAY, NULL, NULL, NULL, NULL },
	{ '[', ACT_SEEK_BACK, K_REPLAY, "[]", "seek", "[ ]",
	    "a tenth of the recording back / on" },
	{ ']', ACT_SEEK_ON, K_REPLAY, NULL, NULL, NULL, NULL },
	{ 'r', ACT_RERUN, K_REPLAY, "r", "restart", "r",
	    "play the recording again from its start" },
	{ KEY_UP, ACT_UP, K_RUN, "\x01", "worker", "Up Down",
	    "select a worker (or scroll the focused pane)" },
	{ KEY_DOWN, ACT_DOWN, K_RUN, NULL, NULL, NULL, NULL },
	{ KEY_LEFT, ACT_LEFT, K_RUN, "\x02", "task", "Left Right",
	    "a cursor on its tasks: line 4 tells all; Esc hides it" },
	{ KEY_RIGHT, ACT_RIGHT, K_RUN, NULL, NULL, NULL, NULL },
	{ 'z', ACT_ZOOM_IN, K_RUN, "z", "zoom", "z Z f",
	    "zoom the timeline in / out; f: fit it all, follow now" },
	{ 'Z', ACT_ZOOM_OUT, K_RUN, NULL, NULL, NULL, NULL },
	{ 'f', ACT_FOLLOW, K_RUN, NULL, NULL, NULL, NULL },
	{ '<', ACT_PAN_BACK, K_RUN, NULL, NULL, "< >",
	    "zoomed in: move the timeline back / on in time" },
	{ '>', ACT_PAN_ON, K_RUN, NULL, NULL, NULL, NULL },
	{ '\t', ACT_PANE, K_RUN, "Tab", "pane", "Tab",
	    "focus the next pane: workers, result order, output" },
	{ KEY_BTAB, ACT_PANE_BACK, K_RUN, NULL, NULL, NULL, NULL },
	{ KEY_PPAGE, ACT_PGUP, K_RUN, NULL, NULL, "PgUp PgDn",
	    "a page up / down; Home End: first / last of the pane" },
	{ KEY_NPAGE, ACT_PGDN, K_RUN, NULL, NULL, NULL, NULL },
	{ KEY_HOME, ACT_HOME, K_RUN, NULL, NULL, NULL, NULL },
	{ KEY_END, ACT_END, K_RUN, NULL, NULL, NULL, NULL },
	{ 'v', ACT_VIEW, K_RUN, NULL, NULL, "v",
	    "workers as lanes, or a heat map by group (256 and up)" },
	{ 'x', ACT_EXPORT, K_RUN, "x", "export", "x",
	    "export: write the trace (JSON) and the SVG of this run" },
	{ 'r', ACT_RERUN, K_LIVE | K_ENDED | K_PROGRAM, "r", "rerun", "r",
	    "run again with the same settings" },
	{ 'n', ACT_SETUP, K_RUN, "n", "setup", "n",
	    "back to the set-up screen (asks first while running)" },
	{ 27, ACT_CANCEL, K_RUN, NULL, NULL, NULL, NULL },
	{ '?', ACT_HELP, K_RUN, "?", "help", "? F1",
	    "this help; the mouse: click a worker or a task" },
	{ KEY_F(1), ACT_HELP, K_RUN, NULL, NULL, NULL, NULL },
	{ 'h', ACT_HELP, K_RUN, NULL, NULL, NULL, NULL },
	{ 'q', ACT_QUIT, K_RUN, "q", "quit", "q F10",
	    "quit (asks first while a run is going)" },
	{ 'Q', ACT_QUIT, K_RUN, NULL, NULL, NULL, NULL },
	{ KEY_F(10), ACT_QUIT, K_RUN, NULL, NULL, NULL, NULL },
	{ 0, ACT_NONE, 0, NULL, NULL, NULL, NULL }
};

/* The footer and help show the arrows as glyphs. */
static const struct ui_key *
run_key_table(struct ui *ui)
{
	static struct ui_key	 keys[sizeof run_keys / sizeof run_keys[0]];

	return ui_keys_glyphs(ui, run_keys, keys, sizeof keys / sizeof keys[0]);
}

static unsigned
run_when(struct ui_run *r)
{
	return r->replaying ? K_REPLAY : r->ended ? K_ENDED : r->program ?
	    K_PROGRAM : K_LIVE;
}

static void
run_draw_footer(struct ui *ui, struct ui_run *r)
{
	int	 y = ui->rows - 1;
	char	 msg[160];

	if (r->confirm) {
		ui_put(ui, y, 0, ui->cols, C_WARN, r->confirm == ACT_QUIT ?
		    " The run is still going. Quit and stop it? (y/n)" :
		    " The run is still going. Stop it for the set-up screen? "
		    "(y/n)");
		return;
	}
	if (r->message[0] != '\0' && now_ns() < r->message_until) {
		ui_put(ui, y, 0, ui->cols, r->message_error ? C_ERROR : C_KEY,
		    r->message);
		return;
	}
	if (ui->opts.ncompare > 0 && r->ended) {
		if (ui->ncompared + 1 < ui->opts.ncompare)
			snprintf(msg, sizeof msg, " compare: %s done (%d of %d)."
			    "  Space: run it as %s", pool_mode_name(r->cfg.mode),
			    ui->ncompared + 1, ui->opts.ncompare,
			    pool_mode_name(ui->opts.compare[ui->ncompared + 1]));
		else
			snprintf(msg, sizeof msg, " compare: all %d done.  "
			    "Space: see them side by side", ui->opts.ncompare);
		ui_put(ui, y, 0, ui->cols, C_KEY, msg);
		return;
	}
	ui_keys_footer(ui, run_key_table(ui), run_when(r), y);
}

void
ui_run_draw(struct ui *ui)
{
	struct ui_run	*r = ui->run;
	uint64_t	 now;
	int		 y, avail, trows, rrows, orest;

	ui_run_live(ui);
	if (r->program && r->model.started) {
		/* A program's pool is known as it runs. */
		r->cfg.mode = r->model.ncalls > 0 ? r->model.call_mode :
		    r->model.run.mode;
		if (r->cfg.mode == MODE_QUEUE)	/* Processes reading it */
			r->cfg.mode = MODE_PROCESS;
		r->cfg.workers = r->model.run.workers;
	}
	now = ui_run_now(r);
	run_draw_title(ui, r, now);
	run_draw_progress(ui, r, now);
	run_draw_words(ui, r, ui->top + 2);
	y = ui->top + 4;
	if (r->model.nspawn_fails > 0)
		run_draw_spawn_warning(ui, r, y++);
	/* The rest, less the footer: the timeline as large as leaves the
	 * result order its rows and the output (or summary) its share. */
	avail = ui->rows - 1 - y;
	rrows = ui_results_rows(ui, r, avail);
	/* (the summary first, then the output's rule, then its lines) */
	orest = r->ended ? 3 : 1;
	trows = ui_timeline_rows(ui, r, avail, rrows + orest, rrows + orest +
	    3 + avail / 4);
	ui_timeline_draw(ui, r, y, trows, now);
	y += trows;
	ui_results_draw(ui, r, y, rrows);
	y += rrows;
	ui_output_draw(ui, r, y, ui->rows - 1 - y);
	run_draw_footer(ui, r);
	if (r->help)
		ui_keys_help(ui, run_key_table(ui), run_when(r), "Keys");
}

void
ui_run_notice(struct ui_run *r, const char *msg, int error)
{
	snprintf(r->message, sizeof r->message, " %.*s",
	    (int)sizeof r->message - 2, msg);
	/* What failed stays long enough to be read; stderr has it too. */
	r->message_until = now_ns() + (error ? 10000000000u : 3000000000u);
	r->message_error = error;
}

static void
run_message(struct ui_run *r, const char *msg)
{
	ui_run_notice(r, msg, 0);
}

/* Scroll the focused pane (the workers: move the selection). */
static void
run_scroll(struct ui *ui, struct ui_run *r, int action)
{
	size_t	 max, *pos, page = (size_t)(ui->rows / 3);

	if (r->focus == PANE_WORKERS) {
		switch (action) {
		case ACT_UP:
		case ACT_DOWN:
			ui_timeline_key(ui, r, action);
			return;
		case ACT_PGUP:
			r->selected -= r->view.nrows > 1 ? r->view.nrows : 1;
			break;
		case ACT_PGDN:
			r->selected += r->view.nrows > 1 ? r->view.nrows : 1;
			break;
		case ACT_HOME:
			r->selected = 0;
			break;
		case ACT_END:
			r->selected = r->model.nworkers - 1;
			break;
		}
		if (r->selected >= r->model.nworkers)
			r->selected = r->model.nworkers - 1;
		if (r->selected < 0)
			r->selected = 0;
		r->cursor = -1;
		return;
	}
	/* The result order and the output scroll back from the newest. */
	if (r->focus == PANE_RESULTS) {
		pos = &r->result_scroll;
		max = r->model.nresults;
	} else {
		pos = &r->output_scroll;
		max = model_lines_kept(&r->model);
	}
	switch (action) {
	case ACT_UP:
		*pos += 1;
		break;
	case ACT_DOWN:
		*pos = *pos > 0 ? *pos - 1 : 0;
		break;
	case ACT_PGUP:
		*pos += page;
		break;
	case ACT_PGDN:
		*pos = *pos > page ? *pos - page : 0;
		break;
	case ACT_HOME:
		*pos = max;
		break;
	case ACT_END:
		*pos = 0;
		break;
	}
	if (*pos > max)
		*pos = max;
}

/* Write the trace and the SVG of the run shown: to --trace and --svg if
 * given, else to poolscope-HHMMSS.json and .svg here.  Each replaces what
 * is there: --trace and --svg were checked before the screen opened (an
 * existing file only with --force), and a name with the time in it is
 * this session's. */
static void
run_export(struct ui *ui, struct ui_run *r)
{
	char		 trace[256], svg[256], err[512], msg[600], stamp[32];
	time_t		 now = time(NULL);
	struct tm	 tm;

	localtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%H%M%S", &tm);
	snprintf(trace, sizeof trace, "%s", ui->opts.trace ? ui->opts.trace :
	    "");
	snprintf(svg, sizeof svg, "%s", ui->opts.svg ? ui->opts.svg : "");
	if (trace[0] == '\0' || strcmp(trace, "-") == 0)
		snprintf(trace, sizeof trace, "poolscope-%s.json", stamp);
	if (svg[0] == '\0' || strcmp(svg, "-") == 0)
		snprintf(svg, sizeof svg, "poolscope-%s.svg", stamp);
	if (export_to_path(trace, export_trace, &r->model, r->tl, 1, err,
	    sizeof err) != 0) {
		ui_output_error(ui, ui->opts.trace ? "--trace" : "export",
		    err);
		return;
	}
	if (export_to_path(svg, export_svg, &r->model, r->tl, 1, err,
	    sizeof err) != 0) {
		ui_output_error(ui, ui->opts.svg ? "--svg" : "export", err);
		return;
	}
	snprintf(msg, sizeof msg, "wrote %s and %s", svg, trace);
	run_message(r, msg);
}

/* Faster or slower: a live run's time scale (new sleeps and spins), or a
 * replay's playback (the scale divides its pace). */
static void
run_speed(struct ui *ui, struct ui_run *r, int faster)
{
	char	msg[160];
	double	sc = SRC(r, speed);

	sc = pool_time_scale_clamp(faster ? sc / 2 : sc * 2);
	SRC(r, set_speed, sc);
	r->cfg.time_scale = sc;
	if (r->replaying)
		snprintf(msg, sizeof msg, "%s: playing at %gx the recorded pace",
		    faster ? "faster" : "slower", 1 / sc);
	else {
		ui->choice.time_scale = sc;
		snprintf(msg, sizeof msg, "%s: time scale x%g: sleep and spin "
		    "tasks that start from now take %g times their time",
		    faster ? "faster" : "slower", sc, sc);
	}
	run_message(r, msg);
}

/* A replay's seeks: a tenth of the recording (at least 0.1 s) back or on,
 * or back to its start. */
static void
run_seek(struct ui *ui, struct ui_run *r, int action)
{
	int64_t	len = (int64_t)SRC(r, length), jump = len / 10;

	if (len > jump * 10)
		jump = len / 10 + 1;	/* ten of them go back past the start */
	if (jump < 100000000)
		jump = 100000000;	/* at least 0.1 s */
	if (action == ACT_SEEK_BACK)
		SRC(r, seek, -jump);
	else if (action == ACT_SEEK_ON)
		SRC(r, seek, jump);
	else
		SRC(r, seek, -jump * 10 - 1);	/* back to the start */
	r->ended = 0;	/* ui_run_live sees the end again */
	ui->dirty = 1;
}

static void
run_kill(struct ui_run *r)
{
	char	msg[128];

	if (SRC(r, kill_worker, r->selected) == 0)
		snprintf(msg, sizeof msg, "killed worker %d (pid %d) with SIGKILL",
		    r->selected, (int)r->model.workers[r->selected].pid);
	else
		snprintf(msg, sizeof msg, "worker %d has no process to kill",
		    r->selected);
	run_message(r, msg);
}

/* A key on the run screen: ACT_QUIT, ACT_RERUN or ACT_SETUP for the loop to act
 * on, else ACT_NONE. */
int
ui_run_key(struct ui *ui, int key)
{
	struct ui_run		*r = ui->run;
	const struct ui_key	*k;
	int			 action;

	ui_run_live(ui);
	if (r->help) {
		r->help = 0;
		return ACT_NONE;
	}
	if (r->confirm) {
		action = r->confirm;
		r->confirm = 0;
		return key == 'y' || key == 'Y' ? action : ACT_NONE;
	}
	if ((k = ui_key_find(run_key_table(ui), key, run_when(r))) == NULL)
		return ACT_NONE;
	switch ((action = k->action)) {
	case ACT_QUIT:
	case ACT_SETUP:
		if (!r->ended && !r->replaying) {
			r->confirm = action;
			return ACT_NONE;
		}
		return action;
	case ACT_PAUSE:
		if (r->replaying && SRC(r, finished))
			break;
		/* The pool clock stops while paused: a paused run goes on
		 * as if it had never stopped. */
		r->paused = !r->paused;
		SRC(r, pause, r->paused);
		break;
	case ACT_STEP:
		r->paused = 1;
		SRC(r, step);
		if (!r->replaying)
			run_message(r, "step: exactly one more task may start; "
			    "the pool pauses again when a task finishes");
		break;
	case ACT_FASTER:
	case ACT_SLOWER:
		run_speed(ui, r, action == ACT_FASTER);
		break;
	case ACT_SEEK_BACK:
	case ACT_SEEK_ON:
		run_seek(ui, r, action);
		break;
	case ACT_RERUN:
		if (r->replaying) {
			run_seek(ui, r, ACT_RERUN);
			break;
		}
		if (r->paused && !r->ended)
			SRC(r, pause, 0);
		return ACT_RERUN;
	case ACT_UP:
	case ACT_DOWN:
	case ACT_PGUP:
	case ACT_PGDN:
	case ACT_HOME:
	case ACT_END:
		run_scroll(ui, r, action);
		break;
	case ACT_LEFT:
	case ACT_RIGHT:
		r->focus = PANE_WORKERS;
		ui_timeline_key(ui, r, action);
		break;
	case ACT_ZOOM_IN:
	case ACT_ZOOM_OUT:
	case ACT_FOLLOW:
	case ACT_PAN_BACK:
	case ACT_PAN_ON:
	case ACT_VIEW:
	case ACT_CANCEL:
		ui_timeline_key(ui, r, action);
		break;
	case ACT_PANE:
		r->focus = (r->focus + 1) % PANE_N;
		break;
	case ACT_PANE_BACK:
		r->focus = (r->focus + PANE_N - 1) % PANE_N;
		break;
	case ACT_KILL:
		run_kill(r);
		break;
	case ACT_EXPORT:
		run_export(ui, r);
		break;
	case ACT_HELP:
		r->help = 1;
		break;
	}
	return ACT_NONE;
}

/* The mouse: the wheel scrolls the focused pane; a click on a worker or a
 * block selects it, on the result order or the output focuses it (each
 * part where the last frame drew it). */
void
ui_run_mouse(struct ui *ui, MEVENT *me)
{
	struct ui_run	*r = ui->run;
	struct ui_rect	*p;

	if (me->bstate & BUTTON4_PRESSED) {
		run_scroll(ui, r, ACT_UP);
		return;
	}
	if (me->bstate & BUTTON5_PRESSED) {
		run_scroll(ui, r, ACT_DOWN);
		return;
	}
	if (ui_timeline_click(ui, r, me->y, me->x))
		return;
	p = &r->r_results;
	if (me->y >= p->y && me->y < p->y + p->h)
		r->focus = PANE_RESULTS;
	p = &r->r_output;
	if (me->y >= p->y && me->y < p->y + p->h)
		r->focus = PANE_OUTPUT;
}
