/*
 * tasklist.c: the task-list parser, and the names and labels of task kinds.
 *
 * A list is text with one task per line, "KIND [ARG]"; an inline list (-t)
 * uses ';' between lines and "\;" for a literal ';'.  The whole input is first
 * checked for binary data, then each line loses its comment and white space,
 * is split into a kind word and an argument, numeric ranges are expanded and
 * every limit of tasks.h is enforced.  The parser never exits: an error is
 * written to the caller's buffer as "NAME:LINE:COL: message", a newline, the
 * source line, a newline and a caret under the column (no final newline).
 * Columns count characters (UTF-8 sequences) from 1; a tab counts as one and
 * is kept in the caret line so the caret still lines up.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"
#include "tasks.h"

#define TASKFILE_MAX	(64 * 1024 * 1024)	/* bytes in one task file */
#define SHOW_MAX	100	/* characters of a long source line shown */
#define QUOTE_MAX	40	/* bytes of user text quoted in a message */

enum arg_type {
	ARG_NUMBER,	/* an integer or a range */
	ARG_DURATION,	/* milliseconds, or a range of them */
	ARG_NONE,
	ARG_COMMAND	/* the rest of the line */
};

static const struct kind_info {
	const char	*name;
	int		 argtype;
	int64_t		 lo, hi;
	const char	*needs;	/* what to say when the argument is missing */
} kinds[TASK_NKINDS] = {
	[TASK_SQUARE] = { "square", ARG_NUMBER, -TASK_MAX_SQUARE,
	    TASK_MAX_SQUARE, "a number or a range, e.g. 'square 1..10'" },
	[TASK_CUBE] = { "cube", ARG_NUMBER, -TASK_MAX_CUBE, TASK_MAX_CUBE,
	    "a number or a range, e.g. 'cube 123'" },
	[TASK_PRINT] = { "print", ARG_NUMBER, -TASK_MAX_ID, TASK_MAX_ID,
	    "a number or a range, e.g. 'print 0..3'" },
	[TASK_HELLO] = { "hello", ARG_NUMBER, -TASK_MAX_ID, TASK_MAX_ID,
	    "an id or a range, e.g. 'hello 0..3'" },
	[TASK_SLEEP] = { "sleep", ARG_DURATION, 0, TASK_MAX_MS,
	    "a duration in milliseconds, e.g. 'sleep 250'" },
	[TASK_SPIN] = { "spin", ARG_DURATION, 0, TASK_MAX_MS,
	    "a duration in milliseconds, e.g. 'spin 250'" },
	[TASK_PRIMES] = { "primes", ARG_NUMBER, 0, TASK_MAX_PRIMES,
	    "an upper bound, e.g. 'primes 100000'" },
	[TASK_FIB] = { "fib", ARG_NUMBER, 0, TASK_MAX_FIB,
	    "a number, e.g. 'fib 30'" },
	[TASK_FAIL] = { "fail", ARG_NONE, 0, 0, NULL },
	[TASK_CRASH] = { "crash", ARG_NONE, 0, 0, NULL },
	[TASK_HANG] = { "hang", ARG_NONE, 0, 0, NULL },
	[TASK_SH] = { "sh", ARG_COMMAND, 0, 0,
	    "a command, e.g. 'sh echo hello'" },
};

/* One signed decimal number as written. */
struct number {
	const char	*s;	/* its text */
	size_t		 n;
	int		 neg;
	int		 big;	/* does not fit in 64 bits */
	uint64_t	 mag;	/* the absolute value, if !big */
};

struct parser {
	const char	*name;
	const char	*text;
	size_t		 len;
	int		 inline_list;
	char		*err;
	size_t		 errlen;

	struct tasklist	 tl;
	size_t		 strcap;	/* of tl.strings */

	/* The line being parsed, for messages and for the tasks. */
	uint32_t	 lineno;	/* the line in messages */
	uint32_t	 tline;		/* the line stored in tasks */
	size_t		 ls, le;	/* the source line shown in messages */
};

