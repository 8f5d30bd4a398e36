/*
 * draw.c: glyphs (UTF-8 or ASCII), colours (256, 16, 8 or none) and the
 * small helpers every panel uses.  Every write pads to its width, so panels
 * overwrite what was there and the screen is never cleared per frame.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "util.h"
#include "ui/ui-private.h"

static const struct ui_glyphs glyphs_utf8 = {
	"─", "│", "┌", "┐", "└", "┘", "├", "┤",
	"█", "▓", "░", "▒",
	"█", "░",
	"↑", "↓", "…", "✓", "✗",
	"↻"
};

static const struct ui_glyphs glyphs_ascii = {
	"-", "|", "+", "+", "+", "+", "+", "+",
	"#", "=", ".", "%",
	"#", ".",
	"^", "v", "~", "+", "x",
	"*"
};

/* Fallback attributes when there is no colour: each pair stands for one. */
static int	mono_attr[C_NCOLORS];

/* For a light terminal background (a projector, a white slide): dark
 * text, saturated block colours, no yellow or grey text. */
static void
ui_theme_light(struct ui *ui)
{
	init_pair(C_NORMAL, -1, -1);
	init_pair(C_TITLE, COLOR_BLUE, -1);
	init_pair(C_DIM, ui->colors >= 256 ? 240 : COLOR_BLACK, -1);
	init_pair(C_KEY, COLOR_MAGENTA, -1);
	init_pair(C_WARN, COLOR_RED, -1);
	init_pair(C_ERROR, COLOR_RED, -1);
	init_pair(C_OK, COLOR_GREEN, -1);
	init_pair(C_STARTING, COLOR_MAGENTA, -1);
	init_pair(C_IDLE, COLOR_BLUE, -1);
	init_pair(C_BUSY, COLOR_GREEN, -1);
	init_pair(C_PAUSED, COLOR_MAGENTA, -1);
	init_pair(C_EXITING, COLOR_MAGENTA, -1);
	init_pair(C_EXITED, ui->colors >= 256 ? 244 : COLOR_BLACK, -1);
	init_pair(C_CRASHED, COLOR_RED, -1);
	init_pair(C_TASK_A, COLOR_WHITE, COLOR_BLUE);
	init_pair(C_TASK_B, COLOR_WHITE, COLOR_GREEN);
	init_pair(C_TASK_C, COLOR_WHITE, COLOR_MAGENTA);
	init_pair(C_TASK_D, COLOR_WHITE, COLOR_CYAN);
	init_pair(C_TASK_FAIL, COLOR_WHITE, COLOR_RED);
	init_pair(C_RECEIVED, COLOR_GREEN, -1);
	init_pair(C_WAITING, COLOR_MAGENTA, -1);
	init_pair(C_RUNNING, COLOR_BLUE, -1);
	init_pair(C_PENDING, ui->colors >= 256 ? 244 : COLOR_BLACK, -1);
	init_pair(C_SELECTED, COLOR_WHITE, COLOR_BLUE);
	init_pair(C_BAR, COLOR_BLUE, -1);
	init_pair(C_FOCUS, COLOR_BLUE, -1);
}

/* Maximum contrast: white and bright colours on black, no dim text. */
static void
ui_theme_high_contrast(struct ui *ui)
{
	int	i;

	for (i = 1; i < C_NCOLORS; i++)
		init_pair(i, COLOR_WHITE, COLOR_BLACK);
	init_pair(C_TITLE, COLOR_CYAN, COLOR_BLACK);
	init_pair(C_KEY, COLOR_YELLOW, COLOR_BLACK);
	init_pair(C_WARN, COLOR_YELLOW, COLOR_BLACK);
	init_pair(C_ERROR, COLOR_RED, COLOR_BLACK);
	init_pair(C_OK, COLOR_GREEN, COLOR_BLACK);
	init_pair(C_BUSY, COLOR_GREEN, COLOR_BLACK);
	init_pair(C_IDLE, COLOR_CYAN, COLOR_BLACK);
	init_pair(C_PAUSED, COLOR_YELLOW, COLOR_BLACK);
	init_pair(C_CRASHED, COLOR_RED, COLOR_BLACK);
	init_pair(C_TASK_A, COLOR_BLACK, COLOR_WHITE);
	init_pair(C_TASK_B, COLOR_BLACK, COLOR_YELLOW);
	init_pair(C_TASK_C, COLOR_BLACK, COLOR_CYAN);
	init_pair(C_TASK_D, COLOR_BLACK, COLOR_GREEN);
	init_pair(C_TASK_FAIL, COLOR_WHITE, COLOR_RED);
	init_pair(C_RECEIVED, COLOR_GREEN, COLOR_BLACK);
	init_pair(C_WAITING, COLOR_YELLOW, COLOR_BLACK);
	init_pair(C_RUNNING, COLOR_CYAN, COLOR_BLACK);
	init_pair(C_SELECTED, COLOR_BLACK, COLOR_WHITE);
	init_pair(C_BAR, COLOR_WHITE, COLOR_BLACK);
	init_pair(C_FOCUS, COLOR_YELLOW, COLOR_BLACK);
	(void)ui;
}

