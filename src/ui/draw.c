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
	"↻", "∅", "▒", "▏", "‖",
	"←", "→",
	{ " ", "░", "▒", "▓", "█" }
};

static const struct ui_glyphs glyphs_ascii = {
	"-", "|", "+", "+", "+", "+", "+", "+",
	"#", "=", ".", "%",
	"#", ".",
	"^", "v", "~", "+", "x",
	"*", "N", "%", "|", "=",
	"<", ">",
	{ " ", ".", ":", "o", "#" }
};

/*
 * Themes as data (after htop's colour schemes): each element's foreground
 * and background, with two greys that depend on how many colours the
 * terminal has.  Task blocks are a colour per chunk, with text that reads
 * on it; a running task is hatched in its chunk's colour.
 */
#define T_DEF		-1	/* the terminal's own */
#define T_GREY		-2	/* 245, bright black, or white on 8 colours */
#define T_DARK		-3	/* 240, or black */
struct theme_pair {
	short	fg, bg;
};

static const struct theme_pair themes[THEME_N][C_NCOLORS] = {
	[THEME_DEFAULT] = {
		[C_NORMAL] = { T_DEF, T_DEF },
		[C_TITLE] = { COLOR_CYAN, T_DEF },
		[C_DIM] = { T_GREY, T_DEF },
		[C_KEY] = { COLOR_YELLOW, T_DEF },
		[C_WARN] = { COLOR_YELLOW, T_DEF },
		[C_ERROR] = { COLOR_RED, T_DEF },
		[C_OK] = { COLOR_GREEN, T_DEF },
		[C_STARTING] = { COLOR_MAGENTA, T_DEF },
		[C_IDLE] = { COLOR_BLUE, T_DEF },
		[C_BUSY] = { COLOR_GREEN, T_DEF },
		[C_PAUSED] = { COLOR_YELLOW, T_DEF },
		[C_EXITING] = { COLOR_MAGENTA, T_DEF },
		[C_EXITED] = { T_GREY, T_DEF },
		[C_CRASHED] = { COLOR_RED, T_DEF },
		[C_TASK_A] = { COLOR_BLACK, COLOR_GREEN },
		[C_TASK_B] = { COLOR_BLACK, COLOR_CYAN },
		[C_TASK_C] = { COLOR_BLACK, COLOR_YELLOW },
		[C_TASK_D] = { COLOR_BLACK, COLOR_MAGENTA },
		[C_TASK_FAIL] = { COLOR_WHITE, COLOR_RED },
		[C_RECEIVED] = { COLOR_GREEN, T_DEF },
		[C_WAITING] = { COLOR_YELLOW, T_DEF },
		[C_RUNNING] = { COLOR_CYAN, T_DEF },
		[C_PENDING] = { T_GREY, T_DEF },
		[C_SELECTED] = { COLOR_BLACK, COLOR_WHITE },
		[C_BAR] = { COLOR_GREEN, T_DEF },
		[C_FOCUS] = { COLOR_CYAN, T_DEF },
		[C_CHUNK0] = { COLOR_BLACK, COLOR_GREEN },
		[C_CHUNK1] = { COLOR_BLACK, COLOR_CYAN },
		[C_CHUNK2] = { COLOR_BLACK, COLOR_YELLOW },
		[C_CHUNK3] = { COLOR_BLACK, COLOR_MAGENTA },
		[C_CHUNK4] = { COLOR_WHITE, COLOR_BLUE },
		[C_CHUNK5] = { COLOR_BLACK, COLOR_WHITE },
		[C_HATCH0] = { COLOR_GREEN, T_DEF },
		[C_HATCH1] = { COLOR_CYAN, T_DEF },
		[C_HATCH2] = { COLOR_YELLOW, T_DEF },
		[C_HATCH3] = { COLOR_MAGENTA, T_DEF },
		[C_HATCH4] = { COLOR_BLUE, T_DEF },
		[C_HATCH5] = { COLOR_WHITE, T_DEF },
		[C_CALLER] = { COLOR_BLACK, T_GREY },
		[C_TICK] = { COLOR_BLACK, COLOR_GREEN },
		[C_SENTINEL] = { COLOR_MAGENTA, T_DEF },
	},
	/* For a light background (a projector, a white slide): dark text,
	 * saturated blocks, no yellow or grey text. */
	[THEME_LIGHT] = {
		[C_NORMAL] = { T_DEF, T_DEF },
		[C_TITLE] = { COLOR_BLUE, T_DEF },
		[C_DIM] = { T_DARK, T_DEF },
		[C_KEY] = { COLOR_MAGENTA, T_DEF },
		[C_WARN] = { COLOR_RED, T_DEF },
		[C_ERROR] = { COLOR_RED, T_DEF },
		[C_OK] = { COLOR_GREEN, T_DEF },
		[C_STARTING] = { COLOR_MAGENTA, T_DEF },
		[C_IDLE] = { COLOR_BLUE, T_DEF },
		[C_BUSY] = { COLOR_GREEN, T_DEF },
		[C_PAUSED] = { COLOR_MAGENTA, T_DEF },
		[C_EXITING] = { COLOR_MAGENTA, T_DEF },
		[C_EXITED] = { T_DARK, T_DEF },
		[C_CRASHED] = { COLOR_RED, T_DEF },
		[C_TASK_A] = { COLOR_WHITE, COLOR_BLUE },
		[C_TASK_B] = { COLOR_WHITE, COLOR_GREEN },
		[C_TASK_C] = { COLOR_WHITE, COLOR_MAGENTA },
		[C_TASK_D] = { COLOR_WHITE, COLOR_CYAN },
		[C_TASK_FAIL] = { COLOR_WHITE, COLOR_RED },
		[C_RECEIVED] = { COLOR_GREEN, T_DEF },
		[C_WAITING] = { COLOR_MAGENTA, T_DEF },
		[C_RUNNING] = { COLOR_BLUE, T_DEF },
		[C_PENDING] = { T_DARK, T_DEF },
		[C_SELECTED] = { COLOR_WHITE, COLOR_BLUE },
		[C_BAR] = { COLOR_BLUE, T_DEF },
		[C_FOCUS] = { COLOR_BLUE, T_DEF },
		[C_CHUNK0] = { COLOR_WHITE, COLOR_BLUE },
		[C_CHUNK1] = { COLOR_WHITE, COLOR_GREEN },
		[C_CHUNK2] = { COLOR_WHITE, COLOR_MAGENTA },
		[C_CHUNK3] = { COLOR_BLACK, COLOR_CYAN },
		[C_CHUNK4] = { COLOR_BLACK, COLOR_YELLOW },
		[C_CHUNK5] = { COLOR_WHITE, T_DARK },
		[C_HATCH0] = { COLOR_BLUE, T_DEF },
		[C_HATCH1] = { COLOR_GREEN, T_DEF },
		[C_HATCH2] = { COLOR_MAGENTA, T_DEF },
		[C_HATCH3] = { COLOR_CYAN, T_DEF },
		[C_HATCH4] = { COLOR_YELLOW, T_DEF },
		[C_HATCH5] = { T_DARK, T_DEF },
		[C_CALLER] = { COLOR_WHITE, T_DARK },
		[C_TICK] = { COLOR_WHITE, COLOR_GREEN },
		[C_SENTINEL] = { COLOR_MAGENTA, T_DEF },
	},
	/* Maximum contrast: white and bright colours on black, no dim text
	 * (ui_attr adds bold). */
	[THEME_HIGH_CONTRAST] = {
		[C_NORMAL] = { COLOR_WHITE, COLOR_BLACK },
		[C_TITLE] = { COLOR_CYAN, COLOR_BLACK },
		[C_DIM] = { COLOR_WHITE, COLOR_BLACK },
		[C_KEY] = { COLOR_YELLOW, COLOR_BLACK },
		[C_WARN] = { COLOR_YELLOW, COLOR_BLACK },
		[C_ERROR] = { COLOR_RED, COLOR_BLACK },
		[C_OK] = { COLOR_GREEN, COLOR_BLACK },
		[C_STARTING] = { COLOR_WHITE, COLOR_BLACK },
		[C_IDLE] = { COLOR_CYAN, COLOR_BLACK },
		[C_BUSY] = { COLOR_GREEN, COLOR_BLACK },
		[C_PAUSED] = { COLOR_YELLOW, COLOR_BLACK },
		[C_EXITING] = { COLOR_WHITE, COLOR_BLACK },
		[C_EXITED] = { COLOR_WHITE, COLOR_BLACK },
		[C_CRASHED] = { COLOR_RED, COLOR_BLACK },
		[C_TASK_A] = { COLOR_BLACK, COLOR_WHITE },
		[C_TASK_B] = { COLOR_BLACK, COLOR_YELLOW },
		[C_TASK_C] = { COLOR_BLACK, COLOR_CYAN },
		[C_TASK_D] = { COLOR_BLACK, COLOR_GREEN },
		[C_TASK_FAIL] = { COLOR_WHITE, COLOR_RED },
		[C_RECEIVED] = { COLOR_GREEN, COLOR_BLACK },
		[C_WAITING] = { COLOR_YELLOW, COLOR_BLACK },
		[C_RUNNING] = { COLOR_CYAN, COLOR_BLACK },
		[C_PENDING] = { COLOR_WHITE, COLOR_BLACK },
		[C_SELECTED] = { COLOR_BLACK, COLOR_WHITE },
		[C_BAR] = { COLOR_WHITE, COLOR_BLACK },
		[C_FOCUS] = { COLOR_YELLOW, COLOR_BLACK },
		[C_CHUNK0] = { COLOR_BLACK, COLOR_WHITE },
		[C_CHUNK1] = { COLOR_BLACK, COLOR_YELLOW },
		[C_CHUNK2] = { COLOR_BLACK, COLOR_CYAN },
		[C_CHUNK3] = { COLOR_BLACK, COLOR_GREEN },
		[C_CHUNK4] = { COLOR_BLACK, COLOR_MAGENTA },
		[C_CHUNK5] = { COLOR_WHITE, COLOR_BLUE },
		[C_HATCH0] = { COLOR_WHITE, COLOR_BLACK },
		[C_HATCH1] = { COLOR_YELLOW, COLOR_BLACK },
		[C_HATCH2] = { COLOR_CYAN, COLOR_BLACK },
		[C_HATCH3] = { COLOR_GREEN, COLOR_BLACK },
		[C_HATCH4] = { COLOR_MAGENTA, COLOR_BLACK },
		[C_HATCH5] = { COLOR_BLUE, COLOR_BLACK },
		[C_CALLER] = { COLOR_BLACK, COLOR_WHITE },
		[C_TICK] = { COLOR_BLACK, COLOR_GREEN },
		[C_SENTINEL] = { COLOR_MAGENTA, COLOR_BLACK },
	},
};

