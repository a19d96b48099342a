/* SPDX-License-Identifier: MIT */
/*
 * lib/heap/heap_plat.h - what the heap needs from its platform; the kernel
 * (heap_plat_guest.h: per-CPU) and libkheap.so (heap_plat_host.h: per-thread)
 * each provide:
 *
 *   struct kh_heap *kh_plat_heap(void)   the caller's heap; &kh_heap_empty
 *                                        before the first allocation
 *   void kh_plat_heap_set(h)             make h the caller's heap
 *   void kh_plat_attached(h)             h was just acquired (host: thread-exit hook)
 *   void kh_plat_lock(void) / _unlock    the slow-path lock (heap pool, registry)
 *   void kh_plat_oom(void)               an allocation failed (host: errno = ENOMEM)
 *   void kh_plat_report(what, p)         heap misuse found: report and stop
 *   KH_PAGES_ZEROED                      fresh pages_alloc memory reads as zero
 *   kh_plat_pages_grow, KH_PLAT_SHRINKS  resize a page run without copying
 *   kh_plat_prefault(p, bytes)           fault a range in at once (or nothing)
 *   kh_memcpy / kh_memset
 */
#ifndef PK_MM_HEAP_PLAT_H
#define PK_MM_HEAP_PLAT_H

#ifdef PK_HOSTED
#include "heap_plat_host.h"
#else
#include "guest/mm/heap_plat_guest.h"
#endif

void kh_plat_attached(struct kh_heap *h);
void kh_plat_oom(void);
void kh_plat_report(const char *what, const void *p) __attribute__((noreturn));

#endif
