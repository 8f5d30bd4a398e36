/*
 * replay.c: reading recordings (record.h describes the format) and playing
 * them back.  The whole file is checked when it is opened, so a truncated,
 * malformed, foreign or inconsistent file is refused with its line number
 * before anything is shown: each line on its own (its fields and their
 * ranges) and the lines together (time never goes back, each task ends
 * once, the caller receives each result once, numbered in order and only
 * after its task ended, and run_end's counts are the events').  Checked
 * events are kept in a compact form that playing decodes as each is due.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"
#include "tasks/tasks.h"
#include "engine/order.h"
#include "batch/record.h"
#include "replay/json.h"
#include "batch/evjson.h"
#include "replay/replay.h"

#define REPLAY_MAX_BYTES	(1024ul * 1024 * 1024)

/*
 * The events are kept, once checked, as a compact stream rather than as
 * the lines of the file: a record is a byte of type, a byte saying which
 * fields differ from an empty event's, a byte of value kind and flags,
 * the time since the previous event, then those fields as varints, and
 * any text with its length (and a NUL).  Keeping lines and parsing each
 * again as it was due made playing cost as much as checking; a record
 * is about a quarter of its line (83 MB for the 350 MB recording of a
 * million squares) and decodes in a few dozen nanoseconds.  The file
 * itself is read a block at a time and never held whole.
 */
#define RF_WORKER	0x01	/* != -1 */
#define RF_PID		0x02
#define RF_TASK		0x04	/* != -1 */
#define RF_SEQ		0x08
#define RF_CHUNK	0x10
#define RF_VALUE	0x20
#define RF_STATE	0x40
#define RF_TEXT		0x80
#define RF_STATS	0x08	/* in the third byte, above the value kind */

/* What each task has been through so far, for the checks across lines. */
#define TS_DONE		1
#define TS_FAILED	2
#define TS_SKIPPED	3
#define TS_ENDED	3	/* the mask of the three above */
#define TS_RESULT	4

struct replay {
	char		*path;
	struct tasklist	 tl;
	struct evjson_reader shape;	/* the stream's shape: run_start's
					   and run_end's infos, the ranges */

	/* The checked events. */
	uint8_t		*ev;
	size_t		 evlen, evcap;
	size_t		 n;		/* events */
	uint64_t	 length;	/* the last event's time, ns */

	/* Reading: the line being checked, and what came before it. */
	struct json_obj	 obj;
	uint8_t		*tstate;	/* per task: TS_* */
	size_t		 ndone, nfailed, nskipped, nresults;
	uint64_t	 tlast;

	/* Playing. */
	struct event_sink sink;
	struct event	 cur;		/* the next event, decoded */
	size_t		 next;		/* its index ... */
	size_t		 rd;		/* ... and its offset in ev */
	uint64_t	 tprev;		/* the time the record's delta is from */
	double		 scale;
	uint64_t	 base;		/* monotonic ns at position 0 */
	uint64_t	 pos;		/* position when paused */
	int		 paused;
	int		 started;
};

/* An event line into ev, each field checked on its own (evjson.c says
 * what each type carries; strings point into r->obj and the reader). */
static int
replay_event(struct replay *r, const char *line, size_t linelen,
    struct event *ev, char *err, size_t errlen)
{
	if (json_parse_object(&r->obj, line, linelen, err, errlen) != 0)
		return -1;
	return evjson_read(&r->shape, &r->obj, ev, err, errlen);
}

/* The header's task lines, joined into one task-list text.  The length
 * is kept so each line is an append: a strlen of the text so far per line
 * made a header of 400k task lines take seconds to read. */
struct replay_text {
	char	*buf;
	size_t	 len, cap;
};

static int
replay_task_line(void *arg, const char *s, size_t len)
{
	struct replay_text	*t = arg;

	if (memchr(s, '\n', len) != NULL)
		return -1;
	if (t->len + len + 2 > t->cap) {
		while (t->len + len + 2 > t->cap)
			t->cap = t->cap ? t->cap * 2 : 4096;
		t->buf = xreallocarray(t->buf, t->cap, 1);
	}
	memcpy(t->buf + t->len, s, len);
	t->buf[t->len + len] = '\n';
	t->len += len + 1;
	t->buf[t->len] = '\0';
	return 0;
}

