/*
 * main.c: poolscope's entry point.  Reads the options and the task list,
 * wires the engine's event stream to its consumers (the model, the batch
 * printer) and runs the pool.
 *
 * Every output is checked: the files (--record, --trace, --svg, --cast)
 * before anything runs, so that none replaces a file without --force nor
 * ever a file the run reads; their writes, and standard output's, as the
 * run goes.  A failed write is said once, with its cause, and makes the exit
 * status 3, except standard output's reader going away (EPIPE, as with
 * '| head'): then poolscope dies of SIGPIPE, quietly, as any filter does,
 * once its workers are reaped and its files written.
 */
#include "config.h"

#include <sys/signalfd.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"
#include "assets.h"
#include "outfile.h"
#include "tasks/tasks.h"
#include "engine/engine.h"
#include "model/model.h"
#include "batch/batch.h"
#include "batch/record.h"
#include "export/export.h"
#include "replay/replay.h"
#include "lesson/lesson.h"
#include "ui/ui.h"
#include "options.h"

extern char **environ;

struct main_ctx {
	struct engine	*engine;
	struct batch	*batch;
	struct recorder	*rec;
};

/* Whether an output could not be written completely: exit status 3. */
static int	main_output_failed;
static int	main_stdout_told;

/* Standard output failed with errno e.  A reader that went away (EPIPE) is
 * how a filter is stopped: die of SIGPIPE, quietly.  Anything else (a full
 * disk, EIO) is said once; the exit status will be 3. */
static void
main_stdout_failed(int e)
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
	main_output_failed = 1;
	if (!main_stdout_told)
		fprintf(stderr, "poolscope: cannot write standard output: %s\n",
		    strerror(e));
	main_stdout_told = 1;
}

/* The last of standard output: what is still buffered (all of -q's
 * output), and the close, where some filesystems report their errors. */
static void
main_close_stdout(void)
{
	if (fflush(stdout) == EOF)
		main_stdout_failed(errno);
	else if (ferror(stdout))
		main_stdout_failed(EIO);
	else if (fclose(stdout) == EOF)
		main_stdout_failed(errno);
}

/* The exit status, with the outputs': a signal first, then 3, then 1. */
static int
main_status(int status)
{
	/* A signal, bad usage and poolscope's own failure say more than an
	 * output that could not be written. */
	if (status >= 128 || status == 2 || status == UTIL_EXIT_INTERNAL)
		return status;
	return main_output_failed ? 3 : status;
}

/* A write to the recording failed: say so once (the run goes on). */
static void
main_record_check(struct recorder *rec)
{
	char	err[600];

	if (recorder_poll_error(rec, err, sizeof err)) {
		fprintf(stderr, "poolscope: --record: %s\n", err);
		main_output_failed = 1;
	}
}

/* Put the recording in place (the run is over, or was stopped: it ends
 * with a run_end either way), or say why not. */
static void
main_record_close(struct recorder *rec)
{
	char	err[600];

	main_record_check(rec);
	if (recorder_close(rec, err, sizeof err) != 0) {
		if (err[0] != '\0')
			fprintf(stderr, "poolscope: --record: %s\n", err);
		main_output_failed = 1;
	}
}

/* After the batch printer's flush: stop the run once standard output
 * fails (its reader is gone, or a disk is full); say at once when the
 * recording fails, and go on. */
static void
main_flush(void *arg)
{
	struct main_ctx	*mc = arg;

	if (batch_write_failed(mc->batch) && !engine_finished(mc->engine))
		engine_abort(mc->engine);
	main_record_check(mc->rec);
}

/* A signal that would end poolscope: no half-written file is left. */
static void
main_fatal_signal(int sig)
{
	outfile_finish_all();
	raise(sig);	/* SA_RESETHAND: the default action now */
}

/* The files to write, before anything runs: not a file the run reads, not
 * one file twice, not an existing file without --force (outfile.c).  0, or
 * 2 with a message. */
