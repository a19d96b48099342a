/* SPDX-License-Identifier: MIT */
/*
 * lib/heap/heap.h - the kernel heap: per-CPU caches of size classes, no
 * lock on the alloc/free fast path (design: heap_int.h). The same source
 * is libkheap.so on the host, where the caches are per thread.
 *
 * Semantics follow C malloc: kmalloc(0) returns a unique pointer, kfree(0)
 * does nothing, krealloc(p, 0) frees p and returns NULL (as glibc does).
 * Exhaustion returns NULL and counts (kheap_stats().oom); it never
 * corrupts the heap. In the kernel, do not call these from interrupt
 * handlers: the per-CPU fast path is not interrupt-safe.
 */
#ifndef PK_MM_HEAP_H
#define PK_MM_HEAP_H

#include <stddef.h>
#include <stdint.h>

void *kmalloc(size_t n);
void kfree(void *p);
void *kcalloc(size_t nmemb, size_t size);
void *krealloc(void *p, size_t n);
/* align: a power of two (any size); NULL when it is not. */
void *kaligned_alloc(size_t align, size_t n);
/* Bytes usable at p (>= what was asked for); 0 for NULL. */
size_t kusable_size(const void *p);

/* Give this CPU's/thread's free pages and cached runs back (pages_free). */
void kheap_collect(void);
/* Host: hand the calling thread's heap to the next thread (thread exit). */
void kheap_thread_done(void);

struct kheap_stats {
	uint64_t oom;	    /* allocations that returned NULL */
	uint64_t segments;  /* 2 MiB segments held now */
	uint64_t large;	    /* large runs held now (live + cached) */
	uint64_t seg_alloc; /* pages_alloc calls that succeeded */
	uint64_t seg_free;  /* pages_free calls */
	uint64_t heaps;	    /* heaps created (threads/CPUs that allocated) */
};

/* A snapshot summed over all heaps (racy but never torn per field). */
void kheap_stats(struct kheap_stats *out);

#endif
