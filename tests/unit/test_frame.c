/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_frame.c - the physical frame allocator (lib/frame/frame.c)
 * on memory maps captured from QEMU 7.2 (PVH 256 MiB and 4 GiB, OVMF via
 * GRUB), the vmm's map, and synthetic corner cases; random storms checked
 * against a shadow model of every page.
 */
#include <check.h>

#include "check_run.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/frame/frame.h"
#include "proto/boot.h"

#define KiB 1024ull
#define MiB (1024ull * KiB)
#define GiB (1024ull * MiB)

struct mrun {
	uint64_t base, len;
	uint32_t type;
};

/* QEMU 7.2 q35, -kernel (PVH), -m 256M (run=demo output) */
static const struct mrun qemu_pvh_256m[] = {
	{0x0, 0x9fc00, PK_MEM_USABLE},
	{0x9fc00, 0x400, PK_MEM_RESERVED},
	{0xf0000, 0x10000, PK_MEM_RESERVED},
	{0x100000, 0xffdf000 - 0x100000, PK_MEM_USABLE},
	{0xffdf000, 0x21000, PK_MEM_RESERVED},
	{0xb0000000, 0x10000000, PK_MEM_RESERVED},
	{0xfed1c000, 0x4000, PK_MEM_RESERVED},
	{0xfffc0000, 0x40000, PK_MEM_RESERVED},
	{0xfd00000000, 0x300000000, PK_MEM_RESERVED},
};

/* the same with -m 4G: RAM split around the 2-4 GiB hole */
static const struct mrun qemu_pvh_4g[] = {
	{0x0, 0x9fc00, PK_MEM_USABLE},
	{0x9fc00, 0x400, PK_MEM_RESERVED},
	{0xf0000, 0x10000, PK_MEM_RESERVED},
	{0x100000, 0x7ffdf000 - 0x100000, PK_MEM_USABLE},
	{0x7ffdf000, 0x21000, PK_MEM_RESERVED},
	{0xb0000000, 0x10000000, PK_MEM_RESERVED},
	{0xfed1c000, 0x4000, PK_MEM_RESERVED},
	{0xfffc0000, 0x40000, PK_MEM_RESERVED},
	{0x100000000, 0x80000000, PK_MEM_USABLE},
	{0xfd00000000, 0x300000000, PK_MEM_RESERVED},
};

/* QEMU 7.2 q35 + OVMF + GRUB multiboot2, -m 256M: fragmented by firmware */
static const struct mrun qemu_ovmf_256m[] = {
	{0x0, 0xa0000, PK_MEM_USABLE},		{0x100000, 0x806000 - 0x100000, PK_MEM_USABLE},
	{0x806000, 0x2000, PK_MEM_ACPI_NVS},	{0x808000, 0x8000, PK_MEM_USABLE},
	{0x810000, 0xf0000, PK_MEM_ACPI_NVS},	{0x900000, 0xeaa0000 - 0x900000, PK_MEM_USABLE},
	{0xeaa0000, 0x102000, PK_MEM_RESERVED}, {0xeba2000, 0xf4ec000 - 0xeba2000, PK_MEM_USABLE},
	{0xf4ec000, 0x280000, PK_MEM_RESERVED}, {0xf76c000, 0x12000, PK_MEM_ACPI_RECLAIM},
	{0xf77e000, 0x80000, PK_MEM_ACPI_NVS},	{0xf7fe000, 0xfef4000 - 0xf7fe000, PK_MEM_USABLE},
	{0xfef4000, 0x84000, PK_MEM_RESERVED},	{0xff78000, 0x88000, PK_MEM_ACPI_NVS},
};

/* vmm/boot.c: 64 KiB of boot structures, then RAM (here 512 MiB) */
static const struct mrun vmm_512m[] = {
	{0x0, 0x10000, PK_MEM_RESERVED},
	{0x10000, 512 * MiB - 0x10000, PK_MEM_USABLE},
};

/* Check records every ck_assert (a write to a file): hot loops use this. */
#define REQUIRE(cond, ...)                                                                         \
	do {                                                                                       \
		if (!(cond))                                                                       \
			ck_abort_msg(__VA_ARGS__);                                                 \
	} while (0)

static struct frame_alloc fa;
static void *meta;
static uint8_t *shadow; /* per page: 0 unavailable, 1 free, 2 allocated */
static uint64_t shadow_pages;

static void build(const struct mrun *m, size_t n)
{
	uint64_t limit = 0;
	for (size_t i = 0; i < n; i++)
		if (m[i].type == PK_MEM_USABLE && m[i].base + m[i].len > limit)
			limit = m[i].base + m[i].len;
	size_t sz = frame_meta_size(limit);
	free(meta);
	meta = malloc(sz);
	ck_assert_ptr_nonnull(meta);
	ck_assert_int_eq(frame_init(&fa, meta, sz - 1, limit), -1);
	ck_assert_int_eq(frame_init(&fa, meta, sz, limit), 0);
	free(shadow);
	shadow_pages = fa.nchunks * FRAME_CHUNK_PAGES;
	shadow = calloc(shadow_pages, 1);
	for (size_t i = 0; i < n; i++)
		if (m[i].type == PK_MEM_USABLE)
			frame_release(&fa, m[i].base, m[i].len);
	for (size_t i = 0; i < n; i++)
		if (m[i].type != PK_MEM_USABLE)
			frame_reserve(&fa, m[i].base, m[i].len);
	frame_reserve(&fa, 0, MiB); /* what the kernel reserves */
	for (uint64_t p = 0; p < shadow_pages; p++)
		shadow[p] = (uint8_t)frame_is_free(&fa, p * 4096);
}