static int
main_check_outputs(const struct options *o)
{
	static const char *const names[] = { "--record", "--trace", "--svg",
	    "--cast" };
	const char	*out[] = { o->record, o->trace, o->svg, o->cast };
	char		 err[1024];
	int		 i, j;

	for (i = 0; i < 4; i++) {
		if (out[i] == NULL || strcmp(out[i], "-") == 0)
			continue;
		if (o->taskfile != NULL && outfile_same(out[i], o->taskfile)) {
			fprintf(stderr, "poolscope: %s: '%s' is the task list "
			    "this run reads; give %s another name\n", names[i],
			    out[i], names[i]);
			return 2;
		}
		if (o->replay != NULL && outfile_same(out[i], o->replay)) {
			fprintf(stderr, "poolscope: %s: '%s' is the recording "
			    "this run replays; give %s another name\n",
			    names[i], out[i], names[i]);
			return 2;
		}
		for (j = 0; j < i; j++) {
			if (out[j] == NULL || (strcmp(out[i], out[j]) != 0 &&
			    !outfile_same(out[i], out[j])))
				continue;
			/* /dev/null twice is fine: nothing is replaced. */
			if (outfile_check(out[i], 0, err, sizeof err) == 0 &&
			    access(out[i], F_OK) == 0)
				continue;
			fprintf(stderr, "poolscope: %s and %s both name '%s'; "
			    "give each its own file\n", names[j], names[i],
			    out[i]);
			return 2;
		}
		if (outfile_check(out[i], o->force, err, sizeof err) != 0) {
			fprintf(stderr, "poolscope: %s: %s\n", names[i], err);
			return 2;
		}
	}
	return 0;
}


/* One call style's figures in a --compare. */
struct compare_row {
	int		 mode;
	double		 wall, busy;
	int		 workers;
	size_t		 failed;
	char		 order[64];
};

static void
main_compare_row(struct compare_row *c, const struct model *m)
{
	size_t	i;
	int	len = 0;

	c->mode = m->run.mode;
	c->wall = m->run.wall_ns / 1e9;
	c->busy = m->run.busy_ns / 1e9;
	c->workers = m->run.workers;
	c->failed = m->nfailed;
	c->order[0] = '\0';
	for (i = 0; i < m->nresults && len < (int)sizeof c->order - 8; i++)
		len += snprintf(c->order + len, sizeof c->order - len, "%s%u",
		    i ? " " : "", m->results[i]);
	if (i < m->nresults)
		snprintf(c->order + len, sizeof c->order - len, " ...");
}

/* The seed's sync/async table, measured. */
static void
main_compare_table(const struct compare_row *c, int n)
{
	char	wall[32];
	int	i;

	printf("\n%-15s %9s %8s %6s %7s  %s\n", "call style", "wall",
	    "speedup", "util", "failed", "result order (tasks)");
	for (i = 0; i < n; i++) {
		util_format_duration((uint64_t)(c[i].wall * 1e9), wall,
		    sizeof wall);
		printf("%-15s %9s %7.2fx %5.0f%% %7zu  %s\n",
		    pool_mode_name(c[i].mode), wall, c[i].wall > 0 ?
		    c[i].busy / c[i].wall : 0.0, c[i].wall > 0 ? 100 *
		    c[i].busy / (c[i].wall * c[i].workers) : 0.0, c[i].failed,
		    c[i].order);
	}
	fflush(stdout);
}

/* The batch printer's format from the options. */
static int
main_format(const struct options *o)
{
	return o->json ? BATCH_JSON : o->quiet ? BATCH_QUIET : BATCH_TEXT;
}

/* SIGINT, SIGTERM and SIGHUP as a readable fd (the loop stops on it);
 * SIGPIPE ignored, so a reader that goes away is noticed as EPIPE. */
static int
main_stop_fd(sigset_t *set)
{
	int	sfd;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGTSTP);	/* Ctrl-Z stops the workers too */
	sigprocmask(SIG_BLOCK, set, NULL);
	if ((sfd = signalfd(-1, set, SFD_CLOEXEC | SFD_NONBLOCK)) == -1)
		fatal("signalfd");
	return sfd;
}