void
ui_draw_init(struct ui *ui)
{
	int	fg_dim, i;

	ui->g = ui->utf8 ? &glyphs_utf8 : &glyphs_ascii;
	for (i = 0; i < C_NCOLORS; i++)
		mono_attr[i] = A_NORMAL;
	mono_attr[C_TITLE] = A_BOLD;
	mono_attr[C_DIM] = A_DIM;
	mono_attr[C_KEY] = A_BOLD;
	mono_attr[C_WARN] = A_BOLD;
	mono_attr[C_ERROR] = A_BOLD | A_UNDERLINE;
	mono_attr[C_BUSY] = A_BOLD;
	mono_attr[C_PAUSED] = A_UNDERLINE;
	mono_attr[C_CRASHED] = A_BOLD | A_UNDERLINE;
	mono_attr[C_EXITED] = A_DIM;
	mono_attr[C_TASK_A] = A_REVERSE;
	mono_attr[C_TASK_B] = A_REVERSE | A_BOLD;
	mono_attr[C_TASK_C] = A_REVERSE;
	mono_attr[C_TASK_D] = A_REVERSE | A_BOLD;
	mono_attr[C_TASK_FAIL] = A_REVERSE | A_UNDERLINE;
	mono_attr[C_RECEIVED] = A_BOLD;
	mono_attr[C_RUNNING] = A_REVERSE;
	mono_attr[C_PENDING] = A_DIM;
	mono_attr[C_SELECTED] = A_REVERSE;
	mono_attr[C_BAR] = A_BOLD;
	mono_attr[C_FOCUS] = A_BOLD | A_UNDERLINE;
	if (ui->colors == 0)
		return;

	use_default_colors();
	if (ui->opts.theme == THEME_LIGHT) {
		ui_theme_light(ui);
		return;
	}
	if (ui->opts.theme == THEME_HIGH_CONTRAST) {
		ui_theme_high_contrast(ui);
		return;
	}
	fg_dim = ui->colors >= 16 ? 8 : COLOR_WHITE;	/* bright black = grey */
	if (ui->colors >= 256)
		fg_dim = 245;
	init_pair(C_NORMAL, -1, -1);
	init_pair(C_TITLE, COLOR_CYAN, -1);
	init_pair(C_DIM, fg_dim, -1);
	init_pair(C_KEY, COLOR_YELLOW, -1);
	init_pair(C_WARN, COLOR_YELLOW, -1);
	init_pair(C_ERROR, COLOR_RED, -1);
	init_pair(C_OK, COLOR_GREEN, -1);
	init_pair(C_STARTING, COLOR_MAGENTA, -1);
	init_pair(C_IDLE, COLOR_BLUE, -1);
	init_pair(C_BUSY, COLOR_GREEN, -1);
	init_pair(C_PAUSED, COLOR_YELLOW, -1);
	init_pair(C_EXITING, COLOR_MAGENTA, -1);
	init_pair(C_EXITED, fg_dim, -1);
	init_pair(C_CRASHED, COLOR_RED, -1);
	/* Task blocks: black text on alternating backgrounds, so neighbours
	 * (and chunks) stand apart. */
	init_pair(C_TASK_A, COLOR_BLACK, COLOR_GREEN);
	init_pair(C_TASK_B, COLOR_BLACK, COLOR_CYAN);
	init_pair(C_TASK_C, COLOR_BLACK, COLOR_YELLOW);
	init_pair(C_TASK_D, COLOR_BLACK, COLOR_MAGENTA);
	init_pair(C_TASK_FAIL, COLOR_WHITE, COLOR_RED);
	init_pair(C_RECEIVED, COLOR_GREEN, -1);
	init_pair(C_WAITING, COLOR_YELLOW, -1);
	init_pair(C_RUNNING, COLOR_CYAN, -1);
	init_pair(C_PENDING, fg_dim, -1);
	init_pair(C_SELECTED, COLOR_BLACK, COLOR_WHITE);
	init_pair(C_BAR, COLOR_GREEN, -1);
	init_pair(C_FOCUS, COLOR_CYAN, -1);
}

