/*
 * lesson.c: loading, finding and listing lessons.  A lesson file is read
 * whole (1 MiB at most), checked to be UTF-8 text, then parsed line by line
 * into steps.  Each run: line is split with shell-like quoting and checked
 * as poolscope's own options would be, and its task list is parsed at once,
 * so that every mistake is reported with its file and line before the class
 * starts rather than in the middle of it.
 */
#include "config.h"

#include <sys/stat.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"
#include "options.h"
#include "lesson/lesson.h"

/* The default task list of a run without one, as on the command line. */
#define LESSON_DEFAULT_TASKS	"square 1..10"

static const char *lesson_keys[] = {
	"title", "summary", "order", "step", "caption", "run", "wait",
	"program"
};
#define LESSON_NKEYS	(sizeof lesson_keys / sizeof lesson_keys[0])

/* A growing string. */
struct sbuf {
	char	*s;
	size_t	 len;
	size_t	 cap;
};

/* The state of one lesson_load(). */
struct lparse {
	struct lesson	*l;
	const char	*path;		/* as given: used in messages */
	char		*dir;		/* the lesson file's directory */
	int		 cpus;
	char		*err;
	size_t		 errlen;
	size_t		 stepcap;
	/* The step being read. */
	struct lesson_step *st;
	struct sbuf	 caption;
	int		 para;		/* a bare caption: asked for a new paragraph */
	int		 wait_line;	/* 0: no wait: line in this step */
	int		 run_line;
};

static void
sbuf_add(struct sbuf *b, const char *s, size_t len)
{
	if (b->len + len + 1 > b->cap) {
		while (b->len + len + 1 > b->cap)
			b->cap = b->cap == 0 ? 128 : b->cap * 2;
		b->s = xreallocarray(b->s, b->cap, 1);
	}
	if (len > 0)
		memcpy(b->s + b->len, s, len);
	b->len += len;
	b->s[b->len] = '\0';
}

static void
sbuf_addc(struct sbuf *b, char c)
{
	sbuf_add(b, &c, 1);
}

/* Hand over the string (an empty one if nothing was added). */
static char *
sbuf_take(struct sbuf *b)
{
	char	*s;

	s = b->s != NULL ? b->s : xstrdup("");
	memset(b, 0, sizeof *b);
	return s;
}

static void
sbuf_free(struct sbuf *b)
{
	free(b->s);
	memset(b, 0, sizeof *b);
}

/* Put "PATH:LINE: message" (or "PATH: message" for line 0, or the message
 * alone for a NULL path) in err; -1. */
