/*
 * timeline.c: the centre of the run screen.  Under a time axis, a lane for
 * the caller (blocked or free, a tick for each result it receives), a strip
 * for the pool's task queue (the chunks still waiting, the None sentinels
 * at the end, the results map and imap hold back), and a lane per worker
 * beside a narrow table of its slot, PID, state and task.
 *
 * Every task is its own block: a colour per chunk (a palette of six, so
 * neighbouring chunks differ), an edge where two tasks of one worker meet,
 * a running task hatched, a failed one red with a cross.  The axis fits
 * the run so far with room ahead and grows with it; after the run it fits
 * the whole run.  z and Z zoom, f follows now again, the arrows move a
 * cursor from block to block.  With more workers than rows the table
 * scrolls; from 256 workers on (or with v) the lanes become a heat map,
 * a row per group of workers.
 *
 * Drawing costs no more for a million tasks than for ten: each lane cell
 * is found by binary search over the lane's tasks, in start order.
 */
#include "config.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "ui/ui-private.h"

#define TL_MIN_SPAN	500000000u	/* 0.5 s: the least a live axis shows */
#define TL_HEAT_FROM	256		/* workers: a heat map from here on */

/* The table's width at this terminal width: slot, PID, state and task;
 * then the task's name and the tasks done; then the busy share. */
static int
tl_table_width(int cols)
{
	return cols < 100 ? 27 : cols < 160 ? 40 : 56;
}

int
ui_chunk_color(const struct model *m, size_t task)
{
	size_t	cs = m->run.chunksize > 0 ? (size_t)m->run.chunksize : 1;

	return C_CHUNK0 + (int)(task / cs % UI_NCHUNK_COLORS);
}

/* ---------------------------------------------------------------- view */

/* The span the lanes show: the zoom, or the run so far with room ahead
 * (a quarter more, and at least TL_MIN_SPAN), or the whole run once over. */
static uint64_t
tl_fit_span(struct ui_run *r, uint64_t now)
{
	uint64_t	span;

	if (r->ended || (r->replaying && r->model.ended))
		return r->model.run.wall_ns > 0 ? r->model.run.wall_ns : 1;
	span = now + now / 4;
	return span < TL_MIN_SPAN ? TL_MIN_SPAN : span;
}

static void
tl_view_set(struct ui_run *r, int w, uint64_t now)
{
	struct ui_view	*v = &r->view;
	uint64_t	 span = v->span ? v->span : tl_fit_span(r, now);

	if (w < 1)
		w = 1;
	v->dt = (span + w - 1) / w;
	if (v->dt == 0)
		v->dt = 1;
	if (v->span == 0)
		v->a = 0;
	else if (v->follow)
		v->a = now > span / 5 * 4 ? now - span / 5 * 4 : 0;
	else
		v->a = v->t0;
}

/* ---------------------------------------------------------------- lanes */

/* The entry of lane l drawn in the cell [a, b): the one covering most of
 * it; -1 for none, -2 when three or more share it (too dense to tell). */
int64_t
ui_lane_cell(const struct model *m, const struct model_lane *l, uint64_t a,
    uint64_t b, uint64_t now)
{
	struct model_span	sp;
	size_t			lo = 0, hi = l->n, mid;
	uint64_t		s0, e0, cover, best_cover = 0;
	int64_t			best = -1;
	int			n = 0;

	/* The last entry that started before b. */
	while (lo < hi) {
		mid = (lo + hi) / 2;
		model_lane_span(m, l, mid, now, &sp);
		if (sp.start < b)
			lo = mid + 1;
		else
			hi = mid;
	}
	while (lo > 0 && n < 3) {
		lo--;
		model_lane_span(m, l, lo, now, &sp);
		if (sp.end < a)
			break;
		n++;
		s0 = sp.start > a ? sp.start : a;
		e0 = sp.end < b ? sp.end : b;
		cover = e0 > s0 ? e0 - s0 : 1;
		if (cover > best_cover) {
			best_cover = cover;
			best = (int64_t)lo;
		}
	}
	return n >= 3 ? -2 : best;
}

/* What a block says on row `row` of a lane h rows tall: its index on the
 * first, its task's name on the second, its value on the third. */
static void
tl_block_text(struct ui_run *r, const struct model_span *sp, int row,
    char *buf, size_t len)
{
	struct model	*m = &r->model;

	buf[0] = '\0';
	if (row == 0)
		snprintf(buf, len, "%s%" PRIu32, sp->state == MT_FAILED ?
		    "x" : "", sp->task);
	else if (row == 1 && sp->task < r->tl->n)
		tasklist_label(r->tl, sp->task, buf, len);
	else if (row == 2 && sp->state == MT_DONE && !sp->past)
		model_value_format(m, sp->task, buf, len);
	else if (row == 2 && sp->state == MT_FAILED)
		snprintf(buf, len, "%s", sp->past ? "died" : "raised");
}

/* One block of cells [c, c2) on one row of a lane. */
static void
tl_draw_block(struct ui *ui, struct ui_run *r, int y, int x, int c, int c2,
    const struct model_span *sp, int row, int edge)
{
	char		 text[96], *p = text;
	int		 color, hatch, i, len, fail = sp->state == MT_FAILED;

	color = fail ? C_TASK_FAIL : ui_chunk_color(&r->model, sp->task);
	hatch = color - C_CHUNK0 + C_HATCH0;
	tl_block_text(r, sp, row, text, sizeof text);
	if (fail && row == 0)
		p = text + 1;	/* the cross is a glyph */
	if (edge) {
		ui_put(ui, y, x + c, 1, color, ui->g->edge);
		c++;
	}
	if (fail && row == 0 && c < c2) {
		ui_put(ui, y, x + c, 1, color, ui->g->cross);
		c++;
	}
	/* The text, where it fits whole: never a cut number. */
	len = (int)ui_strwidth(p);
	if (len > c2 - c || (row == 0 && len >= c2 - c && !edge && !fail &&
	    c2 - c < 3))
		len = 0;
	if (len > 0)
		ui_put(ui, y, x + c, len, color, p);
	c += len;
	if (sp->state == MT_RUNNING && !sp->past)
		for (i = c; i < c2; i++)
			ui_put(ui, y, x + i, 1, hatch, ui->g->hatch);
	else if (c < c2)
		ui_put(ui, y, x + c, c2 - c, color, "");
}

