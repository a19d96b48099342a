/* SPDX-License-Identifier: MIT */
/*
 * lib/heap/heap_seg.c - where the heap's memory comes from and goes back
 * to: 2 MiB segments carved into pages and the pool of heaps (one per
 * thread/CPU, recycled when a thread exits), over pages_alloc()/
 * pages_free() (pages.h); large objects' page runs are heap_large.c's.
 */
#include "heap_int.h"

struct kheap_stats kh_stats;

static void kh_heap_purge(struct kh_heap *h, int force);

static uint32_t kh_all_mask(unsigned kind)
{
	return kind == KH_SMALL ? 0xffffffffu : 0xfu;
}

static void kh_seg_push(struct kh_segment **list, struct kh_segment *seg)
{
	seg->prev = 0;
	seg->next = *list;
	if (*list)
		(*list)->prev = seg;
	*list = seg;
}

static void kh_seg_remove(struct kh_segment **list, struct kh_segment *seg)
{
	if (seg->prev)
		seg->prev->next = seg->next;
	else
		*list = seg->next;
	if (seg->next)
		seg->next->prev = seg->prev;
	seg->next = seg->prev = 0;
}

void kh_pages_free(void *p, size_t bytes)
{
	pages_free(p, bytes);
	__atomic_fetch_add(&kh_stats.seg_free, 1, __ATOMIC_RELAXED);
}

void *kh_pages_alloc(size_t bytes, size_t align)
{
	void *p = pages_alloc(bytes, align);
	if (p)
		__atomic_fetch_add(&kh_stats.seg_alloc, 1, __ATOMIC_RELAXED);
	return p;
}

static struct kh_segment *kh_segment_new(struct kh_heap *h, unsigned kind)
{
	struct kh_segment *seg = kh_pages_alloc(KH_SEG_SIZE, KH_SEG_SIZE);
	if (!seg)
		return 0;
	if (!KH_PAGES_ZEROED)
		kh_memset(seg, 0, sizeof(*seg));
	seg->heap = h;
	seg->magic = KH_SEG_MAGIC;
	seg->kind = (uint8_t)kind;
	seg->page_shift = kind == KH_SMALL ? KH_SMALL_SHIFT : KH_MEDIUM_SHIFT;
	seg->npages = kind == KH_SMALL ? KH_SEG_PAGES : 4;
	seg->free_mask = kh_all_mask(kind);
	seg->run_base = seg;
	seg->run_bytes = KH_SEG_SIZE;
	kh_seg_push(&h->segs[kind], seg);
	h->empty_segs++;
	__atomic_fetch_add(&kh_stats.segments, 1, __ATOMIC_RELAXED);
#ifdef KHEAP_DEBUG
	kh_debug_seg_add(seg);
#endif
	return seg;
}

static void kh_segment_free(struct kh_heap *h, struct kh_segment *seg)
{
	kh_seg_remove(&h->segs[seg->kind], seg);
	h->empty_segs--;
	__atomic_fetch_sub(&kh_stats.segments, 1, __ATOMIC_RELAXED);
#ifdef KHEAP_DEBUG
	kh_debug_seg_del(seg);
#endif
	seg->magic = 0;
	kh_pages_free(seg, KH_SEG_SIZE);
}

/* A new page of class cls: from a partly used segment first, so that
 * wholly empty ones can go back to pages_free. */
struct kh_page *kh_page_fresh(struct kh_heap *h, unsigned cls)
{
	unsigned kind = kh_class_size[cls] <= KH_SMALL_OBJ_MAX ? KH_SMALL : KH_MEDIUM;
	uint32_t all = kh_all_mask(kind);
	struct kh_segment *seg = h->segs[kind];
	while (seg && seg->free_mask == all)
		seg = seg->next;
	if (!seg)
		seg = h->segs[kind]; /* only empty ones (or none) */
	if (!seg) {
		kh_heap_purge(h, 1);
		seg = kh_segment_new(h, kind);
	}
	if (!seg)
		return 0;
	if (seg->free_mask == all)
		h->empty_segs--;
	unsigned slot = (unsigned)__builtin_ctz(seg->free_mask);
	seg->free_mask &= ~(1u << slot);
	if (!seg->free_mask)
		kh_seg_remove(&h->segs[kind], seg);

