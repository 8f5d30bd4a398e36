/*
 * options.h: the command line.
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
};

enum ui_theme { THEME_DEFAULT, THEME_HIGH_CONTRAST, THEME_LIGHT, THEME_MONO,
	THEME_N };
extern const char *const theme_names[THEME_N];

/* Fill o from argv; on bad usage print a message and exit 2; --help and
 * --version print and exit 0. */
void	options_parse(struct options *o, int argc, char **argv);
void	options_usage(FILE *);
struct engine_config;
/* The pool the options ask for: the one place a run's settings are made. */
void	options_engine_config(const struct options *, struct engine_config *);

#endif
