/*
 * options.c: poolscope's settings, as one table (after tmux's
 * options-table.c).  Each entry names an option (long and short), what it
 * takes, its limits, its help text, how its value is read and where it may
 * be given.  The table drives the command line's parser, --help, and the
 * parser of a lesson step's run: line (the entries marked OPT_RUN); the
 * limits themselves are pool.h's, which the set-up screen reads too.
 *
 * The parsers never exit: they return what they found, or -1 with a
 * message naming the option, the value and what is accepted.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"
#include "pool.h"
#include "engine/engine.h"
#include "options.h"

const char *const theme_names[THEME_N] = {
	"default", "high-contrast", "light", "mono"
};

/* Where an option may be given. */
#define OPT_CLI		1	/* the command line */
#define OPT_RUN		2	/* a lesson step's run: line */

struct opt;
struct opt_ctx {
	struct options	*o;
	int		 where;		/* OPT_CLI or OPT_RUN */
	int		 cpus;		/* what -w cpus means */
	char		*err;
	size_t		 errlen;
};

/* Read value (NULL for a flag) into the options; -1 with a message. */
typedef int (*opt_set)(struct opt_ctx *, const struct opt *, const char *);

struct opt {
	const char	*lname;		/* "workers" */
	char		 sname;		/* 'w', or 0 */
	const char	*arg;		/* "N" in the help; NULL: a flag */
	const char	*help;		/* lines after the first indented */
	opt_set		 set;
	size_t		 off;		/* the field in struct options */
	long long	 min, max;	/* numbers */
	const char	*what;		/* "a pool size", for messages */
	int		 where;
};

static int
opt_error(struct opt_ctx *c, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(c->err, c->errlen, fmt, ap);
	va_end(ap);
	return -1;
}

#define OPT_FIELD(c, d, type)	((type *)((char *)(c)->o + (d)->off))

static int
opt_flag(struct opt_ctx *c, const struct opt *d, const char *v)
{
	(void)v;
	*OPT_FIELD(c, d, int) = 1;
	return 0;
}

/* --json and --quiet are batch-mode printers. */
static int
opt_batch_flag(struct opt_ctx *c, const struct opt *d, const char *v)
{
	c->o->batch = 1;
	return opt_flag(c, d, v);
}

/* A whole number in [min, max]. */
static int
opt_number(struct opt_ctx *c, const struct opt *d, const char *v,
    long long *n)
{
	const char	*errstr;

	*n = strtonum(v, d->min, d->max, &errstr);
	if (errstr == NULL)
		return 0;
	if (strcmp(errstr, "invalid") == 0)
		return opt_error(c, "--%s: '%s' is not a whole number; give %s "
		    "from %lld to %lld", d->lname, v, d->what, d->min, d->max);
	return opt_error(c, "--%s: %s is %s; give %s from %lld to %lld",
	    d->lname, v, errstr, d->what, d->min, d->max);
}

static int
opt_int(struct opt_ctx *c, const struct opt *d, const char *v)
{
	long long	n;

	if (opt_number(c, d, v, &n) != 0)
		return -1;
	*OPT_FIELD(c, d, int) = (int)n;
	return 0;
}

static int
opt_size(struct opt_ctx *c, const struct opt *d, const char *v)
{
	long long	n;

	if (opt_number(c, d, v, &n) != 0)
		return -1;
	*OPT_FIELD(c, d, size_t) = (size_t)n;
	return 0;
}

static int
opt_seed(struct opt_ctx *c, const struct opt *d, const char *v)
{
	long long	n;

	if (opt_number(c, d, v, &n) != 0)
		return -1;
	c->o->seed = (unsigned long long)n;
	c->o->has_seed = 1;
	return 0;
}

/* --pace: a number of milliseconds; the set-up screen keeps it. */
static int
opt_pace(struct opt_ctx *c, const struct opt *d, const char *v)
{
	c->o->pool_given = 1;
	return opt_int(c, d, v);
}

