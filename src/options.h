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
	double		 time_scale;
	int		 batch;
	int		 json;
	int		 quiet;
	int		 autostart;	/* skip the set-up screen */
	int		 no_color;
	const char	*trace;		/* --trace FILE */
	const char	*record;	/* --record FILE */
	const char	*replay;	/* --replay FILE */
	const char	*svg;		/* --svg FILE */
	const char	*tasks_inline;
	const char	*taskfile;
};

/* Fill o from argv; on bad usage print a message and exit 2; --help and
 * --version print and exit 0. */
void	options_parse(struct options *o, int argc, char **argv);
void	options_usage(FILE *);

#endif
