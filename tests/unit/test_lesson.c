/*
 * test_lesson.c: the lesson loader.  Good lessons (every key, quoting, cpus
 * and cpus*K, task files found next to the lesson or above it, {cpus},
 * paragraphs, wait defaults), every error with its exact "FILE:LINE:"
 * message, finding and listing lessons, and every lesson shipped in
 * $POOLSCOPE_ASSETS/lessons.  Test inputs are written to a temporary
 * directory, which is the working directory while the tests run.
 */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"
#include "assets.h"
#include "lesson/lesson.h"
#include "tap.h"

static char	err[4096];

static void
write_file(const char *path, const char *text, size_t len)
{
	FILE	*f;

	if ((f = fopen(path, "w")) == NULL) {
		perror(path);
		exit(99);
	}
	if (len > 0 && fwrite(text, 1, len, f) != len) {
		perror(path);
		exit(99);
	}
	fclose(f);
}

static void
write_text(const char *path, const char *text)
{
	write_file(path, text, strlen(text));
}

/* Write text to x.lesson and load it with cpus; the lesson must load. */
static int
load_ok(struct lesson *l, const char *text, int cpus, const char *what)
{
	int	rc;

	write_text("x.lesson", text);
	rc = lesson_load(l, "x.lesson", cpus, err, sizeof err);
	ok(rc == 0, "%s: loads", what);
	if (rc != 0)
		printf("#   error: %s\n", err);
	return rc;
}

/* Write text to x.lesson; loading it must fail with message want. */
static void
bad(const char *text, const char *want, const char *what)
{
	struct lesson	l;
	int		rc;

	write_text("x.lesson", text);
	err[0] = '\0';
	rc = lesson_load(&l, "x.lesson", 2, err, sizeof err);
	is_int(rc, -1, "%s: fails", what);
	is_str(err, want, "%s: message", what);
	ok(l.steps == NULL && l.nsteps == 0 && l.title == NULL &&
	    l.name == NULL, "%s: the lesson is left empty", what);
	lesson_free(&l);
}

/* A lesson whose one step has the given run: line, expected to fail. */
static void
bad_run(const char *run, const char *want)
{
	char	*text;

	xasprintf(&text, "title: T\nstep: S\ncaption: C\nrun: %s\n", run);
	bad(text, want, run);
	free(text);
}

/* A lesson whose one step has the given run: line, expected to load. */
static int
good_run(struct lesson *l, const char *run, int cpus)
{
	char	*text;
	int	 rc;

	xasprintf(&text, "title: T\nstep: S\ncaption: C\nrun: %s\n", run);
	rc = load_ok(l, text, cpus, run);
	free(text);
	return rc;
}

static void
test_all_keys(void)
{
	struct lesson		 l;
	struct lesson_step	*s;

	if (load_ok(&l,
	    "# a comment\n"
	    "\n"
	    "title: Synchronous against asynchronous\n"
	    "summary: one line shown in the list of lessons\n"
	    "order: 42\n"
	    "step: Blocking on each call\n"
	    "caption: A caption.\n"
	    "run: --workers 3 --mode imap --chunksize 2 --time-scale 0.5 "
	    "--pace 300 --max-tasks-per-child 4 --timeout 1000 --retries 2 "
	    "--tasks 'square 1..3'\n"
	    "wait: now\n"
	    "step: Second\n"
	    "caption: No run here.\n", 2, "all keys") != 0)
		return;
	is_str(l.title, "Synchronous against asynchronous", "title");
	is_str(l.summary, "one line shown in the list of lessons", "summary");
	is_int(l.order, 42, "order");
	is_str(l.name, "x", "name");
	is_str(l.path, "x.lesson", "path");
	is_int(l.nsteps, 2, "two steps");
	s = &l.steps[0];
	is_str(s->heading, "Blocking on each call", "heading");
	is_str(s->caption, "A caption.", "caption");
	is_int(s->line, 6, "line of the step");
	is_int(s->has_run, 1, "has a run");
	is_int(s->cfg.workers, 3, "--workers");
	is_int(s->cfg.mode, MODE_IMAP, "--mode");
	is_int(s->cfg.chunksize, 2, "--chunksize");
	ok(s->cfg.time_scale == 0.5, "--time-scale");
	is_int(s->cfg.pace_ms, 300, "--pace");
	is_int(s->cfg.max_tasks_per_child, 4, "--max-tasks-per-child");
	is_int(s->cfg.timeout_ms, 1000, "--timeout");
	is_int(s->cfg.retries, 2, "--retries");
	is_int(s->tl.n, 3, "--tasks: three tasks");
	is_int(tasklist_at(&s->tl, 2).arg, 3, "--tasks: the third is square 3");
	is_int(s->wait_end, 0, "wait: now");
	is_str(s->run_text, "--workers 3 --mode imap --chunksize 2 "
	    "--time-scale 0.5 --pace 300 --max-tasks-per-child 4 --timeout 1000 "
	    "--retries 2 --tasks 'square 1..3'", "run_text as written");
	s = &l.steps[1];
	is_int(s->line, 10, "line of the second step");
	is_int(s->has_run, 0, "no run");
	is_int(s->tl.n, 0, "no run: no tasks");
	ok(s->tl.runs == NULL, "no run: an empty task list");
	ok(s->run_text == NULL, "no run: no run_text");
	is_int(s->wait_end, 0, "no run: wait now by default");
	lesson_free(&l);
	ok(l.steps == NULL && l.title == NULL, "lesson_free empties it");
	lesson_free(&l);
	ok(1, "lesson_free twice is harmless");
}