static int __attribute__((format(printf, 5, 6)))
lesson_errorf(char *err, size_t errlen, const char *path, int line,
    const char *fmt, ...)
{
	va_list	ap;
	int	n;

	if (err == NULL || errlen == 0)
		return -1;
	if (path == NULL)
		n = 0;
	else if (line > 0)
		n = snprintf(err, errlen, "%s:%d: ", path, line);
	else
		n = snprintf(err, errlen, "%s: ", path);
	if (n < 0 || (size_t)n >= errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

#define lp_error(p, line, ...) \
	lesson_errorf((p)->err, (p)->errlen, (p)->path, (line), __VA_ARGS__)

/* The closest of words to s, if it is close enough to be a likely typo. */
static const char *
lesson_suggest(const char *s, const char *const *words, size_t n)
{
	ssize_t	i = util_suggest(s, strlen(s), words, n);

	return i >= 0 ? words[i] : NULL;
}

/* Characters (code points) in a valid UTF-8 string. */
static size_t
lesson_utf8_count(const char *s)
{
	size_t	n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

/* Check that buf is text: UTF-8, no NUL, no control characters but tab and
 * line ends.  Fills err and returns -1 otherwise. */
static int
lesson_check_text(const char *buf, size_t len, const char *path, char *err,
    size_t errlen)
{
	const unsigned char	*s = (const unsigned char *)buf;
	size_t			 i, n;
	int			 line = 1;

	for (i = 0; i < len; i += n) {
		n = 1;
		if (s[i] == '\n') {
			line++;
			continue;
		}
		if (s[i] == '\0')
			return lesson_errorf(err, errlen, path, line, "a NUL "
			    "byte: this is not a text file; a lesson is UTF-8 "
			    "text");
		if (s[i] == '\r' && (i + 1 == len || s[i + 1] == '\n'))
			continue;
		if ((s[i] < 0x20 && s[i] != '\t') || s[i] == 0x7f)
			return lesson_errorf(err, errlen, path, line, "control "
			    "character 0x%02x: this is not a text file; a "
			    "lesson is UTF-8 text", s[i]);
		if ((n = util_utf8_len(s + i, len - i)) == 0)
			return lesson_errorf(err, errlen, path, line, "invalid "
			    "UTF-8 (byte 0x%02x); save the lesson as UTF-8 "
			    "text", s[i]);
	}
	return 0;
}

/* Read a lesson file whole into *bufp (NUL-terminated). */
static int
lesson_read(const char *path, char **bufp, size_t *lenp, char *err,
    size_t errlen)
{
	struct stat	 st;
	char		*buf;
	size_t		 len = 0, cap;
	ssize_t		 r;
	int		 fd, saved;

	*bufp = NULL;
	*lenp = 0;
	if (*path == '\0')
		return lesson_errorf(err, errlen, NULL, 0, "an empty "
		    "lesson file name; give a NAME.lesson file");
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd == -1 || fstat(fd, &st) == -1) {
		saved = errno;
		if (fd != -1)
			close(fd);
		return lesson_errorf(err, errlen, path, 0, "cannot read the "
		    "lesson: %s; check the path", strerror(saved));
	}
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		return lesson_errorf(err, errlen, path, 0, "is a directory; "
		    "give a .lesson file");
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return lesson_errorf(err, errlen, path, 0, "is not a regular "
		    "file; give a .lesson file");
	}
	if (st.st_size > LESSON_MAX_SIZE) {
		close(fd);
		return lesson_errorf(err, errlen, path, 0, "larger than 1 MiB; "
		    "a lesson is a short text file: check the path");
	}
	cap = (size_t)st.st_size + 2;
	buf = xmalloc(cap);
	for (;;) {
		if (len + 1 == cap) {
			if (len > LESSON_MAX_SIZE)
				break;
			cap *= 2;
			buf = xreallocarray(buf, cap, 1);
		}
		r = read(fd, buf + len, cap - 1 - len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			saved = errno;
			close(fd);
			free(buf);
			return lesson_errorf(err, errlen, path, 0, "cannot read "
			    "the lesson: %s; check the path", strerror(saved));
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	if (len > LESSON_MAX_SIZE) {
		free(buf);
		return lesson_errorf(err, errlen, path, 0, "larger than 1 MiB; "
		    "a lesson is a short text file: check the path");
	}
	if (len == 0) {
		free(buf);
		return lesson_errorf(err, errlen, path, 0, "the file is empty; "
		    "a lesson needs a 'title:' line and at least one 'step:'");
	}
	buf[len] = '\0';
	*bufp = buf;
	*lenp = len;
	return 0;
}

/* The lesson's name: its file name without the directory and ".lesson". */
static char *
lesson_name_of(const char *path)
{
	const char	*base, *slash;
	size_t		 len;

	base = (slash = strrchr(path, '/')) != NULL ? slash + 1 : path;
	len = strlen(base);
	if (len > 7 && strcmp(base + len - 7, ".lesson") == 0)
		len -= 7;
	return xstrndup(base, len);
}

/* Copy a value with tabs turned into spaces (the caption bar has no tabs). */
static char *
lesson_value(const char *s)
{
	char	*v, *p;

	v = xstrdup(s);
	for (p = v; *p != '\0'; p++)
		if (*p == '\t')
			*p = ' ';
	return v;
}

/* Replace {cpus} in s; any other {word} is an error at line. */
static int
lesson_expand(struct lparse *p, int line, const char *s, char **out)
{
	struct sbuf	 b = { NULL, 0, 0 };
	const char	*q;
	char		 num[16];
	size_t		 n;

	while (*s != '\0') {
		if (*s != '{') {
			q = strchr(s, '{');
			n = q != NULL ? (size_t)(q - s) : strlen(s);
			sbuf_add(&b, s, n);
			s += n;
			continue;
		}
		for (q = s + 1; islower((unsigned char)*q) || *q == '_'; q++)
			;
		if (*q != '}' || q == s + 1) {
			sbuf_addc(&b, *s++);
			continue;
		}
		if (q - s - 1 != 4 || strncmp(s + 1, "cpus", 4) != 0) {
			lp_error(p, line, "unknown placeholder '%.*s'; the only "
			    "one is {cpus}, the number of processors",
			    (int)(q - s + 1), s);
			sbuf_free(&b);
			return -1;
		}
		snprintf(num, sizeof num, "%d", p->cpus);
		sbuf_add(&b, num, strlen(num));
		s = q + 1;
	}
	*out = sbuf_take(&b);
	return 0;
}

/* Split a run: line into words: white space separates them, '...' is
 * literal, "..." is literal but for \" \\ \$ \`, and \ outside quotes
 * escapes the next character. */
static int
lesson_split(struct lparse *p, int line, const char *s, char ***argvp,
    size_t *argcp)
{
	struct sbuf	  w = { NULL, 0, 0 };
	char		**argv = NULL;
	size_t		  argc = 0, i;
	int		  inword = 0;

	for (;;) {
		if (*s == '\0' || *s == ' ' || *s == '\t') {
			if (inword) {
				argv = xreallocarray(argv, argc + 2,
				    sizeof *argv);
				argv[argc++] = sbuf_take(&w);
				argv[argc] = NULL;
				inword = 0;
			}
			if (*s == '\0')
				break;
			s++;
			continue;
		}
		inword = 1;
		if (*s == '\'') {
			const char *end = strchr(s + 1, '\'');

			if (end == NULL)
				goto unterminated;
			sbuf_add(&w, s + 1, (size_t)(end - s - 1));
			s = end + 1;
		} else if (*s == '"') {
			for (s++; *s != '"'; s++) {
				if (*s == '\0')
					goto unterminated;
				if (*s == '\\' && s[1] != '\0' &&
				    strchr("\"\\$`", s[1]) != NULL)
					s++;
				sbuf_addc(&w, *s);
			}
			s++;
		} else if (*s == '\\') {
			if (s[1] == '\0') {
				lp_error(p, line, "run: a backslash at the end "
				    "of the line escapes nothing; remove it or "
				    "write \\\\");
				goto fail;
			}
			sbuf_addc(&w, s[1]);
			s += 2;
		} else
			sbuf_addc(&w, *s++);
		if (w.s == NULL)
			sbuf_add(&w, "", 0);	/* '' is an empty word */
	}
	*argvp = argv;
	*argcp = argc;
	return 0;

unterminated:
	lp_error(p, line, "run: a %s quote is not closed; close it on the same "
	    "line", *s == '\0' ? "double" : "single");
fail:
	sbuf_free(&w);
	for (i = 0; i < argc; i++)
		free(argv[i]);
	free(argv);
	return -1;
}

/* Find the task file name: as given if absolute, else next to the lesson,
 * else in the directory above it. */
static char *
lesson_taskfile(struct lparse *p, int line, const char *name)
{
	struct stat	 st;
	char		*path;

	if (*name == '\0') {
		lp_error(p, line, "run: an empty task file name; give a file "
		    "name or -t 'SPEC'");
		return NULL;
	}
	if (*name == '/') {
		if (stat(name, &st) == 0)
			return xstrdup(name);
		lp_error(p, line, "run: task file '%s' not found; check the "
		    "name", name);
		return NULL;
	}
	xasprintf(&path, "%s/%s", p->dir, name);
	if (stat(path, &st) == 0)
		return path;
	free(path);
	xasprintf(&path, "%s/../%s", p->dir, name);
	if (stat(path, &st) == 0)
		return path;
	free(path);
	lp_error(p, line, "run: task file '%s' not found next to the lesson nor "
	    "in the directory above it; check the name", name);
	return NULL;
}

/* Parse a run: line into the current step: the options a run takes
 * (options.c's table), then its task list, checked now. */
static int
lesson_run(struct lparse *p, int line, const char *text)
{
	struct lesson_step	 *st = p->st;
	struct options		  o;
	char			**argv = NULL, *path = NULL;
	char			  terr[1024], *nl;
	const char		 *tasks;
	size_t			  argc = 0, i;
	int			  rc = -1;
	struct stat		  sb;

	if (*text == '\0')
		return lp_error(p, line, "'run:' is empty; give poolscope "
		    "options such as -w 4 -m map -t 'square 1..10'");
	if (lesson_split(p, line, text, &argv, &argc) == -1)
		return -1;
	if (argc == 0) {
		lp_error(p, line, "'run:' is empty; give poolscope options "
		    "such as -w 4 -m map -t 'square 1..10'");
		goto out;
	}
	if (options_parse_run(&o, p->cpus, argc, argv, terr,
	    sizeof terr) != 0) {
		lp_error(p, line, "run: %s", terr);
		goto out;
	}
	options_engine_config(&o, &st->cfg);
	terr[0] = '\0';
	if (o.taskfile != NULL) {
		if ((path = lesson_taskfile(p, line, o.taskfile)) == NULL)
			goto out;
		if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode)) {
			/* A FIFO or a device would block the class (found by
			 * fuzzing: a run line naming /proc/self/fd/3). */
			lp_error(p, line, "run: task file '%s' is not a regular "
			    "file; give a task list file", o.taskfile);
			goto out;
		}
		if (tasklist_parse_file(&st->tl, path, terr, sizeof terr) == -1)
			goto bad_tasks;
	} else {
		tasks = o.tasks_inline != NULL ? o.tasks_inline :
		    LESSON_DEFAULT_TASKS;
		if (tasklist_parse(&st->tl, "--tasks", tasks, strlen(tasks), 1,
		    terr, sizeof terr) == -1)
			goto bad_tasks;
	}
	if (st->tl.n == 0) {
		/* A run of nothing: Python allows it, a class learns nothing
		 * from it. */
		tasklist_free(&st->tl);
		lp_error(p, line, "run: the task list is empty; give tasks such "
		    "as -t 'square 1..10'");
		goto out;
	}
	st->has_run = 1;
	st->run_text = xstrdup(text);
	rc = 0;
	goto out;

bad_tasks:
	tasklist_free(&st->tl);
	if ((nl = strchr(terr, '\n')) != NULL)
		*nl = '\0';
	lp_error(p, line, "run: the task list does not parse: %s", terr);
out:
	free(path);
	for (i = 0; i < argc; i++)
		free(argv[i]);
	free(argv);
	return rc;
}

/* Start a step (after the previous one is finished). */
static void
lesson_step_new(struct lparse *p, int line, char *heading)
{
	struct lesson	*l = p->l;

	if (l->nsteps == p->stepcap) {
		p->stepcap = p->stepcap == 0 ? 8 : p->stepcap * 2;
		l->steps = xreallocarray(l->steps, p->stepcap,
		    sizeof *l->steps);
	}
	p->st = &l->steps[l->nsteps++];
	memset(p->st, 0, sizeof *p->st);
	p->st->heading = heading;
	p->st->line = line;
	p->st->cfg.workers = p->cpus;
	p->st->cfg.mode = MODE_MAP;
	p->st->cfg.time_scale = 1.0;
	p->st->wait_end = -1;
	p->para = 0;
	p->wait_line = 0;
	p->run_line = 0;
}

/* Check the step being read and store its caption. */
static int
lesson_step_end(struct lparse *p)
{
	struct lesson_step	*st = p->st;
	size_t			 n;

	if (st == NULL)
		return 0;
	st->caption = sbuf_take(&p->caption);
	if (*st->caption == '\0')
		return lp_error(p, st->line, "step '%s' has no caption; add a "
		    "'caption:' line with text", st->heading);
	if ((n = lesson_utf8_count(st->caption)) > LESSON_MAX_CAPTION)
		return lp_error(p, st->line, "step '%s': the caption is %zu "
		    "characters, more than the %d the caption bar holds; "
		    "shorten it or split the step", st->heading, n,
		    LESSON_MAX_CAPTION);
	if (st->wait_end == -1)
		st->wait_end = st->has_run;
	else if (st->wait_end == 1 && !st->has_run)
		return lp_error(p, p->wait_line, "'wait: end' in a step without "
		    "a 'run:'; add a run or write 'wait: now'");
	p->st = NULL;
	return 0;
}

/* Add a caption: line's text to the step's caption. */
static int
lesson_caption(struct lparse *p, int line, const char *value)
{
	char	*text;

	if (*value == '\0') {
		if (p->caption.len > 0)
			p->para = 1;
		return 0;
	}
	if (lesson_expand(p, line, value, &text) == -1)
		return -1;
	if (p->caption.len > 0)
		sbuf_addc(&p->caption, p->para ? '\n' : ' ');
	sbuf_add(&p->caption, text, strlen(text));
	free(text);
	p->para = 0;
	return 0;
}

/* Split "key: value" from a line (already trimmed); fills an error for
 * anything else. */
/* program: a Python example (in ../python/ beside the lessons, or a
 * path from the lesson's directory), run as it is in this step. */
static int
lesson_program(struct lparse *p, int line, const char *value)
{
	struct lesson_step	*st = p->st;
	char			*path;
	size_t			 len = strlen(value);

	if (len < 4 || strcmp(value + len - 3, ".py") != 0)
		return lp_error(p, line, "program: '%s' is not a Python file; "
		    "name one such as pool_map.py", value);
	if (strchr(value, '/') != NULL)
		xasprintf(&path, "%s/%s", p->dir, value);
	else
		xasprintf(&path, "%s/../python/%s", p->dir, value);
	if (access(path, R_OK) != 0) {
		lp_error(p, line, "program: '%s' cannot be read (%s); the "
		    "examples are in assets/python", path, strerror(errno));
		free(path);
		return -1;
	}
	if ((st->program = realpath(path, NULL)) == NULL)
		st->program = path;
	else
		free(path);
	path = st->program;
	st->argv[0] = "python3";
	st->argv[1] = path;
	st->argv[2] = NULL;
	xasprintf(&st->run_text, "python3 %s", value);
	st->has_run = 1;
	return 0;
}

static int
lesson_key(struct lparse *p, int line, char *s, const char **keyp,
    char **valuep)
{
	const char	*near;
	char		*colon, *v;
	size_t		 len, i;

	len = strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-");
	colon = s + len;
	if (len == 0 || *colon != ':') {
		for (i = 0; i < LESSON_NKEYS && len > 0; i++) {
			if (strlen(lesson_keys[i]) == len &&
			    strncmp(s, lesson_keys[i], len) == 0 &&
			    (*colon == ' ' || *colon == '\t' ||
			    *colon == '\0')) {
				lp_error(p, line, "'%s' needs a ':' after it; "
				    "write '%s: ...'", lesson_keys[i],
				    lesson_keys[i]);
				return -1;
			}
		}
		/* Show at most 40 bytes, not splitting a character. */
		if ((len = strlen(s)) > 40)
			for (len = 40; ((unsigned char)s[len] & 0xc0) == 0x80;
			    len--)
				;
		lp_error(p, line, "'%.*s%s' is not a 'key: value' line; start "
		    "comments with '#'", (int)len, s, s[len] != '\0' ? "..." :
		    "");
		return -1;
	}
	*colon = '\0';
	for (i = 0; i < LESSON_NKEYS; i++)
		if (strcmp(s, lesson_keys[i]) == 0)
			break;
	if (i == LESSON_NKEYS) {
		for (i = 0; i < LESSON_NKEYS; i++)
			if (strcasecmp(s, lesson_keys[i]) == 0)
				break;
		if (i < LESSON_NKEYS)
			lp_error(p, line, "unknown key '%s'; keys are lower "
			    "case: write '%s'", s, lesson_keys[i]);
		else if ((near = lesson_suggest(s, lesson_keys,
		    LESSON_NKEYS)) != NULL)
			lp_error(p, line, "unknown key '%s'; did you mean "
			    "'%s'?", s, near);
		else
			lp_error(p, line, "unknown key '%s'; the keys are "
			    "title, summary, order, step, caption, run and wait",
			    s);
		return -1;
	}
	*keyp = lesson_keys[i];
	for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
		;
	*valuep = v;
	return 0;
}

/* Trim a line in place: leading and trailing white space, a CR. */
static char *
lesson_trim(char *s)
{
	size_t	len;

	while (*s == ' ' || *s == '\t')
		s++;
	len = strlen(s);
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' ||
	    s[len - 1] == '\r'))
		s[--len] = '\0';
	return s;
}