/* -w: a number, "cpus", or "cpus*K" (capped at the pool's limit). */
static int
opt_workers(struct opt_ctx *c, const struct opt *d, const char *v)
{
	const char	*errstr;
	long long	 k, n;

	c->o->pool_given = 1;
	if (strcmp(v, "cpus") == 0) {
		c->o->workers = c->cpus;
		return 0;
	}
	if (strncmp(v, "cpus*", 5) == 0) {
		k = strtonum(v + 5, 1, POOL_MAX_WORKERS, &errstr);
		if (errstr != NULL)
			return opt_error(c, "--workers: in '%s', '%s' is not a "
			    "whole number from 1 to %d; write cpus*K, such as "
			    "cpus*4", v, v + 5, POOL_MAX_WORKERS);
		n = k * c->cpus;
		c->o->workers = n > POOL_MAX_WORKERS ? POOL_MAX_WORKERS : (int)n;
		return 0;
	}
	if (opt_int(c, d, v) == 0)
		return 0;
	strlcat(c->err, ", cpus or cpus*K", c->errlen);
	return -1;
}

static int
opt_mode(struct opt_ctx *c, const struct opt *d, const char *v)
{
	int	m;

	(void)d;
	if ((m = pool_mode_parse(v)) == -1)
		return opt_error(c, "--mode: unknown mode '%s'; use %s", v,
		    pool_mode_list());
	c->o->mode = m;
	return 0;
}

static int
opt_scale(struct opt_ctx *c, const struct opt *d, const char *v)
{
	char	*end;
	double	 x;

	(void)d;
	errno = 0;
	x = strtod(v, &end);
	if (end == v || *end != '\0' || errno != 0 || !isfinite(x))
		return opt_error(c, "--time-scale: '%s' is not a number; give a "
		    "factor such as 0.1 or 3", v);
	if (x < POOL_TIME_SCALE_MIN || x > POOL_TIME_SCALE_MAX)
		return opt_error(c, "--time-scale: %s is out of range; give a "
		    "factor from %g to %g", v, POOL_TIME_SCALE_MIN,
		    POOL_TIME_SCALE_MAX);
	c->o->time_scale = x;
	return 0;
}

static int
opt_string(struct opt_ctx *c, const struct opt *d, const char *v)
{
	*OPT_FIELD(c, d, const char *) = v;
	return 0;
}

/* A name that may not be empty (--lesson, --replay). */
static int
opt_name(struct opt_ctx *c, const struct opt *d, const char *v)
{
	if (*v == '\0')
		return opt_error(c, "--%s needs %s", d->lname, d->what);
	return opt_string(c, d, v);
}

/* An output path: not empty, its directory writable; "-" (standard output)
 * only where min allows it. */
static int
opt_path(struct opt_ctx *c, const struct opt *d, const char *v)
{
	const char	*slash;
	char		*dir;
	int		 e;

	if (*v == '\0')
		return opt_error(c, "--%s needs a file name", d->lname);
	if (strcmp(v, "-") == 0) {
		if (d->min == 0)
			return opt_error(c, "--%s needs a file name%s", d->lname,
			    d->what != NULL ? d->what : "");
		return opt_string(c, d, v);
	}
	if ((slash = strrchr(v, '/')) != NULL && slash != v) {
		dir = xstrndup(v, (size_t)(slash - v));
		e = access(dir, W_OK) != 0 ? errno : 0;
		free(dir);
		if (e != 0)
			return opt_error(c, "--%s: cannot write in '%.*s': %s; "
			    "check the path", d->lname, (int)(slash - v), v,
			    strerror(e));
	}
	return opt_string(c, d, v);
}

static int
opt_caption(struct opt_ctx *c, const struct opt *d, const char *v)
{
	size_t	i, n = 0;

	for (i = 0; v[i] != '\0'; i++)
		if (((unsigned char)v[i] & 0xc0) != 0x80)
			n++;	/* characters, not bytes */
	if (n > 200)
		return opt_error(c, "--caption: %zu characters is too long for a "
		    "title bar; give at most 200", n);
	return opt_string(c, d, v);
}

static int
opt_theme(struct opt_ctx *c, const struct opt *d, const char *v)
{
	int	i;

	(void)d;
	for (i = 0; i < THEME_N; i++)
		if (strcmp(v, theme_names[i]) == 0) {
			c->o->theme = i;
			return 0;
		}
	return opt_error(c, "--theme: unknown theme '%s'; use default, "
	    "high-contrast, light or mono", v);
}

