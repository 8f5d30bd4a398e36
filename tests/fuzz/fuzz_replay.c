/*
 * fuzz_replay.c: libFuzzer target for the recording reader, and for
 * playing back whatever it accepts into the model.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "model/model.h"
#include "replay/replay.h"
#include "fuzz_file.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct replay		*r;
	struct model		 m;
	struct event_sink	 sink;
	char			 path[64], err[2048];
	int			 fd;

	if (size > 1 << 18 || (fd = fuzz_file(data, size, path,
	    sizeof path)) == -1)
		return 0;
	if ((r = replay_open(path, err, sizeof err)) != NULL) {
		model_init(&m);
		model_keep_views(&m);
		sink = model_sink(&m);
		replay_start(r, &sink, 1e-9);	/* everything due at once */
		replay_seek(r, (int64_t)replay_length(r) + 1);
		replay_seek(r, -1000000);
		replay_step(r);
		model_free(&m);
		replay_free(r);
	}
	close(fd);
	return 0;
}