static void
test_short_options(void)
{
	struct lesson	l;

	if (good_run(&l, "-w 2 -m apply_async -c 1 --timeout=50 "
	    "-t \"sleep 1; sleep 2\"", 2) == 0) {
		is_int(l.steps[0].cfg.workers, 2, "-w 2");
		is_int(l.steps[0].cfg.mode, MODE_APPLY_ASYNC, "-m apply_async");
		is_int(l.steps[0].cfg.chunksize, 1,
		    "-c 1 with apply_async is accepted, as on the command line");
		is_int(l.steps[0].cfg.timeout_ms, 50, "--timeout=50");
		is_int(l.steps[0].tl.n, 2, "-t: two tasks");
		lesson_free(&l);
	}
	if (good_run(&l, "-w3 -mimap -c4 -tcube\\ 2", 2) == 0) {
		is_int(l.steps[0].cfg.workers, 3, "-w3");
		is_int(l.steps[0].cfg.mode, MODE_IMAP, "-mimap");
		is_int(l.steps[0].cfg.chunksize, 4, "-c4");
		is_int(tasklist_at(&l.steps[0].tl, 0).kind, TASK_CUBE, "-tcube\\ 2");
		lesson_free(&l);
	}
	if (good_run(&l, "-m sync", 2) == 0) {
		is_int(l.steps[0].cfg.mode, MODE_APPLY, "sync is apply");
		lesson_free(&l);
	}
	if (good_run(&l, "-m async -t 'fib 3'", 2) == 0) {
		is_int(l.steps[0].cfg.mode, MODE_APPLY_ASYNC, "async");
		lesson_free(&l);
	}
	if (good_run(&l, "-m imap_unordered", 5) == 0) {
		is_int(l.steps[0].cfg.workers, 5, "default workers: cpus");
		is_int(l.steps[0].cfg.chunksize, 0, "default chunksize: 0");
		ok(l.steps[0].cfg.time_scale == 1.0, "default time scale: 1");
		is_int(l.steps[0].cfg.max_tasks_per_child, 0,
		    "default max tasks per child: 0");
		is_int(l.steps[0].cfg.timeout_ms, 0, "default timeout: 0");
		is_int(l.steps[0].cfg.retries, 0, "default retries: 0");
		is_int(l.steps[0].cfg.pace_ms, 0, "default pace: 0, none");
		is_int(l.steps[0].tl.n, 10,
		    "no task list: square 1..10, as on the command line");
		lesson_free(&l);
	}
	if (good_run(&l, "-w 1", 2) == 0) {
		is_int(l.steps[0].cfg.mode, MODE_MAP, "default mode: map");
		lesson_free(&l);
	}
}

static void
test_quoting(void)
{
	struct lesson	l;

	if (good_run(&l, "-t 'sh echo \"a  b\"'", 2) == 0) {
		is_str(tasklist_at(&l.steps[0].tl, 0).cmd, "echo \"a  b\"",
		    "single quotes keep everything");
		lesson_free(&l);
	}
	if (good_run(&l, "-t \"sh echo \\\"hi\\\" \\$HOME \\\\ \\n 'q'\"", 2)
	    == 0) {
		is_str(tasklist_at(&l.steps[0].tl, 0).cmd, "echo \"hi\" $HOME \\ \\n 'q'",
		    "double quotes: \\\" \\$ \\\\ escaped, other backslashes "
		    "kept");
		lesson_free(&l);
	}
	if (good_run(&l, "-t sh\\ echo\\ \\'x\\'", 2) == 0) {
		is_str(tasklist_at(&l.steps[0].tl, 0).cmd, "echo 'x'",
		    "backslashes outside quotes");
		lesson_free(&l);
	}
	if (good_run(&l, "-t 'sh echo a'\"b\"c", 2) == 0) {
		is_str(tasklist_at(&l.steps[0].tl, 0).cmd, "echo abc",
		    "quoted pieces join into one word");
		lesson_free(&l);
	}
	if (good_run(&l, "-t 'sh echo one\\; echo two; print 5'", 2) == 0) {
		is_int(l.steps[0].tl.n, 2, "inline ';' and '\\;' as with -t");
		is_str(tasklist_at(&l.steps[0].tl, 0).cmd, "echo one; echo two",
		    "\\; is a literal ';'");
		lesson_free(&l);
	}
	if (good_run(&l, "\t-w\t2   -t   'print 1' ", 2) == 0) {
		is_int(l.steps[0].cfg.workers, 2, "tabs and spaces separate");
		is_str(l.steps[0].run_text, "-w\t2   -t   'print 1'",
		    "run_text keeps the inner spacing");
		lesson_free(&l);
	}
}

static void
test_cpus(void)
{
	struct lesson	l;

	if (good_run(&l, "-w cpus", 3) == 0) {
		is_int(l.steps[0].cfg.workers, 3, "-w cpus");
		lesson_free(&l);
	}
	if (good_run(&l, "--workers cpus*4", 3) == 0) {
		is_int(l.steps[0].cfg.workers, 12, "--workers cpus*4");
		lesson_free(&l);
	}
	if (good_run(&l, "-w cpus*1", 7) == 0) {
		is_int(l.steps[0].cfg.workers, 7, "-w cpus*1");
		lesson_free(&l);
	}
	if (good_run(&l, "-w cpus*4", 2000) == 0) {
		is_int(l.steps[0].cfg.workers, 4096,
		    "cpus*4 is capped at 4096 workers");
		lesson_free(&l);
	}
	if (good_run(&l, "-w cpus", 0) == 0) {
		is_int(l.steps[0].cfg.workers, 1, "cpus of 0 counts as 1");
		lesson_free(&l);
	}
}

