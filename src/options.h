/*
 * options.h: poolscope's settings: the command line, and the subset a
 * lesson step's run: line takes, read by one table (options.c).
 */
#ifndef POOLSCOPE_OPTIONS_H
#define POOLSCOPE_OPTIONS_H

#include <stddef.h>
#include <stdio.h>

struct options {
	int		 workers;
	int		 mode;
	size_t		 chunksize;	/* 0: Python's default */
	int		 max_tasks_per_child;
	int		 timeout_ms;
	int		 retries;
	int		 keep_going;
	int		 pace_ms;	/* --pace: 0 none */
	int		 pool_given;	/* -w or --pace was given */
	double		 time_scale;
	int		 batch;
	int		 json;
	int		 quiet;
	int		 autostart;	/* skip the set-up screen */
	int		 no_color;
	const char	*trace;		/* --trace FILE */
	const char	*cast;		/* --cast FILE */
	const char	*caption;	/* --caption TEXT */
	const char	*lesson;	/* --lesson NAME */
	int		 list_lessons;
	int		 theme;		/* enum ui_theme */
	int		 has_seed;
	unsigned long long seed;
	int		 compare[8];	/* --compare: modes, in order */
	int		 ncompare;
	const char	*record;	/* --record FILE */
	const char	*replay;	/* --replay FILE */
	const char	*svg;		/* --svg FILE */
	int		 force;		/* --force: outputs may replace files */
	const char	*tasks_inline;
	const char	*taskfile;
	char	       **command;	/* -- COMMAND ARGS: a Python program to
					   watch (NULL-terminated), or NULL */
	const char	*tracer;	/* with it: the tracer's directory */
	int		 help;		/* --help */
	int		 version;	/* --version */
};

enum ui_theme { THEME_DEFAULT, THEME_HIGH_CONTRAST, THEME_LIGHT, THEME_MONO,
	THEME_N };
extern const char *const theme_names[THEME_N];

#define OPTIONS_HELP	1
#define OPTIONS_VERSION	2

/* Fill o from argv (argv[0] is the program): 0, OPTIONS_HELP or
 * OPTIONS_VERSION (for the caller to print), or -1 with a message in err
 * (bad usage: exit status 2). */
int	options_parse(struct options *o, int argc, char **argv, char *err,
	    size_t errlen);
/* A lesson step's run: line, split into words: the options a run takes
 * (-w, -m, -c, -t, --time-scale, --pace, --max-tasks-per-child,
 * --timeout, --retries, --keep-going) and a task file; -w cpus means
 * cpus.  0, or -1 with a message. */
int	options_parse_run(struct options *o, int cpus, size_t argc,
	    char **argv, char *err, size_t errlen);
void	options_usage(FILE *);
struct engine_config;
/* The pool the options ask for: the one place a run's settings are made. */
void	options_engine_config(const struct options *, struct engine_config *);

#endif
