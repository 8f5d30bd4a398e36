/*
 * run.c: the run screen.  It starts an engine, folds its events into a
 * model, and draws the model: a header (mode, pool, clock, progress, rate,
 * speedup, what the caller is doing), a worker panel whose rows carry each
 * worker's timeline lane (a Gantt chart), the result order against the
 * submission order, and what the tasks printed.  Keys become engine
 * commands (pause, step, kill, time scale); the screen never touches a
 * worker process itself.
 *
 * Drawing cost does not grow with the number of tasks: each lane cell is
 * found by binary search, lists show only the rows in view.
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
	if (ui->replay == NULL && (ui->tl == NULL || (ui->tl->n == 0 &&
	    ui->tl != ui->cmdline_tl))) {
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
static uint64_t
run_now(struct ui_run *r)
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
		r->confirm_quit = 0;
		ui->dirty = 1;
		run_record_check(ui, r);
		run_record_close(ui, r);	/* whole: in place now */
	}
	return !r->ended && (!r->paused || SRC(r, stepping));
}

static const char *
run_caller(struct ui_run *r, char *buf, size_t len)
{
	struct model	*m = &r->model;
	size_t		 fin = m->ndone + m->nfailed + m->nskipped, i;
	size_t		 lost = model_never_received(m);
	const char	*mode = pool_mode_name(r->cfg.mode);

	if (m->raised >= 0) {
		/* The call raised: the caller's loop (or map) is over. */
		if (r->cfg.mode == MODE_MAP)
			snprintf(buf, len, "map() raised TaskError from task %"
			    PRId64 "; the caller got no list", m->raised);
		else
			snprintf(buf, len, "%s() raised TaskError from task %"
			    PRId64 " after %zu result%s; %zu computed, never "
			    "received", mode, m->raised, m->nresults - 1,
			    m->nresults == 2 ? "" : "s", lost);
		return buf;
	}
	if (r->ended) {
		if (run_info_unfinished(&m->run))
			snprintf(buf, len, "run stopped: the caller got %zu of "
			    "%zu results", m->nresults, m->ntasks);
		else if (r->cfg.mode == MODE_PROCESS)
			snprintf(buf, len, "caller joined all %zu process%s: "
			    "join() gives only the exit code", m->ntasks,
			    m->ntasks == 1 ? "" : "es");
		else
			snprintf(buf, len, "caller got all %zu result%s from "
			    "%s()", m->ntasks, m->ntasks == 1 ? "" : "s", mode);
		return buf;
	}
	if (r->cfg.mode != MODE_PROCESS && m->nworker_starts +
	    m->nspawn_fails < (size_t)m->nworkers && m->nrunning == 0 &&
	    fin == 0) {
		snprintf(buf, len, "caller blocked in Pool(%d): %zu of %d "
		    "workers forked", m->nworkers, m->nworker_starts,
		    m->nworkers);
		return buf;
	}
	switch (r->cfg.mode) {
	case MODE_APPLY:
		i = m->next_unreceived;
		snprintf(buf, len, "caller blocked in apply() on task %zu: %zu "
		    "of %zu done", i, fin, m->ntasks);
		break;
	case MODE_MAP:
		snprintf(buf, len, "caller blocked in map(): %zu of %zu done",
		    fin, m->ntasks);
		break;
	case MODE_IMAP:
		i = m->next_unreceived;
		snprintf(buf, len, "caller iterating imap(): %zu received, "
		    "waiting for task %zu", m->nresults, i);
		break;
	case MODE_IMAP_UNORDERED:
		snprintf(buf, len, "caller iterating imap_unordered(): %zu "
		    "received as they finish", m->nresults);
		break;
	case MODE_APPLY_ASYNC:
		snprintf(buf, len, "caller free: %zu result%s received by "
		    "callbacks", m->nresults, m->nresults == 1 ? "" : "s");
		break;
	default:
		snprintf(buf, len, "caller joining processes: %zu of %zu joined "
		    "(a Process has no result channel)", m->nresults, m->ntasks);
		break;
	}
	return buf;
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

static void
run_draw_header(struct ui *ui, struct ui_run *r, uint64_t now)
{
	struct model	*m = &r->model;
	char		 el[32], buf[256], bar[512], figs[96], st[96];
	size_t		 fin = m->ndone + m->nfailed;
	double		 secs = now / 1e9, rate, speed;
	int		 w = ui->cols, barw, filled, i, x, cpus, len;
	int64_t		 let_go = -1, ended_by = -1;
	const char	*state;

	util_format_duration(now, el, sizeof el);
	rate = secs > 0 ? (m->ndone + m->nfailed) / secs : 0;
	speed = now > 0 ? (double)run_busy(r, now) / now : 0;
	if (!r->ended)
		SRC(r, step_tasks, &let_go, &ended_by);
	if (r->ended)
		state = r->status == 0 ? "finished" :
		    run_info_unfinished(&m->run) ? "stopped" :
		    "finished, with failures";
	else if (SRC(r, stepping)) {
		/* A step: which task it let start. */
		if (let_go >= 0)
			snprintf(st, sizeof st, "step: task %" PRId64
			    " started", let_go);
		else
			snprintf(st, sizeof st, "stepping");
		state = st;
	} else if (r->paused && ended_by >= 0) {
		if (let_go >= 0)
			snprintf(st, sizeof st, "PAUSED (step: task %" PRId64
			    ")", let_go);
		else
			snprintf(st, sizeof st, "PAUSED (step)");
		state = st;
	} else if (r->paused)
		state = "PAUSED";
	else
		state = "running";
	cpus = m->run.cpus ? m->run.cpus : util_cpu_count();
	for (i = 0; i < 2; i++) {
		/* "(oversubscribed)" only if the state still fits after it. */
		len = snprintf(buf, sizeof buf, " poolscope%s  %s  %d worker%s "
		    "/ %d cpu%s%s  %s  ", r->replaying ? " replay" : "",
		    pool_mode_name(r->cfg.mode), r->cfg.workers,
		    r->cfg.workers == 1 ? "" : "s", cpus, cpus == 1 ? "" : "s",
		    i == 0 && r->cfg.workers > cpus ? " (oversubscribed)" : "",
		    el);
		if (len + (int)strlen(state) <= w)
			break;
	}
	if (len < 0 || len >= w)
		len = w;
	ui_put(ui, ui->top, 0, len, C_SELECTED, buf);
	ui_put(ui, ui->top, len, w - len, r->paused && !r->ended ? C_PAUSED :
	    C_SELECTED, state);

	/* Progress bar and figures: no rate and no speedup before a task
	 * has finished (there is nothing yet to measure). */
	if (m->ndone + m->nfailed > 0)
		snprintf(figs, sizeof figs, "%.0f tasks/s  speedup %.2fx", rate,
		    speed);
	else
		snprintf(figs, sizeof figs, "- tasks/s  speedup -");
	len = snprintf(buf, sizeof buf, " %zu/%zu done", fin, m->ntasks);
	if (m->nfailed)
		len += snprintf(buf + len, sizeof buf - len, ", %zu failed",
		    m->nfailed);
	if (m->nskipped)
		len += snprintf(buf + len, sizeof buf - len, ", %zu never ran",
		    m->nskipped);
	snprintf(buf + len, sizeof buf - len, "  %s  time x%g", figs,
	    r->cfg.time_scale);
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
	ui_put(ui, ui->top + 1, 0, 1, C_NORMAL, "");
	ui_put(ui, ui->top + 1, 1, barw, C_BAR, bar);
	x = barw + 1;
	ui_put(ui, ui->top + 1, x, w - x, m->nfailed ? C_WARN : C_NORMAL, buf);
	ui_put(ui, ui->top + 2, 0, 1, C_NORMAL, "");
	ui_put(ui, ui->top + 2, 1, w - 1, C_KEY, run_caller(r, buf, sizeof buf));
}

/* Which task to show in the lane cell [a, b): the one covering most of
 * it; -1 for none, -2 when three or more share it (too dense to tell). */
static int64_t
run_lane_cell(struct model *m, struct model_lane *l, uint64_t a, uint64_t b,
    uint64_t now)
{
	size_t			 lo = 0, hi = l->n, mid;
	struct model_task	*t;
	uint64_t		 end, s0, e0, cover, best_cover = 0;
	int64_t			 best = -1;
	int			 n = 0;

	/* The last task that started before b. */
	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (m->tasks[l->tasks[mid]].start < b)
			lo = mid + 1;
		else
			hi = mid;
	}
	while (lo > 0 && n < 3) {
		lo--;
		t = &m->tasks[l->tasks[lo]];
		end = t->state == MT_RUNNING ? now : t->end;
		if (end < t->start)
			end = t->start;
		if (end < a)
			break;
		n++;
		s0 = t->start > a ? t->start : a;
		e0 = end < b ? end : b;
		cover = e0 > s0 ? e0 - s0 : 1;
		if (cover > best_cover) {
			best_cover = cover;
			best = l->tasks[lo];
		}
	}
	return n >= 3 ? -2 : best;
}