/* Without colour (--theme mono, NO_COLOR, a terminal without): an
 * attribute stands for each element. */
static const int mono_attr[C_NCOLORS] = {
	[C_TITLE] = A_BOLD, [C_DIM] = A_DIM, [C_KEY] = A_BOLD,
	[C_WARN] = A_BOLD, [C_ERROR] = A_BOLD | A_UNDERLINE,
	[C_BUSY] = A_BOLD, [C_PAUSED] = A_UNDERLINE,
	[C_CRASHED] = A_BOLD | A_UNDERLINE, [C_EXITED] = A_DIM,
	[C_TASK_A] = A_REVERSE, [C_TASK_B] = A_REVERSE | A_BOLD,
	[C_TASK_C] = A_REVERSE, [C_TASK_D] = A_REVERSE | A_BOLD,
	[C_TASK_FAIL] = A_REVERSE | A_UNDERLINE, [C_RECEIVED] = A_BOLD,
	[C_RUNNING] = A_REVERSE, [C_PENDING] = A_DIM,
	[C_SELECTED] = A_REVERSE, [C_BAR] = A_BOLD,
	[C_FOCUS] = A_BOLD | A_UNDERLINE,
	[C_CHUNK0] = A_REVERSE, [C_CHUNK1] = A_REVERSE | A_BOLD,
	[C_CHUNK2] = A_REVERSE, [C_CHUNK3] = A_REVERSE | A_BOLD,
	[C_CHUNK4] = A_REVERSE, [C_CHUNK5] = A_REVERSE | A_BOLD,
	[C_HATCH0] = A_NORMAL, [C_HATCH1] = A_BOLD, [C_HATCH2] = A_NORMAL,
	[C_HATCH3] = A_BOLD, [C_HATCH4] = A_NORMAL, [C_HATCH5] = A_BOLD,
	[C_CALLER] = A_UNDERLINE, [C_TICK] = A_REVERSE | A_BOLD,
	[C_SENTINEL] = A_BOLD,
};