static void
test_task_files(void)
{
	struct lesson	l;
	int		rc;

	mkdir("course", 0755);
	mkdir("course/lessons", 0755);
	write_text("course/up.tasks", "# two tasks\nsquare 1\nsquare 2\n");
	write_text("course/lessons/here.tasks", "print 1..3\n");
	write_text("course/lessons/up.tasks", "print 9\n");
	write_text("course/lessons/a.lesson",
	    "title: Files\n"
	    "step: Above\n"
	    "caption: c\n"
	    "run: -w 2 ../up.tasks\n"
	    "step: Next to it\n"
	    "caption: c\n"
	    "run: -w 2 here.tasks\n"
	    "step: Next to it first\n"
	    "caption: c\n"
	    "run: up.tasks\n"
	    "step: Only above\n"
	    "caption: c\n"
	    "run: -- ../up.tasks\n");
	write_text("course/b.tasks", "fib 5\n");
	write_text("course/lessons/b.lesson",
	    "title: Files\nstep: Above only\ncaption: c\nrun: b.tasks\n");
	rc = lesson_load(&l, "course/lessons/a.lesson", 2, err, sizeof err);
	is_int(rc, 0, "task files: loads");
	if (rc == 0) {
		is_str(l.name, "a", "name without the directory");
		is_int(l.steps[0].tl.n, 2, "../up.tasks: relative to the lesson");
		is_int(l.steps[1].tl.n, 3, "here.tasks: next to the lesson");
		is_int(l.steps[2].tl.n, 1, "up.tasks: the lesson's directory "
		    "first");
		is_int(tasklist_at(&l.steps[2].tl, 0).arg, 9, "up.tasks: the one next to it");
		is_int(l.steps[3].tl.n, 2, "-- then a file");
		lesson_free(&l);
	} else
		printf("#   error: %s\n", err);
	rc = lesson_load(&l, "course/lessons/b.lesson", 2, err, sizeof err);
	is_int(rc, 0, "a task file in the directory above");
	if (rc == 0) {
		is_int(l.steps[0].tl.n, 1, "b.tasks: found above");
		lesson_free(&l);
	}
	write_text("course/lessons/c.lesson",
	    "title: Files\nstep: Missing\ncaption: c\nrun: nope.tasks\n");
	rc = lesson_load(&l, "course/lessons/c.lesson", 2, err, sizeof err);
	is_int(rc, -1, "a missing task file fails");
	is_str(err, "course/lessons/c.lesson:4: run: task file 'nope.tasks' "
	    "not found next to the lesson nor in the directory above it; check "
	    "the name", "a missing task file");
	write_text("course/lessons/bad.tasks", "square 1\nsqare 2\n");
	write_text("course/lessons/d.lesson",
	    "title: Files\nstep: Bad\ncaption: c\nrun: bad.tasks\n");
	rc = lesson_load(&l, "course/lessons/d.lesson", 2, err, sizeof err);
	is_int(rc, -1, "a task file that does not parse fails");
	is_str(err, "course/lessons/d.lesson:4: run: the task list does not "
	    "parse: course/lessons/bad.tasks:2:1: unknown task kind 'sqare'; "
	    "did you mean 'square'?", "a task file that does not parse");
	write_text("course/lessons/e.lesson",
	    "title: Files\nstep: Dir\ncaption: c\nrun: ../lessons\n");
	rc = lesson_load(&l, "course/lessons/e.lesson", 2, err, sizeof err);
	is_int(rc, -1, "a directory as the task file fails");
	is_str(err, "course/lessons/e.lesson:4: run: task file '../lessons' is "
	    "not a regular file; give a task list file", "a directory as the "
	    "task file");
	write_text("f.lesson", "title: T\nstep: S\ncaption: c\n"
	    "run: course/up.tasks\n");
	rc = lesson_load(&l, "f.lesson", 2, err, sizeof err);
	is_int(rc, 0, "a lesson with no directory in its path");
	if (rc == 0) {
		is_int(l.steps[0].tl.n, 2, "its task file, from '.'");
		lesson_free(&l);
	}
}

static void
test_captions(void)
{
	struct lesson	l;

	if (load_ok(&l,
	    "title: Caption\n"
	    "step: On {cpus} processors\n"
	    "caption:\n"
	    "caption: First line\n"
	    "caption:   joined with   \n"
	    "caption: one space.\n"
	    "caption:\n"
	    "caption:\n"
	    "caption: A second paragraph: {cpus} cpus, {cpus}!\n"
	    "caption: {not a placeholder} {} {CPUS}\n"
	    "caption:\n", 6, "captions") != 0)
		return;
	is_str(l.steps[0].heading, "On 6 processors", "{cpus} in a heading");
	is_str(l.steps[0].caption, "First line joined with one space.\n"
	    "A second paragraph: 6 cpus, 6! {not a placeholder} {} {CPUS}",
	    "caption lines joined, bare caption: starts a paragraph");
	is_int(l.steps[0].wait_end, 0, "no run: wait now");
	lesson_free(&l);

	if (load_ok(&l,
	    "\xef\xbb\xbf# a byte order mark, CRLF and indentation\r\n"
	    "  title:   Spaces\t\r\n"
	    "step: One\r\n"
	    "\tcaption: Tab\tinside\r\n"
	    "run: -t 'print 1'\r\n"
	    "step: Two\r\n"
	    "caption: c\r\n"
	    "run: -t 'print 1'\r\n"
	    "wait: now\r\n"
	    "step: Three\r\n"
	    "caption: c\r\n"
	    "wait: now\r\n"
	    "run: -t 'print 1'\r\n"
	    "step: Four\r\n"
	    "caption: c\r\n"
	    "wait: end\r\n"
	    "run: -t 'print 1'", 2, "BOM, CRLF, white space, wait") != 0)
		return;
	is_str(l.title, "Spaces", "title trimmed");
	is_str(l.summary, "", "no summary: empty");
	is_str(l.steps[0].caption, "Tab inside", "tabs become spaces");
	is_int(l.steps[0].wait_end, 1, "a run: wait for its end by default");
	is_int(l.steps[1].wait_end, 0, "wait: now after the run");
	is_int(l.steps[2].wait_end, 0, "wait: now before the run");
	is_int(l.steps[3].wait_end, 1, "wait: end before the run");
	is_int(l.steps[3].line, 14, "line numbers count CRLF lines");
	lesson_free(&l);
}

