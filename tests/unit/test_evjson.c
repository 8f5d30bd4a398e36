/*
 * test_evjson.c: the event stream's JSON shape, written and read back for
 * every event type: what --batch --json and --record write, --replay
 * reads, the same.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/event.h"
#include "batch/evjson.h"
#include "replay/json.h"
#include "tap.h"

static struct run_info	start = { .mode = MODE_IMAP, .workers = 4, .cpus = 2,
    .tasks = 10, .chunksize = 3, .keep_going = 1, .pace_ms = 300 };
static struct run_info	end = { .mode = MODE_IMAP, .workers = 4, .cpus = 2,
    .tasks = 10, .chunksize = 3, .keep_going = 1, .pace_ms = 300, .ok = 6, .failed = 2,
    .skipped = 2, .wall_ns = 1500000000, .busy_ns = 2500000000,
    .cpu_ns = 1000000000, .wait_ns = 1500000000, .runq_ns = 250000000,
    .paused_ns = 3000000000, .interrupted = 0 };

/* An event of each type with every field it carries set. */
static void
sample(int type, struct event *ev)
{
	event_init(ev, type, 2, 4242, 7);
	ev->t = 1234567000;
	switch (type) {
	case EV_RUN_START:
		ev->worker = -1;
		ev->pid = 0;
		ev->task = -1;
		ev->run = &start;
		break;
	case EV_RUN_END:
		ev->worker = -1;
		ev->pid = 0;
		ev->task = -1;
		ev->run = &end;
		break;
	case EV_TASK_START:
		ev->chunk = 2;
		break;
	case EV_OUTPUT:
		ev->text = "square of 8 is 64\n\t\"x\"\\";
		ev->len = strlen(ev->text);
		ev->pid = 0;
		break;
	case EV_TASK_DONE:
		ev->vkind = VAL_INT;
		ev->value = -64;
		ev->has_stats = 1;
		ev->cpu_ns = 1000;
		ev->wait_ns = 2000000;
		ev->pid = 0;
		break;
	case EV_TASK_FAIL:
	case EV_TASK_RETRY:
		ev->vkind = VAL_ERROR;
		ev->text = "worker 2 (pid 4242) killed by SIGSEGV while running "
		    "task 7";
		ev->len = strlen(ev->text);
		ev->state = type == EV_TASK_RETRY ? 1 : 0;
		ev->has_stats = 1;
		ev->cpu_ns = 5000;
		ev->wait_ns = 0;
		ev->pid = 0;
		break;
	case EV_RESULT:
		ev->worker = -1;
		ev->pid = 0;
		ev->seq = 3;
		ev->vkind = VAL_ERROR;
		ev->text = "fail: it's an 'error'";
		ev->len = strlen(ev->text);
		break;
	case EV_WORKER_EXIT:
		ev->task = -1;
		ev->text = "killed by SIGKILL";
		ev->len = strlen(ev->text);
		ev->state = WS_CRASHED;
		break;
	case EV_WORKER_STATE:
		ev->task = -1;
		ev->state = WS_STOPPED;
		ev->text = "SIGSTOP by someone else";
		ev->len = strlen(ev->text);
		break;
	case EV_SPAWN_FAIL:
		ev->task = -1;
		ev->pid = 0;
		ev->text = "fork: Resource temporarily unavailable";
		ev->len = strlen(ev->text);
		ev->state = 3;
		break;
	case EV_TASK_SKIP:
		ev->pid = 0;
		ev->chunk = 2;
		ev->seq = 6;
		break;
	case EV_SENTINEL:
	case EV_WORKER_START:
		ev->task = -1;
		break;
	case EV_TASK_SUBMIT:
		ev->worker = -1;
		ev->pid = 0;
		ev->chunk = 1;
		ev->task = 0;
		ev->text = "square('\\x', \"y\")";
		ev->len = strlen(ev->text);
		break;
	}
}

static int
same_text(const struct event *a, const struct event *b)
{
	if (a->text == NULL || b->text == NULL)
		return a->text == b->text || (a->len == 0 && b->len == 0);
	return a->len == b->len && memcmp(a->text, b->text, a->len) == 0;
}

