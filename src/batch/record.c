/*
 * record.c: writing a recording: a header line, then the JSON Lines event
 * stream through the batch printer's JSON writer.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "tasks/tasks.h"
#include "batch/batch.h"
#include "batch/record.h"

struct recorder {
	FILE		*f;
	char		*path;
	struct batch	*b;
	int		 failed;
	int		 saved_errno;
};

struct recorder *
recorder_open(const char *path, const struct tasklist *tl, char *err,
    size_t errlen)
{
	struct recorder	*r;
	char		*line;
	size_t		 i, len;
	FILE		*f;

	if ((f = fopen(path, "w")) == NULL) {
		snprintf(err, errlen, "cannot create '%s': %s", path,
		    strerror(errno));
		return NULL;
	}
	r = xcalloc(1, sizeof *r);
	r->f = f;
	r->path = xstrdup(path);
	setvbuf(f, NULL, _IOFBF, 1 << 16);
	r->b = batch_new(f, BATCH_JSON, tl, NULL);
	fprintf(f, "{\"t\":0,\"ev\":\"recording\",\"version\":%d,\"program\":"
	    "\"poolscope %s\",\"tasks\":[", RECORD_VERSION, PACKAGE_VERSION);
	for (i = 0; i < tl->n; i++) {
		len = tl->v[i].cmd != NULL ? strlen(tl->v[i].cmd) + 16 : 64;
		line = xmalloc(len);
		task_label(&tl->v[i], line, len);
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
recorder_close(struct recorder *r, char *err, size_t errlen)
{
	int	rc = 0;

	if (r == NULL)
		return 0;
	if (batch_write_failed(r->b))
		rc = -1;
	batch_free(r->b);
	if (fclose(r->f) != 0 || rc != 0) {
		snprintf(err, errlen, "cannot write '%s': %s", r->path,
		    strerror(errno));
		rc = -1;
	}
	free(r->path);
	free(r);
	return rc;
}
