/*
 * batch.c: printing the event stream for people (text) and for programs
 * (JSON Lines), then the results as the caller received them.
 *
 * Output goes through stdio, fully buffered (the caller sets that up before
 * the first write), and is flushed when the engine is about to wait, so a reader following a pipe sees each event as
 * it happens, without a write per line under load.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "tasks/tasks.h"
#include "engine/order.h"
#include "model/model.h"
#include "batch/batch.h"
#include "batch/evjson.h"

struct batch {
	FILE			*out;
	int			 format;
	const struct tasklist	*tl;
	const struct model	*m;
	int			 failed;
	int			 error;		/* errno of the failed write */
	int			 mode;		/* from run_start */
	int			 keep_going;
	int			 program;	/* a Python program's run */
};

void
batch_for_program(struct batch *b)
{
	b->program = 1;
}

struct batch *
batch_new(FILE *out, int format, const struct tasklist *tl,
    const struct model *m)
{
	struct batch	*b = xcalloc(1, sizeof *b);

	b->out = out;
	b->format = format;
	b->tl = tl;
	b->m = m;
	return b;
}

void
batch_free(struct batch *b)
{
	if (b == NULL)
		return;
	fflush(b->out);
	free(b);
}

int
batch_write_failed(struct batch *b)
{
	return b->failed;
}

int
batch_write_error(struct batch *b)
{
	return b->error;
}

/* A write failed: keep its errno (the first one; nothing is written after
 * it, so a reader never gets a stream with a hole). */
static void
batch_failed(struct batch *b, int e)
{
	if (b->failed)
		return;
	b->failed = 1;
	b->error = e != 0 ? e : EIO;
}

static void
batch_fwrite_put(void *arg, const char *s, size_t len)
{
	fwrite(s, 1, len, arg);
}

void
batch_json_string(FILE *f, const char *text, size_t len)
{
	batch_json_escape(text, len, batch_fwrite_put, f);
}

void
batch_json_escape(const char *text, size_t len,
    void (*put)(void *, const char *, size_t), void *arg)
{
	const unsigned char	*s = (const unsigned char *)text;
	size_t			 i = 0, n, run = 0;
	char			 esc[8];

	put(arg, "\"", 1);
	while (i < len) {
		/* What needs no escape goes out a run at a time. */
		if (s[i] >= 0x20 && s[i] < 0x7f && s[i] != '"' &&
		    s[i] != '\\') {
			i++;
			continue;
		}
		n = s[i] >= 0x80 ? util_utf8_len(s + i, len - i) : 0;
		if (n != 0 && !(n == 2 && s[i] == 0xc2 && s[i + 1] < 0xa0) &&
		    !(n == 3 && s[i] == 0xe2 && s[i + 1] == 0x80 &&
		    (s[i + 2] == 0xa8 || s[i + 2] == 0xa9))) {
			i += n;
			continue;
		}
		if (i > run)
			put(arg, text + run, i - run);
		if (s[i] == '"' || s[i] == '\\') {
			esc[0] = '\\';
			esc[1] = (char)s[i];
			put(arg, esc, 2);
			i++;
		} else if (s[i] == '\n') {
			put(arg, "\\n", 2);
			i++;
		} else if (s[i] == '\t') {
			put(arg, "\\t", 2);
			i++;
		} else if (s[i] == '\r') {
			put(arg, "\\r", 2);
			i++;
		} else if (s[i] < 0x80) {
			/* the other controls, and DEL */
			snprintf(esc, sizeof esc, "\\u%04x", s[i]);
			put(arg, esc, 6);
			i++;
		} else if (n == 0) {
			put(arg, "\\ufffd", 6);
			i++;
		} else {
			/* C1 controls and the Unicode line and paragraph
			 * separators: legal in JSON, but many line readers
			 * split on them. */
			snprintf(esc, sizeof esc, "\\u%04x", n == 2 ? s[i + 1] :
			    0x2000 | (s[i + 2] - 0x80));
			put(arg, esc, 6);
			i += n;
		}
		run = i;
	}
	if (i > run)
		put(arg, text + run, i - run);
	put(arg, "\"", 1);
}

