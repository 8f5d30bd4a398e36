/*
 * trace.c: the run as Chrome trace-event JSON, for Perfetto or
 * chrome://tracing.  Process 1 is the pool; thread 0 is the caller, thread
 * SLOT+1 is worker slot SLOT, named with every PID it had.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "util.h"
#include "tasks/tasks.h"
#include "model/model.h"
#include "batch/batch.h"
#include "outfile.h"
#include "export/export.h"

static void
trace_us(FILE *f, uint64_t ns)
{
	fprintf(f, "%" PRIu64 ".%03" PRIu64, ns / 1000, ns % 1000);
}

int
export_trace(FILE *f, const struct model *m, const struct tasklist *tl)
{
	const struct model_task	*t;
	const struct model_lane	*l;
	char			 name[160], label[96], val[256];
	size_t			 i, k;
	uint64_t		 start, end;
	int			 w;

	fprintf(f, "{\"displayTimeUnit\":\"ms\",\"otherData\":{\"mode\":\"%s\","
	    "\"workers\":%d,\"cpus\":%d,\"tasks\":%zu,\"chunksize\":%d},"
	    "\"traceEvents\":[\n", pool_mode_name(m->run.mode), m->run.workers,
	    m->run.cpus, m->run.tasks, m->run.chunksize);
	fprintf(f, "{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":1,\"tid\":0,"
	    "\"args\":{\"name\":\"poolscope %s, %d worker%s\"}},\n",
	    pool_mode_name(m->run.mode), m->run.workers, m->run.workers == 1 ? "" :
	    "s");
	fprintf(f, "{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":0,"
	    "\"args\":{\"name\":\"caller\"}},\n");
	for (w = 0; w < m->nworkers; w++) {
		int	len = snprintf(name, sizeof name, "worker %d (pid", w);

		l = m->lanes != NULL ? &m->lanes[w] : NULL;
		for (k = 0; l != NULL && k < l->nspawns && len < 120; k++)
			len += snprintf(name + len, sizeof name - len, "%s %d",
			    k ? "," : "", (int)l->pids[k]);
		snprintf(name + len, sizeof name - len, ")");
		fprintf(f, "{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,"
		    "\"tid\":%d,\"args\":{\"name\":", w + 1);
		batch_json_string(f, name, strlen(name));
		fprintf(f, "}},\n{\"name\":\"thread_sort_index\",\"ph\":\"M\","
		    "\"pid\":1,\"tid\":%d,\"args\":{\"sort_index\":%d}},\n",
		    w + 1, w + 1);
	}
	for (i = 0; i < m->ntasks; i++) {
		t = &m->tasks[i];
		if (t->state != MT_DONE && t->state != MT_FAILED)
			continue;
		model_task_when(m, i, &start, &end);
		if (m->ends == NULL || end < start)
			continue;	/* never started (a lost worker) */
		tasklist_label(tl, i, label, sizeof label);
		snprintf(name, sizeof name, "task %zu: %s", i, label);
		model_value_format(m, i, val, sizeof val);
		fputs("{\"name\":", f);
		batch_json_string(f, name, strlen(name));
		fprintf(f, ",\"cat\":\"%s\",\"ph\":\"X\",\"ts\":",
		    t->state == MT_FAILED ? "failed" : "task");
		trace_us(f, start);
		fputs(",\"dur\":", f);
		trace_us(f, end - start);
		fprintf(f, ",\"pid\":1,\"tid\":%d,\"args\":{\"task\":%zu,"
		    "\"chunk\":%zu,\"call\":", m->where[i] + 1, i,
		    i / (size_t)(m->run.chunksize > 0 ? m->run.chunksize : 1));
		batch_json_string(f, label, strlen(label));
		fputs(",\"result\":", f);
		batch_json_string(f, val, strlen(val));
		fputs("}},\n", f);
	}
	for (i = 0; i < m->nresults; i++) {
		model_value_format(m, m->results[i], val, sizeof val);
		fprintf(f, "{\"name\":\"result of task %u\",\"cat\":\"result\","
		    "\"ph\":\"i\",\"s\":\"t\",\"ts\":", m->results[i]);
		trace_us(f, m->views ? model_result_time(m, i) : 0);
		fprintf(f, ",\"pid\":1,\"tid\":0,\"args\":{\"task\":%u,\"seq\":%zu,"
		    "\"value\":", m->results[i], i);
		batch_json_string(f, val, strlen(val));
		fputs("}},\n", f);
	}
	/* The run as a whole, which also ends the list without a comma. */
	fprintf(f, "{\"name\":\"run\",\"cat\":\"run\",\"ph\":\"X\",\"ts\":0,"
	    "\"dur\":");
	trace_us(f, m->run.wall_ns ? m->run.wall_ns : m->now);
	fprintf(f, ",\"pid\":1,\"tid\":0,\"args\":{\"ok\":%zu,\"failed\":%zu}}\n"
	    "]}\n", m->ndone, m->nfailed);
	return ferror(f) ? -1 : 0;
}
