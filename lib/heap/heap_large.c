/* SPDX-License-Identifier: MIT */
/*
 * lib/heap/heap_large.c - large objects: each in its own page run (header
 * in the first 4 KiB, the object after it), and the one cache of freed
 * runs that every heap shares.
 *
 * Where the platform can release part of a run (KH_PLAT_SHRINKS: the host,
 * over munmap/mremap), the cache works like a span allocator: a cached run
 * bigger than the object is split at a 2 MiB boundary and its tail stays
 * cached, and a freed run merges with cached runs on either side. Either
 * way the pages stay faulted in for the next object instead of being
 * unmapped and faulted again (bench_heap `large`, mimalloc-bench's
 * malloc-large: 1-5 MiB buffers; docs/heap.md "large objects").
 */
#include "heap_int.h"

/* ---- freed large runs, shared by every heap ----
 * One cache for the process (host) or kernel (guest), not one per heap: a
 * run freed by one thread serves the next large malloc of any thread, and
 * survives its thread's exit, so thread churn with large objects (mstress)
 * does not unmap and re-fault them. Runs unused for KH_RUNS_MS go back to
 * pages_free on the next cache operation. Under kh_plat_lock; pages_free
 * (and the debug registry, which takes the lock) runs after it is dropped. */
static struct kh_segment *kh_runs[KH_RUNS];
static size_t kh_runs_bytes;

/* Best fit for run bytes; one more than 4x too big only where the
 * platform can split it. And in *below, where runs can grow without
 * copying (host: mremap), the largest cached run smaller than run bytes:
 * grown, it needs only the difference faulted in, where a fresh run needs
 * all of it and pushes a cached one out. KH_RUNS: none. */
static unsigned kh_runs_best(size_t run, unsigned *below)
{
	unsigned best = KH_RUNS;
	*below = KH_RUNS;
	for (unsigned i = 0; i < KH_RUNS; i++) {
		struct kh_segment *seg = kh_runs[i];
		if (!seg)
			continue;
		if (seg->run_bytes >= run) {
			if ((KH_PLAT_SHRINKS || seg->run_bytes / 4 <= run) &&
			    (best == KH_RUNS || seg->run_bytes < kh_runs[best]->run_bytes))
				best = i;
		} else if (KH_PLAT_SHRINKS &&
			   (*below == KH_RUNS || seg->run_bytes > kh_runs[*below]->run_bytes)) {
			*below = i;
		}
	}
	return best;
}

static void kh_runs_drop(unsigned i)
{
	kh_runs_bytes -= kh_runs[i]->run_bytes;
	kh_runs[i] = 0;
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
			kh_runs_drop(i);
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
		kh_runs_drop(old);
		free_slot = 1;
	}
	return n;
}

/* A header that stops describing a run of its own (merged into the run
 * below it): unknown to the debug registry, and never a valid pointer. */
static void kh_large_retire(struct kh_segment *seg)
{
#ifdef KHEAP_DEBUG
	kh_debug_seg_del(seg);
#endif
	seg->magic = 0;
	__atomic_fetch_sub(&kh_stats.large, 1, __ATOMIC_RELAXED);
}

static void kh_large_release(struct kh_segment *seg)
{
	kh_large_retire(seg);
	kh_pages_free(seg->run_base, seg->run_bytes);
}

static void kh_release_all(struct kh_segment **v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		kh_large_release(v[i]);
}

/* The header of a large run at base (run bytes, the object off bytes in),
 * owned by h. Fresh pages may read as zero (KH_PAGES_ZEROED); a split's
 * tail never does. */
static struct kh_segment *kh_large_hdr(struct kh_segment *seg, struct kh_heap *h, uint8_t *base,
				       size_t run, size_t off, int zeroed)
{
	if (!zeroed)
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
	return seg;
}

static void kh_large_resize(struct kh_segment *seg, size_t run)
{
	seg->run_bytes = run;
	seg->large_size = run - KH_SEG_HDR;
}

/* Cached runs that end where seg starts or start where it ends, taken out
 * of the cache and absorbed into one run (the lowest), which is returned;
 * the headers that lost their run go to gone[] (at most two). Contiguous
 * addresses are all munmap needs; mremap of a run that spans two mappings
 * fails, and its callers fall back (kh_large_grow: the object is copied). */
