/* SPDX-License-Identifier: MIT */
/*
 * lib/frame/frame.c - physical frame allocator: per-2 MiB page bitmaps with
 * chunk-level summaries (see frame.h for the scheme). Pure C, no kernel
 * dependencies, so the Check tests exercise this very file.
 */
#include "frame.h"

#define PAGE 4096ull
#define WORDS_PER_CHUNK (FRAME_CHUNK_PAGES / 64)

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

size_t frame_meta_size(uint64_t limit)
{
	uint64_t n = align_up(limit, FRAME_CHUNK) / FRAME_CHUNK;
	uint64_t words = (n + 63) / 64;
	return (size_t)(n * WORDS_PER_CHUNK * 8 + 2 * words * 8 + align_up(n * 2, 8));
}

int frame_init(struct frame_alloc *fa, void *meta, size_t meta_len, uint64_t limit)
{
	size_t need = frame_meta_size(limit);
	if (meta_len < need)
		return -1;
	uint64_t n = align_up(limit, FRAME_CHUNK) / FRAME_CHUNK;
	uint64_t *w = meta;
	for (size_t i = 0; i < need / 8; i++)
		w[i] = 0;
	*fa = (struct frame_alloc){0};
	fa->nchunks = n;
	fa->nwords = (n + 63) / 64;
	fa->pages = w;
	fa->full = w + n * WORDS_PER_CHUNK;
	fa->partial = fa->full + fa->nwords;
	fa->nfree = (uint16_t *)(fa->partial + fa->nwords);
	return 0;
}

static void bit_put(uint64_t *map, uint64_t i, int on)
{
	if (on)
		map[i / 64] |= 1ull << (i % 64);
	else
		map[i / 64] &= ~(1ull << (i % 64));
}

static int bit_get(const uint64_t *map, uint64_t i)
{
	return (int)((map[i / 64] >> (i % 64)) & 1);
}

/* SWAR population count: the baseline (-march=x86-64) guest has no
 * POPCNT and no libgcc to call. */
static unsigned popcount64(uint64_t x)
{
	x = x - ((x >> 1) & 0x5555555555555555ull);
	x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
	x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
	return (unsigned)((x * 0x0101010101010101ull) >> 56);
}

/* Keep the chunk summaries in step with nfree[c]. */
static void chunk_update(struct frame_alloc *fa, uint64_t c)
{
	unsigned f = fa->nfree[c];
	bit_put(fa->full, c, f == FRAME_CHUNK_PAGES);
	int part = f > 0 && f < FRAME_CHUNK_PAGES;
	bit_put(fa->partial, c, part);
	if (part && c / 64 < fa->partial_lo)
		fa->partial_lo = c / 64;
}

/* Set (free) or clear (used) pages [first, first+count) of chunk c,
 * counting only real transitions. Returns pages that changed. */
static unsigned chunk_mark(struct frame_alloc *fa, uint64_t c, unsigned first, unsigned count,
			   int free)
{
	uint64_t *bits = fa->pages + c * WORDS_PER_CHUNK;
	unsigned changed = 0;
	if (count == FRAME_CHUNK_PAGES) { /* whole chunk: nfree says what changes */
		changed = free ? FRAME_CHUNK_PAGES - fa->nfree[c] : fa->nfree[c];
		for (unsigned w = 0; w < WORDS_PER_CHUNK; w++)
			bits[w] = free ? ~0ull : 0;
		count = 0;
	}
	while (count) {
		unsigned w = first / 64, b = first % 64;
		unsigned n = 64 - b < count ? 64 - b : count;
		uint64_t mask = (n == 64 ? ~0ull : ((1ull << n) - 1)) << b;
		uint64_t flip = free ? mask & ~bits[w] : mask & bits[w];
		changed += popcount64(flip);
		bits[w] ^= flip;
		first += n;
		count -= n;
	}
	if (free) {
		fa->nfree[c] = (uint16_t)(fa->nfree[c] + changed);
		fa->free_pages += changed;
	} else {
		fa->nfree[c] = (uint16_t)(fa->nfree[c] - changed);
		fa->free_pages -= changed;
	}
	chunk_update(fa, c);
	return changed;
}