static int
same_run(const struct run_info *a, const struct run_info *b)
{
	return a->mode == b->mode && a->workers == b->workers &&
	    a->cpus == b->cpus && a->tasks == b->tasks &&
	    a->chunksize == b->chunksize && a->keep_going == b->keep_going &&
	    a->pace_ms == b->pace_ms &&
	    a->ok == b->ok && a->failed == b->failed &&
	    a->skipped == b->skipped && a->wall_ns == b->wall_ns &&
	    a->busy_ns == b->busy_ns && a->cpu_ns == b->cpu_ns &&
	    a->wait_ns == b->wait_ns && a->runq_ns == b->runq_ns &&
	    a->paused_ns == b->paused_ns && a->program == b->program &&
	    strcmp(a->command, b->command) == 0 &&
	    a->exit_code == b->exit_code;
}

/* ev written and read back with rd: 1 if every field is the same. */
static int
round_trip(struct evjson_reader *rd, struct json_obj *obj,
    const struct event *ev)
{
	struct event	 back;
	char		*line = NULL, err[256];
	size_t		 len = 0;
	FILE		*f = open_memstream(&line, &len);
	int		 ok;

	evjson_write(f, ev);
	fclose(f);
	ok = len > 0 && json_parse_object(obj, line, len - 1, err,
	    sizeof err) == 0 && evjson_read(rd, obj, &back, err,
	    sizeof err) == 0;
	ok = ok && back.type == ev->type && back.task == ev->task &&
	    back.worker == ev->worker && back.chunk == ev->chunk &&
	    back.vkind == ev->vkind && back.value == ev->value &&
	    same_text(ev, &back) && (ev->run == NULL || (back.run != NULL &&
	    same_run(ev->run, back.run)));
	if (!ok)
		printf("# %s# %s\n", line ? line : "", err);
	free(line);
	return ok;
}

/* A Python program's run: its tasks come with task_submit, its values
 * and exceptions are Python reprs, its run_end says how it ended. */
static void
program_round_trip(void)
{
	static struct run_info	 pstart = { .mode = MODE_MAP, .workers = 5,
	    .cpus = 2, .chunksize = 1, .keep_going = 1, .program = 1,
	    .command = "python3 seed.py" };
	static struct run_info	 pend;
	struct evjson_reader	 rd;
	struct json_obj		 obj;
	struct event		 ev;

	memset(&rd, 0, sizeof rd);
	memset(&obj, 0, sizeof obj);
	pend = pstart;
	pend.tasks = 2;
	pend.ok = 1;
	pend.failed = 1;
	pend.exit_code = -15;
	event_init(&ev, EV_RUN_START, -1, 0, -1);
	ev.run = &pstart;
	is_int(round_trip(&rd, &obj, &ev), 1, "program: run_start");
	event_init(&ev, EV_TASK_SUBMIT, -1, 0, 0);
	ev.text = "square(7)";
	ev.len = 9;
	is_int(round_trip(&rd, &obj, &ev), 1, "program: task_submit 0");
	ev.task = 1;
	ev.chunk = 1;
	ev.text = "greet('x')";
	ev.len = 10;
	is_int(round_trip(&rd, &obj, &ev), 1, "program: task_submit 1, the "
	    "tasks grow");
	ev.task = 5;
	is_int(round_trip(&rd, &obj, &ev), 0, "program: a task_submit "
	    "out of turn is refused");
	event_init(&ev, EV_TASK_DONE, 0, 0, 1);
	ev.vkind = VAL_TEXT;
	ev.text = "'hello x'";
	ev.len = 9;
	is_int(round_trip(&rd, &obj, &ev), 1, "program: a value's repr");
	event_init(&ev, EV_TASK_FAIL, 1, 0, 0);
	ev.vkind = VAL_EXC;
	ev.text = "ValueError('bad 7')";
	ev.len = strlen(ev.text);
	is_int(round_trip(&rd, &obj, &ev), 1, "program: an exception");
	event_init(&ev, EV_RESULT, -1, 0, 0);
	ev.vkind = VAL_EXC;
	ev.text = "ValueError('bad 7')";
	ev.len = strlen(ev.text);
	is_int(round_trip(&rd, &obj, &ev), 1, "program: the caller got it");
	event_init(&ev, EV_RUN_END, -1, 0, -1);
	ev.run = &pend;
	is_int(round_trip(&rd, &obj, &ev), 1, "program: run_end, killed by "
	    "SIGTERM");
	json_obj_free(&obj);
	evjson_reader_free(&rd);
}

