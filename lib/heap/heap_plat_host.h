/* SPDX-License-Identifier: MIT */
/*
 * lib/heap/heap_plat_host.h - the heap's platform on a POSIX host
 * (libkheap.so, unit tests): one heap per thread in initial-exec TLS (one
 * %fs-relative load, no __tls_get_addr), a spinlock that yields for the
 * slow path. Implemented by lib/kheap/heap_host.c.
 */
#ifndef PK_MM_HEAP_PLAT_HOST_H
#define PK_MM_HEAP_PLAT_HOST_H

#include <stddef.h>
#include <string.h>
#include <time.h>

#define KH_PAGES_ZEROED 1 /* anonymous mmap */

extern __thread struct kh_heap *kh_tls __attribute__((tls_model("initial-exec")));

static inline struct kh_heap *kh_plat_heap(void)
{
	return kh_tls;
}

static inline void kh_plat_heap_set(struct kh_heap *h)
{
	kh_tls = h;
}

/* lib/heap/pages_host.c: grow a page run without copying (mremap) */
void *pages_grow(void *p, size_t old, size_t bytes);
#define kh_plat_pages_grow pages_grow
#define KH_PLAT_SHRINKS 1 /* pages_grow can also shrink a run in place */
/* ... and fault a range in with one call (MADV_POPULATE_WRITE) */
void pages_prefault(void *p, size_t bytes);
#define kh_plat_prefault pages_prefault

/* coarse monotonic milliseconds (vDSO, no syscall): segment purge delay */
static inline uint64_t kh_plat_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void kh_plat_lock(void);
void kh_plat_unlock(void);

#define kh_memcpy memcpy
#define kh_memset memset

#endif