/* Apply chunk_mark to the page range [p0, p1) (page numbers). */
static uint64_t range_mark(struct frame_alloc *fa, uint64_t p0, uint64_t p1, int free)
{
	uint64_t changed = 0;
	while (p0 < p1) {
		uint64_t c = p0 / FRAME_CHUNK_PAGES;
		uint64_t end = (c + 1) * FRAME_CHUNK_PAGES < p1 ? (c + 1) * FRAME_CHUNK_PAGES : p1;
		changed += chunk_mark(fa, c, (unsigned)(p0 % FRAME_CHUNK_PAGES),
				      (unsigned)(end - p0), free);
		p0 = end;
	}
	return changed;
}

uint64_t frame_release(struct frame_alloc *fa, uint64_t base, uint64_t len)
{
	uint64_t limit = fa->nchunks * FRAME_CHUNK;
	uint64_t end = base + len < base ? UINT64_MAX : base + len;
	base = align_up(base, PAGE);
	end &= ~(PAGE - 1);
	if (base < PAGE)
		base = PAGE; /* page 0 stays out: 0 means "no memory" */
	if (end > limit)
		end = limit;
	if (base >= end)
		return 0;
	uint64_t n = range_mark(fa, base / PAGE, end / PAGE, 1);
	fa->total_pages += n;
	return n;
}

uint64_t frame_reserve(struct frame_alloc *fa, uint64_t base, uint64_t len)
{
	uint64_t limit = fa->nchunks * FRAME_CHUNK;
	uint64_t end = base + len < base ? UINT64_MAX : base + len;
	base &= ~(PAGE - 1);
	end = end > UINT64_MAX - PAGE ? UINT64_MAX : align_up(end, PAGE);
	if (end > limit)
		end = limit;
	if (base >= end)
		return 0;
	uint64_t n = range_mark(fa, base / PAGE, end / PAGE, 0);
	fa->total_pages -= n;
	return n;
}

/* Free pages in a row from page i of a chunk's map (stops at max). */
static unsigned run_len(const uint64_t *bits, unsigned i, unsigned max)
{
	unsigned n = 0;
	while (n < max && i < FRAME_CHUNK_PAGES) {
		uint64_t w = ~bits[i / 64] >> (i % 64); /* set bit = used */
		unsigned k = w ? (unsigned)__builtin_ctzll(w) : 64 - i % 64;
		n += k;
		i += k;
		if (w)
			break;
	}
	return n < max ? n : max;
}

/* First page index in chunk c that starts count free pages aligned to
 * step pages, or -1. */
static int chunk_find(const struct frame_alloc *fa, uint64_t c, unsigned count, unsigned step)
{
	const uint64_t *bits = fa->pages + c * WORDS_PER_CHUNK;
	unsigned i = 0;
	while (i + count <= FRAME_CHUNK_PAGES) {
		/* skip to the next free page */
		unsigned w = i / 64;
		uint64_t word = bits[w] & (~0ull << (i % 64));
		while (!word && ++w < WORDS_PER_CHUNK)
			word = bits[w];
		if (!word)
			return -1;
		unsigned f = w * 64 + (unsigned)__builtin_ctzll(word);
		i = (f + step - 1) & ~(step - 1);
		if (i != f)
			continue; /* unaligned: look again from the aligned spot */
		unsigned n = run_len(bits, i, count);
		if (n == count)
			return (int)i;
		i = (i + n + step) & ~(step - 1); /* past the used page that ended the run */
	}
	return -1;
}

/* First chunk of k consecutive entirely free chunks starting at a
 * multiple of step, or UINT64_MAX. */
