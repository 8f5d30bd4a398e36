/*
 * options.c: parsing and checking the command line.  Every bad value gets a
 * message naming the option, the value and what is accepted, and exit 2.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"
#include "engine/engine.h"
#include "options.h"

enum {
	OPT_MAX_TASKS = 256, OPT_TIMEOUT, OPT_RETRIES, OPT_TIME_SCALE, OPT_JSON,
	OPT_AUTOSTART, OPT_NO_COLOR, OPT_TRACE, OPT_SVG, OPT_RECORD, OPT_REPLAY,
	OPT_SEED, OPT_CAPTION, OPT_THEME, OPT_COMPARE, OPT_CAST, OPT_LESSON,
	OPT_LIST_LESSONS, OPT_KEEP_GOING, OPT_FORCE
};

const char *const theme_names[THEME_N] = {
	"default", "high-contrast", "light", "mono"
};

static const struct option longopts[] = {
	{ "workers",		required_argument,	NULL, 'w' },
	{ "mode",		required_argument,	NULL, 'm' },
	{ "tasks",		required_argument,	NULL, 't' },
	{ "chunksize",		required_argument,	NULL, 'c' },
	{ "max-tasks-per-child", required_argument,	NULL, OPT_MAX_TASKS },
	{ "timeout",		required_argument,	NULL, OPT_TIMEOUT },
	{ "retries",		required_argument,	NULL, OPT_RETRIES },
	{ "keep-going",		no_argument,		NULL, OPT_KEEP_GOING },
	{ "time-scale",		required_argument,	NULL, OPT_TIME_SCALE },
	{ "batch",		no_argument,		NULL, 'b' },
	{ "json",		no_argument,		NULL, OPT_JSON },
	{ "quiet",		no_argument,		NULL, 'q' },
	{ "autostart",		no_argument,		NULL, OPT_AUTOSTART },
	{ "no-color",		no_argument,		NULL, OPT_NO_COLOR },
	{ "trace",		required_argument,	NULL, OPT_TRACE },
	{ "svg",		required_argument,	NULL, OPT_SVG },
	{ "record",		required_argument,	NULL, OPT_RECORD },
	{ "replay",		required_argument,	NULL, OPT_REPLAY },
	{ "seed",		required_argument,	NULL, OPT_SEED },
	{ "caption",		required_argument,	NULL, OPT_CAPTION },
	{ "theme",		required_argument,	NULL, OPT_THEME },
	{ "compare",		required_argument,	NULL, OPT_COMPARE },
	{ "cast",		required_argument,	NULL, OPT_CAST },
	{ "force",		no_argument,		NULL, OPT_FORCE },
	{ "lesson",		required_argument,	NULL, OPT_LESSON },
	{ "list-lessons",	no_argument,		NULL, OPT_LIST_LESSONS },
	{ "help",		no_argument,		NULL, 'h' },
	{ "version",		no_argument,		NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

void
options_usage(FILE *f)
{
	fprintf(f,
"Usage: poolscope [OPTIONS] [TASKFILE]\n"
"Watch a process pool work: fork real workers, run a task list on them in one\n"
"of the call styles of Python's multiprocessing.Pool, and show what happens.\n"
"Without --batch it opens the screen: a set-up screen, then the live run.\n"
"\n"
"  -w, --workers N          pool size, 1..%d (default: the number of\n"
"                           processors, as cpu_count(): %d here)\n"
"  -m, --mode MODE          call style (default: map):\n"
"                             apply (sync)       pool.apply in a loop\n"
"                             map                pool.map\n"
"                             imap               pool.imap\n"
"                             imap_unordered     pool.imap_unordered\n"
"                             apply_async (async) apply_async + callbacks\n"
"                             process            a Process per task, start/join\n"
"  -t, --tasks 'SPEC'       task list inline; ';' separates lines\n"
"                           (default: 'square 1..10')\n"
"  -c, --chunksize N        tasks per message (default: Python's: map uses\n"
"                           ceil(tasks / (4 * workers)), the others 1)\n"
"      --max-tasks-per-child N  a worker retires after N messages from the\n"
"                           task queue (a chunk is one, as in Python); its\n"
"                           slot gets a new process\n"
"      --timeout MS         a task running longer is killed with its worker\n"
"      --retries N          re-run a task whose worker died, up to N times\n"
"      --keep-going         a task that raises does not end its chunk or the\n"
"                           call: the caller gets each error as a result (as\n"
"                           a caller catching each one); by default, as in\n"
"                           Python, the rest of the chunk never runs and\n"
"                           map, imap and imap_unordered raise to the caller\n"
"      --time-scale F       multiply every sleep and spin duration by F\n"
"      --autostart          skip the set-up screen: start the run at once\n"
"      --no-color           no colours on the screen (NO_COLOR is honoured)\n"
"      --record FILE        save the event stream (a recording)\n"
"      --replay FILE        play a recording back at its recorded pace (with\n"
"                           --time-scale F: F times as long); with --batch,\n"
"                           print it as a live run would\n"
"      --compare M1,M2,...  run the task list in each call style in turn and\n"
"                           compare wall time, speedup and result order\n"
"      --lesson NAME        a guided lesson (Space: next step, Backspace: back)\n"
"      --list-lessons       list the lessons and exit\n"
"      --seed N             make rand(A,B) in task lists repeatable\n"
"      --caption TEXT       a title bar on the screen (for recordings)\n"
"      --theme NAME         default, high-contrast, light or mono\n"
"      --cast FILE          record exactly what the screen draws (asciicast v2)\n"
"      --trace FILE         write the run as Chrome trace-event JSON (Perfetto)\n"
"      --svg FILE           write the run's timeline as an SVG picture\n"
"      --force              let --record, --cast, --trace and --svg replace\n"
"                           an existing file (or a symbolic link, itself)\n"
"  -b, --batch              no screen: run, print each event, then the results\n"
"      --json               with --batch: JSON Lines events on stdout\n"
"  -q, --quiet              with --batch: only the results list and the summary\n"
"  -h, --help               show this help\n"
"  -V, --version            show the version\n"
"\n"
"Times are pool time: pauses (Space, s, Ctrl-Z) are left out of them, and a\n"
"sleep lasts its length of pool time; spin uses its length of CPU time.\n"
"\n"
"Task lists have one task per line, 'KIND [ARG]', with A..B ranges,\n"
"rand(A,B) values, xN repeats and # comments.  Kinds: square N, cube N,\n"
"print N, hello ID, sleep MS, spin MS, primes N, fib N, fail, crash, hang,\n"
"sh COMMAND.  See poolscope(1) and the README.\n"
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
"\n"
"Keys on the run screen: Space pause, s step, + - time scale, arrows select,\n"
"k kill the selected worker, r rerun, n set-up, x export (trace and SVG),\n"
"Tab pane, ? help, q quit.\n"
"\n"
"Examples:\n"
"  poolscope\n"
"  poolscope --autostart -w 3 -m apply_async -t 'sleep 300; sleep 100; sleep 200'\n"
"  poolscope --batch -w 5 -m map -t 'square 1..10'\n"
"  poolscope --batch --json -w 3 -m apply_async -t 'sleep 300; sleep 100; sleep 200'\n",
	    POOL_MAX_WORKERS, util_cpu_count());
}

/* After --help or --version: exit 0 if it all reached standard output,
 * else say why and exit 3. */
