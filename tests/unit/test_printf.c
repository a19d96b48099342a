/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_printf.c - pk_vsnprintf against the host C library's
 * vsnprintf for every combination that C defines, plus the parts where the
 * kernel deliberately differs (%p, NULL %s, unknown conversions).
 */
#include <check.h>

#include "check_run.h"
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "lib/printf/printf.h"

#define BUF 512

/* Formats with both implementations and compares bytes and return value.
 * Returns 1 on a match so table loops can count failures. */
static int vsame(const char *fmt, va_list ap)
{
	char want[BUF], got[BUF];
	va_list aq;

	memset(want, 0x5a, sizeof(want));
	memset(got, 0x5a, sizeof(got));
	va_copy(aq, ap);
	int wn = vsnprintf(want, sizeof(want), fmt, ap);
	int gn = pk_vsnprintf(got, sizeof(got), fmt, aq);
	va_end(aq);
	if (wn != gn || memcmp(want, got, sizeof(want)) != 0) {
		static int reported;
		if (reported++ < 20) /* a bug would otherwise print thousands */
			fprintf(stderr, "mismatch for \"%s\": libc %d \"%s\", pk %d \"%s\"\n", fmt,
				wn, want, gn, got);
		return 0;
	}
	return 1;
}

static int same(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int ok = vsame(fmt, ap);
	va_end(ap);
	return ok;
}

/* pk_snprintf into a sentinel-filled buffer: checks the NUL and that
 * nothing past it was touched, then compares with the expected text. */
static void expect(const char *want, const char *fmt, ...)
{
	char got[BUF];
	va_list ap;

	memset(got, 0x5a, sizeof(got));
	va_start(ap, fmt);
	int n = pk_vsnprintf(got, sizeof(got), fmt, ap);
	va_end(ap);
	ck_assert_msg(strcmp(got, want) == 0, "\"%s\": got \"%s\", want \"%s\"", fmt, got, want);
	ck_assert_int_eq(n, (int)strlen(want));
	ck_assert_int_eq((unsigned char)got[n + 1], 0x5a);
}

static const int64_t values[] = {
	0,
	1,
	-1,
	7,
	8,
	9,
	10,
	42,
	-42,
	127,
	128,
	255,
	256,
	-128,
	-129,
	32767,
	32768,
	65535,
	65536,
	-32768,
	-32769,
	INT_MAX,
	INT_MIN,
	UINT_MAX,
	INT64_MAX,
	INT64_MIN,
	0x123456789abcdefLL,
	-0x123456789LL,
	0x7fffffffffffLL,
};

/* Calls same() with the argument type the length modifier implies. */
static int same_len(const char *fmt, const char *len, char conv, int64_t v)
{
	int sgn = conv == 'd' || conv == 'i';

	if (!strcmp(len, "") || !strcmp(len, "hh") || !strcmp(len, "h"))
		return sgn ? same(fmt, (int)v) : same(fmt, (unsigned)v);
	if (!strcmp(len, "l"))
		return sgn ? same(fmt, (long)v) : same(fmt, (unsigned long)v);
	if (!strcmp(len, "ll"))
		return sgn ? same(fmt, (long long)v) : same(fmt, (unsigned long long)v);
	if (!strcmp(len, "z"))
		return sgn ? same(fmt, (ptrdiff_t)v) : same(fmt, (size_t)v);
	if (!strcmp(len, "j"))
		return sgn ? same(fmt, (intmax_t)v) : same(fmt, (uintmax_t)v);
	return same(fmt, (ptrdiff_t)v); /* t: ptrdiff_t for every conversion */
}

START_TEST(integers_vs_libc)
{
	static const char convs[] = "diuxXo";
	static const char *const lens[] = {"", "hh", "h", "l", "ll", "z", "j", "t"};
	static const char *const widths[] = {"", "1", "6", "25"};
	static const char *const precs[] = {"", ".", ".0", ".1", ".4", ".23"};
	static const char flagch[] = "-+ #0";
	long checked = 0, bad = 0;

	for (const char *c = convs; *c; c++)
		for (size_t l = 0; l < sizeof(lens) / sizeof(lens[0]); l++)
			for (unsigned fl = 0; fl < 32; fl++)
				for (size_t w = 0; w < sizeof(widths) / sizeof(widths[0]); w++)
					for (size_t p = 0; p < sizeof(precs) / sizeof(precs[0]);
					     p++) {
						char fmt[64];
						size_t k = 0;
						fmt[k++] = '[';
						fmt[k++] = '%';
						for (int b = 0; b < 5; b++)
							if (fl & (1u << b))
								fmt[k++] = flagch[b];
						snprintf(fmt + k, sizeof(fmt) - k, "%s%s%s%c]",
							 widths[w], precs[p], lens[l], *c);
						for (size_t v = 0;
						     v < sizeof(values) / sizeof(values[0]); v++) {
							checked++;
							bad += !same_len(fmt, lens[l], *c,
									 values[v]);
						}
					}
	ck_assert_msg(bad == 0, "%ld of %ld integer formats differ from libc", bad, checked);
}
END_TEST

