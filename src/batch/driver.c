/*
 * driver.c: batch mode's one driver (driver.h).  Whatever the source, a
 * run is read by the model, the printer (text, JSON Lines or quiet) and a
 * recording if one is asked for, and is stopped as soon as standard output
 * fails.  Every output is checked: a failed write is said once, with its
 * cause, and makes the exit status 3, except standard output's reader
 * going away (EPIPE, as with '| head'): then poolscope dies of SIGPIPE,
 * quietly, as any filter does, once its workers are reaped and its files
 * written.
 */
#include "config.h"

#include <sys/signalfd.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"
#include "tasks/tasks.h"
#include "model/model.h"
#include "batch/batch.h"
#include "batch/driver.h"
#include "batch/record.h"
#include "export/export.h"

/* Whether an output could not be written completely: exit status 3. */
static int	driver_output_failed;
static int	driver_stdout_told;

void
batch_stdout_failed(int e)
{
	sigset_t	set;

	if (e == EPIPE) {
		signal(SIGPIPE, SIG_DFL);
		sigemptyset(&set);
		sigaddset(&set, SIGPIPE);
		sigprocmask(SIG_UNBLOCK, &set, NULL);
		raise(SIGPIPE);
		_exit(141);
	}
	driver_output_failed = 1;
	if (!driver_stdout_told)
		fprintf(stderr, "poolscope: cannot write standard output: %s\n",
		    strerror(e));
	driver_stdout_told = 1;
}

void
batch_close_stdout(void)
{
	/* What is still buffered (all of -q's output), and the close, where
	 * some filesystems report their errors. */
	if (fflush(stdout) == EOF)
		batch_stdout_failed(errno);
	else if (ferror(stdout))
		batch_stdout_failed(EIO);
	else if (fclose(stdout) == EOF)
		batch_stdout_failed(errno);
}

void
batch_output_failed(void)
{
	driver_output_failed = 1;
}

int
batch_status(int status)
{
	/* A signal, bad usage and poolscope's own failure say more than an
	 * output that could not be written. */
	if (status >= 128 || status == 2 || status == UTIL_EXIT_INTERNAL)
		return status;
	return driver_output_failed ? 3 : status;
}

int
batch_stop_fd(void)
{
	sigset_t	set;
	int		sfd;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTSTP);	/* Ctrl-Z stops the workers too */
	sigprocmask(SIG_BLOCK, &set, NULL);
	if ((sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK)) == -1)
		fatal("signalfd");
	return sfd;
}

/* A run being driven: what the flush before each wait looks at. */
struct drive {
	struct source		*src;
	struct event_sink	 sink;	/* the readers, fanned out */
	struct batch		*b;
	struct recorder		*rec;
};

/* A write to the recording failed: say so once (the run goes on). */
static void
driver_record_check(struct recorder *rec)
{
	char	err[600];

	if (recorder_poll_error(rec, err, sizeof err)) {
		fprintf(stderr, "poolscope: --record: %s\n", err);
		driver_output_failed = 1;
	}
}

/* Put the recording in place (the run is over, or was stopped: it ends
 * with a run_end either way), or say why not. */
static void
driver_record_close(struct recorder *rec)
{
	char	err[600];

	driver_record_check(rec);
	if (recorder_close(rec, err, sizeof err) != 0) {
		if (err[0] != '\0')
			fprintf(stderr, "poolscope: --record: %s\n", err);
		driver_output_failed = 1;
	}
}

/* Before each wait: what the readers hold goes out (a reader following
 * the pipe sees each event as it happens); the run stops once standard
 * output fails (its reader is gone, or a disk is full); a recording that
 * fails is said at once. */
static void
driver_flush(void *arg)
{
	struct drive	*d = arg;

	if (d->sink.flush != NULL)
		d->sink.flush(d->sink.arg);
	if (batch_write_failed(d->b) && !d->src->ops->finished(d->src->arg))
		d->src->ops->abort(d->src->arg);
	driver_record_check(d->rec);
}

/* --trace and --svg after a run.  Standard output ("-") failing is
 * standard output's failure. */
static void
driver_exports(const struct batch_job *job, const struct model *m,
    const struct tasklist *tl)
{
	static const char *const names[] = { "--trace", "--svg" };
	const char	*paths[] = { job->trace, job->svg };
	int		(*fns[])(FILE *, const struct model *,
			    const struct tasklist *) = { export_trace,
			    export_svg };
	char		 err[700];
	int		 i;

	for (i = 0; i < 2; i++) {
		if (paths[i] == NULL || export_to_path(paths[i], fns[i], m, tl,
		    job->force, err, sizeof err) == 0)
			continue;
		if (strcmp(paths[i], "-") == 0)
			batch_stdout_failed(errno);
		else {
			fprintf(stderr, "poolscope: %s: %s\n", names[i], err);
			driver_output_failed = 1;
		}
	}
}

