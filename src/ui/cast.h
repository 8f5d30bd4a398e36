/*
 * cast.h: --cast FILE, an asciicast v2 recording of exactly the bytes the
 * screen sends to the terminal (see cast.c for how they are caught).
 */
#ifndef POOLSCOPE_CAST_H
#define POOLSCOPE_CAST_H

#include <stddef.h>
#include <stdio.h>

/* Open FILE for an asciicast v2 recording of a cols x rows terminal and
 * return a stream to give ncurses (newterm(NULL, stream, stdin)) instead of
 * stdout.  The stream is on a private duplicate of real_fd, so ncurses sets
 * the terminal's modes and reads its size through it as usual; every byte
 * written to its descriptor with write(2), which is how ncurses 6 sends its
 * output, goes to the terminal unchanged and is also appended to the cast
 * as an "o" event with the time since the recording began.  (Output through
 * stdio on the stream reaches the terminal but is not recorded.)  One
 * recording at a time.  The file is written under a temporary name and
 * renamed onto path at close (replace: whether a file that exists at path
 * by then may be replaced; see outfile.h).  NULL with a message in err,
 * e.g. "cannot create 'x.cast': Permission denied". */
FILE	*cast_open(const char *path, int replace, int real_fd, int cols,
	    int rows, const char *title, char *err, size_t errlen);

/* A marker event ("m") with a label, e.g. at each lesson step. */
void	 cast_marker(FILE *stream, const char *label);

/* The terminal was resized: an "r" event "COLSxROWS". */
void	 cast_resize(FILE *stream, int cols, int rows);

/* The errno of the first write to the cast that failed, or 0.  After a
 * failure the screen goes on but nothing more is recorded. */
int	 cast_error(FILE *stream);

/* Write everything out, close the cast and the stream (not real_fd) and
 * put the cast in place.  Call it after endwin(), once curses will write no
 * more: the stream's descriptor is closed.  Returns 0, or -1 with errno set
 * (to the failed write's errno, if one failed: the cast is then not kept)
 * and a message in err if any write to the cast failed, it could not be
 * put in place, or stream is not the open recording's.
 * cast_close(NULL) does nothing and returns 0. */
int	 cast_close(FILE *stream, char *err, size_t errlen);

/* Close without keeping anything: the temporary file is removed. */
void	 cast_discard(FILE *stream);

/* For a fatal-signal handler, after endwin(): write what the cast holds in
 * memory to the file with write(2) only (no stdio, no allocation), so the
 * cast ends on a whole line, and rename it into place.  Does nothing when
 * no recording is open, or when the signal interrupted the recorder itself
 * (outfile_finish_all() then puts it in place as it is). */
void	 cast_emergency_flush(void);

#endif
