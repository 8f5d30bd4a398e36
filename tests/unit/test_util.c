/*
 * test_util.c: the hand-made number formatting every results list and
 * JSON line goes through, against printf, at the edges and in between.
 */
#include "config.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "util.h"
#include "tap.h"

static const char *
put(int64_t v)
{
	static char	buf[32];

	*util_put_i64(buf, v) = '\0';
	return buf;
}

int
main(void)
{
	static const int64_t	edges[] = { 0, 1, -1, 9, 10, 11, 99, 100, 101,
	    -99, -100, 999, 1000, 12345, 1000000, 999999999999,
	    1000000000000000000, INT64_MAX, INT64_MAX - 1, INT64_MIN,
	    INT64_MIN + 1 };
	char		want[32];
	size_t		i, bad = 0;
	uint64_t	x = 88172645463325252ull;
	int64_t		v;

	for (i = 0; i < sizeof edges / sizeof edges[0]; i++) {
		snprintf(want, sizeof want, "%" PRId64, edges[i]);
		is_str(put(edges[i]), want, "util_put_i64(%s)", want);
	}
	/* Every length and sign, from a xorshift generator. */
	for (i = 0; i < 200000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		v = (int64_t)(x >> (x % 64));
		if (i & 1)
			v = -v;
		snprintf(want, sizeof want, "%" PRId64, v);
		if (strcmp(put(v), want) != 0 && bad++ == 0)
			printf("# %s formatted as %s\n", want, put(v));
	}
	is_int(bad, 0, "200000 random numbers format as printf does");
	*util_put_str(want, "abc") = '\0';
	is_str(want, "abc", "util_put_str copies without the NUL");
	return tap_done();
}
