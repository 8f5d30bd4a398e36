/*
 * test_tasklist.c: the task-list parser (good lists, every error message with
 * its line and column, labels) and task_run for the kinds that return.
 */
#include "config.h"

#include <sys/wait.h>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"
#include "tasks/tasks.h"
#include "tap.h"

static char	err[4096];

/* The first line of the last error message. */
static const char *
first_line(void)
{
	static char	 line[4096];
	char		*nl;

	strlcpy(line, err, sizeof line);
	if ((nl = strchr(line, '\n')) != NULL)
		*nl = '\0';
	return line;
}

static int
parse(struct tasklist *tl, const char *text)
{
	return tasklist_parse(tl, "tasks.txt", text, strlen(text), 0, err,
	    sizeof err);
}

static int
parse_inline(struct tasklist *tl, const char *text)
{
	return tasklist_parse(tl, "--tasks", text, strlen(text), 1, err,
	    sizeof err);
}

static int
is_empty(const struct tasklist *tl)
{
	return tl->runs == NULL && tl->n == 0 && tl->name == NULL &&
	    tl->strings == NULL && tl->nstrings == 0;
}

/* Parse text (a file) that must fail, and check the first line. */
static void
bad(const char *text, const char *want, const char *what)
{
	struct tasklist	tl;
	int		rc;

	memset(&tl, 0xa5, sizeof tl);
	rc = parse(&tl, text);
	is_str(rc == -1 ? first_line() : "(parsed)", want, "%s", what);
	ok(is_empty(&tl), "%s: list left empty", what);
	tasklist_free(&tl);
}

static void
bad_inline(const char *text, const char *want, const char *what)
{
	struct tasklist	tl;
	int		rc;

	rc = parse_inline(&tl, text);
	is_str(rc == -1 ? first_line() : "(parsed)", want, "%s", what);
	tasklist_free(&tl);
}

