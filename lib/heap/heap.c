/* SPDX-License-Identifier: MIT */
/*
 * lib/heap/heap.c - the heap's slow paths: finding a page with free blocks
 * for a size class, collecting the page's sharded free lists, full pages,
 * remote frees and the delayed-free hand-off (design: heap_int.h).
 */
#include "heap_int.h"

/* 16..256 by 16, 320..512 by 64, then four classes per doubling; every
 * class >= 64 that is a multiple of 64 starts on a cache line. */
const uint32_t kh_class_size[KH_NCLASS] = {
	16,    32,    48,    64,    80,	   96,	  112,	 128,	144,   160,   176,   192,
	208,   224,   240,   256,   320,   384,	  448,	 512,	640,   768,   896,   1024,
	1280,  1536,  1792,  2048,  2560,  3072,  3584,	 4096,	5120,  6144,  7168,  8192,
	10240, 12288, 14336, 16384, 20480, 24576, 28672, 32768, 40960, 49152, 57344, 65536};

/* Never has a free block: the fast path of a thread without a heap (and of
 * classes without a page) falls through to kh_malloc_slow. */
struct kh_page kh_page_empty;
struct kh_heap kh_heap_empty = {.direct = {[0 ... KH_DIRECT_N - 1] = &kh_page_empty}};

/* ---- class queues; `direct` always points at the queue's first page ---- */

static void kh_direct_fix(struct kh_heap *h, unsigned c)
{
	if (kh_class_size[c] > KH_DIRECT_MAX)
		return;
	struct kh_page *pg = h->queue[c].first ? h->queue[c].first : &kh_page_empty;
	size_t lo = c ? kh_class_size[c - 1] + 1 : 0;
	for (size_t w = (lo + 15) >> 4; w <= kh_class_size[c] >> 4; w++)
		h->direct[w] = pg;
}

static void kh_q_remove(struct kh_queue *q, struct kh_page *pg)
{
	if (pg->prev)
		pg->prev->next = pg->next;
	else
		q->first = pg->next;
	if (pg->next)
		pg->next->prev = pg->prev;
	else
		q->last = pg->prev;
	pg->next = pg->prev = 0;
}

static void kh_q_push_front(struct kh_queue *q, struct kh_page *pg)
{
	pg->prev = 0;
	pg->next = q->first;
	if (q->first)
		q->first->prev = pg;
	else
		q->last = pg;
	q->first = pg;
}

static void kh_q_push_back(struct kh_queue *q, struct kh_page *pg)
{
	pg->next = 0;
	pg->prev = q->last;
	if (q->last)
		q->last->next = pg;
	else
		q->first = pg;
	q->last = pg;
}

/* ---- sharded free lists ---- */

/* Owner only: move local and remote frees into `free` (remote ones with one
 * atomic exchange for the whole batch, counted by thread_free's own count
 * bits; a short free list waits in local_free rather than have the
 * remote list walked for its tail). */
static void kh_page_collect(struct kh_page *pg)
{
	if (!pg->free) {
		pg->free = pg->local_free;
		pg->local_free = 0;
	}
	uintptr_t tf = __atomic_load_n(kh_page_tf(pg), __ATOMIC_RELAXED);
	if (tf == 0 || (tf & KH_TF_FULL))
		return;
	tf = __atomic_exchange_n(kh_page_tf(pg), 0, __ATOMIC_ACQUIRE);
	struct kh_block *head = kh_tf_head(tf);
	pg->used -= kh_tf_count(tf);
	if (pg->free && !pg->local_free) {
		/* a few blocks in free (the one a full page got through the
		 * delayed stack, say): they wait in local_free, no walk */
		pg->local_free = pg->free;
	} else if (pg->free) { /* splice: only now is the tail needed */
		struct kh_block *tail = head;
		while (tail->next)
			tail = tail->next;
		tail->next = pg->free;
	}
	pg->free = head;
}