/* --trace and --svg after a run.  Standard output ("-") failing is
 * standard output's failure. */
static void
main_exports(const struct options *o, const struct model *m,
    const struct tasklist *tl)
{
	static const char *const names[] = { "--trace", "--svg" };
	const char	*paths[] = { o->trace, o->svg };
	int		(*fns[])(FILE *, const struct model *,
			    const struct tasklist *) = { export_trace,
			    export_svg };
	char		 err[700];
	int		 i;

	for (i = 0; i < 2; i++) {
		if (paths[i] == NULL || export_to_path(paths[i], fns[i], m, tl,
		    o->force, err, sizeof err) == 0)
			continue;
		if (strcmp(paths[i], "-") == 0)
			main_stdout_failed(errno);
		else {
			fprintf(stderr, "poolscope: %s: %s\n", names[i], err);
			main_output_failed = 1;
		}
	}
}

/* After a batch run: processes that could not start are said on stderr too
 * (the events say it on stdout, but --quiet prints no events). */
static void
main_spawn_warning(const struct model *m)
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

/* The batch run's readers: the model, the printer, a recording if any, and
 * the flush before each wait; returns the one sink the engine writes to. */
static struct event_sink
main_fanout(struct event_fanout *fan, struct model *m, struct batch *b,
    struct recorder *rec, struct main_ctx *mc)
{
	struct event_sink	s;

	memset(fan, 0, sizeof *fan);
	s = model_sink(m);
	event_fanout_add(fan, &s);
	s = batch_sink(b);
	event_fanout_add(fan, &s);
	mc->rec = rec;
	if (rec != NULL) {
		s = recorder_sink(rec);
		event_fanout_add(fan, &s);
	}
	s.event = NULL;
	s.flush = main_flush;
	s.arg = mc;
	s.want = 0;
	event_fanout_add(fan, &s);
	return event_fanout_sink(fan);
}

/* One run of a lesson step in batch mode; its exit status (128 + the
 * signal if stopped).  Standard output failing is main_stdout_failed()'s. */
static int
main_batch_step(const struct options *o, const struct engine_config *cfg,
    const struct tasklist *tl, int sfd)
{
	struct model		 model;
	struct event_fanout	 fan;
	struct event_sink	 sink;
	struct batch		*b;
	struct engine		*e;
	struct main_ctx		 mc;
	char			 err[512];
	int			 status;

	model_init(&model);
	b = batch_new(stdout, main_format(o), tl, &model);
	sink = main_fanout(&fan, &model, b, NULL, &mc);
	e = engine_new(cfg, tl, &sink);
	mc.engine = e;
	mc.batch = b;
	if ((status = engine_start(e, err, sizeof err)) != 0) {
		fprintf(stderr, "poolscope: %s\n", err);
		status = status == -2 ? UTIL_EXIT_INTERNAL : 1;
	} else if (engine_run(e, sfd)) {
		status = 130;
		if (engine_stop_signal(e) != 0)
			status = 128 + engine_stop_signal(e);
	} else {
		status = engine_exit_status(e);
		if (!batch_write_failed(b))
			batch_finish(b);
		main_spawn_warning(&model);
	}
	engine_free(e);
	if (batch_write_failed(b))
		main_stdout_failed(batch_write_error(b));
	batch_free(b);
	model_free(&model);
	return status;
}

/* --lesson with --batch: each step's caption, then its run, in order. */
static int
main_lesson_batch(const struct options *o, const struct lesson *l)
{
	const struct lesson_step	*st;
	sigset_t			 set;
	size_t				 i;
	int				 sfd, rc, status = 0;

	sfd = main_stop_fd(&set);
	for (i = 0; i < l->nsteps && !main_output_failed; i++) {
		st = &l->steps[i];
		if (!o->json) {
			printf("== %s, step %zu of %zu: %s ==\n%s\n", l->title,
			    i + 1, l->nsteps, st->heading, st->caption);
			if (st->has_run)
				printf("-- run: %s\n", st->run_text);
			if (fflush(stdout) == EOF) {
				main_stdout_failed(errno);
				break;
			}
		}
		if (!st->has_run)
			continue;
		rc = main_batch_step(o, &st->cfg, &st->tl, sfd);
		if (rc >= 128) {
			status = rc;
			break;
		}
		if (rc > status)
			status = rc;
	}
	close(sfd);
	return status;
}

