/*
 * test_model.c: the model (src/model/model.c), the fold of the event stream
 * that the screen, the batch summary and replays all read, fed hand-made
 * event sequences without processes: workers and tasks through their
 * states, the results the caller received and when the call raised, the
 * counters, output lines, and events whose task or worker is out of range.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "engine/event.h"
#include "model/model.h"
#include "tasks/tasks.h"
#include "util.h"
#include "tap.h"

#define MS	1000000ULL

static struct model	m;
static struct run_info	ri, end;
static uint64_t		now;	/* each event comes 1 ms after the last */

/* An event about worker w (pid) and task, 1 ms after the one before. */
static struct event
make_event(int type, int w, pid_t pid, int64_t task)
{
	struct event	ev;

	event_init(&ev, type, w, pid, task);
	now += MS;
	ev.t = now;
	return ev;
}

static void
feed(struct event *ev)
{
	model_event(&m, ev);
}

static void
run_start(int mode, int workers, size_t tasks, int keep_going)
{
	struct event	ev = make_event(EV_RUN_START, -1, 0, -1);

	memset(&ri, 0, sizeof ri);
	ri.mode = mode;
	ri.workers = workers;
	ri.cpus = 2;
	ri.tasks = tasks;
	ri.chunksize = 1;
	ri.keep_going = keep_going;
	ev.run = &ri;
	feed(&ev);
}

static void
run_end(size_t ok, size_t failed, size_t skipped, int interrupted)
{
	struct event	ev = make_event(EV_RUN_END, -1, 0, -1);

	end = ri;
	end.ok = ok;
	end.failed = failed;
	end.skipped = skipped;
	end.wall_ns = now;
	end.interrupted = interrupted;
	ev.run = &end;
	feed(&ev);
}

static void
worker_start(int w, pid_t pid)
{
	struct event	ev = make_event(EV_WORKER_START, w, pid, -1);

	feed(&ev);
}

static void
worker_state(int w, int state)
{
	struct event	ev = make_event(EV_WORKER_STATE, w, 0, -1);

	ev.state = state;
	feed(&ev);
}

static void
task_start(int64_t task, int w)
{
	struct event	ev = make_event(EV_TASK_START, w, 0, task);

	feed(&ev);
}

static void
task_done(int64_t task, int w, int64_t value)
{
	struct event	ev = make_event(EV_TASK_DONE, w, 0, task);

	ev.vkind = VAL_INT;
	ev.value = value;
	feed(&ev);
}

static void
task_fail(int64_t task, int w, const char *error)
{
	struct event	ev = make_event(EV_TASK_FAIL, w, 0, task);

	ev.vkind = VAL_ERROR;
	ev.text = error;
	ev.len = strlen(error);
	feed(&ev);
}

static void
task_retry(int64_t task, int w, int attempt)
{
	struct event	ev = make_event(EV_TASK_RETRY, w, 0, task);

	ev.state = attempt;
	feed(&ev);
}

static void
task_skip(int64_t task, int w)
{
	struct event	ev = make_event(EV_TASK_SKIP, w, 0, task);

	feed(&ev);
}

/* The caller receives task's result: a value, or (error != NULL) an error. */
static void
result(int64_t task, int64_t seq, int64_t value, const char *error)
{
	struct event	ev = make_event(EV_RESULT, -1, 0, task);

	ev.seq = seq;
	ev.vkind = error ? VAL_ERROR : VAL_INT;
	ev.value = value;
	if (error != NULL) {
		ev.text = error;
		ev.len = strlen(error);
	}
	feed(&ev);
}

static void
output(int64_t task, int w, const char *text)
{
	struct event	ev = make_event(EV_OUTPUT, w, 0, task);

	ev.text = text;
	ev.len = strlen(text);
	feed(&ev);
}

static void
worker_exit(int w, pid_t pid, int state, const char *status)
{
	struct event	ev = make_event(EV_WORKER_EXIT, w, pid, -1);

	ev.state = state;
	ev.text = status;
	ev.len = strlen(status);
	feed(&ev);
}

static void
sentinel(int w, pid_t pid)
{
	struct event	ev = make_event(EV_SENTINEL, w, pid, -1);

	feed(&ev);
}

static void
spawn_fail(int w, const char *why, int live)
{
	struct event	ev = make_event(EV_SPAWN_FAIL, w, 0, -1);

	ev.text = why;
	ev.len = strlen(why);
	ev.state = live;
	feed(&ev);
}

/* The results the caller received, in order: "1,0,2". */
static const char *
received(void)
{
	static char	buf[256];
	size_t		i, len = 0;

	buf[0] = '\0';
	for (i = 0; i < m.nresults && len < sizeof buf; i++)
		len += snprintf(buf + len, sizeof buf - len, "%s%u",
		    i ? "," : "", m.results[i]);
	return buf;
}

static const char *
value(size_t task)
{
	static char	buf[128];

	model_value_format(&m, task, buf, sizeof buf);
	return buf;
}

/* Line i of the output pane, or "(none)". */
static uint64_t
start_of(size_t i)
{
	uint64_t	s, e;

	model_task_when(&m, i, &s, &e);
	return s;
}

