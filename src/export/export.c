/*
 * export.c: writing an export to its file, or to standard output ("-"):
 * a temporary file renamed into place once whole (outfile.c), so a reader
 * never sees half a picture, and the first write error kept.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "outfile.h"
#include "export/export.h"

int
export_to_path(const char *path, int (*fn)(FILE *, const struct model *,
    const struct tasklist *), const struct model *m,
    const struct tasklist *tl, int replace, char *err, size_t errlen)
{
	struct outfile	*of;
	FILE		*f;
	int		 e, rc;

	if (strcmp(path, "-") == 0) {
		errno = 0;
		rc = fn(stdout, m, tl);
		e = errno;
		if (fflush(stdout) == EOF)
			e = errno;
		if (rc != 0 || ferror(stdout)) {
			e = e != 0 ? e : EIO;
			snprintf(err, errlen, "cannot write standard output: "
			    "%s", strerror(e));
			errno = e;
			return -1;
		}
		return 0;
	}
	/* A temporary file, renamed into place once whole (outfile.c). */
	if ((of = outfile_open(path, replace, err, errlen)) == NULL)
		return -1;
	if ((f = outfile_stream(of)) == NULL)
		outfile_set_error(of, errno);
	else
		fn(f, m, tl);	/* the stream keeps the first error */
	e = outfile_error(of);
	if (outfile_commit(of, err, errlen) != 0) {
		errno = e != 0 ? e : EIO;
		return -1;
	}
	return 0;
}