static struct kh_segment *kh_runs_merge(struct kh_segment *seg, struct kh_segment **gone,
					unsigned *ngone)
{
	for (unsigned i = 0; KH_PLAT_SHRINKS && i < KH_RUNS; i++) {
		struct kh_segment *c = kh_runs[i];
		if (!c)
			continue;
		struct kh_segment *lo = 0, *hi = 0;
		if ((uint8_t *)c + c->run_bytes == (uint8_t *)seg)
			lo = c, hi = seg;
		else if ((uint8_t *)seg + seg->run_bytes == (uint8_t *)c)
			lo = seg, hi = c;
		if (!lo || lo->run_bytes + hi->run_bytes > KH_RUNS_MAX / 2)
			continue;
		kh_runs_drop(i);
		kh_large_resize(lo, lo->run_bytes + hi->run_bytes);
		gone[(*ngone)++] = hi;
		seg = lo;
		i = (unsigned)-1; /* the grown run may now touch another */
	}
	return seg;
}

/* Keep seg (a freed large run of the standard layout) for reuse. */
static void kh_runs_put(struct kh_segment *seg)
{
	struct kh_segment *victims[KH_RUNS + 1], *gone[KH_RUNS];
	unsigned n, ngone = 0;
	seg->large_freed = 1;
	kh_plat_lock();
	uint64_t now = kh_plat_now_ms();
	seg = kh_runs_merge(seg, gone, &ngone);
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
	for (unsigned i = 0; i < ngone; i++)
		kh_large_retire(gone[i]);
	kh_release_all(victims, n);
}

/* A cached run for an object of run bytes, or NULL. Where the platform can
 * split runs, the object keeps run rounded up to 2 MiB and a tail of
 * 2 MiB or more goes back to the cache as a run of its own: its pages stay
 * faulted in for the next object (a 25 MiB run serving 7 MiB used to hold
 * 18 MiB resident for as long as the object lived: mimalloc-bench's
 * malloc-large, peak RSS 1.16x mimalloc's; docs/benchmarks.md "heap"). */
static void *kh_runs_take(struct kh_heap *h, size_t run)
{
	struct kh_segment *victims[KH_RUNS + 1];
	kh_plat_lock();
	unsigned n = kh_runs_expire(kh_plat_now_ms(), 0, victims);
	unsigned below, best = kh_runs_best(run, &below);
	int grow = best == KH_RUNS;
	if (grow)
		best = below;
	struct kh_segment *seg = 0;
	if (best != KH_RUNS) {
		seg = kh_runs[best];
		kh_runs_drop(best);
	}
	kh_plat_unlock();
	kh_release_all(victims, n);
	if (!seg)
		return 0;
	if (grow) {
		uint8_t *p = kh_large_grow(seg, run - KH_SEG_HDR);
		if (!p) { /* spans two mappings, or no address space */
			kh_runs_put(seg);
			return 0;
		}
		seg = (struct kh_segment *)(p - KH_SEG_HDR);
	}
	size_t head = (run + KH_SEG_SIZE - 1) & ~(KH_SEG_SIZE - 1);
	if (KH_PLAT_SHRINKS && seg->run_bytes >= head + KH_SEG_SIZE) {
		uint8_t *tail = (uint8_t *)seg + head;
		size_t rest = seg->run_bytes - head;
		kh_large_resize(seg, head);
		struct kh_segment *t =
			kh_large_hdr((struct kh_segment *)tail, h, tail, rest, KH_SEG_HDR, 0);
		kh_runs_put(t);
	}
	/* the object's usable size is what it asked for, not the whole run:
	 * realloc must not take a 100 KiB object in a 1 MiB run for one that
	 * shrank by half, and copy it out (bench_heap `realloc`); growing
	 * within the run is then free (kh_large_grow) */
	seg->large_size = run - KH_SEG_HDR;
	seg->heap = h;
	seg->large_freed = 0;
	return seg->large_ptr;
}

/* Every cached run back to pages_free (kh_heap_trim with keep 0). */
void kh_runs_release_all(void)
{
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

/* ---- large objects ---- */

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
	kh_large_hdr(seg, h, base, run, off, KH_PAGES_ZEROED);
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
	if (run <= seg->run_bytes) { /* a reused run with room (kh_runs_take) */
		seg->large_size = run - KH_SEG_HDR;
		return seg->large_ptr;
	}
	struct kh_segment *moved = kh_plat_pages_grow(seg, seg->run_bytes, run);
	if (!moved)
		return 0;
#ifdef KHEAP_DEBUG
	kh_debug_seg_del(seg);
	kh_debug_seg_add(moved);
#endif
	moved->run_base = moved;
	kh_large_resize(moved, run);
	moved->large_ptr = (uint8_t *)moved + KH_SEG_HDR;
	return moved->large_ptr;
}