static void
test_good_file(void)
{
	struct tasklist	 tl;
	const char	*text =
	    "# every kind\n"
	    "square 1..3\n"
	    "cube -2\n"
	    "\n"
	    "print 0..1   # a trailing comment\n"
	    "hello 7\n"
	    "   # an indented comment\n"
	    "sleep 250\n"
	    "spin 0\n"
	    "primes 100\n"
	    "fib 20\n"
	    "fail\n"
	    "crash\n"
	    "hang\n"
	    "sh echo a#b # a real comment\n"
	    "\t  square   -3..-1  \r\n"
	    "print -5";
	char		 label[64];

	ok(parse(&tl, text) == 0, "a list with every kind parses");
	is_int(tl.n, 19, "it has 19 tasks");
	is_str(tl.name, "tasks.txt", "the name is kept");
	is_int(tasklist_at(&tl, 0).kind, TASK_SQUARE, "task 0 is a square");
	is_int(tasklist_at(&tl, 2).arg, 3, "square 1..3 ends with 3");
	is_int(tasklist_at(&tl, 2).line, 2, "square 1..3 is from line 2");
	is_int(tasklist_at(&tl, 3).kind, TASK_CUBE, "task 3 is a cube");
	is_int(tasklist_at(&tl, 3).arg, -2, "cube -2 keeps its sign");
	is_int(tasklist_at(&tl, 5).arg, 1, "print 0..1 ends with 1");
	is_int(tasklist_at(&tl, 5).line, 5, "print is from line 5");
	is_int(tasklist_at(&tl, 6).kind, TASK_HELLO, "hello");
	is_int(tasklist_at(&tl, 7).kind, TASK_SLEEP, "sleep");
	is_int(tasklist_at(&tl, 7).arg, 250, "sleep 250");
	is_int(tasklist_at(&tl, 8).kind, TASK_SPIN, "spin");
	is_int(tasklist_at(&tl, 9).kind, TASK_PRIMES, "primes");
	is_int(tasklist_at(&tl, 10).kind, TASK_FIB, "fib");
	is_int(tasklist_at(&tl, 11).kind, TASK_FAIL, "fail");
	is_int(tasklist_at(&tl, 12).kind, TASK_CRASH, "crash");
	is_int(tasklist_at(&tl, 13).kind, TASK_HANG, "hang");
	is_int(tasklist_at(&tl, 14).kind, TASK_SH, "sh");
	is_str(tasklist_at(&tl, 14).cmd, "echo a#b", "'#' inside a word is kept, the "
	    "comment is not");
	is_int(tl.nstrings, 1, "one string kept for the sh line");
	is_int(tasklist_at(&tl, 15).arg, -3, "a negative range starts at -3");
	is_int(tasklist_at(&tl, 17).arg, -1, "and ends at -1");
	is_int(tasklist_at(&tl, 17).line, 16, "after tabs and CRLF, line 16");
	ok(tasklist_at(&tl, 17).kind == TASK_SQUARE, "an indented, CRLF line parses");
	ok(tasklist_at(&tl, 18).kind == TASK_PRINT && tasklist_at(&tl, 18).arg == -5,
	    "a last line without a newline");

	tasklist_label(&tl, 3, label, sizeof label);
	is_str(label, "cube -2", "label of cube -2");
	tasklist_label(&tl, 7, label, sizeof label);
	is_str(label, "sleep 250", "label of sleep 250");
	tasklist_label(&tl, 11, label, sizeof label);
	is_str(label, "fail", "label of fail");
	tasklist_label(&tl, 14, label, sizeof label);
	is_str(label, "sh echo a#b", "label of sh");
	tasklist_label(&tl, 14, label, 8);
	is_str(label, "sh e...", "a long sh label is cut with ...");
	tasklist_free(&tl);
	ok(is_empty(&tl), "tasklist_free zeroes the list");
	tasklist_free(&tl);
	ok(is_empty(&tl), "tasklist_free twice is safe");

	ok(parse(&tl, "\xef\xbb\xbfsquare 4\n") == 0, "a BOM is skipped");
	tasklist_label(&tl, 0, label, sizeof label);
	is_str(label, "square 4", "label of square 4");
	tasklist_free(&tl);

	ok(parse(&tl, "sh echo hi; exit 3\n") == 0, "';' in a file is part "
	    "of the command");
	is_str(tasklist_at(&tl, 0).cmd, "echo hi; exit 3", "the whole command is kept");
	tasklist_free(&tl);

	ok(parse(&tl, "square 3037000499\ncube -2097151\nfib 50\n"
	    "sleep 86400000\nprimes 1000000000\nprint -1000000000000000000\n")
	    == 0, "every limit itself is allowed");
	is_int(tl.n, 6, "six tasks at the limits");
	tasklist_free(&tl);
}

static void
test_good_inline(void)
{
	struct tasklist	tl;

	ok(parse_inline(&tl, "square 1..10; cube 123") == 0,
	    "the inline form parses");
	is_int(tl.n, 11, "square 1..10; cube 123 is 11 tasks");
	is_int(tasklist_at(&tl, 9).arg, 10, "the range ends with 10");
	is_int(tasklist_at(&tl, 10).kind, TASK_CUBE, "then a cube");
	is_int(tasklist_at(&tl, 10).arg, 123, "cube 123");
	is_int(tasklist_at(&tl, 10).line, 2, "the cube is inline line 2");
	is_str(tl.name, "--tasks", "the inline name");
	tasklist_free(&tl);

	ok(parse_inline(&tl, "sh echo a\\; echo b;fail ; ;# c; hang") == 0,
	    "'\\;' in an inline sh command");
	is_int(tl.n, 3, "sh, fail and hang");
	is_str(tasklist_at(&tl, 0).cmd, "echo a; echo b", "'\\;' becomes ';'");
	is_int(tasklist_at(&tl, 1).kind, TASK_FAIL, "fail after the ';'");
	is_int(tasklist_at(&tl, 2).kind, TASK_HANG, "a comment ends at ';'");
	tasklist_free(&tl);
}

