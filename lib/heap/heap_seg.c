/* SPDX-License-Identifier: MIT */
/*
 * lib/heap/heap_seg.c - where the heap's memory comes from and goes back
 * to: 2 MiB segments carved into pages, large objects in their own page
 * runs, the pool of heaps (one per thread/CPU, recycled when a thread
 * exits), all over pages_alloc()/pages_free() (pages.h).
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

static void kh_pages_free(void *p, size_t bytes)
{
	pages_free(p, bytes);
	__atomic_fetch_add(&kh_stats.seg_free, 1, __ATOMIC_RELAXED);
}

static void *kh_pages_alloc(size_t bytes, size_t align)
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
	__atomic_store_n(&pg->thread_free, 0, __ATOMIC_RELAXED);
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

/* ---- freed large runs, shared by every heap ----
 * One cache for the process (host) or kernel (guest), not one per heap: a
 * run freed by one thread serves the next large malloc of any thread, and
 * survives its thread's exit, so thread churn with large objects (mstress)
 * does not unmap and re-fault them. Runs unused for KH_RUNS_MS go back to
 * pages_free on the next cache operation. Under kh_plat_lock; pages_free
 * runs after the lock is dropped. */
static struct kh_segment *kh_runs[KH_RUNS];
static size_t kh_runs_bytes;

/* Best fit for run bytes; one more than 4x too big only where the
 * platform can shrink it (host: mremap). */
static unsigned kh_runs_best(size_t run)
{
	unsigned best = KH_RUNS;
	for (unsigned i = 0; i < KH_RUNS; i++) {
		struct kh_segment *seg = kh_runs[i];
		if (seg && seg->run_bytes >= run &&
		    (KH_PLAT_SHRINKS || seg->run_bytes / 4 <= run) &&
		    (best == KH_RUNS || seg->run_bytes < kh_runs[best]->run_bytes))
			best = i;
	}
	return best;
}

/* Entries to release: too old, or (evict) the oldest until `need` more
 * bytes and one slot fit. Returns how many went to out[]. */
static unsigned kh_runs_expire(uint64_t now, size_t need, struct kh_segment **out)
{
	unsigned n = 0, free_slot = 0;
	for (unsigned i = 0; i < KH_RUNS; i++) {
		struct kh_segment *seg = kh_runs[i];
		if (seg && now - seg->empty_since >= KH_RUNS_MS) {
			out[n++] = seg;
			kh_runs_bytes -= seg->run_bytes;
			kh_runs[i] = 0;
		}
		free_slot |= !kh_runs[i];
	}
	while (need && (!free_slot || kh_runs_bytes + need > KH_RUNS_MAX)) {
		unsigned old = KH_RUNS;
		for (unsigned i = 0; i < KH_RUNS; i++)
			if (kh_runs[i] &&
			    (old == KH_RUNS || kh_runs[i]->empty_since < kh_runs[old]->empty_since))
				old = i;
		if (old == KH_RUNS)
			break;
		out[n++] = kh_runs[old];
		kh_runs_bytes -= kh_runs[old]->run_bytes;
		kh_runs[old] = 0;
		free_slot = 1;
	}
	return n;
}

static void kh_large_release(struct kh_segment *seg)
{
#ifdef KHEAP_DEBUG
	kh_debug_seg_del(seg);
#endif
	seg->magic = 0;
	__atomic_fetch_sub(&kh_stats.large, 1, __ATOMIC_RELAXED);
	kh_pages_free(seg->run_base, seg->run_bytes);
}

static void kh_release_all(struct kh_segment **v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		kh_large_release(v[i]);
}

/* Keep seg (a freed large run of the standard layout) for reuse. */
static void kh_runs_put(struct kh_segment *seg)
{
	struct kh_segment *victims[KH_RUNS + 1];
	unsigned n;
	seg->large_freed = 1;
	kh_plat_lock();
	uint64_t now = kh_plat_now_ms();
	seg->empty_since = now;
	n = kh_runs_expire(now, seg->run_bytes, victims);
	unsigned slot = KH_RUNS;
	for (unsigned i = 0; i < KH_RUNS && slot == KH_RUNS; i++)
		if (!kh_runs[i])
			slot = i;
	if (slot != KH_RUNS && kh_runs_bytes + seg->run_bytes <= KH_RUNS_MAX) {
		kh_runs[slot] = seg;
		kh_runs_bytes += seg->run_bytes;
	} else {
		victims[n++] = seg;
	}
	kh_plat_unlock();
	kh_release_all(victims, n);
}

/* A cached run for an object of run bytes, or NULL. Shrunk to size when
 * one more than 4x too big (its head pages stay faulted in, which is the
 * point: a growth loop's last run serves the next loop's first), or when
 * the object would leave KH_RUN_SPARE_MAX or more of it unused, and over a
 * quarter: a 25 MiB run serving 7 MiB would hold 18 MiB resident for as
 * long as the object lives (mimalloc-bench's malloc-large: peak RSS 1.16x
 * mimalloc's before, 1.00x after, docs/benchmarks.md "heap"). */
