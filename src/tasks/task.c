/*
 * task.c: running one task in a worker process.
 *
 * square and cube print what the Python examples print ("square of 4 is
 * 16"); sleep, spin and the pace honour the time scale; primes and fib are
 * deliberately CPU-bound; crash and hang never return; sh runs /bin/sh -c
 * COMMAND in a child whose standard output and error go through one pipe
 * and are passed on as they arrive.  All text a task prints goes through
 * ctx->output, never to the terminal.
 */
#include "config.h"

#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util.h"
#include "tasks.h"

static void
emit(struct task_ctx *ctx, const char *text, size_t len)
{
	if (ctx != NULL && ctx->output != NULL && len > 0)
		ctx->output(ctx->arg, text, len);
}

/* Print a short formatted line through the context. */
static void __attribute__((format(printf, 2, 3)))
emitf(struct task_ctx *ctx, const char *fmt, ...)
{
	va_list	ap;
	char	buf[128];
	int	n;

	if (ctx == NULL || ctx->output == NULL)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (n > 0)
		emit(ctx, buf, (size_t)n < sizeof buf ? (size_t)n :
		    sizeof buf - 1);
}

/* "square of N is R\n" (or "N\n" with an empty prefix), formatted by hand:
 * in a pool of trivial tasks snprintf would cost more than the task. */
static void
emit_of(struct task_ctx *ctx, const char *prefix, int64_t n, int64_t r)
{
	char	buf[80], *p = buf;

	if (ctx == NULL || ctx->output == NULL)
		return;		/* nobody reads it */
	p = util_put_str(p, prefix);
	p = util_put_i64(p, n);
	if (*prefix != '\0') {
		p = util_put_str(p, " is ");
		p = util_put_i64(p, r);
	}
	*p++ = '\n';
	emit(ctx, buf, (size_t)(p - buf));
}

static void __attribute__((format(printf, 2, 3)))
fail(struct task_outcome *out, const char *fmt, ...)
{
	va_list	ap;

	out->status = TASK_ERROR;
	out->has_value = 0;
	va_start(ap, fmt);
	vsnprintf(out->error, sizeof out->error, fmt, ap);
	va_end(ap);
}

static void
result(struct task_outcome *out, int64_t value)
{
	out->status = TASK_OK;
	out->has_value = 1;
	out->value = value;
}

/* Nanoseconds for ms milliseconds at the given time scale (a negative or NaN
 * scale counts as 1, and 0 means no waiting). */
static uint64_t
scaled_ns(int64_t ms, double scale)
{
	double	ns;

	if (!(scale >= 0))
		scale = 1;
	ns = (double)ms * scale * 1e6;
	if (!(ns > 0))
		return 0;
	if (ns > 1e18)
		return 1000000000000000000ULL;
	return (uint64_t)ns;
}

/* Nanoseconds of pool time: the monotonic clock less the time the pool
 * has spent paused. */
static uint64_t
pool_ns(const _Atomic uint64_t *paused)
{
	return now_ns() - (paused != NULL ? atomic_load(paused) : 0);
}

/*
 * Sleep until the pool clock reads end.  A worker stopped (SIGSTOP) while
 * it sleeps wakes when it is continued, at once if the monotonic deadline
 * passed meanwhile; the parent has counted the pause by then, so the loop
 * sleeps what is left of the pool-time deadline.  A worker never paused
 * sleeps once.
 */
static void
sleep_until(uint64_t end, const _Atomic uint64_t *paused)
{
	struct timespec	dl;
	uint64_t	now, left, at;

	while ((now = pool_ns(paused)) < end) {
		left = end - now;
		at = now_ns() + left;
		dl.tv_sec = (time_t)(at / 1000000000u);
		dl.tv_nsec = (long)(at % 1000000000u);
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &dl,
		    NULL) == EINTR)
			;
	}
}

/* Sleep for ns of pool time. */
static void
sleep_ns(uint64_t ns, const _Atomic uint64_t *paused)
{
	sleep_until(pool_ns(paused) + ns, paused);
}

void
task_pace(const struct task_ctx *ctx, uint64_t start, int pace_ms)
{
	if (pace_ms > 0)
		sleep_until(start + scaled_ns(pace_ms, ctx->time_scale),
		    ctx->paused_ns);
}

/* CPU time this thread has used, in ns. */
static uint64_t
cpu_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Use ns nanoseconds of CPU time: a fixed amount of work, as fib and
 * primes are, so a spin that shares its processor with other workers takes
 * longer, and its own time (what it would take alone) stays ns.  A stopped
 * worker uses no CPU: spin follows the pool clock by itself. */
