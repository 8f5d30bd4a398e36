/*
 * json.c: a small strict JSON reader for flat objects (see json.h).
 *
 * A recording of a million tasks is four million lines, each read once when
 * the recording is opened, so the common shapes take short cuts: room for
 * every string of a line is made once (decoding never lengthens a string,
 * so the line's length is enough), strings are scanned a word at a time
 * and their plain bytes copied a run at a time, a plain key goes straight
 * into its field as words, which a small hash table finds for json_get
 * with a compare of words, and a number without an exponent is read
 * without strtod (which, with its arbitrary precision, was a sixth of
 * replaying a million tasks).  Anything else takes the general path.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "replay/json.h"

struct jp {
	const char	*s, *p, *e;
	char		*err;
	size_t		 errlen;
};

static int
jp_fail(struct jp *j, const char *what)
{
	snprintf(j->err, j->errlen, "column %zu: %s", (size_t)(j->p - j->s) + 1,
	    what);
	return -1;
}

/* Four calls a field, and poolscope writes no white space: one test of
 * a byte above ' ' is most often all. */
static inline void
jp_ws(struct jp *j)
{
	while (j->p < j->e && (unsigned char)*j->p <= ' ' &&
	    (*j->p == ' ' || *j->p == '\t' || *j->p == '\r'))
		j->p++;
}

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define JP_SWAR	1
#define JP_ONES		UINT64_C(0x0101010101010101)
#define JP_HIGHS	UINT64_C(0x8080808080808080)

/*
 * Of the eight bytes at p, how many come before the first that ends a
 * run of plain string bytes ('"', '\\' or a control character), eight
 * if none does.  A byte v - 1 borrows from is zero, so (v - ones) & ~v
 * marks each zero byte of v (and maybe bytes after one, which do not
 * matter: only the first counts); below 0x20 likewise.  A string is
 * scanned a word at a time, not a byte.
 */
static inline size_t
jp_plain8(const char *p)
{
	uint64_t	w, q, b, m;

	memcpy(&w, p, 8);
	q = w ^ (JP_ONES * '"');
	b = w ^ (JP_ONES * '\\');
	m = (((q - JP_ONES) & ~q) | ((b - JP_ONES) & ~b) |
	    ((w - JP_ONES * 0x20) & ~w)) & JP_HIGHS;
	return m == 0 ? 8 : (size_t)__builtin_ctzll(m) / 8;
}
#endif

/* The end of a run of plain string bytes from q. */
static inline const char *
jp_plain(const char *q, const char *e)
{
#ifdef JP_SWAR
	size_t	n;

	while (e - q >= 8) {
		n = jp_plain8(q);
		q += n;
		if (n < 8)
			return q;
	}
#endif
	while (q < e && *q != '"' && *q != '\\' && (unsigned char)*q >= 0x20)
		q++;
	return q;
}

/* Room for n bytes of decoded strings (and their NULs) in o->buf. */
static void
jp_reserve(struct json_obj *o, size_t n)
{
	if (n > o->bufcap) {
		while (n > o->bufcap)
			o->bufcap = o->bufcap ? o->bufcap * 2 : 256;
		o->buf = xreallocarray(o->buf, o->bufcap, 1);
	}
}

static int
jp_hex4(struct jp *j, unsigned *v)
{
	int	i, c;

	*v = 0;
	for (i = 0; i < 4; i++) {
		if (j->p >= j->e)
			return jp_fail(j, "a \\u escape is cut short");
		c = (unsigned char)*j->p++;
		*v <<= 4;
		if (c >= '0' && c <= '9')
			*v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			*v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			*v |= c - 'A' + 10;
		else
			return jp_fail(j, "a \\u escape needs four hex digits");
	}
	return 0;
}

