/*
 * fuzz_file.h: the fuzz input as a file path, for readers that take one.
 */
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

static int
fuzz_file(const uint8_t *data, size_t size, char *path, size_t len)
{
	int	fd = memfd_create("fuzz", MFD_CLOEXEC);

	if (fd == -1)
		return -1;
	if (size > 0 && write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return -1;
	}
	snprintf(path, len, "/proc/self/fd/%d", fd);
	return fd;
}