static void
spin_ns(uint64_t ns)
{
	volatile uint64_t	sink;
	uint64_t		end = cpu_ns() + ns;
	uint64_t		x = 88172645463325252ULL;
	int			i;

	do {
		for (i = 0; i < 1000; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
		}
		sink = x;
	} while (cpu_ns() < end);
	(void)sink;
}

/* Count the primes <= n with a sieve of odd numbers, one bit each (bit k
 * stands for 2k+1).  Returns -1 if the sieve cannot be allocated. */
static int64_t
count_primes(int64_t n)
{
	uint64_t	*bits, m, k, j, q, composite = 0;

	if (n < 2)
		return 0;
	m = (uint64_t)(n - 1) / 2;	/* odd numbers 3..n: bits 1..m */
	if ((bits = calloc(m / 64 + 1, sizeof *bits)) == NULL)
		return -1;
	for (k = 1;; k++) {
		q = 2 * k + 1;
		if (q * q > (uint64_t)n)
			break;
		if (bits[k / 64] & (1ULL << (k % 64)))
			continue;
		for (j = (q * q - 1) / 2; j <= m; j += q)
			bits[j / 64] |= 1ULL << (j % 64);
	}
	for (k = 0; k <= m / 64; k++)
		composite += (uint64_t)__builtin_popcountll(bits[k]);
	free(bits);
	return (int64_t)(1 + m - composite);	/* 2, and the odd primes */
}

/* The naive recursive Fibonacci number: slow on purpose. */
static int64_t
fib(int n)
{
	return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

/* Die by SIGSEGV, whatever handlers are installed (AddressSanitizer's
 * included), without leaving a core file. */
static void __attribute__((noreturn))
crash(void)
{
	struct sigaction	sa;
	struct rlimit		rl = { 0, 0 };
	sigset_t		set;
	unsigned long		ksa[8];

	setrlimit(RLIMIT_CORE, &rl);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, NULL);
#ifdef SYS_rt_sigaction
	/* Sanitizers intercept sigaction(); an all-zero kernel sigaction is
	 * SIG_DFL on every Linux architecture. */
	memset(ksa, 0, sizeof ksa);
	syscall(SYS_rt_sigaction, SIGSEGV, ksa, NULL, (size_t)(_NSIG - 1) / 8);
#else
	(void)ksa;
#endif
	sigemptyset(&set);
	sigaddset(&set, SIGSEGV);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	raise(SIGSEGV);
	_exit(139);
}

static const struct {
	int		 sig;
	const char	*name;
} signames[] = {
	{ SIGHUP, "SIGHUP" }, { SIGINT, "SIGINT" }, { SIGQUIT, "SIGQUIT" },
	{ SIGILL, "SIGILL" }, { SIGTRAP, "SIGTRAP" }, { SIGABRT, "SIGABRT" },
	{ SIGBUS, "SIGBUS" }, { SIGFPE, "SIGFPE" }, { SIGKILL, "SIGKILL" },
	{ SIGUSR1, "SIGUSR1" }, { SIGSEGV, "SIGSEGV" }, { SIGUSR2, "SIGUSR2" },
	{ SIGPIPE, "SIGPIPE" }, { SIGALRM, "SIGALRM" }, { SIGTERM, "SIGTERM" },
	{ SIGCHLD, "SIGCHLD" }, { SIGCONT, "SIGCONT" }, { SIGSTOP, "SIGSTOP" },
	{ SIGTSTP, "SIGTSTP" }, { SIGTTIN, "SIGTTIN" }, { SIGTTOU, "SIGTTOU" },
	{ SIGURG, "SIGURG" }, { SIGXCPU, "SIGXCPU" }, { SIGXFSZ, "SIGXFSZ" },
	{ SIGVTALRM, "SIGVTALRM" }, { SIGPROF, "SIGPROF" },
	{ SIGWINCH, "SIGWINCH" }, { SIGIO, "SIGIO" }, { SIGSYS, "SIGSYS" },
};

/* "SIGSEGV", or "signal N" for one without a name here. */
static void
signal_name(int sig, char *buf, size_t len)
{
	size_t	i;

	for (i = 0; i < sizeof signames / sizeof signames[0]; i++) {
		if (signames[i].sig == sig) {
			strlcpy(buf, signames[i].name, len);
			return;
		}
	}
	snprintf(buf, len, "signal %d", sig);
}