static uint64_t
end_of(size_t i)
{
	uint64_t	s, e;

	model_task_when(&m, i, &s, &e);
	return e;
}

static const char *
line(size_t i)
{
	const struct model_line	*l = model_line_get(&m, i);

	return l ? l->text : "(none)";
}

/* Events before run_start are not taken; run_start sizes the model. */
static void
test_start(void)
{
	model_init(&m);
	worker_start(0, 100);
	task_done(0, 0, 1);
	is_int(m.started + m.nevents + m.ndone, 0,
	    "events before run_start are not taken");
	is_int(m.raised, -1, "model_init: nothing raised");

	run_start(MODE_APPLY_ASYNC, 2, 3, 0);
	is_int(m.started, 1, "run_start: the run has started");
	is_int(m.nworkers, 2, "run_start: a slot per worker");
	is_int(m.ntasks, 3, "run_start: a task per task");
	ok(m.workers[0].state == WS_EXITED && m.workers[1].state == WS_EXITED &&
	    m.workers[0].task == -1 && m.workers[1].pid == 0,
	    "run_start: every slot empty (exited, no task, no PID)");
	ok(m.tasks[0].state == MT_PENDING && m.tasks[2].state == MT_PENDING,
	    "run_start: every task pending");
	is_int(m.nresults + m.next_unreceived, 0, "run_start: nothing received");
	model_free(&m);

	run_start(MODE_MAP, 0, 0, 0);
	is_int(m.nworkers, 1, "a pool of 0 workers still has one slot");
	ok(m.tasks == NULL && m.results == NULL,
	    "an empty list: no task and no result arrays");
	result(0, 0, 1, NULL);
	is_int(m.nresults, 0, "an empty list: a result is ignored");
	model_free(&m);
}

/* A worker's PID and state from worker_start to worker_exit. */
static void
test_workers(void)
{
	model_init(&m);
	run_start(MODE_APPLY_ASYNC, 2, 4, 0);
	worker_start(0, 100);
	worker_start(1, 101);
	ok(m.workers[0].pid == 100 && m.workers[1].pid == 101,
	    "worker_start: each slot has its PID");
	is_int(m.workers[0].state, WS_STARTING, "worker_start: starting");
	is_int(m.nworker_starts, 2, "worker_start: counted");
	worker_state(0, WS_IDLE);
	is_int(m.workers[0].state, WS_IDLE, "worker_state: idle");
	task_start(0, 0);
	is_int(m.workers[0].state, WS_BUSY, "task_start: the worker is busy");
	is_int(m.workers[0].task, 0, "task_start: with that task");
	task_done(0, 0, 1);
	is_int(m.workers[0].state, WS_IDLE, "task_done: idle again");
	ok(m.workers[0].task == -1 && m.workers[0].done == 1,
	    "task_done: no task, one done");

	worker_state(1, WS_PAUSED);
	task_start(1, 1);
	is_int(m.workers[1].state, WS_PAUSED,
	    "a task started on a paused worker leaves it paused");
	task_done(1, 1, 4);
	is_int(m.workers[1].state, WS_PAUSED,
	    "and its end leaves it paused too");

	sentinel(0, 100);
	is_int(m.workers[0].state, WS_EXITING, "sentinel: the worker is exiting");
	is_int(m.nsentinels, 1, "sentinel: counted");
	worker_exit(0, 100, WS_EXITED, "exited 0");
	is_int(m.workers[0].state, WS_EXITED, "worker_exit: exited");
	is_int(m.ncrashes, 0, "a clean exit is not a crash");

	task_start(2, 1);
	worker_exit(1, 101, WS_CRASHED, "killed by SIGSEGV");
	ok(m.workers[1].state == WS_CRASHED && m.workers[1].task == -1,
	    "worker_exit by a signal: crashed, without its task");
	is_int(m.ncrashes, 1, "the crash is counted");
	worker_start(1, 102);
	ok(m.workers[1].pid == 102 && m.workers[1].state == WS_STARTING &&
	    m.workers[1].processes == 2 && m.workers[1].done == 1,
	    "a new process in the slot: its PID, starting, the slot's second "
	    "process; the slot's done count goes on across its processes");
	is_int(m.nworker_starts, 3, "three processes started");

	spawn_fail(0, "fork: Resource temporarily unavailable", 1);
	ok(m.workers[0].no_process && m.nspawn_fails == 1 && m.spawn_live == 1,
	    "spawn_fail: the slot has no process, the failure and the workers "
	    "left are counted");
	is_str(m.spawn_error, "fork: Resource temporarily unavailable",
	    "spawn_fail: why");
	worker_start(0, 103);
	is_int(m.workers[0].no_process, 0, "a process in the slot again");
	model_free(&m);
}