/* --compare map,apply_async: two or more modes, each once. */
static int
opt_compare(struct opt_ctx *c, const struct opt *d, const char *v)
{
	struct options	*o = c->o;
	const char	*tok, *comma;
	char		 name[32];
	size_t		 len;
	int		 m, i;

	(void)d;
	o->ncompare = 0;
	for (tok = v; *tok != '\0'; tok = comma + (*comma == ',')) {
		comma = tok + strcspn(tok, ",");
		if ((len = (size_t)(comma - tok)) == 0)
			continue;	/* "map,,imap" as strtok took it */
		m = -1;
		if (len < sizeof name) {
			memcpy(name, tok, len);
			name[len] = '\0';
			m = pool_mode_parse(name);
		}
		if (m == -1)
			return opt_error(c, "--compare: unknown mode '%.*s'; give "
			    "call styles separated by commas, e.g. --compare "
			    "apply,apply_async", (int)len, tok);
		for (i = 0; i < o->ncompare; i++)
			if (o->compare[i] == m)
				return opt_error(c, "--compare: '%s' is given "
				    "twice", name);
		if (o->ncompare == (int)(sizeof o->compare /
		    sizeof o->compare[0]))
			return opt_error(c, "--compare: at most %zu modes",
			    sizeof o->compare / sizeof o->compare[0]);
		o->compare[o->ncompare++] = m;
	}
	if (o->ncompare < 2)
		return opt_error(c, "--compare needs two or more call styles "
		    "separated by commas, e.g. --compare apply,apply_async");
	return 0;
}

#define F(field)	offsetof(struct options, field)

