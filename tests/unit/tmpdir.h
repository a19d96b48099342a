/* SPDX-License-Identifier: MIT */
/* tests/unit/tmpdir.h - a private scratch directory for a unit test, under
 * $TMPDIR (else the system's P_tmpdir) rather than a fixed path. Include
 * after the test's own feature macros: it needs mkdtemp. */
#ifndef PK_TESTS_TMPDIR_H
#define PK_TESTS_TMPDIR_H

#include <stdio.h>
#include <stdlib.h>

/* NAME-XXXXXX made with mkdtemp into buf; buf, or NULL when the name does
 * not fit in n bytes or mkdtemp fails. */
static inline char *check_tmpdir(char *buf, size_t n, const char *name)
{
	const char *t = getenv("TMPDIR");
	int len = snprintf(buf, n, "%s/%s-XXXXXX", t && *t ? t : P_tmpdir, name);
	return len > 0 && (size_t)len < n ? mkdtemp(buf) : NULL;
}

#endif
