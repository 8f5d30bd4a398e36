/*
 * shm.c: the futex calls both sides of the shared memory use (shm.h).
 */
#include "config.h"

#include <limits.h>
#include <linux/futex.h>
#include <stddef.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "engine/shm.h"

int
shm_futex_wait(_Atomic uint32_t *addr, uint32_t val)
{
	return syscall(SYS_futex, (uint32_t *)addr, FUTEX_WAIT, val, NULL,
	    NULL, 0);
}

int
shm_futex_wake(_Atomic uint32_t *addr, int n)
{
	return syscall(SYS_futex, (uint32_t *)addr, FUTEX_WAKE, n, NULL,
	    NULL, 0);
}