/* Marks at a moment on a lane (a new process, the stop sentinel), only in
 * an idle cell: never over a block or its label; the nearest idle cell
 * within three of the moment. */
static void
tl_draw_mark(struct ui *ui, int y, int x, int w, const int64_t *cell,
    uint64_t a, uint64_t dt, uint64_t t, int color, const char *glyph)
{
	int	c0, d, c;

	if (t < a || (t - a) / dt >= (uint64_t)w)
		return;
	c0 = (int)((t - a) / dt);
	for (d = 0; d <= 6; d++) {
		c = c0 + (d % 2 ? -(d + 1) / 2 : d / 2);
		if (c >= 0 && c < w && cell[c] == -1) {
			ui_put(ui, y, x + c, 1, color, glyph);
			return;
		}
	}
}

void
ui_timeline_lane(struct ui *ui, struct ui_run *r, int y, int x, int w, int h,
    int slot, uint64_t a, uint64_t dt, uint64_t now)
{
	struct model		*m = &r->model;
	struct model_lane	*l = &m->lanes[slot];
	struct model_worker	*wk = &m->workers[slot];
	struct model_span	 sp;
	int64_t			 cell[1024];
	int			 c, c2, row, edge;
	size_t			 i;

	if (w > 1024)
		w = 1024;
	for (c = 0; c < w; c++)
		cell[c] = ui_lane_cell(m, l, a + c * dt, a + (c + 1) * dt, now);
	for (row = 0; row < h; row++) {
		for (c = 0; c < w; c = c2) {
			for (c2 = c + 1; c2 < w && cell[c2] == cell[c]; c2++)
				;
			if (cell[c] == -1) {
				/* Idle: dots up to now on the first row. */
				for (i = c; i < (size_t)c2; i++)
					ui_put(ui, y + row, x + i, 1, C_DIM,
					    row == 0 && a + i * dt < now ?
					    "\xc2\xb7" : " ");
				if (!ui->utf8 && row == 0)
					for (i = c; i < (size_t)c2; i++)
						if (a + i * dt < now)
							ui_put(ui, y, x + i, 1,
							    C_DIM, ".");
				continue;
			}
			if (cell[c] == -2) {
				ui_put(ui, y + row, x + c, c2 - c, C_BUSY, "");
				for (i = c; i < (size_t)c2; i++)
					ui_put(ui, y + row, x + i, 1, C_BUSY,
					    ui->g->dense);
				continue;
			}
			model_lane_span(m, l, (size_t)cell[c], now, &sp);
			/* An edge where this block meets another task's. */
			edge = c > 0 && cell[c - 1] >= 0 && c2 - c >= 2;
			tl_draw_block(ui, r, y + row, x, c, c2, &sp, row, edge);
		}
	}
	/* A new process in the slot, where it began; the stop sentinel. */
	for (i = 1; i < l->nspawns; i++)
		tl_draw_mark(ui, y, x, w, cell, a, dt, l->spawns[i], C_CRASHED,
		    ui->g->respawn);
	if (l->sentinel)
		tl_draw_mark(ui, y, x, w, cell, a, dt, l->sentinel_t,
		    C_SENTINEL, ui->g->sentinel);
	/* A stopped worker's running task stands still: say so at now. */
	if ((wk->state == WS_PAUSED || wk->state == WS_STOPPED) && now >= a &&
	    (now - a) / dt < (uint64_t)w && !r->ended) {
		c = (int)((now - a) / dt);
		for (row = 0; row < h; row++)
			ui_put(ui, y + row, x + c, 1, C_PAUSED, ui->g->pause);
	}
}

/* --------------------------------------------------------------- caller */

/* When the caller's call ended (it returned or raised); 0 while it is
 * still in it. */
static uint64_t
tl_call_end(struct model *m)
{
	if (m->raised >= 0 && m->nresults > 0)
		return model_result_time(m, m->nresults - 1);
	if (m->nresults >= m->ntasks && m->nresults > 0)
		return model_result_time(m, m->nresults - 1);
	return 0;
}

/* How many results reached the caller in [a, b). */
static size_t
tl_results_in(struct model *m, uint64_t a, uint64_t b, size_t *first)
{
	*first = model_results_before(m, a);
	return model_results_before(m, b) - *first;
}

/* What the caller waits for in the stretch that ends with result k (k ==
 * nresults: the stretch still open): "map()", "next()" or a task. */
static void
tl_awaited(struct ui_run *r, size_t k, char *buf, size_t len)
{
	struct model	*m = &r->model;

	switch (r->cfg.mode) {
	case MODE_MAP:
		snprintf(buf, len, "%s", k == 0 ? "map()" : "");
		break;
	case MODE_IMAP_UNORDERED:
		snprintf(buf, len, "next()");
		break;
	default:
		snprintf(buf, len, "%zu", k < m->nresults ? (size_t)m->results[k]
		    : m->next_unreceived);
		break;
	}
}

/* Whether results come thick on the caller's lane (in a third of its
 * columns or more, or two columns side by side each hold several: their
 * counts would read as one number, 3 and 2 as 32), and the most that one
 * column holds. */
static int
tl_caller_dense(struct model *m, uint64_t a, uint64_t dt, int w,
    uint64_t now, size_t *most)
{
	size_t	n, prev = 0, first;
	int	c, with = 0, touch = 0;

	*most = 1;
	for (c = 0; c < w && m->views; c++) {
		if (a + (uint64_t)c * dt > now)
			break;
		n = tl_results_in(m, a + (uint64_t)c * dt,
		    a + (uint64_t)(c + 1) * dt, &first);
		with += n > 0;
		touch |= n > 1 && prev > 1;
		prev = n;
		*most = n > *most ? n : *most;
	}
	return c > 0 && (with * 3 >= c || touch);
}

/* A column where n results (from result first on) reached the caller: a
 * cross where the call raised; where results come thick, a bar as high as
 * the column's share of the most; else an arrow, a count, or + for ten or
 * more. */
static void
tl_caller_tick(struct ui *ui, struct model *m, int y, int x, size_t n,
    size_t first, int dense, size_t most)
{
	char	num[8];
	int	raised = m->raised >= 0 && first + n == m->nresults &&
	    m->results[m->nresults - 1] == (uint32_t)m->raised;

	if (raised)
		snprintf(num, sizeof num, "%s", ui->g->cross);
	else if (dense)
		snprintf(num, sizeof num, "%s", ui->g->heat[n * 3 / most + 1 > 4 ?
		    4 : n * 3 / most + 1]);
	else if (n == 1)
		snprintf(num, sizeof num, "%s", ui->g->arrow_down);
	else if (n < 10)
		snprintf(num, sizeof num, "%zu", n);
	else
		snprintf(num, sizeof num, "+");
	ui_put(ui, y, x, 1, raised ? C_TASK_FAIL : C_TICK, num);
}