static void
test_bad_lines(void)
{
	char	 big[600], *text;

	bad("title: T\nstep: S\ncaption: c\n\n\n\ncaptoin: x\n",
	    "x.lesson:7: unknown key 'captoin'; did you mean 'caption'?",
	    "a misspelt key");
	bad("title: T\nstep: S\nwiat: end\n",
	    "x.lesson:3: unknown key 'wiat'; did you mean 'wait'?",
	    "a misspelt short key");
	bad("title: T\nauthor: me\n",
	    "x.lesson:2: unknown key 'author'; the keys are title, summary, "
	    "order, step, caption, run and wait", "an unknown key");
	bad("Title: T\n",
	    "x.lesson:1: unknown key 'Title'; keys are lower case: write "
	    "'title'", "an upper-case key");
	bad("title: T\nThis is not a key\n",
	    "x.lesson:2: 'This is not a key' is not a 'key: value' line; "
	    "start comments with '#'", "a line without a key");
	bad("title: T\n: x\n",
	    "x.lesson:2: ': x' is not a 'key: value' line; start comments "
	    "with '#'", "an empty key");
	bad("title: T\nstep: S\ncaption the text\n",
	    "x.lesson:3: 'caption' needs a ':' after it; write 'caption: ...'",
	    "a key without its colon");
	bad("title: T\nstep : S\n",
	    "x.lesson:2: 'step' needs a ':' after it; write 'step: ...'",
	    "a space before the colon");
	bad("title: T\n\ncaption: hello\n",
	    "x.lesson:3: 'caption:' before any 'step:'; add a 'step:' line "
	    "above it", "caption before any step");
	bad("title: T\nrun: -w 2\n",
	    "x.lesson:2: 'run:' before any 'step:'; add a 'step:' line above "
	    "it", "run before any step");
	bad("title: T\nwait: now\n",
	    "x.lesson:2: 'wait:' before any 'step:'; add a 'step:' line above "
	    "it", "wait before any step");
	bad("title: T\nsummary: s\n# only comments\n",
	    "x.lesson: no steps; add a 'step:' line", "no steps");
	bad("# nothing but a comment\n\n",
	    "x.lesson: no title; add a 'title:' line at the top", "no title");
	bad("step: S\ncaption: c\n",
	    "x.lesson: no title; add a 'title:' line at the top",
	    "steps but no title");
	bad("title: T\ntitle: U\n",
	    "x.lesson:2: a second 'title:'; a lesson has one title",
	    "two titles");
	bad("title: T\nstep: S\ncaption: c\ntitle: U\n",
	    "x.lesson:4: 'title:' after the first 'step:'; move it above the "
	    "steps", "title after a step");
	bad("title:\n",
	    "x.lesson:1: 'title:' is empty; write the lesson's title after it",
	    "an empty title");
	bad("title: T\nsummary: a\nsummary: b\n",
	    "x.lesson:3: a second 'summary:'; a lesson has one summary line",
	    "two summaries");
	bad("title: T\nstep: S\ncaption: c\nsummary: s\n",
	    "x.lesson:4: 'summary:' after the first 'step:'; move it above "
	    "the steps", "summary after a step");
	bad("title: T\nsummary:  \n",
	    "x.lesson:2: 'summary:' is empty; write the lesson's summary "
	    "after it", "an empty summary");
	bad("title: T\norder: 10\norder: 20\n",
	    "x.lesson:3: a second 'order:'; a lesson has one place in the list",
	    "two orders");
	bad("title: T\nstep: S\ncaption: c\norder: 10\n",
	    "x.lesson:4: 'order:' after the first 'step:'; move it above the "
	    "steps", "order after a step");
	bad("title: T\norder:\n",
	    "x.lesson:2: 'order:' is empty; write the lesson's order after it",
	    "an empty order");
	bad("title: T\norder: first\n",
	    "x.lesson:2: order: 'first' is not a whole number from 1 to 9999; "
	    "lessons are listed by it, lowest first", "an order in words");
	bad("title: T\norder: 0\n",
	    "x.lesson:2: order: '0' is not a whole number from 1 to 9999; "
	    "lessons are listed by it, lowest first", "order 0");
	bad("title: T\norder: 10000\n",
	    "x.lesson:2: order: '10000' is not a whole number from 1 to 9999; "
	    "lessons are listed by it, lowest first", "order 10000");
	bad("title: T\nstep:\ncaption: c\n",
	    "x.lesson:2: 'step:' has no heading; write the step's heading "
	    "after 'step:'", "an empty heading");
	bad("title: T\nstep: First\nrun: -w 1\nstep: Second\ncaption: c\n",
	    "x.lesson:2: step 'First' has no caption; add a 'caption:' line "
	    "with text", "a step without a caption");
	bad("title: T\nstep: S\ncaption: c\nstep: Last\ncaption:\n",
	    "x.lesson:4: step 'Last' has no caption; add a 'caption:' line "
	    "with text", "the last step with an empty caption");
	memset(big, 'a', sizeof big);
	big[401] = '\0';
	xasprintf(&text, "title: T\nstep: Long\ncaption: %s\n", big);
	bad(text, "x.lesson:2: step 'Long': the caption is 401 characters, "
	    "more than the 400 the caption bar holds; shorten it or split the "
	    "step", "a caption over 400 characters");
	free(text);
	big[200] = '\0';
	xasprintf(&text, "title: T\nstep: Long\ncaption: %s\ncaption:\n"
	    "caption: %s\n", big, big);
	bad(text, "x.lesson:2: step 'Long': the caption is 401 characters, "
	    "more than the 400 the caption bar holds; shorten it or split the "
	    "step", "paragraph breaks count");
	free(text);
	bad("title: T\nstep: S\ncaption: {cpu} processors\n",
	    "x.lesson:3: unknown placeholder '{cpu}'; the only one is {cpus}, "
	    "the number of processors", "an unknown placeholder");
	bad("title: T\nstep: S\ncaption: c\nrun: -w 1\nrun: -w 2\n",
	    "x.lesson:5: a second 'run:' in step 'S' (the first is on line 4); "
	    "a step has one run: start a new 'step:'", "two runs in a step");
	bad("title: T\nstep: S\ncaption: c\nrun: -w 1\nprogram: pool_map.py\n",
	    "x.lesson:5: a 'program:' in step 'S', which has its run already "
	    "(line 4); a step has one run: start a new 'step:'",
	    "a run and a program in one step");
	bad("title: T\nstep: S\ncaption: c\nprogram: notes.txt\n",
	    "x.lesson:4: program: 'notes.txt' is not a Python file; name one "
	    "such as pool_map.py", "a program that is not a .py file");
	bad("title: T\nstep: S\ncaption: c\nwait: now\nwait: now\n",
	    "x.lesson:5: a second 'wait:' in step 'S' (the first is on line "
	    "4); keep one", "two waits in a step");
	bad("title: T\nstep: S\ncaption: c\nwait: later\n",
	    "x.lesson:4: wait: 'later' is not 'end' or 'now'; write 'wait: "
	    "end' (after the run) or 'wait: now'", "a bad wait");
	bad("title: T\nstep: S\nwait: end\ncaption: c\nstep: U\ncaption: c\n",
	    "x.lesson:3: 'wait: end' in a step without a 'run:'; add a run or "
	    "write 'wait: now'", "wait end without a run");
}