static int
is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* One character for columns: a valid sequence, or a single bad byte. */
static size_t
char_len(const char *s, size_t n)
{
	size_t	len = util_utf8_len((const unsigned char *)s, n);

	return len == 0 ? 1 : len;
}

/* Copy at most QUOTE_MAX bytes of s into buf, on a character boundary, with
 * "..." when cut. */
static const char *
quote(char *buf, size_t size, const char *s, size_t n)
{
	size_t	cut = n;

	if (n > QUOTE_MAX) {
		cut = QUOTE_MAX - 3;
		while (cut > 0 && ((unsigned char)s[cut] & 0xc0) == 0x80)
			cut--;
	}
	snprintf(buf, size, "%.*s%s", (int)cut, s, cut < n ? "..." : "");
	return buf;
}

/* Show the source line around offset off: the line (a window of it if it is
 * long) with control characters replaced, and the white space that puts a
 * caret under off.  Returns the 1-based column of off. */
static size_t
show_line(const char *s, size_t n, size_t off, char **linep, char **caretp)
{
	size_t	 i, k, u, total = 0, col = 0, first, last;
	char	*line, *caret, *lp, *cp;

	for (i = 0; i < n; i += k, total++) {
		k = char_len(s + i, n - i);
		if (i < off)
			col++;
	}
	col++;

	first = 0;
	if (total > SHOW_MAX && col - 1 > SHOW_MAX * 3 / 4)
		first = col - 1 - SHOW_MAX / 2;
	last = total;
	if (last - first > SHOW_MAX)
		last = first + SHOW_MAX;

	lp = line = xmalloc((last - first) * 4 + 8);
	cp = caret = xmalloc(last - first + 8);
	if (first > 0) {
		memcpy(lp, "...", 3);
		lp += 3;
		memcpy(cp, "   ", 3);
		cp += 3;
	}
	for (i = 0, u = 0; i < n && u < last; i += k, u++) {
		k = util_utf8_len((const unsigned char *)s + i, n - i);
		if (u >= first) {
			if (k == 0 || (k == 1 && (unsigned char)s[i] < 0x20 &&
			    s[i] != '\t') || s[i] == 0x7f) {
				*lp++ = (s[i] == '\n' || s[i] == '\r') ?
				    ' ' : '?';
			} else {
				memcpy(lp, s + i, k);
				lp += k;
			}
			if (u < col - 1)
				*cp++ = s[i] == '\t' ? '\t' : ' ';
		}
		if (k == 0)
			k = 1;
	}
	if (last < total) {
		memcpy(lp, "...", 3);
		lp += 3;
	}
	*lp = '\0';
	*cp = '\0';
	*linep = line;
	*caretp = caret;
	return col;
}

/* Write an error at offset pos of the current line; returns -1. */
static int __attribute__((format(printf, 3, 4)))
perr(struct parser *p, size_t pos, const char *fmt, ...)
{
	va_list	 ap;
	char	 msg[512], *line, *caret, *s;
	size_t	 col;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);

	col = show_line(p->text + p->ls, p->le - p->ls, pos - p->ls, &line,
	    &caret);
	xasprintf(&s, "%s:%u:%zu: %s\n%s\n%s^", p->name, p->lineno, col, msg,
	    line, caret);
	if (p->errlen > 0)
		strlcpy(p->err, s, p->errlen);
	free(s);
	free(line);
	free(caret);
	return -1;
}

