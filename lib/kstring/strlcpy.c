/* SPDX-License-Identifier: MIT */
/*
 * lib/kstring/strlcpy.c - pk_strlcpy, kept apart from kstring.c so host unit
 * tests can link it while taking every other string function from libc.
 */
#include "kstring.h"

size_t pk_strlcpy(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);

	if (size) {
		size_t n = len < size - 1 ? len : size - 1;
		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}
