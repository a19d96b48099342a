/* SPDX-License-Identifier: MIT */
/*
 * lib/heap/pages_host.c - pages_alloc()/pages_free() (lib/heap/pages.h)
 * over mmap for the host build of the heap: 2 MiB-multiple runs try
 * MAP_HUGETLB once (it only works with reserved huge pages), then plain
 * mappings; alignment by over-allocating and trimming both ends.
 * THP (MADV_HUGEPAGE): KHEAP_THP=1 for every run of 2 MiB or more, 0 for
 * none; by default only for runs above 2 MiB (large objects). Small-object
 * segments stay on 4 KiB pages by default because with the usual
 * defrag=madvise a THP fault may stall in direct compaction: measured
 * here, the `rss` churn bench swung between 1.1 and 24 M ops/s with THP
 * and held 8 M without; and a thread's first segment would cost 2 MiB RSS.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "pages.h"

static int hugetlb_ok = 1; /* until the first MAP_HUGETLB failure */
static int thp = -1;	   /* KHEAP_THP: 0 never, 1 all, 2 above 2 MiB; -1 unread */

static void *pages_map(size_t len, int flags)
{
	void *p = mmap(0, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | flags, -1, 0);
	return p == MAP_FAILED ? 0 : p;
}

void *pages_alloc(size_t bytes, size_t align)
{
	if (bytes == 0 || bytes % PAGE_SIZE || align < PAGE_SIZE || (align & (align - 1)) ||
	    bytes > ((size_t)1 << 46) || align > PAGE_1G)
		return 0;
	if (bytes % PAGE_2M == 0 && align <= PAGE_2M &&
	    __atomic_load_n(&hugetlb_ok, __ATOMIC_RELAXED)) {
		/* hugetlb mappings are 2 MiB aligned by construction; reserved
		 * at mmap (no MAP_NORESERVE), so an empty pool fails here and
		 * not with SIGBUS at first touch */
		void *p = pages_map(bytes, MAP_HUGETLB);
		if (p)
			return p;
		__atomic_store_n(&hugetlb_ok, 0, __ATOMIC_RELAXED);
	}
	size_t over = bytes + align - PAGE_SIZE;
	char *raw = pages_map(over, MAP_NORESERVE);
	if (!raw)
		return 0;
	char *p = (char *)(((uintptr_t)raw + align - 1) & ~(uintptr_t)(align - 1));
	if (p > raw)
		munmap(raw, (size_t)(p - raw));
	if (raw + over > p + bytes)
		munmap(p + bytes, (size_t)(raw + over - (p + bytes)));
	if (thp < 0) {
		const char *e = getenv("KHEAP_THP");
		thp = e && e[0] == '0' ? 0 : e && e[0] == '1' ? 1 : 2;
	}
	if ((thp == 1 && bytes >= PAGE_2M) || (thp == 2 && bytes > PAGE_2M))
		madvise(p, bytes, MADV_HUGEPAGE);
	return p;
}

void pages_free(void *p, size_t bytes)
{
	munmap(p, bytes);
}

/* Grow a run without copying (host only, heap_plat_host.h): in place when
 * the address space after it is free (often: pages_alloc trims its
 * over-allocation there), else by moving the pages (page tables, not
 * bytes) onto a fresh 2 MiB aligned reservation. NULL when neither works. */
void *pages_grow(void *p, size_t old, size_t bytes)
{
	void *r = mremap(p, old, bytes, 0);
	if (r != MAP_FAILED)
		return r;
	void *dst = pages_alloc(bytes, PAGE_2M);
	if (!dst)
		return 0;
	r = mremap(p, old, bytes, MREMAP_MAYMOVE | MREMAP_FIXED, dst);
	if (r == MAP_FAILED) {
		munmap(dst, bytes);
		return 0;
	}
	return r;
}

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14 */
#endif
static int populate_ok = 1; /* until madvise says it has no MADV_POPULATE_WRITE */

/* Fault [p, p + bytes) in writable with one system call instead of a page
 * fault per 4 KiB (host only, heap_plat_host.h). Only a hint: a failure
 * (no memory: the page fault will report it) is ignored, and errno kept,
 * since a malloc that succeeds must not leave a stray one. */
void pages_prefault(void *p, size_t bytes)
{
	if (!__atomic_load_n(&populate_ok, __ATOMIC_RELAXED))
		return;
	int saved = errno;
	if (madvise(p, bytes, MADV_POPULATE_WRITE) && errno == EINVAL)
		__atomic_store_n(&populate_ok, 0, __ATOMIC_RELAXED); /* before Linux 5.14 */
	errno = saved;
}
