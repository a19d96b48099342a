/* SPDX-License-Identifier: MIT */
/*
 * lib/kheap/malloc.c - libkheap.so: the C allocation API over the kernel
 * heap's source (lib/heap/heap*.c), for LD_PRELOAD. glibc-compatible
 * corner cases: malloc(0) is a unique pointer, realloc(p, 0) frees and
 * returns NULL, failures set errno to ENOMEM (EINVAL for bad alignments).
 * Everything else in the library is hidden (-fvisibility=hidden), so the
 * heap's own calls never go through the PLT.
 */
#ifndef _GNU_SOURCE
#endif
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "lib/heap/heap_int.h"

#define KH_EXPORT __attribute__((visibility("default")))

KH_EXPORT void *malloc(size_t n)
{
	return kh_malloc_inline(n);
}

KH_EXPORT void free(void *p)
{
	kh_free_inline(p);
}

KH_EXPORT void cfree(void *p)
{
	kh_free_inline(p);
}

KH_EXPORT void *calloc(size_t nmemb, size_t size)
{
	return kcalloc(nmemb, size);
}

KH_EXPORT void *realloc(void *p, size_t n)
{
	return krealloc(p, n);
}

KH_EXPORT void *reallocarray(void *p, size_t nmemb, size_t size)
{
	size_t n;
	if (__builtin_mul_overflow(nmemb, size, &n)) {
		errno = ENOMEM;
		return 0;
	}
	return krealloc(p, n);
}

KH_EXPORT size_t malloc_usable_size(void *p)
{
	return kusable_size(p);
}

static void *kh_aligned(size_t align, size_t n)
{
	void *p = kaligned_alloc(align, n);
	if (!p)
		errno = ENOMEM;
	return p;
}

KH_EXPORT int posix_memalign(void **out, size_t align, size_t n)
{
	if (align < sizeof(void *) || (align & (align - 1)))
		return EINVAL;
	int saved = errno; /* POSIX: the result is the return value */
	void *p = kaligned_alloc(align, n);
	errno = saved;
	if (!p)
		return ENOMEM;
	*out = p;
	return 0;
}

KH_EXPORT void *aligned_alloc(size_t align, size_t n)
{
	if (align == 0 || (align & (align - 1))) {
		errno = EINVAL;
		return 0;
	}
	return kh_aligned(align, n);
}

/* glibc's memalign rounds a non-power-of-two alignment up */
KH_EXPORT void *memalign(size_t align, size_t n)
{
	if (align & (align - 1)) {
		if (align > ((size_t)1 << 62)) {
			errno = EINVAL;
			return 0;
		}
		align = (size_t)1 << (64 - __builtin_clzl(align));
	}
	return kh_aligned(align ? align : 1, n);
}

KH_EXPORT void *valloc(size_t n)
{
	return kh_aligned(PAGE_SIZE, n);
}

KH_EXPORT void *pvalloc(size_t n)
{
	if (n > SIZE_MAX - PAGE_SIZE) {
		errno = ENOMEM;
		return 0;
	}
	size_t r = (n + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	return kh_aligned(PAGE_SIZE, r ? r : PAGE_SIZE);
}

/* So tests (and users) can tell the preload is really in effect. */
KH_EXPORT void kheap_get_stats(struct kheap_stats *out)
{
	kheap_stats(out);
}