/* Reject NUL bytes, control characters and invalid UTF-8 anywhere. */
static int
check_text(struct parser *p)
{
	const char	*t = p->text, *nl;
	unsigned char	 c;
	size_t		 i, k;

	p->lineno = 1;
	p->ls = 0;
	for (i = 0; i < p->len; i += k) {
		c = (unsigned char)t[i];
		k = util_utf8_len((const unsigned char *)t + i, p->len - i);
		if (c == '\n') {
			if (!p->inline_list) {
				p->lineno++;
				p->ls = i + 1;
			}
			continue;
		}
		if (k != 0 && ((c >= 0x20 && c != 0x7f) || c == '\t' ||
		    c == '\r' || c >= 0x80))
			continue;
		if (p->inline_list)
			p->le = p->len;
		else {
			nl = memchr(t + i, '\n', p->len - i);
			p->le = nl != NULL ? (size_t)(nl - t) : p->len;
		}
		return perr(p, i, "binary data (byte 0x%02x); is this a task "
		    "list?", c);
	}
	return 0;
}

/* The kind an unknown word was probably meant to be, or -1. */
static int
suggest_kind(const char *w, size_t n)
{
	const char	*names[TASK_NKINDS];
	int		 k;

	for (k = 0; k < TASK_NKINDS; k++)
		names[k] = kinds[k].name;
	return (int)util_suggest(w, n, names, TASK_NKINDS);
}

/* Report an unknown kind word, with a suggestion or the list of kinds. */
static int
unknown_kind(struct parser *p, size_t pos, size_t n)
{
	char		 q[QUOTE_MAX + 8], list[128];
	const char	*w = p->text + pos;
	int		 k;

	/* A byte order mark where it does not belong (a second one at the
	 * start of a file, or one inside it) is invisible in a message. */
	if (n >= 3 && memcmp(w, "\xef\xbb\xbf", 3) == 0)
		return perr(p, pos, "a byte order mark (U+FEFF) before the task "
		    "kind; save the file as UTF-8 without it");
	quote(q, sizeof q, w, n);
	if ((k = suggest_kind(w, n)) != -1)
		return perr(p, pos, "unknown task kind '%s'; did you mean "
		    "'%s'?", q, kinds[k].name);
	list[0] = '\0';
	for (k = 0; k < TASK_NKINDS; k++) {
		if (k > 0)
			strlcat(list, ", ", sizeof list);
		strlcat(list, kinds[k].name, sizeof list);
	}
	return perr(p, pos, "unknown task kind '%s'; use one of %s", q, list);
}

/* Read [+-]digits from s (up to e) into num; returns the end, or NULL. */
static const char *
scan_number(const char *s, const char *e, struct number *num)
{
	const char	*d;

	memset(num, 0, sizeof *num);
	num->s = s;
	if (s < e && (*s == '-' || *s == '+')) {
		num->neg = *s == '-';
		s++;
	}
	for (d = s; s < e && *s >= '0' && *s <= '9'; s++) {
		if (num->mag > (UINT64_MAX - 9) / 10)
			num->big = 1;
		else
			num->mag = num->mag * 10 + (uint64_t)(*s - '0');
	}
	if (s == d)
		return NULL;
	num->n = (size_t)(s - num->s);
	return s;
}

/* Check num against the limits of kind; sets *v or writes the error. */
static int
check_number(struct parser *p, int kind, const struct number *num,
    int64_t *v)
{
	const struct kind_info	*ki = &kinds[kind];
	size_t			 pos = (size_t)(num->s - p->text);
	char			 q[QUOTE_MAX + 8];
	int			 low, high;

	low = num->neg && (num->big || num->mag > (uint64_t)-ki->lo);
	high = !num->neg && (num->big || num->mag > (uint64_t)ki->hi);
	if (!low && !high) {
		*v = num->neg ? -(int64_t)num->mag : (int64_t)num->mag;
		return 0;
	}
	/* Quoted for the message only (a recording's header holds a million
	 * good numbers). */
	quote(q, sizeof q, num->s, num->n);
	if (low) {
		if (ki->argtype == ARG_DURATION)
			return perr(p, pos, "'%s' duration %s is negative; "
			    "give 0 or more milliseconds", ki->name, q);
		return perr(p, pos, "number %s is too small (%s takes "
		    "%lld..%lld)", q, ki->name, (long long)ki->lo,
		    (long long)ki->hi);
	}
	if (ki->argtype == ARG_DURATION)
		return perr(p, pos, "'%s' duration %s is too long; give at most "
		    "%lld milliseconds (one day)", ki->name, q,
		    (long long)ki->hi);
	return perr(p, pos, "number %s is too large (%s takes %lld..%lld)", q,
	    ki->name, (long long)ki->lo, (long long)ki->hi);
}