static void __attribute__((noreturn))
options_exit_written(void)
{
	int	e = 0;

	if (fflush(stdout) == EOF)
		e = errno;
	else if (ferror(stdout))	/* errno is still the failed write's */
		e = errno != 0 ? errno : EIO;
	if (e == 0)
		exit(0);
	if (e != EPIPE)
		fprintf(stderr, "poolscope: cannot write standard output: "
		    "%s\n", strerror(e));
	exit(3);
}

static void __attribute__((noreturn, format(printf, 1, 2)))
options_error(const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "poolscope: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'poolscope --help' for more information.\n");
	exit(2);
}

/* A whole number in [min, max] for option name, or exit 2. */
static long long
options_number(const char *name, const char *s, long long min, long long max,
    const char *what)
{
	const char	*errstr;
	long long	 v;

	v = strtonum(s, min, max, &errstr);
	if (errstr != NULL) {
		if (strcmp(errstr, "invalid") == 0)
			options_error("%s: '%s' is not a whole number; give %s "
			    "from %lld to %lld", name, s, what, min, max);
		options_error("%s: %s is %s; give %s from %lld to %lld", name,
		    s, errstr, what, min, max);
	}
	return v;
}

/* An output path: not empty, and its directory must exist. */
static const char *
options_path(const char *name, const char *path)
{
	char	*dir, *slash;

	if (*path == '\0')
		options_error("%s needs a file name", name);
	if (strcmp(path, "-") == 0)
		return path;
	dir = xstrdup(path);
	if ((slash = strrchr(dir, '/')) != NULL) {
		*slash = '\0';
		if (*dir != '\0' && access(dir, W_OK) != 0) {
			int	e = errno, len = (int)(slash - dir);

			free(dir);	/* nothing leaks on the way out */
			options_error("%s: cannot write in '%.*s': %s; check "
			    "the path", name, len, path, strerror(e));
		}
	}
	free(dir);
	return path;
}

