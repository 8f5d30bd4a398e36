/*
 * svg.c: the run as a picture for a slide: a lane per worker slot with a
 * block per task (its index inside when it fits, coloured by chunk, red
 * when it failed), the caller's lane with a tick where each result arrived,
 * a time axis, and the result order written out.  Self-contained: no
 * external fonts, styles or scripts.  Blocks narrower than a pixel that
 * fall in the same pixel are drawn once, so a million tasks stay a
 * picture.
 *
 * Every text is laid out to stay inside the picture, whatever the run:
 * the lanes start right of the widest worker label, the axis leaves room
 * for its widest label, and the title, the notes and the result order wrap
 * over as many lines as they need (the result order at most
 * SVG_RESULT_LINES, then "... and N more").
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
#define SVG_MARGIN	20	/* left and right of the title, notes, results */
#define SVG_LABEL_X	12	/* where the lane labels start */
#define SVG_RIGHT	30	/* right of the lanes, at least */
#define SVG_LANE	26
#define SVG_GAP		6
#define SVG_RESULT_LINES 8

/*
 * Widths are estimated, on the safe side: DejaVu Sans averages about 0.55
 * em a character and its digits take 0.64 em, so 0.65 em (0.72 em in bold)
 * a character keeps a line laid out with it inside the picture.
 * tests/engine/exports.py checks every text with the same figures.
 */
#define SVG_EM		0.65
#define SVG_EM_BOLD	0.72

/* A kind of text: its size, weight, line spacing and attributes. */
struct svg_font {
	double		 size;
	int		 bold;
	int		 lead;
	const char	*attrs;
};
static const struct svg_font svg_title = { 17, 1, 22,
	" font-size=\"17\" font-weight=\"bold\"" };
static const struct svg_font svg_note = { 12, 0, 16, " fill=\"#555\"" };
static const struct svg_font svg_body = { 12, 0, 16, "" };
static const struct svg_font svg_bold = { 12, 1, 16, " font-weight=\"bold\"" };
static const struct svg_font svg_small = { 10, 0, 12,
	" font-size=\"10\" fill=\"#555\"" };

/* Where things go, worked out before anything is written. */
struct svg_layout {
	int	left;		/* the lanes' left edge: past the widest label */
	int	right;		/* room right of the lanes: the axis's labels */
	int	top;		/* the first lane */
	int	results;	/* baseline of the result order's first line */
	int	height;
	double	span;		/* seconds shown */
	double	scale;		/* pixels a second */
};

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

/* Characters in a UTF-8 string. */
static size_t
svg_chars(const char *s)
{
	size_t	c = 0;

	for (; *s != '\0'; s++)
		c += ((unsigned char)*s & 0xc0) != 0x80;
	return c;
}

static double
svg_max(double a, double b)
{
	return a > b ? a : b;
}

/* How many digits n has in decimal. */
static int
svg_digits(size_t n)
{
	int	d = 1;

	while (n >= 10) {
		n /= 10;
		d++;
	}
	return d;
}

/* The width a text may take at most, in pixels (see SVG_EM). */
static double
svg_width(const char *s, const struct svg_font *ft)
{
	return svg_chars(s) * ft->size * (ft->bold ? SVG_EM_BOLD :
	    SVG_EM);
}

/* One line of text starting at x, on baseline y. */
static void
svg_line(FILE *f, int x, int y, const struct svg_font *ft, const char *s)
{
	fprintf(f, "<text x=\"%d\" y=\"%d\"%s>", x, y, ft->attrs);
	svg_text(f, s);
	fputs("</text>\n", f);
}

/* Word i of a text that svg_words lays out, written into buf. */
typedef void svg_word_fn(const void *, size_t, char *, size_t);

/* Cut s after at most n characters (whole UTF-8 sequences). */
static void
svg_cut(char *s, size_t n)
{
	size_t	i, c = 0;

	for (i = 0; s[i] != '\0'; i++) {
		if (((unsigned char)s[i] & 0xc0) != 0x80 && c++ == n) {
			s[i] = '\0';
			return;
		}
	}
}

