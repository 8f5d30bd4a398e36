/*
 * compare.c: --compare's screen.  The runs of one task list in each call
 * style, on one time axis (a shorter run finished sooner), each with its
 * caller's lane (so map's blocked caller and apply_async's free one look
 * different) and every worker's lane.  Where the rows run short the table
 * goes first (each style's label keeps its wall time and speedup), then
 * two workers share a row (the upper and lower half of each cell), then
 * a row holds a group of workers as a heat map.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "util.h"
#include "batch/driver.h"
#include "ui/ui-private.h"

#define CMP_LABEL	24

enum { CMP_FULL, CMP_HALF, CMP_HEAT };

/* Two workers in one row: the upper half of a cell for the first, the
 * lower half for the second, each in its task's colour where busy. */
static void
cmp_draw_pair(struct ui *ui, struct ui_run *r, int y, int x, int w, int s0,
    int s1, uint64_t dt)
{
	struct model	*m = &r->model;
	uint64_t	 a, now = m->run.wall_ns;
	int64_t		 e0, e1;
	int		 c, color;
	const char	*g;

	for (c = 0; c < w; c++) {
		a = (uint64_t)c * dt;
		e0 = ui_lane_cell(m, &m->lanes[s0], a, a + dt, now);
		e1 = s1 < m->nworkers ? ui_lane_cell(m, &m->lanes[s1], a,
		    a + dt, now) : -1;
		if (e0 == -1 && e1 == -1) {
			ui_put(ui, y, x + c, 1, C_NORMAL, "");
			continue;
		}
		g = e0 != -1 && e1 != -1 ? ui->g->full : e0 != -1 ?
		    (ui->utf8 ? "\xe2\x96\x80" : "'") :
		    (ui->utf8 ? "\xe2\x96\x84" : ".");
		color = C_BUSY;
		if (e0 >= 0) {
			struct model_span sp;

			model_lane_span(m, &m->lanes[s0], (size_t)e0, now, &sp);
			color = sp.state == MT_FAILED ? C_ERROR :
			    ui_chunk_color(m, sp.task) - C_CHUNK0 + C_HATCH0;
		}
		ui_put(ui, y, x + c, 1, color, g);
	}
}

/* A row of a group of workers: how many of them were busy. */
static void
cmp_draw_group(struct ui *ui, struct ui_run *r, int y, int x, int w,
    int first, int n, uint64_t dt)
{
	struct model	*m = &r->model;
	uint64_t	 a, now = m->run.wall_ns;
	int		 c, k, busy, lvl;

	for (c = 0; c < w; c++) {
		a = (uint64_t)c * dt;
		for (k = busy = 0; k < n && first + k < m->nworkers; k++)
			busy += ui_lane_cell(m, &m->lanes[first + k], a, a + dt,
			    now) != -1;
		lvl = busy == 0 ? 0 : busy >= n ? 4 : 1 + busy * 3 / n;
		ui_put(ui, y, x + c, 1, C_BUSY, ui->g->heat[lvl > 4 ? 4 : lvl]);
	}
}

/* Rows one style takes at a level, with or without its rule. */
static int
cmp_rows(int level, int nw, int group, int rule)
{
	int	lanes = level == CMP_FULL ? nw : level == CMP_HALF ?
	    (nw + 1) / 2 : (nw + group - 1) / group;

	return rule + 1 + lanes;
}

/* How the styles are laid out in avail rows. */
struct cmp_layout {
	int	level;		/* CMP_FULL, CMP_HALF, CMP_HEAT */
	int	rule;		/* a rule over each style */
	int	table;		/* the table's rows, 0 without it */
	int	group;		/* workers a row, in the heat map */
};

/* The most that fits, keeping the table (wall, speedup, result order) as
 * long as every worker still shows: a rule per style and a row per worker;
 * no rules; two workers a row; then the same without the table; then
 * groups of workers a row. */
static void
cmp_layout(struct cmp_layout *L, int n, int nw, int avail)
{
	static const int tries[][3] = {	/* level, rule, table */
		{ CMP_FULL, 1, 1 }, { CMP_FULL, 0, 1 }, { CMP_HALF, 1, 1 },
		{ CMP_HALF, 0, 1 }, { CMP_FULL, 1, 0 }, { CMP_FULL, 0, 0 },
		{ CMP_HALF, 0, 0 },
	};
	size_t	j;
	int	k;

	L->group = 1;
	for (j = 0; j < sizeof tries / sizeof tries[0]; j++) {
		L->level = tries[j][0];
		L->rule = tries[j][1];
		L->table = tries[j][2] ? n + 1 : 0;
		if (n * cmp_rows(L->level, nw, 1, L->rule) + L->table <= avail)
			return;
	}
	L->level = CMP_HEAT;
	L->rule = 0;
	L->table = 0;
	k = avail / n - 1;
	L->group = k > 0 ? (nw + k - 1) / k : nw;
}