/* The options, in --help's order. */
static const struct opt opts[] = {
	{ "workers", 'w', "N", "pool size, 1..4096, or cpus, or cpus*K for K "
	    "times\nas many (default: the number of processors, as\n"
	    "cpu_count(): %d here)", opt_workers,
	    F(workers), 1, POOL_MAX_WORKERS, "a pool size", OPT_CLI | OPT_RUN },
	{ "mode", 'm', "MODE", "call style (default: map):\n"
	    "  apply (sync)       pool.apply in a loop\n"
	    "  map                pool.map\n"
	    "  imap               pool.imap\n"
	    "  imap_unordered     pool.imap_unordered\n"
	    "  apply_async (async) apply_async + callbacks\n"
	    "  process            a Process per task, start/join", opt_mode,
	    F(mode), 0, 0, NULL, OPT_CLI | OPT_RUN },
	{ "tasks", 't', "'SPEC'", "task list inline; ';' separates lines\n"
	    "(default: 'square 1..10')", opt_string, F(tasks_inline), 0, 0,
	    NULL, OPT_CLI | OPT_RUN },
	{ "chunksize", 'c', "N", "tasks per message (default: Python's: map "
	    "uses\nceil(tasks / (4 * workers)), the others 1)", opt_size,
	    F(chunksize), 1, POOL_MAX_CHUNKSIZE, "a number of tasks",
	    OPT_CLI | OPT_RUN },
	{ "max-tasks-per-child", 0, "N", "a worker retires after N messages "
	    "from the\ntask queue (a chunk is one, as in Python); its\nslot "
	    "gets a new process", opt_int, F(max_tasks_per_child), 1, INT_MAX,
	    "a number of messages", OPT_CLI | OPT_RUN },
	{ "timeout", 0, "MS", "a task running longer is killed with its worker",
	    opt_int, F(timeout_ms), 1, POOL_MAX_TIMEOUT_MS, "milliseconds",
	    OPT_CLI | OPT_RUN },
	{ "retries", 0, "N", "re-run a task whose worker died, up to N times",
	    opt_int, F(retries), 0, POOL_MAX_RETRIES, "a number of re-runs",
	    OPT_CLI | OPT_RUN },
	{ "keep-going", 0, NULL, "a task that raises does not end its chunk or "
	    "the\ncall: the caller gets each error as a result (as\na caller "
	    "catching each one); by default, as in\nPython, the rest of the "
	    "chunk never runs and\nmap, imap and imap_unordered raise to the "
	    "caller", opt_flag, F(keep_going), 0, 0, NULL, OPT_CLI | OPT_RUN },
	{ "time-scale", 0, "F", "multiply every sleep and spin duration by F "
	    "(and\nthe pace)", opt_scale, F(time_scale), 0, 0, NULL,
	    OPT_CLI | OPT_RUN },
	{ "pace", 0, "MS", "each task takes at least MS ms of pool time, as\n"
	    "a demo adds time.sleep to square so that the\ntasks spread over "
	    "the workers: after its work\na task waits out the rest; results "
	    "and output\nare unchanged (0..60000; default 0, no pace)",
	    opt_pace, F(pace_ms), 0, POOL_MAX_PACE_MS, "milliseconds",
	    OPT_CLI | OPT_RUN },
	{ "autostart", 0, NULL, "skip the set-up screen: start the run at once",
	    opt_flag, F(autostart), 0, 0, NULL, OPT_CLI },
	{ "no-color", 0, NULL, "no colours on the screen (NO_COLOR is "
	    "honoured)", opt_flag, F(no_color), 0, 0, NULL, OPT_CLI },
	{ "record", 0, "FILE", "save the event stream (a recording)", opt_path,
	    F(record), 0, 0, "; for the stream on stdout use --batch --json",
	    OPT_CLI },
	{ "replay", 0, "FILE", "play a recording back at its recorded pace "
	    "(with\n--time-scale F: F times as long); with --batch,\nprint it "
	    "as a live run would", opt_name, F(replay), 0, 0, "a file name",
	    OPT_CLI },
	{ "compare", 0, "M1,M2,...", "run the task list in each call style in "
	    "turn and\ncompare wall time, speedup and result order",
	    opt_compare, 0, 0, 0, NULL, OPT_CLI },
	{ "lesson", 0, "NAME", "a guided lesson (Space: next step, Backspace: "
	    "back)", opt_name, F(lesson), 0, 0, "a name; see --list-lessons",
	    OPT_CLI },
	{ "list-lessons", 0, NULL, "list the lessons in teaching order and exit",
	    opt_flag, F(list_lessons), 0, 0, NULL, OPT_CLI },
	{ "seed", 0, "N", "make rand(A,B) in task lists repeatable", opt_seed,
	    0, 0, LLONG_MAX, "a seed", OPT_CLI },
	{ "caption", 0, "TEXT", "a title bar on the screen (for recordings)",
	    opt_caption, F(caption), 0, 0, NULL, OPT_CLI },
	{ "theme", 0, "NAME", "default, high-contrast, light or mono",
	    opt_theme, 0, 0, 0, NULL, OPT_CLI },
	{ "cast", 0, "FILE", "record exactly what the screen draws (asciicast "
	    "v2)", opt_path, F(cast), 0, 0, NULL, OPT_CLI },
	{ "trace", 0, "FILE", "write the run as Chrome trace-event JSON "
	    "(Perfetto)", opt_path, F(trace), 1, 0, NULL, OPT_CLI },
	{ "svg", 0, "FILE", "write the run's timeline as an SVG picture",
	    opt_path, F(svg), 1, 0, NULL, OPT_CLI },
	{ "force", 0, NULL, "let --record, --cast, --trace and --svg replace\n"
	    "an existing file (or a symbolic link, itself)", opt_flag, F(force),
	    0, 0, NULL, OPT_CLI },
	{ "batch", 'b', NULL, "no screen: run, print each event, then the "
	    "results", opt_flag, F(batch), 0, 0, NULL, OPT_CLI },
	{ "json", 0, NULL, "with --batch: JSON Lines events on stdout",
	    opt_batch_flag, F(json), 0, 0, NULL, OPT_CLI },
	{ "quiet", 'q', NULL, "with --batch: only the results list and the "
	    "summary", opt_batch_flag, F(quiet), 0, 0, NULL, OPT_CLI },
	{ "help", 'h', NULL, "show this help", opt_flag, F(help), 0, 0, NULL,
	    OPT_CLI },
	{ "version", 'V', NULL, "show the version", opt_flag, F(version), 0, 0,
	    NULL, OPT_CLI },
};
#define NOPTS	(sizeof opts / sizeof opts[0])