/* An order: value, a whole number from 1 to LESSON_MAX_ORDER; 0 if it is
 * not one. */
static int
lesson_order_value(const char *s)
{
	const char	*errstr;
	long long	 n;

	n = strtonum(s, 1, LESSON_MAX_ORDER, &errstr);
	return errstr == NULL ? (int)n : 0;
}

/* The lesson's place in the list (order:), once. */
static int
lesson_order(struct lparse *p, int line, const char *value)
{
	if (p->l->order != 0)
		return lp_error(p, line, "a second 'order:'; a lesson has one "
		    "place in the list");
	if ((p->l->order = lesson_order_value(value)) == 0)
		return lp_error(p, line, "order: '%s' is not a whole number "
		    "from 1 to %d; lessons are listed by it, lowest first",
		    value, LESSON_MAX_ORDER);
	return 0;
}

/* Parse one line of the lesson. */
static int
lesson_line(struct lparse *p, int line, char *s)
{
	struct lesson	*l = p->l;
	const char	*key = NULL;
	char		*value = NULL, *text;

	s = lesson_trim(s);
	if (*s == '\0' || *s == '#')
		return 0;
	if (lesson_key(p, line, s, &key, &value) == -1)
		return -1;

	if (strcmp(key, "title") == 0 || strcmp(key, "summary") == 0 ||
	    strcmp(key, "order") == 0) {
		if (l->nsteps > 0)
			return lp_error(p, line, "'%s:' after the first 'step:'; "
			    "move it above the steps", key);
		if (*value == '\0')
			return lp_error(p, line, "'%s:' is empty; write the "
			    "lesson's %s after it", key, key);
		if (*key == 'o')
			return lesson_order(p, line, value);
		if (*key == 't') {
			if (l->title != NULL)
				return lp_error(p, line, "a second 'title:'; a "
				    "lesson has one title");
			l->title = lesson_value(value);
		} else {
			if (l->summary != NULL)
				return lp_error(p, line, "a second 'summary:'; "
				    "a lesson has one summary line");
			l->summary = lesson_value(value);
		}
		return 0;
	}
	if (strcmp(key, "step") == 0) {
		if (lesson_step_end(p) == -1)
			return -1;
		if (*value == '\0')
			return lp_error(p, line, "'step:' has no heading; write "
			    "the step's heading after 'step:'");
		if (lesson_expand(p, line, value, &text) == -1)
			return -1;
		lesson_step_new(p, line, lesson_value(text));
		free(text);
		return 0;
	}
	if (p->st == NULL)
		return lp_error(p, line, "'%s:' before any 'step:'; add a "
		    "'step:' line above it", key);
	if (strcmp(key, "caption") == 0) {
		value = lesson_value(value);
		if (lesson_caption(p, line, value) == -1) {
			free(value);
			return -1;
		}
		free(value);
		return 0;
	}
	if (strcmp(key, "program") == 0) {
		if (p->run_line != 0)
			return lp_error(p, line, "a 'program:' in step '%s', "
			    "which has its run already (line %d); a step has "
			    "one run: start a new 'step:'", p->st->heading,
			    p->run_line);
		p->run_line = line;
		return lesson_program(p, line, value);
	}
	if (strcmp(key, "run") == 0) {
		if (p->run_line != 0)
			return lp_error(p, line, "a second 'run:' in step '%s' "
			    "(the first is on line %d); a step has one run: "
			    "start a new 'step:'", p->st->heading, p->run_line);
		p->run_line = line;
		return lesson_run(p, line, value);
	}
	/* wait */
	if (p->wait_line != 0)
		return lp_error(p, line, "a second 'wait:' in step '%s' (the "
		    "first is on line %d); keep one", p->st->heading,
		    p->wait_line);
	p->wait_line = line;
	if (strcmp(value, "end") == 0)
		p->st->wait_end = 1;
	else if (strcmp(value, "now") == 0)
		p->st->wait_end = 0;
	else
		return lp_error(p, line, "wait: '%s' is not 'end' or 'now'; "
		    "write 'wait: end' (after the run) or 'wait: now'", value);
	return 0;
}

