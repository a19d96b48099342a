/* SPDX-License-Identifier: MIT */
/* tests/unit/test_cmdline.c - kernel command line lookups and iteration. */
#include <check.h>

#include "check_run.h"
#include <stdio.h>
#include <string.h>

#include "lib/cmdline/cmdline.h"

/* cmdline_get with a generous buffer; checks the returned length agrees
 * with what was copied. */
static int get(const char *line, const char *key, char *out)
{
	int n = cmdline_get(line, key, out, 256);
	if (n >= 0)
		ck_assert_int_eq((int)strlen(out), n);
	else
		ck_assert_str_eq(out, "");
	return n;
}

START_TEST(plain_values)
{
	char v[256];

	ck_assert_int_eq(get("a=1 bb=22 c", "a", v), 1);
	ck_assert_str_eq(v, "1");
	ck_assert_int_eq(get("a=1 bb=22 c", "bb", v), 2);
	ck_assert_str_eq(v, "22");
	ck_assert_int_eq(get("a=1 bb=22 c", "c", v), 0); /* bare key: empty value */
	ck_assert_int_eq(get("a=1 bb=22 c", "d", v), -1);
	ck_assert_int_eq(get("k=a=b", "k", v), 3); /* only the first '=' splits */
	ck_assert_str_eq(v, "a=b");
	ck_assert_int_eq(get("k=", "k", v), 0);
	ck_assert_int_eq(get("\tk=v\n", "k", v), 1); /* tabs, newlines separate */
	ck_assert_str_eq(v, "v");
	ck_assert_int_eq(get("x=1\ty=2\r\nz=3", "z", v), 1);
	ck_assert_str_eq(v, "3");
}
END_TEST

START_TEST(keys_match_exactly)
{
	char v[256];

	ck_assert_int_eq(get("console=ttyS0", "con", v), -1);
	ck_assert_int_eq(get("console=ttyS0", "console=", v), -1);
	ck_assert_int_eq(get("console=ttyS0", "consoles", v), -1);
	ck_assert_int_eq(get("console=ttyS0", "Console", v), -1);
	ck_assert_int_eq(get("xconsole=1", "console", v), -1);
	ck_assert_int_eq(get("=v", "", v), -1); /* an empty key never matches */
	ck_assert_int_eq(get("=v", "v", v), -1);
	ck_assert_int_eq(get("a=console", "console", v), -1); /* values are not keys */
}
END_TEST

START_TEST(last_occurrence_wins)
{
	char v[256];

	ck_assert_int_eq(get("x=1 x=22 x=333", "x", v), 3);
	ck_assert_str_eq(v, "333");
	ck_assert_int_eq(get("x=1 y x", "x", v), 0);
	ck_assert_int_eq(get("x y=2 x=long", "x", v), 4);
	ck_assert_str_eq(v, "long");
	ck_assert_int_eq(get("x=\"a b\" x=c", "x", v), 1);
	ck_assert_str_eq(v, "c");
}
END_TEST

START_TEST(quoted_values)
{
	char v[256];

	ck_assert_int_eq(get("k=\"a b\" j=2", "k", v), 3);
	ck_assert_str_eq(v, "a b");
	ck_assert_int_eq(get("k=\"a b\" j=2", "j", v), 1);
	ck_assert_int_eq(get("\"k=a b\" j=2", "k", v), 3); /* Linux-style whole-word quotes */
	ck_assert_str_eq(v, "a b");
	ck_assert_int_eq(get("k=a\"b c\"d", "k", v), 5);
	ck_assert_str_eq(v, "ab cd");
	ck_assert_int_eq(get("k=\"\"", "k", v), 0);
	ck_assert_int_eq(get("k=\"x=y z\"", "k", v), 5);
	ck_assert_str_eq(v, "x=y z");
	/* An unterminated quote swallows the rest of the line. */
	ck_assert_int_eq(get("k=\"open rest j=2", "k", v), 13);
	ck_assert_str_eq(v, "open rest j=2");
	ck_assert_int_eq(get("k=\"open rest j=2", "j", v), -1);
	ck_assert_int_eq(get("k=\"\t\"", "k", v), 1);
	ck_assert_str_eq(v, "\t");
}
END_TEST

START_TEST(empty_and_null)
{
	char v[8] = "junk";

	ck_assert_int_eq(get("", "k", v), -1);
	ck_assert_int_eq(get("   \t ", "k", v), -1);
	ck_assert_int_eq(cmdline_get(NULL, "k", v, sizeof(v)), -1);
	ck_assert_str_eq(v, "");
	ck_assert_int_eq(cmdline_get("k=1", NULL, v, sizeof(v)), -1);
	ck_assert(!cmdline_has(NULL, "k"));
	ck_assert(!cmdline_has("k=1", NULL));
}
END_TEST