/* Tasks through start, done, fail, retry and skip, and the counters. */
static void
test_tasks(void)
{
	struct event	ev;

	model_init(&m);
	run_start(MODE_APPLY_ASYNC, 2, 6, 0);
	ok(m.ends == NULL && m.starts == NULL, "without views no task's times "
	    "are kept (16 bytes a task nobody reads)");
	model_free(&m);
	model_init(&m);
	model_keep_views(&m);
	run_start(MODE_APPLY_ASYNC, 2, 6, 0);
	worker_start(0, 100);
	worker_start(1, 101);

	task_start(0, 0);
	is_int(m.tasks[0].state, MT_RUNNING, "task_start: running");
	ok(m.ends != NULL && m.where[0] == 0 && start_of(0) == now,
	    "task_start: on its worker, at its time");
	is_int(m.nrunning, 1, "one task running");
	now += 19 * MS;			/* it runs 20 ms */
	task_done(0, 0, 16);
	ok(m.tasks[0].state == MT_DONE && m.tasks[0].vkind == VAL_INT &&
	    m.values[0] == 16, "task_done: done, with its value");
	is_int(end_of(0), now, "task_done: its end");
	is_int(m.nrunning, 0, "none running");
	is_int(m.workers[0].busy_ns, 20 * MS,
	    "the worker was busy for the task's 20 ms");
	task_start(1, 0);
	ev = make_event(EV_TASK_DONE, 0, 0, 1);
	ev.vkind = VAL_INT;
	ev.value = 9;
	ev.has_stats = 1;
	ev.cpu_ns = 3 * MS;
	ev.wait_ns = 4 * MS;
	feed(&ev);
	is_int(m.workers[0].busy_ns, 27 * MS,
	    "with its own times, a task adds its cpu and wait time");

	task_start(2, 1);
	is_int(m.where[2], 1, "task_start: task 2 on worker 1");
	task_fail(2, 1, "fail: the task raised an error");
	ok(m.tasks[2].state == MT_FAILED && m.tasks[2].vkind == VAL_ERROR &&
	    m.where[2] == 1 && m.tasks[2].ran,
	    "task_fail: failed on its worker");
	is_str(value(2), "TaskError('fail: the task raised an error')",
	    "task_fail: its error, as Python prints it");
	is_int(m.workers[1].state, WS_IDLE, "task_fail: its worker is idle");

	task_start(3, 1);
	task_retry(3, 1, 1);
	ok(m.tasks[3].state == MT_PENDING && m.tasks[3].attempts == 1,
	    "task_retry: pending again, attempt 1");
	ok(m.nretried == 1 && m.nrunning == 0 && m.workers[1].task == -1,
	    "task_retry: counted; nothing running");
	task_start(3, 0);
	task_done(3, 0, 25);
	is_int(m.tasks[3].state, MT_DONE, "the retried task is done");

	task_skip(4, 0);
	is_int(m.tasks[4].state, MT_SKIPPED, "task_skip: skipped");
	task_skip(4, 0);
	is_int(m.nskipped, 1, "a task skipped twice is counted once");

	task_fail(5, -1, "no worker could start");
	ok(m.tasks[5].state == MT_FAILED && !m.tasks[5].ran &&
	    m.where[5] == -1,
	    "a task failed without a worker never ran");

	is_int(m.ndone, 3, "ndone: three tasks done");
	is_int(m.nfailed, 2, "nfailed: two failed");
	is_int(m.ncomputed, 4, "ncomputed: done, or failed on a worker");
	is_int(m.nunrun, 1, "nunrun: the one failed without a worker");
	is_int(m.nevents, 15, "every event after run_start is taken");

	run_end(3, 2, 1, 1);
	ok(m.ended && m.run.ok == 3 && m.run.failed == 2 && m.run.skipped == 1 &&
	    m.run.interrupted == 1 && m.run.wall_ns == now,
	    "run_end: ended, with its counts, wall time and interruption");
	model_free(&m);
}

/* The caller's results in arrival order; the first task without one. */
static void
test_results(void)
{
	int	i;

	model_init(&m);
	run_start(MODE_IMAP_UNORDERED, 2, 4, 0);
	for (i = 0; i < 4; i++) {
		task_start(i, i % 2);
		task_done(i, i % 2, (i + 1) * (i + 1));
	}
	result(1, 0, 4, NULL);
	is_int(m.next_unreceived, 0, "task 1 received: 0 is still due");
	result(0, 1, 1, NULL);
	is_int(m.next_unreceived, 2, "task 0 received: 2 is due (1 already is)");
	result(3, 2, 16, NULL);
	is_int(m.next_unreceived, 2, "task 3 received: 2 is still due");
	result(3, 3, 16, NULL);
	is_str(received(), "1,0,3", "a second result for a task is ignored");
	result(2, 3, 9, NULL);
	is_int(m.next_unreceived, 4, "all received: none due");
	is_str(received(), "1,0,3,2", "the results in arrival order");
	ok(m.tasks[0].received && m.tasks[3].received, "each task received");
	is_int(m.raised, -1, "no error: nothing raised");
	is_int(model_never_received(&m), 0, "every result computed was received");
	is_str(value(3), "16", "a result's value");
	model_free(&m);
}

/* Bulk events (no views): a run of instant tasks done, then a run of
 * results, give what the per-task events give. */