/* Whether a label of len columns from column c fits in the waiting
 * stretch before result k (and before now, and the call's end), with a
 * column to spare before the tick of k: "next()" and a count of 4 never
 * read as "next()4", nor an awaited task 5 and a count of 3 as 53. */
static int
tl_caller_room(struct model *m, size_t k, int c, int len, uint64_t a,
    uint64_t dt, uint64_t now, uint64_t end)
{
	uint64_t	t;
	int		cc;

	for (cc = 0; cc <= len; cc++) {
		t = a + (uint64_t)(c + cc) * dt;
		if (k < m->nresults && model_result_time(m, k) < t + dt)
			return 0;
		if (cc < len && (t > now || (end && t >= end)))
			return 0;
	}
	return 1;
}

/* A column of a program's caller that holds no tick: the latest call made
 * by then is named at the first room its name finds, else it is free
 * (whether the program waits in between, poolscope cannot see).  *next is
 * the first call not yet reached, *pending the one still to name (-1);
 * the columns taken past this one. */
static int
tl_program_column(struct ui *ui, struct model *m, int y, int x, int c, int w,
    uint64_t t, uint64_t dt, size_t *next, int *pending)
{
	size_t	first;
	char	what[32];
	int	len;

	while (*next < m->ncalls && m->calls[*next].t < t + dt)
		*pending = (int)(*next)++;
	if (*pending >= 0) {
		snprintf(what, sizeof what, "%s()",
		    pool_mode_name(m->calls[*pending].mode));
		len = (int)strlen(what);
		/* with a column to spare before a tick: never "map()3" */
		if (c + len <= w && tl_results_in(m, t, t + (uint64_t)(len +
		    1) * dt, &first) == 0) {
			ui_put(ui, y, x + c, len, C_CALLER, what);
			*pending = -1;
			return len - 1;
		}
	}
	ui_put(ui, y, x + c, 1, C_NORMAL, "");
	return 0;
}

/* The caller's lane: blocked (a bar, saying what it waits for at the
 * start of each stretch of waiting, a column after a tick so a count and a
 * label never read as one number) or free, and a tick for each result
 * received.  apply_async's caller is free: callbacks receive its results. */
int
ui_timeline_caller(struct ui *ui, struct ui_run *r, int y, int x, int w,
    uint64_t a, uint64_t dt, uint64_t now)
{
	struct model	*m = &r->model;
	uint64_t	 end = tl_call_end(m), t;
	size_t		 n, first, most, k, said = (size_t)-1, next = 0;
	int		 c, len, after_tick = 0, dense, pending = -1;
	char		 what[32];

	dense = tl_caller_dense(m, a, dt, w, now, &most);
	for (c = 0; c < w; c++) {
		t = a + (uint64_t)c * dt;
		if (t > now) {
			ui_fill(ui, y, x + c, w - c, C_NORMAL);
			break;
		}
		n = m->views ? tl_results_in(m, t, t + dt, &first) : 0;
		if (n > 0) {
			tl_caller_tick(ui, m, y, x + c, n, first, dense, most);
			after_tick = 1;
			continue;
		}
		if (m->run.program) {
			/* a call's name does not touch a count before it:
			 * "3" and "map()" never read as "3map()" */
			if (after_tick)
				ui_put(ui, y, x + c, 1, C_NORMAL, "");
			else
				c += tl_program_column(ui, m, y, x, c, w, t,
				    dt, &next, &pending);
			after_tick = 0;
			continue;
		}
		if (r->cfg.mode == MODE_APPLY_ASYNC || (end != 0 && t >= end)) {
			ui_put(ui, y, x + c, 1, C_NORMAL, "");	/* free */
			continue;
		}
		k = m->views ? tl_results_in(m, 0, t, &first) : 0;
		if (!dense && !after_tick && said != k) {
			said = k;
			tl_awaited(r, k, what, sizeof what);
			len = (int)strlen(what);
			if (len > 0 && c + len <= w &&
			    tl_caller_room(m, k, c, len, a, dt, now, end)) {
				ui_put(ui, y, x + c, len, C_CALLER, what);
				c += len - 1;
				continue;
			}
		}
		after_tick = 0;
		ui_put(ui, y, x + c, 1, C_CALLER, "");
	}
	return 0;
}

/* ---------------------------------------------------------------- queue */

/* Chunks still in the task queue, from the first not yet taken: Python's
 * workers take them in order, so the scan starts where the last frame's
 * did (from the start again after a retry puts a task back). */
static size_t
tl_queue_first(struct ui_run *r, size_t cs)
{
	struct model	*m = &r->model;
	size_t		 k;

	if (m->nretried != r->queue_retried) {
		r->queue_retried = m->nretried;
		r->queue_first = 0;
	}
	for (k = r->queue_first; k * cs < m->ntasks; k++)
		if (m->tasks[k * cs].state == MT_PENDING)
			break;
	r->queue_first = k;
	return k;
}

/* Results a worker finished that the caller does not have yet: map holds
 * them all until the end, imap each until the ones before it arrive. */
static int
tl_draw_held(struct ui *ui, struct ui_run *r, int y, int x, int w)
{
	struct model	*m = &r->model;
	size_t		 held = m->ncomputed - m->nresults_computed, i;
	char		 buf[64];
	int		 c = 0, len;

	if ((r->cfg.mode != MODE_MAP && r->cfg.mode != MODE_IMAP) ||
	    held == 0 || m->raised >= 0 || w < 12)
		return 0;
	if (r->cfg.mode == MODE_MAP) {
		snprintf(buf, sizeof buf, "held: %zu result%s until map() "
		    "returns", held, held == 1 ? "" : "s");
		if ((int)strlen(buf) > w)
			snprintf(buf, sizeof buf, "held: %zu result%s", held,
			    held == 1 ? "" : "s");
		ui_put(ui, y, x, w, C_WAITING, buf);
		return w;
	}
	ui_put(ui, y, x, 6, C_WAITING, "held:");
	c = 6;
	for (i = m->next_unreceived; i < m->ntasks && held > 0; i++) {
		if (m->tasks[i].received || (m->tasks[i].state != MT_DONE &&
		    m->tasks[i].state != MT_FAILED))
			continue;
		held--;
		len = snprintf(buf, sizeof buf, "%zu", i);
		if (c + len > w - (held > 0 ? 4 : 0)) {
			snprintf(buf, sizeof buf, "+%zu", held + 1);
			ui_put(ui, y, x + c, w - c, C_WAITING, buf);
			return w;
		}
		ui_put(ui, y, x + c, len + 1, C_WAITING, buf);
		c += len + 1;
	}
	return c;
}

