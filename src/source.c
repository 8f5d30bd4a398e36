/*
 * source.c: the one loop that drives any source of events to its end in
 * batch mode (source.h).
 */
#include "config.h"

#include <sys/signalfd.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include "util.h"
#include "source.h"

int
source_run(struct source *src, int stop_fd, void (*flush)(void *), void *arg)
{
	const struct source_ops	*op = src->ops;
	struct signalfd_siginfo	 si;
	struct pollfd		 pfd[2];
	int			 n, t, was, fd;

	while (!op->finished(src->arg)) {
		op->process(src->arg);
		if (op->finished(src->arg))
			break;
		if (flush != NULL)
			flush(arg);
		if (op->finished(src->arg))
			break;		/* the flush stopped it */
		if ((t = op->prepare_wait(src->arg)) == 0)
			continue;
		n = 0;
		if ((fd = op->fd(src->arg)) != -1) {
			pfd[n].fd = fd;
			pfd[n++].events = POLLIN;
		}
		if (stop_fd != -1) {
			pfd[n].fd = stop_fd;
			pfd[n++].events = POLLIN;
		}
		if (poll(pfd, (nfds_t)n, t) == -1 && errno != EINTR)
			fatal("poll");
		if (stop_fd == -1 || read(stop_fd, &si, sizeof si) != sizeof si)
			continue;
		if (si.ssi_signo == SIGTSTP) {
			/* Ctrl-Z: the pool stops with poolscope, and goes on
			 * as it was once continued. */
			was = op->paused(src->arg);
			op->pause(src->arg, 1);
			util_suspend();
			op->pause(src->arg, was);
			continue;
		}
		op->abort(src->arg);
		return (int)si.ssi_signo;
	}
	return 0;
}