static void
test_bad(void)
{
	struct tasklist	 tl;
	char		 path[64];

	bad("square 1\n\nsqare 3\n",
	    "tasks.txt:3:1: unknown task kind 'sqare'; did you mean 'square'?",
	    "a misspelt kind");
	ok(strcmp(err, "tasks.txt:3:1: unknown task kind 'sqare'; did you "
	    "mean 'square'?\nsqare 3\n^") == 0, "the source line and a caret "
	    "follow");
	bad("squ 4", "tasks.txt:1:1: unknown task kind 'squ'; did you mean "
	    "'square'?", "a unique prefix is suggested");
	bad("Square 4", "tasks.txt:1:1: unknown task kind 'Square'; did you "
	    "mean 'square'?", "kinds are lower case");
	bad("  xyz 1", "tasks.txt:1:3: unknown task kind 'xyz'; use one of "
	    "square, cube, print, hello, sleep, spin, primes, fib, fail, "
	    "crash, hang, sh", "a kind with no near match lists them all");
	bad("fail\n  sleep\n", "tasks.txt:2:8: 'sleep' needs a duration in "
	    "milliseconds, e.g. 'sleep 250'", "sleep without a duration");
	bad("square", "tasks.txt:1:7: 'square' needs a number or a range, "
	    "e.g. 'square 1..10'", "square without a number");
	bad("sleep -5", "tasks.txt:1:7: 'sleep' duration -5 is negative; give "
	    "0 or more milliseconds", "a negative duration");
	bad("spin 86400001", "tasks.txt:1:6: 'spin' duration 86400001 is too "
	    "long; give at most 86400000 milliseconds (one day)",
	    "a duration over a day");
	bad("square 99999999999999999999", "tasks.txt:1:8: number "
	    "99999999999999999999 is too large (square takes "
	    "-3037000499..3037000499)", "a huge number");
	bad("cube 1..2097152", "tasks.txt:1:9: number 2097152 is too large "
	    "(cube takes -2097151..2097151)", "the end of a range is checked");
	bad("fib 51", "tasks.txt:1:5: number 51 is too large (fib takes 0..50)",
	    "fib over its limit");
	bad("primes -1", "tasks.txt:1:8: number -1 is too small (primes takes "
	    "0..1000000000)", "a negative bound for primes");
	bad("square 10..1", "tasks.txt:1:8: range 10..1 runs backwards; write "
	    "1..10", "a backwards range");
	bad("fail 3", "tasks.txt:1:6: 'fail' takes no argument",
	    "fail with an argument");
	bad("sh   # just a comment", "tasks.txt:1:3: 'sh' needs a command, "
	    "e.g. 'sh echo hello'", "sh without a command");
	bad("square abc", "tasks.txt:1:8: expected a number, a range like "
	    "1..10 or rand(100,900), got 'abc'", "a word for a number");
	bad("square 1..", "tasks.txt:1:8: expected a number, a range like "
	    "1..10 or rand(100,900), got '1..'", "a range without an end");
	bad("square 1...3", "tasks.txt:1:8: expected a number, a range like "
	    "1..10 or rand(100,900), got '1...3'", "three dots");
	bad("square 1 2", "tasks.txt:1:10: unexpected '2' after the argument; "
	    "write one task per line (or repeat with x3)", "two arguments");
	bad("\xef\xbb\xbf\xef\xbb\xbfsquare 1\n", "tasks.txt:1:1: a byte order "
	    "mark (U+FEFF) before the task kind; save the file as UTF-8 without "
	    "it", "a doubled byte order mark");
	bad("square 1\n\xef\xbb\xbfsquare 2\n", "tasks.txt:2:1: a byte order "
	    "mark (U+FEFF) before the task kind; save the file as UTF-8 without "
	    "it", "a byte order mark inside the file");
	/* An empty list parses (Pool.map(f, []) returns []). */
	is_int(parse(&tl, ""), 0, "an empty list parses");
	is_int(tl.n, 0, "an empty list: no tasks");
	tasklist_free(&tl);
	is_int(parse(&tl, "# only a comment\n\n   \n"), 0,
	    "a list of comments parses");
	is_int(tl.n, 0, "a list of comments: no tasks");
	tasklist_free(&tl);
	is_int(parse_inline(&tl, ""), 0, "an empty inline list parses");
	is_int(tl.n, 0, "an empty inline list: no tasks");
	tasklist_free(&tl);
	bad("square 1..9999999\nprint 1..2\n", "tasks.txt:2:7: too many "
	    "tasks: the list would hold 10000001, more than the limit of "
	    "10000000; split it into smaller lists", "too many tasks");
	bad("square 1\n\tsq\x01", "tasks.txt:2:4: binary data (byte 0x01); is "
	    "this a task list?", "a control character");
	ok(strcmp(err + strlen(first_line()), "\n\tsq?\n\t  ^") == 0,
	    "the caret follows a tab");
	bad("caf\xc3\xa9 \xff", "tasks.txt:1:6: binary data (byte 0xff); is "
	    "this a task list?", "invalid UTF-8, columns in characters");

	ok(tasklist_parse(&tl, "t", "square 1\nsq\0are", 15, 0, err,
	    sizeof err) == -1, "a NUL byte is refused");
	is_str(err, "t:2:3: binary data (byte 0x00); is this a task list?\n"
	    "sq?are\n  ^", "the NUL byte's message, line and caret");
	ok(is_empty(&tl), "a NUL byte leaves the list empty");

	bad_inline("square 1; sqare 2", "--tasks:1:11: unknown task kind "
	    "'sqare'; did you mean 'square'?", "an inline error's column");
	is_str(err + strlen(first_line()), "\nsquare 1; sqare 2\n          ^",
	    "an inline error shows the whole string");
	bad_inline("sh echo a\\; b; fail x", "--tasks:1:21: 'fail' takes no "
	    "argument", "columns count the backslash of '\\;'");
	bad_inline("square 1 2", "--tasks:1:10: unexpected '2' after the "
	    "argument; separate tasks with ';' (or repeat with x3)",
	    "an inline extra argument");

	snprintf(path, sizeof path, "/nonexistent-%d/x.tasks", (int)getpid());
	ok(tasklist_parse_file(&tl, path, err, sizeof err) == -1,
	    "a missing file is an error");
	ok(strstr(err, "cannot read task file '/nonexistent-") == err &&
	    strstr(err, "': No such file or directory; check the path") !=
	    NULL, "a missing file's message");
	ok(is_empty(&tl), "a missing file leaves the list empty");
	ok(tasklist_parse_file(&tl, "/", err, sizeof err) == -1,
	    "a directory is an error");
	is_str(err, "cannot read task file '/': Is a directory; check the path",
	    "a directory's message");
}