static void
test_bad_runs(void)
{
	bad_run("", "x.lesson:4: 'run:' is empty; give poolscope options such "
	    "as -w 4 -m map -t 'square 1..10'");
	bad_run("''", "x.lesson:4: run: an empty task file name; give a file "
	    "name or -t 'SPEC'");
	bad_run("-t 'square 1", "x.lesson:4: run: a single quote is not "
	    "closed; close it on the same line");
	bad_run("-t \"square 1", "x.lesson:4: run: a double quote is not "
	    "closed; close it on the same line");
	bad_run("-t square\\", "x.lesson:4: run: a backslash at the end of the "
	    "line escapes nothing; remove it or write \\\\");
	bad_run("--wrokers 4", "x.lesson:4: run: unknown option '--wrokers'; "
	    "did you mean '--workers'?");
	bad_run("--colour", "x.lesson:4: run: unknown option '--colour'; a "
	    "run: line takes -w, -m, -c, -t, --time-scale, --pace, "
	    "--max-tasks-per-child, --timeout, --retries, --keep-going and a task "
	    "file");
	bad_run("-x 1", "x.lesson:4: run: unknown option '-x'; a run: line "
	    "takes -w, -m, -c, -t, --time-scale, --pace, "
	    "--max-tasks-per-child, --timeout, --retries, --keep-going and a "
	    "task file");
	bad_run("-w 2 --batch", "x.lesson:4: run: --batch is not for lessons; "
	    "a run: line takes -w, -m, -c, -t, --time-scale, --pace, "
	    "--max-tasks-per-child, --timeout, --retries, --keep-going and a task "
	    "file");
	bad_run("--trace=t.json", "x.lesson:4: run: --trace is not for "
	    "lessons; a run: line takes -w, -m, -c, -t, --time-scale, --pace, "
	    "--max-tasks-per-child, --timeout, --retries, --keep-going and a task "
	    "file");
	bad_run("-q", "x.lesson:4: run: -q is not for lessons; a run: line "
	    "takes -w, -m, -c, -t, --time-scale, --pace, "
	    "--max-tasks-per-child, --timeout, --retries, --keep-going and a "
	    "task file");
	bad_run("-t 'print 1' -w", "x.lesson:4: run: -w needs a value; give a "
	    "pool size from 1 to 4096, cpus or cpus*K");
	bad_run("--mode", "x.lesson:4: run: --mode needs a value; give a call "
	    "style: apply (or sync), map, imap, imap_unordered, apply_async (or "
	    "async) or process");
	bad_run("-w 0", "x.lesson:4: run: --workers: 0 is too small; give a "
	    "pool size from 1 to 4096, cpus or cpus*K");
	bad_run("-w 5000", "x.lesson:4: run: --workers: 5000 is too large; "
	    "give a pool size from 1 to 4096, cpus or cpus*K");
	bad_run("-w four", "x.lesson:4: run: --workers: 'four' is not a whole "
	    "number; give a pool size from 1 to 4096, cpus or cpus*K");
	bad_run("-w cpus*0", "x.lesson:4: run: --workers: in 'cpus*0', '0' is "
	    "not a whole number from 1 to 4096; write cpus*K, such as cpus*4");
	bad_run("-w cpus*x", "x.lesson:4: run: --workers: in 'cpus*x', 'x' is "
	    "not a whole number from 1 to 4096; write cpus*K, such as cpus*4");
	bad_run("-w CPUS", "x.lesson:4: run: --workers: 'CPUS' is not a whole "
	    "number; give a pool size from 1 to 4096, cpus or cpus*K");
	bad_run("-w 2 -w 3", "x.lesson:4: run: --workers is given twice; keep "
	    "one");
	bad_run("-m mapp", "x.lesson:4: run: --mode: unknown mode 'mapp'; use "
	    "apply (or sync), map, imap, imap_unordered, apply_async (or async) "
	    "or process");
	bad_run("--mode=", "x.lesson:4: run: --mode: unknown mode ''; use apply "
	    "(or sync), map, imap, imap_unordered, apply_async (or async) or "
	    "process");
	bad_run("-c 0", "x.lesson:4: run: --chunksize: 0 is too small; give a "
	    "number of tasks from 1 to 1000000");
	bad_run("--chunksize 1e3", "x.lesson:4: run: --chunksize: '1e3' is not "
	    "a whole number; give a number of tasks from 1 to 1000000");
	bad_run("--timeout 0", "x.lesson:4: run: --timeout: 0 is too small; "
	    "give milliseconds from 1 to 86400000");
	bad_run("--retries 101", "x.lesson:4: run: --retries: 101 is too "
	    "large; give a number of re-runs from 0 to 100");
	bad_run("--max-tasks-per-child -1", "x.lesson:4: run: "
	    "--max-tasks-per-child: -1 is too small; give a number of messages "
	    "from 1 to 2147483647");
	bad_run("--time-scale 0", "x.lesson:4: run: --time-scale: 0 is out of "
	    "range; give a factor from 0.001 to 1000");
	bad_run("--time-scale fast", "x.lesson:4: run: --time-scale: 'fast' is "
	    "not a number; give a factor such as 0.1 or 3");
	bad_run("--time-scale nan", "x.lesson:4: run: --time-scale: 'nan' is "
	    "not a number; give a factor such as 0.1 or 3");
	bad_run("--pace 60001", "x.lesson:4: run: --pace: 60001 is too large; "
	    "give milliseconds from 0 to 60000");
	bad_run("--pace -5", "x.lesson:4: run: --pace: -5 is too small; give "
	    "milliseconds from 0 to 60000");
	bad_run("--pace 0.3", "x.lesson:4: run: --pace: '0.3' is not a whole "
	    "number; give milliseconds from 0 to 60000");
	bad_run("--pace", "x.lesson:4: run: --pace needs a value; give "
	    "milliseconds from 0 to 60000");
	bad_run("--pace 1 --pace 2", "x.lesson:4: run: --pace is given twice; "
	    "keep one");
	bad_run("--pace 200 --timeout 100", "x.lesson:4: run: --pace: each "
	    "task would take at least 200 ms, and --timeout kills a task at 100 "
	    "ms; give a pace under the timeout");
	bad_run("-t 'square 1; sqare 2'", "x.lesson:4: run: the task list does "
	    "not parse: --tasks:1:11: unknown task kind 'sqare'; did you mean "
	    "'square'?");
	bad_run("-t ''", "x.lesson:4: run: the task list is empty; give tasks "
	    "such as -t 'square 1..10'");
	bad_run("-w 2 missing.tasks", "x.lesson:4: run: task file "
	    "'missing.tasks' not found next to the lesson nor in the directory "
	    "above it; check the name");
	bad_run("/nonexistent/x.tasks", "x.lesson:4: run: task file "
	    "'/nonexistent/x.tasks' not found; check the name");
	write_text("ok.tasks", "print 1\n");
	bad_run("-t 'print 1' ok.tasks", "x.lesson:4: run: both -t and a task "
	    "file ('ok.tasks'); give one of them");
	bad_run("ok.tasks ok.tasks", "x.lesson:4: run: unexpected argument "
	    "'ok.tasks'; give at most one task file");
	bad_run("-", "x.lesson:4: run: '-' (standard input) cannot be a "
	    "lesson's task list; give a task file or -t 'SPEC'");
	bad_run("-m apply -c 4", "x.lesson:4: run: --chunksize: apply sends "
	    "one task per call; chunks apply to map, imap and imap_unordered");
	bad_run("-c 2 -m async", "x.lesson:4: run: --chunksize: apply_async "
	    "sends one task per call; chunks apply to map, imap and "
	    "imap_unordered");
	bad_run("-c 3 -m process -t 'print 1'", "x.lesson:4: run: "
	    "--chunksize: process sends one task per call; chunks apply to "
	    "map, imap and imap_unordered");
}