int
lesson_load(struct lesson *l, const char *path, int cpus, char *err,
    size_t errlen)
{
	struct lparse	 p;
	char		*buf, *s, *nl, *slash;
	size_t		 len;
	int		 line, rc = -1;

	memset(l, 0, sizeof *l);
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (lesson_read(path, &buf, &len, err, errlen) == -1)
		return -1;

	memset(&p, 0, sizeof p);
	p.l = l;
	p.path = path;
	p.cpus = cpus < 1 ? 1 : cpus > POOL_MAX_WORKERS ?
	    POOL_MAX_WORKERS : cpus;
	p.err = err;
	p.errlen = errlen;
	if ((slash = strrchr(path, '/')) == NULL)
		p.dir = xstrdup(".");
	else if (slash == path)
		p.dir = xstrdup("/");
	else
		p.dir = xstrndup(path, (size_t)(slash - path));

	if (lesson_check_text(buf, len, path, err, errlen) == -1)
		goto out;
	s = buf;
	if (len >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
		s += 3;		/* a byte order mark */
	for (line = 1; s != NULL; line++) {
		if ((nl = strchr(s, '\n')) != NULL)
			*nl = '\0';
		if (lesson_line(&p, line, s) == -1)
			goto out;
		s = nl != NULL ? nl + 1 : NULL;
	}
	if (lesson_step_end(&p) == -1)
		goto out;
	if (l->title == NULL) {
		lp_error(&p, 0, "no title; add a 'title:' line at the top");
		goto out;
	}
	if (l->nsteps == 0) {
		lp_error(&p, 0, "no steps; add a 'step:' line");
		goto out;
	}
	if (l->summary == NULL)
		l->summary = xstrdup("");
	l->name = lesson_name_of(path);
	l->path = xstrdup(path);
	rc = 0;

out:
	if (rc == -1) {
		/* A step cut short still owns what it has so far. */
		if (p.st != NULL && p.st->caption == NULL)
			p.st->caption = sbuf_take(&p.caption);
		lesson_free(l);
	}
	sbuf_free(&p.caption);
	free(p.dir);
	free(buf);
	return rc;
}

void
lesson_free(struct lesson *l)
{
	size_t	i;

	for (i = 0; i < l->nsteps; i++) {
		free(l->steps[i].heading);
		free(l->steps[i].caption);
		free(l->steps[i].run_text);
		free(l->steps[i].program);
		tasklist_free(&l->steps[i].tl);
	}
	free(l->steps);
	free(l->name);
	free(l->path);
	free(l->title);
	free(l->summary);
	memset(l, 0, sizeof *l);
}


static int
lesson_is_dir(const char *path)
{
	struct stat	st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int
lesson_name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names of the lessons in dir, sorted (NULL-free array of n). */
static char **
lesson_scan_dir(const char *dir, size_t *np)
{
	struct dirent	 *de;
	struct stat	  st;
	DIR		 *d;
	char		**names = NULL, *path;
	size_t		  n = 0, len;

	*np = 0;
	if ((d = opendir(dir)) == NULL)
		return NULL;
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (de->d_name[0] == '.' || len <= 7 ||
		    strcmp(de->d_name + len - 7, ".lesson") != 0)
			continue;
		xasprintf(&path, "%s/%s", dir, de->d_name);
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			names = xreallocarray(names, n + 1, sizeof *names);
			names[n++] = xstrndup(de->d_name, len - 7);
		}
		free(path);
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof *names, lesson_name_cmp);
	*np = n;
	return names;
}