static void
test_bulk(void)
{
	const int64_t	values[] = { 9, 16, 25 };
	struct event	ev;
	int		i;

	model_init(&m);
	is_int(model_sink(&m).want & EVENT_BULK, EVENT_BULK,
	    "no views: the model takes bulk events");
	run_start(MODE_MAP, 2, 6, 0);
	worker_start(0, 100);
	worker_start(1, 101);
	for (i = 0; i < 2; i++) {
		task_start(i, 1);
		task_done(i, 1, (i + 1) * (i + 1));
	}
	ev = make_event(EV_TASKS_DONE, 0, 100, 2);
	ev.count = 3;
	ev.vkind = VAL_INT;
	ev.values = values;
	ev.t_start = now - 4 * MS;
	feed(&ev);
	is_int(m.ndone, 5, "a bulk event counts each task done");
	ok(m.tasks[2].state == MT_DONE && m.tasks[4].state == MT_DONE &&
	    m.tasks[5].state == MT_PENDING, "tasks 2..4 are done, 5 is not");
	is_str(value(4), "25", "each with its value");
	ok(m.tasks[3].ran && m.workers[0].done == 3,
	    "on its worker, which did three");
	is_int(m.workers[0].busy_ns, 4 * MS, "its busy time is the run's");
	ev = make_event(EV_TASKS_DONE, 1, 101, 5);
	ev.count = 1;
	ev.vkind = VAL_NONE;
	ev.t_start = now;
	ev.has_stats = 1;
	ev.cpu_ns = 7;
	ev.wait_ns = 1;
	feed(&ev);
	is_str(value(5), "None", "a run without values returned None");
	is_int(m.workers[1].busy_ns, 2 * MS + 8,
	    "its busy time grows by the counters' 8 ns");
	ev = make_event(EV_RESULTS, -1, 0, 0);
	ev.count = 6;
	feed(&ev);
	is_str(received(), "0,1,2,3,4,5", "a run of results, in order");
	is_int(m.next_unreceived, 6, "all received");
	is_int(model_never_received(&m), 0, "every result computed was received");
	ev = make_event(EV_TASKS_DONE, 0, 100, 4);
	ev.count = 3;
	feed(&ev);
	is_int(m.ndone, 6, "a run past the last task is ignored");
	ev = make_event(EV_RESULTS, -1, 0, 5);
	ev.count = 2;
	feed(&ev);
	is_int(m.nresults, 6, "and so is a run of results past it");
	model_free(&m);

	/* imap: chunk {0,1} raised at 1; the caller gets its exception. */
	model_init(&m);
	run_start(MODE_IMAP, 1, 4, 0);
	worker_start(0, 100);
	task_start(0, 0);
	task_done(0, 0, 1);
	task_start(1, 0);
	task_fail(1, 0, "boom");
	ev = make_event(EV_RESULTS, -1, 0, 1);
	ev.count = 1;
	feed(&ev);
	ok(m.raised == 1 && m.nresults == 1 && m.nresults_computed == 1,
	    "a run of results that is a failed task: the call raised it");
	is_int(model_never_received(&m), 1, "task 0's result was never "
	    "received");
	model_free(&m);

	model_init(&m);
	model_keep_views(&m);
	is_int(model_sink(&m).want & EVENT_BULK, EVENT_BULK,
	    "views: the model takes bulk events too");
	model_free(&m);
}

static void
no_event(void *arg, const struct event *ev)
{
	(void)arg;
	(void)ev;
}

/* A fan-out takes bulk events only if each reader of per-task events
 * does. */
static int
fanout_bulk(uint32_t want1, uint32_t want2)
{
	struct event_fanout	f;
	struct event_sink	s1 = { no_event, NULL, NULL, want1 };
	struct event_sink	s2 = { no_event, NULL, NULL, want2 };

	memset(&f, 0, sizeof f);
	event_fanout_add(&f, &s1);
	event_fanout_add(&f, &s2);
	return (event_fanout_sink(&f).want & EVENT_BULK) == EVENT_BULK;
}

static void
test_fanout_bulk(void)
{
	uint32_t	bulk = EVENT_BIT(EV_TASK_DONE) | EVENT_BIT(EV_RESULT) |
	    EVENT_BULK;

	is_int(fanout_bulk(bulk, 0), 1, "a bulk reader and one that reads no "
	    "task events: bulk");
	is_int(fanout_bulk(bulk, EVENT_BIT(EV_RUN_START)), 1,
	    "a bulk reader and one of run_start: bulk");
	is_int(fanout_bulk(bulk, EVENT_ALL), 0, "a bulk reader and one of every "
	    "event (--json, --record): per task");
	is_int(fanout_bulk(EVENT_BIT(EV_OUTPUT), bulk), 0,
	    "a reader of output that takes no bulk: per task");
	is_int(fanout_bulk(bulk, bulk), 1, "two bulk readers: bulk");
}

/* The task whose error ends the call: 3 tasks, task 1 fails, then the
 * caller gets 0's result and 1's error (and 2's, where the call goes on). */
static int64_t
raised(int mode, int keep_going)
{
	int64_t	r;

	model_init(&m);
	run_start(mode, 1, 3, keep_going);
	task_start(0, 0);
	task_done(0, 0, 1);
	task_start(1, 0);
	task_fail(1, 0, "boom");
	task_start(2, 0);
	task_fail(2, 0, "bang");
	result(0, 0, 1, NULL);
	result(1, 1, 0, "boom");
	result(2, 2, 0, "bang");
	r = m.raised;
	model_free(&m);
	return r;
}

