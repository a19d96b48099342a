/* SPDX-License-Identifier: MIT */
/*
 * lib/mmu/mmu_walk.c - the page-table walker and table formatter behind
 * run=mmu (and later the vmm monitor). 4-level paging, SDM Vol 3A 5.5:
 * PS in a PDPTE maps 1 GiB, in a PDE 2 MiB; the PAT bit is bit 7 in a PTE
 * and bit 12 in a large leaf (tables 5-15 .. 5-20). No libc, no kernel.
 */
#include "mmu_walk.h"

#include "pte.h"

struct walk {
	mmu_read_fn read;
	void *read_ctx;
	mmu_emit_fn emit;
	void *emit_ctx;
	struct mmu_run run; /* pending, merged run (size 0: none) */
	int count;
};

static void flush(struct walk *w)
{
	if (w->run.size) {
		w->emit(w->emit_ctx, &w->run);
		w->count++;
	}
	w->run.size = 0;
}

static int same_attrs(const struct mmu_run *a, const struct mmu_run *b)
{
	return a->page_size == b->page_size && a->write == b->write && a->user == b->user &&
	       a->nx == b->nx && a->pwt == b->pwt && a->pcd == b->pcd && a->pat == b->pat &&
	       a->global == b->global && !a->bad_table && !b->bad_table;
}

static void add(struct walk *w, const struct mmu_run *r)
{
	struct mmu_run *p = &w->run;
	if (p->size && same_attrs(p, r) && p->va + p->size == r->va && p->pa + p->size == r->pa) {
		p->size += r->size;
		return;
	}
	flush(w);
	*p = *r;
}

static uint64_t canonical(uint64_t va)
{
	return (uint64_t)((int64_t)(va << 16) >> 16);
}

/* Walk the table at phys whose entries are level l (4 = PML4), covering
 * virtual addresses from base; write/user/nx carry the upper levels. */
static void walk_table(struct walk *w, uint64_t phys, int l, uint64_t base, int write, int user,
		       int nx)
{
	uint64_t span = 1ull << (12 + 9 * (l - 1));
	const uint64_t *e = w->read(w->read_ctx, phys);
	if (!e) {
		struct mmu_run bad = {.va = canonical(base),
				      .pa = phys,
				      .size = span * 512,
				      .page_size = span * 512,
				      .bad_table = 1};
		flush(w);
		w->emit(w->emit_ctx, &bad);
		w->count++;
		return;
	}
	for (unsigned i = 0; i < 512; i++) {
		if (!(e[i] & PTE_P))
			continue;
		uint64_t va = base + i * span;
		int wr = write && (e[i] & PTE_W), us = user && (e[i] & PTE_U);
		int x = nx || (e[i] & PTE_NX);
		if (l == 1 || (l <= 3 && (e[i] & PTE_PS))) {
			uint64_t addr = e[i] & PTE_ADDR & ~(span - 1);
			struct mmu_run r = {
				.va = canonical(va),
				.pa = addr,
				.size = span,
				.page_size = span,
				.write = (unsigned)wr,
				.user = (unsigned)us,
				.nx = (unsigned)x,
				.pwt = (e[i] & PTE_PWT) != 0,
				.pcd = (e[i] & PTE_PCD) != 0,
				.pat = l == 1 ? (e[i] & PTE_PS) != 0 : (e[i] & PTE_PAT_LARGE) != 0,
				.global = (e[i] & PTE_G) != 0,
			};
			add(w, &r);
		} else {
			walk_table(w, e[i] & PTE_ADDR, l - 1, va, wr, us, x);
		}
	}
}

int mmu_walk(uint64_t cr3, mmu_read_fn read, void *read_ctx, mmu_emit_fn emit, void *emit_ctx)
{
	struct walk w = {read, read_ctx, emit, emit_ctx, {0}, 0};
	uint64_t root = cr3 & PTE_ADDR;
	if (!read(read_ctx, root))
		return -1;
	walk_table(&w, root, 4, 0, 1, 1, 0);
	flush(&w);
	return w.count;
}

/* A tiny bounded writer: snprintf semantics without libc. */
struct out {
	char *buf;
	size_t len, pos;
};

static void put(struct out *o, char c)
{
	if (o->pos + 1 < o->len)
		o->buf[o->pos] = c;
	o->pos++;
}

static void puts_(struct out *o, const char *s)
{
	while (*s)
		put(o, *s++);
}

static void put_hex(struct out *o, uint64_t v)
{
	char d[16];
	int n = 0;
	do {
		d[n++] = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v);
	puts_(o, "0x");
	while (n)
		put(o, d[--n]);
}

static void put_dec(struct out *o, uint64_t v)
{
	char d[20];
	int n = 0;
	do {
		d[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		put(o, d[--n]);
}

static void put_size(struct out *o, uint64_t bytes)
{
	if (bytes && !(bytes & ((1ull << 30) - 1))) {
		put_dec(o, bytes >> 30);
		puts_(o, "Gb");
	} else if (bytes && !(bytes & ((1ull << 20) - 1))) {
		put_dec(o, bytes >> 20);
		puts_(o, "Mb");
	} else {
		put_dec(o, bytes >> 10);
		puts_(o, "Kb");
	}
}

int mmu_format(const struct mmu_run *run, char *buf, size_t len)
{
	static const char *const cache[4] = {"WB", "WT", "UC-", "UC"}; /* power-on PAT */
	struct out o = {buf, len, 0};
	put_hex(&o, run->va);
	puts_(&o, " -> ");
	put_hex(&o, run->pa);
	put(&o, ' ');
	put_size(&o, run->size);
	if (run->bad_table) {
		puts_(&o, " unreadable-table");
	} else {
		puts_(&o, run->write ? " RW" : " R");
		if (!run->nx)
			put(&o, 'X');
		if (run->user)
			put(&o, 'U');
		put(&o, ' ');
		puts_(&o, cache[(run->pcd << 1 | run->pwt) & 3]);
		puts_(&o, run->nx ? " NX" : " -");
	}
	if (len)
		buf[o.pos < len ? o.pos : len - 1] = 0;
	return (int)o.pos;
}