/*
 * Lay words 0..n-1 out in lines as wide as the picture allows between its
 * margins, a space between words, at most maxlines lines (0: as many as it
 * takes); when words remain after the last, it ends with "... and N more".
 * A word wider than a line is cut.  With f, write each line at SVG_MARGIN,
 * the first on baseline y.  Returns the number of lines.
 */
static int
svg_words(FILE *f, const struct svg_font *ft, int y, svg_word_fn *word,
    const void *arg, size_t n, int maxlines)
{
	char	line[1024], w[256], more[64];
	size_t	i = 0, cols, used, need, len;
	int	nl = 0, last;

	cols = (size_t)((SVG_W - 2 * SVG_MARGIN) / (ft->size * (ft->bold ?
	    SVG_EM_BOLD : SVG_EM)));
	while (i < n && (maxlines == 0 || nl < maxlines)) {
		last = maxlines != 0 && nl == maxlines - 1;
		line[0] = '\0';
		used = len = 0;
		for (; i < n; i++) {
			word(arg, i, w, sizeof w);
			more[0] = '\0';
			if (last && i + 1 < n)
				snprintf(more, sizeof more, " ... and %zu more",
				    n - i - 1);
			need = svg_chars(more) + (used > 0);
			if (used > 0 && (used + need + svg_chars(w) >
			    cols || len + 1 + strlen(w) + strlen(more) >=
			    sizeof line))
				break;
			svg_cut(w, cols > need ? cols - need : 1);
			len += snprintf(line + len, sizeof line - len, "%s%s",
			    used > 0 ? " " : "", w);
			used += (used > 0) + svg_chars(w);
		}
		if (last && i < n)
			snprintf(line + len, sizeof line - len,
			    " ... and %zu more", n - i);
		if (f != NULL)
			svg_line(f, SVG_MARGIN, y + nl * ft->lead, ft, line);
		nl++;
	}
	return nl;
}

/* Word i of a text: the words are separated by spaces. */
static void
svg_word_of(const void *arg, size_t i, char *buf, size_t len)
{
	const char	*s = arg, *e;

	for (;;) {
		s += strspn(s, " ");
		e = s + strcspn(s, " ");
		if (i-- == 0 || *e == '\0')
			break;
		s = e;
	}
	snprintf(buf, len, "%.*s", (int)(e - s), s);
}

/* Words in a text. */
static size_t
svg_nwords(const char *s)
{
	size_t	n = 0;

	for (;;) {
		s += strspn(s, " ");
		if (*s == '\0')
			return n;
		n++;
		s += strcspn(s, " ");
	}
}

/* A text wrapped to the picture's width, from baseline y (f NULL: only
 * count the lines). */
static int
svg_para(FILE *f, const struct svg_font *ft, int y, const char *s)
{
	return svg_words(f, ft, y, svg_word_of, s, svg_nwords(s), 0);
}

/* How to read the picture. */
static const char svg_key[] = "blocks are tasks (index inside), a colour "
    "per chunk, red where one failed; ticks on the caller's lane are results "
    "arriving";

/* The title (the pool and the run) and the run's figures. */
static void
svg_head_text(const struct model *m, char *title, size_t tlen, char *figs,
    size_t flen)
{
	char	wall[32];

	if (m->run.program && m->run.workers == 0)
		snprintf(title, tlen, "poolscope: %s: no pool, %d processor%s",
		    m->run.command, m->run.cpus, m->run.cpus == 1 ? "" : "s");
	else
		snprintf(title, tlen, "poolscope: %s, %d worker%s on %d "
		    "processor%s, %zu task%s, chunksize %d",
		    pool_mode_name(m->run.mode), m->run.workers,
		    m->run.workers == 1 ? "" : "s", m->run.cpus,
		    m->run.cpus == 1 ? "" : "s", m->run.tasks,
		    m->run.tasks == 1 ? "" : "s", m->run.chunksize);
	util_format_duration(m->run.wall_ns, wall, sizeof wall);
	snprintf(figs, flen, "wall %s, speedup %.2fx: %zu done, %zu failed",
	    wall, m->run.wall_ns ? (double)m->run.busy_ns / m->run.wall_ns : 0.0,
	    m->ndone, m->nfailed);
}