/* The task queue: the chunks waiting in it (each in its colour), or what
 * the call style has instead; at the end the None sentinels that close the
 * pool; and, after a bar, the results held back. */
static void
tl_draw_queue(struct ui *ui, struct ui_run *r, int y, int lx, int lw, int x,
    int w)
{
	struct model	*m = &r->model;
	size_t		 cs = m->run.chunksize > 0 ? (size_t)m->run.chunksize :
	    1, k, i, waiting = 0, fin;
	char		 buf[96];
	int		 c = 0, len, hw = w / 3, color;

	fin = m->ndone + m->nfailed + m->nskipped;
	if (m->ntasks > fin + m->nrunning)
		waiting = m->ntasks - fin - m->nrunning;
	/* Less the rest of each running task's chunk: its worker holds it. */
	for (k = 0; k < (size_t)m->nworkers && waiting > 0; k++) {
		int64_t	t = m->workers[k].task;
		size_t	end;

		if (t < 0)
			continue;
		end = ((size_t)t / cs + 1) * cs;
		if (end > m->ntasks)
			end = m->ntasks;
		i = end - (size_t)t - 1;
		waiting -= i < waiting ? i : waiting;
	}
	ui_fill(ui, y, x, w, C_NORMAL);
	if (m->ncalls > 0 && m->call_mode == MODE_QUEUE) {
		/* A program's queue: the items put and not taken yet. */
		snprintf(buf, sizeof buf, " queue   %zu item%s", waiting,
		    waiting == 1 ? "" : "s");
		ui_put(ui, y, lx, lw, C_DIM, buf);
		for (k = m->ntasks - waiting; k < m->ntasks && c < w; k++) {
			tasklist_label(r->tl, k, buf, sizeof buf);
			len = (int)strlen(buf);
			if (c + len + 1 > w)
				break;
			ui_put(ui, y, x + c, len + 1, C_WAITING, buf);
			c += len + 1;
		}
		return;
	}
	if (r->cfg.mode == MODE_PROCESS) {
		snprintf(buf, sizeof buf, " processes");
		ui_put(ui, y, lx, lw, C_DIM, buf);
		snprintf(buf, sizeof buf, waiting ? "%zu not started yet (at "
		    "most %d at once): no queue, a Process per task" : "all "
		    "started", waiting, r->cfg.workers);
		ui_put(ui, y, x, w, C_DIM, buf);
		return;
	}
	if (fin >= m->ntasks && m->ntasks > 0 && !r->model.ended &&
	    m->nsentinels < (size_t)m->nworkers) {
		/* Closing: a None per worker, each taken by one. */
		snprintf(buf, sizeof buf, " queue   None x%zu",
		    (size_t)m->nworkers - m->nsentinels);
		ui_put(ui, y, lx, lw, C_SENTINEL, buf);
		for (i = m->nsentinels; i < (size_t)m->nworkers && c + 5 <= w;
		    i++) {
			ui_put(ui, y, x + c, 5, C_SENTINEL, "None");
			c += 5;
		}
		return;
	}
	/* apply()'s queue holds the one task it sent, or none */
	if (r->cfg.mode == MODE_APPLY)
		waiting = m->next_unreceived < m->ntasks &&
		    m->tasks[m->next_unreceived].state == MT_PENDING;
	snprintf(buf, sizeof buf, " queue   %zu task%s", waiting,
	    waiting == 1 ? "" : "s");
	ui_put(ui, y, lx, lw, C_DIM, buf);
	if (r->cfg.mode == MODE_APPLY) {
		i = m->next_unreceived;
		if (i < m->ntasks && m->tasks[i].state == MT_PENDING) {
			len = snprintf(buf, sizeof buf, "%zu", i);
			ui_put(ui, y, x, len, ui_chunk_color(m, i), buf);
			c = len + 1;
		}
		ui_put(ui, y, x + c, w - c, C_DIM, "apply() sends one task and "
		    "waits for it before the next");
		return;
	}
	if (m->ntasks > 0 && waiting > 0)
		for (k = tl_queue_first(r, cs); k * cs < m->ntasks &&
		    c < w - hw; k++) {
			if (m->tasks[k * cs].state != MT_PENDING)
				continue;
			color = ui_chunk_color(m, k * cs);
			for (i = k * cs; i < (k + 1) * cs && i < m->ntasks;
			    i++) {
				len = snprintf(buf, sizeof buf, "%s%zu",
				    i == k * cs ? "" : " ", i);
				if (c + len + 6 > w - hw) {
					snprintf(buf, sizeof buf, " +%zu",
					    m->ntasks - i);
					ui_put(ui, y, x + c, (int)strlen(buf),
					    C_DIM, buf);
					c = w;
					break;
				}
				ui_put(ui, y, x + c, len, color, buf);
				c += len;
			}
			c += 2;		/* a gap between chunks */
		}
	else if (m->ntasks > 0)
		ui_put(ui, y, x, w - hw, C_DIM, "(empty)");
	c = w - hw;
	ui_put(ui, y, x + c, 2, C_DIM, ui->g->v);
	tl_draw_held(ui, r, y, x + c + 2, hw - 2);
}

/* ---------------------------------------------------------------- table */

/* "12 sleep 300", or "12 sle..." cut at a word where it does not fit. */
static void
tl_task_text(struct ui *ui, struct ui_run *r, int64_t task, int width,
    char *buf, size_t len)
{
	char	label[64], full[96];

	if (task < 0 || (size_t)task >= r->tl->n) {
		snprintf(buf, len, "-");
		return;
	}
	tasklist_label(r->tl, task, label, sizeof label);
	snprintf(full, sizeof full, "%" PRId64 " %s", task, label);
	ui_shorten(full, width, ui->g->ellipsis, buf, len);
}

/* A worker's row of the table, on the first of its lane's rows; the rows
 * under it name its task (when the first has no room) or its processes. */