/* Text, one line per line of output, without control characters. */
static void
batch_text_output(struct batch *b, const struct event *ev, const char *pfx)
{
	const char	*s = ev->text, *end = ev->text + ev->len, *nl;
	size_t		 i;

	while (s < end) {
		nl = memchr(s, '\n', end - s);
		if (nl == NULL)
			nl = end;
		fputs(pfx, b->out);
		for (i = 0; i < (size_t)(nl - s); i++) {
			unsigned char c = s[i];

			if (c == '\t' || c >= 0x20)
				putc(c == 0x7f ? '?' : c, b->out);
			else if (c != '\r')
				putc('?', b->out);
		}
		putc('\n', b->out);
		s = nl + 1;
	}
}

/* How a program ended: "exited 0", "killed by SIGTERM". */
static void
batch_exit_text(const struct run_info *ri, char *buf, size_t len)
{
	const char	*sig;

	if (ri->exit_code >= 0) {
		snprintf(buf, len, "exited %d", ri->exit_code);
		return;
	}
	sig = sigabbrev_np(-ri->exit_code);
	snprintf(buf, len, "killed by SIG%s", sig ? sig : "?");
}

static void
batch_text(struct batch *b, const struct event *ev)
{
	FILE		*f = b->out;
	char		 val[512], label[64], pfx[96];

	fprintf(f, "[%4" PRIu64 ".%06" PRIu64 "] ", ev->t / 1000000000u,
	    (ev->t % 1000000000u) / 1000u);
	if (ev->task >= 0 && (size_t)ev->task < b->tl->n)
		tasklist_label(b->tl, ev->task, label, sizeof label);
	else
		label[0] = '\0';
	switch (ev->type) {
	case EV_RUN_START:
		if (ev->run->program && ev->run->mode == MODE_PROCESS) {
			fprintf(f, "program started: %s; it starts Processes "
			    "(%d processor%s)\n", ev->run->command,
			    ev->run->cpus, ev->run->cpus == 1 ? "" : "s");
			break;
		}
		if (ev->run->program && ev->run->workers == 0) {
			fprintf(f, "program started: %s; no pool yet "
			    "(%d processor%s)\n", ev->run->command,
			    ev->run->cpus, ev->run->cpus == 1 ? "" : "s");
			break;
		}
		if (ev->run->program) {
			fprintf(f, "program started: %s; its pool: %s, %d "
			    "worker%s on %d processor%s\n", ev->run->command,
			    pool_mode_name(ev->run->mode), ev->run->workers,
			    ev->run->workers == 1 ? "" : "s", ev->run->cpus,
			    ev->run->cpus == 1 ? "" : "s");
			break;
		}
		fprintf(f, "run started: %s, %d worker%s on %d processor%s, "
		    "%zu task%s, chunksize %d", pool_mode_name(ev->run->mode),
		    ev->run->workers, ev->run->workers == 1 ? "" : "s",
		    ev->run->cpus, ev->run->cpus == 1 ? "" : "s",
		    ev->run->tasks, ev->run->tasks == 1 ? "" : "s",
		    ev->run->chunksize);
		if (ev->run->pace_ms > 0)
			fprintf(f, ", paced %d ms", ev->run->pace_ms);
		fprintf(f, "%s\n", ev->run->keep_going ?
		    ", keep going past errors" : "");
		break;
	case EV_WORKER_START:
		fprintf(f, "worker %d started (pid %d)\n", ev->worker,
		    (int)ev->pid);
		break;
	case EV_WORKER_STATE:
		fprintf(f, "worker %d is %s", ev->worker,
		    worker_state_name(ev->state));
		if (ev->len > 0)
			fprintf(f, " (%.*s)", (int)ev->len, ev->text);
		putc('\n', f);
		break;
	case EV_TASK_START:
		fprintf(f, "task %" PRId64 " (%s) started on worker %d\n",
		    ev->task, label, ev->worker);
		break;
	case EV_OUTPUT:
		if (ev->task >= 0)
			snprintf(pfx, sizeof pfx, "task %" PRId64 " printed: ",
			    ev->task);
		else if (ev->worker < 0)
			snprintf(pfx, sizeof pfx, "the program printed: ");
		else
			snprintf(pfx, sizeof pfx, "worker %d printed: ",
			    ev->worker);
		batch_text_output(b, ev, pfx);
		break;
	case EV_TASK_SUBMIT:
		fprintf(f, "task %" PRId64 " submitted: %.*s\n", ev->task,
		    (int)ev->len, ev->text);
		break;
	case EV_TASK_DONE:
		event_value_format(ev->vkind, ev->value, ev->text, ev->len, val,
		    sizeof val);
		fprintf(f, "task %" PRId64 " (%s) done on worker %d: %s\n",
		    ev->task, label, ev->worker, val);
		break;
	case EV_TASK_FAIL:
		fprintf(f, "task %" PRId64 " (%s) failed: %.*s\n", ev->task,
		    label, (int)ev->len, ev->text);
		break;
	case EV_TASK_RETRY:
		fprintf(f, "task %" PRId64 " (%s) will run again (attempt %d): "
		    "%.*s\n", ev->task, label, ev->state + 1, (int)ev->len,
		    ev->text);
		break;
	case EV_TASK_SKIP:
		fprintf(f, "task %" PRId64 " (%s) skipped: chunk %" PRId64 " was "
		    "lost to task %" PRId64 "'s error\n", ev->task, label,
		    ev->chunk, ev->seq);
		break;
	case EV_SENTINEL:
		fprintf(f, "worker %d took the stop sentinel (None)\n",
		    ev->worker);
		break;
	case EV_RESULT:
		if (b->mode == MODE_PROCESS) {
			fprintf(f, "caller joined the process of task %" PRId64
			    ": exitcode %" PRId64 "\n", ev->task, ev->value);
			break;
		}
		event_value_format(ev->vkind, ev->value, ev->text, ev->len, val,
		    sizeof val);
		if (value_failed(ev->vkind) && pool_raises(b->mode,
		    b->keep_going))
			fprintf(f, "caller: %s() raised %s from task %" PRId64
			    "\n", pool_mode_name(b->mode), val, ev->task);
		else
			fprintf(f, "caller received result #%" PRId64 ": task %"
			    PRId64 " = %s\n", ev->seq, ev->task, val);
		break;
	case EV_WORKER_EXIT:
		fprintf(f, "worker %d (pid %d) %.*s\n", ev->worker, (int)ev->pid,
		    (int)ev->len, ev->text);
		break;
	case EV_SPAWN_FAIL:
		fprintf(f, "worker %d could not start: %.*s; ", ev->worker,
		    (int)ev->len, ev->text);
		if (ev->state > 0)
			fprintf(f, "the run goes on with %d worker%s\n",
			    ev->state, ev->state == 1 ? "" : "s");
		else
			fprintf(f, "no worker is running\n");
		break;
	case EV_RUN_END:
		if (ev->run->program) {
			batch_exit_text(ev->run, val, sizeof val);
			fprintf(f, "program %s; %zu done, %zu failed", val,
			    ev->run->ok, ev->run->failed);
		} else
			fprintf(f, "run ended: %zu done, %zu failed", ev->run->ok,
		    ev->run->failed);
		if (ev->run->skipped > 0)
			fprintf(f, ", %zu never ran", ev->run->skipped);
		fprintf(f, "%s\n", run_info_unfinished(ev->run) ?
		    " (interrupted)" : "");
		break;
	}
}