static short
theme_color(struct ui *ui, short c)
{
	if (c == T_GREY)
		return ui->colors >= 256 ? 245 : ui->colors >= 16 ? 8 :
		    COLOR_WHITE;
	if (c == T_DARK)
		return ui->colors >= 256 ? 240 : COLOR_BLACK;
	return c;
}

void
ui_draw_init(struct ui *ui)
{
	const struct theme_pair	*t;
	int			 i, theme;

	ui->g = ui->utf8 ? &glyphs_utf8 : &glyphs_ascii;
	if (ui->colors == 0)
		return;
	use_default_colors();
	theme = ui->opts.theme < THEME_N && ui->opts.theme != THEME_MONO ?
	    ui->opts.theme : THEME_DEFAULT;
	for (i = 1; i < C_NCOLORS; i++) {
		t = &themes[theme][i];
		init_pair(i, theme_color(ui, t->fg), theme_color(ui, t->bg));
	}
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
	ui_put_attr(ui, y, x, width, color, 0, s);
}

/* The same, with an attribute added to the colour's (the cursor's). */
void
ui_put_attr(struct ui *ui, int y, int x, int width, int color, int extra,
    const char *s)
{
	mbstate_t	st;
	wchar_t		wc;
	size_t		n;
	int		used = 0, cw, attr = ui_attr(ui, color) | extra;

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
