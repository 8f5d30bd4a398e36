/*
 * svg.c: the run as a picture for a slide: a lane per worker slot with a
 * block per task (its index inside when it fits, coloured by chunk, red
 * when it failed), the caller's lane with a tick where each result arrived,
 * a time axis, and the result order written out.  Self-contained: no
 * external fonts, styles or scripts.  Blocks narrower than a pixel that
 * fall in the same pixel are drawn once, so a million tasks stay a
 * picture.
 */
#include "config.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "util.h"
#include "tasks/tasks.h"
#include "model/model.h"
#include "export/export.h"

#define SVG_W		1100
#define SVG_LEFT	150
#define SVG_RIGHT	30
#define SVG_TOP		70
#define SVG_LANE	26
#define SVG_GAP		6

static void
svg_text(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '&':
			fputs("&amp;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		default:
			if ((unsigned char)*s >= 0x20 || *s == '\t')
				putc(*s, f);
			break;
		}
	}
}

/* The title: the pool, the run's figures, and how to read the picture. */
static void
svg_head(FILE *f, const struct model *m, int h)
{
	char	title[512], wall[32];

	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
	    "height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"DejaVu Sans, "
	    "Verdana, sans-serif\" font-size=\"12\">\n", SVG_W, h, SVG_W, h);
	fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"#ffffff\"/>\n");
	util_format_duration(m->run.wall_ns, wall, sizeof wall);
	snprintf(title, sizeof title, "poolscope: %s, %d worker%s on %d "
	    "processor%s, %zu task%s, chunksize %d: wall %s, speedup %.2fx",
	    pool_mode_name(m->run.mode), m->run.workers, m->run.workers == 1 ? "" :
	    "s", m->run.cpus, m->run.cpus == 1 ? "" : "s", m->run.tasks,
	    m->run.tasks == 1 ? "" : "s", m->run.chunksize, wall,
	    m->run.wall_ns ? (double)m->run.busy_ns / m->run.wall_ns : 0.0);
	fprintf(f, "<text x=\"20\" y=\"30\" font-size=\"17\" font-weight=\"bold\">");
	svg_text(f, title);
	fprintf(f, "</text>\n<text x=\"20\" y=\"50\" fill=\"#555\">%zu done, "
	    "%zu failed; blocks are tasks (index inside), colour changes with "
	    "each chunk; ticks on the caller's lane are results arriving"
	    "</text>\n", m->ndone, m->nfailed);
}

/* One ended task's block on its worker's lane, with a tooltip. */
static void
svg_task(FILE *f, const struct model *m, const struct tasklist *tl,
    size_t i, int w, int y, double x, double wpx)
{
	static const char *fills[] = { "#43a047", "#1e88e5", "#8e24aa",
	    "#fb8c00" };
	const struct model_task	*t = &m->tasks[i];
	char			 label[96], val[128], title[512];
	uint64_t		 end = t->end > t->start ? t->end : t->start;
	size_t			 cw, chunk;

	cw = m->run.chunksize > 0 ? (size_t)m->run.chunksize : 1;
	chunk = i / cw;
	task_label(&tl->v[i], label, sizeof label);
	model_value_format(m, i, val, sizeof val);
	fprintf(f, "<g class=\"task\"><title>");
	snprintf(title, sizeof title, "task %zu: %s -> %s (worker %d, "
	    "%.3f..%.3f s)", i, label, val, w, t->start / 1e9, end / 1e9);
	svg_text(f, title);
	fprintf(f, "</title><rect x=\"%.2f\" y=\"%d\" width=\"%.2f\" "
	    "height=\"%d\" fill=\"%s\" stroke=\"#ffffff\" "
	    "stroke-width=\"0.5\"/>", x, y + 2, wpx, SVG_LANE - 4,
	    t->state == MT_FAILED ? "#e53935" :
	    fills[chunk % 2 + (cw > 1 ? 2 : 0)]);
	if (wpx >= 8.0 * (floor(log10(i + 1.0)) + 1) + 4)
		fprintf(f, "<text x=\"%.2f\" y=\"%d\" fill=\"#ffffff\""
		    " text-anchor=\"middle\">%zu</text>", x + wpx / 2, y + 17, i);
	fputs("</g>\n", f);
}