static void
tl_draw_table_row(struct ui *ui, struct ui_run *r, int y, int tw, int slot,
    int row, uint64_t now)
{
	struct model		*m = &r->model;
	struct model_worker	*w = &m->workers[slot];
	char			 buf[128], task[64], label[64];
	int			 sel = slot == r->selected, x, taskw;
	double			 share;

	/* the task column: after the slot, PID and state (23 columns), and
	 * before done (from 40 columns) and busy (from 56) */
	x = 23;
	taskw = tw - x - (tw >= 40 ? 6 : 0) - (tw >= 56 ? 5 : 0);
	ui_put(ui, y, tw, 1, C_DIM, ui->g->v);
	if (row > 0) {
		buf[0] = '\0';
		if (row == 1 && w->task >= 0 && (size_t)w->task < r->tl->n) {
			tasklist_label(r->tl, w->task, task, sizeof task);
			/* a number the narrow column above had to cut: whole
			 * here */
			if (tw < 40 && snprintf(buf, sizeof buf, "%" PRId64,
			    w->task) > taskw) {
				snprintf(buf + strlen(buf), sizeof buf -
				    strlen(buf), " %s", task);
				snprintf(task, sizeof task, "%s", buf);
			}
		} else
			task[0] = '\0';
		if (task[0] != '\0') {
			/* cut at a word, never inside a number */
			ui_shorten(task, tw - 6, ui->g->ellipsis, label,
			    sizeof label);
			snprintf(buf, sizeof buf, "      %s", label);
		}
		else if (row == 1 && w->processes > 1)
			snprintf(buf, sizeof buf, "      %u processes",
			    w->processes);
		ui_put(ui, y, 0, tw, C_DIM, buf);
		return;
	}
	ui_put(ui, y, 0, 2, sel ? C_SELECTED : C_NORMAL, sel ? ">" : "");
	if (w->pid > 0)
		snprintf(buf, sizeof buf, "%-3d %-7d", slot, (int)w->pid);
	else
		snprintf(buf, sizeof buf, "%-3d %-7s", slot, "-");
	ui_put(ui, y, 2, 12, sel ? C_SELECTED : C_NORMAL, buf);
	if (w->no_process && w->pid == 0)
		ui_put(ui, y, 14, 9, C_WARN, "no fork");
	else if (w->pid == 0 && w->processes == 0)
		ui_put(ui, y, 14, 9, C_DIM, "-");	/* not yet forked */
	else
		ui_put(ui, y, 14, 9, ui_state_color(w->state),
		    worker_state_name(w->state));
	if (w->no_process && w->pid == 0)
		snprintf(task, sizeof task, "%s", tw < 40 ? "-" : "not started");
	else if (tw < 40) {
		/* cut with an ellipsis where it does not fit (the row under
		 * it gives it whole): "2610" is not task 2610538 */
		if (w->task >= 0) {
			snprintf(buf, sizeof buf, "%" PRId64, w->task);
			ui_shorten(buf, taskw, ui->g->ellipsis, task,
			    sizeof task);
		} else
			snprintf(task, sizeof task, "-");
	} else
		tl_task_text(ui, r, w->task, taskw - 1, task, sizeof task);
	ui_put(ui, y, x, taskw, C_NORMAL, task);
	x += taskw;
	if (tw >= 40) {
		ui_putf(ui, y, x, 6, C_NORMAL, "%5" PRIu64, w->done);
		x += 6;
	}
	if (tw >= 56) {
		share = now > 0 ? (double)(w->busy_ns + (w->task >= 0 &&
		    now > w->task_start ? now - w->task_start : 0)) / now : 0;
		ui_putf(ui, y, x, 5, C_NORMAL, "%4.0f%%", share > 1 ? 100 :
		    share * 100);
	}
}

/* The column names, over the table. */
static void
tl_draw_columns(struct ui *ui, int y, int tw)
{
	char	buf[128];
	int	n;

	n = snprintf(buf, sizeof buf, "  %-3s %-7s %-8s %s", "#", "pid",
	    "state", "task");
	if (tw >= 40)
		snprintf(buf + n, sizeof buf - n, "%*s", tw - n - (tw >= 56 ?
		    5 : 0), "done");
	if (tw >= 56)
		strlcat(buf, " busy", sizeof buf);
	ui_put(ui, y, 0, tw, C_DIM, buf);
	ui_put(ui, y, tw, 1, C_DIM, ui->g->v);
}

/* ----------------------------------------------------------------- axis */

static void
tl_axis_label(double secs, double step, char *buf, size_t len)
{
	if (secs >= 60 && step >= 1)
		snprintf(buf, len, "%d:%02d", (int)(secs / 60),
		    (int)secs % 60);
	else if (step >= 1)
		snprintf(buf, len, "%gs", secs);
	else
		snprintf(buf, len, "%.*fs", step >= 0.1 ? 1 : step >= 0.01 ?
		    2 : 3, secs);
}

/* The time axis on the rule over the lanes: a tick and its time every
 * 1, 2 or 5 of a power of ten, far enough apart to read; a mark at now. */
static void
tl_draw_axis(struct ui *ui, struct ui_run *r, int y, int x, int w,
    uint64_t now)
{
	struct ui_view	*v = &r->view;
	double		 step, t, a = v->a / 1e9, dt = v->dt / 1e9;
	char		 label[32];
	int		 c, last = -1, len, nowc = -1, nowfree = 1;

	ui_hline(ui, y, x, w, C_DIM, NULL);
	if (!r->ended && now >= v->a && (now - v->a) / v->dt < (uint64_t)w)
		nowc = (int)((now - v->a) / v->dt);
	step = util_step125(dt * 11, 1);
	for (t = ceil(a / step) * step; t < a + dt * w; t += step) {
		c = (int)((t - a) / dt + 0.5);
		tl_axis_label(t, step, label, sizeof label);
		len = (int)strlen(label);
		if (c <= last || c + len + 1 > w)
			continue;
		ui_put(ui, y, x + c, 1, C_DIM, ui->utf8 ? "\xe2\x94\xac" : "+");
		ui_put(ui, y, x + c + 1, len, C_DIM, label);
		last = c + len + 1;
		if (nowc >= c && nowc <= c + len)
			nowfree = 0;
	}
	/* Now, where the labels leave room for it. */
	if (nowc >= 0 && nowfree)
		ui_put(ui, y, x + nowc, 1, C_KEY, ui->utf8 ? "\xe2\x96\xbc" : "v");
}

