/*
 * json.h: just enough JSON to read poolscope's own JSON Lines back: one
 * flat object per line whose values are strings, numbers, booleans, null
 * or arrays of strings.
 */
#ifndef POOLSCOPE_JSON_H
#define POOLSCOPE_JSON_H

#include <stddef.h>
#include <stdint.h>

enum json_type { J_STR, J_NUM, J_BOOL, J_NULL, J_ARR };

struct json_field {
	char		 key[32];
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

struct json_obj {
	struct json_field	 f[JSON_MAX_FIELDS];
	int			 n;
	char			*buf;	/* decoded strings live here */
	size_t			 bufcap, buflen;
};

/* Parse one line; 0, or -1 with a message (and the column) in err. */
int	 json_parse_object(struct json_obj *, const char *s, size_t len,
	    char *err, size_t errlen);
void	 json_obj_free(struct json_obj *);
const struct json_field *json_get(const struct json_obj *, const char *key);
/* A whole number field in [min, max]; -1 with a message in err if it is
 * missing, not whole or out of range. */
int json_get_int(const struct json_obj *, const char *key, int64_t min,
    int64_t max, int64_t *v, char *err, size_t errlen);
/* Each string of a J_ARR field in turn; -1 if it is not all strings. */
int	 json_array_strings(const struct json_field *,
	    int (*cb)(void *arg, const char *s, size_t len), void *arg,
	    char *err, size_t errlen);

#endif
