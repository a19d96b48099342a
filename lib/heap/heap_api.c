/* SPDX-License-Identifier: MIT */
/*
 * lib/heap/heap_api.c - the heap's public API (heap.h) over the inline
 * fast paths of heap_int.h, and the KHEAP_DEBUG checks: a registry of
 * live segments (foreign pointers) and a freed-block marker (double frees).
 */
#include "heap_int.h"

void *kmalloc(size_t n)
{
	return kh_malloc_inline(n);
}

void kfree(void *p)
{
	kh_free_inline(p);
}

size_t kusable_size(const void *p)
{
	if (!p)
		return 0;
#ifdef KHEAP_DEBUG
	kh_debug_check(p, 0);
#endif
	struct kh_segment *seg = kh_seg_of(p);
	struct kh_page *pg = kh_page_of(seg, p);
	if (pg->flags & KH_PF_LARGE)
		return seg->large_size - (size_t)((const uint8_t *)p - seg->large_ptr);
	return pg->bsize;
}

void *kcalloc(size_t nmemb, size_t size)
{
	size_t n;
	if (__builtin_mul_overflow(nmemb, size, &n)) {
		kh_oom(0);
		return 0;
	}
	if (n > KH_MAX_CLASS) {
		int zeroed;
		void *p = kh_large_alloc_any(n, 0, &zeroed);
		if (p && !zeroed)
			kh_memset(p, 0, n);
		return p;
	}
	void *p = kh_malloc_inline(n);
	if (p)
		kh_memset(p, 0, n);
	return p;
}

void *krealloc(void *p, size_t n)
{
	if (!p)
		return kh_malloc_inline(n);
	if (n == 0) {
		kh_free_inline(p);
		return 0;
	}
	size_t have = kusable_size(p);
	if (n <= have && n >= have / 2)
		return p; /* shrinking by less than half: stay */
	/* growing a large object: leave room so a growth loop copies
	 * O(log n) times, not once per page */
	size_t want = n;
	if (n > have && n > KH_MAX_CLASS && have + have / 2 > n && have < ((size_t)1 << 46))
		want = have + have / 2;
	struct kh_segment *seg = kh_seg_of(p);
	if (n > have && (kh_page_of(seg, p)->flags & KH_PF_LARGE)) {
		void *q = kh_large_grow(seg, want);
		if (q)
			return q;
	}
	void *q = kh_malloc_inline(want);
	if (!q && want != n)
		q = kh_malloc_inline(n);
	if (!q)
		return 0; /* p is untouched, as C requires */
	kh_memcpy(q, p, n < have ? n : have);
	kh_free_inline(p);
	return q;
}

void *kaligned_alloc(size_t align, size_t n)
{
	if (align == 0 || (align & (align - 1)))
		return 0;
	if (align <= 16)
		return kh_malloc_inline(n);
	/* a class whose size is a multiple of align: every block of it is
	 * aligned, since pages start on 4 KiB (page 0) or 64 KiB boundaries */
	if (align <= KH_SEG_HDR && n <= KH_MAX_CLASS) {
		size_t m = n < align ? align : n;
		for (unsigned c = kh_class_of(m); c < KH_NCLASS; c++)
			if (kh_class_size[c] % align == 0)
				return kh_malloc_inline(kh_class_size[c]);
	}
	return kh_large_alloc_any(n, align, 0);
}

void kheap_collect(void)
{
	struct kh_heap *h = kh_plat_heap();
	if (h != &kh_heap_empty)
		kh_heap_collect(h, 0);
}

void kheap_thread_done(void)
{
	struct kh_heap *h = kh_plat_heap();
	if (h == &kh_heap_empty)
		return;
	kh_plat_heap_set(&kh_heap_empty);
	kh_heap_abandon(h);
}

void kheap_stats(struct kheap_stats *out)
{
	out->oom = __atomic_load_n(&kh_stats.oom, __ATOMIC_RELAXED);
	out->segments = __atomic_load_n(&kh_stats.segments, __ATOMIC_RELAXED);
	out->large = __atomic_load_n(&kh_stats.large, __ATOMIC_RELAXED);
	out->seg_alloc = __atomic_load_n(&kh_stats.seg_alloc, __ATOMIC_RELAXED);
	out->seg_free = __atomic_load_n(&kh_stats.seg_free, __ATOMIC_RELAXED);
	out->heaps = __atomic_load_n(&kh_stats.heaps, __ATOMIC_RELAXED);
}

#ifdef KHEAP_DEBUG
/* Live segments (and large runs), open addressing over their addresses. */
#define KH_REG_N (1u << 14)
static uintptr_t kh_reg[KH_REG_N]; /* 0 free, 1 deleted */

static unsigned kh_reg_hash(uintptr_t s)
{
	return (unsigned)((s >> KH_SEG_SHIFT) * 0x9e3779b97f4a7c15ull >> 50) & (KH_REG_N - 1);
}

void kh_debug_seg_add(struct kh_segment *seg)
{
	kh_plat_lock();
	for (unsigned i = kh_reg_hash((uintptr_t)seg), k = 0; k < KH_REG_N; k++) {
		if (kh_reg[i] <= 1) {
			kh_reg[i] = (uintptr_t)seg;
			kh_plat_unlock();
			return;
		}
		i = (i + 1) & (KH_REG_N - 1);
	}
	kh_plat_unlock();
	kh_plat_report("debug segment registry full", seg);
}

void kh_debug_seg_del(struct kh_segment *seg)
{
	kh_plat_lock();
	for (unsigned i = kh_reg_hash((uintptr_t)seg), k = 0; k < KH_REG_N && kh_reg[i]; k++) {
		if (kh_reg[i] == (uintptr_t)seg) {
			kh_reg[i] = 1;
			break;
		}
		i = (i + 1) & (KH_REG_N - 1);
	}
	kh_plat_unlock();
}

static int kh_debug_known(uintptr_t seg)
{
	int found = 0;
	kh_plat_lock();
	for (unsigned i = kh_reg_hash(seg), k = 0; k < KH_REG_N && kh_reg[i]; k++) {
		if (kh_reg[i] == seg) {
			found = 1;
			break;
		}
		i = (i + 1) & (KH_REG_N - 1);
	}
	kh_plat_unlock();
	return found;
}

void kh_debug_check(const void *p, int freeing)
{
	struct kh_segment *seg = kh_seg_of(p);
	if (!kh_debug_known((uintptr_t)seg) || seg->magic != KH_SEG_MAGIC)
		kh_plat_report("pointer not allocated by kheap (foreign, or a freed large object)",
			       p);
	struct kh_page *pg = kh_page_of(seg, p);
	const uint8_t *b = p;
	if (pg->flags & KH_PF_LARGE) {
		if (b != seg->large_ptr)
			kh_plat_report("pointer into the middle of a large object", p);
		if (seg->large_freed)
			kh_plat_report("double free (or use after free) of a large object", p);
		return;
	}
	if (!pg->in_use || b < pg->start || b >= pg->start + (size_t)pg->capacity * pg->bsize ||
	    (size_t)(b - pg->start) % pg->bsize)
		kh_plat_report("pointer is not the start of a kheap block", p);
	if (freeing && ((const struct kh_block *)p)->mark == (KH_FREED_MARK ^ (uintptr_t)p))
		kh_plat_report("double free", p);
}
#endif
