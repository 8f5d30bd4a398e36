/*
 * setup.c: the set-up screen.  The user picks the pool size (against the
 * number of processors), the call style (each with what the caller does and
 * the order results come back in), chunksize, time scale and max tasks per
 * child, and a task list: one of assets/, a file, or lines typed into an
 * editor.  A task list that does not parse shows its error in place
 * (line and column) instead of starting.
 */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"
#include "assets.h"
#include "source.h"
#include "lesson/lesson.h"
#include "ui/ui-private.h"

/* In screen order. */
enum field {
	F_WORKERS, F_CHUNK, F_SCALE, F_PACE, F_MAXTASKS, F_LESSON, F_MODE,
	F_TASKS, F_START, F_NFIELDS
};

/* The steps Left and Right take the pace through (ms). */
static const int pace_steps[] = { 0, 50, 100, 200, 300, 500, 1000, 2000,
	5000, 10000, 30000, 60000 };

enum edit_kind { EDIT_NONE, EDIT_TEXT, EDIT_PATH };

struct entry {
	char		*name;		/* shown */
	char		*desc;
	char		*path;		/* NULL: typed or command line */
	size_t		 ntasks;
	int		 program;	/* a Python program, run as it is */
};

#define EDIT_LINES	64
#define EDIT_COLS	120

struct setup {
	int		 field;
	struct entry	*entries;
	int		 nentries;
	int		 sel;		/* chosen entry */
	int		 list_top;
	int		 typed;		/* index of the "type your own" entry */
	int		 file;		/* index of the "a file" entry */
	int		 cmdline;	/* index of the command-line list, or -1 */

	struct tasklist	 lists[2];	/* the chosen list, double-buffered */
	int		 cur;		/* which of lists is ui->tl */

	int		 editing;	/* enum edit_kind */
	char		 text[EDIT_LINES][EDIT_COLS];
	int		 nlines, crow, ccol;
	char		 path[PATH_MAX];
	int		 plen;

	char		 error[1024];	/* a parse error, shown in place */
	int		 typing;	/* the field a number is typed into, -1 */
	char		 num[16];	/* what was typed there */
	int		 help;		/* the keys' help is shown */

	char	       **lesson_names;	/* the shipped lessons */
	char	       **lesson_titles;
	int		 nlessons;
	int		 lesson_sel;	/* -1: none */
	struct lesson	 lesson;	/* the one started from here */
	int		 lesson_loaded;
	int		 mode_y;	/* screen row of the first mode */
	int		 list_y;	/* screen row of the first list entry */
	int		 list_rows;
	int		 field_y[F_NFIELDS];
	char		*argv[3];	/* python3 and the program chosen */
	char		*tracer;	/* where poolscope's tracer is */
};

static const char *mode_label[MODE_NMODES] = {
	"apply (sync)", "map", "imap", "imap_unordered", "apply_async (async)",
	"process"
};

/* What the caller does, and the order results come back in. */
static const char *mode_help[MODE_NMODES] = {
	"blocks on each task in turn; results in submission order",
	"blocked until all are done; results in order at the end",
	"gets each result once it and all before it are done",
	"gets each chunk's results as it ends: completion order",
	"free; callbacks get results as tasks end: any order",
	"a Process per task, N at a time: start all, join all",
};

static int	setup_start(struct ui *);

static struct setup *
setup_of(struct ui *ui)
{
	return ui->setup;
}

/* "squares.tasks: Pool(5).map(square, 1..10)." -> the description. */
static char *
setup_describe(const char *path)
{
	FILE	*f;
	char	 line[512], *p, *e;

	if ((f = fopen(path, "r")) == NULL)
		return xstrdup("");
	if (fgets(line, sizeof line, f) == NULL) {
		fclose(f);
		return xstrdup("");
	}
	fclose(f);
	line[strcspn(line, "\n")] = '\0';
	p = line;
	if (*p == '#')
		p++;
	if ((e = strstr(p, ": ")) != NULL)
		p = e + 2;
	while (isspace((unsigned char)*p))
		p++;
	if ((e = strstr(p, ". ")) != NULL)
		e[1] = '\0';
	return xstrdup(p);
}

static int
setup_entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->name,
	    ((const struct entry *)b)->name);
}

static void
setup_add(struct setup *st, const char *name, const char *desc,
    const char *path, size_t n)
{
	struct entry	*e;

	st->entries = xreallocarray(st->entries, st->nentries + 1,
	    sizeof *st->entries);
	e = &st->entries[st->nentries++];
	e->name = xstrdup(name);
	e->desc = xstrdup(desc);
	e->path = path ? xstrdup(path) : NULL;
	e->ntasks = n;
	e->program = 0;
}