static void	*tasklist_room(void *, size_t, size_t);

/* A new run at the end of tl, of one task. */
static struct task_run *
tasklist_new_run(struct tasklist *tl, int kind, int64_t arg, char *cmd,
    uint32_t line)
{
	struct task_run	*r;

	tl->runs = tasklist_room(tl->runs, tl->nruns, sizeof *tl->runs);
	r = &tl->runs[tl->nruns++];
	memset(r, 0, sizeof *r);
	r->first = tl->n++;
	r->arg = arg;
	r->cmd = cmd;
	r->line = line;
	r->kind = (uint8_t)kind;
	r->n = 1;
	return r;
}

/* A run's arguments listed from now on: the room tasklist_room keeps. */
static void
tasklist_list_args(struct task_run *r)
{
	size_t	cap = 16, k;

	while (cap < r->n)
		cap *= 2;
	r->args = xreallocarray(NULL, cap, sizeof *r->args);
	for (k = 0; k < r->n; k++)
		r->args[k] = r->arg + (int64_t)k * r->astep;
}

/* One more task at the end of tl: in its last run if it follows on (the
 * same kind, command and line, or the next argument and line). */
static void
tasklist_push(struct tasklist *tl, int kind, int64_t arg, char *cmd,
    uint32_t line)
{
	struct task_run	*r = tl->nruns > 0 ? &tl->runs[tl->nruns - 1] : NULL;
	uint64_t	 da;

	/* (a TASK_CALL run is never of a parsed kind) */
	if (r == NULL || r->kind != kind || r->cmd != cmd ||
	    r->n == UINT32_MAX) {
		tasklist_new_run(tl, kind, arg, cmd, line);
		return;
	}
	da = (uint64_t)arg - (uint64_t)r->arg;
	if (r->args == NULL && r->n == 1 && da <= 1 && line >= r->line &&
	    line - r->line <= 1) {
		r->astep = (uint8_t)da;
		r->lstep = (uint8_t)(line - r->line);
	} else if (r->args == NULL && arg == r->arg + (int64_t)r->n *
	    r->astep && line == r->line + r->n * r->lstep) {
		;
	} else if (r->lstep == 0 && line == r->line) {
		if (r->args == NULL)
			tasklist_list_args(r);
		r->args = tasklist_room(r->args, r->n, sizeof *r->args);
		r->args[r->n] = arg;
	} else {
		tasklist_new_run(tl, kind, arg, cmd, line);
		return;
	}
	r->n++;
	tl->n++;
}

struct task
tasklist_at(const struct tasklist *tl, size_t i)
{
	const struct task_run	*r;
	struct task		 t;
	size_t			 lo = 0, hi = tl->nruns, mid, k;

	memset(&t, 0, sizeof t);
	if (i >= tl->n || tl->nruns == 0)
		return t;
	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		if (tl->runs[mid].first <= i)
			lo = mid;
		else
			hi = mid;
	}
	r = &tl->runs[lo];
	k = i - r->first;
	t.kind = r->kind;
	t.line = r->line + (uint32_t)k * r->lstep;
	if (r->kind == TASK_CALL) {
		t.cmd = r->cmds[k];
		return t;
	}
	t.arg = r->args != NULL ? r->args[k] : r->arg + (int64_t)k * r->astep;
	t.cmd = r->cmd;
	return t;
}