/* A worker's lane: its name and PID, and a block per task it ended. */
static void
svg_lane(FILE *f, const struct model *m, const struct tasklist *tl, int w,
    double scale)
{
	const struct model_lane	*l = m->lanes != NULL ? &m->lanes[w] : NULL;
	const struct model_task	*t;
	int			 y = SVG_TOP + w * (SVG_LANE + SVG_GAP), lastpx;
	double			 x, wpx;
	uint64_t		 end;
	size_t			 k;

	fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
	    "fill=\"#f3f3f3\"/>\n", SVG_LEFT, y, SVG_W - SVG_LEFT - SVG_RIGHT,
	    SVG_LANE);
	fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">worker %d",
	    SVG_LEFT - 8, y + 17, w);
	if (l != NULL && l->nspawns > 0)
		fprintf(f, " (pid %d%s)", (int)l->pids[l->nspawns - 1],
		    l->nspawns > 1 ? ", ..." : "");
	fputs("</text>\n", f);
	if (l == NULL)
		return;
	lastpx = -1;
	for (k = 0; k < l->n; k++) {
		t = &m->tasks[l->tasks[k]];
		if (t->state != MT_DONE && t->state != MT_FAILED)
			continue;
		end = t->end > t->start ? t->end : t->start;
		x = SVG_LEFT + t->start / 1e9 * scale;
		wpx = (end - t->start) / 1e9 * scale;
		if (wpx < 1 && (int)x == lastpx && m->ntasks > 5000)
			continue;	/* a million tasks: one per pixel */
		lastpx = (int)x;
		svg_task(f, m, tl, l->tasks[k], w, y, x, wpx < 1 ? 1 : wpx);
	}
}

/* The caller's lane: a tick per result as it arrived. */
static void
svg_caller(FILE *f, const struct model *m, int y, double scale)
{
	double	x, lastx = -100;
	int	lastpx = -1;
	size_t	i;

	fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
	    "fill=\"#fff8e1\"/>\n<text x=\"%d\" y=\"%d\" text-anchor=\"end\" "
	    "font-weight=\"bold\">caller</text>\n", SVG_LEFT, y,
	    SVG_W - SVG_LEFT - SVG_RIGHT, SVG_LANE, SVG_LEFT - 8, y + 17);
	for (i = 0; i < m->nresults && m->result_t != NULL; i++) {
		x = SVG_LEFT + m->result_t[i] / 1e9 * scale;
		if ((int)x == lastpx && m->nresults > 5000)
			continue;	/* one tick per pixel */
		lastpx = (int)x;
		fprintf(f, "<line class=\"result\" x1=\"%.2f\" y1=\"%d\" "
		    "x2=\"%.2f\" y2=\"%d\" stroke=\"#f57c00\" stroke-width=\"2\"/>",
		    x, y + 2, x, y + SVG_LANE - 2);
		if (x - lastx >= 24) {
			fprintf(f, "<text x=\"%.2f\" y=\"%d\" font-size=\"10\" "
			    "text-anchor=\"middle\">%u</text>", x, y - 1,
			    m->results[i]);
			lastx = x;
		}
		fputc('\n', f);
	}
}

/* The time axis, ticked every 1, 2 or 5 of a power of ten. */
static void
svg_axis(FILE *f, int y, double span, double scale)
{
	double	step, tick, x;

	fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
	    "stroke=\"#333\"/>\n", SVG_LEFT, y, SVG_W - SVG_RIGHT, y);
	step = util_step125(span / 8, 0);
	for (tick = 0; tick <= span * 1.0001; tick += step) {
		x = SVG_LEFT + tick * scale;
		fprintf(f, "<line x1=\"%.2f\" y1=\"%d\" x2=\"%.2f\" y2=\"%d\" "
		    "stroke=\"#333\"/><text x=\"%.2f\" y=\"%d\" "
		    "text-anchor=\"middle\" fill=\"#333\">%g s</text>\n", x, y,
		    x, y + 5, x, y + 18, tick);
	}
}

int
export_svg(FILE *f, const struct model *m, const struct tasklist *tl)
{
	double	span, scale;
	size_t	i;
	int	w, y, lanes = m->nworkers;

	span = (m->run.wall_ns ? m->run.wall_ns : m->now) / 1e9;
	if (span <= 0)
		span = 1e-6;
	scale = (SVG_W - SVG_LEFT - SVG_RIGHT) / span;
	svg_head(f, m, SVG_TOP + (lanes + 1) * (SVG_LANE + SVG_GAP) + 90);
	for (w = 0; w < lanes; w++)
		svg_lane(f, m, tl, w, scale);
	y = SVG_TOP + lanes * (SVG_LANE + SVG_GAP);
	svg_caller(f, m, y, scale);
	y += SVG_LANE + 14;
	svg_axis(f, y, span, scale);

	/* The result order, written out. */
	y += 44;
	fprintf(f, "<text x=\"20\" y=\"%d\">results in the order the caller "
	    "received them: ", y);
	for (i = 0; i < m->nresults && i < 60; i++)
		fprintf(f, "%s%u", i ? ", " : "", m->results[i]);
	if (m->nresults > 60)
		fputs(", ...", f);
	fputs("</text>\n</svg>\n", f);
	return ferror(f) ? -1 : 0;
}
