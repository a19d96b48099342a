/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_mmu_walk.c - lib/mmu/mmu_walk.c over page tables built
 * in host memory: 1 GiB, 2 MiB and 4 KiB leaves, merging (and where it
 * must not merge), effective rights over levels, cache types, non-present
 * entries, a table pointer outside "RAM", and the exact line format.
 */
#include <check.h>

#include "check_run.h"
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "lib/mmu/mmu_walk.h"

#define P 0x1ull
#define W 0x2ull
#define U 0x4ull
#define PWT 0x8ull
#define PCD 0x10ull
#define PS 0x80ull
#define NX (1ull << 63)
#define GiB (1ull << 30)
#define MiB (1ull << 20)

/* Fake physical memory: 64 table pages at 0x100000. */
#define TBASE 0x100000ull
#define NPAGES 64
static _Alignas(4096) uint64_t mem[NPAGES][512];
static int next_page;
static int reads;

static uint64_t tnew(void)
{
	ck_assert_int_lt(next_page, NPAGES);
	memset(mem[next_page], 0, 4096);
	return TBASE + 4096ull * (uint64_t)next_page++;
}

static uint64_t *tab(uint64_t phys)
{
	return mem[(phys - TBASE) / 4096];
}

static const uint64_t *rd(void *ctx, uint64_t phys)
{
	ck_assert_ptr_eq(ctx, &reads);
	reads++;
	if (phys < TBASE || phys >= TBASE + 4096ull * NPAGES || (phys & 0xfff))
		return NULL;
	return tab(phys);
}

static char lines[64][128];
static struct mmu_run runs[64];
static int nlines;

static void emit(void *ctx, const struct mmu_run *r)
{
	ck_assert_ptr_eq(ctx, lines);
	ck_assert_int_lt(nlines, 64);
	runs[nlines] = *r;
	int n = mmu_format(r, lines[nlines], sizeof(lines[0]));
	ck_assert_int_eq(n, (int)strlen(lines[nlines]));
	nlines++;
}

static int walk(uint64_t cr3)
{
	nlines = 0;
	return mmu_walk(cr3, rd, &reads, emit, lines);
}

static void setup(void)
{
	next_page = 0;
	reads = 0;
}

/* The entry at (pml4, pdpt, pd) indices, creating tables (P|W|U). */
static uint64_t *slot(uint64_t root, int levels, unsigned i4, unsigned i3, unsigned i2)
{
	unsigned idx[3] = {i4, i3, i2};
	uint64_t t = root;
	for (int l = 0; l < levels; l++) {
		uint64_t *e = &tab(t)[idx[l]];
		if (!*e)
			*e = tnew() | P | W | U;
		t = *e & 0x000ffffffffff000ull;
	}
	return tab(t);
}

START_TEST(empty_and_bad_root)
{
	uint64_t root = tnew();
	ck_assert_int_eq(walk(root | 0x18), 0); /* CR3 flag bits ignored */
	ck_assert_int_eq(walk(0x5000), -1);
	ck_assert_int_eq(nlines, 0);
}
END_TEST

START_TEST(direct_map_1g_merged)
{
	uint64_t root = tnew();
	uint64_t *pdpt = slot(root, 1, 256, 0, 0);
	for (unsigned g = 0; g < 4; g++)
		pdpt[g] = (g * GiB) | P | W | PS | NX;
	pdpt[4] = (4 * GiB) | P | W | PS | PCD | PWT | NX; /* UC: its own run */
	pdpt[6] = (7 * GiB) | P | W | PS | NX;		   /* VA gap */
	ck_assert_int_eq(walk(root), 3);
	ck_assert_str_eq(lines[0], "0xffff800000000000 -> 0x0 4Gb RW WB NX");
	ck_assert_str_eq(lines[1], "0xffff800100000000 -> 0x100000000 1Gb RW UC NX");
	ck_assert_str_eq(lines[2], "0xffff800180000000 -> 0x1c0000000 1Gb RW WB NX");
	ck_assert_uint_eq(runs[0].page_size, GiB);
	ck_assert_uint_eq(runs[0].size, 4 * GiB);
}
END_TEST

