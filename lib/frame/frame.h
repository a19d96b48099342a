/* SPDX-License-Identifier: MIT */
/*
 * lib/frame/frame.h - the physical frame allocator (pure logic: the guest
 * and the Check tests build the same frame.c).
 *
 * Physical memory [0, limit) is cut into 2 MiB chunks. Each chunk has a
 * 512-bit map of its free 4 KiB pages and a free count; two chunk-level
 * bitmaps say which chunks are entirely free ("full") and which are partly
 * free. Small runs (< 2 MiB, alignment < 2 MiB) come from partly free
 * chunks first, lowest address first, so whole chunks stay intact for
 * 2 MiB / 1 GiB requests; those scan the "full" bitmap for enough
 * consecutive, suitably aligned chunks. Metadata: 66 bytes per 2 MiB plus
 * two bits, supplied by the caller (frame_meta_size).
 *
 * Pages start out unavailable: frame_release() makes RAM available,
 * frame_reserve() takes it away again (firmware, kernel image, ...).
 * Physical page 0 is never handed out, so 0 means "no memory".
 * Not thread-safe: the guest wraps it in a spinlock (frames.c).
 */
#ifndef PK_MM_FRAME_H
#define PK_MM_FRAME_H

#include <stddef.h>
#include <stdint.h>

#define FRAME_CHUNK (2ull << 20)
#define FRAME_CHUNK_PAGES 512u
#define FRAME_MAX_ALIGN (1ull << 30)

struct frame_alloc {
	uint64_t nchunks;
	uint64_t *pages;      /* nchunks * 8 words: bit set = page free */
	uint16_t *nfree;      /* free pages per chunk */
	uint64_t *full;	      /* bit per chunk: all 512 pages free */
	uint64_t *partial;    /* bit per chunk: some but not all pages free */
	uint64_t nwords;      /* words in full[] and partial[] */
	uint64_t partial_lo;  /* no partial[] bit below this word */
	uint64_t total_pages; /* pages ever released (the allocator's RAM) */
	uint64_t free_pages;
	uint64_t fails;	       /* allocations that found no run */
	uint64_t bad_requests; /* size/alignment not valid */
	uint64_t bad_frees;    /* free of a page that is already free or out of range */
};

/* Bytes of metadata frame_init needs to manage [0, limit). */
size_t frame_meta_size(uint64_t limit);

/* Manage [0, limit) (rounded up to 2 MiB) with metadata at meta (8-byte
 * aligned, meta_len >= frame_meta_size(limit)). All pages unavailable.
 * Returns 0, or -1 when meta_len is too small. */
int frame_init(struct frame_alloc *fa, void *meta, size_t meta_len, uint64_t limit);

/* Make the whole pages inside [base, base+len) available (clipped to the
 * managed range; page 0 stays out). Returns pages newly made free. */
uint64_t frame_release(struct frame_alloc *fa, uint64_t base, uint64_t len);

/* Take every page touching [base, base+len) away (allocated or not).
 * Returns pages that were free before. */
uint64_t frame_reserve(struct frame_alloc *fa, uint64_t base, uint64_t len);

/* A run of bytes (a multiple of 4 KiB, > 0) aligned to align (a power of
 * two, 4 KiB .. 1 GiB). Returns its physical address, or 0 (counted in
 * fails, or bad_requests for invalid arguments). */
uint64_t frame_alloc(struct frame_alloc *fa, uint64_t bytes, uint64_t align);

/* Free a run from frame_alloc. Returns 0, or -1 (nothing changed, counted
 * in bad_frees) when any page is out of range or already free. */
int frame_free(struct frame_alloc *fa, uint64_t phys, uint64_t bytes);

/* Is the page at phys free? (tests) */
int frame_is_free(const struct frame_alloc *fa, uint64_t phys);

#endif