	struct kh_page *pg = &seg->pages[slot];
	size_t size = 1ul << seg->page_shift;
	uint8_t *start = (uint8_t *)seg + ((size_t)slot << seg->page_shift);
	if (slot == 0) {
		start += KH_SEG_HDR;
		size -= KH_SEG_HDR;
	}
	pg->free = 0;
	pg->used = 0;
	pg->flags = 0;
	pg->cls = (uint8_t)cls;
	pg->in_use = 1;
	pg->slot = (uint8_t)slot;
	pg->local_free = 0;
	pg->bsize = kh_class_size[cls];
	pg->capacity = 0;
	pg->reserved = (uint16_t)(size / pg->bsize);
	pg->start = start;
	pg->next = pg->prev = 0;
	__atomic_store_n(kh_page_tf(pg), 0, __ATOMIC_RELAXED);
	kh_page_extend(pg); /* the first 4 KiB of blocks; kh_page_find carves the rest */
	return pg;
}

/* Before carving pg up to `to`: a first touch past what the slot ever
 * used is prefaulted, as far as twice the slot's touched bytes, with one
 * call when that is 16 KiB or more, instead of a page fault per 4 KiB
 * (on the 2-core test VM a fault costs ~2 us, a populated 64 KiB ~30%
 * less per 4 KiB; the rss churn spends most of its time faulting). A page
 * is only carved further when all its carved blocks are out, so that
 * memory is in demand, and resident but uncarved memory stays at most
 * what is carved. Small pages only: medium
 * ones hold a few blocks of 10-64 KiB each, whose doubling reached 256 KiB
 * per page (alloctest's peak RSS 1.8x). touched[] stays valid while the
 * segment lives (nothing decommits part of one), across the slot's pages. */