static void
main_list_one(void *arg, const char *name, const char *title,
    const char *summary)
{
	(void)arg;
	printf("%-14s %s%s%s\n", name, title, *summary ? ": " : "", summary);
}

/* --lesson and --list-lessons; exits. */
static int
main_lessons(const struct options *o)
{
	struct lesson	 l;
	char		*dirs[ASSETS_NDIRS], path[4096], err[2048];
	size_t		 nd, n;
	int		 rc;
	struct tasklist	 none;

	nd = assets_dirs(dirs, "lessons");
	if (o->list_lessons) {
		n = lesson_list((const char *const *)dirs, nd, main_list_one,
		    NULL);
		assets_dirs_free(dirs, nd);
		if (n == 0) {
			fprintf(stderr, "poolscope: no lessons found; set "
			    "POOLSCOPE_ASSETS to the assets directory\n");
			return 2;
		}
		return 0;
	}
	rc = lesson_find(o->lesson, (const char *const *)dirs, nd, path,
	    sizeof path, err, sizeof err);
	assets_dirs_free(dirs, nd);
	if (rc != 0 || lesson_load(&l, path, util_cpu_count(), err,
	    sizeof err) != 0) {
		fprintf(stderr, "poolscope: %s\n", err);
		return 2;
	}
	if (o->cast != NULL && outfile_same(o->cast, path)) {
		fprintf(stderr, "poolscope: --cast: '%s' is the lesson this "
		    "run reads; give --cast another name\n", o->cast);
		lesson_free(&l);
		return 2;
	}
	memset(&none, 0, sizeof none);
	rc = o->batch ? main_lesson_batch(o, &l) : ui_main(o, &none, NULL, &l);
	lesson_free(&l);
	return rc;
}

/* --replay with --batch: the recording through the same printers as a
 * live run, at its recorded pace (scaled by --time-scale). */
static int
main_replay_batch(const struct options *o, struct replay *rp)
{
	struct model		 model;
	struct event_fanout	 fan;
	struct event_sink	 ms, bs, sink;
	struct batch		*b;
	struct pollfd		 pfd;
	sigset_t		 set;
	int			 sfd, t, status;

	sfd = main_stop_fd(&set);
	model_init(&model);
	if (o->trace != NULL || o->svg != NULL)
		model_keep_views(&model);
	memset(&fan, 0, sizeof fan);
	ms = model_sink(&model);
	event_fanout_add(&fan, &ms);
	b = batch_new(stdout, main_format(o), replay_tasklist(rp), &model);
	bs = batch_sink(b);
	event_fanout_add(&fan, &bs);
	sink = event_fanout_sink(&fan);
	replay_start(rp, &sink, o->time_scale);
	status = replay_exit_status(rp);
	while (!replay_finished(rp) && !batch_write_failed(b)) {
		replay_process(rp);
		if (replay_finished(rp))
			break;
		if ((t = replay_prepare_wait(rp)) == 0)
			continue;
		pfd.fd = sfd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, t) == 1) {
			struct signalfd_siginfo	si;

			if (read(sfd, &si, sizeof si) == sizeof si &&
			    si.ssi_signo == SIGTSTP) {
				replay_pause(rp, 1);	/* the pace holds */
				util_suspend();
				replay_pause(rp, 0);
				continue;
			}
			status = 130;
			break;
		}
	}
	if (!batch_write_failed(b))
		batch_finish(b);
	main_exports(o, &model, replay_tasklist(rp));
	if (batch_write_failed(b))
		main_stdout_failed(batch_write_error(b));
	batch_free(b);
	model_free(&model);
	close(sfd);
	return status;
}

