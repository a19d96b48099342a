/* SPDX-License-Identifier: MIT */
/*
 * lib/kstring/kstring.c - mem and str functions for the freestanding kernel.
 * Guest-only: host builds link the C library's versions instead.
 *
 * memcpy/memset use `rep movsb`/`rep stosb`: with ERMS/FSRM (every CPU the
 * x86-64-v3 build targets has ERMS) they beat any open-coded loop for the
 * sizes the kernel copies, and inline asm can never be turned back into a
 * call to the very function being defined.
 */
#include "kstring.h"

#include <stdint.h>

/*
 * GCC's loop-distribution pass recognises byte loops as memset/memcpy/
 * memmove patterns and emits calls to them, even with -ffreestanding. Inside
 * those very functions that would be infinite recursion, so the plain C
 * loops below must never be rewritten that way.
 */
#define KSTRING_NO_LIBCALL __attribute__((optimize("no-tree-loop-distribute-patterns")))

KSTRING_NO_LIBCALL void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
	void *ret = dst;
	__asm__ volatile("rep movsb" : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
	return ret;
}

KSTRING_NO_LIBCALL void *memset(void *dst, int c, size_t n)
{
	void *ret = dst;
	__asm__ volatile("rep stosb" : "+D"(dst), "+c"(n) : "a"(c) : "memory");
	return ret;
}

KSTRING_NO_LIBCALL void *memmove(void *dst, const void *src, size_t n)
{
	uintptr_t d = (uintptr_t)dst;
	uintptr_t s = (uintptr_t)src;

	/* A forward copy is correct unless dst starts inside the source:
	 * rep movsb is architecturally a byte-by-byte loop, so it also
	 * handles dst < src overlap. */
	if (d - s >= n) {
		__asm__ volatile("rep movsb" : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
		return (void *)d;
	}
	/* Overlapping with dst above src: copy from the last byte down. DF=1
	 * loses the fast-string microcode, but this case is rare (buffer
	 * shifts), and the ABI requires DF=0 again on return. */
	void *dlast = (char *)dst + n - 1;
	const void *slast = (const char *)src + n - 1;
	__asm__ volatile("std\n\trep movsb\n\tcld"
			 : "+D"(dlast), "+S"(slast), "+c"(n)
			 :
			 : "memory", "cc");
	return (void *)d;
}

KSTRING_NO_LIBCALL int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a;
	const unsigned char *y = b;

	for (size_t i = 0; i < n; i++) {
		if (x[i] != y[i])
			return x[i] < y[i] ? -1 : 1;
	}
	return 0;
}

KSTRING_NO_LIBCALL size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

KSTRING_NO_LIBCALL size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

KSTRING_NO_LIBCALL int strcmp(const char *a, const char *b)
{
	const unsigned char *x = (const unsigned char *)a;
	const unsigned char *y = (const unsigned char *)b;

	while (*x && *x == *y) {
		x++;
		y++;
	}
	return (int)*x - (int)*y;
}

KSTRING_NO_LIBCALL int strncmp(const char *a, const char *b, size_t n)
{
	const unsigned char *x = (const unsigned char *)a;
	const unsigned char *y = (const unsigned char *)b;

	for (size_t i = 0; i < n; i++) {
		if (x[i] != y[i] || !x[i])
			return (int)x[i] - (int)y[i];
	}
	return 0;
}

KSTRING_NO_LIBCALL char *strchr(const char *s, int c)
{
	char ch = (char)c;

	/* C says the terminating NUL is part of the string: strchr(s, 0)
	 * returns a pointer to it. */
	for (;; s++) {
		if (*s == ch)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}
