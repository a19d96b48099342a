/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_resp.c - lib/resp, the RESP2 request parser of run=kv:
 * arrays and inline commands parse to the right arguments whether they
 * arrive whole, byte by byte or pipelined; hostile headers (`*99999999`,
 * negative and huge lengths, 30-digit numbers, garbage, a missing CRLF,
 * an endless inline line) are errors at once, never a wait for bytes that
 * would never make them valid.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "lib/resp/resp.h"

static const struct resp_limits lim = {16, 1000, 64};
static struct resp_arg argv[16];
static struct resp_parser p;

static enum resp_rc feed_all(const char *s)
{
	resp_init(&p, &lim, argv);
	return resp_feed(&p, (const uint8_t *)s, strlen(s));
}

static int arg_is(const char *buf, unsigned i, const char *want)
{
	return argv[i].len == strlen(want) && !memcmp(buf + argv[i].off, want, argv[i].len);
}

START_TEST(array_whole)
{
	const char *s = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n";
	ck_assert_int_eq(feed_all(s), RESP_DONE);
	ck_assert_uint_eq(p.argc, 3);
	ck_assert_uint_eq(p.used, strlen(s));
	ck_assert(arg_is(s, 0, "SET") && arg_is(s, 1, "k") && arg_is(s, 2, ""));
}
END_TEST

START_TEST(array_byte_by_byte)
{
	const char *s = "*2\r\n$4\r\nECHO\r\n$5\r\na\r\nb\0\r\n";
	size_t n = 4 + 4 + 6 + 4 + 7;
	resp_init(&p, &lim, argv);
	for (size_t k = 1; k < n; k++)
		ck_assert_int_eq(resp_feed(&p, (const uint8_t *)s, k), RESP_MORE);
	ck_assert_int_eq(resp_feed(&p, (const uint8_t *)s, n), RESP_DONE);
	ck_assert_uint_eq(p.argc, 2);
	ck_assert_uint_eq(argv[1].len, 5); /* binary-safe: CR LF NUL inside */
	ck_assert(!memcmp(s + argv[1].off, "a\r\nb\0", 5));
	resp_next(&p);
	ck_assert_uint_eq(resp_want(&p), 1);
}
END_TEST

START_TEST(pipelined)
{
	const char *s = "*1\r\n$4\r\nPING\r\nPING\r\n*2\r\n$3\r\nGET\r\n$1\r\nx\r\n";
	size_t off = 0, len = strlen(s);
	const char *want[] = {"PING", "PING", "GET"};
	resp_init(&p, &lim, argv);
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(resp_feed(&p, (const uint8_t *)s + off, len - off), RESP_DONE);
		ck_assert(arg_is(s + off, 0, want[i]));
		off += p.used;
		resp_next(&p);
	}
	ck_assert_uint_eq(off, len);
	ck_assert_int_eq(resp_feed(&p, (const uint8_t *)s + off, 0), RESP_MORE);
}
END_TEST

START_TEST(inline_cmd)
{
	const char *s = "  SET  key\tvalue \r\n";
	ck_assert_int_eq(feed_all(s), RESP_DONE);
	ck_assert_uint_eq(p.argc, 3);
	ck_assert(arg_is(s, 0, "SET") && arg_is(s, 1, "key") && arg_is(s, 2, "value"));
	ck_assert_int_eq(feed_all("PING\n"), RESP_DONE); /* LF alone ends it too */
	ck_assert_uint_eq(p.argc, 1);
	ck_assert_int_eq(feed_all("\r\n"), RESP_DONE); /* an empty line: no args */
	ck_assert_uint_eq(p.argc, 0);
	ck_assert_int_eq(feed_all("PIN"), RESP_MORE);
}
END_TEST

START_TEST(bulk_wait_size)
{
	const char *s = "*1\r\n$1000\r\nabc";
	ck_assert_int_eq(feed_all(s), RESP_MORE);
	ck_assert_uint_eq(resp_want(&p), 11 + 1000 + 2); /* the whole value */
}
END_TEST

/* each of these is an error as soon as the bad byte is there */
START_TEST(hostile)
{
	static const char *bad[] = {
		"*99999999\r\n",			    /* more elements than max_args */
		"*17\r\n",				    /* one past max_args */
		"*-2\r\n",				    /* negative array length */
		"*1\r\n$-1\r\n",			    /* a null bulk in a request */
		"*1\r\n$-5\r\n",			    /* negative bulk length */
		"*1\r\n$1001\r\n",			    /* past max_bulk */
		"*1\r\n$99999999999999999999999999999\r\n", /* would overflow */
		"*1\r\n$18446744073709551617\r\n",	    /* 2^64 + 1 */
		"*1x\r\n",				    /* garbage in the number */
		"*\r\n",				    /* no digits */
		"*1\r\n+OK\r\n",			    /* not a bulk string */
		"*1\r\n$3\r\nabcde",			    /* no CRLF after the value */
		"*1\r\n$1 \r\n",			    /* a blank before CR */
		"*1\n",					    /* LF without CR */
		"*1\r\n$3\r\nabc\n\n",			    /* wrong terminator */
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		enum resp_rc rc = feed_all(bad[i]);
		ck_assert_msg(rc == RESP_ERROR, "case %u (%s) gave %d", i, bad[i], rc);
		ck_assert_msg(p.err && !strncmp(p.err, "ERR Protocol error", 18), "case %u", i);
	}
	/* an inline line past max_inline without LF: an error, not a wait */
	char longline[200];
	memset(longline, 'A', sizeof(longline) - 1);
	longline[sizeof(longline) - 1] = 0;
	ck_assert_int_eq(feed_all(longline), RESP_ERROR);
	/* inline with more words than max_args */
	ck_assert_int_eq(feed_all("a a a a a a a a a a a a a a a a a\r\n"), RESP_ERROR);
	/* "*0" and "*-1" are empty requests, as Redis takes them */
	ck_assert_int_eq(feed_all("*0\r\n"), RESP_DONE);
	ck_assert_uint_eq(p.argc, 0);
	ck_assert_int_eq(feed_all("*-1\r\n"), RESP_DONE);
}
END_TEST

/* random bytes: every outcome stays inside the buffer and the limits */
START_TEST(random_bytes)
{
	uint8_t buf[256];
	unsigned seed = 12345;
	for (int round = 0; round < 20000; round++) {
		size_t n = (size_t)(rand_r(&seed) % sizeof(buf));
		for (size_t k = 0; k < n; k++) {
			unsigned r = (unsigned)rand_r(&seed);
			buf[k] = (uint8_t)("*$\r\n0123-9 x"[r % 12]);
		}
		resp_init(&p, &lim, argv);
		enum resp_rc rc = resp_feed(&p, buf, n);
		ck_assert(rc == RESP_MORE || rc == RESP_DONE || rc == RESP_ERROR);
		if (rc == RESP_DONE) {
			ck_assert_uint_le(p.used, n);
			ck_assert_uint_le(p.argc, lim.max_args);
			for (unsigned a = 0; a < p.argc; a++)
				ck_assert_uint_le(argv[a].off + argv[a].len, p.used);
		}
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("resp");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, array_whole);
	tcase_add_test(tc, array_byte_by_byte);
	tcase_add_test(tc, pipelined);
	tcase_add_test(tc, inline_cmd);
	tcase_add_test(tc, bulk_wait_size);
	tcase_add_test(tc, hostile);
	tcase_add_test(tc, random_bytes);
	suite_add_tcase(s, tc);
	return check_run(s);
}