/* The heading, from baseline 30 (f NULL: only count its lines).  Returns
 * the baseline of its last line. */
static int
svg_head_lines(FILE *f, const struct model *m)
{
	char	title[512], figs[256];
	int	y = 30;

	svg_head_text(m, title, sizeof title, figs, sizeof figs);
	y += (svg_para(f, &svg_title, y, title) - 1) * svg_title.lead + 20;
	y += (svg_para(f, &svg_note, y, figs) - 1) * svg_note.lead +
	    svg_note.lead;
	return y + (svg_para(f, &svg_note, y, svg_key) - 1) * svg_note.lead;
}

static void
svg_head(FILE *f, const struct model *m, const struct svg_layout *L)
{
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
	    "height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"DejaVu Sans, "
	    "Verdana, sans-serif\" font-size=\"12\">\n", SVG_W, L->height,
	    SVG_W, L->height);
	fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"#ffffff\"/>\n");
	svg_head_lines(f, m);
}

/* One ended run of a task on its worker's lane, with a tooltip: a colour
 * per chunk (six, so neighbouring chunks differ), red where it failed. */
static void
svg_task(FILE *f, const struct model *m, const struct tasklist *tl,
    const struct model_span *sp, int w, int y, double x, double wpx)
{
	static const char *fills[] = { "#43a047", "#00acc1", "#f9a825",
	    "#8e24aa", "#1e88e5", "#6d4c41" };
	char		 label[96], val[128], title[512];
	size_t		 cw, i = sp->task;

	cw = m->run.chunksize > 0 ? (size_t)m->run.chunksize : 1;
	tasklist_label(tl, i, label, sizeof label);
	if (sp->past)
		snprintf(val, sizeof val, "its worker died; run again");
	else
		model_value_format(m, i, val, sizeof val);
	fprintf(f, "<g class=\"task\"><title>");
	snprintf(title, sizeof title, "task %zu: %s -> %s (worker %d, "
	    "%.3f..%.3f s)", i, label, val, w, sp->start / 1e9, sp->end / 1e9);
	svg_text(f, title);
	fprintf(f, "</title><rect x=\"%.2f\" y=\"%d\" width=\"%.2f\" "
	    "height=\"%d\" fill=\"%s\" stroke=\"#ffffff\" "
	    "stroke-width=\"0.5\"/>", x, y + 2, wpx, SVG_LANE - 4,
	    sp->state == MT_FAILED ? "#e53935" :
	    fills[i / cw % (sizeof fills / sizeof fills[0])]);
	if (wpx >= 8.0 * svg_digits(i + 1) + 4)
		fprintf(f, "<text x=\"%.2f\" y=\"%d\" fill=\"#ffffff\""
		    " text-anchor=\"middle\">%zu</text>", x + wpx / 2, y + 17, i);
	fputs("</g>\n", f);
}

/* A lane's label: "worker N" and, under it, its latest PID ("pid P, ..."
 * when the slot has had several); pid empty when it has had none. */
static void
svg_label(const struct model *m, int w, char *name, size_t nlen, char *pid,
    size_t plen)
{
	const struct model_lane	*l = m->lanes != NULL ? &m->lanes[w] : NULL;

	snprintf(name, nlen, "worker %d", w);
	pid[0] = '\0';
	if (l != NULL && l->nspawns > 0)
		snprintf(pid, plen, "pid %d%s", (int)l->pids[l->nspawns - 1],
		    l->nspawns > 1 ? ", ..." : "");
}

