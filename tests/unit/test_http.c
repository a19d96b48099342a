/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_http.c - lib/http, run=http's request-head parser and
 * canned responses: a wrk-style GET parses whole, byte by byte and
 * pipelined; keep-alive follows the version and the Connection field;
 * malformed heads (garbage, bad versions, obs-fold, space before a colon,
 * two Content-Lengths, overflow) are errors at once, an oversized head is
 * HTTP_TOO_BIG at max_head, never a wait for bytes that cannot help.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "lib/http/http.h"

static struct http_req r;

static enum http_rc parse(const char *s, size_t max)
{
	return http_parse((const uint8_t *)s, strlen(s), max, &r);
}

START_TEST(get_whole)
{
	const char *s = "GET /index.html HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\nGET";
	ck_assert_int_eq(parse(s, 8192), HTTP_OK);
	ck_assert_int_eq(r.method, HTTP_GET);
	ck_assert_int_eq(r.minor, 1);
	ck_assert_int_eq(r.keep_alive, 1);
	ck_assert_uint_eq(r.used, strlen(s) - 3);
	ck_assert_uint_eq(r.target_len, 11);
	ck_assert(!memcmp(s + r.target, "/index.html", 11));
	ck_assert_uint_eq(r.content_length, 0);
}
END_TEST

START_TEST(byte_by_byte)
{
	const char *s = "\r\nHEAD / HTTP/1.0\nConnection: Keep-Alive\n\n";
	size_t n = strlen(s);
	for (size_t k = 0; k < n; k++)
		ck_assert_int_eq(http_parse((const uint8_t *)s, k, 8192, &r), HTTP_MORE);
	ck_assert_int_eq(http_parse((const uint8_t *)s, n, 8192, &r), HTTP_OK);
	ck_assert_int_eq(r.method, HTTP_HEAD);
	ck_assert_int_eq(r.keep_alive, 1); /* 1.0 asked for it */
	ck_assert_uint_eq(r.used, n);
}
END_TEST

START_TEST(keep_alive_rules)
{
	ck_assert_int_eq(parse("GET / HTTP/1.0\r\n\r\n", 8192), HTTP_OK);
	ck_assert_int_eq(r.keep_alive, 0);
	ck_assert_int_eq(parse("GET / HTTP/1.1\r\nConnection: foo, close\r\n\r\n", 8192), HTTP_OK);
	ck_assert_int_eq(r.keep_alive, 0);
	ck_assert_int_eq(parse("POST /x HTTP/1.1\r\nContent-Length: 12\r\n\r\n", 8192), HTTP_OK);
	ck_assert_int_eq(r.method, HTTP_OTHER);
	ck_assert_uint_eq(r.content_length, 12);
	ck_assert_int_eq(parse("get / HTTP/1.1\r\n\r\n", 8192), HTTP_OK);
	ck_assert_int_eq(r.method, HTTP_OTHER); /* methods are case-sensitive */
}
END_TEST

START_TEST(hostile)
{
	static const char *bad[] = {
		"GET\r\n\r\n",
		"GET / HTTP/2.0\r\n\r\n",
		"GET / HTTP/1.1 \r\n\r\n",
		"GET  / HTTP/1.1\r\n\r\n",
		"G(T / HTTP/1.1\r\n\r\n",
		"\x01\x02\x03\r\n\r\n",
		"GET / HTTP/1.1\r\nHost : x\r\n\r\n",
		"GET / HTTP/1.1\r\nA: b\r\n c\r\n\r\n",
		"GET / HTTP/1.1\r\nNoColon\r\n\r\n",
		"GET / HTTP/1.1\r\nA: b\x01\r\n\r\n",
		"GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
		"GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
		"GET / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n",
		"GET / HTTP/1.1\r\nContent-Length:\r\n\r\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(parse(bad[i], 8192) == HTTP_BAD, "case %zu", i);
	ck_assert_int_eq(parse("GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", 8192),
			 HTTP_NOT_IMPL);
	/* garbage is refused on its first line, without waiting for more */
	static const uint8_t tls[] = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc};
	ck_assert_int_eq(http_parse(tls, sizeof(tls), 8192, &r), HTTP_BAD);
	ck_assert_int_eq(parse("GET", 8192), HTTP_MORE);
	ck_assert_int_eq(parse("GET /", 8192), HTTP_MORE);
}
END_TEST

START_TEST(too_big)
{
	char buf[9000];
	memset(buf, 'A', sizeof(buf));
	ck_assert_int_eq(http_parse((const uint8_t *)buf, 100, 8192, &r), HTTP_MORE);
	ck_assert_int_eq(http_parse((const uint8_t *)buf, sizeof(buf), 8192, &r), HTTP_TOO_BIG);
	/* a head of many small fields */
	char *s = malloc(20000), *p = s;
	p += sprintf(p, "GET / HTTP/1.1\r\n");
	for (int i = 0; i < HTTP_MAX_FIELDS + 1; i++)
		p += sprintf(p, "X-%d: y\r\n", i);
	strcpy(p, "\r\n");
	ck_assert_int_eq(parse(s, 20000), HTTP_TOO_BIG);
	ck_assert_int_eq(parse(s, 256), HTTP_TOO_BIG);
	free(s);
}
END_TEST

START_TEST(responses)
{
	char buf[512];
	size_t n = http_response(buf, sizeof(buf), 200, "OK", "", "hello", 5, 0, 1);
	const char *want = "HTTP/1.1 200 OK\r\nServer: perfkern\r\nContent-Type: text/html\r\n"
			   "Content-Length: 5\r\nConnection: keep-alive\r\n\r\nhello";
	ck_assert_uint_eq(n, strlen(want));
	ck_assert(!memcmp(buf, want, n));
	n = http_response(buf, sizeof(buf), 405, "Method Not Allowed", "Allow: GET, HEAD\r\n", "no",
			  2, 1, 0);
	buf[n] = 0;
	ck_assert_str_eq(buf,
			 "HTTP/1.1 405 Method Not Allowed\r\nServer: perfkern\r\n"
			 "Content-Type: text/html\r\nContent-Length: 2\r\nConnection: close\r\n"
			 "Allow: GET, HEAD\r\n\r\n");
	ck_assert_uint_eq(http_response(buf, 40, 200, "OK", "", "hello", 5, 0, 1), 0);
}
END_TEST

/* random bytes: every outcome stays inside the buffer */
START_TEST(random_bytes)
{
	uint8_t buf[300];
	unsigned seed = 4242;
	for (int round = 0; round < 20000; round++) {
		size_t n = (size_t)(rand_r(&seed) % sizeof(buf));
		for (size_t k = 0; k < n; k++)
			buf[k] = (uint8_t)("GET / HTTP/1.1\r\n:Content-Length 0"[rand_r(&seed) %
										 34]);
		enum http_rc rc = http_parse(buf, n, 256, &r);
		ck_assert(rc == HTTP_MORE || rc == HTTP_OK || rc == HTTP_BAD ||
			  rc == HTTP_TOO_BIG || rc == HTTP_NOT_IMPL);
		if (rc == HTTP_MORE)
			ck_assert_uint_lt(n, 256);
		if (rc == HTTP_OK)
			ck_assert(r.used <= n && r.target + r.target_len <= r.used);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("http");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, get_whole);
	tcase_add_test(tc, byte_by_byte);
	tcase_add_test(tc, keep_alive_rules);
	tcase_add_test(tc, hostile);
	tcase_add_test(tc, too_big);
	tcase_add_test(tc, responses);
	tcase_add_test(tc, random_bytes);
	suite_add_tcase(s, tc);
	return check_run(s);
}