/* Owner only: a page with nothing free goes to the full list, where remote
 * frees reach it through the heap's delayed stack. Fails (returns 0) when
 * a remote free slipped in first. */
static int kh_page_to_full(struct kh_heap *h, struct kh_page *pg)
{
	uintptr_t expect = 0;
	if (!__atomic_compare_exchange_n(kh_page_tf(pg), &expect, KH_TF_FULL, 0, __ATOMIC_ACQ_REL,
					 __ATOMIC_RELAXED))
		return 0;
	kh_q_remove(&h->queue[pg->cls], pg);
	kh_q_push_back(&h->full, pg);
	pg->flags |= KH_PF_FULL;
	kh_direct_fix(h, pg->cls);
	return 1;
}

static void kh_page_unfull(struct kh_heap *h, struct kh_page *pg)
{
	/* Clear KH_TF_FULL unless a remote free already did (it then sends
	 * one block through h->delayed, and may have pushed more since). */
	uintptr_t old = __atomic_load_n(kh_page_tf(pg), __ATOMIC_RELAXED);
	while ((old & KH_TF_FULL) &&
	       !__atomic_compare_exchange_n(kh_page_tf(pg), &old, old & ~KH_TF_FULL, 1,
					    __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
		;
	pg->flags &= (uint8_t)~KH_PF_FULL;
	kh_q_remove(&h->full, pg);
	kh_q_push_back(&h->queue[pg->cls], pg);
	kh_direct_fix(h, pg->cls);
}

static void kh_page_retire(struct kh_heap *h, struct kh_page *pg)
{
	kh_q_remove(&h->queue[pg->cls], pg);
	kh_direct_fix(h, pg->cls);
	kh_page_release(h, pg);
}

/* The owner freed the last block of pg. Keep it when it is the class's
 * only page (an alloc/free loop must not re-carve a page every time). */
void kh_page_emptied(struct kh_heap *h, struct kh_page *pg)
{
	struct kh_queue *q = &h->queue[pg->cls];
	if (q->first == pg && pg->next == 0)
		return;
	kh_page_retire(h, pg);
}

static void kh_free_local(struct kh_heap *h, struct kh_page *pg, struct kh_block *b)
{
	if (pg->flags & KH_PF_FULL)
		kh_page_unfull(h, pg);
	b->next = pg->local_free;
	pg->local_free = b;
	if (--pg->used == 0)
		kh_page_emptied(h, pg);
}

/* Frees by other threads/CPUs into h's full pages, one exchange per batch. */
static void kh_heap_delayed(struct kh_heap *h)
{
	struct kh_block *b = __atomic_exchange_n(&h->delayed, 0, __ATOMIC_ACQUIRE);
	while (b) {
		struct kh_block *next = b->next;
		kh_free_local(h, kh_page_of(kh_seg_of(b), b), b);
		b = next;
	}
}

/* A page of class c with a free block, as the class queue's first page. */
static struct kh_page *kh_page_find(struct kh_heap *h, unsigned c)
{
	struct kh_queue *q = &h->queue[c];
	struct kh_page *pg = q->first;
	while (pg) {
		struct kh_page *next = pg->next;
		kh_page_collect(pg);
		if (!pg->free && pg->capacity < pg->reserved)
			kh_page_extend(pg);
		if (!pg->free && !kh_page_to_full(h, pg))
			kh_page_collect(pg); /* a remote free won the race: use it */
		if (pg->free) {
			if (pg != q->first) {
				kh_q_remove(q, pg);
				kh_q_push_front(q, pg);
				kh_direct_fix(h, c);
			}
			return pg;
		}
		pg = next;
	}
	pg = kh_page_fresh(h, c);
	if (!pg)
		return 0;
	kh_q_push_front(q, pg);
	kh_direct_fix(h, c);
	return pg;
}

void kh_oom(struct kh_heap *h)
{
	(void)h;
	__atomic_fetch_add(&kh_stats.oom, 1, __ATOMIC_RELAXED);
	kh_plat_oom();
}

static struct kh_heap *kh_heap_get(struct kh_heap *h)
{
	if (h != &kh_heap_empty)
		return h;
	h = kh_heap_acquire();
	if (h) {
		kh_plat_heap_set(h);
		kh_plat_attached(h);
	}
	return h;
}

void *kh_malloc_slow(struct kh_heap *h, size_t n)
{
	h = kh_heap_get(h);
	if (!h) {
		kh_oom(0);
		return 0;
	}
	if (__atomic_load_n(&h->delayed, __ATOMIC_RELAXED))
		kh_heap_delayed(h);
	if (n > KH_MAX_CLASS)
		return kh_large_alloc(h, n, 0, 0);
	unsigned c = kh_class_of(n);
	struct kh_page *pg = h->queue[c].first; /* classes above 1 KiB: no direct[] */
	if (!pg || !pg->free)
		pg = kh_page_find(h, c);
	if (!pg) {
		kh_oom(h);
		return 0;
	}
	return kh_page_take(pg);
}

void *kh_large_alloc_any(size_t n, size_t align, int *zeroed)
{
	struct kh_heap *h = kh_heap_get(kh_plat_heap());
	if (!h) {
		kh_oom(0);
		return 0;
	}
	return kh_large_alloc(h, n, align, zeroed);
}

/* A remote free: push onto the page's thread_free. The first remote free
 * into a full page instead clears KH_TF_FULL and hands its block to the
 * owning heap's delayed stack (heaps are never freed), which tells the
 * owner to put the page back in its queue; later ones use thread_free
 * again (mimalloc's delayed-free protocol: one hand-off per full page).
 * The block keeps the page alive until its owner collects it. */
static void kh_free_remote(struct kh_segment *seg, struct kh_page *pg, struct kh_block *b)
{
	uintptr_t old = __atomic_load_n(kh_page_tf(pg), __ATOMIC_RELAXED);
	for (;;) {
		if (old & KH_TF_FULL) {
			if (!__atomic_compare_exchange_n(kh_page_tf(pg), &old, 0, 1,
							 __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
				continue;
			struct kh_heap *owner = seg->heap;
			struct kh_block *top = __atomic_load_n(&owner->delayed, __ATOMIC_RELAXED);
			do
				b->next = top;
			while (!__atomic_compare_exchange_n(&owner->delayed, &top, b, 1,
							    __ATOMIC_RELEASE, __ATOMIC_RELAXED));
			return;
		}
		b->next = kh_tf_head(old);
		if (__atomic_compare_exchange_n(kh_page_tf(pg), &old, kh_tf_push(old, b), 1,
						__ATOMIC_RELEASE, __ATOMIC_RELAXED))
			return;
	}
}

void kh_free_generic(struct kh_heap *h, struct kh_segment *seg, struct kh_page *pg, void *p)
{
	if (pg->flags & KH_PF_LARGE) {
		kh_large_free(h, seg);
		return;
	}
	struct kh_block *b = p;
#ifdef KHEAP_DEBUG
	b->mark = KH_FREED_MARK ^ (uintptr_t)b;
#endif
	if (seg->heap == h)
		kh_free_local(h, pg, b);
	else
		kh_free_remote(seg, pg, b);
}

/* Return what h does not use: delayed and remote frees, empty pages (all
 * of them when force: the heap is being abandoned), cached large runs,
 * empty segments (an abandoned heap keeps a few for its next thread, so
 * thread churn does not re-fault fresh memory). */
void kh_heap_collect(struct kh_heap *h, int force)
{
	kh_heap_delayed(h);
	for (unsigned c = 0; c < KH_NCLASS; c++) {
		struct kh_page *pg = h->queue[c].first;
		while (pg) {
			struct kh_page *next = pg->next;
			kh_page_collect(pg);
			if (pg->used == 0 && (force || pg != h->queue[c].first))
				kh_page_retire(h, pg);
			pg = next;
		}
	}
	kh_heap_trim(h, force ? KH_EMPTY_SEGS_KEEP : 0);
}