/* What the lanes' marks mean, as many as fit. */
static void
tl_draw_legend(struct ui *ui, int y, int x, int w)
{
	const struct {
		const char	*glyph;
		int		 color;
		const char	*word;
	} items[] = {
		{ " ", C_CHUNK0, "done" }, { NULL, C_HATCH1, "running" },
		{ NULL, C_TASK_FAIL, "failed" }, { NULL, C_DIM, "idle" },
		{ NULL, C_TICK, "result" }, { NULL, C_CRASHED, "respawn" },
		{ NULL, C_SENTINEL, "None" }, { NULL, C_PAUSED, "paused" },
	};
	const char	*g[] = { " ", ui->g->hatch, ui->g->cross,
	    ui->utf8 ? "\xc2\xb7" : ".", ui->g->arrow_down, ui->g->respawn,
	    ui->g->sentinel, ui->g->pause };
	int		 i, c = 1, len;

	ui_fill(ui, y, x, w, C_NORMAL);
	for (i = 0; i < (int)(sizeof items / sizeof items[0]); i++) {
		len = (int)strlen(items[i].word);
		if (c + 2 + len > w)
			break;
		ui_put(ui, y, x + c, 1, items[i].color, g[i]);
		ui_put(ui, y, x + c + 1, len + 1, C_DIM, items[i].word);
		c += len + 3;
	}
}

static void	tl_draw_cursor(struct ui *, struct ui_run *, int, int, int,
		    uint64_t);
static void	tl_draw_table_row(struct ui *, struct ui_run *, int, int, int,
		    int, uint64_t);

/* ------------------------------------------------------------- heat map */

/* A row of the heat map: workers [first, first + n) over time, each cell
 * as full as the share of them busy in it. */
static void
tl_draw_heat_row(struct ui *ui, struct ui_run *r, int y, int x, int w,
    int first, int n, uint64_t now)
{
	struct model	*m = &r->model;
	struct ui_view	*v = &r->view;
	int		 c, k, busy, lvl;
	uint64_t	 a;

	for (c = 0; c < w; c++) {
		a = v->a + (uint64_t)c * v->dt;
		if (a > now) {
			ui_fill(ui, y, x + c, w - c, C_NORMAL);
			break;
		}
		for (k = busy = 0; k < n; k++)
			if (ui_lane_cell(m, &m->lanes[first + k], a, a + v->dt,
			    now) != -1)
				busy++;
		lvl = busy == 0 ? 0 : busy == n ? 4 : 1 + busy * 3 / n;
		if (lvl > 4)
			lvl = 4;
		ui_put(ui, y, x + c, 1, lvl ? C_BUSY : C_DIM, lvl ?
		    ui->g->heat[lvl] : ui->utf8 ? "\xc2\xb7" : ".");
	}
}

/* The heat map: the selected worker's own lane (the one k kills, the
 * arrows move), then a row per group of workers. */
static void
tl_draw_heat(struct ui *ui, struct ui_run *r, int top, int tw, int x, int w,
    uint64_t now)
{
	struct model	*m = &r->model;
	struct ui_view	*v = &r->view;
	char		 buf[96];
	int		 i, first, n, busy, k;

	tl_draw_table_row(ui, r, top, tw, r->selected, 0, now);
	ui_timeline_lane(ui, r, top, x, w, 1, r->selected, v->a, v->dt, now);
	tl_draw_cursor(ui, r, top, x, w, now);
	top++;
	for (i = 0; i < v->nrows - 1; i++) {
		first = i * v->per_row;
		n = first + v->per_row <= m->nworkers ? v->per_row :
		    m->nworkers - first;
		if (n <= 0) {
			ui_fill(ui, top + i, 0, ui->cols, C_NORMAL);
			continue;
		}
		for (k = busy = 0; k < n; k++)
			busy += m->workers[first + k].task >= 0;
		snprintf(buf, sizeof buf, "%s w%d-%d  %d/%d busy",
		    r->selected >= first && r->selected < first + n ? ">" : " ",
		    first, first + n - 1, busy, n);
		ui_put(ui, top + i, 0, tw, r->selected >= first &&
		    r->selected < first + n ? C_TITLE : C_NORMAL, buf);
		ui_put(ui, top + i, tw, 1, C_DIM, ui->g->v);
		tl_draw_heat_row(ui, r, top + i, x, w, first, n, now);
	}
}

/* ------------------------------------------------------------ the panel */

static int
tl_heat(struct ui_run *r)
{
	return r->view.heat == 1 || (r->view.heat == -1 &&
	    r->model.nworkers >= TL_HEAT_FROM);
}

/* How many rows the timeline takes of avail, leaving at least min_rest
 * for the panels under it: the axis, the legend, the caller, the queue and
 * a row per worker (as many as fit; the rest scroll), each worker up to
 * three rows tall where that still leaves share_rest. */
int
ui_timeline_rows(struct ui *ui, struct ui_run *r, int avail, int min_rest,
    int share_rest)
{
	struct ui_view	*v = &r->view;
	int		 nw = r->model.nworkers, room = avail - 4 - min_rest;
	int		 grow = avail - 4 - share_rest;

	(void)ui;
	if (room < 1)
		room = 1;
	v->per_row = 1;
	v->lane_h = 1;
	if (tl_heat(r)) {
		/* The selected worker's own lane, then the groups. */
		room = room > 2 ? room - 1 : 1;
		v->per_row = (nw + room - 1) / room;
		if (v->per_row < 1)
			v->per_row = 1;
		v->nrows = 1 + (nw + v->per_row - 1) / v->per_row;
	} else if (nw <= room) {
		v->lane_h = grow / (nw > 0 ? nw : 1);
		if (v->lane_h > 3)
			v->lane_h = 3;
		if (v->lane_h < 1)
			v->lane_h = 1;
		v->nrows = nw;
	} else
		v->nrows = room;
	return 4 + v->nrows * v->lane_h;
}

/* The cursor's block drawn over in its own colours, reversed and
 * underlined, so it stands out and still says what it is. */