int
ui_attr(struct ui *ui, int color)
{
	int	a;

	if (color <= 0 || color >= C_NCOLORS)
		return A_NORMAL;
	if (ui->colors == 0)
		return mono_attr[color];
	a = COLOR_PAIR(color);
	if (ui->opts.theme == THEME_HIGH_CONTRAST && color != C_SELECTED &&
	    color < C_TASK_A)
		a |= A_BOLD;
	if (color == C_TITLE || color == C_KEY || color == C_CRASHED ||
	    color == C_ERROR || color == C_FOCUS)
		a |= A_BOLD;
	return a;
}

/* Display width of a UTF-8 string (invalid bytes count as one). */
size_t
ui_strwidth(const char *s)
{
	mbstate_t	st;
	wchar_t		wc;
	size_t		n, w = 0;
	int		cw;

	memset(&st, 0, sizeof st);
	while (*s != '\0') {
		n = mbrtowc(&wc, s, MB_CUR_MAX, &st);
		if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
			memset(&st, 0, sizeof st);
			s++;
			w++;
			continue;
		}
		cw = wcwidth(wc);
		w += cw < 0 ? 1 : (size_t)cw;
		s += n;
	}
	return w;
}

/* Write s at (y, x), cut or padded to exactly width columns. */
void
ui_put(struct ui *ui, int y, int x, int width, int color, const char *s)
{
	mbstate_t	st;
	wchar_t		wc;
	size_t		n;
	int		used = 0, cw, attr = ui_attr(ui, color);

	if (width <= 0 || y < 0 || y >= ui->rows || x >= ui->cols)
		return;
	if (x + width > ui->cols)
		width = ui->cols - x;
	attron(attr);
	move(y, x);
	memset(&st, 0, sizeof st);
	while (s != NULL && *s != '\0' && used < width) {
		n = mbrtowc(&wc, s, MB_CUR_MAX, &st);
		if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
			memset(&st, 0, sizeof st);
			addch('?');
			s++;
			used++;
			continue;
		}
		cw = wcwidth(wc);
		if (wc == L'\t' || wc == L'\r') {
			addch(' ');
			cw = 1;
		} else if (cw < 0) {
			addch('?');	/* a control character: harmless */
			cw = 1;
		} else {
			if (used + cw > width)
				break;
			addnstr(s, (int)n);
		}
		used += cw;
		s += n;
	}
	while (used++ < width)
		addch(' ');
	attroff(attr);
}

void
ui_putf(struct ui *ui, int y, int x, int width, int color, const char *fmt,
    ...)
{
	char	buf[1024];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	ui_put(ui, y, x, width, color, buf);
}

void
ui_fill(struct ui *ui, int y, int x, int width, int color)
{
	ui_put(ui, y, x, width, color, "");
}

/* A horizontal rule with an optional title: "── Workers ─────". */
void
ui_hline(struct ui *ui, int y, int x, int width, int color, const char *title)
{
	int	i, tw = 0, attr = ui_attr(ui, color);

	if (y < 0 || y >= ui->rows)
		return;
	move(y, x);
	attron(attr);
	if (title != NULL && *title != '\0') {
		addstr(ui->g->h);
		addstr(" ");
		attroff(attr);
		attron(ui_attr(ui, C_TITLE));
		addstr(title);
		attroff(ui_attr(ui, C_TITLE));
		attron(attr);
		addstr(" ");
		tw = 3 + (int)ui_strwidth(title);
	}
	for (i = tw; i < width && x + i < ui->cols; i++)
		addstr(ui->g->h);
	attroff(attr);
}

int
ui_state_color(int state)
{
	switch (state) {
	case WS_STARTING:
		return C_STARTING;
	case WS_IDLE:
		return C_IDLE;
	case WS_BUSY:
		return C_BUSY;
	case WS_PAUSED:
		return C_PAUSED;
	case WS_EXITING:
		return C_EXITING;
	case WS_CRASHED:
		return C_CRASHED;
	case WS_STOPPED:
		return C_WARN;
	default:
		return C_EXITED;
	}
}

void
ui_too_small(struct ui *ui)
{
	char	buf[128];
	int	y = ui->rows / 2, x;

	erase();
	snprintf(buf, sizeof buf, "terminal too small (%dx%d needed)",
	    UI_MIN_COLS, UI_MIN_ROWS);
	x = (ui->cols - (int)strlen(buf)) / 2;
	mvaddnstr(y > 0 ? y - 1 : 0, x < 0 ? 0 : x, buf, ui->cols);
	snprintf(buf, sizeof buf, "now %dx%d; q quits", ui->cols, ui->rows);
	x = (ui->cols - (int)strlen(buf)) / 2;
	if (y + 1 < ui->rows)
		mvaddnstr(y, x < 0 ? 0 : x, buf, ui->cols);
}
