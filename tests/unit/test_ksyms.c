/* SPDX-License-Identifier: MIT */
/* tests/unit/test_ksyms.c - the symbol-table search used by backtraces. */
#include <check.h>

#include "check_run.h"
#include <stdint.h>
#include <stdlib.h>

#include "guest/kernel/ksyms.h"

/* ksyms.c refers to the generated table; give it a small one. */
const uint64_t ksyms_num = 3;
const uint64_t ksyms_addr[] = {0x1000, 0x1010, 0x1040};
const uint32_t ksyms_name_off[] = {0, 4, 8};
const char ksyms_names[] = "aaa\0bbb\0ccc";
const char __text_end[1];

START_TEST(search_edges)
{
	const uint64_t a[] = {10, 20, 30};
	ck_assert_int_eq(ksyms_search(a, 3, 9), -1);
	ck_assert_int_eq(ksyms_search(a, 3, 10), 0);
	ck_assert_int_eq(ksyms_search(a, 3, 19), 0);
	ck_assert_int_eq(ksyms_search(a, 3, 20), 1);
	ck_assert_int_eq(ksyms_search(a, 3, 29), 1);
	ck_assert_int_eq(ksyms_search(a, 3, 30), 2);
	ck_assert_int_eq(ksyms_search(a, 3, ~0ull), 2);
	ck_assert_int_eq(ksyms_search(a, 0, 10), -1);
}
END_TEST

START_TEST(search_many)
{
	uint64_t a[1000];
	for (int i = 0; i < 1000; i++)
		a[i] = (uint64_t)i * 16 + 0x100;
	for (int i = 0; i < 1000; i++) {
		ck_assert_int_eq(ksyms_search(a, 1000, a[i]), i);
		ck_assert_int_eq(ksyms_search(a, 1000, a[i] + 15), i);
	}
}
END_TEST

START_TEST(address_by_name)
{
	ck_assert_uint_eq(ksyms_address("bbb"), 0x1010);
	ck_assert_uint_eq(ksyms_address("ccc"), 0x1040);
	ck_assert_uint_eq(ksyms_address("nope"), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ksyms");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, search_edges);
	tcase_add_test(tc, search_many);
	tcase_add_test(tc, address_by_name);
	suite_add_tcase(s, tc);
	return check_run(s);
}
