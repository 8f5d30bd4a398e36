/*
 * limits: what this machine can do, as simply as possible, for make bench
 * to measure poolscope against (never part of poolscope).
 *
 *   limits serial N      1..N squared, printed as Python prints a list
 *   limits pool N W      W forked workers square chunks of 4096 into shared
 *                        memory; the parent prints the list in order
 *   limits msg N W       W forked workers claim one task each by an atomic
 *                        fetch-add and post {task, value} to a ring of their
 *                        own; the parent takes every result and prints the
 *                        list in order
 *   limits proc N W      a process per task (fork, exit, wait), W at a time
 *   limits start N       fork N processes, one task, reap the N
 */
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHUNK	4096
#define RING	4096		/* entries in a worker's ring (a power of 2) */

static char	 obuf[1 << 16];
static size_t	 olen;

static void
out_flush(void)
{
	size_t	off = 0;
	ssize_t	n;

	while (off < olen) {
		n = write(1, obuf + off, olen - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			exit(3);
		off += (size_t)n;
	}
	olen = 0;
}

static void
out_put(const char *s, size_t n)
{
	if (olen + n > sizeof obuf)
		out_flush();
	memcpy(obuf + olen, s, n);
	olen += n;
}

static void
out_int(int64_t v)
{
	char	b[24], *p = b + sizeof b;
	int	neg = v < 0;
	uint64_t u = neg ? (uint64_t)-v : (uint64_t)v;

	do
		*--p = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (neg)
		*--p = '-';
	out_put(p, (size_t)(b + sizeof b - p));
}

/* [a, b, c] and a newline, as Python prints a list of ints. */
static void
out_list(const int64_t *v, size_t n)
{
	size_t	i;

	out_put("[", 1);
	for (i = 0; i < n; i++) {
		if (i)
			out_put(", ", 2);
		out_int(v[i]);
	}
	out_put("]\n", 2);
	out_flush();
}

static void *
shared(size_t len)
{
	void	*p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("limits: mmap");
		exit(4);
	}
	return p;
}

static void
reap_all(void)
{
	while (wait(NULL) > 0 || errno == EINTR)
		;
}

static int
serial(size_t n)
{
	int64_t	*v = malloc(n * sizeof *v + 1);
	size_t	 i;

	for (i = 0; i < n; i++)
		v[i] = (int64_t)(i + 1) * (int64_t)(i + 1);
	out_list(v, n);
	free(v);
	return 0;
}

struct pool_shm {
	_Atomic size_t	 next;		/* the next chunk to claim */
	_Atomic int	 done[];	/* each chunk: 1 once written */
};

static int
pool(size_t n, int w)
{
	size_t		 nchunks = (n + CHUNK - 1) / CHUNK, c, i, end;
	struct pool_shm	*s = shared(sizeof *s + nchunks * sizeof s->done[0]);
	int64_t		*v = shared(n * sizeof *v + 1);
	int		 k;

	for (k = 0; k < w; k++) {
		if (fork() == 0) {
			while ((c = atomic_fetch_add(&s->next, 1)) < nchunks) {
				end = (c + 1) * CHUNK < n ? (c + 1) * CHUNK : n;
				for (i = c * CHUNK; i < end; i++)
					v[i] = (int64_t)(i + 1) *
					    (int64_t)(i + 1);
				atomic_store_explicit(&s->done[c], 1,
				    memory_order_release);
			}
			_exit(0);
		}
	}
	/* In order, as each chunk is done. */
	out_put("[", 1);
	for (c = 0; c < nchunks; c++) {
		while (!atomic_load_explicit(&s->done[c], memory_order_acquire))
			sched_yield();
		end = (c + 1) * CHUNK < n ? (c + 1) * CHUNK : n;
		for (i = c * CHUNK; i < end; i++) {
			if (i)
				out_put(", ", 2);
			out_int(v[i]);
		}
	}
	out_put("]\n", 2);
	out_flush();
	reap_all();
	return 0;
}

struct ring {
	_Atomic uint64_t head;		/* written by its worker */
	char		 pad1[56];
	_Atomic uint64_t tail;		/* by the parent */
	char		 pad2[56];
	struct { uint64_t task; int64_t value; } e[RING];
};

static int
msg(size_t n, int w)
{
	_Atomic size_t	*next = shared(64);
	struct ring	*rings = shared((size_t)w * sizeof *rings);
	int64_t		*v = malloc(n * sizeof *v + 1);
	size_t		 got = 0, t;
	uint64_t	 h, tl;
	int		 k;

	for (k = 0; k < w; k++) {
		if (fork() == 0) {
			struct ring	*r = &rings[k];

			while ((t = atomic_fetch_add(next, 1)) < n) {
				h = atomic_load_explicit(&r->head,
				    memory_order_relaxed);
				while (h - atomic_load_explicit(&r->tail,
				    memory_order_acquire) >= RING)
					sched_yield();
				r->e[h & (RING - 1)].task = t;
				r->e[h & (RING - 1)].value = (int64_t)(t + 1) *
				    (int64_t)(t + 1);
				atomic_store_explicit(&r->head, h + 1,
				    memory_order_release);
			}
			_exit(0);
		}
	}
	while (got < n) {
		int	any = 0;

		for (k = 0; k < w; k++) {
			struct ring	*r = &rings[k];

			h = atomic_load_explicit(&r->head, memory_order_acquire);
			tl = atomic_load_explicit(&r->tail,
			    memory_order_relaxed);
			for (; tl != h; tl++, got++, any = 1)
				v[r->e[tl & (RING - 1)].task] =
				    r->e[tl & (RING - 1)].value;
			atomic_store_explicit(&r->tail, tl,
			    memory_order_release);
		}
		if (!any)
			sched_yield();
	}
	out_list(v, n);
	reap_all();
	free(v);
	return 0;
}

static int
proc(size_t n, int w)
{
	size_t	i, running = 0;
	pid_t	pid;

	for (i = 0; i < n; i++) {
		if (running == (size_t)w) {
			while (wait(NULL) == -1 && errno == EINTR)
				;
			running--;
		}
		if ((pid = fork()) == 0) {
			volatile int64_t x = (int64_t)(i + 1) * (int64_t)(i + 1);

			(void)x;
			_exit(0);
		}
		if (pid > 0)
			running++;
	}
	reap_all();
	return 0;
}

static int
start(size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (fork() == 0) {
			if (i == 0) {
				volatile int64_t x = 1;

				(void)x;
			}
			_exit(0);
		}
	reap_all();
	out_list((int64_t[]){ 1 }, 1);
	return 0;
}

int
main(int argc, char **argv)
{
	size_t	n;
	int	w;

	if (argc < 3) {
		fprintf(stderr, "usage: limits serial|pool|msg|proc|start N "
		    "[W]\n");
		return 2;
	}
	n = (size_t)strtoull(argv[2], NULL, 10);
	w = argc > 3 ? atoi(argv[3]) : 2;
	if (w < 1)
		w = 1;
	if (strcmp(argv[1], "serial") == 0)
		return serial(n);
	if (strcmp(argv[1], "pool") == 0)
		return pool(n, w);
	if (strcmp(argv[1], "msg") == 0)
		return msg(n, w);
	if (strcmp(argv[1], "proc") == 0)
		return proc(n, w);
	if (strcmp(argv[1], "start") == 0)
		return start(n);
	fprintf(stderr, "limits: unknown '%s'\n", argv[1]);
	return 2;
}