static void
run_draw_lane(struct ui *ui, struct ui_run *r, int y, int x, int width,
    int slot, uint64_t t0, uint64_t dt, uint64_t now)
{
	struct model		*m = &r->model;
	struct model_lane	*l = &m->lanes[slot];
	int64_t			 cell[1024];
	char			 num[24];
	int			 c, c2, len, color;
	size_t			 i;
	uint64_t		 sp;

	if (width > 1024)
		width = 1024;
	for (c = 0; c < width; c++)
		cell[c] = run_lane_cell(m, l, t0 + c * dt, t0 + (c + 1) * dt,
		    now);
	for (c = 0; c < width; c = c2) {
		for (c2 = c + 1; c2 < width && cell[c2] == cell[c]; c2++)
			;
		move(y, x + c);
		if (cell[c] == -1) {
			for (i = c; i < (size_t)c2; i++)
				ui_put(ui, y, x + i, 1, C_DIM,
				    t0 + i * dt > now ? " " : ui->g->light);
			continue;
		}
		if (cell[c] == -2) {
			for (i = c; i < (size_t)c2; i++)
				ui_put(ui, y, x + i, 1, C_BUSY, ui->g->dense);
			continue;
		}
		if (m->tasks[cell[c]].state == MT_FAILED)
			color = C_TASK_FAIL;
		else
			color = C_TASK_A + (int)((cell[c] /
			    (r->model.run.chunksize > 0 ?
			    r->model.run.chunksize : 1)) % 2) +
			    (m->tasks[cell[c]].state == MT_RUNNING ? 2 : 0);
		/* The index, if it fits with room to spare, so neighbouring
		 * labels never run together. */
		len = snprintf(num, sizeof num, "%" PRId64, cell[c]);
		if (len >= c2 - c)
			num[0] = '\0';
		ui_put(ui, y, x + c, c2 - c, color, num);
	}
	/* A new process in the slot (a respawn) is marked where it began. */
	for (i = 1; i < l->nspawns; i++) {
		sp = l->spawns[i];
		if (sp >= t0 && sp < t0 + (uint64_t)width * dt)
			ui_put(ui, y, x + (int)((sp - t0) / dt), 1, C_CRASHED,
			    ui->g->respawn);
	}
}

