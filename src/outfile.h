/*
 * outfile.h: the files poolscope is asked to write (--record, --trace,
 * --svg, --cast), written under a temporary name beside their own and
 * renamed into place once whole (see outfile.c).
 */
#ifndef POOLSCOPE_OUTFILE_H
#define POOLSCOPE_OUTFILE_H

#include <stddef.h>
#include <stdio.h>

struct outfile;

/* Before anything runs: -1 with a message in err if path must not be
 * written: a directory, or (without force) an existing file or a symbolic
 * link to one.  A device, FIFO or socket (or a link to one) is fine: it is
 * written to as it is and nothing is replaced. */
int		 outfile_check(const char *path, int force, char *err,
		     size_t errlen);
/* 1 if a and b name the same existing file ("-" is standard input),
 * through links too. */
int		 outfile_same(const char *a, const char *b);

/* Start writing path: a new temporary file in its directory, made as
 * open(2) would make path (0666 less the umask), or path itself when it is
 * a device, FIFO or socket.  replace: whether outfile_commit() may replace
 * a file that exists at path by then.  NULL with a message in err. */
struct outfile	*outfile_open(const char *path, int replace, char *err,
		     size_t errlen);
/* The descriptor to write to, or a stdio stream on it (fully buffered);
 * use one or the other.  Neither is closed by the caller. */
int		 outfile_fd(struct outfile *);
FILE		*outfile_stream(struct outfile *);
/* The errno of the first write that failed (through the stream, or told
 * with outfile_set_error() by a caller writing to the descriptor), or 0. */
int		 outfile_error(const struct outfile *);
void		 outfile_set_error(struct outfile *, int);
/* The file is whole after any complete write (a cast): a fatal signal
 * puts it in place rather than removing it (outfile_finish_all()). */
void		 outfile_keep_on_signal(struct outfile *);
/* Close, and rename the temporary file onto path; frees.  -1 with a
 * message in err if anything failed to be written (the temporary file is
 * then removed, and path left as it was) or the rename failed. */
int		 outfile_commit(struct outfile *, char *err, size_t errlen);
/* Close and remove the temporary file; frees. */
void		 outfile_discard(struct outfile *);
/* For a fatal signal or a fatal error: put in place the files kept on a
 * signal, remove the other temporary files (all, or one).  The descriptors
 * stay open.  Async-signal-safe. */
void		 outfile_finish_all(void);
void		 outfile_finish(struct outfile *);

#endif