static void
test_bad_files(void)
{
	struct lesson	 l;
	char		*big;
	int		 rc;

	rc = lesson_load(&l, "nonexistent.lesson", 2, err, sizeof err);
	is_int(rc, -1, "a missing file fails");
	is_str(err, "nonexistent.lesson: cannot read the lesson: No such file "
	    "or directory; check the path", "a missing file: message");
	rc = lesson_load(&l, "", 2, err, sizeof err);
	is_int(rc, -1, "an empty path fails");
	is_str(err, "an empty lesson file name; give a NAME.lesson file",
	    "an empty path: message");
	write_file("empty.lesson", "", 0);
	rc = lesson_load(&l, "empty.lesson", 2, err, sizeof err);
	is_int(rc, -1, "empty.lesson fails");
	is_str(err, "empty.lesson: the file is empty; a lesson needs a "
	    "'title:' line and at least one 'step:'", "an empty file");
	mkdir("dir.lesson", 0755);
	rc = lesson_load(&l, "dir.lesson", 2, err, sizeof err);
	is_int(rc, -1, "dir.lesson fails");
	is_str(err, "dir.lesson: is a directory; give a .lesson file",
	    "a directory");
	rc = lesson_load(&l, "/dev/null", 2, err, sizeof err);
	is_int(rc, -1, "/dev/null fails");
	is_str(err, "/dev/null: is not a regular file; give a .lesson file",
	    "a device");
	big = xmalloc(LESSON_MAX_SIZE + 1);
	memset(big, '#', LESSON_MAX_SIZE + 1);
	write_file("big.lesson", big, LESSON_MAX_SIZE + 1);
	rc = lesson_load(&l, "big.lesson", 2, err, sizeof err);
	is_int(rc, -1, "big.lesson fails");
	is_str(err, "big.lesson: larger than 1 MiB; a lesson is a short text "
	    "file: check the path", "a file over 1 MiB");
	free(big);
	write_file("bin.lesson", "title: T\n\x7f" "ELF\x02\x01\x01\0\0\0", 17);
	rc = lesson_load(&l, "bin.lesson", 2, err, sizeof err);
	is_int(rc, -1, "binary junk fails");
	is_str(err, "bin.lesson:2: control character 0x7f: this is not a text "
	    "file; a lesson is UTF-8 text", "binary junk: message");
	write_file("nul.lesson", "title: T\nstep: a\0b\n", 19);
	rc = lesson_load(&l, "nul.lesson", 2, err, sizeof err);
	is_int(rc, -1, "nul.lesson fails");
	is_str(err, "nul.lesson:2: a NUL byte: this is not a text file; a "
	    "lesson is UTF-8 text", "a NUL byte");
	bad("title: T\nstep: S\ncaption: caf\xe9\n",
	    "x.lesson:3: invalid UTF-8 (byte 0xe9); save the lesson as UTF-8 "
	    "text", "Latin-1 text");
	bad("title: T\nstep: S\ncaption: \xc0\xaf\n",
	    "x.lesson:3: invalid UTF-8 (byte 0xc0); save the lesson as UTF-8 "
	    "text", "an overlong UTF-8 form");
	bad("title: T\rstep: S\n",
	    "x.lesson:1: control character 0x0d: this is not a text file; a "
	    "lesson is UTF-8 text", "a lone CR");
	bad("title: T\nstep: S\ncaption: \x1b[31mred\n",
	    "x.lesson:3: control character 0x1b: this is not a text file; a "
	    "lesson is UTF-8 text", "an escape sequence");
	if (load_ok(&l, "title: Caf\xc3\xa9 \xe2\x9c\x93\nstep: S\ncaption: "
	    "\xe2\x86\xbb \xf0\x9f\x99\x82\n", 2, "UTF-8 text") == 0) {
		is_str(l.title, "Caf\xc3\xa9 \xe2\x9c\x93", "UTF-8 title kept");
		lesson_free(&l);
	}
	big = xmalloc(600);
	memcpy(big, "title: T\nstep: S\ncaption: ", 26);
	for (rc = 0; rc < 200; rc++)
		memcpy(big + 26 + 2 * rc, "\xc3\xa9", 2);
	big[426] = '\0';
	if (load_ok(&l, big, 2, "400 bytes of 200 characters") == 0) {
		ok(strlen(l.steps[0].caption) == 400, "the limit counts "
		    "characters, not bytes");
		lesson_free(&l);
	}
	free(big);
}