static void
test_raised(void)
{
	is_int(raised(MODE_MAP, 0), 1, "map: the first error received raises");
	is_int(raised(MODE_IMAP, 0), 1, "imap: the error raises");
	is_int(raised(MODE_IMAP_UNORDERED, 0), 1, "imap_unordered: the error "
	    "raises");
	is_int(raised(MODE_APPLY, 0), -1, "apply: an error does not end the "
	    "calls");
	is_int(raised(MODE_APPLY_ASYNC, 0), -1, "apply_async: the error "
	    "callback gets it, nothing raises");
	is_int(raised(MODE_PROCESS, 0), -1, "process: nothing raises");
	is_int(raised(MODE_MAP, 1), -1, "map --keep-going: nothing raises");
	is_int(raised(MODE_IMAP_UNORDERED, 1), -1,
	    "imap_unordered --keep-going: nothing raises");

	/* map raised: the results computed after the error never reach the
	 * caller. */
	model_init(&m);
	run_start(MODE_MAP, 2, 4, 0);
	task_start(0, 0);
	task_done(0, 0, 1);
	task_start(1, 1);
	task_fail(1, 1, "boom");
	task_start(2, 0);
	task_done(2, 0, 9);
	task_start(3, 1);
	task_done(3, 1, 16);
	result(1, 0, 0, "boom");
	is_int(m.raised, 1, "map: the caller got task 1's error");
	is_int(model_never_received(&m), 3,
	    "map raised: three results computed and never received");
	model_free(&m);
}

/* process mode: join() gives the exit code, not what the target returned. */
static void
test_process(void)
{
	model_init(&m);
	run_start(MODE_PROCESS, 2, 2, 0);
	worker_start(0, 200);
	task_start(0, 0);
	task_done(0, 0, 15129);
	worker_exit(0, 200, WS_EXITED, "exited 0");
	result(0, 0, 0, NULL);
	worker_start(1, 201);
	task_start(1, 1);
	task_fail(1, 1, "killed by SIGSEGV");
	worker_exit(1, 201, WS_CRASHED, "killed by SIGSEGV");
	result(1, 1, -11, NULL);
	ok(m.tasks[0].vkind == VAL_INT && m.values[0] == 0,
	    "process: the result is the exit code 0, not the value 15129");
	is_str(value(0), "0", "process: shown as 0");
	is_str(value(1), "-11", "process: a crash gives its exit code, as join() "
	    "does, not an error");
	is_int(m.raised, -1, "process: nothing raised");
	is_int(model_never_received(&m), 0, "process: every join received");
	model_free(&m);
}

/* Output lines and unfinished lines, kept only with views. */
static void
test_output(void)
{
	char	longtext[400], hundred[101];
	int	i;

	model_init(&m);
	model_keep_views(&m);
	run_start(MODE_APPLY_ASYNC, 2, 4, 0);
	ok(m.lanes != NULL && m.lines != NULL && m.partial != NULL,
	    "views: lanes, lines and unfinished lines are kept");
	worker_start(0, 100);
	worker_start(1, 101);
	task_start(0, 0);
	output(0, 0, "square of 4 is 16\nsecond");
	is_int(model_lines_kept(&m), 1, "a whole line is kept; the rest waits");
	is_str(line(0), "square of 4 is 16", "the line, without its newline");
	output(0, 0, " line\n");
	is_str(line(1), "second line", "an unfinished line is joined to what "
	    "ends it");
	output(0, 0, "no newline");
	task_done(0, 0, 16);
	is_int(model_lines_kept(&m), 3, "task_done ends the task's unfinished "
	    "line");
	is_str(line(2), "no newline", "and it shows as a line of its own");

	task_start(1, 1);
	output(1, 1, "one");
	output(2, 1, "two\n");
	is_str(line(3), "one", "another task printing on the worker ends the "
	    "unfinished line");
	is_str(line(4), "two", "and its output is not glued to it");
	ok(model_line_get(&m, 3)->task == 1 && model_line_get(&m, 4)->task == 2 &&
	    model_line_get(&m, 4)->worker == 1,
	    "each line keeps its own task, and its worker");

	memset(longtext, 'x', sizeof longtext - 2);
	longtext[sizeof longtext - 2] = '\n';
	longtext[sizeof longtext - 1] = '\0';
	output(2, 1, longtext);
	is_int(strlen(line(5)), MODEL_LINE_MAX - 1,
	    "a line longer than the pane keeps its start");
	memset(hundred, 'y', sizeof hundred - 1);
	hundred[sizeof hundred - 1] = '\0';
	output(2, 1, hundred);
	output(2, 1, hundred);
	output(2, 1, "\n");
	is_int(strlen(line(6)), MODEL_LINE_MAX - 1,
	    "so does an unfinished line that grows past it");

	worker_start(1, 102);
	output(3, 1, "cut short");
	worker_exit(1, 102, WS_CRASHED, "killed by SIGSEGV");
	is_str(line(7), "cut short", "worker_exit ends its unfinished line");
	worker_start(1, 103);
	task_start(3, 1);
	output(3, 1, "last words");
	task_fail(3, 1, "boom");
	is_str(line(8), "last words", "task_fail ends its task's unfinished line");

	for (i = 0; i < MODEL_LINES; i++) {
		snprintf(longtext, sizeof longtext, "line %d\n", i);
		output(3, 0, longtext);
	}
	is_int(m.nlines, 9 + MODEL_LINES, "every line is counted");
	is_int(model_lines_kept(&m), MODEL_LINES, "the last MODEL_LINES are kept");
	is_str(line(0), "line 0", "the oldest kept line comes first");
	is_str(line(MODEL_LINES - 1), "line 1023", "the newest last");
	ok(model_line_get(&m, MODEL_LINES) == NULL, "line MODEL_LINES: none");

	ok(m.lanes[0].n == 1 && m.lanes[0].tasks[0] == 0 &&
	    m.lanes[1].n == 2 && m.lanes[1].tasks[0] == 1 &&
	    m.lanes[1].tasks[1] == 3,
	    "each worker's lane lists the tasks it started");
	ok(m.lanes[1].nspawns == 3 && m.lanes[1].pids[0] == 101 &&
	    m.lanes[1].pids[2] == 103, "and its processes' PIDs");
	is_int(m.task_ns_n, 1, "views: the task times for the mean");
	is_int(model_sink(&m).want, EVENT_ALL | EVENT_BULK,
	    "views: the model reads every event");
	model_free(&m);
	is_int(m.views, 1, "model_free keeps the choice of views");

	model_init(&m);
	run_start(MODE_APPLY_ASYNC, 1, 1, 0);
	worker_start(0, 100);
	task_start(0, 0);
	output(0, 0, "hello\nunfinished");
	task_done(0, 0, 1);
	ok(m.lines == NULL && m.lanes == NULL && m.partial == NULL,
	    "no views: no lines, lanes or unfinished lines");
	is_int(model_lines_kept(&m), 0, "no views: no line kept");
	ok(model_line_get(&m, 0) == NULL, "no views: line 0 is none");
	ok((model_sink(&m).want & (EVENT_BIT(EV_OUTPUT) |
	    EVENT_BIT(EV_TASK_START))) == 0 &&
	    (model_sink(&m).want & EVENT_BIT(EV_RESULT)) != 0,
	    "no views: the model reads neither output nor task_start");
	model_free(&m);
}