/* What --help says after the options. */
static const char options_after[] =
"Times are pool time: pauses (Space, s, Ctrl-Z) are left out of them, and a\n"
"sleep, like the pace, lasts its length of pool time; spin uses its length\n"
"of CPU time.\n"
"\n"
"Task lists have one task per line, 'KIND [ARG]', with A..B ranges,\n"
"rand(A,B) values, xN repeats and # comments.  Kinds: square N, cube N,\n"
"print N, hello ID, sleep MS, spin MS, primes N, fib N, fail, crash, hang,\n"
"sh COMMAND.  See poolscope(1) and the README.\n"
"\n"
"-- COMMAND [ARGS...] runs a Python program as it is (python3 script.py,\n"
"python3 -m module) and shows its multiprocessing pools and Processes live:\n"
"each task's call, worker, PID, start, end and value or exception, and when\n"
"the caller receives it; what each task printed; fork, spawn and forkserver.\n"
"A chunk of more than 16 calls is one task, as the pool sends it.\n"
"A tracer of poolscope's goes first on PYTHONPATH (the program's own\n"
"sitecustomize still runs); python3 -I, -E or -S ignore it.  -w, -m, -c,\n"
"--pace and the other settings of poolscope's own pool do not apply;\n"
"--timeout MS ends a program still running MS after it lost a task (a\n"
"worker died: its Pool would wait for ever).\n"
"\n"
"Files named by --record, --cast, --trace and --svg are written under a\n"
"temporary name beside them and renamed into place once whole; an existing\n"
"file is not replaced without --force, nor ever a file the run reads.\n"
"\n"
"Exit status: 0 every task succeeded; 1 some task failed, or the run was\n"
"left before its end; 2 bad usage, a bad task list, lesson or recording, an\n"
"output file refused, a terminal that cannot draw the screen (nothing ran);\n"
"3 an output could not be written completely (standard output, --record,\n"
"--trace, --svg, --cast): the run happened, but what it wrote is incomplete;\n"
"4 poolscope itself failed (out of memory, no shared memory); 128+N after\n"
"signal N.  When several apply: the signal, then 4, then 3, then 1.\n"
"With -- COMMAND: the program's own exit status (128+N if signal N ended\n"
"it); 2 if it cannot be run.\n"
"\n"
"Keys on the run screen: Space pause, s step, + faster, - slower, k kill\n"
"the selected worker, Up Down select a worker, Left Right a cursor on its\n"
"tasks, z Z zoom, < > move in time, f follow now, v heat map, Tab pane,\nx export (trace and "
"SVG), r rerun, n set-up, ? or F1 help, q or F10 quit.\n"
"\n"
"Examples:\n"
"  poolscope\n"
"  poolscope --autostart -w 3 -m apply_async -t 'sleep 300; sleep 100; sleep 200'\n"
"  poolscope --batch -w 5 -m map -t 'square 1..10'\n"
"  poolscope --autostart -w 5 -m map --pace 300 -t 'square 1..10'\n"
"  poolscope --batch --json -w 3 -m apply_async -t 'sleep 300; sleep 100; sleep 200'\n"
"  poolscope -- python3 pool_map.py\n"
"  poolscope --batch -- python3 pool_map.py\n";

void
options_usage(FILE *f)
{
	const struct opt	*d;
	const char		*line, *nl;
	char			 head[64], text[512];
	size_t			 i;
	int			 n;

	fputs("Usage: poolscope [OPTIONS] [TASKFILE]\n"
	    "       poolscope [OPTIONS] -- COMMAND [ARGS...]\n"
	    "Watch a process pool work: fork real workers, run a task list on "
	    "them in one\nof the call styles of Python's multiprocessing.Pool, "
	    "and show what happens.\nWithout --batch it opens the screen: a "
	    "set-up screen, then the live run.\nWith -- COMMAND it runs a "
	    "Python program unchanged and shows its own pool.\n\n", f);
	for (i = 0; i < NOPTS; i++) {
		d = &opts[i];
		if (d->sname != 0)
			n = snprintf(head, sizeof head, "  -%c, --%s%s%s",
			    d->sname, d->lname, d->arg ? " " : "",
			    d->arg ? d->arg : "");
		else
			n = snprintf(head, sizeof head, "      --%s%s%s",
			    d->lname, d->arg ? " " : "", d->arg ? d->arg : "");
		/* Only -w's help has a number in it: the processors here. */
		snprintf(text, sizeof text, d->help, util_cpu_count());
		for (line = text; line != NULL; line = nl ? nl + 1 : NULL) {
			nl = strchr(line, '\n');
			if (line == text)
				fprintf(f, "%-*s%s%.*s\n", 27, head, n >= 27 ?
				    "  " : "", nl ? (int)(nl - line) :
				    (int)strlen(line), line);
			else
				fprintf(f, "%27s%.*s\n", "", nl ? (int)(nl -
				    line) : (int)strlen(line), line);
		}
	}
	fprintf(f, "\n%s", options_after);
}