static void teardown(void)
{
	free(meta);
	free(shadow);
	meta = NULL;
	shadow = NULL;
}

/* Is [base, base+len) entirely inside usable entries of the map? */
static int inside_usable(const struct mrun *m, size_t n, uint64_t base, uint64_t len)
{
	for (size_t i = 0; i < n; i++)
		if (m[i].type == PK_MEM_USABLE && base >= m[i].base &&
		    base + len <= m[i].base + m[i].len)
			return 1;
	return 0;
}

static uint64_t take(uint64_t bytes, uint64_t align)
{
	uint64_t pa = frame_alloc(&fa, bytes, align);
	if (!pa)
		return 0;
	REQUIRE(pa % align == 0, "0x%llx not aligned", (unsigned long long)pa);
	for (uint64_t p = pa / 4096; p < (pa + bytes) / 4096; p++) {
		REQUIRE(shadow[p] == 1, "page 0x%llx handed out while %s",
			(unsigned long long)p * 4096, shadow[p] ? "allocated" : "unavailable");
		shadow[p] = 2;
	}
	return pa;
}

static void give(uint64_t pa, uint64_t bytes)
{
	REQUIRE(frame_free(&fa, pa, bytes) == 0, "free 0x%llx", (unsigned long long)pa);
	for (uint64_t p = pa / 4096; p < (pa + bytes) / 4096; p++)
		shadow[p] = 1;
}

static void check_shadow(void)
{
	uint64_t nfree = 0;
	for (uint64_t p = 0; p < shadow_pages; p++) {
		REQUIRE(frame_is_free(&fa, p * 4096) == (shadow[p] == 1), "page 0x%llx",
			(unsigned long long)p * 4096);
		nfree += shadow[p] == 1;
	}
	ck_assert_uint_eq(fa.free_pages, nfree);
}

#define MAP(m) m, sizeof(m) / sizeof(m[0])

START_TEST(captured_maps_never_hand_out_reserved)
{
	static const struct {
		const struct mrun *m;
		size_t n;
	} maps[] = {
		{MAP(qemu_pvh_256m)}, {MAP(qemu_pvh_4g)}, {MAP(qemu_ovmf_256m)}, {MAP(vmm_512m)}};
	for (size_t k = 0; k < sizeof(maps) / sizeof(maps[0]); k++) {
		build(maps[k].m, maps[k].n);
		/* drain with 4 KiB pages: every one inside usable RAM, above 1 MiB */
		uint64_t got = 0, pa;
		while ((pa = take(4096, 4096))) {
			REQUIRE(pa >= MiB && inside_usable(maps[k].m, maps[k].n, pa, 4096),
				"0x%llx is not usable RAM", (unsigned long long)pa);
			got++;
		}
		ck_assert_uint_eq(fa.free_pages, 0);
		ck_assert_uint_eq(got, fa.total_pages);
		ck_assert_uint_eq(fa.fails, 1);
		check_shadow();
	}
}
END_TEST

START_TEST(huge_runs_on_captured_maps)
{
	build(MAP(qemu_pvh_4g));
	/* 1 GiB pages: only GiB 4 and 5 are whole (GiB 0 holds the first MiB,
	 * GiB 1 ends 132 KiB short of 2 GiB) */
	uint64_t g[3];
	for (int i = 0; i < 3; i++)
		g[i] = take(GiB, GiB);
	ck_assert_uint_eq(g[0], 4 * GiB);
	ck_assert_uint_eq(g[1], 5 * GiB);
	ck_assert_uint_eq(g[2], 0);
	ck_assert_uint_eq(fa.fails, 1);
	/* 2 MiB pages come from whole chunks; the first is at 2 MiB */
	uint64_t m2 = take(2 * MiB, 2 * MiB);
	ck_assert_uint_eq(m2, 2 * MiB);
	/* a small page prefers the partly used chunk 1-2 MiB */
	uint64_t small = take(4096, 4096);
	ck_assert_uint_eq(small, MiB);
	/* 3 MiB aligned to 1 MiB: two whole chunks, the tail stays free */
	uint64_t m3 = take(3 * MiB, MiB);
	ck_assert_uint_eq(m3 % (2 * MiB), 0);
	ck_assert(frame_is_free(&fa, m3 + 3 * MiB));
	give(g[0], GiB);
	ck_assert_uint_eq(take(GiB, GiB), 4 * GiB); /* whole again at once */
	check_shadow();
	give(m3, 3 * MiB);
	give(m2, 2 * MiB);
	give(small, 4096);
	check_shadow();
}
END_TEST