static void
list_cb(void *arg, const char *name, const char *title, const char *summary)
{
	char	*s = arg;
	size_t	 len = strlen(s);

	snprintf(s + len, 1024 - len, "%s|%s|%s;", name, title, summary);
}

static void
list_names_cb(void *arg, const char *name, const char *title,
    const char *summary)
{
	char	*s = arg;
	size_t	 len = strlen(s);

	(void)title;
	(void)summary;
	snprintf(s + len, 1024 - len, "%s ", name);
}

static void
test_find_and_list(void)
{
	const char	*dirs[3];
	char		 path[PATH_MAX], listed[1024], *d[ASSETS_NDIRS];
	size_t		 n;
	int		 rc;

	mkdir("les", 0755);
	write_text("les/b-two.lesson", "title: Two\nsummary: The second\n"
	    "step: S\ncaption: c\n");
	write_text("les/a-one.lesson", "# comment\ntitle: One\nstep: S\n"
	    "caption: c\nsummary: after the step\n");
	write_text("les/y-first.lesson", "title: First\norder: 5\nstep: S\n"
	    "caption: c\n");
	write_text("les/x-second.lesson", "order: 70\ntitle: Second\n"
	    "step: S\ncaption: c\n");
	write_text("les/w-second-too.lesson", "order: 70\ntitle: Second too\n"
	    "step: S\ncaption: c\n");
	write_text("les/d-bad-order.lesson", "title: Bad\norder: soon\n"
	    "step: S\ncaption: c\n");
	write_text("les/c-broken.lesson", "step: S\ntitle: Late\n");
	write_text("les/.hidden.lesson", "title: H\nstep: S\ncaption: c\n");
	write_text("les/notes.txt", "title: N\n");
	mkdir("les/sub.lesson", 0755);
	mkdir("les2", 0755);
	write_text("les2/only-here.lesson", "title: O\nstep: S\ncaption: c\n");

	dirs[0] = "no-such-dir";
	dirs[1] = "les";
	dirs[2] = "les2";
	rc = lesson_find("b-two", dirs, 3, path, sizeof path, err, sizeof err);
	is_int(rc, 0, "find by name");
	is_str(path, "les/b-two.lesson", "find by name: the path");
	rc = lesson_find("only-here", dirs, 3, path, sizeof path, err,
	    sizeof err);
	is_int(rc, 0, "lesson_find('only-here') finds it");
	is_str(path, "les2/only-here.lesson", "find in a later directory");
	rc = lesson_find("les/a-one.lesson", dirs, 3, path, sizeof path, err,
	    sizeof err);
	is_int(rc, 0, "lesson_find('les/a-one.lesson') finds it");
	is_str(path, "les/a-one.lesson", "find by path");
	write_text("here.lesson", "title: H\n");
	rc = lesson_find("here.lesson", dirs, 3, path, sizeof path, err,
	    sizeof err);
	is_int(rc, 0, "lesson_find('here.lesson') finds it");
	is_str(path, "here.lesson", "a name ending in .lesson is a path");
	rc = lesson_find("gone.lesson", dirs, 3, path, sizeof path, err,
	    sizeof err);
	is_int(rc, -1, "a missing path fails");
	is_str(err, "gone.lesson: cannot read the lesson: No such file or "
	    "directory; check the path", "a missing path: message");
	rc = lesson_find("b-tow", dirs, 3, path, sizeof path, err, sizeof err);
	is_int(rc, -1, "a misspelt name fails");
	is_str(err, "no lesson 'b-tow'; did you mean 'b-two'? "
	    "(--list-lessons shows them all)", "a misspelt name: message");
	rc = lesson_find("zzz", dirs, 3, path, sizeof path, err, sizeof err);
	is_int(rc, -1, "lesson_find('zzz') fails");
	is_str(err, "no lesson 'zzz' in les; --list-lessons shows "
	    "them all", "an unknown name");
	rc = lesson_find("x", dirs, 1, path, sizeof path, err, sizeof err);
	is_int(rc, -1, "lesson_find('x') fails");
	is_str(err, "no lesson 'x': the lessons directory was not "
	    "found; set POOLSCOPE_ASSETS to poolscope's assets directory, or "
	    "give the path of a .lesson file", "no directory at all");
	rc = lesson_find("", dirs, 3, path, sizeof path, err, sizeof err);
	is_int(rc, -1, "lesson_find('') fails");
	is_str(err, "--lesson needs a lesson name; --list-lessons "
	    "shows them", "an empty name");
	rc = lesson_find("b-two", dirs, 3, path, 5, err, sizeof err);
	is_int(rc, -1, "a path buffer too small fails");

	listed[0] = '\0';
	n = lesson_list(dirs, 3, list_cb, listed);
	is_int(n, 7, "seven lessons listed from the first existing directory");
	is_str(listed, "y-first|First|;w-second-too|Second too|;"
	    "x-second|Second|;a-one|One|;b-two|Two|The second;"
	    "c-broken|c-broken|;d-bad-order|Bad|;",
	    "by order: (lowest first, a tie by name), then those without one "
	    "(a bad one too) by name; title and summary from before the first "
	    "step");
	listed[0] = '\0';
	n = lesson_list(dirs, 1, list_cb, listed);
	is_int(n, 0, "no directory: nothing listed");
	is_str(listed, "", "no directory: no calls");

	/* Where the shipped files are: POOLSCOPE_ASSETS first, then the
	 * installed directory (none in a test build), then assets/ beside
	 * the binary. */
	unsetenv("POOLSCOPE_ASSETS");
	n = assets_dirs(d, "lessons");
	is_int(n, 2, "assets_dirs without POOLSCOPE_ASSETS: installed, beside "
	    "the binary");
	is_int(strlen(d[0]) > 25 && strcmp(d[0] + strlen(d[0]) - 25,
	    "/poolscope/assets/lessons") == 0, 1,
	    "the installed data directory first");
	is_int(strlen(d[1]) > 26 && strcmp(d[1] + strlen(d[1]) - 26,
	    "/tests/unit/assets/lessons") == 0, 1,
	    "then assets/lessons in the directory of the binary (this test's)");
	assets_dirs_free(d, n);
	setenv("POOLSCOPE_ASSETS", "/a", 1);
	n = assets_dirs(d, "lessons");
	is_int(n, 3, "assets_dirs with POOLSCOPE_ASSETS");
	is_str(d[0], "/a/lessons", "POOLSCOPE_ASSETS first");
	assets_dirs_free(d, n);
	n = assets_dirs(d, "");
	is_str(d[0], "/a", "no subdirectory: the directory itself");
	assets_dirs_free(d, n);
}

