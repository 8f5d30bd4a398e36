/*
 * fuzz_options.c: libFuzzer target for the command line.  The input is split
 * at NUL bytes into arguments after "poolscope"; options.c is built in with
 * exit() turned into a jump back here, so a refused value ends one input and
 * not the fuzzer.  Every refusal must print a message and mean status 2;
 * --help and --version mean 0.  An accepted command line must hold values
 * in range.
 */
#include "config.h"

#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static jmp_buf	fuzz_jump;
static FILE	*fuzz_null;

static void __attribute__((noreturn))
fuzz_exit(int status)
{
	longjmp(fuzz_jump, status + 1);
}

#define exit(s)	fuzz_exit(s)
#undef stderr
#undef stdout
#define stderr	fuzz_null
#define stdout	fuzz_null
#define printf(...) fprintf(fuzz_null, __VA_ARGS__)
#include "../../src/options.c"
#undef exit
#undef stderr
#undef stdout
#undef printf

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct options	 o;
	char			*buf, *argv[64];
	volatile int		 argc = 0;
	size_t			 i;
	int			 rc;

	if (size > 4096)
		return 0;
	if (fuzz_null == NULL && (fuzz_null = fopen("/dev/null", "w")) == NULL)
		abort();
	buf = malloc(size + 1);
	memcpy(buf, data, size);
	buf[size] = '\0';
	argv[argc++] = "poolscope";
	for (i = 0; i < size && argc < 63; i += strlen(buf + i) + 1)
		argv[argc++] = buf + i;
	argv[argc] = NULL;

	optind = 0;	/* glibc: start getopt afresh */
	if ((rc = setjmp(fuzz_jump)) == 0) {
		options_parse(&o, argc, argv);
		if (o.workers < 1 || o.workers > POOL_MAX_WORKERS ||
		    o.mode < 0 || o.retries < 0 ||
		    o.retries > POOL_MAX_RETRIES || o.time_scale < 0.001 ||
		    o.time_scale > 1000 || o.ncompare < 0 || o.ncompare > 8 ||
		    (o.ncompare != 0 && o.ncompare < 2) ||
		    (o.json && o.quiet) || (o.autostart && o.batch) ||
		    (o.taskfile != NULL && o.tasks_inline != NULL))
			__builtin_trap();
	} else if (rc - 1 != 0 && rc - 1 != 2)
		__builtin_trap();	/* only 0 (help, version) and 2 */
	free(buf);
	return 0;
}