/*
 * A string at j->p (on its quote), decoded into out and ended by a NUL;
 * its length in *len.  out has room for the rest of the line: no escape
 * decodes to more bytes than it takes (a \u escape's six to at most
 * three, a surrogate pair's twelve to four), and the NUL takes the place
 * of the quotes.  A NULL out only
 * checks the string (an array being skipped).
 */
static int
jp_string(struct jp *j, char *out, size_t *len)
{
	const char	*q;
	char		*w = out, u[4];
	unsigned	 cp, lo;
	int		 n;

	if (j->p >= j->e || *j->p != '"')
		return jp_fail(j, "expected a string");
	j->p++;
	for (;;) {
		q = jp_plain(j->p, j->e);
		if (w != NULL) {
			memcpy(w, j->p, (size_t)(q - j->p));
			w += q - j->p;
		}
		j->p = q;
		if (j->p >= j->e)
			return jp_fail(j, "a string is not closed");
		if (*j->p == '"')
			break;
		if ((unsigned char)*j->p < 0x20)
			return jp_fail(j, "a control character inside a string");
		j->p++;
		if (j->p >= j->e)
			return jp_fail(j, "an escape is cut short");
		switch (*j->p++) {
		case '"': u[0] = '"'; n = 1; break;
		case '\\': u[0] = '\\'; n = 1; break;
		case '/': u[0] = '/'; n = 1; break;
		case 'b': u[0] = '\b'; n = 1; break;
		case 'f': u[0] = '\f'; n = 1; break;
		case 'n': u[0] = '\n'; n = 1; break;
		case 'r': u[0] = '\r'; n = 1; break;
		case 't': u[0] = '\t'; n = 1; break;
		case 'u':
			if (jp_hex4(j, &cp) != 0)
				return -1;
			if (cp >= 0xd800 && cp <= 0xdbff && j->e - j->p >= 6 &&
			    j->p[0] == '\\' && j->p[1] == 'u') {
				j->p += 2;
				if (jp_hex4(j, &lo) != 0)
					return -1;
				if (lo >= 0xdc00 && lo <= 0xdfff)
					cp = 0x10000 + ((cp - 0xd800) << 10) +
					    (lo - 0xdc00);
				else
					cp = 0xfffd;
			} else if (cp >= 0xd800 && cp <= 0xdfff)
				cp = 0xfffd;
			if (cp < 0x80) {
				u[0] = cp;
				n = 1;
			} else if (cp < 0x800) {
				u[0] = 0xc0 | (cp >> 6);
				u[1] = 0x80 | (cp & 0x3f);
				n = 2;
			} else if (cp < 0x10000) {
				u[0] = 0xe0 | (cp >> 12);
				u[1] = 0x80 | ((cp >> 6) & 0x3f);
				u[2] = 0x80 | (cp & 0x3f);
				n = 3;
			} else {
				u[0] = 0xf0 | (cp >> 18);
				u[1] = 0x80 | ((cp >> 12) & 0x3f);
				u[2] = 0x80 | ((cp >> 6) & 0x3f);
				u[3] = 0x80 | (cp & 0x3f);
				n = 4;
			}
			break;
		default:
			j->p--;
			return jp_fail(j, "an unknown escape in a string");
		}
		if (w != NULL) {
			memcpy(w, u, n);
			w += n;
		}
	}
	j->p++;
	if (w != NULL) {
		*len = (size_t)(w - out);
		*w = '\0';
	}
	return 0;
}

/* Powers of ten a double holds exactly. */
static const double jp_pow10[] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12,
	1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22
};

#define JP_NUMCHAR(c)	(((c) >= '0' && (c) <= '9') || (c) == '+' || \
	(c) == '-' || (c) == '.' || (c) == 'e' || (c) == 'E')

/*
 * -DIGITS or -DIGITS.DIGITS with at most 15 digits in all: the value as
 * strtod gives it, which is what every number poolscope writes looks like.
 * An integer is exact; a fraction m / 10^k is one correctly rounded
 * division of two exact doubles (m < 2^53, k <= 22), so it is the double
 * nearest the decimal, as strtod's.  0 when it took the number, -1 when
 * the general path must.
 */