/* Lines the caption takes when each paragraph is wrapped at width
 * characters, breaking at spaces as the caption bar does. */
static size_t
wrapped_lines(const char *s, size_t width)
{
	size_t	lines = 0, col = 0, word;
	const char *p;

	for (;;) {
		while (*s == ' ')
			s++;
		if (*s == '\0' || *s == '\n') {
			if (col > 0 || *s == '\n')
				lines++;
			col = 0;
			if (*s == '\0')
				return lines;
			s++;
			continue;
		}
		for (word = 0, p = s; *p != '\0' && *p != ' ' && *p != '\n'; p++)
			if (((unsigned char)*p & 0xc0) != 0x80)
				word++;
		if (col > 0 && col + 1 + word > width) {
			lines++;
			col = 0;
		}
		col += (col > 0) + word;
		s = p;
	}
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
test_wrap(void)
{
	is_int(wrapped_lines("aaa bbb ccc", 7), 2, "wrap: two lines");
	is_int(wrapped_lines("aaa bbb\nccc", 78), 2, "wrap: a paragraph");
	is_int(wrapped_lines("aaa bb cc", 9), 1, "wrap: exactly the width");
}

/* Every lesson shipped in assets/lessons loads and is fit for the screen. */
static void
test_assets(const char *assets)
{
	static const char *const want[] = {
		"cpu-count", "start-join", "pool-map", "queue", "sync-async",
		"chunksize", "why-pool", "worker-dies"
	};
	struct lesson	 l;
	struct dirent	*de;
	DIR		*d;
	const char	*dirs[1];
	char		*dir, *path, **names = NULL, listed[1024];
	size_t		 n = 0, i, j, len, lines;
	int		 rc, cpus = util_cpu_count(), runs_ok, fits;

	if (assets == NULL) {
		ok(0, "POOLSCOPE_ASSETS is set (the assets directory)");
		return;
	}
	xasprintf(&dir, "%s/lessons", assets);
	if ((d = opendir(dir)) == NULL) {
		ok(0, "%s can be opened", dir);
		free(dir);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (len > 7 && strcmp(de->d_name + len - 7, ".lesson") == 0) {
			names = xreallocarray(names, n + 1, sizeof *names);
			names[n++] = xstrndup(de->d_name, len - 7);
		}
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof *names, name_cmp);
	for (i = 0; i < sizeof want / sizeof want[0]; i++) {
		for (j = 0; j < n; j++)
			if (strcmp(names[j], want[i]) == 0)
				break;
		ok(j < n, "assets/lessons has %s.lesson", want[i]);
	}
	for (i = 0; i < n; i++) {
		xasprintf(&path, "%s/%s.lesson", dir, names[i]);
		rc = lesson_load(&l, path, cpus, err, sizeof err);
		ok(rc == 0, "%s.lesson loads", names[i]);
		if (rc != 0) {
			printf("#   error: %s\n", err);
			free(path);
			continue;
		}
		ok(l.nsteps >= 2, "%s.lesson has at least 2 steps (%zu)",
		    names[i], l.nsteps);
		ok(*l.summary != '\0', "%s.lesson has a summary", names[i]);
		runs_ok = fits = 1;
		for (j = 0; j < l.nsteps; j++) {
			/* a run of tasks, or a program to run */
			if (l.steps[j].has_run && l.steps[j].tl.n == 0 &&
			    l.steps[j].program == NULL)
				runs_ok = 0;
			lines = wrapped_lines(l.steps[j].caption, 78);
			if (lines > 3) {
				fits = 0;
				printf("#   step '%s': %zu lines\n",
				    l.steps[j].heading, lines);
			}
		}
		ok(runs_ok, "%s.lesson: every run has tasks", names[i]);
		ok(fits, "%s.lesson: every caption fits in 3 lines of 78",
		    names[i]);
		lesson_free(&l);
		free(path);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	dirs[0] = dir;
	listed[0] = '\0';
	lesson_list(dirs, 1, list_names_cb, listed);
	is_str(listed, "cpu-count start-join why-pool pool-map chunksize "
	    "sync-async queue worker-dies ", "the shipped lessons are listed in "
	    "teaching order");
	free(dir);
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

int
main(void)
{
	char	 tmp[] = "/tmp/test_lesson.XXXXXX", *assets = NULL;
	char	 real[PATH_MAX];

	if (getenv("POOLSCOPE_ASSETS") != NULL &&
	    realpath(getenv("POOLSCOPE_ASSETS"), real) != NULL)
		assets = xstrdup(real);
	if (mkdtemp(tmp) == NULL || chdir(tmp) == -1) {
		perror(tmp);
		return 99;
	}

	test_all_keys();
	test_short_options();
	test_quoting();
	test_cpus();
	test_task_files();
	test_captions();
	test_bad_lines();
	test_bad_runs();
	test_bad_files();
	test_find_and_list();
	test_wrap();
	test_assets(assets);

	if (chdir("/") == 0)
		nftw(tmp, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(assets);
	return tap_done();
}
