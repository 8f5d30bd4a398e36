/*
 * assets.h: where the files that ship with poolscope are (task lists,
 * lessons): $POOLSCOPE_ASSETS when set, the installed data directory, or
 * assets/ beside the binary when it runs from its build tree.
 */
#ifndef POOLSCOPE_ASSETS_H
#define POOLSCOPE_ASSETS_H

#include <stddef.h>

#define ASSETS_NDIRS	3

/* The directories to look in, in order, each with sub appended ("" for the
 * task lists, "lessons"); allocated strings, freed by assets_dirs_free(). */
size_t	assets_dirs(char *dirs[ASSETS_NDIRS], const char *sub);
void	assets_dirs_free(char **dirs, size_t n);

#endif
