/*
 * assets.c: where the files that ship with poolscope are (assets.h).  A
 * binary run from its build tree finds assets/ beside itself, through
 * /proc/self/exe, so it carries no path of the tree it was built in.
 */
#include "config.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"
#include "assets.h"

#ifndef POOLSCOPE_DATADIR
#define POOLSCOPE_DATADIR	""
#endif

static void
assets_add(char **dirs, size_t *n, const char *dir, const char *sub)
{
	if (*sub != '\0')
		xasprintf(&dirs[(*n)++], "%s/%s", dir, sub);
	else
		dirs[(*n)++] = xstrdup(dir);
}

size_t
assets_dirs(char *dirs[ASSETS_NDIRS], const char *sub)
{
	const char	*env;
	char		 exe[PATH_MAX], *slash, *d;
	ssize_t		 len;
	size_t		 n = 0;

	if ((env = getenv("POOLSCOPE_ASSETS")) != NULL && *env != '\0')
		assets_add(dirs, &n, env, sub);
	if (*POOLSCOPE_DATADIR != '\0') {
		xasprintf(&d, "%s/assets", POOLSCOPE_DATADIR);
		assets_add(dirs, &n, d, sub);
		free(d);
	}
	if ((len = readlink("/proc/self/exe", exe, sizeof exe - 1)) > 0) {
		exe[len] = '\0';
		if ((slash = strrchr(exe, '/')) != NULL) {
			*slash = '\0';
			xasprintf(&d, "%s/assets", exe);
			assets_add(dirs, &n, d, sub);
			free(d);
		}
	}
	return n;
}

void
assets_dirs_free(char **dirs, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		free(dirs[i]);
		dirs[i] = NULL;
	}
}