START_TEST(truncation)
{
	char v[16];

	memset(v, 'Z', sizeof(v));
	ck_assert_int_eq(cmdline_get("k=abcdef", "k", v, 4), 6);
	ck_assert_str_eq(v, "abc");
	ck_assert_int_eq(v[4], 'Z');

	memset(v, 'Z', sizeof(v));
	ck_assert_int_eq(cmdline_get("k=abcdef", "k", v, 1), 6);
	ck_assert_int_eq(v[0], '\0');
	ck_assert_int_eq(v[1], 'Z');

	memset(v, 'Z', sizeof(v));
	ck_assert_int_eq(cmdline_get("k=abcdef", "k", v, 0), 6); /* size 0: untouched */
	ck_assert_int_eq(v[0], 'Z');
	ck_assert_int_eq(cmdline_get("k=abcdef", "k", NULL, 0), 6);

	/* Quotes removed before truncating, counted out of the length. */
	memset(v, 'Z', sizeof(v));
	ck_assert_int_eq(cmdline_get("k=\"a b c\"", "k", v, 4), 5);
	ck_assert_str_eq(v, "a b");

	/* Exactly fitting. */
	ck_assert_int_eq(cmdline_get("k=abc", "k", v, 4), 3);
	ck_assert_str_eq(v, "abc");
}
END_TEST

START_TEST(has)
{
	ck_assert(cmdline_has("a=1 quiet b", "quiet"));
	ck_assert(cmdline_has("a=1 quiet b", "a"));
	ck_assert(cmdline_has("a= b", "a"));
	ck_assert(cmdline_has("a=1 quiet b", "b"));
	ck_assert(!cmdline_has("a=1 quiet b", "quie"));
	ck_assert(!cmdline_has("a=1 quiet b", "1"));
}
END_TEST

START_TEST(next_iterates_words)
{
	const char *line = "  a=1\tbb  \"c d\"=x e=\"f g\" k=\"un term ";
	const char *pos = line;
	size_t kl = 99, wl = 99;
	const char *w;

	w = cmdline_next(&pos, &kl, &wl);
	ck_assert_ptr_eq(w, line + 2);
	ck_assert_uint_eq(kl, 1);
	ck_assert_uint_eq(wl, 3);
	w = cmdline_next(&pos, &kl, &wl);
	ck_assert(w && strncmp(w, "bb", 2) == 0);
	ck_assert_uint_eq(kl, 2); /* bare: the key is the whole word */
	ck_assert_uint_eq(wl, 2);
	w = cmdline_next(&pos, &kl, &wl);
	ck_assert(w && strncmp(w, "\"c d\"=x", 7) == 0);
	ck_assert_uint_eq(kl, 5);
	ck_assert_uint_eq(wl, 7);
	w = cmdline_next(&pos, &kl, &wl);
	ck_assert(w && strncmp(w, "e=\"f g\"", 7) == 0);
	ck_assert_uint_eq(kl, 1);
	ck_assert_uint_eq(wl, 7);
	w = cmdline_next(&pos, &kl, &wl);
	ck_assert(w && strcmp(w, "k=\"un term ") == 0);
	ck_assert_uint_eq(kl, 1);
	ck_assert_uint_eq(wl, strlen("k=\"un term "));
	ck_assert_ptr_null(cmdline_next(&pos, &kl, &wl));
	ck_assert_ptr_eq(pos, line + strlen(line));
	ck_assert_ptr_null(cmdline_next(&pos, &kl, &wl)); /* stays done */

	pos = "";
	ck_assert_ptr_null(cmdline_next(&pos, &kl, &wl));
	pos = NULL;
	ck_assert_ptr_null(cmdline_next(&pos, &kl, &wl));
	ck_assert_ptr_null(cmdline_next(NULL, &kl, &wl));
	pos = "one two";
	ck_assert_ptr_nonnull(cmdline_next(&pos, NULL, NULL)); /* lengths optional */
	ck_assert_str_eq(pos, " two");
}
END_TEST

/* A full-size line: many keys, the last of a repeated one wins. */
START_TEST(long_line)
{
	char line[1024];
	size_t n = 0;
	char v[32];

	for (int i = 0; n + 40 < sizeof(line); i++)
		n += (size_t)snprintf(line + n, sizeof(line) - n, "k%d=%d rep=%d ", i % 50, i, i);
	int words = 0;
	const char *pos = line, *w;
	size_t kl, wl;
	while ((w = cmdline_next(&pos, &kl, &wl)))
		words++;
	ck_assert_int_gt(words, 100);
	int last = words / 2 - 1;
	char want[32];
	snprintf(want, sizeof(want), "%d", last);
	ck_assert_int_eq(cmdline_get(line, "rep", v, sizeof(v)), (int)strlen(want));
	ck_assert_str_eq(v, want);
}
END_TEST