/* A worker's lane: its label, and a block per task it ended. */
static void
svg_lane(FILE *f, const struct model *m, const struct tasklist *tl, int w,
    const struct svg_layout *L)
{
	const struct model_lane	*l = m->lanes != NULL ? &m->lanes[w] : NULL;
	struct model_span	 sp;
	int			 y = L->top + w * (SVG_LANE + SVG_GAP), lastpx;
	double			 x, wpx;
	size_t			 k;
	char			 name[32], pid[64];

	fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
	    "fill=\"#f3f3f3\"/>\n", L->left, y, SVG_W - L->left - L->right,
	    SVG_LANE);
	svg_label(m, w, name, sizeof name, pid, sizeof pid);
	svg_line(f, SVG_LABEL_X, y + (pid[0] != '\0' ? 12 : 17), &svg_body,
	    name);
	if (pid[0] != '\0')
		svg_line(f, SVG_LABEL_X, y + 23, &svg_small, pid);
	if (l == NULL)
		return;
	lastpx = -1;
	for (k = 0; k < l->n; k++) {
		model_lane_span(m, l, k, m->now, &sp);
		if (sp.state != MT_DONE && sp.state != MT_FAILED)
			continue;
		x = L->left + sp.start / 1e9 * L->scale;
		wpx = (sp.end - sp.start) / 1e9 * L->scale;
		if (wpx < 1 && (int)x == lastpx && m->ntasks > 5000)
			continue;	/* a million tasks: one per pixel */
		lastpx = (int)x;
		svg_task(f, m, tl, &sp, w, y, x, wpx < 1 ? 1 : wpx);
	}
}

/* The caller's lane: a tick per result as it arrived, numbered with its
 * task where there is room. */
static void
svg_caller(FILE *f, const struct model *m, int y, const struct svg_layout *L)
{
	double	x, lastx = -1e9, room;
	int	lastpx = -1;
	size_t	i;
	char	num[24];

	fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
	    "fill=\"#fff8e1\"/>\n", L->left, y, SVG_W - L->left - L->right,
	    SVG_LANE);
	svg_line(f, SVG_LABEL_X, y + 17, &svg_bold, "caller");
	snprintf(num, sizeof num, "%zu", m->ntasks);
	room = svg_width(num, &svg_small) + 6;
	for (i = 0; i < m->nresults && m->views; i++) {
		x = L->left + model_result_time(m, i) / 1e9 * L->scale;
		if ((int)x == lastpx && m->nresults > 5000)
			continue;	/* one tick per pixel */
		lastpx = (int)x;
		fprintf(f, "<line class=\"result\" x1=\"%.2f\" y1=\"%d\" "
		    "x2=\"%.2f\" y2=\"%d\" stroke=\"#f57c00\" stroke-width=\"2\"/>",
		    x, y + 2, x, y + SVG_LANE - 2);
		if (x - lastx >= room) {
			fprintf(f, "<text x=\"%.2f\" y=\"%d\" font-size=\"10\" "
			    "text-anchor=\"middle\">%u</text>", x, y - 1,
			    m->results[i]);
			lastx = x;
		}
		fputc('\n', f);
	}
}

/* The time axis's step: 1, 2 or 5 of a power of ten, about 8 to a run. */
static double
svg_axis_step(double span)
{
	return util_step125(span / 8, 0);
}

/* The time axis, a labelled tick every step. */
static void
svg_axis(FILE *f, int y, const struct svg_layout *L)
{
	double	step = svg_axis_step(L->span), tick, x;

	fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
	    "stroke=\"#333\"/>\n", L->left, y, SVG_W - L->right, y);
	for (tick = 0; tick <= L->span * 1.0001; tick += step) {
		x = L->left + tick * L->scale;
		fprintf(f, "<line x1=\"%.2f\" y1=\"%d\" x2=\"%.2f\" y2=\"%d\" "
		    "stroke=\"#333\"/><text x=\"%.2f\" y=\"%d\" "
		    "text-anchor=\"middle\" fill=\"#333\">%g s</text>\n", x, y,
		    x, y + 5, x, y + 18, tick);
	}
}