/* The options a lesson's run: line takes, for its messages. */
static const char options_run_list[] = "a run: line takes -w, -m, -c, -t, "
    "--time-scale, --pace, --max-tasks-per-child, --timeout, --retries, "
    "--keep-going and a task file";

/* The entry of a long option (an exact name, or an unambiguous prefix),
 * or of a short one; NULL with a message. */
static const struct opt *
options_find(struct opt_ctx *c, const char *word, size_t len, int is_long)
{
	const struct opt	*found = NULL;
	const char		*names[NOPTS];
	size_t			 i, nfound = 0;
	ssize_t			 k;

	for (i = 0; i < NOPTS; i++) {
		if (!is_long) {
			if (opts[i].sname == *word)
				return &opts[i];
			continue;
		}
		if (strncmp(opts[i].lname, word, len) != 0)
			continue;
		if (opts[i].lname[len] == '\0')
			return &opts[i];
		found = &opts[i];
		nfound++;
	}
	if (nfound == 1)
		return found;
	if (!is_long) {
		opt_error(c, "unknown option '-%c'%s%s", *word,
		    c->where == OPT_RUN ? "; " : "",
		    c->where == OPT_RUN ? options_run_list : "");
		return NULL;
	}
	if (nfound > 1) {
		opt_error(c, "option '--%.*s' is ambiguous; give more of its "
		    "name", (int)len, word);
		return NULL;
	}
	/* A suggestion among the options that may be given here. */
	for (i = 0, k = 0; i < NOPTS; i++)
		if (opts[i].where & c->where)
			names[k++] = opts[i].lname;
	if ((k = util_suggest(word, len, names, (size_t)k)) >= 0)
		opt_error(c, "unknown option '--%.*s'; did you mean '--%s'?",
		    (int)len, word, names[k]);
	else
		opt_error(c, "unknown option '--%.*s'%s%s", (int)len, word,
		    c->where == OPT_RUN ? "; " : "",
		    c->where == OPT_RUN ? options_run_list : "");
	return NULL;
}

/* An option without its value: say what to give. */
static int
opt_missing(struct opt_ctx *c, const struct opt *d, const char *shown)
{
	if (d->set == opt_mode)
		return opt_error(c, "%s needs a value; give a call style: %s",
		    shown, pool_mode_list());
	if (d->set == opt_workers)
		return opt_error(c, "%s needs a value; give %s from %lld to "
		    "%lld, cpus or cpus*K", shown, d->what, d->min, d->max);
	if (d->max > d->min)
		return opt_error(c, "%s needs a value; give %s from %lld to "
		    "%lld", shown, d->what, d->min, d->max);
	if (d->set == opt_scale)
		return opt_error(c, "%s needs a value; give a factor from %g to "
		    "%g", shown, POOL_TIME_SCALE_MIN, POOL_TIME_SCALE_MAX);
	if (d->set == opt_string && d->off == offsetof(struct options,
	    tasks_inline))
		return opt_error(c, "%s needs a value; give a task list such as "
		    "'square 1..10'", shown);
	return opt_error(c, "%s needs a value", shown);
}

/*
 * The parser both take: words (after the program name), with options
 * before, between and after the positional words, as getopt permutes them;
 * "--" ends the options.  A value follows its option (-w 4, --workers 4),
 * is attached (-w4) or follows '=' (--workers=4); flags may be bundled
 * (-bq).  On a run: line every option may be given once.
 */