/* Lanes as drawn: a retried task's earlier run stays where it ran, failed
 * at the retry, while the task's own times are those of its next run; a
 * running task reaches now; the stop sentinel is marked. */
static void
test_lanes(void)
{
	struct model_span	sp;
	uint64_t		t_start, t_retry;

	model_init(&m);
	model_keep_views(&m);
	run_start(MODE_IMAP, 2, 3, 0);
	worker_start(0, 100);
	worker_start(1, 101);
	task_start(0, 0);
	t_start = now;
	task_retry(0, 0, 1);
	t_retry = now;
	worker_start(0, 102);
	task_start(0, 0);
	task_start(1, 1);
	task_done(0, 0, 1);
	ok(m.lanes[0].n == 2 && (m.lanes[0].tasks[0] & MODEL_LANE_PAST) &&
	    m.lanes[0].tasks[1] == 0, "a retried run is a past run on its lane; "
	    "the next run follows it");
	model_lane_span(&m, &m.lanes[0], 0, now, &sp);
	ok(sp.task == 0 && sp.start == t_start && sp.end == t_retry &&
	    sp.state == MT_FAILED && sp.past, "the past run keeps its times "
	    "and shows as failed");
	model_lane_span(&m, &m.lanes[0], 1, now, &sp);
	ok(sp.task == 0 && sp.start == t_retry + 2 * MS && sp.end == now &&
	    sp.state == MT_DONE && !sp.past, "the task's next run, done");
	model_lane_span(&m, &m.lanes[1], 0, now + 5 * MS, &sp);
	ok(sp.task == 1 && sp.state == MT_RUNNING && sp.end == now + 5 * MS,
	    "a running task's span reaches now");
	sentinel(1, 101);
	ok(m.lanes[1].sentinel && m.lanes[1].sentinel_t == now &&
	    !m.lanes[0].sentinel, "the stop sentinel is marked on its lane");
	model_free(&m);
}