/* An empty task list runs nothing, as Pool.map(f, []) returns [] at once;
 * seldom what was meant, so it is said. */
static void
main_empty_warning(const struct options *o)
{
	if (o->taskfile != NULL)
		fprintf(stderr, "poolscope: warning: %s%s%s holds no tasks: the "
		    "pool starts and runs nothing (as Pool.map(f, []) returns "
		    "[])\n", strcmp(o->taskfile, "-") == 0 ? "" : "'",
		    strcmp(o->taskfile, "-") == 0 ? "standard input" :
		    o->taskfile, strcmp(o->taskfile, "-") == 0 ? "" : "'");
	else
		fprintf(stderr, "poolscope: warning: the task list is empty "
		    "(--tasks '%s'): the pool starts and runs nothing (as "
		    "Pool.map(f, []) returns [])\n", o->tasks_inline);
}

/* A task list run in batch mode (--compare: once per call style). */
static int
main_batch(struct options *o, struct tasklist *tl)
{
	struct model		 model;
	struct event_fanout	 fan;
	struct event_sink	 sink;
	struct engine_config	 cfg;
	struct main_ctx		 mc;
	char			 err[4096];
	sigset_t		 stopset;
	struct recorder		*rec = NULL;
	struct compare_row	 cmp[8];
	int			 sfd, stopped = 0, status, k, comparing, rc;

	/* A reader that goes away is noticed as EPIPE, not a signal. */
	sfd = main_stop_fd(&stopset);

	model_init(&model);
	if (o->trace != NULL || o->svg != NULL)
		model_keep_views(&model);
	if (o->record != NULL && (rec = recorder_open(o->record, o->force, tl,
	    err, sizeof err)) == NULL) {
		fprintf(stderr, "poolscope: --record: %s\n", err);
		return 2;
	}
	mc.batch = batch_new(stdout, main_format(o), tl, &model);
	sink = main_fanout(&fan, &model, mc.batch, rec, &mc);

	options_engine_config(o, &cfg);
	if (o->ncompare == 0) {
		o->compare[0] = o->mode;
		o->ncompare = 1;
		comparing = 0;
	} else
		comparing = 1;
	status = 0;
	for (k = 0; k < o->ncompare; k++) {
		cfg.mode = o->compare[k];
		cfg.chunksize = pool_chunked(cfg.mode) ? o->chunksize : 0;
		if (comparing && !o->json) {
			printf("== %s (%d of %d) ==\n", pool_mode_name(cfg.mode),
			    k + 1, o->ncompare);
			fflush(stdout);
		}
		mc.engine = engine_new(&cfg, tl, &sink);
		if ((rc = engine_start(mc.engine, err, sizeof err)) != 0) {
			engine_free(mc.engine);
			fprintf(stderr, "poolscope: %s\n", err);
			recorder_discard(rec);	/* nothing ran */
			return rc == -2 ? UTIL_EXIT_INTERNAL : 1;
		}
		stopped = engine_run(mc.engine, sfd);
		if (engine_exit_status(mc.engine) != 0)
			status = 1;
		if (!batch_write_failed(mc.batch))
			batch_finish(mc.batch);	/* -q writes it all here */
		if (batch_write_failed(mc.batch))
			break;	/* the run was stopped at the failed write */
		main_spawn_warning(&model);
		if (comparing)
			main_compare_row(&cmp[k], &model);
		if (stopped)
			break;
		if (k + 1 < o->ncompare)
			engine_free(mc.engine);
	}
	if (comparing && !o->json && !batch_write_failed(mc.batch))
		main_compare_table(cmp, k < o->ncompare ? k + 1 : o->ncompare);
	/* The files first: a reader of stdout gone (EPIPE) ends poolscope. */
	if (rec != NULL)
		main_record_close(rec);
	main_exports(o, &model, tl);
	if (batch_write_failed(mc.batch))
		main_stdout_failed(batch_write_error(mc.batch));
	if (stopped && engine_stop_signal(mc.engine) != 0)
		status = 128 + engine_stop_signal(mc.engine);
	engine_free(mc.engine);
	batch_free(mc.batch);
	model_free(&model);
	close(sfd);
	return status;
}