/* Room for n more bytes of stream. */
static void
replay_reserve(struct replay *r, size_t n)
{
	if (r->evlen + n > r->evcap) {
		while (r->evlen + n > r->evcap)
			r->evcap = r->evcap ? r->evcap * 2 : 65536;
		r->ev = xreallocarray(r->ev, r->evcap, 1);
	}
}

static uint8_t *
replay_put_varint(uint8_t *w, uint64_t v)
{
	while (v >= 0x80) {
		*w++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*w++ = (uint8_t)v;
	return w;
}

/* Signed as unsigned, small magnitudes small (zigzag). */
static uint8_t *
replay_put_signed(uint8_t *w, int64_t v)
{
	return replay_put_varint(w, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

static uint64_t
replay_get_varint(const uint8_t **pp)
{
	const uint8_t	*p = *pp;
	uint64_t	 v = 0;
	int		 shift = 0;

	while (*p & 0x80) {
		v |= (uint64_t)(*p++ & 0x7f) << shift;
		shift += 7;
	}
	v |= (uint64_t)*p++ << shift;
	*pp = p;
	return v;
}

static int64_t
replay_get_signed(const uint8_t **pp)
{
	uint64_t	u = replay_get_varint(pp);

	return (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
}

/* A checked event onto the end of the stream (its time is not before the
 * previous event's).  Room is made once for the longest record, so the
 * fields are written straight in. */
static void
replay_encode(struct replay *r, const struct event *ev)
{
	uint8_t	*w, mask;

	mask = (ev->worker != -1 ? RF_WORKER : 0) | (ev->pid != 0 ? RF_PID : 0) |
	    (ev->task != -1 ? RF_TASK : 0) | (ev->seq != 0 ? RF_SEQ : 0) |
	    (ev->chunk != 0 ? RF_CHUNK : 0) | (ev->value != 0 ? RF_VALUE : 0) |
	    (ev->state != 0 ? RF_STATE : 0) | (ev->text != NULL ? RF_TEXT : 0);
	/* 3 bytes, then at most 11 varints of at most 10 bytes, the text and
	 * its NUL. */
	replay_reserve(r, 3 + 11 * 10 + (ev->text != NULL ? ev->len + 1 : 0));
	w = r->ev + r->evlen;
	*w++ = (uint8_t)ev->type;
	*w++ = mask;
	*w++ = (uint8_t)ev->vkind | (ev->has_stats ? RF_STATS : 0);
	w = replay_put_varint(w, ev->t - r->tlast);
	if (mask & RF_WORKER)
		w = replay_put_signed(w, ev->worker);
	if (mask & RF_PID)
		w = replay_put_signed(w, ev->pid);
	if (mask & RF_TASK)
		w = replay_put_signed(w, ev->task);
	if (mask & RF_SEQ)
		w = replay_put_signed(w, ev->seq);
	if (mask & RF_CHUNK)
		w = replay_put_signed(w, ev->chunk);
	if (mask & RF_VALUE)
		w = replay_put_signed(w, ev->value);
	if (mask & RF_STATE)
		w = replay_put_signed(w, ev->state);
	if (ev->has_stats) {
		w = replay_put_varint(w, ev->cpu_ns);
		w = replay_put_varint(w, ev->wait_ns);
	}
	if (ev->text != NULL) {
		w = replay_put_varint(w, ev->len);
		memcpy(w, ev->text, ev->len);
		w += ev->len;
		*w++ = '\0';
	}
	r->evlen = (size_t)(w - r->ev);
	r->tlast = ev->t;
	r->length = ev->t;
	r->n++;
}

/* The event at r->rd into r->cur. */
static void
replay_decode(struct replay *r)
{
	const uint8_t	*p = r->ev + r->rd;
	struct event	*ev = &r->cur;
	unsigned	 mask;

	event_init(ev, p[0], -1, 0, -1);
	mask = p[1];
	ev->vkind = p[2] & 7;
	ev->has_stats = (p[2] & RF_STATS) != 0;
	p += 3;
	r->tprev += replay_get_varint(&p);
	ev->t = r->tprev;
	if (mask & RF_WORKER)
		ev->worker = (int)replay_get_signed(&p);
	if (mask & RF_PID)
		ev->pid = (pid_t)replay_get_signed(&p);
	if (mask & RF_TASK)
		ev->task = replay_get_signed(&p);
	if (mask & RF_SEQ)
		ev->seq = replay_get_signed(&p);
	if (mask & RF_CHUNK)
		ev->chunk = replay_get_signed(&p);
	if (mask & RF_VALUE)
		ev->value = replay_get_signed(&p);
	if (mask & RF_STATE)
		ev->state = (int)replay_get_signed(&p);
	if (ev->has_stats) {
		ev->cpu_ns = replay_get_varint(&p);
		ev->wait_ns = replay_get_varint(&p);
	}
	if (mask & RF_TEXT) {
		ev->len = replay_get_varint(&p);
		ev->text = (const char *)p;
		p += ev->len + 1;
	}
	if (ev->type == EV_RUN_START)
		ev->run = &r->shape.start;
	else if (ev->type == EV_RUN_END)
		ev->run = &r->shape.end;
	r->rd = (size_t)(p - r->ev);
}

/* Back to the first event. */
static void
replay_rewind(struct replay *r)
{
	r->next = 0;
	r->rd = 0;
	r->tprev = 0;
	if (r->n > 0)
		replay_decode(r);
}

static const char *
replay_end_name(int ts)
{
	switch (ts & TS_ENDED) {
	case TS_DONE:
		return "task_done";
	case TS_FAILED:
		return "task_fail";
	default:
		return "task_skip";
	}
}

/*
 * The checks across lines, for an event that is right on its own: what a
 * consumer would otherwise have to take on trust.  The model counts each
 * task end and each result once, the result list is filled by seq, and
 * the summary repeats run_end's counts, so an edited or damaged file
 * would show a run that never happened.
 */
static int
replay_check(struct replay *r, const struct event *ev, char *err,
    size_t errlen)
{
	const struct run_info	*ri = &r->shape.end;
	uint8_t			*ts;
	size_t			 ended;
	int			 raised;

	/* replay_event has checked that these events' task is a task. */
	switch (ev->type) {
	case EV_TASK_DONE:
	case EV_TASK_FAIL:
	case EV_TASK_SKIP:
		ts = &r->tstate[ev->task];
		if (*ts & TS_ENDED) {
			snprintf(err, errlen, "task %" PRId64 " ends a second "
			    "time (%s after %s): a task ends once; the "
			    "recording is damaged, record the run again",
			    ev->task, event_type_name(ev->type),
			    replay_end_name(*ts));
			return -1;
		}
		*ts |= ev->type == EV_TASK_DONE ? TS_DONE : ev->type ==
		    EV_TASK_FAIL ? TS_FAILED : TS_SKIPPED;
		if (ev->type == EV_TASK_DONE)
			r->ndone++;
		else if (ev->type == EV_TASK_FAIL)
			r->nfailed++;
		else
			r->nskipped++;
		break;
	case EV_RESULT:
		ts = &r->tstate[ev->task];
		if (*ts & TS_RESULT) {
			snprintf(err, errlen, "a second result for task %"
			    PRId64 ": the caller receives each result once; "
			    "the recording is damaged, record the run again",
			    ev->task);
			return -1;
		}
		if ((uint64_t)ev->seq != r->nresults) {
			snprintf(err, errlen, "result 'seq' %" PRId64 " where %zu "
			    "was due: results are numbered 0, 1, 2, ... as the "
			    "caller receives them, so one is %s; the recording "
			    "is damaged, record the run again", ev->seq,
			    r->nresults, (uint64_t)ev->seq > r->nresults ?
			    "missing" : "repeated");
			return -1;
		}
		if ((*ts & TS_ENDED) == 0 || (*ts & TS_ENDED) == TS_SKIPPED) {
			snprintf(err, errlen, "a result for task %" PRId64 ", "
			    "which %s: the caller receives a result only once "
			    "its task is done or has failed; the recording is "
			    "damaged, record the run again", ev->task,
			    (*ts & TS_ENDED) == 0 ? "has not ended (no task_done "
			    "or task_fail before it)" : "never ran (task_skip)");
			return -1;
		}
		*ts |= TS_RESULT;
		r->nresults++;
		break;
	case EV_RUN_END:
		if (ri->ok != r->ndone || ri->failed != r->nfailed ||
		    ri->skipped != r->nskipped) {
			snprintf(err, errlen, "run_end says %zu ok, %zu "
			    "failed, %zu skipped, but the events before it "
			    "hold %zu task_done, %zu task_fail and %zu "
			    "task_skip; the recording is damaged, record the "
			    "run again", ri->ok, ri->failed, ri->skipped,
			    r->ndone, r->nfailed, r->nskipped);
			return -1;
		}
		/*
		 * Every task that ended reached the caller, unless the call
		 * raised (map, imap and imap_unordered stop at a failure),
		 * the run was stopped before its end, or in process mode,
		 * where a process that could not be forked is never joined.
		 */
		ended = r->ndone + r->nfailed;
		raised = pool_raises(ri->mode, ri->keep_going) &&
		    r->nfailed > 0;
		if (!raised && !run_info_unfinished(ri) && !ri->program &&
		    ri->mode != MODE_PROCESS && r->nresults != ended) {
			snprintf(err, errlen, "%zu tasks ended and the call "
			    "did not raise, but the caller received %zu "
			    "results: %zu %s missing; the recording is damaged, "
			    "record the run again", ended, r->nresults,
			    ended - r->nresults, ended - r->nresults == 1 ?
			    "is" : "are");
			return -1;
		}
		break;
	}
	return 0;
}

/* A line of the file, checked, onto the stream; its type in *type. */
static int
replay_line(struct replay *r, const char *s, size_t len, int *type, char *err,
    size_t errlen)
{
	struct event	ev;

	if (replay_event(r, s, len, &ev, err, errlen) != 0)
		return -1;
	if (r->n == 0 && ev.type != EV_RUN_START) {
		snprintf(err, errlen, "the first event must be run_start");
		return -1;
	}
	if (r->n > 0 && ev.type == EV_RUN_START) {
		snprintf(err, errlen, "a second run_start");
		return -1;
	}
	if (r->n > 0 && ev.t < r->tlast) {
		snprintf(err, errlen, "time goes backwards");
		return -1;
	}
	if (ev.type == EV_RUN_START && ev.run->program && r->tl.n > 0) {
		snprintf(err, errlen, "a Python program's recording lists no "
		    "tasks in its header (they come with task_submit)");
		return -1;
	}
	if (ev.type == EV_TASK_SUBMIT) {
		/* A program's task: its call is its label. */
		tasklist_append_call(&r->tl, ev.text ? ev.text : "", ev.len);
		r->tstate = xreallocarray(r->tstate, r->tl.n, 1);
		r->tstate[r->tl.n - 1] = 0;
	}
	if (replay_check(r, &ev, err, errlen) != 0)
		return -1;
	replay_encode(r, &ev);
	*type = ev.type;
	return 0;
}

static struct replay *
replay_fail(struct replay *r, char *err, size_t errlen, size_t line,
    const char *what)
{
	char	msg[1200];

	if (line > 0)
		snprintf(msg, sizeof msg, "%s:%zu: %s", r->path, line, what);
	else
		snprintf(msg, sizeof msg, "%s: %s", r->path, what);
	snprintf(err, errlen, "%s", msg);
	replay_free(r);
	return NULL;
}

static const char *
replay_file_kind(mode_t mode)
{
	if (S_ISFIFO(mode))
		return "a named pipe (FIFO)";
	if (S_ISCHR(mode))
		return "a character device";
	if (S_ISBLK(mode))
		return "a block device";
	if (S_ISSOCK(mode))
		return "a socket";
	return "a special file";
}

/*
 * The recording, read in large blocks into a buffer of our own, whose
 * lines are parsed where they lie: getdelim copied each line out of
 * stdio's buffer, a seventh of replaying a million tasks.  The buffer
 * grows to hold the longest line (a header lists every task).
 */
#ifndef REPLAY_BLOCK		/* a test may build with a tiny one */
#define REPLAY_BLOCK	(1024 * 1024)
#endif

struct replay_in {
	int	 fd;
	char	*buf;
	size_t	 cap;
	size_t	 off, len;	/* the unread bytes are buf[off, len) */
	size_t	 nul;		/* a NUL at buf[nul] (off <= nul < len), or
				   SIZE_MAX: none read */
	size_t	 total;		/* bytes in the lines so far */
	size_t	 size;		/* the file's, when it was opened */
	int	 eof;
};

/*
 * Open the recording for reading, or -1 with why.  Only a regular file:
 * opening a named pipe would wait for a writer for ever and a device such
 * as /dev/zero never ends, and a recording is checked whole before it
 * plays, so it must be complete.  O_NONBLOCK keeps the open itself from
 * waiting on a pipe; it means nothing for the regular file read after.
 */
static int
replay_file(const char *path, struct replay_in *in, char *why, size_t whylen)
{
	struct stat	 sb;
	int		 fd, saved;

	memset(in, 0, sizeof *in);
	in->fd = -1;
	in->nul = SIZE_MAX;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd == -1 || fstat(fd, &sb) != 0) {
		saved = errno;
		if (fd != -1)
			close(fd);
		snprintf(why, whylen, "cannot read the recording: %s; check "
		    "the path", strerror(saved));
		return -1;
	}
	if (S_ISDIR(sb.st_mode))
		snprintf(why, whylen, "is a directory, not a recording");
	else if (!S_ISREG(sb.st_mode))
		snprintf(why, whylen, "is %s, not a regular file: a recording "
		    "is read whole before it plays; give a file made with "
		    "--record FILE", replay_file_kind(sb.st_mode));
	else if ((uint64_t)sb.st_size > REPLAY_MAX_BYTES)
		snprintf(why, whylen, "is larger than 1 GiB, too large to "
		    "replay");
	else if (sb.st_size == 0)
		snprintf(why, whylen, "is empty, not a recording; make one "
		    "with --record FILE");
	else {
		in->fd = fd;
		in->size = (size_t)sb.st_size;
		in->cap = REPLAY_BLOCK;
		in->buf = xreallocarray(NULL, in->cap, 1);
		return 0;
	}
	close(fd);
	return -1;
}

static void
replay_in_close(struct replay_in *in)
{
	if (in->fd != -1)
		close(in->fd);
	in->fd = -1;
	free(in->buf);
	in->buf = NULL;
}

/* More of the file after what is unread; 0 at its end, -1 on an error. */
static ssize_t
replay_fill(struct replay_in *in)
{
	ssize_t	n;

	if (in->off > 0) {
		memmove(in->buf, in->buf + in->off, in->len - in->off);
		in->len -= in->off;
		if (in->nul != SIZE_MAX)
			in->nul -= in->off;
		in->off = 0;
	}
	if (in->len == in->cap) {
		in->cap *= 2;
		in->buf = xreallocarray(in->buf, in->cap, 1);
	}
	do
		n = read(in->fd, in->buf + in->len, in->cap - in->len);
	while (n == -1 && errno == EINTR);
	if (n > 0) {
		/* One look for a NUL a block, not one a line. */
		if (in->nul == SIZE_MAX) {
			const char *z = memchr(in->buf + in->len, '\0',
			    (size_t)n);

			if (z != NULL)
				in->nul = (size_t)(z - in->buf);
		}
		in->len += (size_t)n;
	}
	return n;
}

/* The next line without its newline, in place (the next call may move or
 * overwrite it): its length, or -1 at the end (or on an error, with why
 * set). */
static ssize_t
replay_getline(struct replay_in *in, char **line, char *why, size_t whylen)
{
	char	*nl = NULL;
	size_t	 scan = in->off, n;
	ssize_t	 got;

	*why = '\0';
	for (;;) {
		if (scan < in->len &&
		    (nl = memchr(in->buf + scan, '\n', in->len - scan)) != NULL)
			break;
		scan = in->len - in->off;	/* where it will be after */
		if (in->eof)
			break;
		if ((got = replay_fill(in)) == -1) {
			snprintf(why, whylen, "cannot read the recording: %s",
			    strerror(errno));
			return -1;
		}
		if (got == 0)
			in->eof = 1;
	}
	if (nl == NULL && in->off == in->len)
		return -1;
	/* A last line may have no newline. */
	n = (nl != NULL ? (size_t)(nl - in->buf) + 1 : in->len) - in->off;
	in->total += n;
	if (in->total > REPLAY_MAX_BYTES) {
		snprintf(why, whylen, "is larger than 1 GiB, too large to "
		    "replay");
		return -1;
	}
	*line = in->buf + in->off;
	in->off += n;
	if (nl != NULL)
		n--;
	if (in->nul != SIZE_MAX && in->nul < in->off) {
		snprintf(why, whylen, "holds binary data, not a poolscope "
		    "recording (JSON Lines from --record)");
		return -1;
	}
	return (ssize_t)n;
}

/* The header line: the format, its version and the task list. */
static int
replay_header(struct replay *r, const char *path, char *buf, size_t n,
    char *why, size_t whylen)
{
	struct replay_text	 tasks = { NULL, 0, 0 };
	const struct json_field	*f;
	char			 perr[1024];
	int64_t			 v;
	size_t			 i;
	int			 rc;

	if (json_parse_object(&r->obj, buf, n, why, whylen) != 0 ||
	    (f = json_get(&r->obj, "ev")) == NULL || f->type != J_STR ||
	    strcmp(f->str, "recording") != 0) {
		snprintf(why, whylen, "not a poolscope recording (its first "
		    "line must be the 'recording' header written by --record)");
		return -1;
	}
	if (json_get_int(&r->obj, "version", 1, 1000, &v, why, whylen) != 0)
		return -1;
	if (v != RECORD_VERSION) {
		snprintf(why, whylen, "recording format version %" PRId64
		    "; this poolscope reads version %d", v, RECORD_VERSION);
		return -1;
	}
	f = json_get(&r->obj, "tasks");
	if (f == NULL || f->type != J_ARR || json_array_strings(f,
	    replay_task_line, &tasks, why, whylen) != 0) {
		free(tasks.buf);
		snprintf(why, whylen, "the header's 'tasks' must be a list "
		    "of task lines");
		return -1;
	}
	/* An empty list is a run of nothing (Pool.map(f, []) returns []). */
	rc = tasklist_parse(&r->tl, path, tasks.buf ? tasks.buf : "",
	    tasks.len, 0, perr, sizeof perr);
	free(tasks.buf);
	if (rc != 0) {
		snprintf(why, whylen, "the recorded task list does not "
		    "parse: %.400s", perr);
		for (i = 0; why[i] != '\0'; i++)
			if (why[i] == '\n')
				why[i] = ' ';
		return -1;
	}
	return 0;
}

struct replay *
replay_open(const char *path, char *err, size_t errlen)
{
	struct replay	*r = xcalloc(1, sizeof *r);
	struct replay_in in;
	char		 why[1024], *buf;
	size_t		 line = 1;
	ssize_t		 n;
	int		 type = -1;

	r->path = xstrdup(path);
	r->scale = 1;
	if (replay_file(path, &in, why, sizeof why) != 0)
		return replay_fail(r, err, errlen, 0, why);
	/* A record is about a quarter of its line: room for them all at
	 * once, rather than copies as it doubles (pages never touched cost
	 * nothing, and what is left over goes once the file is read). */
	r->evcap = in.size / 4 + 65536;
	r->ev = xreallocarray(NULL, r->evcap, 1);

	/* The header: the format and the task list. */
	if ((n = replay_getline(&in, &buf, why, sizeof why)) == -1) {
		if (*why == '\0')
			snprintf(why, sizeof why, "is empty, not a recording; "
			    "make one with --record FILE");
		goto fail;
	}
	if (replay_header(r, path, buf, (size_t)n, why, sizeof why) != 0)
		goto fail;
	r->shape.ntasks = r->tl.n;
	r->tstate = xcalloc(r->tl.n > 0 ? r->tl.n : 1, 1);

	/* Every event line, checked now. */
	for (;;) {
		line++;
		if ((n = replay_getline(&in, &buf, why, sizeof why)) == -1) {
			if (*why != '\0')
				goto fail;
			line--;
			break;
		}
		if (n == 0)
			continue;	/* a blank line */
		if (type == EV_RUN_END) {
			snprintf(why, sizeof why, "events after run_end");
			goto fail;
		}
		if (replay_line(r, buf, (size_t)n, &type, why, sizeof why) != 0)
			goto fail;
	}
	replay_in_close(&in);
	if (r->n == 0)
		return replay_fail(r, err, errlen, 0, "holds no events after its "
		    "header: the recording is truncated");
	if (type != EV_RUN_END) {
		snprintf(why, sizeof why, "ends at line %zu before the run's end "
		    "(no run_end): the recording is truncated", line);
		return replay_fail(r, err, errlen, 0, why);
	}

	/* What only reading needed goes; the stream is kept as it is. */
	json_obj_free(&r->obj);
	free(r->tstate);
	r->tstate = NULL;
	evjson_reader_free(&r->shape);
	r->ev = xreallocarray(r->ev, r->evlen, 1);
	r->evcap = r->evlen;
	replay_rewind(r);
	return r;

fail:
	replay_in_close(&in);
	return replay_fail(r, err, errlen, line, why);
}

void
replay_free(struct replay *r)
{
	if (r == NULL)
		return;
	json_obj_free(&r->obj);
	tasklist_free(&r->tl);
	free(r->ev);
	evjson_reader_free(&r->shape);
	free(r->tstate);
	free(r->path);
	free(r);
}

struct tasklist *
replay_tasklist(struct replay *r)
{
	return &r->tl;
}

const struct run_info *
replay_run_info(struct replay *r)
{
	return &r->shape.start;
}

uint64_t
replay_length(struct replay *r)
{
	return r->length;
}

uint64_t
replay_position(struct replay *r)
{
	uint64_t	now = now_ns(), pos;

	if (r->paused || !r->started)
		return r->pos;
	if (now < r->base)
		return 0;
	pos = (uint64_t)((now - r->base) / r->scale);
	/* Past the end the clock stops: seeking counts from the end. */
	return pos > replay_length(r) ? replay_length(r) : pos;
}

static void
replay_rebase(struct replay *r, uint64_t pos)
{
	r->pos = pos;
	r->base = now_ns() - (uint64_t)(pos * r->scale);
}

void
replay_start(struct replay *r, const struct event_sink *sink, double scale)
{
	r->sink = *sink;
	r->scale = scale > 0 ? scale : 1;
	replay_rewind(r);
	r->started = 1;
	replay_rebase(r, 0);
}

/* The next event to the sink, and the one after it decoded. */
static void
replay_emit(struct replay *r)
{
	if (r->sink.event != NULL)
		r->sink.event(r->sink.arg, &r->cur);
	if (++r->next < r->n)
		replay_decode(r);
}

void
replay_process(struct replay *r)
{
	uint64_t	pos = replay_position(r);

	while (r->next < r->n && r->cur.t <= pos)
		replay_emit(r);
	if (r->next == r->n) {
		r->pos = replay_length(r);
		if (r->sink.flush != NULL)
			r->sink.flush(r->sink.arg);
	}
}

int
replay_prepare_wait(struct replay *r)
{
	uint64_t	due, now = now_ns();

	if (r->next >= r->n || r->paused)
		return -1;
	due = r->base + (uint64_t)(r->cur.t * r->scale);
	if (due <= now)
		return 0;
	if (r->sink.flush != NULL)
		r->sink.flush(r->sink.arg);
	return (int)((due - now + 999999) / 1000000);
}

int
replay_finished(struct replay *r)
{
	return r->next >= r->n;
}

void
replay_stop(struct replay *r)
{
	r->pos = replay_position(r);
	r->next = r->n;
}

void
replay_pause(struct replay *r, int paused)
{
	if (paused == r->paused)
		return;
	if (paused) {
		r->pos = replay_position(r);
		r->paused = 1;
	} else {
		r->paused = 0;
		replay_rebase(r, r->pos);
	}
}

int
replay_paused(struct replay *r)
{
	return r->paused;
}

void
replay_step(struct replay *r)
{
	int	type;

	replay_pause(r, 1);
	while (r->next < r->n) {
		type = r->cur.type;
		r->pos = r->cur.t;
		replay_emit(r);
		if (type == EV_TASK_DONE || type == EV_TASK_FAIL ||
		    type == EV_RESULT)
			break;
	}
}

void
replay_seek(struct replay *r, int64_t delta)
{
	uint64_t	pos = replay_position(r), target;

	if (delta < 0 && (uint64_t)-delta > pos)
		target = 0;
	else
		target = pos + delta;
	if (target > replay_length(r))
		target = replay_length(r);
	if (target < pos)
		replay_rewind(r);	/* run_start resets every consumer */
	while (r->next < r->n && r->cur.t <= target)
		replay_emit(r);
	if (r->next == 0 && r->n > 0)
		replay_emit(r);	/* at least the run_start */
	if (r->paused)
		r->pos = target;
	else
		replay_rebase(r, target);
}

void
replay_set_scale(struct replay *r, double scale)
{
	uint64_t	pos = replay_position(r);

	if (scale <= 0)
		return;
	r->scale = scale;
	if (!r->paused)
		replay_rebase(r, pos);
}

double
replay_scale(struct replay *r)
{
	return r->scale;
}

int
replay_exit_status(struct replay *r)
{
	return (r->shape.end.failed > 0 || run_info_unfinished(&r->shape.end)) ?
	    1 : 0;
}