int
lesson_find(const char *name_or_path, const char *const *dirs, size_t ndirs,
    char *path, size_t pathlen, char *err, size_t errlen)
{
	struct stat	  st;
	const char	 *near = NULL, *first = NULL;
	char		  buf[PATH_MAX], **names;
	size_t		  len, i, n = 0;
	int		  saved;

	len = strlen(name_or_path);
	if (len == 0)
		return lesson_errorf(err, errlen, NULL, 0, "--lesson "
		    "needs a lesson name; --list-lessons shows them");
	if (strchr(name_or_path, '/') != NULL ||
	    (len >= 7 && strcmp(name_or_path + len - 7, ".lesson") == 0)) {
		if (stat(name_or_path, &st) == -1) {
			saved = errno;
			return lesson_errorf(err, errlen, name_or_path, 0,
			    "cannot read the lesson: %s; check the path",
			    strerror(saved));
		}
		if (strlcpy(path, name_or_path, pathlen) >= pathlen)
			return lesson_errorf(err, errlen, NULL, 0,
			    "the lesson's path is too long; use a shorter one");
		return 0;
	}
	for (i = 0; i < ndirs; i++) {
		if (dirs[i] == NULL)
			continue;
		if (first == NULL && lesson_is_dir(dirs[i]))
			first = dirs[i];
		if ((size_t)snprintf(buf, sizeof buf, "%s/%s.lesson", dirs[i],
		    name_or_path) >= sizeof buf)
			continue;
		if (stat(buf, &st) == 0 && S_ISREG(st.st_mode)) {
			if (strlcpy(path, buf, pathlen) >= pathlen)
				return lesson_errorf(err, errlen, NULL,
				    0, "the lesson's path is too long");
			return 0;
		}
	}
	if (first == NULL)
		return lesson_errorf(err, errlen, NULL, 0, "no lesson "
		    "'%s': the lessons directory was not found; set "
		    "POOLSCOPE_ASSETS to poolscope's assets directory, or "
		    "give the path of a .lesson file", name_or_path);
	names = lesson_scan_dir(first, &n);
	if (n > 0)
		near = lesson_suggest(name_or_path, (const char *const *)names,
		    n);
	if (near != NULL)
		lesson_errorf(err, errlen, NULL, 0, "no lesson '%s'; did "
		    "you mean '%s'? (--list-lessons shows them all)",
		    name_or_path, near);
	else
		lesson_errorf(err, errlen, NULL, 0, "no lesson '%s' in "
		    "%s; --list-lessons shows them all", name_or_path, first);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return -1;
}

