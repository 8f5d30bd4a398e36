/*
 * pool.c: the rules of Python's process pool (pool.h).
 */
#include "config.h"

#include <string.h>

#include "pool.h"

static const char *pool_names[MODE_NMODES] = {
	"apply", "map", "imap", "imap_unordered", "apply_async", "process"
};

const char *
pool_mode_name(int mode)
{
	if (mode == MODE_QUEUE)
		return "queue";
	if (mode < 0 || mode >= MODE_NMODES)
		return "unknown";
	return pool_names[mode];
}

int
pool_mode_parse(const char *name)
{
	int	i;

	if (strcmp(name, "sync") == 0)
		return MODE_APPLY;
	if (strcmp(name, "async") == 0)
		return MODE_APPLY_ASYNC;
	for (i = 0; i < MODE_NMODES; i++)
		if (strcmp(name, pool_names[i]) == 0)
			return i;
	return -1;
}

const char *
pool_mode_list(void)
{
	return "apply (or sync), map, imap, imap_unordered, apply_async (or "
	    "async) or process";
}

int
pool_chunked(int mode)
{
	return mode == MODE_MAP || mode == MODE_IMAP ||
	    mode == MODE_IMAP_UNORDERED;
}

size_t
pool_default_chunksize(int mode, size_t ntasks, int workers)
{
	size_t	d;

	if (mode != MODE_MAP)
		return 1;
	if (workers < 1)
		workers = 1;
	d = (size_t)workers * 4;
	if (ntasks == 0)
		return 1;
	return (ntasks + d - 1) / d;
}

int
pool_raises(int mode, int keep_going)
{
	return !keep_going && pool_chunked(mode);
}

double
pool_time_scale_clamp(double ts)
{
	if (!(ts >= POOL_TIME_SCALE_MIN))
		return POOL_TIME_SCALE_MIN;
	if (ts > POOL_TIME_SCALE_MAX)
		return POOL_TIME_SCALE_MAX;
	return ts;
}