/* Append count tasks of one kind with arguments a, a+1, ... */
static int
add_tasks(struct parser *p, size_t pos, int kind, int64_t a, uint64_t count,
    char *cmd)
{
	struct tasklist	*tl = &p->tl;
	struct task_run	*r;
	uint64_t	 i;

	if (count > TASKS_MAX - tl->n)
		return perr(p, pos, "too many tasks: the list would hold %llu, "
		    "more than the limit of %d; split it into smaller lists",
		    (unsigned long long)(tl->n + count), TASKS_MAX);
	if (count == 0)
		return 0;
	tasklist_push(tl, kind, a, cmd, p->tline);
	r = &tl->runs[tl->nruns - 1];
	if (count > 1 && r->n == 1) {
		/* a new run: the range is all of it, counting up */
		r->astep = 1;
		r->lstep = 0;
		r->n = (uint32_t)count;
		tl->n += count - 1;
		return 0;
	}
	for (i = 1; i < count; i++)
		tasklist_push(tl, kind, a + (int64_t)i, cmd, p->tline);
	return 0;
}

/* The random numbers of rand(A,B): splitmix64, seeded by --seed so a
 * random list comes out the same each time, or from arc4random. */
static uint64_t	rand_state;
static int	rand_seeded;

void
tasklist_seed(uint64_t seed)
{
	rand_state = seed;
	rand_seeded = 1;
}