/* The child of an sh task: become /bin/sh -c cmd, writing to wfd. */
static void __attribute__((noreturn))
sh_child(const char *cmd, int wfd, pid_t parent)
{
	sigset_t	set;
	int		sig, out, in;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1 || getppid() != parent)
		_exit(127);
	for (sig = 1; sig < NSIG; sig++) {
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
	}
	sigemptyset(&set);
	sigprocmask(SIG_SETMASK, &set, NULL);

	/* Move both ends above 2 first, so dup2 never meets itself. */
	if ((in = open("/dev/null", O_RDONLY | O_CLOEXEC)) == -1 ||
	    (in = fcntl(in, F_DUPFD_CLOEXEC, 3)) == -1 ||
	    (out = fcntl(wfd, F_DUPFD_CLOEXEC, 3)) == -1)
		_exit(127);
	if (dup2(in, STDIN_FILENO) == -1 || dup2(out, STDOUT_FILENO) == -1 ||
	    dup2(out, STDERR_FILENO) == -1)
		_exit(127);
	closefrom(3);
	execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
	dprintf(STDERR_FILENO, "sh: cannot run /bin/sh: %s\n",
	    strerror(errno));
	_exit(127);
}

/*
 * An sh task's commands live in a process group of their own, led by a
 * keeper: the worker forks the keeper, the keeper forks /bin/sh.  A
 * pipeline, a background job, anything the command starts stays in the
 * group, and the group is killed whole: by the worker when the task ends
 * (what the command left running goes with it), and by the keeper when
 * the worker dies (a timeout, a kill from the screen, poolscope itself
 * killed even by SIGKILL: the worker dies with it, and the keeper hears of
 * it through PR_SET_PDEATHSIG).  The keeper ends as its shell did.
 */
static void
keeper_orphaned(int sig)
{
	(void)sig;
	kill(0, SIGKILL);	/* the whole group, the keeper included */
}

static void __attribute__((noreturn))
sh_keeper(const char *cmd, int wfd, pid_t worker)
{
	struct sigaction	sa;
	sigset_t		set;
	int			status;
	pid_t			sh, me = getpid();

	setpgid(0, 0);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = keeper_orphaned;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) == -1 || getppid() != worker)
		keeper_orphaned(0);
	if ((sh = fork()) == -1) {
		dprintf(wfd, "sh: fork: %s\n", strerror(errno));
		_exit(127);
	}
	if (sh == 0)
		sh_child(cmd, wfd, me);
	close(wfd);
	while (waitpid(sh, &status, 0) == -1)
		if (errno != EINTR)
			_exit(127);
	if (WIFSIGNALED(status)) {
		signal(WTERMSIG(status), SIG_DFL);
		sigemptyset(&set);
		sigaddset(&set, WTERMSIG(status));
		sigprocmask(SIG_UNBLOCK, &set, NULL);
		raise(WTERMSIG(status));
		_exit(128 + WTERMSIG(status));
	}
	_exit(WEXITSTATUS(status));
}

/* Pass on what the command prints until its keeper has ended and what it
 * left behind is killed (a background job keeping the pipe open does not
 * hold the task up), or, without pidfds, until the pipe is closed. */
