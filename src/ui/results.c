/*
 * results.c: what the caller got.  The result order (what the caller
 * received, in order, against the submission order, each task coloured
 * by where it is), the summary once the run is over, and what the tasks
 * printed.  A failure is never hidden behind an ellipsis: the result that
 * raised stays in view; long values and errors are shortened at a word,
 * never inside a word or a number.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "ui/ui-private.h"

#define RS_LABEL	11	/* " received " */

/* src in at most width columns: whole, or cut at a space with an ellipsis
 * (just the ellipsis if its first word does not fit). */
void
ui_shorten(const char *src, int width, const char *ellipsis, char *dst,
    size_t len)
{
	size_t	cut, i;

	if (width < 1 || len == 0) {
		if (len > 0)
			dst[0] = '\0';
		return;
	}
	if ((int)ui_strwidth(src) <= width) {
		snprintf(dst, len, "%s", src);
		return;
	}
	/* The longest start up to a space that leaves room for the ellipsis
	 * (bytes bound columns from above, so this is safe for UTF-8). */
	cut = 0;
	for (i = 0; src[i] != '\0'; i++) {
		if (src[i] != ' ')
			continue;
		snprintf(dst, len, "%.*s", (int)i, src);
		if ((int)ui_strwidth(dst) + 1 > width)
			break;
		cut = i;
	}
	while (cut > 0 && (src[cut - 1] == ' ' || src[cut - 1] == ',' ||
	    src[cut - 1] == '('))
		cut--;
	snprintf(dst, len, "%.*s%s", (int)cut, src, ellipsis);
}

/* text without its asides: each " (...)" is dropped, so that
 * "worker 2 (pid 4242) was killed" reads "worker 2 was killed". */
static void
rs_drop_asides(const char *text, char *dst, size_t len)
{
	size_t	i, j = 0;
	int	depth = 0;

	for (i = 0; text[i] != '\0' && j + 1 < len; i++) {
		if (text[i] == ' ' && text[i + 1] == '(' && depth == 0) {
			depth = 1;
			i++;
			continue;
		}
		if (depth > 0) {
			depth += (text[i] == '(') - (text[i] == ')');
			continue;
		}
		dst[j++] = text[i];
	}
	dst[j] = '\0';
}

/* A value in at most width columns, as Python prints it: an error keeps
 * its TaskError('...') and is shortened inside the quotes, first by
 * dropping its asides (a PID), then at a word. */
static void
rs_value(struct ui *ui, struct model *m, size_t task, int width, char *buf,
    size_t len)
{
	char		 val[200], inner[160], plain[160];
	const char	*q;
	size_t		 n;
	int		 room;

	model_value_format(m, task, val, sizeof val);
	if ((int)ui_strwidth(val) <= width || (q = strstr(val, "('")) == NULL ||
	    (n = strlen(val)) < 2 || strcmp(val + n - 2, "')") != 0) {
		ui_shorten(val, width, ui->g->ellipsis, buf, len);
		return;
	}
	val[n - 2] = '\0';
	room = width - (int)(q + 2 - val) - 2;
	rs_drop_asides(q + 2, plain, sizeof plain);
	ui_shorten(plain, room, ui->g->ellipsis, inner, sizeof inner);
	snprintf(buf, len, "%.*s%s')", (int)(q + 2 - val), val, inner);
}

/* A received result as "task=value", the value shortened to fit. */
static int
rs_item(struct ui *ui, struct ui_run *r, size_t k, int width, char *buf,
    size_t len)
{
	struct model	*m = &r->model;
	uint32_t	 task = m->results[k];
	char		 val[200];
	int		 n, cap;

	/* A value takes at most 44 columns; a failure, which says why, up
	 * to two thirds of the row. */
	n = snprintf(buf, len, "%" PRIu32 "=", task);
	cap = m->tasks[task].state == MT_FAILED && width * 2 / 3 > 44 ?
	    width * 2 / 3 : 44;
	rs_value(ui, m, task, (width - n > cap ? cap : width - n), val,
	    sizeof val);
	snprintf(buf + n, len - n, "%s", val);
	return (int)ui_strwidth(buf);
}

/* The result to keep in view: the one the call raised, or the latest
 * failed result; -1 if none. */