/* --help, --version, or bad usage (exit 2, nothing ran).  What goes to
 * standard output must reach it: else exit 3, as any output. */
static int
main_usage(int rc, const char *err)
{
	if (rc == -1) {
		fprintf(stderr, "poolscope: %s\nTry 'poolscope --help' for more "
		    "information.\n", err);
		return 2;
	}
	errno = 0;
	if (rc == OPTIONS_HELP)
		options_usage(stdout);
	else
		printf("poolscope %s\n", PACKAGE_VERSION);
	/* A write that failed on the way left its errno (nothing else ran). */
	if (fflush(stdout) == EOF || ferror(stdout))
		main_stdout_failed(errno != 0 ? errno : EIO);
	main_close_stdout();
	return main_status(0);
}

/* stdout's buffer in batch mode: it must outlive main(). */
static char	stdout_buf[1 << 16];

int
main(int argc, char **argv)
{
	struct options		 o;
	struct tasklist		 tl;
	char			 err[4096];
	struct replay		*rp;
	int			 rc;

	setproctitle_init(argc, argv, environ);
	if ((rc = options_parse(&o, argc, argv, err, sizeof err)) != 0)
		return main_usage(rc, err);
	if ((rc = main_check_outputs(&o)) != 0)
		return rc;
	/* A file over RLIMIT_FSIZE is an error to report (EFBIG), not a
	 * death; other fatal signals leave no temporary file behind.  (The
	 * screen puts its own handlers in, which restore the terminal.) */
	signal(SIGXFSZ, SIG_IGN);
	util_fatal_signals(main_fatal_signal);
	util_set_fatal_hook(outfile_finish_all);
	if (o.batch)	/* before any output: one write per flush, not per
			   line (glibc ignores the size without a buffer) */
		setvbuf(stdout, stdout_buf, _IOFBF, sizeof stdout_buf);
	if (o.has_seed)
		tasklist_seed(o.seed);

	memset(&tl, 0, sizeof tl);
	if (o.lesson != NULL || o.list_lessons) {
		rc = main_lessons(&o);
		if (o.batch || o.list_lessons)
			main_close_stdout();
		return main_status(rc);
	}
	if (o.replay != NULL) {
		if ((rp = replay_open(o.replay, err, sizeof err)) == NULL) {
			fprintf(stderr, "poolscope: %s\n", err);
			return 2;
		}
		rc = o.batch ? main_replay_batch(&o, rp) : ui_main(&o, &tl, rp,
		    NULL);
		replay_free(rp);
		if (o.batch)
			main_close_stdout();
		return main_status(rc);
	}
	if (!o.batch && o.taskfile == NULL && o.tasks_inline == NULL) {
		/* The screen, with its own choice of task list. */
		rc = ui_main(&o, &tl, NULL, NULL);
		tasklist_free(&tl);
		return rc;
	}
	if (o.taskfile != NULL)
		rc = tasklist_parse_file(&tl, o.taskfile, err, sizeof err);
	else {
		const char *spec = o.tasks_inline ? o.tasks_inline :
		    "square 1..10";

		rc = tasklist_parse(&tl, "--tasks", spec, strlen(spec), 1, err,
		    sizeof err);
	}
	if (rc != 0) {
		fprintf(stderr, "poolscope: %s\n", err);
		return 2;
	}
	if (tl.n == 0)
		main_empty_warning(&o);
	if (!o.batch) {
		rc = ui_main(&o, &tl, NULL, NULL);
		tasklist_free(&tl);
		return rc;
	}
	rc = main_batch(&o, &tl);
	tasklist_free(&tl);
	main_close_stdout();
	return main_status(rc);
}