/* --compare map,apply_async: two or more modes, each once. */
static void
options_compare(struct options *o, const char *list)
{
	const char	*tok, *comma;
	char		 name[32];
	size_t		 len;
	int		 m, i;

	o->ncompare = 0;
	for (tok = list; *tok != '\0'; tok = comma + (*comma == ',')) {
		comma = tok + strcspn(tok, ",");
		if ((len = (size_t)(comma - tok)) == 0)
			continue;	/* "map,,imap" as strtok took it */
		if (len >= sizeof name ||
		    (memcpy(name, tok, len), name[len] = '\0',
		    (m = pool_mode_parse(name)) == -1))
			options_error("--compare: unknown mode '%.*s'; give "
			    "call styles separated by commas, e.g. "
			    "--compare apply,apply_async", (int)len, tok);
		for (i = 0; i < o->ncompare; i++)
			if (o->compare[i] == m)
				options_error("--compare: '%s' is given twice",
				    name);
		if (o->ncompare == (int)(sizeof o->compare /
		    sizeof o->compare[0]))
			options_error("--compare: at most %zu modes",
			    sizeof o->compare / sizeof o->compare[0]);
		o->compare[o->ncompare++] = m;
	}
	if (o->ncompare < 2)
		options_error("--compare needs two or more call styles "
		    "separated by commas, e.g. --compare apply,apply_async");
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
}