static void
test_file(void)
{
	struct tasklist	tl;
	char		path[] = "/tmp/test_tasklist.XXXXXX";
	int		fd;

	if ((fd = mkstemp(path)) == -1 ||
	    write(fd, "print 0..3\nfail x\n", 18) != 18) {
		ok(0, "mkstemp: cannot write a temporary file");
		return;
	}
	close(fd);
	ok(tasklist_parse_file(&tl, path, err, sizeof err) == -1,
	    "a file with an error");
	ok(strncmp(err, path, strlen(path)) == 0 &&
	    strcmp(err + strlen(path), ":2:6: 'fail' takes no argument\n"
	    "fail x\n     ^") == 0, "a file's error names the file");
	fd = open(path, O_WRONLY | O_TRUNC);
	if (fd == -1 || write(fd, "print 0..3\n", 11) != 11)
		ok(0, "cannot rewrite the temporary file");
	close(fd);
	ok(tasklist_parse_file(&tl, path, err, sizeof err) == 0,
	    "a good file parses");
	is_int(tl.n, 4, "print 0..3 is four tasks");
	is_str(tl.name, path, "the file's name is kept");
	tasklist_free(&tl);
	unlink(path);
}

static void
test_kinds(void)
{
	struct task	t = { 0 };
	char		label[16];

	is_str(task_kind_name(TASK_SQUARE), "square", "task_kind_name");
	is_str(task_kind_name(TASK_SH), "sh", "task_kind_name of sh");
	ok(task_kind_numeric(TASK_SLEEP) && task_kind_numeric(TASK_FIB) &&
	    !task_kind_numeric(TASK_FAIL) && !task_kind_numeric(TASK_SH),
	    "task_kind_numeric");
	t.kind = TASK_SH;
	t.cmd = "echo hello world, a long one";
	task_label(&t, label, sizeof label);
	is_str(label, "sh echo hell...", "a label fits its buffer");
	t.cmd = "echo \xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9";
	task_label(&t, label, sizeof label);
	is_str(label, "sh echo \xc3\xa9\xc3\xa9...",
	    "a label is cut between characters");
}

