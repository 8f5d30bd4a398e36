/*
 * fuzz_tasklist.c: libFuzzer target for the task-list parser, as a file and
 * as an inline -t list.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tasks/tasks.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tasklist	tl;
	char		err[2048];
	int		inline_list = size > 0 && (data[0] & 1);

	if (size > 1 << 16)
		return 0;
	tasklist_seed(1);
	if (tasklist_parse(&tl, "fuzz", (const char *)data, size, inline_list,
	    err, sizeof err) == 0) {
		char	label[64];
		size_t	i;

		for (i = 0; i < tl.n && i < 64; i++)
			tasklist_label(&tl, i, label, sizeof label);
		tasklist_free(&tl);
	} else if (memchr(err, '\0', sizeof err) == NULL)
		__builtin_trap();	/* the message must be terminated */
	return 0;
}
