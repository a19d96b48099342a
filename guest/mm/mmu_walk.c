/* SPDX-License-Identifier: MIT */
/*
 * guest/mm/mmu_walk.c - see mmu_walk.h. Written by the debugging work as
 * a minimal implementation of the committed contract (the memory work
 * owns the header; one of the two implementations is kept).
 * Entry formats: SDM Vol 3A 4.5.4, tables 4-15 to 4-20.
 */
#include "mmu_walk.h"

#include <stdbool.h>

#include "../lib/printf.h"

#define PTE_P (1ull << 0)
#define PTE_RW (1ull << 1)
#define PTE_US (1ull << 2)
#define PTE_PWT (1ull << 3)
#define PTE_PCD (1ull << 4)
#define PTE_PS (1ull << 7)
#define PTE_G (1ull << 8)
#define PTE_NX (1ull << 63)
#define PTE_ADDR 0x000ffffffffff000ull

struct walk {
	mmu_read_fn read;
	void *read_ctx;
	mmu_emit_fn emit;
	void *emit_ctx;
	struct mmu_run cur;
	bool have;
	int runs;
};

static uint64_t canonical(uint64_t va)
{
	return (va & (1ull << 47)) ? va | 0xffff000000000000ull : va;
}

/* Permissions accumulate down the walk: a page is writable/user only if
 * every level says so, executable only if no level says NX (4.6). */
static void walk_leaf(struct walk *w, uint64_t va, uint64_t e, uint64_t size, uint64_t acc_rw,
		      uint64_t acc_us, uint64_t acc_nx)
{
	bool large = size != 4096;
	struct mmu_run r = {
		.va = canonical(va),
		.pa = e & PTE_ADDR & ~(size - 1),
		.size = size,
		.page_size = size,
		.write = !!(acc_rw & e & PTE_RW),
		.user = !!(acc_us & e & PTE_US),
		.nx = !!((acc_nx | e) & PTE_NX),
		.pwt = !!(e & PTE_PWT),
		.pcd = !!(e & PTE_PCD),
		/* PAT is bit 7 in a 4 KiB PTE, bit 12 in a large-page entry */
		.pat = !!(e & (large ? (1ull << 12) : (1ull << 7))),
		.global = !!(e & PTE_G),
	};
	struct mmu_run *c = &w->cur;
	if (w->have && c->page_size == r.page_size && c->va + c->size == r.va &&
	    c->pa + c->size == r.pa && c->write == r.write && c->user == r.user && c->nx == r.nx &&
	    c->pwt == r.pwt && c->pcd == r.pcd && c->pat == r.pat && c->global == r.global) {
		c->size += size;
		return;
	}
	if (w->have) {
		w->emit(w->emit_ctx, c);
		w->runs++;
	}
	*c = r;
	w->have = true;
}

static void walk_table(struct walk *w, uint64_t phys, int shift, uint64_t base, uint64_t rw,
		       uint64_t us, uint64_t nx)
{
	const uint64_t *t = w->read(w->read_ctx, phys);
	if (!t)
		return; /* a table outside RAM: skipped, its range shows as a gap */
	for (unsigned i = 0; i < 512; i++) {
		uint64_t e = t[i];
		if (!(e & PTE_P))
			continue;
		uint64_t va = base + ((uint64_t)i << shift);
		bool leaf = shift == 12 || ((shift == 30 || shift == 21) && (e & PTE_PS));
		if (leaf)
			walk_leaf(w, va, e, 1ull << shift, rw, us, nx);
		else if (shift > 12)
			walk_table(w, e & PTE_ADDR, shift - 9, va, rw & e, us & e,
				   nx | (e & PTE_NX));
	}
}

int mmu_walk(uint64_t cr3, mmu_read_fn read, void *read_ctx, mmu_emit_fn emit, void *emit_ctx)
{
	struct walk w = {.read = read, .read_ctx = read_ctx, .emit = emit, .emit_ctx = emit_ctx};
	if (!read(read_ctx, cr3 & PTE_ADDR))
		return -1;
	walk_table(&w, cr3 & PTE_ADDR, 39, 0, PTE_RW, PTE_US, 0);
	if (w.have) {
		emit(emit_ctx, &w.cur);
		w.runs++;
	}
	return w.runs;
}

/* "4Kb", "2Mb", "4Gb", "12Kb": the largest unit that divides exactly */
static const char *size_unit(uint64_t size, uint64_t *n)
{
	if (size % (1ull << 30) == 0) {
		*n = size >> 30;
		return "Gb";
	}
	if (size % (1ull << 20) == 0) {
		*n = size >> 20;
		return "Mb";
	}
	*n = size >> 10;
	return "Kb";
}

int mmu_format(const struct mmu_run *run, char *buf, size_t len)
{
	uint64_t n;
	const char *unit = size_unit(run->size, &n);
	/* cache column: WB when no PAT/PCD/PWT bit is set, else the bits */
	char cache[16];
	if (!run->pat && !run->pcd && !run->pwt)
		pk_snprintf(cache, sizeof(cache), "WB");
	else
		pk_snprintf(cache, sizeof(cache), "%s%s%s%s%s", run->pat ? "PAT" : "",
			    run->pat && (run->pcd || run->pwt) ? "+" : "", run->pcd ? "PCD" : "",
			    run->pcd && run->pwt ? "+" : "", run->pwt ? "PWT" : "");
	return pk_snprintf(buf, len, "0x%llx -> 0x%llx %llu%s %s%s %s %s",
			   (unsigned long long)run->va, (unsigned long long)run->pa,
			   (unsigned long long)n, unit, run->write ? "RW" : "R",
			   run->user ? "U" : "", cache, run->nx ? "NX" : "X");
}