static int
jp_number_fast(struct jp *j, struct json_field *f)
{
	const char	*q = j->p;
	uint64_t	 m = 0;
	int		 neg = 0, nd = 0, k = 0;

	if (q < j->e && *q == '-') {
		neg = 1;
		q++;
	}
	for (; q < j->e && *q >= '0' && *q <= '9'; q++, nd++)
		m = m * 10 + (uint64_t)(*q - '0');
	if (nd == 0)
		return -1;
	if (q < j->e && *q == '.') {
		for (q++; q < j->e && *q >= '0' && *q <= '9'; q++, k++)
			m = m * 10 + (uint64_t)(*q - '0');
		if (k == 0)
			return -1;
	}
	if (nd + k > 15 || (q < j->e && JP_NUMCHAR(*q)))
		return -1;
	f->num = k == 0 ? (double)m : (double)m / jp_pow10[k];
	if (neg)
		f->num = -f->num;
	f->isint = k == 0;
	f->inum = f->isint ? (neg ? -(int64_t)m : (int64_t)m) :
	    (int64_t)f->num;
	f->type = J_NUM;
	j->p = q;
	return 0;
}

static int
jp_number(struct jp *j, struct json_field *f)
{
	char		 tmp[64];
	const char	*st = j->p;
	char		*end;
	size_t		 n;

	if (jp_number_fast(j, f) == 0)
		return 0;
	while (j->p < j->e && JP_NUMCHAR(*j->p))
		j->p++;
	n = j->p - st;
	if (n == 0 || n >= sizeof tmp)
		return jp_fail(j, "expected a value");
	memcpy(tmp, st, n);
	tmp[n] = '\0';
	errno = 0;
	f->num = strtod(tmp, &end);
	if (*end != '\0' || errno != 0 || !isfinite(f->num))
		return jp_fail(j, "a malformed number");
	f->isint = strpbrk(tmp, ".eE") == NULL;
	if (f->isint) {
		errno = 0;
		f->inum = strtoll(tmp, &end, 10);
		if (errno != 0)
			return jp_fail(j, "a number too large");
	} else
		f->inum = (int64_t)f->num;
	f->type = J_NUM;
	return 0;
}

/*
 * A key of n < 32 bytes at k into f's words, NUL-padded: the first word
 * alone for a key of fewer than eight bytes (json_get looks no further
 * when the first word differs or holds the NUL), all four otherwise.
 * Where eight bytes can be read it is one load and a mask rather than a
 * memcpy of n bytes, which cost as much as the rest of a field.
 */
static void
jp_set_key(struct json_field *f, const char *k, size_t n, const char *e)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint64_t	w;

	if (n < 8 && e - k >= 8) {
		memcpy(&w, k, 8);
		f->kw[0] = w & ((UINT64_C(1) << (8 * n)) - 1);
		return;
	}
#endif
	memset(f->kw, 0, sizeof f->kw);
	memcpy(f->key, k, n);
}

/* A key of plain characters (every key poolscope writes) straight into
 * f; -1, having read nothing, for anything else, which jp_string
 * decodes. */
static int
jp_key(struct jp *j, struct json_field *f)
{
	const char	*q;
	size_t		 n;

	if (j->p >= j->e || *j->p != '"')
		return -1;
	q = jp_plain(j->p + 1, j->e);
	n = (size_t)(q - j->p - 1);
	if (q >= j->e || *q != '"' || n >= sizeof f->key)
		return -1;
	jp_set_key(f, j->p + 1, n, j->e);
	j->p = q + 1;
	return 0;
}

/* The slot for a name whose first word is w: its top bits, mixed. */
static inline size_t
jp_hash(uint64_t w)
{
	return (size_t)((w * UINT64_C(0x9e3779b97f4a7c15)) >> 59) &
	    (JSON_SLOTS - 1);
}

