/* SPDX-License-Identifier: MIT */
/* tests/unit/check_run.h - run a Check suite; the exit status every unit
 * test's main() returns (0 only when nothing failed). */
#ifndef PK_TESTS_CHECK_RUN_H
#define PK_TESTS_CHECK_RUN_H

#include <check.h>

static inline int check_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

#endif
