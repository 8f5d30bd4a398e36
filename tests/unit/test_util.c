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
	{
		char *const	argv[] = { "python3", "-m", "pool_demo", NULL };
		char *const	none[] = { NULL };
		char		small[12];

		util_join_argv(argv, want, sizeof want);
		is_str(want, "python3 -m pool_demo", "util_join_argv joins a "
		    "command's words with spaces");
		util_join_argv(argv, small, sizeof small);
		is_str(small, "python3 -m ", "util_join_argv cuts to fit");
		util_join_argv(none, want, sizeof want);
		is_str(want, "", "util_join_argv of no word: empty");
	}

	/* Durations, as every view writes them. */
	util_format_duration(302475000, want, sizeof want);
	is_str(want, "0.302 s", "a duration below 10 s: milliseconds");
	util_format_duration(12340000000ull, want, sizeof want);
	is_str(want, "12.3 s", "below a minute: tenths");
	util_format_duration(68200000000ull, want, sizeof want);
	is_str(want, "1:08.2", "past a minute: m:ss.t");
	util_format_duration(3723000000000ull, want, sizeof want);
	is_str(want, "1:02:03", "past an hour: h:mm:ss");

	/* Axis steps. */
	is_int((long long)util_step125(1000000, 1), 1000000, "1e6 up: 1e6");
	is_int((long long)util_step125(1000001, 1), 2000000, "just over: 2e6");
	is_int((long long)util_step125(3000000, 1), 5000000, "3e6 up: 5e6");
	is_int((long long)util_step125(6000000, 1), 10000000, "6e6 up: 1e7");
	is_int((long long)(util_step125(0.3, 0) * 10), 2, "0.3 nearest: 0.2");
	is_int((long long)util_step125(80, 0), 100, "80 nearest: 100");

	/* Ordinals. */
	is_str(util_ordinal(1), "st", "1st");
	is_str(util_ordinal(2), "nd", "2nd");
	is_str(util_ordinal(3), "rd", "3rd");
	is_str(util_ordinal(4), "th", "4th");
	is_str(util_ordinal(11), "th", "11th, not 11st");
	is_str(util_ordinal(12), "th", "12th");
	is_str(util_ordinal(13), "th", "13th");
	is_str(util_ordinal(21), "st", "21st");
	is_str(util_ordinal(112), "th", "112th");

	/* UTF-8 and "did you mean". */
	is_int(util_utf8_len((const unsigned char *)"\xc3\xa9", 2), 2, "é");
	is_int(util_utf8_len((const unsigned char *)"\xc0\xaf", 2), 0,
	    "an overlong form");
	is_int(util_utf8_len((const unsigned char *)"\xed\xa0\x80", 3), 0,
	    "a surrogate");
	is_int(util_utf8_len((const unsigned char *)"\xf4\x90\x80\x80", 4), 0,
	    "beyond U+10FFFF");
	is_int(util_utf8_len((const unsigned char *)"\xe2\x82", 2), 0,
	    "cut short");
	{
		const char *words[] = { "square", "sleep", "spin", "sh" };

		is_int(util_suggest("sqare", 5, words, 4), 0, "sqare: square");
		is_int(util_suggest("Sleeep", 6, words, 4), 1,
		    "Sleeep: sleep (case folded)");
		is_int(util_suggest("sq", 2, words, 4), 0, "sq: its only prefix");
		is_int(util_suggest("s", 1, words, 4), -1,
		    "s: a prefix of several, nothing");
		is_int(util_suggest("xyzzy", 5, words, 4), -1, "xyzzy: nothing");
		is_int((long long)util_edit_distance("spni", 4, "spin"), 1,
		    "a swap of neighbours is one edit");
	}
	return tap_done();
}
