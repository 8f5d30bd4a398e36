/*
 * main.c: poolscope's entry point, a dispatcher.  It reads the options
 * (options.c) and the task list, checks the output files before anything
 * runs (none replaces a file without --force, nor ever a file the run
 * reads), and hands over: to the screen (ui/), or to batch mode's driver
 * (batch/driver.c) for a run, each call style of --compare, each step of
 * a lesson, or a replay.
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
#include "source.h"
#include "model/model.h"
#include "batch/batch.h"
#include "batch/driver.h"
#include "export/export.h"
#include "replay/replay.h"
#include "lesson/lesson.h"
#include "ui/ui.h"
#include "options.h"

extern char **environ;

/* The batch printer's format from the options. */
static int
main_format(const struct options *o)
{
	return o->json ? BATCH_JSON : o->quiet ? BATCH_QUIET : BATCH_TEXT;
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


/* --lesson with --batch: each step's caption, then its run, in order. */
static int
main_lesson_batch(const struct options *o, const struct lesson *l)
{
	const struct lesson_step	*st;
	struct batch_job		 job;
	size_t				 i;
	int				 sfd, rc, status = 0;

	sfd = batch_stop_fd();
	for (i = 0; i < l->nsteps; i++) {
		st = &l->steps[i];
		if (!o->json) {
			printf("== %s, step %zu of %zu: %s ==\n%s\n", l->title,
			    i + 1, l->nsteps, st->heading, st->caption);
			if (st->has_run)
				printf("-- run: %s\n", st->run_text);
			if (fflush(stdout) == EOF) {
				batch_stdout_failed(errno);
				break;
			}
		}
		if (!st->has_run)
			continue;
		memset(&job, 0, sizeof job);
		if (st->program != NULL) {
			char	err[1024], *tracer;

			if ((tracer = python_tracer_dir(err, sizeof err)) ==
			    NULL) {
				fprintf(stderr, "poolscope: %s\n", err);
				status = UTIL_EXIT_INTERNAL;
				break;
			}
			job.src = source_python(st->argv, tracer, 1, 0);
			free(tracer);
		} else
			job.src = source_engine(&st->cfg, &st->tl);
		job.format = main_format(o);
		rc = batch_drive(&job, sfd);
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

/* One lesson of --list-lessons: its name and title, then its summary on a
 * line of its own under the title (a title may hold a colon itself, so
 * "title: summary" on one line could read as three parts). */
static void
main_list_one(void *arg, const char *name, const char *title,
    const char *summary)
{
	(void)arg;
	printf("%-14s %s\n", name, title);
	if (*summary != '\0')
		printf("%-14s %s\n", "", summary);
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

/* A task list in batch mode: one run, or one per call style of --compare
 * and then their table. */
static int
main_batch(struct options *o, const struct tasklist *tl)
{
	struct engine_config	 cfg;
	struct batch_job	 job;
	struct compare_row	 rows[8];
	char			 line[256];
	int			 sfd, i, k, n, rc, status = 0;

	sfd = batch_stop_fd();
	options_engine_config(o, &cfg);
	n = o->ncompare > 0 ? o->ncompare : 1;
	for (k = 0; k < n; k++) {
		if (o->ncompare > 0) {
			cfg.mode = o->compare[k];
			cfg.chunksize = pool_chunked(cfg.mode) ? o->chunksize :
			    0;
			if (!o->json) {
				printf("== %s (%d of %d) ==\n",
				    pool_mode_name(cfg.mode), k + 1, n);
				fflush(stdout);
			}
		}
		memset(&job, 0, sizeof job);
		job.src = source_engine(&cfg, tl);
		job.format = main_format(o);
		job.record = o->record;
		job.force = o->force;
		job.trace = o->trace;
		job.svg = o->svg;
		job.row = o->ncompare > 0 ? &rows[k] : NULL;
		memset(&rows[k], 0, sizeof rows[k]);
		rc = batch_drive(&job, sfd);
		if (rc > status)
			status = rc;
		if (rc >= 128 || rc == 2 || rc == UTIL_EXIT_INTERNAL) {
			k++;	/* its row, as far as it went */
			break;
		}
	}
	if (o->ncompare > 0 && !o->json && status != 2 &&
	    status != UTIL_EXIT_INTERNAL) {
		compare_header(line, sizeof line);
		printf("\n%s\n", line);
		for (i = 0; i < k; i++) {
			compare_line(&rows[i], line, sizeof line);
			printf("%s\n", line);
		}
		fflush(stdout);
	}
	close(sfd);
	return status;
}

/* One source in batch mode, with the options' printer and outputs. */
static int
main_drive(const struct options *o, struct source src, const char *record)
{
	struct batch_job	 job;
	int			 sfd, rc;

	sfd = batch_stop_fd();
	memset(&job, 0, sizeof job);
	job.src = src;
	job.format = main_format(o);
	job.record = record;
	job.force = o->force;
	job.trace = o->trace;
	job.svg = o->svg;
	rc = batch_drive(&job, sfd);
	close(sfd);
	return rc;
}

/* --replay with --batch: the recording through the same printers as a
 * live run, at its recorded pace (scaled by --time-scale). */
static int
main_replay_batch(const struct options *o, struct replay *rp)
{
	return main_drive(o, source_replay(rp, o->time_scale), NULL);
}

/* -- COMMAND: a Python program, watched on the screen or in batch. */
static int
main_program(const struct options *o)
{
	struct source	 src;
	char		 err[1024], *tracer;
	int		 rc;

	if (python_command_check(o->command, err, sizeof err) != 0) {
		fprintf(stderr, "poolscope: %s\n", err);
		return 2;
	}
	if ((tracer = python_tracer_dir(err, sizeof err)) == NULL) {
		fprintf(stderr, "poolscope: %s\n", err);
		return UTIL_EXIT_INTERNAL;
	}
	if (!o->batch) {
		struct options	withtracer = *o;

		withtracer.tracer = tracer;
		rc = ui_main(&withtracer, NULL, NULL, NULL);
		free(tracer);
		return rc;
	}
	src = source_python(o->command, tracer, 1, o->timeout_ms);
	free(tracer);
	return main_drive(o, src, o->record);
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
		batch_stdout_failed(errno != 0 ? errno : EIO);
	batch_close_stdout();
	return batch_status(0);
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
			batch_close_stdout();
		return batch_status(rc);
	}
	if (o.command != NULL) {
		rc = main_program(&o);
		if (o.batch)
			batch_close_stdout();
		return batch_status(rc);
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
			batch_close_stdout();
		return batch_status(rc);
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
	batch_close_stdout();
	return batch_status(rc);
}