static void
sh_relay(int rfd, pid_t keeper, struct task_ctx *ctx)
{
	struct pollfd	pfd[2];
	char		buf[4096];
	ssize_t		n;
	int		pidfd, npfd = 1, gone = 0;

	pidfd = (int)syscall(SYS_pidfd_open, keeper, 0);
	pfd[0].fd = rfd;
	pfd[0].events = POLLIN;
	if (pidfd >= 0) {
		pfd[1].fd = pidfd;
		pfd[1].events = POLLIN;
		npfd = 2;
	}
	for (;;) {
		if (poll(pfd, npfd, -1) == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (npfd == 2 && (pfd[1].revents & POLLIN) && !gone) {
			/* The shell is done: nothing of its group outlives it. */
			kill(-keeper, SIGKILL);
			gone = 1;
			npfd = 1;
		}
		if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			n = read(rfd, buf, sizeof buf);
			if (n == -1 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			emit(ctx, buf, (size_t)n);
		}
	}
	if (pidfd >= 0)
		close(pidfd);
}

/* Run an sh task, passing its output on as it arrives. */
static void
run_sh(const char *cmd, struct task_ctx *ctx, struct task_outcome *out)
{
	struct rusage	ru;
	char		name[32];
	int		fds[2], status;
	pid_t		pid, parent = getpid(), r;

	if (cmd == NULL) {
		fail(out, "sh: no command");
		return;
	}
	if (pipe2(fds, O_CLOEXEC) == -1) {
		fail(out, "sh: pipe: %s", strerror(errno));
		return;
	}
	if ((pid = fork()) == -1) {
		fail(out, "sh: fork: %s", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return;
	}
	if (pid == 0) {
		close(fds[0]);
		sh_keeper(cmd, fds[1], parent);
	}
	close(fds[1]);
	/* Both sides set the group, so it exists before either goes on. */
	setpgid(pid, pid);
	if (ctx != NULL && ctx->group != NULL)
		ctx->group(ctx->arg, pid);
	sh_relay(fds[0], pid, ctx);
	close(fds[0]);

	memset(&ru, 0, sizeof ru);
	while ((r = wait4(pid, &status, 0, &ru)) == -1 && errno == EINTR)
		;
	kill(-pid, SIGKILL);
	if (ctx != NULL && ctx->group != NULL)
		ctx->group(ctx->arg, 0);
	out->child_cpu_ns = ((uint64_t)ru.ru_utime.tv_sec +
	    (uint64_t)ru.ru_stime.tv_sec) * 1000000000u +
	    ((uint64_t)ru.ru_utime.tv_usec + (uint64_t)ru.ru_stime.tv_usec) *
	    1000u;
	if (r == -1)
		fail(out, "sh: waitpid: %s", strerror(errno));
	else if (WIFSIGNALED(status)) {
		signal_name(WTERMSIG(status), name, sizeof name);
		fail(out, "sh: killed by %s", name);
	} else
		result(out, WEXITSTATUS(status));
}

struct task_print {
	char	*buf;
	size_t	 size, len;
};

static void
task_print_out(void *arg, const char *text, size_t len)
{
	struct task_print	*p = arg;
	size_t			 n = p->size - 1 - p->len;

	n = len < n ? len : n;
	memcpy(p->buf + p->len, text, n);
	p->len += n;
}

size_t
task_print(const struct task *t, char *buf, size_t size)
{
	struct task_print	p = { buf, size, 0 };
	struct task_ctx		ctx = { task_print_out, &p, 1, NULL, NULL };
	struct task_outcome	out;

	if (size == 0)
		return 0;
	if (task_kind_instant(t->kind))
		task_run(t, &ctx, &out);
	buf[p.len] = '\0';
	return p.len;
}

void
task_run(const struct task *t, struct task_ctx *ctx, struct task_outcome *out)
{
	double	scale = ctx != NULL ? ctx->time_scale : 1;
	int64_t	n = t->arg, r;

	out->status = TASK_OK;
	out->has_value = 0;
	out->child_cpu_ns = 0;
	out->error[0] = '\0';

	switch (t->kind) {
	case TASK_SQUARE:
		if (__builtin_mul_overflow(n, n, &r)) {
			fail(out, "square: %lld * %lld overflows", (long long)n,
			    (long long)n);
			break;
		}
		emit_of(ctx, "square of ", n, r);
		result(out, r);
		break;
	case TASK_CUBE:
		if (__builtin_mul_overflow(n, n, &r) ||
		    __builtin_mul_overflow(r, n, &r)) {
			fail(out, "cube: %lld cubed overflows", (long long)n);
			break;
		}
		emit_of(ctx, "cube of ", n, r);
		result(out, r);
		break;
	case TASK_PRINT:
		emit_of(ctx, "", n, 0);
		break;
	case TASK_HELLO:
		emitf(ctx, "I'm the process with id: %lld\n", (long long)n);
		break;
	case TASK_SLEEP:
		sleep_ns(scaled_ns(n, scale), ctx != NULL ? ctx->paused_ns :
		    NULL);
		result(out, n);
		break;
	case TASK_SPIN:
		spin_ns(scaled_ns(n, scale));
		result(out, n);
		break;
	case TASK_PRIMES:
		if (n > TASK_MAX_PRIMES) {
			fail(out, "primes: %lld is over the limit of %lld",
			    (long long)n, TASK_MAX_PRIMES);
			break;
		}
		if ((r = count_primes(n)) == -1)
			fail(out, "primes: out of memory for a sieve up to "
			    "%lld", (long long)n);
		else
			result(out, r);
		break;
	case TASK_FIB:
		if (n < 0 || n > TASK_MAX_FIB) {
			fail(out, "fib: %lld is outside 0..%d", (long long)n,
			    TASK_MAX_FIB);
			break;
		}
		result(out, fib((int)n));
		break;
	case TASK_FAIL:
		fail(out, "fail: the task raised an error");
		break;
	case TASK_CRASH:
		crash();
	case TASK_HANG:
		for (;;)
			pause();
	case TASK_SH:
		run_sh(t->cmd, ctx, out);
		break;
	default:
		fail(out, "unknown task kind %d", t->kind);
		break;
	}
}
