/*
 * json.c: a small strict JSON reader for flat objects (see json.h).
 *
 * A recording of a million tasks is four million lines, each read once when
 * the recording is opened, so the common shapes take short cuts: a string's
 * plain bytes are copied a run at a time, a plain key goes straight into
 * its field, and a number without an exponent is read without strtod
 * (which, with its arbitrary precision, was a sixth of replaying a
 * million tasks).  Anything else takes the general path.
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

static void
jp_ws(struct jp *j)
{
	while (j->p < j->e && (*j->p == ' ' || *j->p == '\t' || *j->p == '\r'))
		j->p++;
}

static void
jp_put(struct json_obj *o, const char *b, size_t n)
{
	if (o->buflen + n + 1 > o->bufcap) {
		while (o->buflen + n + 1 > o->bufcap)
			o->bufcap = o->bufcap ? o->bufcap * 2 : 256;
		o->buf = xreallocarray(o->buf, o->bufcap, 1);
	}
	memcpy(o->buf + o->buflen, b, n);
	o->buflen += n;
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

/* A string at j->p (on the quote), decoded into o->buf; its offset. */
static int
jp_string(struct jp *j, struct json_obj *o, size_t *off, size_t *len)
{
	const char	*q;
	char		 u[4];
	unsigned	 cp, lo;
	int		 n;

	if (j->p >= j->e || *j->p != '"')
		return jp_fail(j, "expected a string");
	j->p++;
	*off = o->buflen;
	for (;;) {
		for (q = j->p; q < j->e && *q != '"' && *q != '\\' &&
		    (unsigned char)*q >= 0x20; q++)
			;
		if (q > j->p) {
			jp_put(o, j->p, q - j->p);
			j->p = q;
		}
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
		case '"': jp_put(o, "\"", 1); break;
		case '\\': jp_put(o, "\\", 1); break;
		case '/': jp_put(o, "/", 1); break;
		case 'b': jp_put(o, "\b", 1); break;
		case 'f': jp_put(o, "\f", 1); break;
		case 'n': jp_put(o, "\n", 1); break;
		case 'r': jp_put(o, "\r", 1); break;
		case 't': jp_put(o, "\t", 1); break;
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
			jp_put(o, u, n);
			break;
		default:
			j->p--;
			return jp_fail(j, "an unknown escape in a string");
		}
	}
	j->p++;
	*len = o->buflen - *off;
	jp_put(o, "", 1);	/* NUL */
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

/* A key of plain characters (every key poolscope writes) straight into
 * key; -1, having read nothing, for anything else, which jp_string
 * decodes. */
static int
jp_key(struct jp *j, char *key, size_t keylen)
{
	const char	*q;
	size_t		 n;

	if (j->p >= j->e || *j->p != '"')
		return -1;
	for (q = j->p + 1; q < j->e && *q != '"' && *q != '\\' &&
	    (unsigned char)*q >= 0x20; q++)
		;
	n = (size_t)(q - j->p - 1);
	if (q >= j->e || *q != '"' || n >= keylen)
		return -1;
	memcpy(key, j->p + 1, n);
	key[n] = '\0';
	j->p = q + 1;
	return 0;
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
	size_t			 off, slen, koff, klen;
	size_t			 offs[JSON_MAX_FIELDS];
	int			 i, depth;

	o->n = 0;
	o->buflen = 0;
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
		if (jp_key(&j, f->key, sizeof f->key) != 0) {
			if (jp_string(&j, o, &koff, &klen) != 0)
				return -1;
			if (klen >= sizeof f->key)
				return jp_fail(&j, "a field name is too long");
			memcpy(f->key, o->buf + koff, klen + 1);
			o->buflen = koff;
		}
		jp_ws(&j);
		if (j.p >= j.e || *j.p != ':')
			return jp_fail(&j, "expected ':'");
		j.p++;
		jp_ws(&j);
		if (j.p >= j.e)
			return jp_fail(&j, "expected a value");
		offs[o->n] = SIZE_MAX;
		if (*j.p == '"') {
			if (jp_string(&j, o, &off, &slen) != 0)
				return -1;
			f->type = J_STR;
			offs[o->n] = off;
			f->len = slen;
		} else if (*j.p == '[') {
			f->type = J_ARR;
			f->raw = j.p;
			depth = 0;
			/* Skip to the matching ']', minding strings. */
			while (j.p < j.e) {
				if (*j.p == '"') {
					size_t	o2, l2, save = o->buflen;

					if (jp_string(&j, o, &o2, &l2) != 0)
						return -1;
					o->buflen = save;
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
		o->n++;
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
	/* The buffer may have moved while growing: point strings now. */
	for (i = 0; i < o->n; i++)
		if (o->f[i].type == J_STR)
			o->f[i].str = o->buf + offs[i];
	return 0;
}

void
json_obj_free(struct json_obj *o)
{
	free(o->buf);
	memset(o, 0, sizeof *o);
}

const struct json_field *
json_get(const struct json_obj *o, const char *key)
{
	int	i;

	for (i = 0; i < o->n; i++)
		if (o->f[i].key[0] == key[0] && strcmp(o->f[i].key, key) == 0)
			return &o->f[i];
	return NULL;
}

int
json_array_strings(const struct json_field *f,
    int (*cb)(void *, const char *, size_t), void *arg, char *err,
    size_t errlen)
{
	struct json_obj	 o;
	struct jp	 j;
	size_t		 off, len;
	int		 rc = 0;

	memset(&o, 0, sizeof o);
	j.s = f->raw;
	j.p = f->raw + 1;
	j.e = f->raw + f->rawlen - 1;
	j.err = err;
	j.errlen = errlen;
	for (;;) {
		jp_ws(&j);
		if (j.p >= j.e)
			break;
		o.buflen = 0;
		if (jp_string(&j, &o, &off, &len) != 0) {
			rc = -1;
			break;
		}
		if (cb(arg, o.buf + off, len) != 0) {
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
	free(o.buf);
	return rc;
}

/* A whole number field; -1 with a message if missing or out of range. */
int
json_get_int(const struct json_obj *o, const char *key, int64_t min,
    int64_t max, int64_t *v, char *err, size_t errlen)
{
	const struct json_field	*f = json_get(o, key);

	if (f == NULL || f->type != J_NUM || !f->isint) {
		snprintf(err, errlen, "'%s' is missing or not a whole number",
		    key);
		return -1;
	}
	if (f->inum < min || f->inum > max) {
		snprintf(err, errlen, "'%s' %" PRId64 " is out of range (%"
		    PRId64 "..%" PRId64 ")", key, f->inum, min, max);
		return -1;
	}
	*v = f->inum;
	return 0;
}