static void *kh_runs_take(struct kh_heap *h, size_t run)
{
	struct kh_segment *victims[KH_RUNS + 1];
	kh_plat_lock();
	unsigned n = kh_runs_expire(kh_plat_now_ms(), 0, victims);
	unsigned best = kh_runs_best(run);
	struct kh_segment *seg = 0;
	if (best != KH_RUNS) {
		seg = kh_runs[best];
		kh_runs[best] = 0;
		kh_runs_bytes -= seg->run_bytes;
	}
	kh_plat_unlock();
	kh_release_all(victims, n);
	if (!seg)
		return 0;
	size_t spare = seg->run_bytes - run;
	if (seg->run_bytes / 4 > run || (spare >= KH_RUN_SPARE_MAX && spare > run / 4)) {
		if (kh_plat_pages_grow(seg, seg->run_bytes, run) == seg) {
			seg->run_bytes = run;
			seg->large_size = run - KH_SEG_HDR;
		} /* else: used as it is, the object just has room */
	}
	seg->heap = h;
	seg->large_freed = 0;
	return seg->large_ptr;
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
	struct kh_segment *victims[KH_RUNS];
	unsigned n = 0;
	kh_plat_lock();
	for (unsigned i = 0; i < KH_RUNS; i++)
		if (kh_runs[i]) {
			victims[n++] = kh_runs[i];
			kh_runs[i] = 0;
		}
	kh_runs_bytes = 0;
	kh_plat_unlock();
	kh_release_all(victims, n);
}

/* ---- large objects: one page run each, header in its first 4 KiB ---- */

void *kh_large_alloc(struct kh_heap *h, size_t n, size_t align, int *zeroed)
{
	if (zeroed)
		*zeroed = 0;
	if (align < 16)
		align = 16;
	size_t off = align > KH_SEG_HDR ? align : KH_SEG_HDR;
	if (n > ((size_t)1 << 47) || align > PAGE_1G) {
		kh_oom(h);
		return 0;
	}
	size_t run = (off + n + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	if (off == KH_SEG_HDR) {
		void *p = kh_runs_take(h, run);
		if (p)
			return p;
	}
	size_t run_align = align > KH_SEG_SIZE ? align : KH_SEG_SIZE;
	uint8_t *base = kh_pages_alloc(run, run_align);
	if (!base) {
		kh_heap_trim(h, 0); /* cached runs may be what blocks the way */
		base = kh_pages_alloc(run, run_align);
	}
	if (!base) {
		kh_oom(h);
		return 0;
	}
	/* header 2 MiB below an object aligned to 2 MiB or more (kh_seg_of) */
	struct kh_segment *seg =
		(struct kh_segment *)(align > KH_SEG_SIZE ? base + align - KH_SEG_SIZE : base);
	if (!KH_PAGES_ZEROED)
		kh_memset(seg, 0, sizeof(*seg) - sizeof(seg->pages) + sizeof(seg->pages[0]));
	seg->heap = h;
	seg->magic = KH_SEG_MAGIC;
	seg->kind = KH_LARGE;
	seg->page_shift = KH_LARGE_SHIFT;
	seg->npages = 1;
	seg->run_base = base;
	seg->run_bytes = run;
	seg->large_ptr = base + off;
	seg->large_size = run - off;
	seg->large_freed = 0;
	seg->pages[0].flags = KH_PF_LARGE;
	seg->pages[0].in_use = 1;
	__atomic_fetch_add(&kh_stats.large, 1, __ATOMIC_RELAXED);
#ifdef KHEAP_DEBUG
	kh_debug_seg_add(seg);
#endif
	if (zeroed)
		*zeroed = KH_PAGES_ZEROED;
	return seg->large_ptr;
}

/* Any thread may free a large object: a run of the standard layout (header
 * then object, no alignment slack) goes to the shared cache, others
 * straight back to pages_free. */
void kh_large_free(struct kh_heap *h, struct kh_segment *seg)
{
	(void)h;
	if (seg->run_base != (void *)seg || seg->large_ptr != (uint8_t *)seg + KH_SEG_HDR ||
	    seg->run_bytes > KH_RUNS_MAX / 2)
		kh_large_release(seg);
	else
		kh_runs_put(seg);
}

/* Grow the large object at seg to hold n bytes without copying, where the
 * platform can (host: mremap). Returns the object, or NULL to copy. */
void *kh_large_grow(struct kh_segment *seg, size_t n)
{
	if (seg->run_base != (void *)seg || seg->large_ptr != (uint8_t *)seg + KH_SEG_HDR ||
	    n > ((size_t)1 << 46))
		return 0;
	size_t run = (KH_SEG_HDR + n + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	struct kh_segment *moved = kh_plat_pages_grow(seg, seg->run_bytes, run);
	if (!moved)
		return 0;
#ifdef KHEAP_DEBUG
	kh_debug_seg_del(seg);
	kh_debug_seg_add(moved);
#endif
	moved->run_base = moved;
	moved->run_bytes = run;
	moved->large_ptr = (uint8_t *)moved + KH_SEG_HDR;
	moved->large_size = run - KH_SEG_HDR;
	return moved->large_ptr;
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