START_TEST(pages_2m_and_4k)
{
	uint64_t root = tnew();
	/* kernel-style: PML4[511] -> PDPT[510] -> PD */
	uint64_t *pd = slot(root, 2, 511, 510, 0);
	pd[1] = 0x200000 | P | W | PS | NX; /* 2 MiB RW NX */
	pd[2] = 0x400000 | P | W | PS | NX; /* merges: 4Mb */
	pd[3] = 0x800000 | P | W | PS | NX; /* pa not contiguous */
	uint64_t *pt = slot(root, 3, 511, 510, 4);
	pt[0] = 0xa00000 | P;		     /* R X */
	pt[1] = 0xa01000 | P;		     /* merges with it: 8Kb RX */
	pt[2] = 0xa02000 | P | NX;	     /* R NX */
	pt[3] = 0xa03000 | P | W | NX | PCD; /* UC- */
	pt[4] = 0xa04000 | P | W | PWT;	     /* WT, RWX */
	pt[6] = 0xa06000 | P | W | NX;	     /* after a hole */
	pt[7] = 0xa07000 | P | W | NX | PS;  /* PAT bit: entry 4, WB under the power-on PAT */
	ck_assert_int_eq(walk(root), 8);
	ck_assert_str_eq(lines[0], "0xffffffff80200000 -> 0x200000 4Mb RW WB NX");
	ck_assert_str_eq(lines[1], "0xffffffff80600000 -> 0x800000 2Mb RW WB NX");
	ck_assert_str_eq(lines[2], "0xffffffff80800000 -> 0xa00000 8Kb RX WB -");
	ck_assert_str_eq(lines[3], "0xffffffff80802000 -> 0xa02000 4Kb R WB NX");
	ck_assert_str_eq(lines[4], "0xffffffff80803000 -> 0xa03000 4Kb RW UC- NX");
	ck_assert_str_eq(lines[5], "0xffffffff80804000 -> 0xa04000 4Kb RWX WT -");
	ck_assert_str_eq(lines[6], "0xffffffff80806000 -> 0xa06000 4Kb RW WB NX");
	ck_assert_str_eq(lines[7], "0xffffffff80807000 -> 0xa07000 4Kb RW WB NX");
	ck_assert(runs[7].pat && !runs[6].pat); /* same text, different attributes */
	ck_assert_uint_eq(runs[2].page_size, 4096);
}
END_TEST

START_TEST(rights_over_levels)
{
	uint64_t root = tnew();
	uint64_t *pd = slot(root, 2, 0, 0, 0);
	pd[0] = tnew() | P | U; /* read-only table entry: leaves lose W */
	uint64_t *pt = tab(pd[0] & ~0xfffull);
	pt[1] = 0x1000 | P | W | U;
	tab(root)[0] |= NX; /* XD at the PML4 level: everything below is NX */
	ck_assert_int_eq(walk(root), 1);
	ck_assert_str_eq(lines[0], "0x1000 -> 0x1000 4Kb RU WB NX");
	ck_assert(runs[0].user && !runs[0].write && runs[0].nx);
}
END_TEST

START_TEST(table_outside_ram)
{
	uint64_t root = tnew();
	uint64_t *pdpt = slot(root, 1, 1, 0, 0);
	pdpt[0] = 0x7f000000 | P | W; /* PD pointer outside the fake RAM */
	pdpt[1] = (1 * GiB) | P | PS;
	tab(root)[2] = 0xdead000 | P | W; /* a PDPT outside RAM too */
	ck_assert_int_eq(walk(root), 3);
	ck_assert_str_eq(lines[0], "0x8000000000 -> 0x7f000000 1Gb unreadable-table");
	ck_assert(runs[0].bad_table);
	ck_assert_str_eq(lines[1], "0x8040000000 -> 0x40000000 1Gb RX WB -");
	ck_assert_str_eq(lines[2], "0x10000000000 -> 0xdead000 512Gb unreadable-table");
}
END_TEST

START_TEST(format_truncates_like_snprintf)
{
	struct mmu_run r = {
		.va = 0x1000, .pa = 0x1000, .size = 3 * 4096, .page_size = 4096, .nx = 1, .pcd = 1};
	char buf[64];
	ck_assert_int_eq(mmu_format(&r, buf, sizeof(buf)), 30);
	ck_assert_str_eq(buf, "0x1000 -> 0x1000 12Kb R UC- NX");
	char small[8];
	memset(small, 'x', sizeof(small));
	ck_assert_int_eq(mmu_format(&r, small, sizeof(small)), 30);
	ck_assert_str_eq(small, "0x1000 ");
	ck_assert_int_eq(mmu_format(&r, NULL, 0), 30);
	r.size = 6 * MiB;
	mmu_format(&r, buf, sizeof(buf));
	ck_assert_str_eq(buf, "0x1000 -> 0x1000 6Mb R UC- NX");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("mmu_walk");
	TCase *tc = tcase_create("mmu_walk");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, empty_and_bad_root);
	tcase_add_test(tc, direct_map_1g_merged);
	tcase_add_test(tc, pages_2m_and_4k);
	tcase_add_test(tc, rights_over_levels);
	tcase_add_test(tc, table_outside_ram);
	tcase_add_test(tc, format_truncates_like_snprintf);
	suite_add_tcase(s, tc);
	return check_run(s);
}
