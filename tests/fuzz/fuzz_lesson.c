/*
 * fuzz_lesson.c: libFuzzer target for the lesson reader.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "lesson/lesson.h"
#include "fuzz_file.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lesson	l;
	char		path[64], err[2048];
	int		fd;

	if (size > 1 << 16 || (fd = fuzz_file(data, size, path,
	    sizeof path)) == -1)
		return 0;
	if (lesson_load(&l, path, 4, err, sizeof err) == 0)
		lesson_free(&l);
	close(fd);
	return 0;
}