static uint64_t full_find(const struct frame_alloc *fa, uint64_t k, uint64_t step)
{
	uint64_t c = 0;
	while (c + k <= fa->nchunks) {
		uint64_t w = c / 64;
		uint64_t word = fa->full[w] & (~0ull << (c % 64));
		while (!word && ++w < fa->nwords)
			word = fa->full[w];
		if (!word)
			return UINT64_MAX;
		uint64_t f = w * 64 + (uint64_t)__builtin_ctzll(word);
		c = (f + step - 1) & ~(step - 1);
		if (c != f)
			continue;
		uint64_t n = 1;
		while (n < k && c + n < fa->nchunks && bit_get(fa->full, c + n))
			n++;
		if (n == k)
			return c;
		c = (c + n + step) & ~(step - 1);
	}
	return UINT64_MAX;
}

uint64_t frame_alloc(struct frame_alloc *fa, uint64_t bytes, uint64_t align)
{
	if (!bytes || (bytes & (PAGE - 1)) || align < PAGE || align > FRAME_MAX_ALIGN ||
	    (align & (align - 1)) || bytes > fa->nchunks * FRAME_CHUNK) {
		fa->bad_requests++;
		return 0;
	}
	uint64_t pages = bytes / PAGE;
	if (pages < FRAME_CHUNK_PAGES && align < FRAME_CHUNK && pages <= fa->free_pages) {
		unsigned step = (unsigned)(align / PAGE);
		/* partly used chunks first, lowest first */
		for (uint64_t w = fa->partial_lo; w < fa->nwords; w++) {
			uint64_t word = fa->partial[w];
			if (!word && w == fa->partial_lo) {
				fa->partial_lo++;
				continue;
			}
			while (word) {
				uint64_t c = w * 64 + (uint64_t)__builtin_ctzll(word);
				word &= word - 1;
				if (fa->nfree[c] < pages)
					continue;
				int i = chunk_find(fa, c, (unsigned)pages, step);
				if (i >= 0) {
					chunk_mark(fa, c, (unsigned)i, (unsigned)pages, 0);
					return c * FRAME_CHUNK + (uint64_t)i * PAGE;
				}
			}
		}
		uint64_t c = full_find(fa, 1, 1);
		if (c != UINT64_MAX) {
			chunk_mark(fa, c, 0, (unsigned)pages, 0);
			return c * FRAME_CHUNK;
		}
		fa->fails++;
		return 0;
	}
	/* 2 MiB or more, or 2 MiB-aligned: whole chunks; the tail of the last
	 * one stays free for small runs */
	uint64_t k = (pages + FRAME_CHUNK_PAGES - 1) / FRAME_CHUNK_PAGES;
	uint64_t step = align > FRAME_CHUNK ? align / FRAME_CHUNK : 1;
	uint64_t c = full_find(fa, k, step);
	if (c == UINT64_MAX) {
		fa->fails++;
		return 0;
	}
	range_mark(fa, c * FRAME_CHUNK_PAGES, c * FRAME_CHUNK_PAGES + pages, 0);
	return c * FRAME_CHUNK;
}

int frame_free(struct frame_alloc *fa, uint64_t phys, uint64_t bytes)
{
	uint64_t limit = fa->nchunks * FRAME_CHUNK;
	if (!bytes || (phys | bytes) & (PAGE - 1) || phys < PAGE || phys >= limit ||
	    bytes > limit - phys) {
		fa->bad_frees++;
		return -1;
	}
	/* every page must be in use: a double free changes nothing (checked a
	 * word at a time: a 1 GiB run is 4096 words, not 262144 bits) */
	uint64_t p0 = phys / PAGE, p1 = p0 + bytes / PAGE;
	for (uint64_t p = p0; p < p1;) {
		unsigned b = (unsigned)(p % 64);
		uint64_t n = 64 - b < p1 - p ? 64 - b : p1 - p;
		uint64_t mask = (n == 64 ? ~0ull : ((1ull << n) - 1)) << b;
		if (fa->pages[p / 64] & mask) {
			fa->bad_frees++;
			return -1;
		}
		p += n;
	}
	range_mark(fa, p0, p1, 1);
	return 0;
}

int frame_is_free(const struct frame_alloc *fa, uint64_t phys)
{
	uint64_t p = phys / PAGE;
	return p < fa->nchunks * FRAME_CHUNK_PAGES && bit_get(fa->pages, p);
}