void
options_parse(struct options *o, int argc, char **argv)
{
	char	*end;
	int	 c, i;

	memset(o, 0, sizeof *o);
	o->workers = util_cpu_count();
	o->mode = MODE_MAP;
	o->time_scale = 1.0;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":w:m:t:c:bqhV", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 'w':
			o->workers = options_number("--workers", optarg, 1,
			    POOL_MAX_WORKERS, "a pool size");
			break;
		case 'm':
			if ((o->mode = pool_mode_parse(optarg)) == -1)
				options_error("--mode: unknown mode '%s'; use apply "
				    "(or sync), map, imap, imap_unordered, "
				    "apply_async (or async) or process", optarg);
			break;
		case 't':
			o->tasks_inline = optarg;
			break;
		case 'c':
			o->chunksize = options_number("--chunksize", optarg, 1,
			    1000000, "a number of tasks");
			break;
		case OPT_MAX_TASKS:
			o->max_tasks_per_child = options_number(
			    "--max-tasks-per-child", optarg, 1, INT_MAX,
			    "a number of tasks");
			break;
		case OPT_TIMEOUT:
			o->timeout_ms = options_number("--timeout", optarg, 1,
			    86400000, "milliseconds");
			break;
		case OPT_RETRIES:
			o->retries = options_number("--retries", optarg, 0,
			    POOL_MAX_RETRIES, "a number of re-runs");
			break;
		case OPT_KEEP_GOING:
			o->keep_going = 1;
			break;
		case OPT_TIME_SCALE:
			errno = 0;
			o->time_scale = strtod(optarg, &end);
			if (end == optarg || *end != '\0' || errno != 0 ||
			    !isfinite(o->time_scale))
				options_error("--time-scale: '%s' is not a number; "
				    "give a factor such as 0.1 or 3", optarg);
			if (o->time_scale < 0.001 || o->time_scale > 1000)
				options_error("--time-scale: %s is out of range; "
				    "give a factor from 0.001 to 1000", optarg);
			break;
		case 'b':
			o->batch = 1;
			break;
		case OPT_JSON:
			o->json = 1;
			o->batch = 1;
			break;
		case 'q':
			o->quiet = 1;
			o->batch = 1;
			break;
		case OPT_AUTOSTART:
			o->autostart = 1;
			break;
		case OPT_NO_COLOR:
			o->no_color = 1;
			break;
		case OPT_TRACE:
			o->trace = options_path("--trace", optarg);
			break;
		case OPT_SVG:
			o->svg = options_path("--svg", optarg);
			break;
		case OPT_RECORD:
			o->record = options_path("--record", optarg);
			if (strcmp(o->record, "-") == 0)
				options_error("--record needs a file name; for "
				    "the stream on stdout use --batch --json");
			break;
		case OPT_SEED:
			o->seed = (unsigned long long)options_number("--seed",
			    optarg, 0, LLONG_MAX, "a seed");
			o->has_seed = 1;
			break;
		case OPT_CAPTION:
			for (i = 0, c = 0; optarg[c] != '\0'; c++)
				if (((unsigned char)optarg[c] & 0xc0) != 0x80)
					i++;	/* characters, not bytes */
			if (i > 200)
				options_error("--caption: %d characters is too "
				    "long for a title bar; give at most 200", i);
			o->caption = optarg;
			break;
		case OPT_THEME:
			for (i = 0; i < THEME_N; i++)
				if (strcmp(optarg, theme_names[i]) == 0)
					break;
			if (i == THEME_N)
				options_error("--theme: unknown theme '%s'; use "
				    "default, high-contrast, light or mono",
				    optarg);
			o->theme = i;
			break;
		case OPT_COMPARE:
			options_compare(o, optarg);
			break;
		case OPT_FORCE:
			o->force = 1;
			break;
		case OPT_CAST:
			o->cast = options_path("--cast", optarg);
			if (strcmp(o->cast, "-") == 0)
				options_error("--cast needs a file name");
			break;
		case OPT_LESSON:
			if (*optarg == '\0')
				options_error("--lesson needs a name; see "
				    "--list-lessons");
			o->lesson = optarg;
			break;
		case OPT_LIST_LESSONS:
			o->list_lessons = 1;
			break;
		case OPT_REPLAY:
			if (*optarg == '\0')
				options_error("--replay needs a file name");
			o->replay = optarg;
			break;
		case 'h':
			errno = 0;
			options_usage(stdout);
			options_exit_written();
		case 'V':
			errno = 0;
			printf("poolscope %s\n", PACKAGE_VERSION);
			options_exit_written();
		case ':':
			/* Name the option as it was typed: --mode, or -m. */
			if (optopt >= 256 || strncmp(argv[optind - 1], "--", 2) == 0)
				options_error("%s needs a value", argv[optind - 1]);
			options_error("-%c needs a value", optopt);
		default:
			if (optopt != 0 && optopt < 256)
				options_error("unknown option -%c", optopt);
			options_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (o->autostart && o->batch)
		options_error("--autostart is for the screen; --batch always "
		    "starts at once");
	if (o->json && o->quiet)
		options_error("--json and --quiet do not go together; pick one");
	if (optind < argc)
		o->taskfile = argv[optind++];
	if (optind < argc)
		options_error("unexpected argument '%s'; give at most one task "
		    "file", argv[optind]);
	if (o->taskfile != NULL && o->tasks_inline != NULL)
		options_error("give either a task file or --tasks, not both");
	if (o->replay != NULL && (o->taskfile != NULL ||
	    o->tasks_inline != NULL))
		options_error("--replay plays a recorded run; it takes no task "
		    "list");
	if (o->ncompare > 0) {
		if (o->replay != NULL || o->lesson != NULL)
			options_error("--compare runs a task list; it does not "
			    "go with --replay or --lesson");
		if (o->svg != NULL || o->trace != NULL || o->record != NULL)
			options_error("--compare makes several runs; --svg, "
			    "--trace and --record take one (export from the "
			    "screen with x instead)");
	}
	if (o->lesson != NULL && (o->replay != NULL || o->taskfile != NULL ||
	    o->tasks_inline != NULL))
		options_error("--lesson brings its own runs; it takes no task "
		    "list and no --replay");
	if (o->lesson != NULL && (o->record != NULL || o->trace != NULL ||
	    o->svg != NULL))
		options_error("--lesson makes a run per step; --record, --trace "
		    "and --svg take one (use --cast to record a lesson, or x on "
		    "the run screen to export a step)");
	if (o->cast != NULL && o->batch)
		options_error("--cast records the screen; it does not go with "
		    "--batch");
	if (o->replay != NULL && o->record != NULL)
		options_error("--replay and --record do not go together; copy "
		    "the recording instead");
	if (o->chunksize > 1 && (o->mode == MODE_APPLY ||
	    o->mode == MODE_APPLY_ASYNC || o->mode == MODE_PROCESS))
		options_error("--chunksize: %s sends one task per call; "
		    "chunks apply to map, imap and imap_unordered",
		    pool_mode_name(o->mode));
}
