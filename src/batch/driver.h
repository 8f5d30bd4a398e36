/*
 * driver.h: batch mode's one driver.  A run, a call style of --compare, a
 * lesson step and a replay are each a source of events (source.h) driven
 * to its end with the same readers: the model, the printer, a recording,
 * and the exports after it.  The driver also keeps the state every output
 * shares: whether one failed (exit status 3).
 */
#ifndef POOLSCOPE_DRIVER_H
#define POOLSCOPE_DRIVER_H

#include <signal.h>

#include "source.h"

struct model;

/* One row of --compare's table: a finished run's figures. */
struct compare_row {
	int		 mode;
	uint64_t	 wall_ns, busy_ns;
	int		 workers;
	size_t		 failed;
	char		 order[64];
};

struct batch_job {
	struct source		 src;
	int			 format;	/* enum batch_format */
	const char		*record;	/* --record FILE, or NULL */
	int			 force;		/* it may replace a file */
	const char		*trace;		/* exports once it ended */
	const char		*svg;
	struct compare_row	*row;		/* --compare: filled, or NULL */
};

/* Drive a job to its end: its exit status (0, 1; 128 + the signal that
 * stopped it; 2 when its recording is refused; 4 when poolscope could
 * not set up).  The source is freed. */
int	batch_drive(struct batch_job *, int stop_fd);

/* SIGINT, SIGTERM, SIGHUP and SIGTSTP as a signalfd for batch_drive();
 * SIGPIPE ignored, so a reader that goes away is noticed as EPIPE. */
int	batch_stop_fd(void);

/* --compare's table, from its rows, on standard output. */
void	compare_row_fill(struct compare_row *, const struct model *);
void	compare_header(char *, size_t);
void	compare_line(const struct compare_row *, char *, size_t);

/* Standard output failed with errno e: a reader gone (EPIPE) ends
 * poolscope by SIGPIPE, quietly, as any filter; anything else is said
 * once, and the exit status becomes 3. */
void	batch_stdout_failed(int e);
/* Flush and close standard output, reporting a failure. */
void	batch_close_stdout(void);
/* An output other than standard output failed: the exit status is 3. */
void	batch_output_failed(void);
/* The exit status with the outputs': a signal first, then 2 and 4, then 3
 * (an output could not be written), then the run's own. */
int	batch_status(int status);

#endif
