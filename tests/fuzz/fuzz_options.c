/*
 * fuzz_options.c: libFuzzer target for the command line.  The input is split
 * at NUL bytes into arguments after "poolscope" and given to options_parse(),
 * which reports instead of exiting; the same words are also given to
 * options_parse_run(), a lesson step's run: line.  A refusal must come with a
 * message; an accepted command line must hold values in range.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pool.h"
#include "options.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
fuzz_check(const struct options *o)
{
	if (o->workers < 1 || o->workers > POOL_MAX_WORKERS || o->mode < 0 ||
	    o->mode >= MODE_NMODES || o->retries < 0 ||
	    o->retries > POOL_MAX_RETRIES || o->pace_ms < 0 ||
	    o->pace_ms > POOL_MAX_PACE_MS ||
	    o->time_scale < POOL_TIME_SCALE_MIN ||
	    o->time_scale > POOL_TIME_SCALE_MAX || o->ncompare < 0 ||
	    o->ncompare > 8 || (o->ncompare != 0 && o->ncompare < 2) ||
	    (o->json && o->quiet) || (o->autostart && o->batch) ||
	    (o->taskfile != NULL && o->tasks_inline != NULL) ||
	    o->chunksize > POOL_MAX_CHUNKSIZE ||
	    (o->chunksize > 1 && !pool_chunked(o->mode)))
		__builtin_trap();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct options	 o;
	char		*buf, *argv[64], err[1024];
	int		 argc = 0, rc;
	size_t		 i;

	if (size > 4096)
		return 0;
	buf = malloc(size + 1);
	memcpy(buf, data, size);
	buf[size] = '\0';
	argv[argc++] = "poolscope";
	for (i = 0; i < size && argc < 63; i += strlen(buf + i) + 1)
		argv[argc++] = buf + i;
	argv[argc] = NULL;

	err[0] = '\0';
	rc = options_parse(&o, argc, argv, err, sizeof err);
	if (rc == 0)
		fuzz_check(&o);
	else if (rc == -1 && err[0] == '\0')
		__builtin_trap();	/* a refusal says why */
	else if (rc != -1 && rc != OPTIONS_HELP && rc != OPTIONS_VERSION)
		__builtin_trap();
	err[0] = '\0';
	rc = options_parse_run(&o, 4, (size_t)argc - 1, argv + 1, err,
	    sizeof err);
	if (rc == 0)
		fuzz_check(&o);
	else if (err[0] == '\0')
		__builtin_trap();
	free(buf);
	return 0;
}