/* model_free, and a second run_start, leave nothing of the first run. */
static void
test_reset(void)
{
	model_init(&m);
	model_keep_views(&m);
	run_start(MODE_MAP, 3, 5, 0);
	worker_start(0, 100);
	task_start(0, 0);
	output(0, 0, "text\n");
	task_fail(0, 0, "boom");
	task_start(1, 0);
	task_done(1, 0, 4);
	task_skip(2, 0);
	sentinel(0, 100);
	spawn_fail(1, "fork: no", 1);
	result(0, 0, 0, "boom");
	run_end(1, 1, 1, 0);

	run_start(MODE_APPLY, 2, 2, 1);
	ok(m.run.mode == MODE_APPLY && m.nworkers == 2 && m.ntasks == 2 &&
	    m.run.keep_going == 1, "a second run_start: the new run's shape");
	ok(m.ndone + m.nfailed + m.nskipped + m.ncomputed + m.nunrun +
	    m.nsentinels + m.nworker_starts + m.nspawn_fails + m.nretried +
	    m.nrunning == 0, "a second run_start: every counter back to 0");
	ok(m.nresults == 0 && m.next_unreceived == 0 && m.raised == -1 &&
	    m.errors == NULL && !m.ended && m.nevents == 0,
	    "a second run_start: no result, nothing raised, no error, not ended");
	ok(m.workers[0].pid == 0 && m.workers[0].processes == 0 &&
	    m.tasks[0].state == MT_PENDING && m.tasks[1].state == MT_PENDING,
	    "a second run_start: empty slots, pending tasks");
	ok(m.views && m.nlines == 0 && m.lines != NULL && m.lanes[0].n == 0 &&
	    m.spawn_error[0] == '\0',
	    "a second run_start: views still on, no line, empty lanes, no "
	    "spawn error");
	task_start(0, 1);
	task_done(0, 1, 1);
	result(0, 0, 1, NULL);
	is_str(received(), "0", "the second run's results");
	model_free(&m);
	ok(m.workers == NULL && m.tasks == NULL && m.results == NULL &&
	    m.lines == NULL && m.started == 0 && m.ntasks == 0 &&
	    m.raised == -1, "model_free: nothing left");
	model_free(&m);
	ok(m.workers == NULL && m.results == NULL && m.raised == -1,
	    "model_free twice: still empty");
}

/* Events naming a task or worker out of range change no task and no slot
 * (and do not crash); a task's event naming a worker out of range still
 * counts for the task.  (sentinel and spawn_fail still count such a worker
 * in nsentinels and nspawn_fails: not checked here.) */
static void
test_out_of_range(void)
{
	static const int	workers[] = { -1, 2, 1000 };
	static const int64_t	tasks[] = { -1, 3, 1 << 30 };
	size_t			i;

	model_init(&m);
	model_keep_views(&m);
	run_start(MODE_MAP, 2, 3, 0);
	worker_start(0, 100);
	worker_start(1, 101);
	for (i = 0; i < sizeof tasks / sizeof tasks[0]; i++) {
		task_start(tasks[i], 0);
		task_done(tasks[i], 0, 1);
		task_fail(tasks[i], 0, "boom");
		task_retry(tasks[i], 0, 1);
		task_skip(tasks[i], 0);
		result(tasks[i], 0, 1, "boom");
		output(tasks[i], 0, "out of range\n");
	}
	ok(m.nrunning + m.ndone + m.nfailed + m.nretried + m.nskipped +
	    m.nresults + m.ncomputed == 0 && m.raised == -1,
	    "tasks -1, 3 and 2^30 of 3: no task counted, nothing received");
	ok(m.workers[0].task == -1 && m.workers[0].done == 0 &&
	    m.workers[0].busy_ns == 0, "and worker 0 never had a task");
	for (i = 0; i < sizeof workers / sizeof workers[0]; i++) {
		worker_start(workers[i], 999);
		worker_state(workers[i], WS_BUSY);
		output(0, workers[i], "nobody's\n");
		sentinel(workers[i], 999);
		spawn_fail(workers[i], "fork: no", 1);
		worker_exit(workers[i], 999, WS_CRASHED, "killed by SIGKILL");
	}
	ok(m.nworker_starts == 2 && m.ncrashes == 0 &&
	    m.workers[0].pid == 100 && m.workers[1].pid == 101 &&
	    m.workers[0].state == WS_STARTING && m.workers[1].state ==
	    WS_STARTING, "workers -1, 2 and 1000 of 2: no slot changed");
	is_int(model_lines_kept(&m), 3,
	    "no output line from them (the 3 kept are worker 0's, printed for "
	    "tasks out of range)");
	task_start(0, 1000);
	is_int(m.tasks[0].state, MT_RUNNING,
	    "a task started on worker 1000 still runs");
	task_done(0, 1000, 1);
	ok(m.tasks[0].state == MT_DONE && m.ndone == 1 && m.nrunning == 0,
	    "and is done");
	ok(m.lanes[0].n == 0 && m.lanes[1].n == 0,
	    "without a lane of its own");
	model_free(&m);
}

/* A timed bulk event (for the views): tasks first .. first + n - 1 on w,
 * the first from start, ending at ends[]. */
static void
tasks_done_timed(int w, pid_t pid, int64_t first, size_t n, uint64_t start,
    const uint64_t *ends, const int64_t *values, const struct tasklist *tl)
{
	static struct event_bulk	bk;
	struct event			ev = make_event(EV_TASKS_DONE, w, pid,
	    first);

	bk.ends = ends;
	bk.chunk = first;
	bk.tl = tl;
	ev.t = ends[n - 1];
	ev.count = n;
	ev.vkind = VAL_INT;
	ev.values = values;
	ev.t_start = start;
	ev.bulk = &bk;
	feed(&ev);
}

/* Bulk events with views (the screen): each task's times, lane and line,
 * as its per-task events would have given them. */