START_TEST(strings_chars_vs_libc)
{
	static const char *const strs[] = {"", "a", "hello", "hello, world", "tab\there"};
	static const char *const specs[] = {"%s",    "%-s",    "%8s",	  "%-8s", "%.0s", "%.3s",
					    "%.20s", "%10.3s", "%-10.3s", "%1s",  "%05s", "%.s"};
	int bad = 0;

	for (size_t s = 0; s < sizeof(strs) / sizeof(strs[0]); s++)
		for (size_t f = 0; f < sizeof(specs) / sizeof(specs[0]); f++)
			bad += !same(specs[f], strs[s]);
	static const char *const cspecs[] = {"%c", "%-c", "%5c", "%-5c", "%1c", "[%c]"};
	static const int chars[] = {'x', ' ', '%', 0xe9, 'A' + 256};
	for (size_t c = 0; c < sizeof(chars) / sizeof(chars[0]); c++)
		for (size_t f = 0; f < sizeof(cspecs) / sizeof(cspecs[0]); f++)
			bad += !same(cspecs[f], chars[c]);
	/* A NUL character is output and counted like any other. */
	bad += !same("a%cb", 0);
	ck_assert_int_eq(bad, 0);
}
END_TEST

START_TEST(star_and_mixed_vs_libc)
{
	static const int ws[] = {0, 1, 7, 30, -1, -7, -30};
	static const int ps[] = {-1, -5, 0, 1, 3, 12};
	int bad = 0;

	for (size_t w = 0; w < sizeof(ws) / sizeof(ws[0]); w++)
		for (size_t p = 0; p < sizeof(ps) / sizeof(ps[0]); p++) {
			bad += !same("[%*.*d]", ws[w], ps[p], -1234);
			bad += !same("[%0*.*x]", ws[w], ps[p], 0xbeefu);
			bad += !same("[%*.*s]", ws[w], ps[p], "string");
			bad += !same("[%-*d]", ws[w], 55);
			bad += !same("[%.*u]", ps[p], 0u);
			bad += !same("[%#.*o]", ps[p], 0u);
		}
	bad += !same("%d %s %lx %c %% %5.2u|%-6hhd|%llo", 12, "str", 0xabcdefUL, 'z', 7u, 300,
		     01234567ULL);
	bad += !same("no conversions at all");
	bad += !same("");
	bad += !same("%%%%%d%%", 5);
	bad += !same("%+.0d|% .0d|%+d|% d|%+ d", 0, 0, 0, 0, 3);
	bad += !same("%#x|%#X|%#o|%#.0o|%#5.0x", 0u, 255u, 8u, 0u, 0u);
	bad += !same("%-+8d|%-+08d|% 08d|%+08.3d", 42, 42, -42, 42);
	ck_assert_int_eq(bad, 0);
}
END_TEST

START_TEST(pointer_fixed_width)
{
	expect("0x0000000000001234", "%p", (void *)0x1234);
	expect("0x0000000000000000", "%p", (void *)0);
	expect("0xffff800000000000", "%p", (void *)0xffff800000000000ull);
	expect("  0x00000000deadbeef", "%20p", (void *)0xdeadbeef);
	expect("0x00000000deadbeef  |", "%-20p|", (void *)0xdeadbeef);
	expect("0x00000000deadbeef", "%5p", (void *)0xdeadbeef);
	expect("0x00000000deadbeef", "%05.2p", (void *)0xdeadbeef);
}
END_TEST

START_TEST(null_string)
{
	expect("(null)", "%s", (char *)NULL);
	/* Flags and width on %% are meaningless; just the '%' comes out. */
	expect("%|%|%", "%5%|%-5%|%05%");
	expect("  (null)", "%8s", (char *)NULL);
	expect("(nu", "%.3s", (char *)NULL);
	expect("(null)  |", "%-8s|", (char *)NULL);
}
END_TEST

/* A precision bounds how far %s reads: the string need not be terminated
 * (ASan catches a read of the byte after the array). */