static int64_t
rs_failure(struct ui_run *r)
{
	struct model	*m = &r->model;
	size_t		 k;

	if (m->raised >= 0 && m->nresults > 0)
		return (int64_t)m->nresults - 1;
	if (m->nfailed == 0)
		return -1;
	for (k = m->nresults; k > 0 && m->nresults - k < 4096; k--)
		if (m->tasks[m->results[k - 1]].state == MT_FAILED)
			return (int64_t)k - 1;
	return -1;
}

/* The received results over `lines` lines: the newest that fit (up to
 * `last`, when scrolled back), after an ellipsis, with the failure first
 * if it would not show otherwise. */
static void
rs_draw_received(struct ui *ui, struct ui_run *r, int top, int lines,
    size_t last)
{
	struct model	*m = &r->model;
	char		 item[320];
	int		 w = ui->cols - RS_LABEL - 1, used, line, x, iw, color;
	int64_t		 fail = rs_failure(r);
	size_t		 start, k;
	int		 pin = 0;

	/* Walk back from last while the items fit the lines. */
	for (;;) {
		used = pin ? rs_item(ui, r, (size_t)fail, w, item, sizeof item) +
		    3 : 0;
		line = 0;
		start = last;
		while (start > 0) {
			iw = rs_item(ui, r, start - 1, w, item, sizeof item) + 1;
			if (used + iw > w - 2) {
				if (line + 1 >= lines)
					break;
				line++;
				used = 0;
			}
			used += iw;
			start--;
		}
		if (pin || fail < 0 || (size_t)fail >= start ||
		    (size_t)fail >= last)
			break;
		pin = 1;	/* again, with room for it */
	}
	line = 0;
	x = 0;
	ui_put(ui, top, 0, RS_LABEL, C_DIM, r->cfg.mode == MODE_PROCESS ?
	    " joined   " : " received ");
	for (k = 1; k < (size_t)lines; k++)
		ui_put(ui, top + (int)k, 0, RS_LABEL, C_NORMAL, "");
	if (pin) {
		ui_put(ui, top, RS_LABEL, 2, C_DIM, ui->g->ellipsis);
		iw = rs_item(ui, r, (size_t)fail, w, item, sizeof item);
		ui_put(ui, top, RS_LABEL + 2, iw + 1, C_ERROR, item);
		x = iw + 3;
	}
	if (start > 0 && !(pin && (size_t)fail + 1 == start)) {
		ui_put(ui, top, RS_LABEL + x, 2, C_DIM, ui->g->ellipsis);
		x += 2;
	}
	for (k = start; k < last; k++) {
		iw = rs_item(ui, r, k, w, item, sizeof item);
		if (x + iw + 1 > w) {
			ui_fill(ui, top + line, RS_LABEL + x, w + 1 - x,
			    C_NORMAL);
			if (++line >= lines)
				break;
			x = 0;
		}
		color = m->tasks[m->results[k]].state == MT_FAILED &&
		    r->cfg.mode != MODE_PROCESS ? C_ERROR : C_RECEIVED;
		ui_put(ui, top + line, RS_LABEL + x, iw + 1, color, item);
		x += iw + 1;
	}
	for (; line < lines; line++, x = 0)
		ui_fill(ui, top + line, RS_LABEL + x, ui->cols - RS_LABEL - x,
		    C_NORMAL);
}

/* Submitted: every task by index, from just before the first the caller
 * lacks, coloured by where it is. */
static void
rs_draw_submitted(struct ui *ui, struct ui_run *r, int y)
{
	struct model		*m = &r->model;
	struct model_task	*t;
	char			 item[32];
	int			 x = RS_LABEL, w = ui->cols, len, color;
	size_t			 i, first = m->next_unreceived, start;

	ui_put(ui, y, 0, RS_LABEL, C_DIM, " submitted");
	start = first > 3 ? first - 3 : 0;
	if (first == m->ntasks) {
		/* All received: the last ones that fit, after an ellipsis. */
		len = 0;
		for (start = m->ntasks; start > 0; start--) {
			len += snprintf(item, sizeof item, "%zu ", start - 1);
			if (RS_LABEL + 2 + len >= w)
				break;
		}
	}
	if (start > 0) {
		ui_put(ui, y, x, 2, C_DIM, ui->g->ellipsis);
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
		ui_put(ui, y, x, len + 1, color, item);
		x += len + 1;
	}
	ui_fill(ui, y, x, w - x, C_NORMAL);
}

/* How many rows the result order takes of avail: its rule, the received
 * results (wrapping over up to three lines where there is room), the
 * submission order. */
int
ui_results_rows(struct ui *ui, struct ui_run *r, int avail)
{
	(void)ui;
	(void)r;
	return avail >= 30 ? 5 : avail >= 20 ? 4 : 3;
}