struct collect {
	char	buf[4096];
	size_t	len;
};

static void
collect(void *arg, const char *text, size_t len)
{
	struct collect	*c = arg;

	if (len > sizeof c->buf - 1 - c->len)
		len = sizeof c->buf - 1 - c->len;
	memcpy(c->buf + c->len, text, len);
	c->len += len;
	c->buf[c->len] = '\0';
}

static struct collect	 out_text;
static struct task_outcome outcome;

static void
run(int kind, int64_t arg, const char *cmd, double scale)
{
	struct task	t = { 0 };
	struct task_ctx	ctx = { collect, &out_text, scale, NULL, NULL };

	t.kind = (uint8_t)kind;
	t.arg = arg;
	t.cmd = (char *)cmd;
	memset(&out_text, 0, sizeof out_text);
	task_run(&t, &ctx, &outcome);
}

static void
test_run(void)
{
	uint64_t	start, ms;
	pid_t		pid;
	int		status, fd;
	char		cmd[128];

	/* A worker that reports instant tasks a run at a time knows from
	 * the kind whether the run returns numbers or None. */
	for (status = 0; status < TASK_NKINDS; status++) {
		if (!task_kind_instant(status))
			continue;
		run(status, 3, NULL, 1);
		ok(outcome.status == TASK_OK && outcome.has_value ==
		    task_kind_valued(status), "%s 3: a value just when "
		    "task_kind_valued says so", task_kind_name(status));
	}
	run(TASK_SQUARE, 12, NULL, 1);
	ok(outcome.status == TASK_OK && outcome.has_value &&
	    outcome.value == 144, "square 12 is 144");
	is_str(out_text.buf, "square of 12 is 144\n", "square prints");
	run(TASK_CUBE, 123, NULL, 1);
	is_int(outcome.value, 1860867, "cube 123");
	is_str(out_text.buf, "cube of 123 is 1860867\n", "cube prints");
	run(TASK_PRINT, -7, NULL, 1);
	ok(outcome.status == TASK_OK && !outcome.has_value, "print has no "
	    "value");
	is_str(out_text.buf, "-7\n", "print prints the number");
	run(TASK_HELLO, 3, NULL, 1);
	ok(outcome.status == TASK_OK && !outcome.has_value, "hello has no "
	    "value");
	is_str(out_text.buf, "I'm the process with id: 3\n", "hello prints");
	run(TASK_PRIMES, 100, NULL, 1);
	is_int(outcome.value, 25, "25 primes up to 100");
	run(TASK_PRIMES, 1, NULL, 1);
	ok(outcome.has_value && outcome.value == 0, "no primes up to 1");
	run(TASK_PRIMES, 2, NULL, 1);
	is_int(outcome.value, 1, "one prime up to 2");
	run(TASK_PRIMES, 1000000, NULL, 1);
	is_int(outcome.value, 78498, "78498 primes up to a million");
	run(TASK_FIB, 20, NULL, 1);
	is_int(outcome.value, 6765, "fib 20 is 6765");
	run(TASK_FIB, 1, NULL, 1);
	is_int(outcome.value, 1, "fib 1 is 1");
	run(TASK_FAIL, 0, NULL, 1);
	is_int(outcome.status, TASK_ERROR, "fail fails");
	is_str(outcome.error, "fail: the task raised an error",
	    "fail's message");

	start = now_ns();
	run(TASK_SLEEP, 30, NULL, 1);
	ms = (now_ns() - start) / 1000000;
	ok(ms >= 30 && ms < 1000, "sleep 30 takes 30 ms (%llu)",
	    (unsigned long long)ms);
	is_int(outcome.value, 30, "sleep's result is its duration");
	start = now_ns();
	run(TASK_SLEEP, 400, NULL, 0.05);
	ms = (now_ns() - start) / 1000000;
	ok(ms >= 20 && ms < 300, "the time scale shortens sleep (%llu ms)",
	    (unsigned long long)ms);
	start = now_ns();
	run(TASK_SPIN, 20, NULL, 1);
	ms = (now_ns() - start) / 1000000;
	ok(ms >= 20 && outcome.value == 20, "spin 20 burns 20 ms");

	fflush(stdout);
	run(TASK_SH, 0, "echo hi; exit 3", 1);
	ok(outcome.status == TASK_OK && outcome.value == 3, "sh returns the "
	    "exit status");
	is_str(out_text.buf, "hi\n", "sh's output is collected");
	run(TASK_SH, 0, "echo out; echo err >&2; read x; echo \"[$x]\"", 1);
	is_str(out_text.buf, "out\nerr\n[]\n", "stderr is collected, stdin "
	    "is empty");
	fd = open("/dev/null", O_RDONLY);
	snprintf(cmd, sizeof cmd, "test -e /proc/$$/fd/%d && echo open; "
	    "test -e /proc/$$/fd/2 && echo 2", fd);
	run(TASK_SH, 0, cmd, 1);
	is_str(out_text.buf, "2\n", "other fds are closed in sh");
	close(fd);
	run(TASK_SH, 0, "kill -9 $$", 1);
	ok(outcome.status == TASK_ERROR, "a killed sh is an error");
	is_str(outcome.error, "sh: killed by SIGKILL", "the signal is named");

	fflush(stdout);
	if ((pid = fork()) == 0) {
		run(TASK_CRASH, 0, NULL, 1);
		_exit(0);
	}
	ok(pid > 0 && waitpid(pid, &status, 0) == pid &&
	    WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV,
	    "crash dies by SIGSEGV");
	if ((pid = fork()) == 0) {
		run(TASK_HANG, 0, NULL, 1);
		_exit(0);
	}
	usleep(100000);
	ok(pid > 0 && waitpid(pid, &status, WNOHANG) == 0, "hang is still "
	    "running");
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
}