static void
batch_event(void *arg, const struct event *ev)
{
	struct batch	*b = arg;

	if (b->failed)
		return;
	if (ev->type == EV_RUN_START) {
		b->mode = ev->run->mode;
		b->keep_going = ev->run->keep_going;
	}
	if (b->format == BATCH_QUIET) {
		/* A program's output, as it prints it untraced. */
		if (ev->type == EV_OUTPUT)
			fwrite(ev->text, 1, ev->len, b->out);
	} else if (b->format == BATCH_JSON)
		evjson_write(b->out, ev);
	else if (b->format == BATCH_TEXT)
		batch_text(b, ev);
	/* Checked here, while errno is still the failed write's. */
	if (ferror(b->out))
		batch_failed(b, errno);
}

static void
batch_flush(void *arg)
{
	struct batch	*b = arg;

	if (b->failed)
		return;
	if (fflush(b->out) == EOF)
		batch_failed(b, errno);
	else if (ferror(b->out))
		batch_failed(b, EIO);
}

struct event_sink
batch_sink(struct batch *b)
{
	/* Quiet prints only the results, from the model, at the end. */
	struct event_sink	s = { batch_event, batch_flush, b,
	    b->format != BATCH_QUIET ? EVENT_ALL : b->program ?
	    EVENT_BIT(EV_OUTPUT) | EVENT_BIT(EV_RUN_START) : 0 };

	return s;
}