static void
tl_draw_cursor(struct ui *ui, struct ui_run *r, int y, int x, int w,
    uint64_t now)
{
	struct model_lane	*l = &r->model.lanes[r->selected];
	struct model_span	 sp;
	struct ui_view		*v = &r->view;
	char			 num[24];
	int			 c0, c1, color;

	if (r->cursor < 0 || (size_t)r->cursor >= l->n)
		return;
	model_lane_span(&r->model, l, (size_t)r->cursor, now, &sp);
	if (sp.end < v->a || sp.start >= v->a + (uint64_t)w * v->dt)
		return;
	c0 = sp.start > v->a ? (int)((sp.start - v->a) / v->dt) : 0;
	c1 = (int)((sp.end - v->a) / v->dt) + 1;
	if (c1 > w)
		c1 = w;
	if (c1 <= c0)
		c1 = c0 + 1;
	color = sp.state == MT_FAILED ? C_TASK_FAIL :
	    ui_chunk_color(&r->model, sp.task);
	snprintf(num, sizeof num, "%s%" PRIu32, sp.state == MT_FAILED ?
	    ui->g->cross : "", sp.task);
	ui_put_attr(ui, y, x + c0, c1 - c0, color, A_REVERSE | A_UNDERLINE |
	    A_BOLD, (int)ui_strwidth(num) <= c1 - c0 ? num : "");
}

void
ui_timeline_draw(struct ui *ui, struct ui_run *r, int top, int rows,
    uint64_t now)
{
	struct model	*m = &r->model;
	struct ui_view	*v = &r->view;
	char		 buf[96], cst[48];
	int		 tw = tl_table_width(ui->cols), x = tw + 1;
	int		 w = ui->cols - x, i, k, slot, y, shown;

	tl_view_set(r, w, now);
	/* The rule: the workers' title (and which of them show), the axis. */
	shown = tl_heat(r) ? m->nworkers : v->nrows;
	if (r->selected < r->worker_top)
		r->worker_top = r->selected;
	if (!tl_heat(r) && r->selected >= r->worker_top + v->nrows)
		r->worker_top = r->selected - v->nrows + 1;
	if (r->worker_top > m->nworkers - shown)
		r->worker_top = m->nworkers - shown;
	if (r->worker_top < 0 || tl_heat(r))
		r->worker_top = 0;
	if (shown < m->nworkers)
		snprintf(buf, sizeof buf, "Workers%s %d-%d of %d",
		    r->focus == PANE_WORKERS ? " *" : "", r->worker_top + 1,
		    r->worker_top + shown, m->nworkers);
	else
		snprintf(buf, sizeof buf, "Workers%s", r->focus == PANE_WORKERS ?
		    " *" : "");
	ui_hline(ui, top, 0, tw, r->focus == PANE_WORKERS ? C_FOCUS : C_DIM,
	    buf);
	ui_put(ui, top, tw, 1, C_DIM, ui->g->h);
	tl_draw_axis(ui, r, top, x, w, now);
	tl_draw_columns(ui, top + 1, tw);
	tl_draw_legend(ui, top + 1, x, w);

	/* The caller, and the queue. */
	snprintf(buf, sizeof buf, " caller  %s", ui_caller_state(r, cst,
	    sizeof cst));
	ui_put(ui, top + 2, 0, tw, C_KEY, buf);
	ui_put(ui, top + 2, tw, 1, C_DIM, ui->g->v);
	ui_timeline_caller(ui, r, top + 2, x, w, v->a, v->dt, now);
	ui_put(ui, top + 3, tw, 1, C_DIM, ui->g->v);
	tl_draw_queue(ui, r, top + 3, 0, tw, x, w);

	y = top + 4;
	r->r_table = (struct ui_rect){ y, 0, v->nrows * v->lane_h, tw };
	r->r_lanes = (struct ui_rect){ y, x, v->nrows * v->lane_h, w };
	if (ui_run_no_pool(r)) {
		/* No pool made (yet): no worker to draw, not an idle one. */
		for (i = 0; i < v->nrows * v->lane_h; i++)
			ui_fill(ui, y + i, 0, ui->cols, C_NORMAL);
		ui_put(ui, y, 0, ui->cols, C_DIM, r->ended ?
		    " no pool: the program made none" :
		    " no pool yet: the program has made none so far");
	} else if (tl_heat(r))
		tl_draw_heat(ui, r, y, tw, x, w, now);
	else
		for (i = 0; i < v->nrows; i++) {
			slot = r->worker_top + i;
			for (k = 0; k < v->lane_h; k++) {
				if (slot >= m->nworkers) {
					ui_fill(ui, y + k, 0, ui->cols,
					    C_NORMAL);
					continue;
				}
				tl_draw_table_row(ui, r, y + k, tw, slot, k,
				    now);
			}
			if (slot < m->nworkers)
				ui_timeline_lane(ui, r, y, x, w, v->lane_h,
				    slot, v->a, v->dt, now);
			if (slot == r->selected)
				tl_draw_cursor(ui, r, y, x, w, now);
			y += v->lane_h;
		}
	for (y = top + 4 + v->nrows * v->lane_h; y < top + rows; y++)
		ui_fill(ui, y, 0, ui->cols, C_NORMAL);
}

/* -------------------------------------------------------------- cursor */

/* The process of a slot that ran a task starting at t: its PID. */
static pid_t
tl_pid_at(const struct model_lane *l, uint64_t t)
{
	size_t	k;

	for (k = l->nspawns; k > 0; k--)
		if (l->spawns[k - 1] <= t)
			return l->pids[k - 1];
	return l->nspawns > 0 ? l->pids[0] : 0;
}

/* The block under the cursor in one line: its task and what came of it,
 * then its worker and PID, then when it ran. */
void
ui_timeline_detail(struct ui *ui, struct ui_run *r, char *buf, size_t len)
{
	struct model		*m = &r->model;
	struct model_lane	*l;
	struct model_span	 sp;
	char			 task[96], t0[32], t1[32], d[32], out[160];
	char			 err[256] = "";
	uint64_t		 now = ui_run_now(r);
	size_t			 i;

	buf[0] = '\0';
	if (r->cursor < 0 || m->lanes == NULL)
		return;
	l = &m->lanes[r->selected];
	if ((size_t)r->cursor >= l->n)
		return;
	model_lane_span(m, l, (size_t)r->cursor, now, &sp);
	ui_task_words(r, sp.task, task, sizeof task);
	util_format_duration(sp.start, t0, sizeof t0);
	util_format_duration(sp.end, t1, sizeof t1);
	util_format_duration(sp.end - sp.start, d, sizeof d);
	if (sp.past)
		snprintf(out, sizeof out, "its worker died, so it ran again");
	else if (sp.state == MT_RUNNING)
		snprintf(out, sizeof out, "running");
	else if (sp.state == MT_FAILED) {
		/* the state first; the error, which can be long, last */
		snprintf(out, sizeof out, "failed");
		snprintf(err, sizeof err, "; %s", m->errors &&
		    m->errors[sp.task] ? m->errors[sp.task] : "");
	} else {
		char	val[64];

		model_value_format(m, sp.task, val, sizeof val);
		snprintf(out, sizeof out, "returned %s", val);
		if (m->tasks[sp.task].received)
			for (i = 0; i < m->nresults; i++)
				if (m->results[i] == sp.task) {
					snprintf(out + strlen(out), sizeof out -
					    strlen(out), " (the caller's %zu%s)",
					    i + 1, util_ordinal(i + 1));
					break;
				}
	}
	snprintf(buf, len, "%s %s; worker %d, pid %d; %s to %s (%s)%s", task,
	    out, r->selected, (int)tl_pid_at(l, sp.start), t0, sp.state ==
	    MT_RUNNING && !sp.past ? "now" : t1, d, err);
}

