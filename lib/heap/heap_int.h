/* SPDX-License-Identifier: MIT */
/*
 * lib/heap/heap_int.h - the heap's data structures and its inline fast
 * paths, shared by the kernel (per-CPU heaps) and libkheap.so (per-thread
 * heaps). Design after mimalloc (Leijen et al., "Mimalloc: Free List
 * Sharding in Action", 2019):
 *
 *   segment  2 MiB, 2 MiB aligned, from pages_alloc(); owned by one heap.
 *            Its header (first 4 KiB) describes its pages, so a pointer
 *            finds its metadata by masking: seg = (p - 1) & ~(2 MiB - 1).
 *            The "- 1" lets a large object with an alignment of 2 MiB or
 *            more start exactly on a boundary: its header sits 2 MiB lower.
 *   page     64 KiB (classes <= 8 KiB) or 512 KiB (larger classes) of one
 *            size class, with three free lists (free-list sharding):
 *              free        - the owner pops from it (the fast path),
 *              local_free  - the owner pushes to it (the fast free path),
 *              thread_free - other threads/CPUs push to it with CAS.
 *            The owner swaps local_free/thread_free in only when free is
 *            empty, so remote frees are reclaimed in batches.
 *   heap     per thread (host) or per CPU (guest): for every size class a
 *            queue of pages, plus `direct`, the current page per 16-byte
 *            size step up to 1 KiB, so kmalloc(small) is two loads and a pop.
 *   large    objects above 64 KiB get their own 2 MiB aligned page run.
 *
 * Full pages leave their class queue; the first remote free into one
 * cannot touch the page list (it belongs to the owner), so it hands its
 * block to the owning heap's `delayed` stack instead (the owner then puts
 * the page back); heaps are never freed (only recycled), so that push can
 * never touch freed memory.
 */
#ifndef PK_MM_HEAP_INT_H
#define PK_MM_HEAP_INT_H

#include <stddef.h>
#include <stdint.h>

#include "heap.h"
#include "pages.h"

struct kh_heap;
#include "heap_plat.h"

#define KH_SEG_SHIFT 21
#define KH_SEG_SIZE (1ul << KH_SEG_SHIFT)
#define KH_SEG_HDR 4096ul	/* header bytes at the start of every segment */
#define KH_SEG_PAGES 32		/* page slots of a small segment */
#define KH_SMALL_SHIFT 16	/* 64 KiB pages */
#define KH_MEDIUM_SHIFT 19	/* 512 KiB pages */
#define KH_LARGE_SHIFT 63	/* one page spanning the whole run */
#define KH_SMALL_OBJ_MAX 8192ul /* largest class on 64 KiB pages */
#define KH_MAX_CLASS 65536ul	/* above: large objects */
#define KH_NCLASS 48		/* 16..256 by 16, 320..512 by 64, then 4 per doubling */
#define KH_DIRECT_MAX 1024ul	/* sizes served by the `direct` fast path */
#define KH_DIRECT_N (KH_DIRECT_MAX / 16 + 1)
#define KH_RUNS 32		 /* freed large runs kept for reuse (all heaps) */
#define KH_RUNS_MAX (64ul << 20) /* ... at most that many bytes */
#define KH_RUNS_MS 1000		 /* ... unused that long: back to pages_free */
#define KH_EMPTY_SEGS_KEEP 4	 /* empty segments a heap keeps before pages_free */
#define KH_EMPTY_SEGS_MAX 64	 /* ... and at most, however recent */
#define KH_PURGE_MS 10		 /* empty for that long: back to pages_free */
#define KH_PREFAULT_MIN 16384ul	 /* prefault first touches of at least that */
#define KH_SEG_MAGIC 0x6b686561u /* "khea" */

enum { KH_SMALL, KH_MEDIUM, KH_LARGE };

/* page->flags: any bit set sends kfree() off the fast path */
#define KH_PF_FULL 1u  /* on the heap's full list (its thread_free holds KH_TF_FULL) */
#define KH_PF_LARGE 2u /* the single page of a large segment */

/* thread_free's low bit: the page is full, hand remote frees to the heap.
 * Bits 1-47 are the list head's address (blocks are 16-byte aligned; the
 * kernel's addresses sign-extend from bit 47), bits 48-63 how many blocks
 * the list holds (a page holds at most 4096): the owner takes a whole list
 * without walking it to count, which cost one serialized cache miss per
 * block remotely freed (mimalloc-bench's xmalloc-test: a third of the
 * time; the walk is left only for splicing onto a non-empty free list). */
