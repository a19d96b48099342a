/* SPDX-License-Identifier: MIT */
/* tests/unit/test_blob.c - CRC-32 and base64 of the framed blob encoding
 * against the standard test vectors and a byte-wise reference. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "check_run.h"
#include "lib/blob/blob.h"

START_TEST(crc32_vectors)
{
	ck_assert_uint_eq(blob_crc32(0, "", 0), 0);
	ck_assert_uint_eq(blob_crc32(0, "123456789", 9), 0xcbf43926u); /* the check value */
	ck_assert_uint_eq(blob_crc32(0, "The quick brown fox jumps over the lazy dog", 43),
			  0x414fa339u);
	/* incremental == one shot */
	uint32_t c = blob_crc32(0, "12345", 5);
	ck_assert_uint_eq(blob_crc32(c, "6789", 4), 0xcbf43926u);
}
END_TEST

START_TEST(base64_vectors)
{
	static const char *const in[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
	static const char *const out[] = {"",	      "Zg==",	  "Zm8=",    "Zm9v",
					  "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
	for (int i = 0; i < 7; i++) {
		char buf[16];
		size_t n = blob_base64(in[i], strlen(in[i]), buf);
		ck_assert_uint_eq(n, strlen(out[i]));
		ck_assert(memcmp(buf, out[i], n) == 0);
	}
	unsigned char bin[3] = {0xff, 0xfe, 0x00};
	char buf[8];
	ck_assert_uint_eq(blob_base64(bin, 3, buf), 4);
	ck_assert(memcmp(buf, "//4A", 4) == 0);
}
END_TEST

static int head(const char *l, char *name, uint64_t *len, uint32_t *crc)
{
	return blob_head_parse(l, strlen(l), name, len, crc);
}

START_TEST(head_lines)
{
	char name[PK_BLOB_NAME_MAX + 1];
	uint64_t len;
	uint32_t crc;
	ck_assert_int_eq(head("PKBLOB perf.cpu0 1234 0badf00d", name, &len, &crc), 0);
	ck_assert_str_eq(name, "perf.cpu0");
	ck_assert_uint_eq(len, 1234);
	ck_assert_uint_eq(crc, 0x0badf00d);
	/* every malformed field is refused, not guessed at */
	const char *bad[] = {
		"PKBLOB",
		"PKBLOB ",
		"PKBLOB a",
		"PKBLOB a 1",
		"PKBLOB a 1 0badf00",
		"PKBLOB a 1 0badf00d0",
		"PKBLOB a 1 0BADF00D",
		"PKBLOB a -1 0badf00d",
		"PKBLOB a/b 1 0badf00d",
		"PKBLOB  1 0badf00d",
		"PKBLOB a  1 0badf00d",
		"PKBLOB a 12345678901234567890 0badf00d",
		"PKBLOB-END a",
		"pkblob a 1 0badf00d",
		"PKBLOB a 1 0badf00d ",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(head(bad[i], name, &len, &crc) < 0, "accepted '%s'", bad[i]);
	char longname[8 + PK_BLOB_NAME_MAX + 32];
	snprintf(longname, sizeof(longname), "PKBLOB %0*d 1 00000000", PK_BLOB_NAME_MAX + 1, 0);
	ck_assert_int_lt(head(longname, name, &len, &crc), 0);
	snprintf(longname, sizeof(longname), "PKBLOB %0*d 1 00000000", PK_BLOB_NAME_MAX, 0);
	ck_assert_int_eq(head(longname, name, &len, &crc), 0);
	ck_assert_uint_eq(strlen(name), PK_BLOB_NAME_MAX);
}
END_TEST

START_TEST(end_lines)
{
	ck_assert(blob_is_end("PKBLOB-END perf.cpu0", 20, "perf.cpu0"));
	ck_assert(!blob_is_end("PKBLOB-END perf.cpu1", 20, "perf.cpu0"));
	ck_assert(!blob_is_end("PKBLOB-END perf.cpu00", 21, "perf.cpu0"));
	ck_assert(!blob_is_end("PKBLOB-END", 10, ""));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("blob");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, crc32_vectors);
	tcase_add_test(tc, base64_vectors);
	tcase_add_test(tc, head_lines);
	tcase_add_test(tc, end_lines);
	suite_add_tcase(s, tc);
	return check_run(s);
}
