/* SPDX-License-Identifier: MIT */
/* tests/unit/test_mmu_translate.c - virtual->physical translation and the
 * merged-run walk over page tables built in a fake physical memory. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "check_run.h"
#include "lib/mmu/mmu_translate.h"

#define NPAGES 16
static uint64_t phys[NPAGES][512]; /* "physical" pages 0..15 at 0x0..0xf000 */
static int reads;

static const uint64_t *rd(void *ctx, uint64_t pa)
{
	(void)ctx;
	reads++;
	if (pa & 0xfff || pa / 4096 >= NPAGES)
		return NULL;
	return phys[pa / 4096];
}

#define P 1ull
#define RW 2ull
#define US 4ull
#define PCD 0x10ull
#define PS 0x80ull
#define NX (1ull << 63)

/* PML4 at page 1; low half: PDPT page 2 -> PD page 3 -> PT page 4;
 * high half (0xffff800000000000): PDPT page 5 with 1 GiB pages. */
static void build(void)
{
	memset(phys, 0, sizeof(phys));
	phys[1][0] = 0x2000 | P | RW;
	phys[1][256] = 0x5000 | P | RW;
	phys[2][0] = 0x3000 | P | RW;
	phys[2][1] = 0x40000000 | P | RW | PS; /* 1 GiB at 1 GiB, identity */
	phys[3][0] = 0x4000 | P | RW;
	phys[3][1] = 0x200000 | P | PS | NX; /* 2 MiB at 2 MiB, read-only, NX */
	/* 0x1000..0x3fff -> 0x1000..0x3fff RW, 0x4000 R PCD NX, 0x5000 absent */
	phys[4][1] = 0x1000 | P | RW;
	phys[4][2] = 0x2000 | P | RW;
	phys[4][3] = 0x3000 | P | RW;
	phys[4][4] = 0x4000 | P | PCD | NX;
	phys[4][6] = 0x8000 | P | RW | US;
	/* 0xffff800000000000: 4 GiB of 1 GiB pages -> 0, RW NX */
	for (int i = 0; i < 4; i++)
		phys[5][i] = ((uint64_t)i << 30) | P | RW | PS | NX;
	phys[5][8] = 0xdead000 | P; /* a PD outside "RAM": skipped */
}

START_TEST(translate_sizes)
{
	build();
	uint64_t pa, ps;
	ck_assert_int_eq(mmu_translate(0x1000, 0x2abc, rd, 0, &pa, &ps), 0);
	ck_assert_uint_eq(pa, 0x2abc);
	ck_assert_uint_eq(ps, 4096);
	ck_assert_int_eq(mmu_translate(0x1000, 0x6008, rd, 0, &pa, &ps), 0);
	ck_assert_uint_eq(pa, 0x8008);
	ck_assert_int_eq(mmu_translate(0x1000, 0x212345, rd, 0, &pa, &ps), 0);
	ck_assert_uint_eq(pa, 0x212345);
	ck_assert_uint_eq(ps, 2ull << 20);
	ck_assert_int_eq(mmu_translate(0x1000, 0x40001234, rd, 0, &pa, &ps), 0);
	ck_assert_uint_eq(pa, 0x40001234);
	ck_assert_uint_eq(ps, 1ull << 30);
	ck_assert_int_eq(mmu_translate(0x1000, 0xffff8000c0000010ull, rd, 0, &pa, &ps), 0);
	ck_assert_uint_eq(pa, 0xc0000010ull);
	/* CR3's low flag bits (PCD/PWT, PCID) are ignored */
	ck_assert_int_eq(mmu_translate(0x1018, 0x1000, rd, 0, &pa, &ps), 0);
	ck_assert_uint_eq(pa, 0x1000);
}
END_TEST

START_TEST(translate_failures)
{
	build();
	uint64_t pa = 7, ps = 7;
	ck_assert_int_eq(mmu_translate(0x1000, 0x5000, rd, 0, &pa, &ps), -1);	  /* PTE absent */
	ck_assert_int_eq(mmu_translate(0x1000, 0x80000000, rd, 0, &pa, &ps), -1); /* PDPTE absent */
	ck_assert_int_eq(mmu_translate(0x1000, 0x0000800000000000ull, rd, 0, &pa, &ps), -1);
	ck_assert_int_eq(mmu_translate(0x1000, 0xfff0800000000000ull, rd, 0, &pa, &ps), -1);
	ck_assert_int_eq(mmu_translate(0x1000, 0xffff800200000000ull, rd, 0, &pa, &ps), -1);
	ck_assert_int_eq(mmu_translate(0x100000, 0x1000, rd, 0, &pa, &ps), -1); /* root outside */
	ck_assert_uint_eq(pa, 7); /* outputs untouched on failure */
	ck_assert_uint_eq(ps, 7);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("mmu_translate");
	TCase *tc = tcase_create("walk");
	tcase_add_test(tc, translate_sizes);
	tcase_add_test(tc, translate_failures);
	suite_add_tcase(s, tc);
	return check_run(s);
}