static void
test_bulk_views(void)
{
	static uint64_t	ends[3000];
	static int64_t	values[3000];
	const uint64_t	e0[] = { 110, 120, 135 }, e1[] = { 115, 125, 130 };
	const int64_t	v0[] = { 1, 4, 9 }, v1[] = { 16, 25, 36 };
	struct event	ev;
	struct tasklist	tl;
	char		err[256];
	size_t		i;

	memset(&tl, 0, sizeof tl);
	if (tasklist_parse(&tl, "--tasks", "square 1..3010", 14, 1, err,
	    sizeof err) != 0)
		fatalx("%s", err);
	model_init(&m);
	model_keep_views(&m);
	is_int(model_sink(&m).want, EVENT_ALL | EVENT_BULK,
	    "views: the model reads every event, and runs of them");
	run_start(MODE_MAP, 2, 3010, 0);
	worker_start(0, 100);
	worker_start(1, 101);
	output(-1, 0, "half a line");
	tasks_done_timed(0, 100, 0, 3, 100, e0, v0, &tl);
	tasks_done_timed(1, 101, 3, 3, 105, e1, v1, &tl);
	ok(start_of(0) == 100 && end_of(0) == 110 &&
	    start_of(1) == 110 && end_of(1) == 120 &&
	    start_of(2) == 120 && end_of(2) == 135,
	    "each task of a run began as the one before it ended");
	ok(start_of(3) == 105 && end_of(5) == 130 &&
	    m.where[4] == 1 && m.where[2] == 0, "on the slot that ran it");
	ok(m.lanes[0].n == 3 && m.lanes[0].tasks[2] == 2 &&
	    m.lanes[1].n == 3 && m.lanes[1].tasks[0] == 3,
	    "each worker's lane lists the run's tasks");
	ok(!m.tasks[0].chained && m.tasks[1].chained && m.tasks[2].chained &&
	    !m.tasks[3].chained, "only a run's first keeps a start of its own");
	is_int(m.task_ns_n, 6, "each counts for the mean task time");
	is_int(m.task_ns_sum, 35 + 25, "with its own time");
	ok(m.workers[0].state == WS_IDLE && m.workers[0].task == -1 &&
	    m.workers[1].done == 3, "the worker is idle after its run");
	is_int(model_lines_kept(&m), 7, "a line for each task, made when read");
	is_str(line(0), "half a line", "a line left unended ends before the "
	    "run's first");
	is_str(line(1), "square of 1 is 1", "the lines as printed, in the "
	    "order they were printed across the workers");
	is_str(line(2), "square of 4 is 16", "(task 3 began at 105)");
	is_str(line(3), "square of 2 is 4", "(task 1 at 110)");
	is_str(line(6), "square of 6 is 36", "(task 5 at 125)");
	ok(model_line_get(&m, 2)->worker == 1 &&
	    model_line_get(&m, 2)->task == 3 && model_line_get(&m, 2)->t == 105,
	    "each with its worker, task and time");
	output(6, 1, "later\n");
	is_str(line(7), "later", "a line printed after the run comes after it");

	for (i = 0; i < 3000; i++) {
		ends[i] = 1000 + i;
		values[i] = (int64_t)(i + 7) * (int64_t)(i + 7);
	}
	tasks_done_timed(0, 100, 6, 1000, 200, ends, values, &tl);
	tasks_done_timed(0, 100, 1006, 2000, 1999, ends + 1000, values + 1000,
	    &tl);
	is_int(model_lines_kept(&m), MODEL_LINES, "the last MODEL_LINES kept");
	is_str(line(MODEL_LINES - 1), "square of 3006 is 9036036",
	    "the newest last");
	is_str(line(0), "square of 1983 is 3932289", "the oldest kept first");
	is_str(value(3005), "9036036", "each task's value");

	/* Results arriving together share one time (a run of arrivals). */
	ev = make_event(EV_RESULTS, -1, 0, 0);
	ev.t = 5000;
	ev.count = 3;
	feed(&ev);
	ev = make_event(EV_RESULT, -1, 0, 3);
	ev.t = 6000;
	ev.vkind = VAL_INT;
	feed(&ev);
	ev = make_event(EV_RESULTS, -1, 0, 4);
	ev.t = 5500;		/* never earlier than the one before */
	ev.count = 2;
	feed(&ev);
	ok(m.nresults == 6 && m.nrt == 2, "six results in two runs of "
	    "arrivals (%zu)", m.nrt);
	ok(model_result_time(&m, 0) == 5000 && model_result_time(&m, 2) == 5000 &&
	    model_result_time(&m, 3) == 6000 && model_result_time(&m, 5) == 6000,
	    "each result's time");
	ok(model_results_before(&m, 5000) == 0 &&
	    model_results_before(&m, 5001) == 3 &&
	    model_results_before(&m, 6000) == 3 &&
	    model_results_before(&m, 6001) == 6, "results before a time");
	run_end(3006, 0, 0, 0);
	model_free(&m);
	tasklist_free(&tl);
}

int
main(void)
{
	test_start();
	test_workers();
	test_tasks();
	test_results();
	test_bulk();
	test_bulk_views();
	test_fanout_bulk();
	test_raised();
	test_process();
	test_output();
	test_lanes();
	test_reset();
	test_out_of_range();
	return tap_done();
}