/* Read a lesson's title, summary and order (before its first step)
 * cheaply. */
static void
lesson_header(const char *path, char **title, char **summary, int *order)
{
	char	*buf, *s, *nl, *t, *colon;
	size_t	 len;

	*title = *summary = NULL;
	*order = 0;
	if (lesson_read(path, &buf, &len, NULL, 0) == -1)
		return;
	if (lesson_check_text(buf, len, path, NULL, 0) == 0) {
		for (s = buf; s != NULL; s = nl != NULL ? nl + 1 : NULL) {
			if ((nl = strchr(s, '\n')) != NULL)
				*nl = '\0';
			t = lesson_trim(s);
			if ((colon = strchr(t, ':')) == NULL)
				continue;
			*colon = '\0';
			if (strcmp(t, "step") == 0)
				break;
			if (strcmp(t, "title") == 0 && *title == NULL)
				*title = lesson_value(lesson_trim(colon + 1));
			else if (strcmp(t, "summary") == 0 && *summary == NULL)
				*summary = lesson_value(lesson_trim(colon + 1));
			else if (strcmp(t, "order") == 0 && *order == 0)
				*order = lesson_order_value(lesson_trim(colon +
				    1));
		}
	}
	free(buf);
}

/* A lesson in the list. */
struct lesson_entry {
	char	*name;
	char	*title;
	char	*summary;
	int	 order;		/* 0: none given */
};