static uint64_t
rand_next(void)
{
	uint64_t	z;

	if (!rand_seeded)
		tasklist_seed(((uint64_t)arc4random() << 32) | arc4random());
	z = (rand_state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* A trailing "xN" (repeat N times) at [u, e); 0 if it is not one. */
static uint64_t
parse_repeat(struct parser *p, size_t u, size_t e)
{
	uint64_t	n = 0;
	size_t		i;

	if (e - u < 2 || p->text[u] != 'x')
		return 0;
	for (i = u + 1; i < e; i++) {
		if (p->text[i] < '0' || p->text[i] > '9' || n > TASKS_MAX)
			return 0;
		n = n * 10 + (uint64_t)(p->text[i] - '0');
	}
	return n;
}

/* Parse the numeric argument [a, e) of a line: N, A..B or rand(A,B),
 * then perhaps xN. */
static int
parse_numeric(struct parser *p, int kind, size_t a, size_t e)
{
	const char	*s = p->text + a, *end = p->text + e, *t, *q;
	struct number	 na, nb;
	int64_t		 va, vb;
	uint64_t	 repeat = 1, r;
	size_t		 u;
	int		 is_rand = 0;
	char		 q1[QUOTE_MAX + 8], q2[QUOTE_MAX + 8];

	for (t = s; t < end && !is_ws(*t); t++)
		;
	if (t < end) {
		for (u = (size_t)(t - p->text); u < e && is_ws(p->text[u]); u++)
			;
		for (q = p->text + u; q < end && !is_ws(*q); q++)
			;
		repeat = q == end ? parse_repeat(p, u, e) : 0;
		if (repeat == 0) {
			quote(q1, sizeof q1, p->text + u,
			    (size_t)(q - p->text) - u);
			return perr(p, u, "unexpected '%s' after the argument; "
			    "%s (or repeat with x3)", q1, p->inline_list ?
			    "separate tasks with ';'" : "write one task per "
			    "line");
		}
	}

	if (t - s > 6 && strncmp(s, "rand(", 5) == 0 && t[-1] == ')') {
		/* rand(A,B): a random whole number from A to B each time. */
		is_rand = 1;
		q = scan_number(s + 5, t, &na);
		if (q != NULL && q < t && *q == ',')
			q = scan_number(q + 1, t, &nb);
		else
			q = NULL;
		if (q == NULL || q != t - 1) {
			quote(q1, sizeof q1, s, (size_t)(t - s));
			return perr(p, a, "expected rand(A,B) with two whole "
			    "numbers, like rand(100,900), got '%s'", q1);
		}
	} else {
		q = scan_number(s, t, &na);
		nb = na;
		if (q != NULL && q != t) {
			if (t - q >= 2 && q[0] == '.' && q[1] == '.')
				q = scan_number(q + 2, t, &nb);
			else
				q = NULL;
		}
		if (q == NULL || q != t) {
			quote(q1, sizeof q1, s, (size_t)(t - s));
			return perr(p, a, "expected a number, a range like "
			    "1..10 or rand(100,900), got '%s'", q1);
		}
	}
	if (check_number(p, kind, &na, &va) != 0 ||
	    check_number(p, kind, &nb, &vb) != 0)
		return -1;
	if (va > vb) {
		quote(q1, sizeof q1, na.s, na.n);
		quote(q2, sizeof q2, nb.s, nb.n);
		return perr(p, a, "%s %s..%s runs backwards; write %s..%s",
		    is_rand ? "rand" : "range", q1, q2, q2, q1);
	}
	if (!is_rand && ((uint64_t)(vb - va) + 1) * repeat / repeat !=
	    (uint64_t)(vb - va) + 1)
		return perr(p, a, "too many tasks");
	for (r = 0; r < repeat; r++) {
		if (is_rand) {
			uint64_t span = (uint64_t)(vb - va) + 1;

			if (add_tasks(p, a, kind, va + (int64_t)(span == 0 ?
			    rand_next() : rand_next() % span), 1, NULL) != 0)
				return -1;
		} else if (add_tasks(p, a, kind, va, (uint64_t)(vb - va) + 1,
		    NULL) != 0)
			return -1;
	}
	return 0;
}

/* Keep a copy of the command [a, e), unescaping "\;" in inline lists. */
static char *
keep_command(struct parser *p, size_t a, size_t e)
{
	struct tasklist	*tl = &p->tl;
	char		*cmd, *o;
	size_t		 i;

	o = cmd = xmalloc(e - a + 1);
	for (i = a; i < e; i++) {
		if (p->inline_list && p->text[i] == '\\' && i + 1 < e &&
		    p->text[i + 1] == ';')
			i++;
		*o++ = p->text[i];
	}
	*o = '\0';
	if (tl->nstrings == p->strcap) {
		p->strcap = p->strcap > 0 ? p->strcap * 2 : 16;
		tl->strings = xreallocarray(tl->strings, p->strcap,
		    sizeof *tl->strings);
	}
	tl->strings[tl->nstrings++] = cmd;
	return cmd;
}

/* Parse one line, [s, e) of the text. */
static int
parse_line(struct parser *p, size_t s, size_t e)
{
	const char	*t = p->text;
	size_t		 i, k, a;
	int		 kind;

	for (i = s; i < e; i++) {
		if (t[i] == '#' && (i == s || is_ws(t[i - 1]))) {
			e = i;
			break;
		}
	}
	while (s < e && is_ws(t[s]))
		s++;
	while (e > s && is_ws(t[e - 1]))
		e--;
	if (s == e)
		return 0;

	for (k = s; k < e && !is_ws(t[k]); k++)
		;
	for (kind = 0; kind < TASK_NKINDS; kind++) {
		if (strlen(kinds[kind].name) == k - s &&
		    memcmp(kinds[kind].name, t + s, k - s) == 0)
			break;
	}
	if (kind == TASK_NKINDS)
		return unknown_kind(p, s, k - s);
	for (a = k; a < e && is_ws(t[a]); a++)
		;

	switch (kinds[kind].argtype) {
	case ARG_NONE:
		if (a < e && parse_repeat(p, a, e) == 0)
			return perr(p, a, "'%s' takes no argument",
			    kinds[kind].name);
		return add_tasks(p, s, kind, 0, a < e ? parse_repeat(p, a, e) :
		    1, NULL);
	case ARG_COMMAND:
		if (a == e)
			return perr(p, k, "'%s' needs %s", kinds[kind].name,
			    kinds[kind].needs);
		return add_tasks(p, s, kind, 0, 1, keep_command(p, a, e));
	default:
		if (a == e)
			return perr(p, k, "'%s' needs %s", kinds[kind].name,
			    kinds[kind].needs);
		return parse_numeric(p, kind, a, e);
	}
}

/* The end of the line starting at s: a newline, or an unescaped ';' in an
 * inline list. */
static size_t
line_end(const struct parser *p, size_t s)
{
	const char	*nl;
	size_t		 i;

	if (!p->inline_list) {
		nl = memchr(p->text + s, '\n', p->len - s);
		return nl != NULL ? (size_t)(nl - p->text) : p->len;
	}
	for (i = s; i < p->len; i++) {
		if (p->text[i] == '\\' && i + 1 < p->len &&
		    p->text[i + 1] == ';')
			i++;
		else if (p->text[i] == ';' || p->text[i] == '\n')
			break;
	}
	return i;
}

int
tasklist_parse(struct tasklist *tl, const char *name, const char *text,
    size_t len, int inline_list, char *err, size_t errlen)
{
	struct parser	 p;
	size_t		 s, e;
	uint32_t	 n;

	memset(tl, 0, sizeof *tl);
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	memset(&p, 0, sizeof p);
	p.name = name != NULL ? name : "tasks";
	p.text = text != NULL ? text : "";
	p.len = text != NULL ? len : 0;
	p.inline_list = inline_list;
	p.err = err;
	p.errlen = err != NULL ? errlen : 0;

	/* A byte order mark at the start of a file is not part of line 1. */
	if (!inline_list && p.len >= 3 &&
	    memcmp(p.text, "\xef\xbb\xbf", 3) == 0) {
		p.text += 3;
		p.len -= 3;
	}
	if (check_text(&p) != 0)
		return -1;

	n = 1;
	for (s = 0;; s = e + 1) {
		e = line_end(&p, s);
		p.tline = n;
		if (p.inline_list) {
			p.lineno = 1;
			p.ls = 0;
			p.le = p.len;
		} else {
			p.lineno = n;
			p.ls = s;
			p.le = e;
		}
		if (parse_line(&p, s, e) != 0) {
			tasklist_free(&p.tl);
			return -1;
		}
		if (e >= p.len)
			break;
		if (n < UINT32_MAX)
			n++;
	}
	/* An empty list is not an error: Python's Pool.map(f, []) returns
	 * [] (the caller warns: it is seldom what was meant). */
	p.tl.name = xstrdup(p.name);
	*tl = p.tl;
	return 0;
}

int
tasklist_parse_file(struct tasklist *tl, const char *path, char *err,
    size_t errlen)
{
	struct stat	 st;
	const char	*name;
	char		*buf;
	size_t		 len = 0, cap = 65536;
	ssize_t		 r = 0;
	int		 fd, rc, saved;

	memset(tl, 0, sizeof *tl);
	if (err == NULL)
		errlen = 0;
	if (strcmp(path, "-") == 0) {
		fd = STDIN_FILENO;
		name = "<stdin>";
	} else {
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
		name = path;
	}
	saved = 0;
	if (fd == -1 || fstat(fd, &st) == -1)
		saved = errno;
	else if (S_ISDIR(st.st_mode))
		saved = EISDIR;
	if (saved != 0) {
		if (fd > STDIN_FILENO)
			close(fd);
		if (errlen > 0)
			snprintf(err, errlen, "cannot read task file '%s': %s; "
			    "check the path", name, strerror(saved));
		return -1;
	}

	buf = xmalloc(cap);
	for (;;) {
		if (len == cap) {
			cap *= 2;
			buf = xreallocarray(buf, cap, 1);
		}
		r = read(fd, buf + len, cap - len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			saved = errno;
			if (errlen > 0)
				snprintf(err, errlen, "cannot read task file "
				    "'%s': %s; check the path", name,
				    strerror(saved));
			break;
		}
		if (r == 0)
			break;
		len += (size_t)r;
		if (len > TASKFILE_MAX) {
			r = -1;
			if (errlen > 0)
				snprintf(err, errlen, "task file '%s' is "
				    "larger than 64 MiB; split it, or use "
				    "ranges such as 'square 1..1000000'", name);
			break;
		}
	}
	if (fd > STDIN_FILENO)
		close(fd);
	if (r == -1) {
		free(buf);
		return -1;
	}
	rc = tasklist_parse(tl, name, buf, len, 0, err, errlen);
	free(buf);
	return rc;
}

void
tasklist_free(struct tasklist *tl)
{
	size_t	i;

	for (i = 0; i < tl->nstrings; i++)
		free(tl->strings[i]);
	free(tl->strings);
	for (i = 0; i < tl->nruns; i++)
		free(tl->runs[i].args);		/* or its cmds */
	free(tl->runs);
	free(tl->name);
	memset(tl, 0, sizeof *tl);
}

/* Room for one more in an array of n that grows by doubling from 16. */
static void *
tasklist_room(void *p, size_t n, size_t size)
{
	if (n == 0 || (n >= 16 && (n & (n - 1)) == 0))
		p = xreallocarray(p, n ? n * 2 : 16, size);
	return p;
}

size_t
tasklist_append_call(struct tasklist *tl, const char *call, size_t len)
{
	struct task_run	*r = tl->nruns > 0 ? &tl->runs[tl->nruns - 1] : NULL;
	char		*cmd = xstrndup(call, len);

	tl->strings = tasklist_room(tl->strings, tl->nstrings,
	    sizeof *tl->strings);
	tl->strings[tl->nstrings++] = cmd;
	if (r != NULL && r->kind == TASK_CALL && r->n < UINT32_MAX) {
		/* a program's calls: one run, their commands listed */
		r->cmds = tasklist_room(r->cmds, r->n, sizeof *r->cmds);
		r->cmds[r->n++] = cmd;
		return tl->n++;
	}
	r = tasklist_new_run(tl, TASK_CALL, 0, NULL, 0);
	r->cmds = tasklist_room(NULL, 0, sizeof *r->cmds);
	r->cmds[0] = cmd;
	return r->first;
}

const char *
task_kind_name(int kind)
{
	if (kind < 0 || kind >= TASK_NKINDS)
		return "unknown";
	return kinds[kind].name;
}

int
task_kind_numeric(int kind)
{
	if (kind < 0 || kind >= TASK_NKINDS)
		return 0;
	return kinds[kind].argtype == ARG_NUMBER ||
	    kinds[kind].argtype == ARG_DURATION;
}

int
task_kind_instant(int kind)
{
	return kind == TASK_SQUARE || kind == TASK_CUBE || kind == TASK_PRINT ||
	    kind == TASK_HELLO;
}

int
task_kind_valued(int kind)
{
	return kind == TASK_SQUARE || kind == TASK_CUBE;
}

void
tasklist_label(const struct tasklist *tl, size_t i, char *buf, size_t len)
{
	struct task	t = tasklist_at(tl, i);

	task_label(&t, buf, len);
}

void
task_label(const struct task *t, char *buf, size_t len)
{
	const char	*cmd;
	size_t		 cut;
	int		 n;

	if (len == 0)
		return;
	if (task_kind_numeric(t->kind)) {
		snprintf(buf, len, "%s %lld", task_kind_name(t->kind),
		    (long long)t->arg);
		return;
	}
	if (t->kind != TASK_SH && t->kind != TASK_CALL) {
		strlcpy(buf, task_kind_name(t->kind), len);
		return;
	}
	cmd = t->cmd != NULL ? t->cmd : "";
	n = snprintf(buf, len, "%s%s", t->kind == TASK_SH ? "sh " : "", cmd);
	if (n < 0 || (size_t)n < len || len < 7)
		return;
	/* Too long: cut on a character boundary and end with "...". */
	cut = len - 4;
	while (cut > 3 && ((unsigned char)buf[cut] & 0xc0) == 0x80)
		cut--;
	memcpy(buf + cut, "...", 4);
}