START_TEST(precision_bounds_read)
{
	static const char raw[3] = {'a', 'b', 'c'};
	expect("abc", "%.3s", raw);
	expect("ab", "%.2s", raw);
	expect("  abc", "%5.3s", raw);
	expect("abc", "%.*s", 3, raw);
}
END_TEST

/* Unknown conversions come out literally, whole spec included. */
START_TEST(unknown_conversions)
{
	const char *fmts[] = {"%q", "%5q", "%lq", "%-08.3hy", "abc%", "x%5", "%l", "%hh"};
	const char *want[] = {"%q", "%5q", "%lq", "%-08.3hy", "abc%", "x%5", "%l", "%hh"};
	char buf[64];

	for (size_t i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		int n = pk_snprintf(buf, sizeof(buf), fmts[i], 0);
		ck_assert_str_eq(buf, want[i]);
		ck_assert_int_eq(n, (int)strlen(want[i]));
	}
	/* Conversion after an unknown one still gets its argument. */
	const char *f = "%q %d";
	pk_snprintf(buf, sizeof(buf), f, 17);
	ck_assert_str_eq(buf, "%q 17");
}
END_TEST

START_TEST(truncation_every_size)
{
	const char *fmt = "hello %d world %s %08x%c";
	char want[BUF], got[BUF];
	int full = snprintf(want, sizeof(want), fmt, -12345, "abc", 0xbeefu, '!');

	for (size_t size = 0; size <= (size_t)full + 3; size++) {
		memset(got, 0x5a, sizeof(got));
		int n = pk_snprintf(got, size, fmt, -12345, "abc", 0xbeefu, '!');
		ck_assert_int_eq(n, full);
		if (size == 0) {
			ck_assert_int_eq((unsigned char)got[0], 0x5a);
			continue;
		}
		size_t kept = size - 1 < (size_t)full ? size - 1 : (size_t)full;
		ck_assert(memcmp(got, want, kept) == 0);
		ck_assert_int_eq(got[kept], '\0');
		for (size_t i = kept + 1; i < sizeof(got); i++)
			ck_assert_int_eq((unsigned char)got[i], 0x5a);
	}
	/* C99: size 0 with a NULL buffer just measures. */
	ck_assert_int_eq(pk_snprintf(NULL, 0, fmt, -12345, "abc", 0xbeefu, '!'), full);
	/* Padding past the end is counted, never written. */
	memset(got, 0x5a, sizeof(got));
	ck_assert_int_eq(pk_snprintf(got, 4, "%-40d|", 7), 41);
	ck_assert_str_eq(got, "7  ");
	ck_assert_int_eq((unsigned char)got[4], 0x5a);
	ck_assert_int_eq(pk_snprintf(got, 4, "%040d", 7), 40);
	ck_assert_str_eq(got, "000");
}
END_TEST

/* These formats are absurd on purpose; GCC's static check would say so. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-overflow"
START_TEST(huge_widths)
{
	char buf[8];
	/* Counted in O(size), not O(width). */
	ck_assert_int_eq(pk_snprintf(buf, sizeof(buf), "%2000000000d", 1), 2000000000);
	ck_assert_str_eq(buf, "       ");
	/* Width saturates at INT_MAX instead of overflowing (UBSan watches). */
	ck_assert_int_eq(pk_snprintf(buf, sizeof(buf), "%99999999999999999999d", 1), INT_MAX);
	ck_assert_int_eq(pk_snprintf(buf, sizeof(buf), "%.99999999999999999999d", 1), INT_MAX);
	ck_assert_str_eq(buf, "0000000");
	/* A result longer than INT_MAX is an error, the buffer still valid. */
	ck_assert_int_eq(pk_snprintf(buf, sizeof(buf), "x%2147483647d", 1), -1);
	ck_assert_str_eq(buf, "x      ");
	ck_assert_int_eq(pk_snprintf(buf, sizeof(buf), "%*d", INT_MIN, 1), INT_MAX);
	ck_assert_str_eq(buf, "1      ");
}
END_TEST
#pragma GCC diagnostic pop

int main(void)
{
	Suite *s = suite_create("printf");
	TCase *tc = tcase_create("core");
	/* The exhaustive table takes a few seconds under ASan. */
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, integers_vs_libc);
	tcase_add_test(tc, strings_chars_vs_libc);
	tcase_add_test(tc, star_and_mixed_vs_libc);
	tcase_add_test(tc, pointer_fixed_width);
	tcase_add_test(tc, null_string);
	tcase_add_test(tc, precision_bounds_read);
	tcase_add_test(tc, unknown_conversions);
	tcase_add_test(tc, truncation_every_size);
	tcase_add_test(tc, huge_widths);
	suite_add_tcase(s, tc);
	return check_run(s);
}
