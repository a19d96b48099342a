/* SPDX-License-Identifier: MIT */
/*
 * guest/mm/heap_guest.c - the heap's platform in the kernel
 * (heap_plat_guest.h): per-CPU heap pointers, the slow-path lock, reports.
 */
#include "guest/kernel/console.h"
#include "guest/kernel/platform.h"
#include "lib/heap/heap_int.h"

struct kh_heap *kh_cpu_heap[PK_MAX_CPUS] = {[0 ... PK_MAX_CPUS - 1] = &kh_heap_empty};
struct spinlock kh_lock = SPINLOCK_INIT;

void kh_plat_attached(struct kh_heap *h)
{
	(void)h;
}

void kh_plat_oom(void)
{
}

void kh_plat_report(const char *what, const void *p)
{
	kprintf("kheap: %s: %p (cpu %u)\n", what, p, this_cpu()->index);
	platform_exit(4);
}