static void kh_page_touch(struct kh_page *pg, const uint8_t *to)
{
	struct kh_segment *seg = kh_seg_of(pg);
	if (seg->page_shift != KH_SMALL_SHIFT)
		return;
	uint8_t *base = (uint8_t *)seg + ((size_t)pg->slot << KH_SMALL_SHIFT);
	size_t have = (size_t)seg->touched[pg->slot] * PAGE_SIZE;
	size_t end = ((size_t)(to - base) + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	if (end <= have)
		return;
	size_t want = 2 * have > end ? 2 * have : end;
	if (want > (1ul << KH_SMALL_SHIFT))
		want = 1ul << KH_SMALL_SHIFT;
	if (want - have >= KH_PREFAULT_MIN)
		kh_plat_prefault(base + have, want - have);
	else
		want = end; /* a few pages: they fault as they are carved */
	seg->touched[pg->slot] = (uint8_t)(want / PAGE_SIZE);
}

/* Carve up to 4 KiB more of pg's blocks onto its free list: pages are
 * carved lazily, so a fresh page costs RSS only for what is really used. */
void kh_page_extend(struct kh_page *pg)
{
	uint32_t n = (uint32_t)(4096 / pg->bsize);
	if (n == 0)
		n = 1;
	if (n > (uint32_t)(pg->reserved - pg->capacity))
		n = (uint32_t)(pg->reserved - pg->capacity);
	uint8_t *first = pg->start + (size_t)pg->capacity * pg->bsize, *b = first;
	kh_page_touch(pg, first + (size_t)n * pg->bsize);
	for (uint32_t i = 0; i + 1 < n; i++, b += pg->bsize)
		((struct kh_block *)b)->next = (struct kh_block *)(b + pg->bsize);
	((struct kh_block *)b)->next = pg->free;
	pg->free = (struct kh_block *)first;
	pg->capacity = (uint16_t)(pg->capacity + n);
}

/* Empty segments beyond KH_EMPTY_SEGS_KEEP go back to pages_free once they
 * have stayed empty for KH_PURGE_MS (a free-everything/allocate-again
 * loop must not re-fault its memory each round), or at once beyond
 * KH_EMPTY_SEGS_MAX. Runs on segment events, at most once per ms. */
static void kh_heap_purge(struct kh_heap *h, int force)
{
	if (h->empty_segs <= KH_EMPTY_SEGS_KEEP)
		return;
	uint64_t now = kh_plat_now_ms();
	if (!force && now == h->last_purge && h->empty_segs <= KH_EMPTY_SEGS_MAX)
		return;
	h->last_purge = now;
	for (unsigned kind = 0; kind < 2; kind++) {
		struct kh_segment *seg = h->segs[kind];
		while (seg && h->empty_segs > KH_EMPTY_SEGS_KEEP) {
			struct kh_segment *next = seg->next;
			if (seg->free_mask == kh_all_mask(kind) &&
			    (now - seg->empty_since >= KH_PURGE_MS ||
			     h->empty_segs > KH_EMPTY_SEGS_MAX))
				kh_segment_free(h, seg);
			seg = next;
		}
	}
}

/* pg has no live block: its slot goes back to the segment. */
void kh_page_release(struct kh_heap *h, struct kh_page *pg)
{
	struct kh_segment *seg = kh_seg_of(pg);
	pg->in_use = 0;
	if (!seg->free_mask)
		kh_seg_push(&h->segs[seg->kind], seg);
	seg->free_mask |= 1u << pg->slot;
	if (seg->free_mask == kh_all_mask(seg->kind)) {
		h->empty_segs++;
		seg->empty_since = kh_plat_now_ms();
		kh_heap_purge(h, 0);
	}
}

/* Give back h's empty segments beyond keep, and with keep 0 (kheap_collect,
 * or pages_alloc failing) every cached large run too. */
void kh_heap_trim(struct kh_heap *h, unsigned keep)
{
	for (unsigned kind = 0; kind < 2; kind++) {
		struct kh_segment *seg = h->segs[kind];
		while (seg) {
			struct kh_segment *next = seg->next;
			if (seg->free_mask == kh_all_mask(kind) && h->empty_segs > keep)
				kh_segment_free(h, seg);
			seg = next;
		}
	}
	if (keep)
		return;
	kh_runs_release_all();
}

/* ---- the heap pool: heaps are recycled, never freed ---- */

static struct kh_heap *kh_abandoned;
static uint8_t *kh_pool;
static size_t kh_pool_left;
static uint32_t kh_nheaps;

struct kh_heap *kh_heap_acquire(void)
{
	const size_t sz = (sizeof(struct kh_heap) + 63) & ~63ul;
	struct kh_heap *h;
	kh_plat_lock();
	h = kh_abandoned;
	if (h) {
		kh_abandoned = h->next_abandoned;
	} else {
		if (kh_pool_left < sz) {
			kh_pool = kh_pages_alloc(64 * 1024, PAGE_SIZE);
			kh_pool_left = kh_pool ? 64 * 1024 : 0;
		}
		if (kh_pool_left >= sz) {
			h = (struct kh_heap *)kh_pool;
			kh_pool += sz;
			kh_pool_left -= sz;
			kh_memset(h, 0, sizeof(*h));
			for (unsigned i = 0; i < KH_DIRECT_N; i++)
				h->direct[i] = &kh_page_empty;
			h->index = kh_nheaps++;
			__atomic_fetch_add(&kh_stats.heaps, 1, __ATOMIC_RELAXED);
		}
	}
	if (h)
		h->live = 1;
	kh_plat_unlock();
	return h;
}

/* The thread/CPU owning h is done: return what h can, then park h for
 * the next thread, which adopts its pages (and their pending frees). */
void kh_heap_abandon(struct kh_heap *h)
{
	kh_heap_collect(h, 1);
	kh_plat_lock();
	h->live = 0;
	h->next_abandoned = kh_abandoned;
	kh_abandoned = h;
	kh_plat_unlock();
}