/* The entry of the selected lane nearest in time to t; -1 if none. */
static int64_t
tl_nearest(struct ui_run *r, uint64_t t)
{
	struct model_lane	*l = &r->model.lanes[r->selected];
	struct model_span	 sp;
	size_t			 lo = 0, hi = l->n, mid;

	if (l->n == 0)
		return -1;
	while (lo < hi) {
		mid = (lo + hi) / 2;
		model_lane_span(&r->model, l, mid, t, &sp);
		if (sp.start <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo > 0 ? (int64_t)lo - 1 : 0;
}

/* Keep the cursor's block in view when zoomed in. */
static void
tl_pan_to_cursor(struct ui_run *r, uint64_t now)
{
	struct ui_view		*v = &r->view;
	struct model_span	 sp;

	if (r->cursor < 0 || v->span == 0)
		return;
	model_lane_span(&r->model, &r->model.lanes[r->selected],
	    (size_t)r->cursor, now, &sp);
	if (sp.start >= v->a && sp.start < v->a + v->span - v->span / 8)
		return;
	v->follow = 0;
	v->t0 = sp.start > v->span / 4 ? sp.start - v->span / 4 : 0;
}

/* The timeline's keys: the cursor, the zoom, the view. */
void
ui_timeline_key(struct ui *ui, struct ui_run *r, int action)
{
	struct ui_view		*v = &r->view;
	struct model_lane	*l;
	struct model_span	 sp;
	uint64_t		 now = ui_run_now(r), cur, t;
	int			 w = ui->cols - tl_table_width(ui->cols) - 1;

	if (r->model.lanes == NULL)
		return;
	l = &r->model.lanes[r->selected];
	switch (action) {
	case ACT_LEFT:
	case ACT_RIGHT:
		if (l->n == 0)
			break;
		if (r->cursor < 0 || (size_t)r->cursor >= l->n)
			r->cursor = (int64_t)l->n - 1;
		else if (action == ACT_LEFT && r->cursor > 0)
			r->cursor--;
		else if (action == ACT_RIGHT && (size_t)r->cursor + 1 < l->n)
			r->cursor++;
		break;
	case ACT_UP:
	case ACT_DOWN:
		/* The cursor follows to the new lane, at the same time. */
		t = 0;
		if (r->cursor >= 0 && (size_t)r->cursor < l->n) {
			model_lane_span(&r->model, l, (size_t)r->cursor, now,
			    &sp);
			t = sp.start;
		}
		r->selected += action == ACT_UP ? -1 : 1;
		if (r->selected < 0)
			r->selected = 0;
		if (r->selected >= r->model.nworkers)
			r->selected = r->model.nworkers - 1;
		if (r->cursor >= 0)
			r->cursor = tl_nearest(r, t);
		break;
	case ACT_CANCEL:
		r->cursor = -1;
		break;
	case ACT_ZOOM_IN:
		cur = v->span ? v->span : (uint64_t)w * (v->dt ? v->dt : 1);
		v->span = cur / 2 < 1000000 ? 1000000 : cur / 2;
		if (r->cursor < 0) {
			v->follow = !r->ended;
			v->t0 = v->a + cur / 4;
		}
		break;
	case ACT_ZOOM_OUT:
		if (v->span == 0)
			break;
		v->span *= 2;
		v->t0 = v->t0 > v->span / 4 ? v->t0 - v->span / 4 : 0;
		if (v->span >= tl_fit_span(r, now)) {
			v->span = 0;
			v->follow = 1;
		}
		break;
	case ACT_FOLLOW:
		v->span = 0;
		v->follow = 1;
		break;
	case ACT_PAN_BACK:
	case ACT_PAN_ON:
		/* A quarter of the window, and now no longer followed. */
		if (v->span == 0)
			break;
		v->t0 = v->a;
		v->follow = 0;
		if (action == ACT_PAN_BACK)
			v->t0 = v->t0 > v->span / 4 ? v->t0 - v->span / 4 : 0;
		else if (v->t0 + v->span / 4 < now)
			v->t0 += v->span / 4;
		return;		/* the cursor may go out of view */
	case ACT_VIEW:
		v->heat = !tl_heat(r);
		break;
	}
	tl_pan_to_cursor(r, now);
}

/* A click in the lanes selects the worker and the block under it; in the
 * table, the worker.  1 when it was in either. */
int
ui_timeline_click(struct ui *ui, struct ui_run *r, int y, int x)
{
	struct ui_rect	*t = &r->r_table, *l = &r->r_lanes;
	struct ui_view	*v = &r->view;
	int		 slot, c;
	uint64_t	 a;

	(void)ui;
	if (y < t->y || y >= t->y + t->h || v->lane_h < 1)
		return 0;
	if (tl_heat(r))
		slot = y == t->y ? r->selected : (y - t->y - 1) * v->per_row;
	else
		slot = r->worker_top + (y - t->y) / v->lane_h;
	if (slot < 0 || slot >= r->model.nworkers)
		return 0;
	r->selected = slot;
	r->focus = PANE_WORKERS;
	if (x >= l->x && x < l->x + l->w && !tl_heat(r)) {
		c = x - l->x;
		a = v->a + (uint64_t)c * v->dt;
		r->cursor = ui_lane_cell(&r->model, &r->model.lanes[slot], a,
		    a + v->dt, ui_run_now(r));
		if (r->cursor == -2)
			r->cursor = tl_nearest(r, a);
	}
	return 1;
}