/* Word i of the result order: its heading, then each task's index. */
static const char *svg_order_head[] = { "results", "in", "the", "order",
	"the", "caller", "received", "them:" };
#define SVG_ORDER_HEAD	(sizeof svg_order_head / sizeof svg_order_head[0])

static void
svg_order_word(const void *arg, size_t i, char *buf, size_t len)
{
	const struct model	*m = arg;

	if (i < SVG_ORDER_HEAD)
		snprintf(buf, len, "%s", svg_order_head[i]);
	else if (m->nresults == 0)
		snprintf(buf, len, "none");
	else
		snprintf(buf, len, "%u%s", m->results[i - SVG_ORDER_HEAD],
		    i - SVG_ORDER_HEAD + 1 < m->nresults ? "," : "");
}

/* The result order written out, from baseline y (f NULL: only count the
 * lines). */
static int
svg_order(FILE *f, const struct model *m, int y)
{
	return svg_words(f, &svg_body, y, svg_order_word, m, SVG_ORDER_HEAD +
	    (m->nresults > 0 ? m->nresults : 1), SVG_RESULT_LINES);
}

/* The room the labels take: left of the lanes, the widest lane label;
 * right of them, half the widest axis label (they are centred on their
 * ticks) and half a caller's tick number. */
static void
svg_margins(const struct model *m, struct svg_layout *L)
{
	char	name[32], pid[64], tick[32];
	double	wl, wr, step, t;
	int	w;

	wl = svg_width("caller", &svg_bold);
	for (w = 0; w < m->nworkers; w++) {
		svg_label(m, w, name, sizeof name, pid, sizeof pid);
		wl = svg_max(wl, svg_max(svg_width(name, &svg_body),
		    svg_width(pid, &svg_small)));
	}
	L->left = SVG_LABEL_X + (int)ceil(wl) + 10;
	snprintf(tick, sizeof tick, "%zu", m->ntasks);
	wr = svg_width(tick, &svg_small) / 2;
	step = svg_axis_step(L->span);
	for (t = 0; t <= L->span * 1.0001; t += step) {
		snprintf(tick, sizeof tick, "%g s", t);
		wr = svg_max(wr, svg_width(tick, &svg_body) / 2);
	}
	L->right = (int)svg_max(SVG_RIGHT, ceil(wr) + 6);
}

/* Where everything goes: the margins, then from the top down the title,
 * the notes, the lanes, the caller's lane, the axis and the result order. */
static void
svg_layout(const struct model *m, struct svg_layout *L)
{
	L->span = (m->run.wall_ns ? m->run.wall_ns : m->now) / 1e9;
	if (L->span <= 0)
		L->span = 1e-6;
	svg_margins(m, L);
	L->scale = (SVG_W - L->left - L->right) / L->span;
	L->top = svg_head_lines(NULL, m) + 20;
	L->results = L->top + (m->nworkers + 1) * (SVG_LANE + SVG_GAP) + 52;
	L->height = L->results + (svg_order(NULL, m, 0) - 1) * svg_body.lead +
	    30;
}

int
export_svg(FILE *f, const struct model *m, const struct tasklist *tl)
{
	struct svg_layout	L;
	int			w, y;

	svg_layout(m, &L);
	svg_head(f, m, &L);
	for (w = 0; w < m->nworkers; w++)
		svg_lane(f, m, tl, w, &L);
	y = L.top + m->nworkers * (SVG_LANE + SVG_GAP);
	svg_caller(f, m, y, &L);
	svg_axis(f, y + SVG_LANE + 14, &L);
	svg_order(f, m, L.results);
	fputs("</svg>\n", f);
	return ferror(f) ? -1 : 0;
}