/* Whether f is named w (nw words): a name of fewer than eight bytes is
 * its first word alone (see jp_set_key), which differs from any longer
 * name's, whose bytes are all set. */
static inline int
jp_named(const struct json_field *f, const uint64_t *w, size_t nw)
{
	size_t	k;

	if (f->kw[0] != w[0])
		return 0;
	for (k = 1; k < nw && f->kw[k] == w[k]; k++)
		;
	return k == nw;
}

/* The field just parsed into its slot, unless a field before it has its
 * name (the first one counts, as json_get always found). */
static void
jp_index(struct json_obj *o, int i)
{
	const struct json_field	*f = &o->f[i];
	size_t			 h = jp_hash(f->kw[0]);
	size_t			 nw = f->key[7] == '\0' ? 1 : 4;

	while (o->slot[h] != 0) {
		if (jp_named(&o->f[o->slot[h] - 1], f->kw, nw))
			return;
		h = (h + 1) & (JSON_SLOTS - 1);
	}
	o->slot[h] = (uint8_t)(i + 1);
}

/* Every field but the key, which is copied over: a memset of the whole
 * field (its key buffer too) was a quarter of the parse. */
static void
json_field_clear(struct json_field *f)
{
	f->type = J_NULL;
	f->str = NULL;
	f->len = 0;
	f->num = 0;
	f->inum = 0;
	f->isint = 0;
	f->b = 0;
	f->raw = NULL;
	f->rawlen = 0;
}

int
json_parse_object(struct json_obj *o, const char *s, size_t len, char *err,
    size_t errlen)
{
	struct jp		 j = { s, s, s + len, err, errlen };
	struct json_field	*f;
	char			*out;
	size_t			 slen, klen;
	int			 depth;

	o->n = 0;
	o->buflen = 0;
	memset(o->slot, 0, sizeof o->slot);
	/* Every string of the line fits in len bytes, NULs and all: the
	 * buffer does not move while the strings are pointed into it. */
	jp_reserve(o, len + 1);
	jp_ws(&j);
	if (j.p >= j.e || *j.p != '{')
		return jp_fail(&j, "expected a JSON object ('{')");
	j.p++;
	jp_ws(&j);
	if (j.p < j.e && *j.p == '}') {
		j.p++;
		goto end;
	}
	for (;;) {
		if (o->n == JSON_MAX_FIELDS)
			return jp_fail(&j, "too many fields");
		f = &o->f[o->n];
		json_field_clear(f);
		jp_ws(&j);
		if (jp_key(&j, f) != 0) {
			out = o->buf + o->buflen;
			if (jp_string(&j, out, &klen) != 0)
				return -1;
			if (klen >= sizeof f->key)
				return jp_fail(&j, "a field name is too long");
			/* As a C string: up to a \u0000 in it, if any. */
			memset(f->kw, 0, sizeof f->kw);
			memcpy(f->key, out, strlen(out));
		}
		jp_ws(&j);
		if (j.p >= j.e || *j.p != ':')
			return jp_fail(&j, "expected ':'");
		j.p++;
		jp_ws(&j);
		if (j.p >= j.e)
			return jp_fail(&j, "expected a value");
		if (*j.p == '"') {
			out = o->buf + o->buflen;
			if (jp_string(&j, out, &slen) != 0)
				return -1;
			f->type = J_STR;
			f->str = out;
			f->len = slen;
			o->buflen += slen + 1;
		} else if (*j.p == '[') {
			f->type = J_ARR;
			f->raw = j.p;
			depth = 0;
			/* Skip to the matching ']', minding strings. */
			while (j.p < j.e) {
				if (*j.p == '"') {
					if (jp_string(&j, NULL, NULL) != 0)
						return -1;
					continue;
				}
				if (*j.p == '[')
					depth++;
				else if (*j.p == ']' && --depth == 0) {
					j.p++;
					break;
				}
				j.p++;
			}
			if (depth != 0)
				return jp_fail(&j, "an array is not closed");
			f->rawlen = j.p - f->raw;
		} else if (j.e - j.p >= 4 && memcmp(j.p, "true", 4) == 0) {
			f->type = J_BOOL;
			f->b = 1;
			j.p += 4;
		} else if (j.e - j.p >= 5 && memcmp(j.p, "false", 5) == 0) {
			f->type = J_BOOL;
			j.p += 5;
		} else if (j.e - j.p >= 4 && memcmp(j.p, "null", 4) == 0) {
			f->type = J_NULL;
			j.p += 4;
		} else if (jp_number(&j, f) != 0)
			return -1;
		jp_index(o, o->n++);
		jp_ws(&j);
		if (j.p < j.e && *j.p == ',') {
			j.p++;
			continue;
		}
		if (j.p < j.e && *j.p == '}') {
			j.p++;
			break;
		}
		return jp_fail(&j, "expected ',' or '}'");
	}
end:
	jp_ws(&j);
	if (j.p != j.e)
		return jp_fail(&j, "text after the object");
	return 0;
}