/* The Python examples shipped in assets/python/, each run as it is. */
static void
setup_scan_programs(struct setup *st)
{
	char		*dirs[ASSETS_NDIRS], path[PATH_MAX];
	struct dirent	*de;
	DIR		*d = NULL;
	size_t		 len, i, nd;
	int		 first = st->nentries;

	nd = assets_dirs(dirs, "python");
	for (i = 0; i < nd && d == NULL; i++)
		if ((d = opendir(dirs[i])) != NULL)
			break;
	while (d != NULL && (de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (len < 4 || strcmp(de->d_name + len - 3, ".py") != 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", dirs[i], de->d_name);
		setup_add(st, de->d_name, "a Python program, run as it is: "
		    "its own pool", path, 0);
		st->entries[st->nentries - 1].program = 1;
	}
	if (d != NULL)
		closedir(d);
	assets_dirs_free(dirs, nd);
	qsort(st->entries + first, st->nentries - first, sizeof *st->entries,
	    setup_entry_cmp);
}

/* The program chosen, by its file's name. */
static const char *
setup_program_name(const struct setup *st)
{
	const char	*slash;

	if (st->argv[1] == NULL)
		return "";
	slash = strrchr(st->argv[1], '/');
	return slash != NULL ? slash + 1 : st->argv[1];
}

/* A Python program chosen: the next run is it, under the tracer. */
static int
setup_program(struct ui *ui, int entry, const char *path)
{
	struct setup	*st = setup_of(ui);

	if (st->tracer == NULL && (st->tracer = python_tracer_dir(st->error,
	    sizeof st->error)) == NULL)
		return -1;
	if (access(path, R_OK) != 0) {
		snprintf(st->error, sizeof st->error, "cannot read '%s': %s",
		    path, strerror(errno));
		return -1;
	}
	free(st->argv[1]);
	st->argv[0] = "python3";
	st->argv[1] = xstrdup(path);
	st->argv[2] = NULL;
	ui->opts.command = st->argv;
	ui->opts.tracer = st->tracer;
	st->sel = entry;
	st->error[0] = '\0';
	return 0;
}

/* The task lists shipped in assets/ (assets.h says where). */
static void
setup_scan_assets(struct setup *st)
{
	char		*dirs[ASSETS_NDIRS];
	char		 path[PATH_MAX], err[256], *desc;
	struct dirent	*de;
	struct tasklist	 tl;
	DIR		*d = NULL;
	size_t		 len, i, nd;
	int		 first = st->nentries;

	nd = assets_dirs(dirs, "");
	for (i = 0; i < nd && d == NULL; i++)
		if ((d = opendir(dirs[i])) != NULL)
			break;
	if (d == NULL) {
		assets_dirs_free(dirs, nd);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (len < 7 || strcmp(de->d_name + len - 6, ".tasks") != 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", dirs[i], de->d_name);
		memset(&tl, 0, sizeof tl);
		if (tasklist_parse_file(&tl, path, err, sizeof err) != 0)
			continue;
		desc = setup_describe(path);
		de->d_name[len - 6] = '\0';
		setup_add(st, de->d_name, desc, path, tl.n);
		free(desc);
		tasklist_free(&tl);
	}
	closedir(d);
	assets_dirs_free(dirs, nd);
	qsort(st->entries + first, st->nentries - first, sizeof *st->entries,
	    setup_entry_cmp);
	setup_scan_programs(st);
}

static void
setup_lesson_seen(void *arg, const char *name, const char *title,
    const char *summary)
{
	struct setup	*st = arg;

	(void)summary;
	st->lesson_names = xreallocarray(st->lesson_names, st->nlessons + 1,
	    sizeof *st->lesson_names);
	st->lesson_titles = xreallocarray(st->lesson_titles, st->nlessons + 1,
	    sizeof *st->lesson_titles);
	st->lesson_names[st->nlessons] = xstrdup(name);
	st->lesson_titles[st->nlessons++] = xstrdup(title);
}

/* Load the chosen lesson and hand it to the screen; -1 with the error
 * shown in place. */
static int
setup_lesson_load(struct ui *ui)
{
	struct setup	*st = setup_of(ui);
	char		*dirs[ASSETS_NDIRS], path[4096];
	size_t		 nd;
	int		 rc;

	if (st->lesson_sel < 0)
		return -1;
	if (st->lesson_loaded) {
		if (ui->lesson == &st->lesson)
			ui->lesson = NULL;
		lesson_free(&st->lesson);
		st->lesson_loaded = 0;
	}
	nd = assets_dirs(dirs, "lessons");
	rc = lesson_find(st->lesson_names[st->lesson_sel],
	    (const char *const *)dirs, nd, path, sizeof path, st->error,
	    sizeof st->error);
	assets_dirs_free(dirs, nd);
	if (rc != 0 || lesson_load(&st->lesson, path, util_cpu_count(),
	    st->error, sizeof st->error) != 0)
		return -1;
	st->lesson_loaded = 1;
	st->error[0] = '\0';
	ui->lesson = &st->lesson;
	return 0;
}

void
ui_setup_init(struct ui *ui)
{
	struct setup	*st = xcalloc(1, sizeof *st);
	char		 desc[256], *dirs[ASSETS_NDIRS];
	size_t		 nd;

	ui->setup = st;
	st->lesson_sel = -1;
	nd = assets_dirs(dirs, "lessons");
	lesson_list((const char *const *)dirs, nd, setup_lesson_seen, st);
	assets_dirs_free(dirs, nd);
	st->cmdline = -1;
	if (ui->tl != NULL && ui->tl->n > 0) {
		/* The list given on the command line, first and chosen. */
		st->lists[0] = *ui->tl;
		memset(ui->tl, 0, sizeof *ui->tl);
		snprintf(desc, sizeof desc, "given on the command line (%s)",
		    st->lists[0].name ? st->lists[0].name : "--tasks");
		setup_add(st, st->lists[0].name && strcmp(st->lists[0].name,
		    "--tasks") != 0 ? st->lists[0].name : "command line", desc,
		    NULL, st->lists[0].n);
		st->cmdline = 0;
		st->sel = 0;
		ui->tl = &st->lists[0];
	} else
		ui->tl = NULL;
	setup_scan_assets(st);
	st->typed = st->nentries;
	setup_add(st, "type a list", "write tasks in an editor (e)", NULL, 0);
	st->file = st->nentries;
	setup_add(st, "a file", "a task list, or a Python program (.py), from a path (f)", NULL, 0);
	st->nlines = 1;
	if (ui->tl == NULL) {
		/* Nothing given: the first example, Pool(5).map(square,
		 * 1..10), paced so that its ten tasks spread over its five
		 * workers where a class can see them (unless the command
		 * line set the pool). */
		int	i;

		for (i = 0; i < st->typed; i++)
			if (strcmp(st->entries[i].name, "squares") == 0)
				break;
		st->sel = i < st->typed ? i : 0;
		if (st->typed > 0) {
			char	err[1024];

			if (tasklist_parse_file(&st->lists[0],
			    st->entries[st->sel].path, err, sizeof err) == 0)
				ui->tl = &st->lists[0];
		}
		if (ui->tl != NULL && i < st->typed && !ui->opts.pool_given) {
			ui->choice.workers = 5;
			ui->choice.pace_ms = 300;
		}
	}
	st->field = F_START;
	st->typing = -1;
}

void
ui_setup_free(struct ui *ui)
{
	struct setup	*st = setup_of(ui);
	int		 i;

	if (st == NULL)
		return;
	for (i = 0; i < st->nentries; i++) {
		free(st->entries[i].name);
		free(st->entries[i].desc);
		free(st->entries[i].path);
	}
	free(st->entries);
	if (ui->opts.command == st->argv)
		ui->opts.command = NULL;
	free(st->argv[1]);
	free(st->tracer);
	for (i = 0; i < st->nlessons; i++) {
		free(st->lesson_names[i]);
		free(st->lesson_titles[i]);
	}
	free(st->lesson_names);
	free(st->lesson_titles);
	if (st->lesson_loaded) {
		if (ui->lesson == &st->lesson)
			ui->lesson = NULL;
		lesson_free(&st->lesson);
	}
	tasklist_free(&st->lists[0]);
	tasklist_free(&st->lists[1]);
	free(st);
	ui->setup = NULL;
	ui->tl = NULL;
}

void
ui_setup_error(struct ui *ui, const char *msg)
{
	struct setup	*st = setup_of(ui);

	snprintf(st->error, sizeof st->error, "%s", msg);
}

/* Make list the chosen one (it was parsed into the spare buffer). */
static void
setup_take(struct ui *ui, int entry)
{
	struct setup	*st = setup_of(ui);
	int		 spare = 1 - st->cur;

	/* The old list is freed only after the new one is in place. */
	st->cur = spare;
	tasklist_free(&st->lists[1 - spare]);
	ui->tl = &st->lists[spare];
	st->sel = entry;
	st->entries[entry].ntasks = ui->tl->n;
	st->error[0] = '\0';
}

static void
setup_choose(struct ui *ui, int entry)
{
	struct setup	*st = setup_of(ui);
	int		 spare = 1 - st->cur;

	if (entry == st->typed) {
		st->editing = EDIT_TEXT;
		return;
	}
	if (entry == st->file) {
		st->editing = EDIT_PATH;
		return;
	}
	if (st->entries[entry].program) {
		setup_program(ui, entry, st->entries[entry].path);
		return;
	}
	ui->opts.command = NULL;	/* a task list, not a program */
	if (entry == st->cmdline) {
		/* Chosen again after another: parse its source again. */
		st->sel = entry;
		return;
	}
	tasklist_free(&st->lists[spare]);
	if (tasklist_parse_file(&st->lists[spare], st->entries[entry].path,
	    st->error, sizeof st->error) != 0)
		return;
	setup_take(ui, entry);
}

/* What was typed, as one text. */
static char *
setup_text(struct setup *st, size_t *len)
{
	char	*buf;
	int	 i;

	buf = xmalloc(EDIT_LINES * (EDIT_COLS + 1) + 1);
	*len = 0;
	for (i = 0; i < st->nlines; i++) {
		memcpy(buf + *len, st->text[i], strlen(st->text[i]));
		*len += strlen(st->text[i]);
		buf[(*len)++] = '\n';
	}
	buf[*len] = '\0';
	return buf;
}

/* Check what was typed as it is typed: the error (line, column, caret)
 * shows under the editor at once, and goes once the line is right. */
static void
setup_check_text(struct ui *ui)
{
	struct setup	*st = setup_of(ui);
	struct tasklist	 tl;
	size_t		 len;
	char		*buf = setup_text(st, &len);

	memset(&tl, 0, sizeof tl);
	if (tasklist_parse(&tl, "typed", buf, len, 0, st->error,
	    sizeof st->error) == 0)
		st->error[0] = '\0';
	tasklist_free(&tl);
	free(buf);
}

/* Parse what was typed; on error keep editing and show where. */
static void
setup_finish_text(struct ui *ui)
{
	struct setup	*st = setup_of(ui);
	char		*buf;
	size_t		 len;
	int		 spare = 1 - st->cur;

	buf = setup_text(st, &len);
	tasklist_free(&st->lists[spare]);
	if (tasklist_parse(&st->lists[spare], "typed", buf, len, 0, st->error,
	    sizeof st->error) == 0) {
		setup_take(ui, st->typed);
		st->editing = EDIT_NONE;
		st->field = F_START;	/* Enter now starts it */
	}
	free(buf);
}

static void
setup_finish_path(struct ui *ui)
{
	struct setup	*st = setup_of(ui);
	int		 spare = 1 - st->cur;

	st->path[st->plen] = '\0';
	if (st->plen > 3 && strcmp(st->path + st->plen - 3, ".py") == 0) {
		/* A Python program: run it as it is. */
		if (setup_program(ui, st->file, st->path) == 0) {
			free(st->entries[st->file].desc);
			st->entries[st->file].desc = xstrdup(st->path);
			st->editing = EDIT_NONE;
			st->field = F_START;
		}
		return;
	}
	ui->opts.command = NULL;
	tasklist_free(&st->lists[spare]);
	if (tasklist_parse_file(&st->lists[spare], st->path, st->error,
	    sizeof st->error) == 0) {
		setup_take(ui, st->file);
		free(st->entries[st->file].desc);
		st->entries[st->file].desc = xstrdup(st->path);
		st->editing = EDIT_NONE;
		st->field = F_START;
	}
}

/* A key while a path is typed: Enter reads the file, Esc gives up. */
static void
setup_path_key(struct ui *ui, int key)
{
	struct setup	*st = setup_of(ui);

	switch (key) {
	case 27:
		st->editing = EDIT_NONE;
		break;
	case '\r':
	case '\n':
	case KEY_ENTER:
		setup_finish_path(ui);
		break;
	case KEY_BACKSPACE:
	case 127:
	case 8:
		if (st->plen > 0)
			st->plen--;
		break;
	default:
		if (key >= 0x20 && key < 0x7f &&
		    st->plen + 1 < (int)sizeof st->path)
			st->path[st->plen++] = (char)key;
		break;
	}
	st->path[st->plen] = '\0';
}

static int
setup_edit_key(struct ui *ui, int key)
{
	struct setup	*st = setup_of(ui);
	char		*line;
	size_t		 len;
	int		 i;

	if (st->editing == EDIT_PATH) {
		setup_path_key(ui, key);
		return 0;
	}

	line = st->text[st->crow];
	len = strlen(line);
	if (st->ccol > (int)len)
		st->ccol = (int)len;
	switch (key) {
	case 27:		/* Esc: done editing */
	case KEY_F(2):
	case 0x13:		/* ^S */
		setup_finish_text(ui);
		if (key == 27 && st->error[0] != '\0')
			st->editing = EDIT_NONE;	/* leave, error shown */
		break;
	case 0x04:		/* ^D: done, and start if it parses */
		setup_finish_text(ui);
		if (st->editing == EDIT_NONE)
			return 1;
		break;
	case '\r':
	case '\n':
	case KEY_ENTER:
		if (st->nlines >= EDIT_LINES)
			break;
		memmove(st->text[st->crow + 2], st->text[st->crow + 1],
		    (size_t)(st->nlines - st->crow - 1) * EDIT_COLS);
		strlcpy(st->text[st->crow + 1], line + st->ccol, EDIT_COLS);
		line[st->ccol] = '\0';
		st->nlines++;
		st->crow++;
		st->ccol = 0;
		break;
	case KEY_BACKSPACE:
	case 127:
	case 8:
		if (st->ccol > 0) {
			memmove(line + st->ccol - 1, line + st->ccol,
			    len - st->ccol + 1);
			st->ccol--;
		} else if (st->crow > 0) {
			char	*prev = st->text[st->crow - 1];
			size_t	 pl = strlen(prev);

			if (pl + len < EDIT_COLS) {
				memcpy(prev + pl, line, len + 1);
				for (i = st->crow; i < st->nlines - 1; i++)
					memcpy(st->text[i], st->text[i + 1],
					    EDIT_COLS);
				st->nlines--;
				st->crow--;
				st->ccol = (int)pl;
			}
		}
		break;
	case KEY_DC:
		if (st->ccol < (int)len)
			memmove(line + st->ccol, line + st->ccol + 1,
			    len - st->ccol);
		break;
	case KEY_LEFT:
		if (st->ccol > 0)
			st->ccol--;
		break;
	case KEY_RIGHT:
		if (st->ccol < (int)len)
			st->ccol++;
		break;
	case KEY_UP:
		if (st->crow > 0)
			st->crow--;
		break;
	case KEY_DOWN:
		if (st->crow + 1 < st->nlines)
			st->crow++;
		break;
	case KEY_HOME:
		st->ccol = 0;
		break;
	case KEY_END:
		st->ccol = (int)len;
		break;
	default:
		if (key >= 0x20 && key < 0x7f && len + 1 < EDIT_COLS) {
			memmove(line + st->ccol + 1, line + st->ccol,
			    len - st->ccol + 1);
			line[st->ccol++] = (char)key;
		}
		break;
	}
	if (st->editing == EDIT_TEXT)
		setup_check_text(ui);
	return 0;
}

/* Left/right on a field. */
static void
setup_change(struct ui *ui, int field, int dir)
{
	struct engine_config	*c = &ui->choice;

	switch (field) {
	case F_WORKERS:
		c->workers += dir;
		if (c->workers < 1)
			c->workers = 1;
		if (c->workers > POOL_MAX_WORKERS)
			c->workers = POOL_MAX_WORKERS;
		break;
	case F_MODE:
		c->mode += dir;
		if (c->mode < 0)
			c->mode = 0;
		if (c->mode >= MODE_NMODES)
			c->mode = MODE_NMODES - 1;
		if (!pool_chunked(c->mode))
			c->chunksize = 0;
		break;
	case F_CHUNK:
		if (!pool_chunked(c->mode))
			break;
		if (dir > 0)
			c->chunksize = c->chunksize == 0 ? 1 : c->chunksize * 2;
		else
			c->chunksize = c->chunksize <= 1 ? 0 : c->chunksize / 2;
		break;
	case F_SCALE:
		c->time_scale = pool_time_scale_clamp(dir > 0 ?
		    c->time_scale * 2 : c->time_scale / 2);
		break;
	case F_MAXTASKS:
		c->max_tasks_per_child += dir;
		if (c->max_tasks_per_child < 0)
			c->max_tasks_per_child = 0;
		break;
	case F_PACE: {
		int	i, n = (int)(sizeof pace_steps / sizeof pace_steps[0]);

		/* The next step above (or below) the pace, typed or not. */
		if (dir > 0) {
			for (i = 0; i < n && pace_steps[i] <= c->pace_ms; i++)
				;
			if (i < n)
				c->pace_ms = pace_steps[i];
		} else {
			for (i = n - 1; i >= 0 && pace_steps[i] >= c->pace_ms;
			    i--)
				;
			if (i >= 0)
				c->pace_ms = pace_steps[i];
		}
		break;
	}
	case F_LESSON:
		if (ui->setup != NULL) {
			struct setup	*st = setup_of(ui);

			st->lesson_sel += dir;
			if (st->lesson_sel < -1)
				st->lesson_sel = -1;
			if (st->lesson_sel >= st->nlessons)
				st->lesson_sel = st->nlessons - 1;
		}
		break;
	case F_TASKS:
		if (ui->setup != NULL) {
			struct setup	*st = setup_of(ui);
			int		 n = st->sel + dir;

			if (n >= 0 && n < st->nentries && n != st->typed &&
			    n != st->file)
				setup_choose(ui, n);
			else if (n >= 0 && n < st->nentries)
				st->sel = n;
		}
		break;
	}
}

static const struct ui_key setup_keys[] = {
	{ KEY_UP, ACT_UP, K_ALL, "\x01", "field", "Up Down",
	    "move between the fields (Tab too)" },
	{ KEY_DOWN, ACT_DOWN, K_ALL, NULL, NULL, NULL, NULL },
	{ KEY_BTAB, ACT_UP, K_ALL, NULL, NULL, NULL, NULL },
	{ '\t', ACT_DOWN, K_ALL, NULL, NULL, NULL, NULL },
	{ KEY_LEFT, ACT_CHANGE_LESS, K_ALL, "\x02", "change", "Left Right",
	    "change the field: a number, the call style, the list" },
	{ KEY_RIGHT, ACT_CHANGE_MORE, K_ALL, NULL, NULL, NULL, NULL },
	{ '-', ACT_CHANGE_LESS, K_ALL, NULL, NULL, NULL, NULL },
	{ '+', ACT_CHANGE_MORE, K_ALL, NULL, NULL, NULL, NULL },
	{ UI_KEY_DOC, ACT_DIGIT, K_ALL, NULL, NULL, "0-9 Bksp",
	    "type a number: the first digit replaces the value" },
	{ KEY_BACKSPACE, ACT_BACKSPACE, K_ALL, NULL, NULL, NULL, NULL },
	{ 127, ACT_BACKSPACE, K_ALL, NULL, NULL, NULL, NULL },
	{ 8, ACT_BACKSPACE, K_ALL, NULL, NULL, NULL, NULL },
	{ '\r', ACT_CHOOSE, K_ALL, "Enter", "start", "Enter",
	    "start (on a lesson: the lesson; on a list: edit it)" },
	{ '\n', ACT_CHOOSE, K_ALL, NULL, NULL, NULL, NULL },
	{ KEY_ENTER, ACT_CHOOSE, K_ALL, NULL, NULL, NULL, NULL },
	{ 's', ACT_START, K_ALL, NULL, NULL, "s",
	    "start the run, whichever field has the focus" },
	{ 'e', ACT_EDIT, K_ALL, "e", "type tasks", "e",
	    "type a task list in an editor" },
	{ 'f', ACT_FILE, K_ALL, "f", "file", "f",
	    "read a task list from a file" },
	{ 27, ACT_CANCEL, K_ALL, NULL, NULL, NULL, NULL },
	{ '?', ACT_HELP, K_ALL, "?", "help", "? F1", "this help" },
	{ KEY_F(1), ACT_HELP, K_ALL, NULL, NULL, NULL, NULL },
	{ 'q', ACT_QUIT, K_ALL, "q", "quit", "q F10", "quit" },
	{ 'Q', ACT_QUIT, K_ALL, NULL, NULL, NULL, NULL },
	{ KEY_F(10), ACT_QUIT, K_ALL, NULL, NULL, NULL, NULL },
	{ 0, ACT_NONE, 0, NULL, NULL, NULL, NULL }
};

/* The footer and help show the arrows as glyphs. */
static const struct ui_key *
setup_key_table(struct ui *ui)
{
	static struct ui_key	 keys[sizeof setup_keys / sizeof setup_keys[0]];

	return ui_keys_glyphs(ui, setup_keys, keys, sizeof keys / sizeof keys[0]);
}

/* The limits of a field a number can be typed into; 0 if it takes none. */
static int
setup_number_field(int field, long *min, long *max, const char **what)
{
	switch (field) {
	case F_WORKERS:
		*min = 1;
		*max = POOL_MAX_WORKERS;
		*what = "Pool size";
		return 1;
	case F_CHUNK:
		*min = 0;
		*max = POOL_MAX_CHUNKSIZE;
		*what = "Chunksize (0: Python's default)";
		return 1;
	case F_MAXTASKS:
		*min = 0;
		*max = 1000000;
		*what = "Max tasks/child (0: no limit)";
		return 1;
	case F_PACE:
		*min = 0;
		*max = POOL_MAX_PACE_MS;
		*what = "Pace (ms)";
		return 1;
	}
	return 0;
}

static void
setup_number_set(struct ui *ui, int field, long v)
{
	switch (field) {
	case F_WORKERS:
		ui->choice.workers = (int)v;
		break;
	case F_CHUNK:
		if (pool_chunked(ui->choice.mode))
			ui->choice.chunksize = (size_t)v;
		break;
	case F_MAXTASKS:
		ui->choice.max_tasks_per_child = (int)v;
		break;
	case F_PACE:
		ui->choice.pace_ms = (int)v;
		break;
	}
}

/* A digit or Backspace on a field: the first digit replaces its value,
 * the next ones add to it; a value past the field's limit is refused, with
 * a message, and the value stays as it was. */
static void
setup_type_number(struct ui *ui, int key)
{
	struct setup	*st = setup_of(ui);
	char		 num[sizeof st->num];
	const char	*what;
	long		 min, max, v;
	size_t		 n;

	if (!setup_number_field(st->field, &min, &max, &what)) {
		ui_setup_error(ui, st->field == F_SCALE ? "Time scale: Left "
		    "halves it, Right doubles it" : "this field takes no "
		    "number: use Left and Right");
		return;
	}
	if (st->field == F_CHUNK && !pool_chunked(ui->choice.mode)) {
		ui_setup_error(ui, "Chunksize: apply, apply_async and process "
		    "send one task per call");
		return;
	}
	if (st->typing != st->field)
		st->num[0] = '\0';
	snprintf(num, sizeof num, "%s", st->num);
	n = strlen(num);
	if (key == ACT_BACKSPACE) {
		if (n > 0)
			num[n - 1] = '\0';
	} else if (n + 1 < sizeof num) {
		num[n] = (char)key;
		num[n + 1] = '\0';
	}
	v = num[0] != '\0' ? strtol(num, NULL, 10) : -1;
	if (v > max) {
		char	msg[160];

		snprintf(msg, sizeof msg, "%s: at most %ld; it stays at %s",
		    what, max, st->typing == st->field && st->num[0] ? st->num :
		    "its value");
		ui_setup_error(ui, msg);
		return;
	}
	st->typing = st->field;
	snprintf(st->num, sizeof st->num, "%s", num);
	st->error[0] = '\0';
	if (v >= min)
		setup_number_set(ui, st->field, v);
}

/* Up and Down move between the fields (never changing a choice); a number
 * typed into the field left is done. */
static void
setup_move(struct setup *st, int dir)
{
	st->typing = -1;
	st->field = (st->field + F_NFIELDS + dir) % F_NFIELDS;
}

/* Enter: start the run (or the lesson, or edit the list). */
static int
setup_enter(struct ui *ui)
{
	struct setup	*st = setup_of(ui);

	if (st->field == F_TASKS &&
	    (st->sel == st->typed || st->sel == st->file)) {
		setup_choose(ui, st->sel);
		return 0;
	}
	if (st->field == F_LESSON) {
		if (st->lesson_sel < 0)
			ui_setup_error(ui, "no lesson chosen: pick one with Left "
			    "and Right");
		else if (setup_lesson_load(ui) == 0)
			return 2;
		return 0;
	}
	return setup_start(ui);
}

int
ui_setup_key(struct ui *ui, int key)
{
	struct setup		*st = setup_of(ui);
	const struct ui_key	*k;

	if (st->editing)
		return setup_edit_key(ui, key);
	if (st->help) {
		st->help = 0;
		return 0;
	}
	if (key >= '0' && key <= '9') {
		setup_type_number(ui, key);
		return 0;
	}
	if ((k = ui_key_find(setup_key_table(ui), key, K_ALL)) == NULL)
		return 0;
	switch (k->action) {
	case ACT_QUIT:
		return -1;
	case ACT_HELP:
		st->help = 1;
		break;
	case ACT_CANCEL:
		st->error[0] = '\0';
		break;
	case ACT_UP:
	case ACT_DOWN:
		setup_move(st, k->action == ACT_UP ? -1 : 1);
		break;
	case ACT_CHANGE_LESS:
	case ACT_CHANGE_MORE:
		st->typing = -1;
		setup_change(ui, st->field, k->action == ACT_CHANGE_MORE ? 1 :
		    -1);
		break;
	case ACT_BACKSPACE:
		setup_type_number(ui, ACT_BACKSPACE);
		break;
	case ACT_EDIT:
	case ACT_FILE:
		st->field = F_TASKS;
		setup_choose(ui, k->action == ACT_EDIT ? st->typed : st->file);
		break;
	case ACT_START:
		return setup_start(ui);
	case ACT_CHOOSE:
		return setup_enter(ui);
	}
	return 0;
}

/* The list chosen has tasks: start (1); else say how to get one. */
static int
setup_start(struct ui *ui)
{
	struct setup	*st = setup_of(ui);

	if (ui->opts.command != NULL)
		return 1;	/* a Python program */
	if (ui->tl == NULL || ui->tl->n == 0) {
		ui_setup_error(ui, "no task list chosen: pick one, type one (e) "
		    "or give a file (f)");
		st->field = F_TASKS;
		return 0;
	}
	return 1;
}

int
ui_setup_mouse(struct ui *ui, MEVENT *me)
{
	struct setup	*st = setup_of(ui);
	int		 i, e;

	if (st->editing)
		return 0;
	for (i = 0; i < F_NFIELDS; i++) {
		if (st->field_y[i] != me->y || i == F_TASKS || i == F_MODE)
			continue;
		st->field = i;
		if (i == F_START)
			return ui->tl != NULL && ui->tl->n > 0 ? 1 : 0;
		/* A click on the left or right arrow changes the value. */
		if (me->x >= 18 && me->x <= 19)
			setup_change(ui, i, -1);
		else if (me->x >= 21 && me->x < 34)
			setup_change(ui, i, 1);
		return 0;
	}
	if (me->y >= st->mode_y && me->y < st->mode_y + MODE_NMODES) {
		st->field = F_MODE;
		ui->choice.mode = me->y - st->mode_y;
		setup_change(ui, F_MODE, 0);
		return 0;
	}
	if (me->y >= st->list_y && me->y < st->list_y + st->list_rows) {
		e = st->list_top + (me->y - st->list_y);
		if (e < st->nentries) {
			st->field = F_TASKS;
			setup_choose(ui, e);
		}
	}
	return 0;
}

static void
setup_draw_field(struct ui *ui, int y, int field, const char *name,
    const char *value, const char *note, int note_color)
{
	struct setup	*st = setup_of(ui);
	char		 buf[128];
	int		 focus = st->field == field && !st->editing;

	st->field_y[field] = y;
	ui_put(ui, y, 0, 2, focus ? C_FOCUS : C_NORMAL, focus ? ">" : "");
	ui_put(ui, y, 2, 16, focus ? C_TITLE : C_NORMAL, name);
	if (st->typing == field)
		snprintf(buf, sizeof buf, "< %s_ >", st->num);	/* typed */
	else
		snprintf(buf, sizeof buf, "< %s >", value);
	ui_put(ui, y, 18, 16, focus ? C_SELECTED : C_KEY, buf);
	ui_put(ui, y, 34, ui->cols - 34, note_color, note);
}

/* The title, the processors, and the pool's fields with their notes. */
static int
setup_draw_fields(struct ui *ui, struct setup *st)
{
	struct engine_config	*c = &ui->choice;
	char			 val[64], note[160];
	int			 cpus = util_cpu_count(), y, w = ui->cols;

	if (ui->opts.caption != NULL)
		ui_putf(ui, 0, 0, w, C_SELECTED, " %s", ui->opts.caption);
	else
		ui_put(ui, 0, 0, w, C_SELECTED, " poolscope  set up a pool, "
		    "then watch it work");
	ui_putf(ui, 1, 0, 26, C_TITLE, " Number of processors: %d", cpus);
	ui_put(ui, 1, 26, w - 26, C_DIM, "(cpu_count(): how many processes "
	    "can run at once)");

	y = 2;
	snprintf(val, sizeof val, "%d", c->workers);
	if (c->workers > cpus)
		snprintf(note, sizeof note, "more than the processors: "
		    "oversubscribed");
	else
		snprintf(note, sizeof note, "worker processes in the pool");
	setup_draw_field(ui, y++, F_WORKERS, "Pool size", val, note,
	    c->workers > cpus ? C_WARN : C_DIM);
	if (!pool_chunked(c->mode)) {
		snprintf(val, sizeof val, "1");
		snprintf(note, sizeof note, "one task per call in %s",
		    pool_mode_name(c->mode));
	} else if (c->chunksize == 0) {
		snprintf(val, sizeof val, "auto (%zu)", pool_default_chunksize(
		    c->mode, ui->tl ? ui->tl->n : 0, c->workers));
		snprintf(note, sizeof note, "Python's default%s",
		    c->mode == MODE_MAP ? ": tasks / (4 * workers)" : "");
	} else {
		snprintf(val, sizeof val, "%zu", c->chunksize);
		snprintf(note, sizeof note, "tasks sent to a worker at once");
	}
	setup_draw_field(ui, y++, F_CHUNK, "Chunksize", val, note, C_DIM);
	snprintf(val, sizeof val, "x%g", c->time_scale);
	setup_draw_field(ui, y++, F_SCALE, "Time scale", val,
	    "multiplies every sleep, spin and pace", C_DIM);
	if (c->pace_ms == 0)
		snprintf(val, sizeof val, "none");
	else
		snprintf(val, sizeof val, "%d ms", c->pace_ms);
	setup_draw_field(ui, y++, F_PACE, "Pace", val, c->pace_ms ?
	    "each task lasts at least this: a time.sleep" :
	    "tasks take their own time", C_DIM);
	if (c->max_tasks_per_child == 0)
		snprintf(val, sizeof val, "no limit");
	else
		snprintf(val, sizeof val, "%d", c->max_tasks_per_child);
	setup_draw_field(ui, y++, F_MAXTASKS, "Max tasks/child", val,
	    "a worker retires after this many", C_DIM);

	if (st->lesson_sel < 0) {
		snprintf(val, sizeof val, "none");
		snprintf(note, sizeof note, "%d guided lessons: pick one, then "
		    "Enter", st->nlessons);
	} else {
		snprintf(val, sizeof val, "%s", st->lesson_names[st->lesson_sel]);
		snprintf(note, sizeof note, "%s (Enter starts it)",
		    st->lesson_titles[st->lesson_sel]);
	}
	setup_draw_field(ui, y++, F_LESSON, "Lesson", val, note,
	    st->lesson_sel < 0 ? C_DIM : C_NORMAL);
	return y;
}

/* Every call style, one line each: what the caller does. */
static int
setup_draw_modes(struct ui *ui, struct setup *st, int y)
{
	int	i, w = ui->cols;

	st->field_y[F_MODE] = y;
	ui_hline(ui, y++, 0, w, st->field == F_MODE ? C_FOCUS : C_DIM,
	    "Call style: what the caller does");
	st->mode_y = y;
	for (i = 0; i < MODE_NMODES; i++) {
		int	sel = i == ui->choice.mode, color;

		color = sel ? (st->field == F_MODE ? C_SELECTED : C_TITLE) :
		    C_NORMAL;
		ui_put(ui, y, 0, 2, color, sel ? ">" : "");
		ui_put(ui, y, 2, 21, color, mode_label[i]);
		ui_put(ui, y, 23, w - 23, sel ? color : C_DIM, mode_help[i]);
		y++;
	}
	return y;
}

/* The task text being typed, with its line numbers and the cursor. */
static void
setup_draw_text(struct ui *ui, struct setup *st, int y, int rows)
{
	int	i, w = ui->cols;

	for (i = 0; i < rows; i++) {
		int	line = i;

		if (st->crow >= rows)
			line = i + st->crow - rows + 1;
		if (line >= st->nlines) {
			ui_fill(ui, y + i, 0, w, C_NORMAL);
			continue;
		}
		ui_putf(ui, y + i, 0, 4, C_DIM, "%3d", line + 1);
		ui_put(ui, y + i, 4, w - 4, C_NORMAL, st->text[line]);
		if (line == st->crow) {
			char	ch[2] = { st->text[line][st->ccol], '\0' };

			if (ch[0] == '\0')
				ch[0] = ' ';
			ui_put(ui, y + i, 4 + st->ccol, 1, C_SELECTED, ch);
		}
	}
}

/* The rule over the task lists: the chosen list's name and its first
 * tasks, as many as fit ("Task list: squares, 10 tasks: square 1, ..."). */
static void
setup_preview(struct ui *ui, char *buf, size_t len, int width)
{
	struct setup	*st = setup_of(ui);
	char		 label[64];
	size_t		 i;
	int		 n;

	if (ui->opts.command != NULL) {
		/* The fields above are poolscope's pool: a program has its
		 * own. */
		snprintf(buf, len, "Run: python3 %s (its own pool, not the "
		    "settings above)", setup_program_name(st));
		return;
	}
	if (ui->tl == NULL || ui->tl->n == 0) {
		snprintf(buf, len, "Task list (none chosen)");
		return;
	}
	n = snprintf(buf, len, "Task list: %s, %zu task%s:",
	    st->entries[st->sel].name, ui->tl->n, ui->tl->n == 1 ? "" : "s");
	for (i = 0; i < ui->tl->n && n < width; i++) {
		tasklist_label(ui->tl, i, label, sizeof label);
		if (n + (int)strlen(label) + 6 > width) {
			snprintf(buf + n, len - n, " %s", ui->g->ellipsis);
			return;
		}
		n += snprintf(buf + n, len - n, "%s %s", i ? "," : "", label);
	}
}

/* The task lists to choose from, scrolled to keep the selection shown. */
static void
setup_draw_list(struct ui *ui, struct setup *st, int y, int rows)
{
	char	buf[256];
	int	i, w = ui->cols;

	st->list_y = y;
	st->list_rows = rows;
	if (st->sel < st->list_top)
		st->list_top = st->sel;
	if (st->sel >= st->list_top + rows)
		st->list_top = st->sel - rows + 1;
	for (i = 0; i < rows; i++) {
		int		 k = st->list_top + i, color;
		struct entry	*e;

		if (k >= st->nentries) {
			ui_fill(ui, y + i, 0, w, C_NORMAL);
			continue;
		}
		e = &st->entries[k];
		color = k == st->sel ? (st->field == F_TASKS ? C_SELECTED :
		    C_TITLE) : C_NORMAL;
		ui_put(ui, y + i, 0, 2, color, k == st->sel ? ">" : "");
		/* A long name is cut, and says so, before its column ends. */
		if (strlen(e->name) > 16)
			snprintf(buf, sizeof buf, "%.15s%s", e->name,
			    ui->g->ellipsis);
		else
			snprintf(buf, sizeof buf, "%s", e->name);
		ui_put(ui, y + i, 2, 17, color, buf);
		if (k == st->typed || k == st->file || e->program)
			snprintf(buf, sizeof buf, "%s", e->desc);
		else
			snprintf(buf, sizeof buf, "%-6zu %s", e->ntasks, e->desc);
		ui_put(ui, y + i, 19, w - 19, k == st->sel ? color : C_DIM,
		    buf);
	}
	/* More than fit: say so on the rows at the edges. */
	if (st->list_top > 0) {
		snprintf(buf, sizeof buf, " %s %d more", ui->g->arrow_up,
		    st->list_top);
		ui_put(ui, y, w - 12, 12, C_KEY, buf);
	}
	if (st->list_top + rows < st->nentries) {
		snprintf(buf, sizeof buf, " %s %d more", ui->g->arrow_down,
		    st->nentries - st->list_top - rows);
		ui_put(ui, y + rows - 1, w - 12, 12, C_KEY, buf);
	}
}

/* How many lines the parser's message takes (at most 3). */
static int
setup_error_rows(const struct setup *st)
{
	const char	*nl;
	int		 n;

	if (st->error[0] == '\0')
		return 0;
	for (nl = st->error, n = 1; (nl = strchr(nl, '\n')); nl++)
		n++;
	return n > 3 ? 3 : n;
}

/* The parser's message: "file:line:col: what", the line and a caret; shown
 * in place of a start. */
static int
setup_draw_error(struct ui *ui, struct setup *st, int y, int rows)
{
	int	i, w = ui->cols;

	for (i = 0; i < rows; i++) {
		char		 line[512];
		const char	*p = st->error;
		int		 k;

		for (k = 0; k < i && p != NULL; k++)
			if ((p = strchr(p, '\n')) != NULL)
				p++;
		if (p == NULL)
			break;
		snprintf(line, sizeof line, "%.*s", (int)strcspn(p, "\n"), p);
		if ((int)strlen(line) > w - 3 && w > 10)
			strlcpy(line + w - 6, ui->g->ellipsis, 8);
		ui_putf(ui, y++, 0, w, C_ERROR, "  %s", line);
	}
	return y;
}

/* The start button and the keys. */
static void
setup_draw_footer(struct ui *ui, struct setup *st)
{
	struct engine_config	*c = &ui->choice;
	char			 buf[256];
	int			 w = ui->cols;

	st->field_y[F_START] = ui->rows - 2;
	ui_put(ui, ui->rows - 3, 0, w, C_NORMAL, "");
	ui_put(ui, ui->rows - 2, 0, 2, st->field == F_START ? C_FOCUS :
	    C_NORMAL, st->field == F_START ? ">" : "");
	if (ui->opts.command != NULL)
		snprintf(buf, sizeof buf, "[ Start: python3 %s ]",
		    setup_program_name(st));
	else
		snprintf(buf, sizeof buf, "[ Start: %s, %d worker%s, %zu "
		    "task%s ]", pool_mode_name(c->mode), c->workers,
		    c->workers == 1 ? "" : "s", ui->tl ? ui->tl->n : (size_t)0,
		    ui->tl && ui->tl->n == 1 ? "" : "s");
	ui_put(ui, ui->rows - 2, 2, w - 2, st->field == F_START ? C_SELECTED :
	    C_KEY, buf);
	if (st->editing == EDIT_PATH)
		ui_put(ui, ui->rows - 1, 0, w, C_DIM, " typing a path: Enter "
		    "read it  Esc cancel");
	else if (st->editing)
		ui_put(ui, ui->rows - 1, 0, w, C_DIM, " typing: Esc or F2 done  "
		    "^D done and start  arrows move");
	else
		ui_keys_footer(ui, setup_key_table(ui), K_ALL, ui->rows - 1);
}

void
ui_setup_draw(struct ui *ui)
{
	struct setup	*st = setup_of(ui);
	char		 buf[256];
	int		 y, i, rows, w = ui->cols, err_rows;

	y = setup_draw_modes(ui, st, setup_draw_fields(ui, st));
	st->field_y[F_TASKS] = y;
	setup_preview(ui, buf, sizeof buf, w - 6);
	ui_hline(ui, y++, 0, w, st->field == F_TASKS ? C_FOCUS : C_DIM, buf);

	err_rows = setup_error_rows(st);
	rows = ui->rows - y - 3 - err_rows;	/* a blank row over the start */
	if (st->editing == EDIT_TEXT) {
		ui_put(ui, y++, 0, w, C_KEY, "  Type tasks, one a line (square "
		    "1..10).  Esc/F2: done  ^D: done and start");
		setup_draw_text(ui, st, y, --rows);
		y += rows;
	} else if (st->editing == EDIT_PATH) {
		ui_put(ui, y++, 0, w, C_KEY, "  Path of a task file, then Enter"
		    " (Esc: cancel):");
		ui_putf(ui, y++, 0, w, C_NORMAL, "  %s_", st->path);
		for (i = 2; i < rows; i++)
			ui_fill(ui, y++, 0, w, C_NORMAL);
	} else {
		setup_draw_list(ui, st, y, rows);
		y += rows;
	}
	setup_draw_error(ui, st, y, err_rows);
	setup_draw_footer(ui, st);
	if (st->help)
		ui_keys_help(ui, setup_key_table(ui), K_ALL, "Keys");
}