START_TEST(bad_requests_and_frees)
{
	build(MAP(vmm_512m));
	uint64_t free0 = fa.free_pages;
	ck_assert_uint_eq(frame_alloc(&fa, 0, 4096), 0);
	ck_assert_uint_eq(frame_alloc(&fa, 100, 4096), 0);
	ck_assert_uint_eq(frame_alloc(&fa, 4096, 3 * 4096), 0);
	ck_assert_uint_eq(frame_alloc(&fa, 4096, 2 * GiB), 0);
	ck_assert_uint_eq(frame_alloc(&fa, 4096, 2048), 0);
	ck_assert_uint_eq(fa.bad_requests, 5);
	ck_assert_uint_eq(frame_alloc(&fa, 1 * GiB, 4096), 0); /* more than RAM */
	uint64_t pa = take(8192, 8192);
	ck_assert_uint_ne(pa, 0);
	give(pa, 8192);
	ck_assert_int_eq(frame_free(&fa, pa, 8192), -1); /* double free */
	ck_assert_int_eq(frame_free(&fa, pa + 1, 4096), -1);
	ck_assert_int_eq(frame_free(&fa, 0, 4096), -1);
	ck_assert_int_eq(frame_free(&fa, 600 * MiB, 4096), -1);
	ck_assert_int_eq(frame_free(&fa, UINT64_MAX & ~4095ull, 8192), -1);
	ck_assert_uint_eq(fa.bad_frees, 5);
	ck_assert_uint_eq(fa.free_pages, free0);
	check_shadow();
	/* page 0 is never made available; wrapping ranges are clipped */
	ck_assert_uint_eq(frame_release(&fa, 0, 4096), 0);
	ck_assert_uint_eq(frame_reserve(&fa, UINT64_MAX - 4095, 8192), 0);
	ck_assert_uint_eq(frame_release(&fa, UINT64_MAX - 4095, 8192), 0);
}
END_TEST

START_TEST(exhaustion_and_recovery)
{
	build(MAP(qemu_pvh_256m));
	uint64_t runs[256], n = 0, pa;
	while (n < 256 && (pa = take(2 * MiB, 2 * MiB)))
		runs[n++] = pa;
	ck_assert_uint_gt(n, 100);
	ck_assert_uint_lt(n, 128);
	ck_assert_uint_eq(take(2 * MiB, 2 * MiB), 0); /* NULL, counted */
	ck_assert_uint_eq(fa.fails, 2);		      /* (the loop's last try too) */
	ck_assert_uint_ne(take(4096, 4096), 0);	      /* partial chunks remain */
	for (uint64_t i = 0; i < n; i++)
		give(runs[i], 2 * MiB);
	ck_assert_uint_eq(take(64 * MiB, 64 * MiB), 64 * MiB);
	check_shadow();
}
END_TEST

/* Random mixed sizes and alignments against the shadow model. */
START_TEST(random_storm)
{
	build(MAP(qemu_ovmf_256m));
	enum { SLOTS = 2000 };
	static uint64_t pa[SLOTS], len[SLOTS];
	memset(pa, 0, sizeof(pa));
	srand(1234 + (unsigned)_i);
	uint64_t ok = 0;
	for (int round = 0; round < 60000; round++) {
		int s = rand() % SLOTS;
		if (pa[s]) {
			give(pa[s], len[s]);
			pa[s] = 0;
			continue;
		}
		int kind = rand() % 16;
		uint64_t bytes, align = 4096;
		if (kind < 10) {
			bytes = 4096ull * (1 + rand() % 8);
			align = 4096ull << (rand() % 4);
		} else if (kind < 14) {
			bytes = 4096ull * (1 + rand() % 700);
		} else {
			bytes = 2 * MiB * (1 + rand() % 3);
			align = 2 * MiB << (rand() % 2);
		}
		len[s] = bytes;
		pa[s] = take(bytes, align);
		ok += pa[s] != 0;
		REQUIRE(!pa[s] || inside_usable(MAP(qemu_ovmf_256m), pa[s], bytes),
			"0x%llx is not usable RAM", (unsigned long long)pa[s]);
	}
	ck_assert_uint_gt(ok, 10000);
	check_shadow();
	for (int s = 0; s < SLOTS; s++)
		if (pa[s])
			give(pa[s], len[s]);
	check_shadow();
	ck_assert_uint_eq(fa.free_pages, fa.total_pages);
	ck_assert_uint_eq(fa.bad_frees, 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("frame");
	TCase *tc = tcase_create("frame");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, captured_maps_never_hand_out_reserved);
	tcase_add_test(tc, huge_runs_on_captured_maps);
	tcase_add_test(tc, bad_requests_and_frees);
	tcase_add_test(tc, exhaustion_and_recovery);
	tcase_add_loop_test(tc, random_storm, 0, 3);
	suite_add_tcase(s, tc);
	return check_run(s);
}
