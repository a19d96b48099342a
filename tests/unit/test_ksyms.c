/* SPDX-License-Identifier: MIT */
/* tests/unit/test_ksyms.c - the symbol-table search used by backtraces. */
#include <check.h>

#include "check_run.h"
#include <stdint.h>
#include <stdlib.h>

#include "lib/ksyms/ksyms_search.h"

/* a small table of the shape tools/ksyms_gen.sh emits */
static const uint64_t addrs[] = {0x1000, 0x1010, 0x1040};
static const uint32_t name_off[] = {0, 4, 8};
static const struct ksyms_table table = {3, addrs, name_off, "aaa\0bbb\0ccc"};

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
	ck_assert_uint_eq(ksyms_table_address(&table, "bbb"), 0x1010);
	ck_assert_uint_eq(ksyms_table_address(&table, "ccc"), 0x1040);
	ck_assert_uint_eq(ksyms_table_address(&table, "nope"), 0);
}
END_TEST

START_TEST(lookup_offsets)
{
	uint64_t off = 99;
	ck_assert_ptr_null(ksyms_table_lookup(&table, 0xfff, &off));
	ck_assert_str_eq(ksyms_table_lookup(&table, 0x1000, &off), "aaa");
	ck_assert_uint_eq(off, 0);
	ck_assert_str_eq(ksyms_table_lookup(&table, 0x103f, &off), "bbb");
	ck_assert_uint_eq(off, 0x2f);
	ck_assert_str_eq(ksyms_table_lookup(&table, 0x1041, &off), "ccc");
	ck_assert_uint_eq(off, 1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ksyms");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, search_edges);
	tcase_add_test(tc, search_many);
	tcase_add_test(tc, address_by_name);
	tcase_add_test(tc, lookup_offsets);
	suite_add_tcase(s, tc);
	return check_run(s);
}