/* Teaching order: by order:, those without one after, then by name. */
static int
lesson_entry_cmp(const void *a, const void *b)
{
	const struct lesson_entry	*x = a, *y = b;
	unsigned int			 ox = (unsigned int)x->order - 1;
	unsigned int			 oy = (unsigned int)y->order - 1;

	if (ox != oy)
		return ox < oy ? -1 : 1;	/* 0 wraps to the largest */
	return strcmp(x->name, y->name);
}

size_t
lesson_list(const char *const *dirs, size_t ndirs,
    void (*cb)(void *, const char *, const char *, const char *), void *arg)
{
	struct lesson_entry	*v;
	char			**names, *path;
	size_t			  i, j, n = 0;

	for (i = 0; i < ndirs; i++)
		if (dirs[i] != NULL && lesson_is_dir(dirs[i]))
			break;
	if (i == ndirs)
		return 0;
	names = lesson_scan_dir(dirs[i], &n);
	v = n > 0 ? xcalloc(n, sizeof *v) : NULL;
	for (j = 0; j < n; j++) {
		xasprintf(&path, "%s/%s.lesson", dirs[i], names[j]);
		v[j].name = names[j];
		lesson_header(path, &v[j].title, &v[j].summary, &v[j].order);
		free(path);
	}
	if (n > 0)
		qsort(v, n, sizeof *v, lesson_entry_cmp);
	for (j = 0; j < n; j++) {
		cb(arg, v[j].name, v[j].title != NULL && *v[j].title != '\0' ?
		    v[j].title : v[j].name, v[j].summary != NULL ?
		    v[j].summary : "");
		free(v[j].title);
		free(v[j].summary);
		free(v[j].name);
	}
	free(v);
	free(names);
	return n;
}