void
json_obj_free(struct json_obj *o)
{
	free(o->buf);
	memset(o, 0, sizeof *o);
}

/* The first field named w, nw words: by its slot, as a scan of the
 * fields was a fourteenth of replaying a recording. */
static const struct json_field *
jp_get(const struct json_obj *o, const uint64_t *w, size_t nw)
{
	size_t	h = jp_hash(w[0]);

	while (o->slot[h] != 0) {
		if (jp_named(&o->f[o->slot[h] - 1], w, nw))
			return &o->f[o->slot[h] - 1];
		h = (h + 1) & (JSON_SLOTS - 1);
	}
	return NULL;
}

const struct json_field *
json_get_short(const struct json_obj *o, uint64_t w)
{
	return jp_get(o, &w, 1);
}

const struct json_field *
json_get_long(const struct json_obj *o, const char *key, size_t n)
{
	union {
		uint64_t	 w[4];
		char		 c[32];
	}	q;

	if (n >= sizeof q.c)
		return NULL;	/* no field's name is this long */
	memset(&q, 0, sizeof q);
	memcpy(q.c, key, n);
	return jp_get(o, q.w, n / 8 + 1);
}

int
json_array_strings(const struct json_field *f,
    int (*cb)(void *, const char *, size_t), void *arg, char *err,
    size_t errlen)
{
	struct jp	 j;
	char		*buf;
	size_t		 len;
	int		 rc = 0;

	/* One string at a time, each in room for the whole array. */
	buf = xreallocarray(NULL, f->rawlen + 1, 1);
	j.s = f->raw;
	j.p = f->raw + 1;
	j.e = f->raw + f->rawlen - 1;
	j.err = err;
	j.errlen = errlen;
	for (;;) {
		jp_ws(&j);
		if (j.p >= j.e)
			break;
		if (jp_string(&j, buf, &len) != 0) {
			rc = -1;
			break;
		}
		if (cb(arg, buf, len) != 0) {
			rc = -1;
			break;
		}
		jp_ws(&j);
		if (j.p < j.e && *j.p == ',') {
			j.p++;
			continue;
		}
		if (j.p < j.e) {
			rc = jp_fail(&j, "expected ',' in the array");
			break;
		}
	}
	free(buf);
	return rc;
}

void
json_int_fail(const struct json_field *f, const char *key, int64_t min,
    int64_t max, char *err, size_t errlen)
{
	if (f == NULL || f->type != J_NUM || !f->isint)
		snprintf(err, errlen, "'%s' is missing or not a whole number",
		    key);
	else
		snprintf(err, errlen, "'%s' %" PRId64 " is out of range (%"
		    PRId64 "..%" PRId64 ")", key, f->inum, min, max);
}