/* After a run: processes that could not start are said on stderr too
 * (the events say it on stdout, but --quiet prints no events). */
static void
driver_spawn_warning(const struct model *m)
{
	if (m->nspawn_fails == 0)
		return;
	if (m->nunrun > 0)
		fprintf(stderr, "poolscope: %s could start (%s); %zu task%s "
		    "failed for want of one\n", m->run.mode == MODE_PROCESS ?
		    "no process" : "no worker", m->spawn_error, m->nunrun,
		    m->nunrun == 1 ? "" : "s");
	else if (m->run.mode == MODE_PROCESS)
		fprintf(stderr, "poolscope: warning: a process could not start "
		    "(%s); the run went on with at most %d at a time\n",
		    m->spawn_error, m->spawn_live);
	else
		fprintf(stderr, "poolscope: warning: %zu of %d workers could "
		    "not start (%s); the run went on with %d\n",
		    m->nspawn_fails, m->run.workers, m->spawn_error,
		    m->spawn_live);
}

int
batch_drive(struct batch_job *job, int stop_fd)
{
	const struct tasklist	*tl = job->src.ops->tasklist(job->src.arg);
	struct model		 model;
	struct event_fanout	 fan;
	struct event_sink	 s;
	struct drive		 d;
	char			 err[1024];
	int			 status, sig = 0, rc;

	memset(&d, 0, sizeof d);
	d.src = &job->src;
	if (job->record != NULL && (d.rec = recorder_open(job->record,
	    job->force, tl, err, sizeof err)) == NULL) {
		fprintf(stderr, "poolscope: --record: %s\n", err);
		source_free(&job->src);
		return 2;
	}
	model_init(&model);
	if (job->trace != NULL || job->svg != NULL)
		model_keep_views(&model);
	d.b = batch_new(stdout, job->format, tl, &model);
	if (strcmp(job->src.ops->name, "python") == 0)
		batch_for_program(d.b);
	memset(&fan, 0, sizeof fan);
	s = model_sink(&model);
	event_fanout_add(&fan, &s);
	s = batch_sink(d.b);
	event_fanout_add(&fan, &s);
	if (d.rec != NULL) {
		s = recorder_sink(d.rec);
		event_fanout_add(&fan, &s);
	}
	d.sink = s = event_fanout_sink(&fan);

	if ((rc = job->src.ops->start(job->src.arg, &s, err,
	    sizeof err)) != 0) {
		fprintf(stderr, "poolscope: %s\n", err);
		recorder_discard(d.rec);	/* nothing ran */
		status = rc == -2 ? UTIL_EXIT_INTERNAL : 1;
		goto out;
	}
	sig = source_run(&job->src, stop_fd, driver_flush, &d);
	status = job->src.ops->exit_status(job->src.arg);
	if (!batch_write_failed(d.b))
		batch_finish(d.b);	/* -q writes it all here */
	if (!batch_write_failed(d.b))
		driver_spawn_warning(&model);
	if (job->row != NULL)
		compare_row_fill(job->row, &model);
	/* The files first: a reader of stdout gone (EPIPE) ends poolscope. */
	if (d.rec != NULL)
		driver_record_close(d.rec);
	driver_exports(job, &model, tl);
	if (batch_write_failed(d.b))
		batch_stdout_failed(batch_write_error(d.b));
	if (sig != 0)
		status = 128 + sig;
out:
	source_free(&job->src);
	batch_free(d.b);
	model_free(&model);
	return status;
}

void
compare_row_fill(struct compare_row *c, const struct model *m)
{
	size_t	i;
	int	len = 0;

	c->mode = m->run.mode;
	c->wall_ns = m->run.wall_ns;
	c->busy_ns = m->run.busy_ns;
	c->workers = m->run.workers;
	c->failed = m->nfailed;
	c->order[0] = '\0';
	for (i = 0; i < m->nresults && len < (int)sizeof c->order - 8; i++)
		len += snprintf(c->order + len, sizeof c->order - len, "%s%u",
		    i ? " " : "", m->results[i]);
	if (i < m->nresults)
		snprintf(c->order + len, sizeof c->order - len, " ...");
}

void
compare_header(char *buf, size_t len)
{
	snprintf(buf, len, "%-15s %9s %8s %6s %7s  %s", "call style", "wall",
	    "speedup", "util", "failed", "result order (tasks)");
}

/* The sync/async table of the examples, measured: a row of it. */
void
compare_line(const struct compare_row *c, char *buf, size_t len)
{
	char	wall[32];
	double	w = c->wall_ns / 1e9, b = c->busy_ns / 1e9;

	util_format_duration(c->wall_ns, wall, sizeof wall);
	snprintf(buf, len, "%-15s %9s %7.2fx %5.0f%% %7zu  %s",
	    pool_mode_name(c->mode), wall, w > 0 ? b / w : 0.0, w > 0 ?
	    100 * b / (w * c->workers) : 0.0, c->failed, c->order);
}
