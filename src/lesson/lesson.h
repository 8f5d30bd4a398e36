/*
 * lesson.h: guided lessons for a classroom.  A lesson is a text file of
 * steps; each step has a heading, a short caption and at most one run (a
 * subset of poolscope's command line).  The screen shows a step's caption,
 * runs its pool, and waits for Space before the next step.  The format is
 * described in doc/lessons.md.
 *
 * The loader checks everything when the lesson is loaded (keys, options,
 * values, task lists, task files), so a lesson never fails half-way through
 * a class.  It never exits: errors come back as "FILE:LINE: what was wrong;
 * what to do" for the caller to print (and exit 2).
 */
#ifndef POOLSCOPE_LESSON_H
#define POOLSCOPE_LESSON_H

#include <stddef.h>

#include "engine/engine.h"
#include "tasks/tasks.h"

#define LESSON_MAX_SIZE		(1024 * 1024)	/* bytes in a lesson file */
#define LESSON_MAX_CAPTION	400		/* characters of caption per step */
#define LESSON_MAX_ORDER	9999		/* order: 1 to this */

struct lesson_step {
	char			*heading;
	char			*caption;	/* paragraphs separated by "\n", {cpus} already replaced */
	int			 has_run;
	struct engine_config	 cfg;		/* workers, mode, chunksize (0 = default), max_tasks_per_child, timeout_ms, retries, time_scale (default 1), pace_ms */
	struct tasklist		 tl;		/* parsed; empty without a run */
	char			*run_text;	/* the run: line as written, for display */
	char			*program;	/* program: a Python example to run
						   as it is (its path), or NULL */
	char			*argv[3];	/* python3 and it */
	int			 wait_end;	/* 1: wait for the run's end; 0: at once */
	int			 line;		/* line of its step: */
};

struct lesson {
	char			*name;		/* file name without .lesson */
	char			*path;
	char			*title, *summary;	/* summary: "" when not given */
	int			 order;		/* its place in the list (order:);
						   0 when not given */
	struct lesson_step	*steps;
	size_t			 nsteps;
};

/* Load and check the lesson at path; cpus is what {cpus} and "-w cpus" stand
 * for.  Returns 0, or -1 with a message in err (l is then empty, and
 * lesson_free() on it is harmless).  Messages never start with
 * "poolscope: ": the caller adds that. */
int	 lesson_load(struct lesson *l, const char *path, int cpus, char *err,
	     size_t errlen);
void	 lesson_free(struct lesson *l);


/* Find a lesson by NAME (a file NAME.lesson in the first of dirs that has
 * it) or by path (name_or_path contains '/' or ends with .lesson).  Returns 0
 * with the file's path in path, or -1 with a message in err. */
int	 lesson_find(const char *name_or_path, const char *const *dirs,
	     size_t ndirs, char *path, size_t pathlen, char *err, size_t errlen);

/* List the lessons in the first of dirs that exists: calls cb(arg, name,
 * title, summary) in teaching order (by their order: keys, lowest first,
 * then those without one; each group by name), title falling back to the
 * name, summary to ""; returns how many.  Only the header is read: a listed
 * lesson may still fail to load (and a bad order: counts as none). */
size_t	 lesson_list(const char *const *dirs, size_t ndirs,
	     void (*cb)(void *, const char *name, const char *title,
	     const char *summary), void *arg);

#endif
