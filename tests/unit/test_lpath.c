/* SPDX-License-Identifier: MIT */
/* tests/unit/test_lpath.c - lexical path normalisation (lib/lpath): what
 * the Linux syscall layer hands the vfs, never above "/". */
#include <check.h>
#include <string.h>

#include "check_run.h"
#include "lib/lpath/lpath.h"

static const char *norm(const char *base, const char *path)
{
	static char out[256];
	int rc = lpath_resolve(base, path, out, sizeof(out));
	return rc ? (rc == -2 ? "ENOENT" : "ENAMETOOLONG") : out;
}

START_TEST(lpath_cases)
{
	ck_assert_str_eq(norm("/", "a/b"), "/a/b");
	ck_assert_str_eq(norm("/d/u", "x//y/./z/"), "/d/u/x/y/z");
	ck_assert_str_eq(norm("/d/u", "../v"), "/d/v");
	ck_assert_str_eq(norm("/d/u", "/etc/../etc/./passwd"), "/etc/passwd");
	/* no spelling climbs above the root */
	ck_assert_str_eq(norm("/a", "../../../../etc"), "/etc");
	ck_assert_str_eq(norm("/", ".."), "/");
	ck_assert_str_eq(norm("/", "/../.."), "/");
	ck_assert_str_eq(norm("/a/b", "."), "/a/b");
	ck_assert_str_eq(norm("/a/b", "..."), "/a/b/...");
	ck_assert_str_eq(norm("/a", "..x/.y"), "/a/..x/.y");
	ck_assert_str_eq(norm("/", ""), "ENOENT");
	char out[8];
	ck_assert_int_eq(lpath_resolve("/", "abcdefgh", out, sizeof(out)), -36);
	ck_assert_int_eq(lpath_resolve("/", "abcdef", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "/abcdef");
	static char longp[600];
	memset(longp, 'a', sizeof(longp) - 1);
	ck_assert_int_eq(lpath_resolve("/", longp, out, sizeof(out)), -36);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("lpath");
	TCase *tc = tcase_create("pure");
	tcase_add_test(tc, lpath_cases);
	suite_add_tcase(s, tc);
	return check_run(s);
}