int
main(void)
{
	struct evjson_reader	 rd;
	struct json_obj		 obj;
	struct event		 ev, back;
	char			*line, err[256];
	size_t			 len;
	FILE			*f;
	int			 type, ok;

	memset(&rd, 0, sizeof rd);
	memset(&obj, 0, sizeof obj);
	rd.ntasks = 10;
	for (type = 0; type < EV_NTYPES; type++) {
		sample(type, &ev);
		if (type == EV_TASK_SUBMIT) {
			/* Not in a run of poolscope's own tasks. */
			is_int(round_trip(&rd, &obj, &ev), 0, "task_submit is "
			    "refused in a run of poolscope's own tasks");
			continue;
		}
		line = NULL;
		len = 0;
		f = open_memstream(&line, &len);
		evjson_write(f, &ev);
		fclose(f);
		ok = len > 0 && line[len - 1] == '\n';
		is_int(ok, 1, "%s: one line", event_type_name(type));
		err[0] = '\0';
		ok = json_parse_object(&obj, line, len - 1, err,
		    sizeof err) == 0 && evjson_read(&rd, &obj, &back, err,
		    sizeof err) == 0;
		if (!ok)
			printf("# %s\n# %s", err, line);
		is_int(ok, 1, "%s: read back", event_type_name(type));
		if (!ok) {
			free(line);
			continue;
		}
		ok = back.type == ev.type && back.t == ev.t &&
		    back.worker == ev.worker && back.pid == ev.pid &&
		    back.task == ev.task && back.chunk == ev.chunk &&
		    back.seq == ev.seq && back.state == ev.state &&
		    back.vkind == ev.vkind && back.value == ev.value &&
		    back.has_stats == ev.has_stats &&
		    back.cpu_ns == ev.cpu_ns && back.wait_ns == ev.wait_ns &&
		    same_text(&ev, &back) && (ev.run == NULL ||
		    (back.run != NULL && same_run(ev.run, back.run)));
		if (!ok)
			printf("# %s", line);
		is_int(ok, 1, "%s: every field the same", event_type_name(type));
		free(line);
	}
	/* A worker out of range is refused, with the field named. */
	line = "{\"t\":0,\"ev\":\"sentinel\",\"worker\":9,\"pid\":1}";
	ok = json_parse_object(&obj, line, strlen(line), err, sizeof err) == 0 &&
	    evjson_read(&rd, &obj, &back, err, sizeof err) == -1;
	is_int(ok, 1, "a worker out of range is refused");
	is_str(err, "'worker' 9 is out of range (0..3)", "and named");
	/* A run_start written before --pace (no pace_ms) reads as no pace; a
	 * pace out of range is refused. */
	line = "{\"t\":0,\"ev\":\"run_start\",\"mode\":\"map\",\"workers\":4,"
	    "\"cpus\":2,\"tasks\":10,\"chunksize\":3}";
	ok = json_parse_object(&obj, line, strlen(line), err, sizeof err) == 0 &&
	    evjson_read(&rd, &obj, &back, err, sizeof err) == 0;
	is_int(ok && back.run != NULL ? back.run->pace_ms : -1, 0,
	    "a run_start without pace_ms (an older recording): no pace");
	line = "{\"t\":0,\"ev\":\"run_start\",\"mode\":\"map\",\"workers\":4,"
	    "\"cpus\":2,\"tasks\":10,\"chunksize\":3,\"pace_ms\":60001}";
	ok = json_parse_object(&obj, line, strlen(line), err, sizeof err) == 0 &&
	    evjson_read(&rd, &obj, &back, err, sizeof err) == -1;
	is_int(ok, 1, "a pace_ms over 60000 is refused");
	is_str(err, "'pace_ms' 60001 is out of range (0..60000)", "and named");
	line = "{\"t\":0,\"ev\":\"nope\"}";
	ok = json_parse_object(&obj, line, strlen(line), err, sizeof err) == 0 &&
	    evjson_read(&rd, &obj, &back, err, sizeof err) == -1;
	is_str(err, "unknown event 'nope'", "an unknown event is refused");
	json_obj_free(&obj);
	evjson_reader_free(&rd);
	program_round_trip();
	return tap_done();
}
