/* SPDX-License-Identifier: MIT */
/*
 * lib/kstring/kstring.h - the C string/memory functions the freestanding
 * kernel provides (the compiler emits calls to mem* on its own). Same
 * prototypes as the C library, so host builds of pure modules link libc's.
 */
#ifndef PK_LIB_KSTRING_H
#define PK_LIB_KSTRING_H

#include <stddef.h>

void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);

/* BSD strlcpy: always NUL-terminates when size > 0, returns strlen(src).
 * Named pk_ so it never collides with a host libc that has its own. */
size_t pk_strlcpy(char *dst, const char *src, size_t size);

#endif
