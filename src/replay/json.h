/*
 * json.h: just enough JSON to read poolscope's own JSON Lines back: one
 * flat object per line whose values are strings, numbers, booleans, null
 * or arrays of strings.
 */
#ifndef POOLSCOPE_JSON_H
#define POOLSCOPE_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

enum json_type { J_STR, J_NUM, J_BOOL, J_NULL, J_ARR };

struct json_field {
	/* The name, NUL-padded to a whole word (to all four for a name of
	 * eight bytes or more), so json_get compares a word, not a string. */
	union {
		uint64_t	 kw[4];
		char		 key[32];
	};
	int		 type;
	char		*str;		/* J_STR: decoded (NUL-terminated) */
	size_t		 len;
	double		 num;
	int64_t		 inum;
	int		 isint;
	int		 b;
	const char	*raw;		/* J_ARR: the text from '[' to ']' */
	size_t		 rawlen;
};

#define JSON_MAX_FIELDS	24
#define JSON_SLOTS	32	/* a power of two above JSON_MAX_FIELDS */

struct json_obj {
	struct json_field	 f[JSON_MAX_FIELDS];
	int			 n;
	/* The fields by a hash of their names' first words, open
	 * addressing: 1 + the index of each name's first field, 0 free. */
	uint8_t			 slot[JSON_SLOTS];
	char			*buf;	/* decoded strings live here */
	size_t			 bufcap, buflen;
};

/* Parse one line; 0, or -1 with a message (and the column) in err. */
int	 json_parse_object(struct json_obj *, const char *s, size_t len,
	    char *err, size_t errlen);
void	 json_obj_free(struct json_obj *);
/* The first field named key (json_get): one of fewer than eight bytes,
 * w its bytes as a word (NUL-padded), or a longer one, n bytes. */
const struct json_field *json_get_short(const struct json_obj *, uint64_t w);
const struct json_field *json_get_long(const struct json_obj *,
	    const char *key, size_t n);
/* Why a whole number field would not do, in err: f is key's field, or
 * NULL. */
void	 json_int_fail(const struct json_field *f, const char *key,
	    int64_t min, int64_t max, char *err, size_t errlen);

/*
 * The first field named key, or NULL.  Inline, so that a constant name
 * becomes a constant word as it is compiled, and the lookup is its hash
 * and a compare of words: a strcmp a field, and then making the words as
 * each line was read, cost a tenth of replaying a recording.
 */
static inline const struct json_field *
json_get(const struct json_obj *o, const char *key)
{
	size_t		 n = strlen(key);
	uint64_t	 w = 0;

	if (n >= 8)
		return json_get_long(o, key, n);
	memcpy(&w, key, n);
	return json_get_short(o, w);
}

/* A whole number field in [min, max]; -1 with a message in err if it is
 * missing, not whole or out of range. */
static inline int
json_get_int(const struct json_obj *o, const char *key, int64_t min,
    int64_t max, int64_t *v, char *err, size_t errlen)
{
	const struct json_field	*f = json_get(o, key);

	if (f == NULL || f->type != J_NUM || !f->isint || f->inum < min ||
	    f->inum > max) {
		json_int_fail(f, key, min, max, err, errlen);
		return -1;
	}
	*v = f->inum;
	return 0;
}
/* Each string of a J_ARR field in turn; -1 if it is not all strings. */
int	 json_array_strings(const struct json_field *,
	    int (*cb)(void *arg, const char *s, size_t len), void *arg,
	    char *err, size_t errlen);

#endif
