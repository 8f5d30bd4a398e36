/*
 * test_evjson.c: the event stream's JSON shape, written and read back for
 * every event type: what --batch --json and --record write, --replay
 * reads, the same.
 */
#include "config.h"

#include <stdint.h>
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

/* line parsed into obj: 0, or -1 with the message in err. */
static int
parse(struct json_obj *obj, const char *line, char *err, size_t errlen)
{
	err[0] = '\0';
	return json_parse_object(obj, line, strlen(line), err, errlen);
}

/* The whole number field key of obj, or -1 if there is none. */
static long long
num(const struct json_obj *obj, const char *key)
{
	const struct json_field	*f = json_get(obj, key);

	return f != NULL && f->type == J_NUM ? f->inum : -1;
}

/*
 * The JSON reader where its short cuts end: names found by their words
 * (a repeated name, an escaped one, names of eight bytes and more),
 * strings scanned a word at a time with the byte that ends a run at each
 * place in a word, and the limits, with the same messages and columns.
 */
static void
json_edges(void)
{
	struct json_obj	 obj;
	char		 line[256], want[256], err[256];
	const struct json_field *f;
	int		 i, k, ok;

	memset(&obj, 0, sizeof obj);
	ok = parse(&obj, "{\"a\":1,\"b\":2,\"a\":3}", err, sizeof err) == 0;
	is_int(ok ? num(&obj, "a") : -2, 1, "json: a repeated name is its "
	    "first field");
	ok = parse(&obj, "{\"\\u0074\":5,\"t\":6}", err, sizeof err) == 0;
	is_int(ok ? num(&obj, "t") : -2, 5, "json: an escaped name is the "
	    "name it spells");
	ok = parse(&obj, "{\"t\\u0000x\":7,\"t\":8}", err, sizeof err) == 0;
	is_int(ok ? num(&obj, "t") : -2, 7, "json: a name with \\u0000 is "
	    "the C string before it");
	ok = parse(&obj, "{\"call_seq\":1,\"keep_going\":2,\"call_se\":3,"
	    "\"a_name_of_thirty_one_bytes_long\":4,\"x\":5}", err,
	    sizeof err) == 0;
	is_int(ok, 1, "json: names of 7, 8, 10 and 31 bytes");
	is_int(num(&obj, "call_seq"), 1, "json: a name of 8 bytes");
	is_int(num(&obj, "keep_going"), 2, "json: a name of 10 bytes");
	is_int(num(&obj, "call_se"), 3, "json: a name of 7 bytes beside one "
	    "of 8 that starts the same");
	is_int(num(&obj, "a_name_of_thirty_one_bytes_long"), 4,
	    "json: a name of 31 bytes");
	ok = json_get(&obj, "call_seqx") == NULL &&
	    json_get(&obj, "keep_goin") == NULL &&
	    json_get(&obj, "call_s") == NULL && json_get(&obj, "") == NULL &&
	    json_get(&obj, "a_name_of_thirty_one_bytes_long_") == NULL;
	is_int(ok, 1, "json: names that only start or end the same are "
	    "not found");
	ok = parse(&obj, "{\"\":9}", err, sizeof err) == 0;
	is_int(ok ? num(&obj, "") : -2, 9, "json: an empty name");
	is_int(parse(&obj, "{\"a_name_of_thirty_two_bytes_long_\":1}", err,
	    sizeof err), -1, "json: a name of 32 bytes is refused");
	is_str(err, "column 36: a field name is too long", "json: and said "
	    "where");

	/* 24 fields, each found; a 25th is one too many. */
	strcpy(line, "{");
	for (i = 0; i < JSON_MAX_FIELDS; i++)
		snprintf(line + strlen(line), sizeof line - strlen(line),
		    "%s\"k%d\":%d", i > 0 ? "," : "", i, i);
	strcat(line, "}");
	ok = parse(&obj, line, err, sizeof err) == 0;
	for (i = 0; ok && i < JSON_MAX_FIELDS; i++) {
		snprintf(want, sizeof want, "k%d", i);
		ok = num(&obj, want) == i;
	}
	is_int(ok, 1, "json: each of %d fields is found", JSON_MAX_FIELDS);
	line[strlen(line) - 1] = '\0';
	strcat(line, ",\"k\":0}");
	is_int(parse(&obj, line, err, sizeof err), -1, "json: a field more "
	    "is refused");
	is_int(strncmp(err, "column ", 7) == 0 &&
	    strstr(err, ": too many fields") != NULL, 1, "json: as too many");

	/* The byte that ends a run of plain bytes at each place in a word. */
	for (k = 0; k < 20; k++) {
		snprintf(line, sizeof line, "{\"s\":\"%.*s\\\"%.*s\\u00e9\"}",
		    k, "abcdefghijklmnopqrstuvwxyz", k, "ABCDEFGHIJKLMNOPQRSTU");
		snprintf(want, sizeof want, "%.*s\"%.*s\xc3\xa9", k,
		    "abcdefghijklmnopqrstuvwxyz", k, "ABCDEFGHIJKLMNOPQRSTU");
		ok = parse(&obj, line, err, sizeof err) == 0 &&
		    (f = json_get(&obj, "s")) != NULL && f->type == J_STR &&
		    f->len == strlen(want) && strcmp(f->str, want) == 0;
		if (!ok)
			break;
		snprintf(line, sizeof line, "{\"s\":\"%.*s\x01\"}", k,
		    "abcdefghijklmnopqrstuvwxyz");
		snprintf(want, sizeof want, "column %d: a control character "
		    "inside a string", 7 + k);
		ok = parse(&obj, line, err, sizeof err) == -1 &&
		    strcmp(err, want) == 0;
		if (!ok)
			break;
		snprintf(line, sizeof line, "{\"s\":\"%.*s", k,
		    "abcdefghijklmnopqrstuvwxyz");
		snprintf(want, sizeof want, "column %d: a string is not closed",
		    7 + k);
		ok = parse(&obj, line, err, sizeof err) == -1 &&
		    strcmp(err, want) == 0;
		if (!ok)
			break;
		snprintf(line, sizeof line, "{\"%.*s\x7f\\/\":%d}", k,
		    "abcdefghijklmnopqrstuvwxyz", k);
		snprintf(want, sizeof want, "%.*s\x7f/", k,
		    "abcdefghijklmnopqrstuvwxyz");
		ok = parse(&obj, line, err, sizeof err) == 0 &&
		    num(&obj, want) == k;
		if (!ok)
			break;
	}
	if (!ok)
		printf("# %s\n# %s\n", line, err);
	is_int(k, 20, "json: strings and names read right, and refused at "
	    "the right column, whatever their length");
	/* Two strings of a line are both kept, however long. */
	ok = parse(&obj, "{\"a\":\"0123456789abcdef\",\"b\":\"\\\"\\\\\"}",
	    err, sizeof err) == 0 && (f = json_get(&obj, "a")) != NULL &&
	    strcmp(f->str, "0123456789abcdef") == 0 &&
	    (f = json_get(&obj, "b")) != NULL && strcmp(f->str, "\"\\") == 0;
	is_int(ok, 1, "json: every string of a line is kept");
	json_obj_free(&obj);
}