/* rand(A,B) with --seed, and xN repeats. */
static void
test_rand(void)
{
	struct tasklist	a, b;
	size_t		i;
	int		in_range = 1, same = 1, varied = 0;

	tasklist_seed(42);
	ok(parse(&a, "sleep rand(100,900) x50\n") == 0 && a.n == 50,
	    "sleep rand(100,900) x50 makes 50 tasks");
	tasklist_seed(42);
	ok(parse(&b, "sleep rand(100,900) x50\n") == 0 && b.n == 50,
	    "the same again with the same seed");
	for (i = 0; i < a.n && i < b.n; i++) {
		if (tasklist_at(&a, i).arg < 100 || tasklist_at(&a, i).arg > 900)
			in_range = 0;
		if (tasklist_at(&a, i).arg != tasklist_at(&b, i).arg)
			same = 0;
		if (tasklist_at(&a, i).arg != tasklist_at(&a, 0).arg)
			varied = 1;
	}
	ok(in_range, "every value is within 100..900");
	ok(same, "the same seed gives the same list");
	ok(varied, "and the values differ from task to task");
	tasklist_free(&a);
	tasklist_free(&b);
	tasklist_seed(43);
	ok(parse(&a, "sleep rand(100,900) x50\n") == 0, "another seed");
	tasklist_seed(42);
	parse(&b, "sleep rand(100,900) x50\n");
	for (same = 1, i = 0; i < a.n; i++)
		if (tasklist_at(&a, i).arg != tasklist_at(&b, i).arg)
			same = 0;
	ok(!same, "another seed gives another list");
	tasklist_free(&a);
	tasklist_free(&b);
	ok(parse(&a, "square rand(5,5)\n") == 0 && a.n == 1 && tasklist_at(&a, 0).arg == 5,
	    "rand(5,5) is 5");
	tasklist_free(&a);
	ok(parse(&a, "square 1..3 x2\nfail x3\n") == 0 && a.n == 9 &&
	    tasklist_at(&a, 3).arg == 1 && tasklist_at(&a, 5).arg == 3 && tasklist_at(&a, 6).kind == TASK_FAIL,
	    "square 1..3 x2 repeats the range; fail x3 makes three");
	tasklist_free(&a);
	bad("sleep rand(900,100)\n", "tasks.txt:1:7: rand 900..100 runs "
	    "backwards; write 100..900", "rand backwards");
	bad("sleep rand(1,-5)\n", "tasks.txt:1:14: 'sleep' duration -5 is "
	    "negative; give 0 or more milliseconds", "rand with a negative "
	    "duration");
	bad("sleep rand(1 2)\n", "tasks.txt:1:14: unexpected '2)' after the "
	    "argument; write one task per line (or repeat with x3)",
	    "rand with a space");
	bad("sleep rand(1;2)\n", "tasks.txt:1:7: expected rand(A,B) with two "
	    "whole numbers, like rand(100,900), got 'rand(1;2)'", "rand "
	    "without a comma");
	bad("fail x\n", "tasks.txt:1:6: 'fail' takes no argument", "x without "
	    "a count");
}

