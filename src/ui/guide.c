/*
 * guide.c: lessons on the screen.  A caption bar above the run screen
 * says what the step shows (the lesson's title, the step's heading and a
 * few sentences); each step starts its own run; Space goes on once the
 * step is ready (its run has ended, or at once), Backspace goes back and
 * runs that step again.  A step without a run shows its text alone.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "source.h"
#include "lesson/lesson.h"
#include "ui/cast.h"
#include "ui/ui-private.h"

/* Word-wrap text (paragraphs separated by '\n') into at most max lines of
 * width columns; returns the number of lines. */
static int
guide_wrap(const char *text, int width, char lines[][256], int max)
{
	const char	*p = text, *word, *nl;
	int		 n = 0, len = 0, wl;

	if (width > 255)
		width = 255;
	lines[0][0] = '\0';
	while (*p != '\0' && n < max) {
		if (*p == '\n') {
			/* A new paragraph: a new line. */
			if (len > 0 && n + 1 < max) {
				n++;
				len = 0;
				lines[n][0] = '\0';
			}
			p++;
			continue;
		}
		if (*p == ' ') {
			p++;
			continue;
		}
		word = p;
		while (*p != '\0' && *p != ' ' && *p != '\n')
			p++;
		wl = (int)(p - word);
		if (len > 0 && len + 1 + wl > width) {
			if (n + 1 >= max) {
				/* Out of room: say so rather than cut words. */
				if (len + 2 <= width)
					strlcat(lines[n], " ~", 256);
				return n + 1;
			}
			n++;
			len = 0;
			lines[n][0] = '\0';
		}
		if (wl > width)
			wl = width;
		if (len > 0) {
			lines[n][len++] = ' ';
			lines[n][len] = '\0';
		}
		memcpy(lines[n] + len, word, wl);
		len += wl;
		lines[n][len] = '\0';
	}
	(void)nl;
	return len > 0 || n > 0 ? n + 1 : 0;
}

int
ui_guide_ready(struct ui *ui)
{
	const struct lesson_step	*st;

	if (ui->lesson == NULL)
		return 0;
	st = &ui->lesson->steps[ui->step];
	if (!st->has_run || !st->wait_end || ui->run == NULL)
		return 1;
	ui_run_live(ui);
	return ui->run->ended != 0;
}

/* The caption bar at row top; returns how many rows it took. */
int
ui_lesson_draw(struct ui *ui, int top, int caption)
{
	const struct lesson_step	*st;
	char				 lines[8][256], head[512];
	int				 n, i, max, w = ui->cols;

	if (ui->lesson == NULL)
		return 0;
	st = &ui->lesson->steps[ui->step];
	max = ui->rows >= 40 ? 6 : 3;
	n = caption ? guide_wrap(st->caption, w - 2, lines, max) : 0;
	const char			*hint = "";
	int				 hl;

	/* What to press, on the heading row's right, once it is time. */
	if (ui_guide_ready(ui))
		hint = ui->step + 1 < ui->lesson->nsteps ?
		    " Space: next  Bksp: back " : " the end  Bksp: back ";
	else if (st->has_run)
		hint = " running... ";
	hl = (int)strlen(hint);
	snprintf(head, sizeof head, " %zu/%zu  %s", ui->step + 1,
	    ui->lesson->nsteps, st->heading);
	ui_put(ui, top, 0, w - hl, C_SELECTED, head);
	ui_put(ui, top, w - hl, hl, C_KEY, hint);
	for (i = 0; i < n; i++)
		ui_putf(ui, top + 1 + i, 0, w, C_TITLE, " %s", lines[i]);
	return 1 + n;
}

/* A step without a run: its text fills the screen. */
void
ui_guide_page(struct ui *ui)
{
	const struct lesson_step	*st = &ui->lesson->steps[ui->step];
	char				 lines[20][256];
	int				 n, i, y;

	n = guide_wrap(st->caption, ui->cols - 6, lines, 20);
	for (y = ui->top; y < ui->rows; y++)
		ui_fill(ui, y, 0, ui->cols, C_NORMAL);
	y = ui->top + 2;
	ui_putf(ui, y, 3, ui->cols - 3, C_TITLE, "%s", st->heading);
	y += 2;
	for (i = 0; i < n && y < ui->rows - 2; i++)
		ui_putf(ui, y++, 3, ui->cols - 3, C_NORMAL, "%s", lines[i]);
	ui_put(ui, ui->rows - 1, 0, ui->cols, C_DIM, ui->step + 1 <
	    ui->lesson->nsteps ? " Space next step  Backspace back  q quit" :
	    " the end  Backspace back  q quit");
}

/* Go to step k: start its run (or show its page). */
void
ui_guide_goto(struct ui *ui, size_t k)
{
	struct lesson_step	*st;
	char			 label[300];

	if (ui->lesson == NULL || k >= ui->lesson->nsteps)
		return;
	ui->step = k;
	st = &ui->lesson->steps[k];
	if (ui->cast != NULL) {
		snprintf(label, sizeof label, "step %zu: %s", k + 1,
		    st->heading);
		cast_marker(ui->cast, label);
	}
	if (ui->run != NULL) {
		ui_run_free(ui->run);
		ui->run = NULL;
	}
	ui->screen = SCREEN_RUN;
	ui->opts.command = NULL;
	if (st->program != NULL) {
		/* The real program beside poolscope's own version of it. */
		if (ui->guide_tracer == NULL)
			ui->guide_tracer = python_tracer_dir(label,
			    sizeof label);
		if (ui->guide_tracer != NULL) {
			ui->opts.command = st->argv;
			ui->opts.tracer = ui->guide_tracer;
			ui_start_run(ui);
		}
	} else if (st->has_run) {
		ui->tl = &st->tl;
		ui->choice = st->cfg;
		ui_start_run(ui);
	}
	erase();
	ui->dirty = 1;
}

/* Space and Backspace in a lesson; 1 when the key was the lesson's. */
int
ui_guide_key(struct ui *ui, int key)
{
	if (ui->lesson == NULL)
		return 0;
	if (key == KEY_BACKSPACE || key == 127 || key == 8) {
		ui_guide_goto(ui, ui->step > 0 ? ui->step - 1 : 0);
		return 1;
	}
	if (key == ' ' && ui_guide_ready(ui)) {
		if (ui->step + 1 < ui->lesson->nsteps)
			ui_guide_goto(ui, ui->step + 1);
		return 1;
	}
	return 0;
}
