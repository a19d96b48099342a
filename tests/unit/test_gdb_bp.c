/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_gdb_bp.c - the software breakpoint table (vmm/gdb_swbp.c)
 * over page tables in a fake physical memory with two aliases of one
 * page, like the kernel's text at PK_KERNEL_VMA and in the direct map:
 * an int3 inserted through one alias and removed through the other
 * restores the original byte.
 */
#include <check.h>
#include <errno.h>
#include <string.h>

#include "check_run.h"
#include "lib/mmu/mmu_translate.h"
#include "proto/boot.h"
#include "vmm/gdb.h"

#define NPAGES 16
static uint64_t phys[NPAGES][512]; /* "physical" pages 0..15 */
static struct dbg_swbp tab[DBG_MAX_SWBP];

#define P 1ull
#define RW 2ull
#define CR3 0x1000ull
#define TEXT_PA 0x8000ull
/* one physical page, two virtual addresses */
#define VA_TEXT (PK_KERNEL_VMA + 0x200000ull)
#define VA_DIRECT (PK_DIRECT_MAP_BASE + 0x200000ull)

static const uint64_t *rd(void *ctx, uint64_t pa)
{
	(void)ctx;
	return pa & 0xfff || pa / 4096 >= NPAGES ? NULL : phys[pa / 4096];
}

static int tr(void *ctx, uint64_t va, uint64_t *pa)
{
	uint64_t ps;
	return mmu_translate(CR3, va, rd, ctx, pa, &ps);
}

static uint8_t *byte(void *ctx, uint64_t pa)
{
	(void)ctx;
	return pa / 4096 < NPAGES ? (uint8_t *)phys + pa : NULL;
}

static const struct swbp_mem mem = {.translate = tr, .byte = byte};

static uint8_t *text(unsigned off)
{
	return (uint8_t *)phys + TEXT_PA + off;
}

/* VA_TEXT: PML4[511] -> PDPT p2 [510] -> PD p3 [1] -> PT p4 [0]
 * VA_DIRECT: PML4[256] -> PDPT p5 [0] -> PD p6 [1] -> PT p7 [0]; both
 * PTEs point at TEXT_PA, whose bytes are 0x00, 0x01, 0x02 ... */
static void setup(void)
{
	memset(phys, 0, sizeof(phys));
	memset(tab, 0, sizeof(tab));
	phys[1][511] = 0x2000 | P | RW;
	phys[2][510] = 0x3000 | P | RW;
	phys[3][1] = 0x4000 | P | RW;
	phys[4][0] = TEXT_PA | P;
	phys[1][256] = 0x5000 | P | RW;
	phys[5][0] = 0x6000 | P | RW;
	phys[6][1] = 0x7000 | P | RW;
	phys[7][0] = TEXT_PA | P | RW;
	for (unsigned i = 0; i < 4096; i++)
		*text(i) = (uint8_t)i;
}

static unsigned used(void)
{
	unsigned n = 0;
	for (int i = 0; i < DBG_MAX_SWBP; i++)
		n += tab[i].used;
	return n;
}

START_TEST(aliases_share_one_breakpoint)
{
	uint64_t a, b;
	ck_assert_int_eq(tr(0, VA_TEXT + 5, &a), 0);
	ck_assert_int_eq(tr(0, VA_DIRECT + 5, &b), 0);
	ck_assert_uint_eq(a, b); /* the fixture really has two aliases */
	/* in through the kernel text, out through the direct map */
	ck_assert_int_eq(swbp_insert(tab, &mem, VA_TEXT + 5), 0);
	ck_assert_uint_eq(*text(5), 0xcc);
	ck_assert(swbp_owns(tab, &mem, VA_DIRECT + 5)); /* a hit via the alias is gdb's */
	ck_assert(!swbp_owns(tab, &mem, VA_DIRECT + 6));
	ck_assert_int_eq(swbp_remove(tab, &mem, VA_DIRECT + 5), 0);
	ck_assert_uint_eq(*text(5), 5);
	ck_assert_uint_eq(used(), 0);
	ck_assert_int_eq(swbp_remove(tab, &mem, VA_TEXT + 5), -ENOENT);
}
END_TEST

START_TEST(insert_through_both_aliases_keeps_the_original)
{
	/* a va-keyed table would save the first int3 (0xcc) as the second
	 * alias's "original" and write it back at removal */
	ck_assert_int_eq(swbp_insert(tab, &mem, VA_TEXT + 9), 0);
	ck_assert_int_eq(swbp_insert(tab, &mem, VA_DIRECT + 9), 0);
	ck_assert_int_eq(swbp_insert(tab, &mem, VA_TEXT + 9), 0); /* idempotent */
	ck_assert_uint_eq(used(), 1);
	ck_assert_int_eq(swbp_remove(tab, &mem, VA_TEXT + 9), 0);
	ck_assert_uint_eq(*text(9), 9);
	ck_assert_int_eq(swbp_remove(tab, &mem, VA_DIRECT + 9), -ENOENT);
	ck_assert_uint_eq(*text(9), 9);
}
END_TEST

START_TEST(clear_and_unmapped)
{
	ck_assert_int_eq(swbp_insert(tab, &mem, VA_TEXT + 1), 0);
	ck_assert_int_eq(swbp_insert(tab, &mem, VA_DIRECT + 2), 0);
	ck_assert_int_eq(swbp_insert(tab, &mem, VA_TEXT + 0x1000), -EFAULT); /* not mapped */
	/* the guest unmaps the text alias: removal by the address gdb used
	 * still finds it (by va) and restores the byte */
	phys[4][0] = 0;
	ck_assert_int_eq(swbp_remove(tab, &mem, VA_TEXT + 1), 0);
	ck_assert_uint_eq(*text(1), 1);
	swbp_clear(tab, &mem); /* detach: every int3 goes */
	ck_assert_uint_eq(*text(2), 2);
	ck_assert_uint_eq(used(), 0);
	for (unsigned i = 0; i < DBG_MAX_SWBP; i++)
		ck_assert_int_eq(swbp_insert(tab, &mem, VA_DIRECT + 100 + i), 0);
	ck_assert_int_eq(swbp_insert(tab, &mem, VA_DIRECT + 99), -ENOSPC);
	swbp_clear(tab, &mem);
	for (unsigned i = 0; i < 4096; i++)
		ck_assert_uint_eq(*text(i), (uint8_t)i);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("gdb_bp");
	TCase *t = tcase_create("swbp");
	tcase_add_checked_fixture(t, setup, 0);
	tcase_add_test(t, aliases_share_one_breakpoint);
	tcase_add_test(t, insert_through_both_aliases_keeps_the_original);
	tcase_add_test(t, clear_and_unmapped);
	suite_add_tcase(s, t);
	return check_run(s);
}
