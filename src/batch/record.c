/*
 * record.c: writing a recording: a header line, then the JSON Lines event
 * stream through the batch printer's JSON writer.  The file is written
 * under a temporary name and renamed into place when the run is over
 * (outfile.c), so a recording at its name is always whole: it ends with a
 * run_end, interrupted or not.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "outfile.h"
#include "tasks/tasks.h"
#include "batch/batch.h"
#include "batch/record.h"

struct recorder {
	struct outfile	*of;
	char		*path;
	struct batch	*b;
	int		 told;		/* the write error was reported */
};

struct recorder *
recorder_open(const char *path, int replace, const struct tasklist *tl,
    char *err, size_t errlen)
{
	struct recorder	*r;
	struct outfile	*of;
	struct task	 t;
	char		*line;
	size_t		 i, len;
	FILE		*f;

	if ((of = outfile_open(path, replace, err, errlen)) == NULL)
		return NULL;
	if ((f = outfile_stream(of)) == NULL) {
		snprintf(err, errlen, "cannot write '%s': %s", path,
		    strerror(errno));
		outfile_discard(of);
		return NULL;
	}
	r = xcalloc(1, sizeof *r);
	r->of = of;
	r->path = xstrdup(path);
	r->b = batch_new(f, BATCH_JSON, tl, NULL);
	fprintf(f, "{\"t\":0,\"ev\":\"recording\",\"version\":%d,\"program\":"
	    "\"poolscope %s\",\"tasks\":[", RECORD_VERSION, PACKAGE_VERSION);
	for (i = 0; i < tl->n; i++) {
		t = tasklist_at(tl, i);
		len = t.cmd != NULL ? strlen(t.cmd) + 16 : 64;
		line = xmalloc(len);
		tasklist_label(tl, i, line, len);
		if (i > 0)
			putc(',', f);
		batch_json_string(f, line, strlen(line));
		free(line);
	}
	fputs("]}\n", f);
	return r;
}

struct event_sink
recorder_sink(struct recorder *r)
{
	return batch_sink(r->b);
}

int
recorder_poll_error(struct recorder *r, char *err, size_t errlen)
{
	int	e;

	if (r == NULL || r->told || !batch_write_failed(r->b))
		return 0;
	/* The stream's own record of the write is exact; the batch
	 * printer's errno is a fallback. */
	if ((e = outfile_error(r->of)) == 0)
		e = batch_write_error(r->b);
	snprintf(err, errlen, "cannot write '%s': %s", r->path, strerror(e));
	r->told = 1;
	return 1;
}

/* Let go of the batch printer (its last flush goes to the stream, which
 * outfile_commit() or outfile_discard() then closes). */
static void
recorder_free(struct recorder *r)
{
	if (r->b != NULL && batch_write_failed(r->b) &&
	    outfile_error(r->of) == 0)
		outfile_set_error(r->of, batch_write_error(r->b));
	batch_free(r->b);
	r->b = NULL;
}

int
recorder_close(struct recorder *r, char *err, size_t errlen)
{
	int	rc, told;

	err[0] = '\0';
	if (r == NULL)
		return 0;
	recorder_free(r);
	told = r->told && outfile_error(r->of) != 0;
	rc = outfile_commit(r->of, err, errlen);
	if (rc != 0 && told)
		err[0] = '\0';	/* said already, when it happened */
	free(r->path);
	free(r);
	return rc;
}

void
recorder_discard(struct recorder *r)
{
	if (r == NULL)
		return;
	recorder_free(r);
	outfile_discard(r->of);
	free(r->path);
	free(r);
}