#define KH_TF_FULL 1ul
#define KH_TF_COUNT_SHIFT 48
_Static_assert((1ul << KH_SMALL_SHIFT) / 16 < (1ul << (64 - KH_TF_COUNT_SHIFT)) &&
		       (1ul << KH_MEDIUM_SHIFT) / KH_SMALL_OBJ_MAX <
			       (1ul << (64 - KH_TF_COUNT_SHIFT)),
	       "a page's block count fits thread_free's count bits");
static inline struct kh_block *kh_tf_head(uintptr_t tf)
{
	return (struct kh_block *)(uintptr_t)((intptr_t)(tf << (64 - KH_TF_COUNT_SHIFT)) >>
					      (64 - KH_TF_COUNT_SHIFT));
}
static inline uint32_t kh_tf_count(uintptr_t tf)
{
	return (uint32_t)(tf >> KH_TF_COUNT_SHIFT);
}
/* tf with b pushed on its list (tf's KH_TF_FULL clear) */
static inline uintptr_t kh_tf_push(uintptr_t tf, const struct kh_block *b)
{
	return ((uintptr_t)b & ((1ul << KH_TF_COUNT_SHIFT) - 1)) | (uintptr_t)(kh_tf_count(tf) + 1)
									   << KH_TF_COUNT_SHIFT;
}

struct kh_block {
	struct kh_block *next;
	uintptr_t mark; /* KHEAP_DEBUG: freed-block marker */
};

struct kh_page {
	struct kh_block *free; /* the owner allocates from here */
	uint32_t used;	       /* blocks out, counting uncollected remote frees */
	uint8_t flags;	       /* KH_PF_*, owner-only */
	uint8_t cls;
	uint8_t in_use; /* slot carries a page */
	uint8_t slot;
	struct kh_block *local_free; /* the owner frees here */
	uint32_t bsize;
	uint16_t capacity; /* blocks carved so far (lazily, 4 KiB at a time) */
	uint16_t reserved; /* blocks the page can hold (<= 4096) */
	uint8_t *start;
	struct kh_page *next, *prev; /* class queue or full list */
	uintptr_t pad;
} __attribute__((aligned(64)));
_Static_assert(sizeof(struct kh_page) == 64, "one cache line per page descriptor");

/* A page's thread_free (atomic: remote frees | KH_TF_FULL), two pages to
 * a cache line, away from the page descriptors: a remote free's CAS then
 * does not take the line the owner's malloc writes (free, used) on every
 * allocation. Sharing the line cost the producer in a producer/consumer
 * pair (mimalloc-bench's xmalloc-test) a coherence miss per malloc. */
struct kh_tfree {
	uintptr_t thread_free;
	uintptr_t pad[3];
};

struct kh_segment {
	struct kh_heap *heap; /* owner; fixed for the segment's life */
	uint32_t magic;
	uint8_t kind, page_shift, npages, pad;
	uint32_t free_mask; /* page slots without a page */
	uint32_t pad2;
	uint64_t empty_since;		/* kh_plat_now_ms() when it became empty/cached */
	struct kh_segment *next, *prev; /* heap's segments with free slots */
	void *run_base;			/* what pages_alloc returned */
	size_t run_bytes;		/* and its size */
	size_t large_size;		/* large: usable bytes from the object start */
	uint8_t *large_ptr;		/* large: the object */
	uint32_t large_freed;		/* large: sits in a cache (debug: double free) */
	uint8_t touched[KH_SEG_PAGES];	/* small: 4 KiB units of each slot ever touched */
	struct kh_page pages[KH_SEG_PAGES];
	struct kh_tfree tfree[KH_SEG_PAGES];
};
_Static_assert(sizeof(struct kh_segment) <= KH_SEG_HDR, "segment header fits its 4 KiB");

struct kh_queue {
	struct kh_page *first, *last;
};

struct kh_heap {
	struct kh_page *direct[KH_DIRECT_N]; /* first: the fast path indexes it */
	struct kh_queue queue[KH_NCLASS];
	struct kh_queue full;
	struct kh_block *delayed;   /* atomic: remote frees into full pages */
	struct kh_segment *segs[2]; /* small/medium segments with free slots */
	uint32_t empty_segs;	    /* wholly free segments still held */
	uint64_t last_purge;	    /* kh_plat_now_ms() of the last purge scan */
	struct kh_heap *next_abandoned;
	uint32_t index;
	uint32_t live; /* owned by a thread/CPU */
};