/* Tasks kept as runs: a range is one run whatever its length, and every
 * task reads back as it was written. */
static void
test_runs(void)
{
	struct tasklist	 tl;
	struct task	 t;
	char		 call[32];
	size_t		 i;
	int		 good;

	ok(parse_inline(&tl, "square 1..10000000") == 0 && tl.n == 10000000 &&
	    tl.nruns == 1, "ten million squares: one run");
	t = tasklist_at(&tl, 9999999);
	ok(t.kind == TASK_SQUARE && t.arg == 10000000 && t.line == 1,
	    "its last is square 10000000, of line 1");
	tasklist_free(&tl);

	ok(parse_inline(&tl, "sleep 10 x1000") == 0 && tl.nruns == 1 &&
	    tasklist_at(&tl, 999).arg == 10, "sleep 10 x1000: one run of 10s");
	tasklist_free(&tl);

	ok(parse(&tl, "square 1\nsquare 2\nsquare 3\n"
	    "square 4..6\ncube 7\nsquare 8\n") == 0 && tl.n == 8, "a file");
	good = 1;
	for (i = 0; i < tl.n; i++) {
		t = tasklist_at(&tl, i);
		good &= t.arg == (int64_t)i + 1 && t.kind == (i == 6 ?
		    TASK_CUBE : TASK_SQUARE) && t.line == (i < 3 ? i + 1 :
		    i < 6 ? 4 : i - 1);
	}
	ok(good, "each task's kind, argument and line, across its runs");
	is_int((int64_t)tl.nruns, 4, "square 1..3 a line each, 4..6, cube 7, "
	    "square 8: four runs");
	tasklist_free(&tl);

	tasklist_seed(7);
	ok(parse_inline(&tl, "square rand(1,1000) x100; square 5") == 0 &&
	    tl.n == 101, "rand: a hundred draws");
	good = 1;
	for (i = 0; i < 100; i++) {
		t = tasklist_at(&tl, i);
		good &= t.arg >= 1 && t.arg <= 1000;
	}
	ok(good && tasklist_at(&tl, 100).arg == 5 && tl.nruns == 2,
	    "their arguments listed in one run; square 5 after them");
	tasklist_free(&tl);

	memset(&tl, 0, sizeof tl);
	for (i = 0; i < 100; i++) {
		snprintf(call, sizeof call, "f(%zu)", i);
		if (tasklist_append_call(&tl, call, strlen(call)) != i)
			break;
	}
	t = tasklist_at(&tl, 57);
	ok(i == 100 && tl.nruns == 1 && t.kind == TASK_CALL &&
	    strcmp(t.cmd, "f(57)") == 0, "a program's calls: one run, each "
	    "its own call");
	tasklist_free(&tl);
}

int
main(void)
{
	test_rand();
	test_good_file();
	test_good_inline();
	test_bad();
	test_file();
	test_kinds();
	test_run();
	test_runs();
	return tap_done();
}