/* One style's section from row y: its rule (or its name on its caller's
 * row), the caller's lane, and its workers; the row after it. */
static int
cmp_draw_style(struct ui *ui, struct ui_run *r, const struct cmp_layout *L,
    int y, uint64_t dt)
{
	struct model	*m = &r->model;
	char		 buf[64], wall[32];
	int		 k, rows, tx = CMP_LABEL + 1, tw = ui->cols - tx;
	int		 nw = m->nworkers, g = L->group;

	util_format_duration(m->run.wall_ns, wall, sizeof wall);
	if (L->rule) {
		snprintf(buf, sizeof buf, "%s: %s", pool_mode_name(m->run.mode),
		    wall);
		ui_hline(ui, y++, 0, ui->cols, C_DIM, buf);
		snprintf(buf, sizeof buf, " caller");
	} else
		snprintf(buf, sizeof buf, " %-14s %s", pool_mode_name(
		    m->run.mode), wall);
	ui_put(ui, y, 0, CMP_LABEL, C_KEY, buf);
	ui_put(ui, y, CMP_LABEL, 1, C_DIM, ui->g->v);
	ui_timeline_caller(ui, r, y++, tx, tw, 0, dt, m->run.wall_ns);
	rows = cmp_rows(L->level, nw, g, 0) - 1;
	for (k = 0; k < rows; k++, y++) {
		if (L->level == CMP_FULL || (L->level == CMP_HALF &&
		    2 * k + 1 >= nw))
			snprintf(buf, sizeof buf, " worker %d",
			    L->level == CMP_FULL ? k : 2 * k);
		else if (L->level == CMP_HALF)
			snprintf(buf, sizeof buf, " workers %d, %d", 2 * k,
			    2 * k + 1);
		else
			snprintf(buf, sizeof buf, " workers %d-%d", k * g,
			    (k + 1) * g - 1 < nw - 1 ? (k + 1) * g - 1 : nw - 1);
		ui_put(ui, y, 0, CMP_LABEL, C_DIM, buf);
		ui_put(ui, y, CMP_LABEL, 1, C_DIM, ui->g->v);
		if (L->level == CMP_FULL)
			ui_timeline_lane(ui, r, y, tx, tw, 1, k, 0, dt,
			    m->run.wall_ns);
		else if (L->level == CMP_HALF)
			cmp_draw_pair(ui, r, y, tx, tw, 2 * k, 2 * k + 1, dt);
		else
			cmp_draw_group(ui, r, y, tx, tw, k * g, g, dt);
	}
	return y;
}

void
ui_compare_draw(struct ui *ui, struct ui_run **runs, int n)
{
	struct compare_row	 row;
	struct cmp_layout	 L;
	char			 buf[256];
	uint64_t		 span = 1, dt;
	int			 y = ui->top, i;

	for (i = 0; i < n; i++)
		if (runs[i]->model.run.wall_ns > span)
			span = runs[i]->model.run.wall_ns;
	snprintf(buf, sizeof buf, " poolscope  compare  %zu task%s, %d worker%s"
	    " / %d cpu%s", runs[0]->model.ntasks, runs[0]->model.ntasks == 1 ?
	    "" : "s", runs[0]->cfg.workers, runs[0]->cfg.workers == 1 ? "" : "s",
	    runs[0]->model.run.cpus, runs[0]->model.run.cpus == 1 ? "" : "s");
	ui_put(ui, y++, 0, ui->cols, C_SELECTED, buf);
	cmp_layout(&L, n, runs[0]->model.nworkers, ui->rows - 1 - y);
	if (L.table > 0) {
		/* The table batch mode prints, the same rows. */
		compare_header(buf, sizeof buf);
		ui_putf(ui, y++, 0, ui->cols, C_TITLE, " %s", buf);
		for (i = 0; i < n; i++) {
			compare_row_fill(&row, &runs[i]->model);
			compare_line(&row, buf, sizeof buf);
			ui_putf(ui, y++, 0, ui->cols, runs[i]->model.nfailed ?
			    C_WARN : C_NORMAL, " %s", buf);
		}
	}
	dt = span / (ui->cols - CMP_LABEL - 1) + 1;
	for (i = 0; i < n; i++)
		y = cmp_draw_style(ui, runs[i], &L, y, dt);
	while (y < ui->rows - 1)
		ui_fill(ui, y++, 0, ui->cols, C_NORMAL);
}