static int
options_words(struct opt_ctx *c, int argc, char **argv, const char **pos,
    int maxpos, int *npos)
{
	const struct opt	*d;
	const char		*w, *v, *eq;
	char			 shown[80];
	int			 i, k, seen[NOPTS] = { 0 }, done = 0;
	size_t			 len;

	*npos = 0;
	for (i = 0; i < argc; i++) {
		w = argv[i];
		if (done || w[0] != '-' || w[1] == '\0') {
			if (*npos == maxpos)
				return opt_error(c, "unexpected argument '%s'; "
				    "give at most one task file", w);
			pos[(*npos)++] = w;
			continue;
		}
		if (strcmp(w, "--") == 0 && c->where == OPT_CLI) {
			/* The rest is a program to run and watch. */
			if (i + 1 == argc)
				return opt_error(c, "'--' ends poolscope's "
				    "options and starts a command; give one, "
				    "as in poolscope -- python3 script.py");
			c->o->command = argv + i + 1;
			break;
		}
		if (strcmp(w, "--") == 0) {
			done = 1;
			continue;
		}
		for (k = 1; w[k] != '\0'; k++) {
			if (w[1] == '-') {
				eq = strchr(w + 2, '=');
				len = eq ? (size_t)(eq - w - 2) : strlen(w + 2);
				d = options_find(c, w + 2, len, 1);
				v = eq ? eq + 1 : NULL;
				snprintf(shown, sizeof shown, "--%s",
				    d ? d->lname : "");
			} else {
				d = options_find(c, w + k, 1, 0);
				v = w[k + 1] != '\0' ? w + k + 1 : NULL;
				snprintf(shown, sizeof shown, "-%c", w[k]);
			}
			if (d == NULL)
				return -1;
			if (!(d->where & c->where))
				return opt_error(c, "%s is not for lessons; %s",
				    shown, options_run_list);
			if (d->arg == NULL && v != NULL && w[1] == '-')
				return opt_error(c, "--%s takes no value",
				    d->lname);
			if (d->arg == NULL) {
				v = NULL;	/* -bq: b, then q */
			} else {
				if (v == NULL && i + 1 == argc)
					return opt_missing(c, d, shown);
				if (v == NULL)
					v = argv[++i];
			}
			if (c->where == OPT_RUN && seen[d - opts]++)
				return opt_error(c, "--%s is given twice; keep "
				    "one", d->lname);
			if (d->set(c, d, v) != 0)
				return -1;
			if (w[1] == '-' || d->arg != NULL)
				break;	/* the rest of the word was its value */
		}
	}
	return 0;
}

static void
options_defaults(struct options *o, int cpus)
{
	memset(o, 0, sizeof *o);
	o->workers = cpus;
	o->mode = MODE_MAP;
	o->time_scale = 1.0;
}

