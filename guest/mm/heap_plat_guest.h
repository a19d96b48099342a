/* SPDX-License-Identifier: MIT */
/*
 * guest/mm/heap_plat_guest.h - the heap's platform in the kernel: one heap
 * per CPU, found through the per-CPU index (GS base). Executors are never
 * preempted, so a task cannot migrate in the middle of kmalloc; interrupt
 * handlers must not allocate. Implemented by guest/mm/heap_guest.c.
 */
#ifndef PK_MM_HEAP_PLAT_GUEST_H
#define PK_MM_HEAP_PLAT_GUEST_H

#include "guest/arch/percpu.h"
#include "guest/arch/spinlock.h"
#include "guest/arch/tsc.h"
#include "lib/kstring/kstring.h"

#define KH_PAGES_ZEROED 0 /* frames are recycled without clearing */

extern struct kh_heap *kh_cpu_heap[PK_MAX_CPUS];
extern struct spinlock kh_lock;

static inline struct kh_heap *kh_plat_heap(void)
{
	return kh_cpu_heap[this_cpu()->index];
}

static inline void kh_plat_heap_set(struct kh_heap *h)
{
	kh_cpu_heap[this_cpu()->index] = h;
}

/* pages.h has no remap: large reallocs copy, cached runs are not shrunk */
#define KH_PLAT_SHRINKS 0
static inline void *kh_plat_pages_grow(void *p, size_t old, size_t bytes)
{
	(void)p;
	(void)old;
	(void)bytes;
	return 0;
}

/* the direct map has no page faults to batch */
static inline void kh_plat_prefault(void *p, size_t bytes)
{
	(void)p;
	(void)bytes;
}

/* milliseconds since boot from the TSC: segment purge delay */
static inline uint64_t kh_plat_now_ms(void)
{
	return tsc_cycles_to_us(__builtin_ia32_rdtsc()) / 1000;
}

static inline void kh_plat_lock(void)
{
	spin_lock(&kh_lock);
}

static inline void kh_plat_unlock(void)
{
	spin_unlock(&kh_lock);
}

#define kh_memcpy memcpy
#define kh_memset memset

#endif
