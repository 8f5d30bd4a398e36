/*
 * keys.c: a screen's keys are one table (struct ui_key, after htop's
 * bindings and tmux's key tables with their notes).  The same table maps a
 * key to its action, writes the footer and writes the help overlay, so a
 * key cannot be handled without being listed, nor listed without being
 * handled.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "util.h"
#include "ui/ui-private.h"

const struct ui_key *
ui_key_find(const struct ui_key *t, int key, unsigned when)
{
	for (; t->action != ACT_NONE; t++)
		if (t->key == key && (t->when & when))
			return t;
	return NULL;
}

/* The footer: the keys with a word, left to right while they fit, then
 * the help key; if any had to be left out, the help key says "more".
 * Returns the columns it took. */
int
ui_keys_footer(struct ui *ui, const struct ui_key *t, unsigned when, int y)
{
	const struct ui_key	*k, *help = NULL, *quit = NULL;
	int			 x = 0, tail, kw, dw, dropped = 0;

	for (k = t; k->action != ACT_NONE; k++) {
		if (k->fkey == NULL || !(k->when & when))
			continue;
		if (k->action == ACT_HELP)
			help = k;
		else if (k->action == ACT_QUIT)
			quit = k;
	}
	tail = (help ? (int)ui_strwidth(help->fkey) + 6 : 0) +
	    (quit ? (int)ui_strwidth(quit->fkey) + (int)strlen(quit->fword) +
	    2 : 0);
	for (k = t; k->action != ACT_NONE; k++) {
		if (k->fkey == NULL || !(k->when & when) || k == help ||
		    k == quit)
			continue;
		kw = (int)ui_strwidth(k->fkey);
		dw = (int)strlen(k->fword);
		if (x + kw + dw + 2 + tail > ui->cols) {
			dropped = 1;
			continue;
		}
		ui_put(ui, y, x, kw + 1, C_KEY, k->fkey);
		ui_put(ui, y, x + kw + 1, dw + 1, C_DIM, k->fword);
		x += kw + dw + 2;
	}
	for (k = help; k != NULL; k = k == help ? quit : NULL) {
		const char *word = k == help && dropped ? "more" : k->fword;

		kw = (int)ui_strwidth(k->fkey);
		dw = (int)strlen(word);
		ui_put(ui, y, x, kw + 1, C_KEY, k->fkey);
		ui_put(ui, y, x + kw + 1, dw + 1, C_DIM, word);
		x += kw + dw + 2;
	}
	if (x < ui->cols)
		ui_fill(ui, y, x, ui->cols - x, C_NORMAL);
	return x;
}

/* The help overlay: a closed box (nothing behind shows through) with a
 * line per key that has help, its text wrapped under it. */
void
ui_keys_help(struct ui *ui, const struct ui_key *t, unsigned when,
    const char *title)
{
	const struct ui_key	*k;
	char			 lines[48][160];
	int			 n = 0, i, w, x, y, kw = 0, tw;
	const char		*p, *end;

	for (k = t; k->action != ACT_NONE; k++)
		if (k->help != NULL && (k->when & when) &&
		    (int)strlen(k->keys) > kw)
			kw = (int)strlen(k->keys);
	w = ui->cols - 4 < 78 ? ui->cols - 4 : 78;
	tw = w - 4 - kw - 2;
	for (k = t; k->action != ACT_NONE && n < 47; k++) {
		if (k->help == NULL || !(k->when & when))
			continue;
		/* The text, wrapped at spaces to the column. */
		for (p = k->help, i = 0; *p != '\0' && n < 47; i++) {
			end = p + strlen(p);
			if ((int)ui_strwidth(p) > tw) {
				end = p + tw;
				while (end > p && *end != ' ')
					end--;
				if (end == p)
					end = p + tw;
			}
			snprintf(lines[n++], sizeof lines[0], "%-*s  %.*s", kw,
			    i == 0 ? k->keys : "", (int)(end - p), p);
			p = *end == ' ' ? end + 1 : end;
		}
	}
	snprintf(lines[n++], sizeof lines[0], "%-*s  %s", kw, "",
	    "(any key closes this)");
	x = (ui->cols - w) / 2;
	y = (ui->rows - n - 2) / 2;
	if (y < 0)
		y = 0;
	if (n > ui->rows - 2)
		n = ui->rows - 2;
	ui_put(ui, y, x, 1, C_TITLE, ui->g->tl);
	ui_hline(ui, y, x + 1, w - 2, C_TITLE, title);
	ui_put(ui, y, x + w - 1, 1, C_TITLE, ui->g->tr);
	for (i = 0; i < n; i++) {
		ui_put(ui, y + 1 + i, x, 1, C_TITLE, ui->g->v);
		ui_put(ui, y + 1 + i, x + 1, 1, C_NORMAL, "");
		ui_put(ui, y + 1 + i, x + 2, kw, C_KEY, lines[i]);
		ui_put(ui, y + 1 + i, x + 2 + kw, w - 3 - kw, C_NORMAL,
		    lines[i] + kw);
		ui_put(ui, y + 1 + i, x + w - 1, 1, C_TITLE, ui->g->v);
	}
	ui_put(ui, y + n + 1, x, 1, C_TITLE, ui->g->bl);
	ui_hline(ui, y + n + 1, x + 1, w - 2, C_TITLE, NULL);
	ui_put(ui, y + n + 1, x + w - 1, 1, C_TITLE, ui->g->br);
}

/* A screen's table with the arrows' glyphs put in: footer keys written
 * "\x01" (Up Down) and "\x02" (Left Right) become the terminal's arrows.
 * copy holds n entries, the table's length; made once. */
const struct ui_key *
ui_keys_glyphs(struct ui *ui, const struct ui_key *t, struct ui_key *copy,
    size_t n)
{
	static char	ud[16], lr[16];
	size_t		i;

	if (copy[0].action != ACT_NONE)
		return copy;
	snprintf(ud, sizeof ud, "%s%s", ui->g->arrow_up, ui->g->arrow_down);
	snprintf(lr, sizeof lr, "%s%s", ui->g->arrow_left, ui->g->arrow_right);
	for (i = 0; i < n; i++) {
		copy[i] = t[i];
		if (copy[i].fkey != NULL && copy[i].fkey[0] == '\x01')
			copy[i].fkey = ud;
		else if (copy[i].fkey != NULL && copy[i].fkey[0] == '\x02')
			copy[i].fkey = lr;
	}
	return copy;
}