/* What the caller got: the list as Python prints it, or, when the call
 * raised, the last line of the traceback Python would print. */
static void
batch_results_line(struct batch *b)
{
	const struct model	*m = b->m;
	char			 block[1 << 16], item[512], *p = block;
	size_t			 i, task;

	if (m->raised >= 0) {
		const char *err = m->errors != NULL ?
		    m->errors[m->raised] : NULL;

		fprintf(b->out, "TaskError: %s\n", err ? err : "");
		return;
	}
	/* A block at a time: a million results make a 13 MB line, not worth
	 * building as one string, nor two stdio calls a value. */
	*p++ = '[';
	for (i = 0; i < m->nresults; i++) {
		if (p > block + sizeof block - sizeof item - 4) {
			fwrite(block, 1, (size_t)(p - block), b->out);
			p = block;
		}
		if (i > 0) {
			*p++ = ',';
			*p++ = ' ';
		}
		task = m->results[i];
		if (m->tasks[task].vkind == VAL_INT)
			p = util_put_i64(p, m->values[task]);
		else {
			model_value_format(m, task, item, sizeof item);
			p = util_put_str(p, item);
		}
	}
	*p++ = ']';
	*p++ = '\n';
	fwrite(block, 1, (size_t)(p - block), b->out);
}

/* A program's call styles, each once, in the order it first used them:
 * "map", "map and imap", "map, imap and apply_async". */
static void
batch_styles(const struct model *m, char *buf, size_t size)
{
	int	 seen[MODE_NMODES + 1] = { 0 }, order[MODE_NMODES + 1];
	int	 n = 0, k, mode;
	size_t	 c, len = 0;

	for (c = 0; c < m->ncalls; c++) {
		mode = m->calls[c].mode;
		if (mode < 0 || mode > MODE_NMODES || seen[mode])
			continue;
		seen[mode] = 1;
		order[n++] = mode;
	}
	if (n == 0)
		order[n++] = m->run.mode;
	buf[0] = '\0';
	for (k = 0; k < n && len < size; k++) {
		snprintf(buf + len, size - len, "%s%s", k == 0 ? "" :
		    k == n - 1 ? " and " : ", ", pool_mode_name(order[k]));
		len = strlen(buf);
	}
}