START_TEST(numbers)
{
	uint64_t v = 7;
	ck_assert_int_eq(cmdline_parse_uint("0", &v), 0);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(cmdline_parse_uint("0x1F", &v), 0);
	ck_assert_uint_eq(v, 31);
	ck_assert_int_eq(cmdline_parse_uint("18446744073709551615", &v), 0);
	ck_assert_uint_eq(v, UINT64_MAX);
	v = 7;
	/* overflow, trailing garbage, empty, bare 0x, hex digits in decimal */
	ck_assert_int_eq(cmdline_parse_uint("18446744073709551616", &v), -1);
	ck_assert_int_eq(cmdline_parse_uint("0x10000000000000000", &v), -1);
	ck_assert_int_eq(cmdline_parse_uint("12ms", &v), -1);
	ck_assert_int_eq(cmdline_parse_uint("", &v), -1);
	ck_assert_int_eq(cmdline_parse_uint("0x", &v), -1);
	ck_assert_int_eq(cmdline_parse_uint("1f", &v), -1);
	ck_assert_int_eq(cmdline_parse_uint("-1", &v), -1);
	ck_assert_uint_eq(v, 7); /* untouched on error */
	const char *line = "a=10 b=0x20 c=oops d e=123456789012345678901234567890";
	ck_assert_uint_eq(cmdline_get_uint(line, "a", 1), 10);
	ck_assert_uint_eq(cmdline_get_uint(line, "b", 1), 32);
	ck_assert_uint_eq(cmdline_get_uint(line, "c", 1), 1);
	ck_assert_uint_eq(cmdline_get_uint(line, "d", 1), 1);
	ck_assert_uint_eq(cmdline_get_uint(line, "e", 1), 1); /* too long for the buffer */
	ck_assert_uint_eq(cmdline_get_uint(line, "zz", 5), 5);
}
END_TEST

/* app=: the first one starts the program's words, later ones are its */
START_TEST(find_first)
{
	const char *line = "run=prog xapp=1 app=/bin/a app=2 b";
	ck_assert_ptr_eq(cmdline_find(line, "app"), line + 16);
	ck_assert_ptr_eq(cmdline_find(line, "run"), line);
	ck_assert_ptr_null(cmdline_find(line, "ap"));
	ck_assert_ptr_null(cmdline_find(line, ""));
	ck_assert_ptr_null(cmdline_find("", "app"));
	const char *q = "x \"app=/a b\"";
	ck_assert_ptr_eq(cmdline_find(q, "app"), q + 2); /* quotes around the key */
}
END_TEST

/* words packed NUL-separated, quotes dropped, blanks inside quotes kept */
START_TEST(words_pack)
{
	char out[64];
	ck_assert_int_eq(cmdline_words("  /hello a\t\"b c\" d=\"e f\"\n", out, sizeof(out)), 4);
	ck_assert_int_eq(memcmp(out, "/hello\0a\0b c\0d=e f\0", 19), 0);
	ck_assert_int_eq(cmdline_words("", out, sizeof(out)), 0);
	ck_assert_int_eq(cmdline_words("x \"\" y", out, sizeof(out)), 3); /* an empty word */
	ck_assert_int_eq(memcmp(out, "x\0\0y\0", 5), 0);
	/* exactly full: "ab\0c\0" is 5 bytes */
	ck_assert_int_eq(cmdline_words("ab c", out, 5), 2);
	ck_assert_int_eq(cmdline_words("ab c", out, 4), -1);
	ck_assert_int_eq(cmdline_words("abc", out, 3), -1);
	ck_assert_int_eq(cmdline_words("a", out, 0), -1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cmdline");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, plain_values);
	tcase_add_test(tc, keys_match_exactly);
	tcase_add_test(tc, last_occurrence_wins);
	tcase_add_test(tc, quoted_values);
	tcase_add_test(tc, empty_and_null);
	tcase_add_test(tc, truncation);
	tcase_add_test(tc, has);
	tcase_add_test(tc, next_iterates_words);
	tcase_add_test(tc, long_line);
	tcase_add_test(tc, numbers);
	tcase_add_test(tc, find_first);
	tcase_add_test(tc, words_pack);
	suite_add_tcase(s, tc);
	return check_run(s);
}