void
ui_results_draw(struct ui *ui, struct ui_run *r, int top, int rows)
{
	struct model	*m = &r->model;
	size_t		 last;
	int		 focus = r->focus == PANE_RESULTS;

	/* A Process has no result channel: its caller joins it and gets its
	 * exit code. */
	ui_hline(ui, top, 0, ui->cols, focus ? C_FOCUS : C_DIM,
	    m->ncalls > 0 && m->call_mode == MODE_QUEUE ? (focus ?
	    "Result order * (a queue's items send nothing back)" :
	    "Result order (a queue's items send nothing back)") :
	    r->cfg.mode == MODE_PROCESS ? (focus ?
	    "Join order * (task=exitcode)" : "Join order (task=exitcode)") :
	    focus ? "Result order * (task=value)" : "Result order (task=value)");
	r->r_results = (struct ui_rect){ top, 0, rows, ui->cols };
	if (r->result_scroll > m->nresults)
		r->result_scroll = m->nresults;
	last = m->nresults - r->result_scroll;
	rs_draw_received(ui, r, top + 1, rows - 2, last);
	rs_draw_submitted(ui, r, top + rows - 1);
}

/* ------------------------------------------------------------- summary */

/* The run in one line of at most width columns: the outcomes, then the
 * times, the longer forms dropped first where they do not fit. */
static void
rs_summary_line(const struct model *m, char *buf, size_t size, int width)
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
	len = snprintf(buf, size, "%zu task%s", m->ntasks,
	    m->ntasks == 1 ? "" : "s");
	if (m->run.program && m->ncalls > 1)
		len += snprintf(buf + len, size - len, " in %zu calls",
		    m->ncalls);
	len += snprintf(buf + len, size - len, ", %zu failed", m->nfailed);
	if (m->nskipped)
		len += snprintf(buf + len, size - len, ", %zu never ran",
		    m->nskipped);
	if (lost)
		len += snprintf(buf + len, size - len, ", %zu never received",
		    lost);
	if (m->ncomputed == 0)
		return;		/* nothing ran: no times to speak of */
	sp = m->run.wall_ns ? (double)m->run.busy_ns / m->run.wall_ns : 0.0;
	/* A program's tasks have no CPU figures. */
	for (i = m->run.program ? 2 : 0; i < sizeof fmt / sizeof fmt[0]; i++) {
		if (i < 2)
			snprintf(times, sizeof times, fmt[i], wall, busy, cpu,
			    sp);
		else if (i == 2)
			snprintf(times, sizeof times, fmt[i], wall, busy, sp);
		else
			snprintf(times, sizeof times, fmt[i], busy);
		if (len + (int)strlen(times) <= width) {
			snprintf(buf + len, size - len, "%s", times);
			break;
		}
	}
}

/* The results list as Python prints it, as much as fits: whole items
 * (an error shortened at a word inside its quotes), then ", ...". */
static void
rs_results_list(struct ui *ui, struct model *m, char *list, size_t size)
{
	char	item[128];
	size_t	i;
	int	len, w = ui->cols;

	len = snprintf(list, size, "[");
	for (i = 0; i < m->nresults; i++) {
		rs_value(ui, m, m->results[i],
		    m->tasks[m->results[i]].state == MT_FAILED && w * 2 / 3 > 40 ?
		    w * 2 / 3 : 40, item, sizeof item);
		if ((size_t)len + strlen(item) + 8 > size ||
		    len + (int)ui_strwidth(item) + 8 > w) {
			len += snprintf(list + len, size - len, ", %s",
			    ui->g->ellipsis);
			break;
		}
		len += snprintf(list + len, size - len, "%s%s", i ? ", " : "",
		    item);
	}
	snprintf(list + len, size - len, "]");
}

/* The latest events in words, the newest last, each with its time. */
static void
rs_draw_events(struct ui *ui, struct ui_run *r, int y, int rows)
{
	char	text[320], line[320], t[32];
	size_t	kept = ui_narrate_logged(r), i, first;

	first = kept > (size_t)rows ? kept - rows : 0;
	for (i = 0; i < (size_t)rows; i++) {
		if (first + i >= kept ||
		    !ui_narrate_log(r, first + i, text, sizeof text, t,
		    sizeof t)) {
			ui_fill(ui, y + (int)i, 0, ui->cols, C_NORMAL);
			continue;
		}
		ui_putf(ui, y + (int)i, 0, 10, C_DIM, "%9s", t);
		ui_put(ui, y + (int)i, 10, 1, C_DIM, ui->g->v);
		ui_shorten(text, ui->cols - 11, ui->g->ellipsis, line,
		    sizeof line);
		ui_put(ui, y + (int)i, 11, ui->cols - 11, C_NORMAL, line);
	}
}

