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
 * recording at a time.  NULL with a message in err, e.g. "cannot create
 * 'x.cast': Permission denied". */
FILE	*cast_open(const char *path, int real_fd, int cols, int rows,
	    const char *title, char *err, size_t errlen);

/* A marker event ("m") with a label, e.g. at each lesson step. */
void	 cast_marker(FILE *stream, const char *label);

/* The terminal was resized: an "r" event "COLSxROWS". */
void	 cast_resize(FILE *stream, int cols, int rows);

/* Write everything out and close the cast and the stream (not real_fd).
 * Call it after endwin(), once curses will write no more: the stream's
 * descriptor is closed.  Returns 0, or -1 with errno set if any write to
 * the cast failed (or stream is not the open recording's).
 * cast_close(NULL) does nothing and returns 0. */
int	 cast_close(FILE *stream);

/* For a fatal-signal handler, after endwin(): write what the cast holds in
 * memory to the file with write(2) only (no stdio, no allocation), so the
 * cast ends on a whole line.  Does nothing when no recording is open, or
 * when the signal interrupted the recorder itself. */
void	 cast_emergency_flush(void);

#endif