static void
run_draw_workers(struct ui *ui, struct ui_run *r, int top, int rows,
    uint64_t now)
{
	struct model		*m = &r->model;
	struct model_worker	*w;
	char			 buf[256], label[48], el0[32], el1[32];
	int			 i, y, slot, lw, tx, tw;
	uint64_t		 dt, t0, mean;
	double			 share;

	lw = ui->cols >= 120 ? 56 : 44;
	tx = lw + 1;
	tw = ui->cols - tx - 1;

	/* Scale: a typical task a few columns wide; the whole run if it fits,
	 * otherwise the newest stretch, scrolling with time. */
	mean = m->task_ns_n ? m->task_ns_sum / m->task_ns_n : 0;
	dt = mean / 3;
	if (dt < 1000000)
		dt = 1000000;
	/* On a 1-2-5 scale, and never finer than before in this run, so
	 * the picture does not jump about as tasks finish. */
	dt = (uint64_t)util_step125((double)dt, 1);
	if (dt < r->timeline_dt)
		dt = r->timeline_dt;
	r->timeline_dt = dt;
	if (r->ended)
		dt = now / tw + 1;	/* the whole run */
	t0 = now > dt * tw ? now - dt * tw : 0;
	if (r->ended)
		t0 = 0;

	util_format_duration(t0, el0, sizeof el0);
	util_format_duration(t0 + dt * tw, el1, sizeof el1);
	snprintf(buf, sizeof buf, "Workers%s", r->focus == PANE_WORKERS ?
	    " *" : "");
	ui_hline(ui, top, 0, lw, r->focus == PANE_WORKERS ? C_FOCUS : C_DIM,
	    buf);
	snprintf(buf, sizeof buf, "Timeline %s .. %s", el0, el1);
	ui_put(ui, top, lw, 1, C_DIM, ui->g->h);
	ui_hline(ui, top, tx, tw + 1, C_DIM, buf);
	ui_putf(ui, top + 1, 0, lw, C_DIM, "  %-3s %-7s %-8s %-14s %5s %5s",
	    "#", "pid", "state", "task", "done", "busy");
	ui_put(ui, top + 1, lw, 1, C_DIM, ui->g->v);
	ui_fill(ui, top + 1, tx, tw + 1, C_NORMAL);

	if (r->selected < r->worker_top)
		r->worker_top = r->selected;
	if (r->selected >= r->worker_top + rows - 1)
		r->worker_top = r->selected - rows + 2;
	if (r->worker_top < 0)
		r->worker_top = 0;
	for (i = 0; i < rows - 1; i++) {
		y = top + 2 + i;
		slot = r->worker_top + i;
		if (slot >= m->nworkers) {
			ui_fill(ui, y, 0, lw, C_NORMAL);
			ui_put(ui, y, lw, 1, C_DIM, ui->g->v);
			ui_fill(ui, y, tx, tw + 1, C_NORMAL);
			continue;
		}
		w = &m->workers[slot];
		if (w->task >= 0 && (size_t)w->task < r->tl->n) {
			char	l2[40];

			task_label(&r->tl->v[w->task], l2, sizeof l2);
			snprintf(label, sizeof label, "%" PRId64 " %s", w->task,
			    l2);
		} else
			snprintf(label, sizeof label, "-");
		share = now > 0 ? (double)(w->busy_ns + (w->task >= 0 &&
		    now > w->task_start ? now - w->task_start : 0)) / now : 0;
		if (share > 1)
			share = 1;
		ui_put(ui, y, 0, 2, slot == r->selected ? C_SELECTED : C_NORMAL,
		    slot == r->selected ? ">" : "");
		if (w->pid > 0)
			snprintf(buf, sizeof buf, "%-3d %-7d", slot, (int)w->pid);
		else
			snprintf(buf, sizeof buf, "%-3d %-7s", slot, "-");
		ui_put(ui, y, 2, 12, slot == r->selected ? C_SELECTED : C_NORMAL,
		    buf);
		if (w->no_process && w->pid == 0) {
			ui_put(ui, y, 14, 9, C_WARN, "no fork");
			snprintf(label, sizeof label, "not started");
		} else if (w->pid == 0 && w->processes == 0)
			ui_put(ui, y, 14, 9, C_DIM, "-");	/* not yet forked */
		else
			ui_put(ui, y, 14, 9, ui_state_color(w->state),
			    worker_state_name(w->state));
		snprintf(buf, sizeof buf, "%-14.14s %5" PRIu64 " %4.0f%%", label,
		    w->done, share * 100);
		ui_put(ui, y, 23, lw - 23, C_NORMAL, buf);
		ui_put(ui, y, lw, 1, C_DIM, ui->g->v);
		ui_put(ui, y, tx, 1, C_NORMAL, "");
		run_draw_lane(ui, r, y, tx, tw, slot, t0, dt, now);
	}
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

/* Result order (what the caller received, in order) against submission
 * order (every task, coloured by where it is). */
static void
run_draw_results(struct ui *ui, struct ui_run *r, int top)
{
	struct model		*m = &r->model;
	struct model_task	*t;
	char			 item[96], val[64];
	int			 x, w = ui->cols, len, color;
	size_t			 i, first, start;

	/* A Process has no result channel: its caller joins it and gets
	 * its exit code. */
	ui_hline(ui, top, 0, w, r->focus == PANE_RESULTS ? C_FOCUS : C_DIM,
	    r->cfg.mode == MODE_PROCESS ? (r->focus == PANE_RESULTS ?
	    "Join order * (task=exitcode)" : "Join order (task=exitcode)") :
	    r->focus == PANE_RESULTS ? "Result order * (task=value)" :
	    "Result order (task=value)");

	/* Received: the newest that fit, unless scrolled back. */
	ui_put(ui, top + 1, 0, 11, C_DIM, r->cfg.mode == MODE_PROCESS ?
	    " joined   " : " received ");
	x = 11;
	first = m->nresults > r->result_scroll ? m->nresults - r->result_scroll
	    : 0;
	/* Walk back from first to see how many fit. */
	start = first;
	len = 0;
	while (start > 0) {
		model_value_format(m, m->results[start - 1], val, sizeof val);
		len += snprintf(item, sizeof item, "%u=%s ",
		    m->results[start - 1], val);
		if (x + len >= w - 1)
			break;
		start--;
	}
	if (start > 0) {
		ui_put(ui, top + 1, x, 2, C_DIM, ui->g->ellipsis);
		x += 2;
	}
	for (i = start; i < first && x < w - 1; i++) {
		model_value_format(m, m->results[i], val, sizeof val);
		len = snprintf(item, sizeof item, "%u=%s", m->results[i], val);
		if (x + len + 1 > w)
			break;
		ui_put(ui, top + 1, x, len, m->tasks[m->results[i]].state ==
		    MT_FAILED ? C_ERROR : C_RECEIVED, item);
		ui_put(ui, top + 1, x + len, 1, C_NORMAL, "");
		x += len + 1;
	}
	ui_fill(ui, top + 1, x, w - x, C_NORMAL);

	/* Submitted: from just before the first task the caller lacks. */
	ui_put(ui, top + 2, 0, 11, C_DIM, " submitted");
	first = m->next_unreceived;
	start = first > 3 ? first - 3 : 0;
	if (first == m->ntasks) {
		/* All received: the last ones that fit, after an ellipsis. */
		len = 0;
		for (start = m->ntasks; start > 0; start--) {
			len += snprintf(item, sizeof item, "%zu ", start - 1);
			if (11 + 2 + len >= w)
				break;
		}
	}
	x = 11;
	if (start > 0) {
		ui_put(ui, top + 2, x, 2, C_DIM, ui->g->ellipsis);
		x += 2;
	}
	for (i = start; i < m->ntasks && x < w - 1; i++) {
		t = &m->tasks[i];
		len = snprintf(item, sizeof item, "%zu", i);
		if (x + len + 1 > w)
			break;
		if (t->received)
			color = t->state == MT_FAILED ? C_ERROR : C_RECEIVED;
		else if (t->state == MT_SKIPPED)
			color = C_DIM;		/* never ran */
		else if (t->state == MT_DONE || t->state == MT_FAILED)
			color = C_WAITING;	/* done, the caller lacks it */
		else if (t->state == MT_RUNNING)
			color = C_RUNNING;
		else
			color = C_PENDING;
		ui_put(ui, top + 2, x, len, color, item);
		ui_put(ui, top + 2, x + len, 1, C_NORMAL, "");
		x += len + 1;
	}
	ui_fill(ui, top + 2, x, w - x, C_NORMAL);
}

/* The run in one line of at most width columns: the outcomes, then the
 * times, the longer forms dropped first where they do not fit. */
static void
run_summary_line(const struct model *m, char *buf, size_t size, int width)
{
	char		wall[32], busy[32], cpu[32], times[160];
	const char	*fmt[] = { "; wall %s, tasks' own time %s (CPU %s), "
	    "speedup %.2fx", "; wall %s, own time %s (CPU %s), speedup %.2fx",
	    "; wall %s, own time %s, speedup %.2fx", "; own time %s" };
	size_t		lost = model_never_received(m), i;
	double		sp;
	int		len;

	util_format_duration(m->run.wall_ns, wall, sizeof wall);
	util_format_duration(m->run.busy_ns, busy, sizeof busy);
	util_format_duration(m->run.cpu_ns, cpu, sizeof cpu);
	len = snprintf(buf, size, "%zu task%s, %zu failed", m->ntasks,
	    m->ntasks == 1 ? "" : "s", m->nfailed);
	if (m->nskipped)
		len += snprintf(buf + len, size - len, ", %zu never ran",
		    m->nskipped);
	if (lost)
		len += snprintf(buf + len, size - len, ", %zu never received",
		    lost);
	if (m->ncomputed == 0)
		return;		/* nothing ran: no times to speak of */
	sp = m->run.wall_ns ? (double)m->run.busy_ns / m->run.wall_ns : 0.0;
	for (i = 0; i < sizeof fmt / sizeof fmt[0]; i++) {
		if (i < 2)
			snprintf(times, sizeof times, fmt[i], wall, busy, cpu,
			    sp);
		else if (i == 2)
			snprintf(times, sizeof times, fmt[i], wall, busy, sp);
		else
			snprintf(times, sizeof times, fmt[i], busy);
		if (len + (int)strlen(times) <= width) {
			/* the header has the wall time and the speedup */
			snprintf(buf + len, size - len, "%s", times);
			break;
		}
	}
}

/* The results list as Python prints it, as much as fits the screen. */
static void
run_results_list(struct ui *ui, struct model *m, char *list, size_t size)
{
	char	item[64];
	size_t	i;
	int	len, w = ui->cols;

	len = snprintf(list, size, "[");
	for (i = 0; i < m->nresults; i++) {
		model_value_format(m, m->results[i], item, sizeof item);
		if ((size_t)len + strlen(item) + 8 > size ||
		    len + (int)strlen(item) + 8 > w) {
			len += snprintf(list + len, size - len, ", %s",
			    ui->g->ellipsis);
			break;
		}
		len += snprintf(list + len, size - len, "%s%s", i ? ", " : "",
		    item);
	}
	snprintf(list + len, size - len, "]");
}

static void
run_draw_output(struct ui *ui, struct ui_run *r, int top, int rows)
{
	struct model		*m = &r->model;
	const struct model_line	*l;
	char			 buf[512], list[256];
	size_t			 kept = model_lines_kept(m), i, n;
	int			 y = top + 1, w = ui->cols;

	if (r->ended) {
		ui_hline(ui, top, 0, w, C_DIM, "Summary");
		run_summary_line(m, buf, sizeof buf, w - 1);
		ui_putf(ui, y++, 0, w, m->nfailed ? C_WARN : C_OK, " %s", buf);
		if (m->raised >= 0) {
			/* What Python prints: the traceback's last line. */
			const char *e = m->errors ? m->errors[m->raised] : NULL;

			ui_putf(ui, y++, 0, w, C_ERROR, " TaskError: %s",
			    e ? e : "");
		} else {
			run_results_list(ui, m, list, sizeof list);
			ui_putf(ui, y++, 0, w, C_NORMAL, " %s", list);
		}
		rows -= 2;
		top += 2;
		ui_hline(ui, y++, 0, w, r->focus == PANE_OUTPUT ? C_FOCUS :
		    C_DIM, r->focus == PANE_OUTPUT ? "Output *" : "Output");
		rows--;
	} else
		ui_hline(ui, top, 0, w, r->focus == PANE_OUTPUT ? C_FOCUS :
		    C_DIM, r->focus == PANE_OUTPUT ? "Output *" : "Output");
	rows--;
	if (rows < 0)
		rows = 0;
	if (r->output_scroll > kept)
		r->output_scroll = kept;
	n = kept - r->output_scroll;	/* lines up to here are shown */
	if (kept == 0 && rows > 0) {
		ui_put(ui, y++, 0, w, C_DIM, "  (nothing printed yet: square, "
		    "cube, print, hello and sh tasks print)");
		rows--;
	}
	for (i = 0; i < (size_t)rows; i++) {
		size_t idx = n >= (size_t)rows ? n - rows + i : i;

		l = idx < n ? model_line_get(m, idx) : NULL;
		if (l == NULL) {
			ui_fill(ui, y + (int)i, 0, w, C_NORMAL);
			continue;
		}
		if (l->task >= 0)
			snprintf(buf, sizeof buf, "w%-2d t%-4" PRId64, l->worker,
			    l->task);
		else
			snprintf(buf, sizeof buf, "w%-2d      ", l->worker);
		ui_put(ui, y + (int)i, 0, 10, C_DIM, buf);
		ui_put(ui, y + (int)i, 10, 1, C_DIM, ui->g->v);
		ui_put(ui, y + (int)i, 11, w - 11, C_NORMAL, l->text);
	}
}

static const char *run_help[] = {
	"Space    pause / resume (workers stop for real: SIGSTOP, SIGCONT)",
	"s        step: run one more task while paused",
	"+ -      time scale: double or halve sleep and spin (new tasks)",
	"Up Down  select a worker, or scroll the focused pane",
	"PgUp PgDn  scroll the focused pane by a page",
	"Tab      focus the next pane: workers, result order, output",
	"k        kill the selected worker (SIGKILL): its task fails or is",
	"         re-run with --retries; the slot gets a new process",
	"r        run again with the same settings",
	"n        back to the set-up screen",
	"x        export: write the trace (JSON) and the SVG of this run",
	"mouse    click a worker to select it",
	"replay:  Left Right seek a tenth back or on, Home or r restart,",
	"         + - play faster or slower, Space pause, s step",
	"?        this help (any key closes it)",
	"q        quit (asks first while a run is going)",
};

static void
run_draw_help(struct ui *ui)
{
	int	n = sizeof run_help / sizeof run_help[0], i, w = 74, x, y;

	x = (ui->cols - w) / 2;
	y = (ui->rows - n - 2) / 2;
	if (y < 0)
		y = 0;
	/* A closed box, so nothing behind it shows through. */
	ui_put(ui, y, x, 1, C_TITLE, ui->g->tl);
	ui_hline(ui, y, x + 1, w - 2, C_TITLE, "Keys");
	ui_put(ui, y, x + w - 1, 1, C_TITLE, ui->g->tr);
	for (i = 0; i < n; i++) {
		ui_put(ui, y + 1 + i, x, 1, C_TITLE, ui->g->v);
		ui_put(ui, y + 1 + i, x + 1, 1, C_NORMAL, "");
		ui_put(ui, y + 1 + i, x + 2, w - 3, C_NORMAL, run_help[i]);
		ui_put(ui, y + 1 + i, x + w - 1, 1, C_TITLE, ui->g->v);
	}
	ui_put(ui, y + n + 1, x, 1, C_TITLE, ui->g->bl);
	ui_hline(ui, y + n + 1, x + 1, w - 2, C_TITLE, NULL);
	ui_put(ui, y + n + 1, x + w - 1, 1, C_TITLE, ui->g->br);
}

static void
run_draw_footer(struct ui *ui, struct ui_run *r)
{
	/* Left to right while they fit; "? help" and "q quit" always show. */
	static const char *keys[][2] = {
		{ "Spc", "pause" }, { "s", "step" }, { "\x01", "select" },
		{ "k", "kill" }, { "+-", "speed" }, { "r", "rerun" },
		{ "n", "setup" }, { "x", "export" }, { "Tab", "pane" },
		{ "?", "help" }, { "q", "quit" }
	};
	char	 arrows[16];
	int	 y = ui->rows - 1, x = 0, i, n = sizeof keys / sizeof keys[0];
	int	 tail = 14;	/* "? help q quit " */

	if (r->confirm_quit) {
		ui_put(ui, y, 0, ui->cols, C_WARN,
		    " The run is still going. Quit and stop it? (y/n)");
		return;
	}
	if (r->message[0] != '\0' && now_ns() < r->message_until) {
		ui_put(ui, y, 0, ui->cols, r->message_error ? C_ERROR : C_KEY,
		    r->message);
		return;
	}
	if (ui->opts.ncompare > 0 && r->ended) {
		char	msg[160];

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
	snprintf(arrows, sizeof arrows, "%s%s", ui->g->arrow_up,
	    ui->g->arrow_down);
	for (i = 0; i < n; i++) {
		const char *k = keys[i][0][0] == '\x01' ? arrows : keys[i][0];
		int kw = (int)ui_strwidth(k), dw = (int)strlen(keys[i][1]);

		if (i < n - 2 && x + kw + dw + 2 + tail > ui->cols)
			continue;
		ui_put(ui, y, x, kw + 1, C_KEY, k);
		ui_put(ui, y, x + kw + 1, dw + 1, C_DIM, keys[i][1]);
		x += kw + dw + 2;
	}
	ui_fill(ui, y, x, ui->cols - x, C_NORMAL);
}

void
ui_run_draw(struct ui *ui)
{
	struct ui_run	*r = ui->run;
	uint64_t	 now;
	int		 flex, wrows, orows, top, top_extra = 0;

	ui_run_live(ui);
	now = run_now(r);
	run_draw_header(ui, r, now);
	/* Fixed rows: header 3, worker rule and column names 2, result order
	 * 3, output rule 1, footer 1; the rest is shared. */
	flex = ui->rows - 10 - ui->top;
	if (r->model.nspawn_fails > 0) {
		/* Say it above the workers, for as long as the run shows. */
		run_draw_spawn_warning(ui, r, ui->top + 3);
		flex--;
		top_extra = 1;
	}
	wrows = r->model.nworkers;
	if (wrows > flex - 3)
		wrows = flex - 3;
	if (wrows < 1)
		wrows = 1;
	orows = flex - wrows;
	top = ui->top + 3 + top_extra;
	run_draw_workers(ui, r, top, wrows + 1, now);
	top += wrows + 2;
	run_draw_results(ui, r, top);
	top += 3;
	run_draw_output(ui, r, top, orows + 1);
	run_draw_footer(ui, r);
	if (r->help)
		run_draw_help(ui);
}

/* --compare: the runs side by side, on one time axis, with the table. */
void
ui_compare_draw(struct ui *ui, struct ui_run **runs, int n)
{
	struct ui_run		*r;
	struct model		*m;
	struct compare_row	 row;
	char			 buf[256], wall[32];
	uint64_t		 span = 1, dt;
	int			 y = ui->top, i, k, lw = 12, tx, tw, rows_left;
	int			 lanes;

	for (i = 0; i < n; i++)
		if (runs[i]->model.run.wall_ns > span)
			span = runs[i]->model.run.wall_ns;
	snprintf(buf, sizeof buf, " poolscope  compare  %zu task%s, %d worker%s"
	    " / %d cpu%s", runs[0]->model.ntasks, runs[0]->model.ntasks == 1 ?
	    "" : "s", runs[0]->cfg.workers, runs[0]->cfg.workers == 1 ? "" : "s",
	    runs[0]->model.run.cpus, runs[0]->model.run.cpus == 1 ? "" : "s");
	ui_put(ui, y++, 0, ui->cols, C_SELECTED, buf);
	/* The table batch mode prints, the same rows. */
	compare_header(buf, sizeof buf);
	ui_putf(ui, y++, 0, ui->cols, C_TITLE, " %s", buf);
	for (i = 0; i < n; i++) {
		compare_row_fill(&row, &runs[i]->model);
		compare_line(&row, buf, sizeof buf);
		ui_putf(ui, y++, 0, ui->cols, runs[i]->model.nfailed ? C_WARN :
		    C_NORMAL, " %s", buf);
	}
	tx = lw + 1;
	tw = ui->cols - tx - 1;
	dt = span / tw + 1;
	rows_left = ui->rows - 1 - y;
	for (i = 0; i < n && rows_left > 1; i++) {
		r = runs[i];
		m = &r->model;
		util_format_duration(m->run.wall_ns, wall, sizeof wall);
		snprintf(buf, sizeof buf, "%s: %s", pool_mode_name(m->run.mode), wall);
		ui_hline(ui, y++, 0, ui->cols, C_DIM, buf);
		rows_left--;
		lanes = m->nworkers;
		/* Share what is left between the runs still to draw. */
		k = (rows_left - (n - i - 1)) / (n - i);
		if (lanes > k)
			lanes = k;
		for (k = 0; k < lanes; k++) {
			ui_putf(ui, y, 0, lw, C_DIM, " worker %d", k);
			ui_put(ui, y, lw, 1, C_DIM, ui->g->v);
			run_draw_lane(ui, r, y, tx, tw, k, 0, dt,
			    m->run.wall_ns);
			ui_fill(ui, y, tx + tw, ui->cols - tx - tw, C_NORMAL);
			y++;
			rows_left--;
		}
	}
	while (y < ui->rows - 1)
		ui_fill(ui, y++, 0, ui->cols, C_NORMAL);
	ui_put(ui, ui->rows - 1, 0, ui->cols, C_DIM, " one time axis: shorter "
	    "lanes finished sooner   r again  n set-up  q quit");
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

static void
run_scroll(struct ui *ui, struct ui_run *r, int delta)
{
	size_t	max;

	switch (r->focus) {
	case PANE_WORKERS:
		r->selected += delta;
		if (r->selected < 0)
			r->selected = 0;
		if (r->selected >= r->model.nworkers)
			r->selected = r->model.nworkers - 1;
		break;
	case PANE_RESULTS:
		max = r->model.nresults;
		if (delta < 0)
			r->result_scroll += (size_t)-delta;
		else
			r->result_scroll = r->result_scroll > (size_t)delta ?
			    r->result_scroll - delta : 0;
		if (r->result_scroll > max)
			r->result_scroll = max;
		break;
	case PANE_OUTPUT:
		max = model_lines_kept(&r->model);
		if (delta < 0)
			r->output_scroll += (size_t)-delta;
		else
			r->output_scroll = r->output_scroll > (size_t)delta ?
			    r->output_scroll - delta : 0;
		if (r->output_scroll > max)
			r->output_scroll = max;
		break;
	}
	(void)ui;
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

/* Keys that mean something else in a replay; 1 when handled. */
static int
run_replay_key(struct ui *ui, struct ui_run *r, int key)
{
	char		 msg[128];
	double		 sc;
	int64_t		 len = (int64_t)SRC(r, length), jump = len / 10;

	if (len > jump * 10)
		jump = len / 10 + 1;	/* ten of them go back past the start */
	if (jump < 100000000)
		jump = 100000000;	/* at least 0.1 s */
	switch (key) {
	case ' ':
		if (SRC(r, finished))
			return 1;
		r->paused = !r->paused;
		SRC(r, pause, r->paused);
		return 1;
	case 's':
		r->paused = 1;
		SRC(r, step);
		return 1;
	case '+':
	case '=':
	case '-':
	case '_':
		/* Faster or slower playback: the scale divides the pace. */
		sc = SRC(r, speed);
		sc = (key == '-' || key == '_') ? sc * 2 : sc / 2;
		sc = pool_time_scale_clamp(sc);
		SRC(r, set_speed, sc);
		r->cfg.time_scale = sc;
		snprintf(msg, sizeof msg, "playing at %gx the recorded pace",
		    1 / sc);
		run_message(r, msg);
		return 1;
	case KEY_LEFT:
	case KEY_RIGHT:
	case KEY_HOME:
	case 'r':
	case 'R':
		if (key == KEY_LEFT)
			SRC(r, seek, -jump);
		else if (key == KEY_RIGHT)
			SRC(r, seek, jump);
		else
			SRC(r, seek, -jump * 10 - 1);	/* back to the start */
		r->ended = 0;	/* ui_run_live sees the end again */
		ui->dirty = 1;
		return 1;
	}
	return 0;
}

/* Returns 'q', 'r' or 'n' for the loop to act on, else 0. */
int
ui_run_key(struct ui *ui, int key)
{
	struct ui_run	*r = ui->run;
	char		 msg[128];
	double		 ts;
	int		 page = ui->rows / 3;

	ui_run_live(ui);
	if (r->help) {
		r->help = 0;
		return 0;
	}
	if (r->confirm_quit) {
		r->confirm_quit = 0;
		return (key == 'y' || key == 'Y') ? 'q' : 0;
	}
	if (r->replaying && run_replay_key(ui, r, key))
		return 0;
	switch (key) {
	case 'q':
	case 'Q':
		if (!r->ended) {
			r->confirm_quit = 1;
			return 0;
		}
		return 'q';
	case ' ':
		if (r->ended)
			break;
		/* The pool clock stops while paused: a paused run goes on
		 * as if it had never stopped. */
		r->paused = !r->paused;
		SRC(r, pause, r->paused);
		break;
	case 's':
		if (r->ended)
			break;
		r->paused = 1;
		SRC(r, step);
		run_message(r, "step: exactly one more task may start; the pool "
		    "pauses again when a task finishes");
		break;
	case '+':
	case '=':
	case '-':
	case '_':
		ts = SRC(r, speed);
		ts = (key == '+' || key == '=') ? ts * 2 : ts / 2;
		ts = pool_time_scale_clamp(ts);
		SRC(r, set_speed, ts);
		r->cfg.time_scale = ts;
		ui->choice.time_scale = ts;
		snprintf(msg, sizeof msg, "time scale x%g: sleep and spin tasks "
		    "that start from now on take %g times their time", ts, ts);
		run_message(r, msg);
		break;
	case KEY_UP:
		run_scroll(ui, r, -1);
		break;
	case KEY_DOWN:
		run_scroll(ui, r, 1);
		break;
	case KEY_PPAGE:
		run_scroll(ui, r, -page);
		break;
	case KEY_NPAGE:
		run_scroll(ui, r, page);
		break;
	case '\t':
		r->focus = (r->focus + 1) % PANE_N;
		break;
	case KEY_BTAB:
		r->focus = (r->focus + PANE_N - 1) % PANE_N;
		break;
	case 'k':
	case 'K':
		if (r->replaying)
			snprintf(msg, sizeof msg, "this is a replay: there is no "
			    "worker to kill");
		else if (r->ended)
			break;
		else if (SRC(r, kill_worker, r->selected) == 0)
			snprintf(msg, sizeof msg, "killed worker %d (pid %d) "
			    "with SIGKILL", r->selected,
			    (int)r->model.workers[r->selected].pid);
		else
			snprintf(msg, sizeof msg, "worker %d has no process "
			    "to kill", r->selected);
		run_message(r, msg);
		break;
	case 'x':
	case 'X':
		run_export(ui, r);
		break;
	case 'r':
	case 'R':
		if (r->paused && !r->ended)
			SRC(r, pause, 0);
		return 'r';
	case 'n':
	case 'N':
		return 'n';
	case '?':
	case 'h':
		r->help = 1;
		break;
	case 27:	/* Esc */
		break;
	}
	return 0;
}

void
ui_run_mouse(struct ui *ui, MEVENT *me)
{
	struct ui_run	*r = ui->run;
	int		 row;

	if (me->bstate & BUTTON4_PRESSED) {
		run_scroll(ui, r, -3);
		return;
	}
	if (me->bstate & BUTTON5_PRESSED) {
		run_scroll(ui, r, 3);
		return;
	}
	/* Worker rows start at row 5 (header 3, rule, column names). */
	row = me->y - 5 - ui->top;
	if (row >= 0 && r->worker_top + row < r->model.nworkers &&
	    me->y < ui->rows - 5) {
		r->selected = r->worker_top + row;
		r->focus = PANE_WORKERS;
	}
}