/* A program's summary: its tasks, how it ended, its time. */
static void
batch_program_summary(struct batch *b)
{
	const struct model	*m = b->m;
	const struct run_info	*ri = &m->run;
	char			 wall[32], busy[32], how[48], styles[128];
	size_t			 lost = model_never_received(m);

	batch_styles(m, styles, sizeof styles);
	util_format_duration(ri->wall_ns, wall, sizeof wall);
	util_format_duration(ri->busy_ns, busy, sizeof busy);
	batch_exit_text(ri, how, sizeof how);
	fprintf(b->out, "%s %s; %zu task%s, %zu failed", ri->command, how,
	    ri->tasks, ri->tasks == 1 ? "" : "s", ri->failed);
	if (lost > 0)
		fprintf(b->out, ", %zu computed but never received", lost);
	fprintf(b->out, "; wall %s, tasks' own time %s", wall, busy);
	if (m->ncomputed > 0 && ri->wall_ns > 0 && ri->busy_ns >= 1000000u)
		fprintf(b->out, ", speedup %.2fx", (double)ri->busy_ns /
		    ri->wall_ns);
	if (ri->workers == 0)
		fprintf(b->out, " (no pool, %d processor%s)\n", ri->cpus,
		    ri->cpus == 1 ? "" : "s");
	else
		fprintf(b->out, " (%s, %d worker%s, %d processor%s)\n",
		    styles, ri->workers, ri->workers == 1 ? "" : "s",
		    ri->cpus, ri->cpus == 1 ? "" : "s");
}

/* The summary: tasks and outcomes, what the caller got, the times. */
static void
batch_summary(struct batch *b)
{
	const struct model	*m = b->m;
	const struct run_info	*ri = &m->run;
	char			 wall[32], busy[32], cpu[32], wait[32], t[32];
	size_t			 lost = model_never_received(m);

	util_format_duration(ri->wall_ns, wall, sizeof wall);
	util_format_duration(ri->busy_ns, busy, sizeof busy);
	util_format_duration(ri->cpu_ns, cpu, sizeof cpu);
	util_format_duration(ri->wait_ns, wait, sizeof wait);
	fprintf(b->out, "%zu task%s, %zu failed", ri->tasks, ri->tasks == 1 ?
	    "" : "s", ri->failed);
	if (ri->skipped > 0)
		fprintf(b->out, ", %zu never ran", ri->skipped);
	if (lost > 0)
		fprintf(b->out, ", %zu computed but never received", lost);
	if (m->raised >= 0)
		fprintf(b->out, "; %s() raised TaskError from task %" PRId64
		    "%s;", pool_mode_name(ri->mode), m->raised, ri->mode == MODE_MAP ?
		    ", the caller got no list" : "");
	else
		putc(',', b->out);
	fprintf(b->out, " wall %s, tasks' own time %s (CPU %s, waiting %s)",
	    wall, busy, cpu, wait);
	if (ri->runq_ns >= ri->busy_ns / 20 && ri->runq_ns >= 1000000u) {
		util_format_duration(ri->runq_ns, t, sizeof t);
		fprintf(b->out, ", waiting for a processor %s", t);
	}
	if (ri->paused_ns > 0) {
		util_format_duration(ri->paused_ns, t, sizeof t);
		fprintf(b->out, ", paused %s", t);
	}
	/* Nothing ran, nothing to compare with a serial run. */
	if (m->ncomputed > 0 && ri->wall_ns > 0)
		fprintf(b->out, ", speedup %.2fx", (double)ri->busy_ns /
		    ri->wall_ns);
	fprintf(b->out, " (%s, %d worker%s, %d processor%s)\n",
	    pool_mode_name(ri->mode), ri->workers, ri->workers == 1 ? "" : "s",
	    ri->cpus, ri->cpus == 1 ? "" : "s");
}

void
batch_finish(struct batch *b)
{
	if (b->format != BATCH_JSON && !b->failed) {
		/* A Python program prints what it got itself. */
		if (!b->m->run.program)
			batch_results_line(b);
		if (!ferror(b->out) && b->m->run.program)
			batch_program_summary(b);
		else if (!ferror(b->out))
			batch_summary(b);
		if (ferror(b->out))
			batch_failed(b, errno);
	}
	batch_flush(b);
}