/* Settings that do not go together. */
static int
options_check(struct opt_ctx *c)
{
	struct options	*o = c->o;

	if (o->chunksize > 1 && !pool_chunked(o->mode))
		return opt_error(c, "--chunksize: %s sends one task per call; "
		    "chunks apply to map, imap and imap_unordered",
		    pool_mode_name(o->mode));
	/* Every task would run past its timeout and be killed. */
	if (o->pace_ms > 0 && o->timeout_ms > 0 &&
	    o->pace_ms * o->time_scale >= o->timeout_ms)
		return opt_error(c, "--pace: each task would take at least %g "
		    "ms, and --timeout kills a task at %d ms; give a pace under "
		    "the timeout", o->pace_ms * o->time_scale, o->timeout_ms);
	if (c->where == OPT_RUN)
		return 0;
	if (o->autostart && o->batch)
		return opt_error(c, "--autostart is for the screen; --batch "
		    "always starts at once");
	if (o->json && o->quiet)
		return opt_error(c, "--json and --quiet do not go together; "
		    "pick one");
	if (o->taskfile != NULL && o->tasks_inline != NULL)
		return opt_error(c, "give either a task file or --tasks, not "
		    "both");
	if (o->replay != NULL && (o->taskfile != NULL ||
	    o->tasks_inline != NULL))
		return opt_error(c, "--replay plays a recorded run; it takes no "
		    "task list");
	if (o->ncompare > 0 && (o->replay != NULL || o->lesson != NULL))
		return opt_error(c, "--compare runs a task list; it does not go "
		    "with --replay or --lesson");
	if (o->ncompare > 0 && (o->svg != NULL || o->trace != NULL ||
	    o->record != NULL))
		return opt_error(c, "--compare makes several runs; --svg, "
		    "--trace and --record take one (export from the screen "
		    "with x instead)");
	if (o->lesson != NULL && (o->replay != NULL || o->taskfile != NULL ||
	    o->tasks_inline != NULL))
		return opt_error(c, "--lesson brings its own runs; it takes no "
		    "task list and no --replay");
	if (o->lesson != NULL && (o->record != NULL || o->trace != NULL ||
	    o->svg != NULL))
		return opt_error(c, "--lesson makes a run per step; --record, "
		    "--trace and --svg take one (use --cast to record a lesson, "
		    "or x on the run screen to export a step)");
	if (o->cast != NULL && o->batch)
		return opt_error(c, "--cast records the screen; it does not go "
		    "with --batch");
	if (o->command != NULL && (o->taskfile != NULL ||
	    o->tasks_inline != NULL || o->replay != NULL || o->lesson != NULL ||
	    o->ncompare > 0))
		return opt_error(c, "-- runs a Python program and watches its "
		    "own pool; it takes no task list, --replay, --lesson or "
		    "--compare");
	if (o->command != NULL && (o->pool_given || o->mode != MODE_MAP ||
	    o->chunksize > 0 || o->max_tasks_per_child > 0 ||
	    o->retries > 0 || o->keep_going || o->time_scale != 1.0))
		return opt_error(c, "-w, -m, -c, --pace, --time-scale, "
		    "--max-tasks-per-child, --retries and --keep-going set "
		    "poolscope's own pool; a Python program makes its own (as "
		    "in Pool(5)): drop them");
	if (o->replay != NULL && o->record != NULL)
		return opt_error(c, "--replay and --record do not go together; "
		    "copy the recording instead");
	return 0;
}

int
options_parse(struct options *o, int argc, char **argv, char *err,
    size_t errlen)
{
	struct opt_ctx	 c = { o, OPT_CLI, util_cpu_count(), err, errlen };
	const char	*pos[1];
	int		 npos;

	options_defaults(o, c.cpus);
	if (options_words(&c, argc > 0 ? argc - 1 : 0, argv + 1, pos, 1,
	    &npos) != 0)
		return -1;
	if (o->help)
		return OPTIONS_HELP;
	if (o->version)
		return OPTIONS_VERSION;
	if (npos > 0)
		o->taskfile = pos[0];
	return options_check(&c) != 0 ? -1 : 0;
}

int
options_parse_run(struct options *o, int cpus, size_t argc, char **argv,
    char *err, size_t errlen)
{
	struct opt_ctx	 c = { o, OPT_RUN, cpus, err, errlen };
	const char	*pos[1];
	int		 npos;

	options_defaults(o, cpus);
	if (argc > INT_MAX)
		return opt_error(&c, "too many words");
	if (options_words(&c, (int)argc, argv, pos, 1, &npos) != 0)
		return -1;
	if (npos > 0 && strcmp(pos[0], "-") == 0)
		return opt_error(&c, "'-' (standard input) cannot be a lesson's "
		    "task list; give a task file or -t 'SPEC'");
	if (npos > 0 && o->tasks_inline != NULL)
		return opt_error(&c, "both -t and a task file ('%s'); give one "
		    "of them", pos[0]);
	if (npos > 0)
		o->taskfile = pos[0];
	return options_check(&c);
}

void
options_engine_config(const struct options *o, struct engine_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->workers = o->workers;
	cfg->mode = o->mode;
	cfg->chunksize = o->chunksize;
	cfg->max_tasks_per_child = o->max_tasks_per_child;
	cfg->timeout_ms = o->timeout_ms;
	cfg->retries = o->retries;
	cfg->time_scale = o->time_scale;
	cfg->keep_going = o->keep_going;
	cfg->pace_ms = o->pace_ms;
}