/* The summary (once the run is over) and what the tasks printed. */
void
ui_output_draw(struct ui *ui, struct ui_run *r, int top, int rows)
{
	struct model		*m = &r->model;
	const struct model_line	*l;
	char			 buf[512], list[512];
	size_t			 kept = model_lines_kept(m), i, n;
	int			 y = top, w = ui->cols, focus, ww, tw, pw;

	if (r->ended && rows >= 3) {
		ui_hline(ui, y++, 0, w, C_DIM, "Summary");
		rs_summary_line(m, buf, sizeof buf, w - 1);
		ui_putf(ui, y++, 0, w, m->nfailed ? C_WARN : C_OK, " %s", buf);
		if (m->run.program) {
			/* It printed what it got itself (in Output). */
			const char *sig = m->run.exit_code < 0 ?
			    sigabbrev_np(-m->run.exit_code) : NULL;

			if (m->run.exit_code >= 0)
				snprintf(list, sizeof list, "exited %d",
				    m->run.exit_code);
			else
				snprintf(list, sizeof list, "was killed by "
				    "SIG%s", sig ? sig : "?");
			ui_putf(ui, y++, 0, w, m->run.exit_code ? C_WARN :
			    C_NORMAL, " %s %s", m->run.command, list);
		} else if (m->raised >= 0) {
			/* What Python prints: the traceback's last line. */
			const char *e = m->errors ? m->errors[m->raised] : NULL;

			ui_putf(ui, y++, 0, w, C_ERROR, " TaskError: %s",
			    e ? e : "");
		} else {
			rs_results_list(ui, m, list, sizeof list);
			ui_putf(ui, y++, 0, w, C_NORMAL, " %s", list);
		}
		rows -= 3;
	}
	r->r_output = (struct ui_rect){ y, 0, 0, w };
	if (rows < 1)
		return;
	focus = r->focus == PANE_OUTPUT;
	/* Nothing printed (yet): the latest events, in words, instead. */
	if (kept == 0)
		snprintf(buf, sizeof buf, "%s", focus ? "Events * (nothing "
		    "printed)" : "Events (nothing printed)");
	else
		snprintf(buf, sizeof buf, "%s", focus ? "Output *" : "Output");
	ui_hline(ui, y++, 0, w, focus ? C_FOCUS : C_DIM, buf);
	rows--;
	r->r_output = (struct ui_rect){ y, 0, rows, w };
	if (rows < 0)
		rows = 0;
	if (r->output_scroll > kept)
		r->output_scroll = kept;
	n = kept - r->output_scroll;	/* lines up to here are shown */
	if (kept == 0) {
		rs_draw_events(ui, r, y, rows);
		return;
	}
	/* "w12 t4096 |": as wide as the largest worker and task need. */
	ww = snprintf(buf, sizeof buf, "%d", m->nworkers - 1);
	tw = snprintf(buf, sizeof buf, "%zu", m->ntasks ? m->ntasks - 1 : 0);
	ww = ww < 2 ? 2 : ww;
	tw = tw < 4 ? 4 : tw;
	pw = 1 + ww + 2 + tw + 1;
	for (i = 0; i < (size_t)rows; i++) {
		size_t idx = n >= (size_t)rows ? n - rows + i : i;

		l = idx < n ? model_line_get(m, idx) : NULL;
		if (l == NULL) {
			ui_fill(ui, y + (int)i, 0, w, C_NORMAL);
			continue;
		}
		if (l->task >= 0)
			snprintf(buf, sizeof buf, "w%-*d t%-*" PRId64, ww,
			    l->worker, tw, l->task);
		else if (l->worker < 0)		/* the program itself */
			snprintf(buf, sizeof buf, "main");
		else
			snprintf(buf, sizeof buf, "w%-*d", ww, l->worker);
		ui_put(ui, y + (int)i, 0, pw, C_DIM, buf);
		ui_put(ui, y + (int)i, pw, 1, C_DIM, ui->g->v);
		ui_put(ui, y + (int)i, pw + 1, w - pw - 1, C_NORMAL, l->text);
	}
}