extern struct kh_heap kh_heap_empty;
extern struct kh_page kh_page_empty;
extern const uint32_t kh_class_size[KH_NCLASS];
extern struct kheap_stats kh_stats; /* atomic counters, slow paths only */

void *kh_malloc_slow(struct kh_heap *h, size_t n);
void kh_free_generic(struct kh_heap *h, struct kh_segment *seg, struct kh_page *pg, void *p);
void kh_page_emptied(struct kh_heap *h, struct kh_page *pg);
void *kh_large_alloc(struct kh_heap *h, size_t n, size_t align, int *zeroed);
void *kh_large_alloc_any(size_t n, size_t align, int *zeroed);
void kh_heap_trim(struct kh_heap *h, unsigned keep_segs);
void kh_large_free(struct kh_heap *h, struct kh_segment *seg);
void *kh_large_grow(struct kh_segment *seg, size_t n);
void kh_runs_release_all(void);
/* pages_alloc/pages_free, counted in kh_stats */
void *kh_pages_alloc(size_t bytes, size_t align);
void kh_pages_free(void *p, size_t bytes);
struct kh_page *kh_page_fresh(struct kh_heap *h, unsigned cls);
void kh_page_extend(struct kh_page *pg);
void kh_page_release(struct kh_heap *h, struct kh_page *pg);
struct kh_heap *kh_heap_acquire(void);
void kh_heap_abandon(struct kh_heap *h);
void kh_heap_collect(struct kh_heap *h, int force);
void kh_oom(struct kh_heap *h);
#ifdef KHEAP_DEBUG
void kh_debug_check(const void *p, int freeing);
void kh_debug_seg_add(struct kh_segment *seg);
void kh_debug_seg_del(struct kh_segment *seg);
#define KH_FREED_MARK 0x6b68667265656421ul
#endif

static inline struct kh_segment *kh_seg_of(const void *p)
{
	return (struct kh_segment *)(((uintptr_t)p - 1) & ~(KH_SEG_SIZE - 1));
}

static inline struct kh_page *kh_page_of(struct kh_segment *seg, const void *p)
{
	return &seg->pages[((uintptr_t)p - (uintptr_t)seg) >> seg->page_shift];
}

/* pg's thread_free: pg sits in its segment's header, so masking finds it */
static inline uintptr_t *kh_page_tf(struct kh_page *pg)
{
	struct kh_segment *seg = kh_seg_of(pg);
	return &seg->tfree[pg - seg->pages].thread_free;
}

static inline unsigned kh_class_of(size_t n)
{
	if (n <= 256)
		return n ? (unsigned)((n + 15) >> 4) - 1 : 0;
	size_t w = n - 1;
	unsigned b = 63u - (unsigned)__builtin_clzl(w); /* 8.. for n > 256 */
	return 16 + (b - 8) * 4 + (unsigned)((w >> (b - 2)) & 3);
}

/* Pop the first free block of pg (which has one): the allocation fast
 * path and the slow path after refilling share it. */
static inline struct kh_block *kh_page_take(struct kh_page *pg)
{
	struct kh_block *b = pg->free;
	pg->free = b->next;
	pg->used++;
#ifdef KHEAP_DEBUG
	b->mark = 0;
#endif
	return b;
}

static inline void *kh_malloc_inline(size_t n)
{
	struct kh_heap *h = kh_plat_heap();
	if (__builtin_expect(n <= KH_DIRECT_MAX, 1)) {
		struct kh_page *pg = h->direct[(n + 15) >> 4];
		if (__builtin_expect(pg->free != 0, 1))
			return kh_page_take(pg);
	}
	return kh_malloc_slow(h, n);
}

static inline void kh_free_inline(void *p)
{
	if (__builtin_expect(p == 0, 0))
		return;
#ifdef KHEAP_DEBUG
	kh_debug_check(p, 1);
#endif
	struct kh_segment *seg = kh_seg_of(p);
	struct kh_page *pg = kh_page_of(seg, p);
	/* materialise pg once (gcc otherwise rebuilds it for the tail calls) */
	__asm__("" : "+r"(pg));
	struct kh_heap *h = kh_plat_heap();
	if (__builtin_expect(seg->heap == h && pg->flags == 0, 1)) {
		struct kh_block *b = p;
		b->next = pg->local_free;
#ifdef KHEAP_DEBUG
		b->mark = KH_FREED_MARK ^ (uintptr_t)b;
#endif
		pg->local_free = b;
		if (__builtin_expect(--pg->used != 0, 1))
			return;
		kh_page_emptied(h, pg);
		return;
	}
	kh_free_generic(h, seg, pg, p);
}

#endif