/* A task_done whose result is s: its value, or -1 with err set. */
static long long
result_of(struct evjson_reader *rd, struct json_obj *obj, const char *s,
    char *err, size_t errlen)
{
	struct event	 ev;
	char		 line[256];

	snprintf(line, sizeof line, "{\"t\":1,\"ev\":\"task_done\",\"task\":0,"
	    "\"worker\":0,\"result\":\"%s\"}", s);
	if (parse(obj, line, err, errlen) != 0 ||
	    evjson_read(rd, obj, &ev, err, errlen) != 0)
		return -1;
	return ev.vkind == VAL_INT ? ev.value : -2;
}

/* Results read as strtoll reads them, digits alone or not. */
static void
result_edges(void)
{
	struct evjson_reader	 rd;
	struct json_obj		 obj;
	struct event		 ev;
	char			 err[256];
	int			 ok;

	memset(&rd, 0, sizeof rd);
	memset(&obj, 0, sizeof obj);
	rd.ntasks = 10;
	rd.start = start;
	is_int(result_of(&rd, &obj, "16", err, sizeof err), 16, "result: 16");
	is_int(result_of(&rd, &obj, "-0", err, sizeof err), 0, "result: -0");
	is_int(result_of(&rd, &obj, "007", err, sizeof err), 7,
	    "result: 007");
	is_int(result_of(&rd, &obj, "-999999999999999999", err, sizeof err),
	    -999999999999999999LL, "result: 18 digits");
	is_int(result_of(&rd, &obj, "9223372036854775807", err, sizeof err),
	    9223372036854775807LL, "result: the largest");
	is_int(result_of(&rd, &obj, "-9223372036854775808", err, sizeof err),
	    INT64_MIN, "result: the smallest");
	is_int(result_of(&rd, &obj, "+5", err, sizeof err), 5, "result: +5");
	is_int(result_of(&rd, &obj, " 5", err, sizeof err), 5, "result: ' 5'");
	is_int(result_of(&rd, &obj, "5\\u00007", err, sizeof err), 5,
	    "result: a NUL ends it");
	is_int(result_of(&rd, &obj, "9223372036854775808", err, sizeof err),
	    -1, "result: one too large is refused");
	is_str(err, "a result must be a whole number, None or TaskError('...'), "
	    "not '9223372036854775808'", "and said");
	is_int(result_of(&rd, &obj, "-", err, sizeof err), -1,
	    "result: '-' is refused");
	is_int(result_of(&rd, &obj, "", err, sizeof err), -1,
	    "result: '' is refused");
	is_int(result_of(&rd, &obj, "5 ", err, sizeof err), -1,
	    "result: '5 ' is refused");
	ok = parse(&obj, "{\"t\":1,\"ev\":\"sentinel\\u0000x\",\"worker\":0}",
	    err, sizeof err) == 0 && evjson_read(&rd, &obj, &ev, err,
	    sizeof err) == 0 && ev.type == EV_SENTINEL;
	is_int(ok, 1, "an event's name is the C string before a NUL");
	ok = parse(&obj, "{\"t\":1,\"ev\":\"sentine\",\"worker\":0}",
	    err, sizeof err) == 0 && evjson_read(&rd, &obj, &ev, err,
	    sizeof err) == -1;
	is_str(ok ? err : "", "unknown event 'sentine'", "a name cut short "
	    "is unknown");
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
	json_edges();
	result_edges();
	return tap_done();
}
