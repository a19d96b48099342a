/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_memmap.c - pk_bootinfo memory-map rules (sort, merge,
 * overlap precedence, overflow), bootinfo_init/set_cmdline and the check
 * of a VMM-written bootinfo.
 */
#include "boot_fixture.h"

/* ---- memory map rules ---------------------------------------------------- */

static uint32_t type_at(uint64_t addr)
{
	for (uint32_t i = 0; i < bi.memmap_count; i++)
		if (addr >= bi.memmap[i].base && addr - bi.memmap[i].base < bi.memmap[i].length)
			return bi.memmap[i].type;
	return 0;
}

static void add_runs(struct pk_bootinfo *bi, const struct run *r, size_t n)
{
	for (size_t i = 0; i < n; i++)
		bootinfo_add_mem(bi, r[i].base, r[i].len, r[i].type);
}

START_TEST(memmap_sort_merge)
{
	const struct run in[] = {
		{0x300, 0x100, 1},  {0x100, 0x100, 1},	{0x200, 0x100, 1}, /* adjacent: merge */
		{0x1000, 0x100, 2}, {0x1100, 0x100, 1},			   /* adjacent, differ */
		{0x2000, 0x200, 3}, {0x2100, 0x200, 3},			   /* overlap, same */
		{0x5000, 0, 2},						   /* empty: ignored */
	};
	const struct run want[] = {
		{0x100, 0x300, 1}, {0x1000, 0x100, 2}, {0x1100, 0x100, 1}, {0x2000, 0x300, 3}};
	bootinfo_init(&bi, PK_BOOT_VMM);
	add_runs(&bi, in, sizeof(in) / sizeof(in[0]));
	expect_map(&bi, want, 4);
	ck_assert_uint_eq(bi.flags, 0);
}
END_TEST

START_TEST(memmap_overlap_types)
{
	/* Reserved inside usable splits it, whichever comes first. */
	const struct run split[] = {{0, 100, 1}, {40, 20, 2}, {40, 20, 2}, {0, 100, 1}};
	const struct run want_split[] = {{0, 40, 1}, {40, 20, 2}, {60, 40, 1}};
	for (int first = 0; first < 2; first++) {
		bootinfo_init(&bi, PK_BOOT_VMM);
		add_runs(&bi, split + 2 * first, 2);
		expect_map(&bi, want_split, 3);
	}
	/* Usable over reserved islands and holes: fills around them. */
	bootinfo_init(&bi, PK_BOOT_VMM);
	const struct run islands[] = {{10, 10, 2}, {30, 5, 4}, {50, 10, 5}, {0, 100, 1}};
	const struct run want_islands[] = {{0, 10, 1},	{10, 10, 2}, {20, 10, 1}, {30, 5, 4},
					   {35, 15, 1}, {50, 10, 5}, {60, 40, 1}};
	add_runs(&bi, islands, 4);
	expect_map(&bi, want_islands, 7);
	/* Precedence: usable < ACPI data < ACPI NVS < reserved < bad. */
	const uint32_t order[] = {1, 3, 4, 2, 5};
	for (int a = 0; a < 5; a++)
		for (int b = 0; b < 5; b++) {
			bootinfo_init(&bi, PK_BOOT_VMM);
			bootinfo_add_mem(&bi, 0, 10, order[a]);
			bootinfo_add_mem(&bi, 5, 10, order[b]);
			ck_assert_uint_eq(type_at(4), order[a]);
			ck_assert_uint_eq(type_at(5), order[a > b ? a : b]);
			ck_assert_uint_eq(type_at(9), order[a > b ? a : b]);
			ck_assert_uint_eq(type_at(10), order[b]);
			ck_assert_uint_eq(bi.memmap_count, a == b ? 1 : 2);
		}
	/* A run bridging two of its type joins all three. */
	bootinfo_init(&bi, PK_BOOT_VMM);
	const struct run bridge[] = {{0, 10, 1}, {20, 10, 1}, {10, 10, 1}};
	const struct run want_bridge[] = {{0, 30, 1}};
	add_runs(&bi, bridge, 3);
	expect_map(&bi, want_bridge, 1);
}
END_TEST

START_TEST(memmap_types_and_wrap)
{
	bootinfo_init(&bi, PK_BOOT_VMM);
	bootinfo_add_mem(&bi, 0, 10, 0);  /* unknown types are reserved... */
	bootinfo_add_mem(&bi, 10, 10, 7); /* ...and merge as such */
	bootinfo_add_mem(&bi, 20, 10, 0xffffffff);
	bootinfo_add_mem(&bi, UINT64_MAX - 0xfff, 0x2000, 1); /* clamped at the top */
	bootinfo_add_mem(&bi, UINT64_MAX, 5, 1);	      /* nothing left: ignored */
	const struct run want[] = {{0, 30, 2}, {UINT64_MAX - 0xfff, 0xfff, 1}};
	expect_map(&bi, want, 2);
	ck_assert_str_eq(bootinfo_mem_type_name(PK_MEM_USABLE), "usable");
	ck_assert_str_eq(bootinfo_mem_type_name(PK_MEM_RESERVED), "reserved");
	ck_assert_str_eq(bootinfo_mem_type_name(PK_MEM_ACPI_RECLAIM), "ACPI data");
	ck_assert_str_eq(bootinfo_mem_type_name(PK_MEM_ACPI_NVS), "ACPI NVS");
	ck_assert_str_eq(bootinfo_mem_type_name(PK_MEM_BAD), "bad");
	ck_assert_str_eq(bootinfo_mem_type_name(0), "unknown");
	ck_assert_str_eq(bootinfo_mem_type_name(6), "unknown");
}
END_TEST

START_TEST(memmap_full)
{
	bootinfo_init(&bi, PK_BOOT_VMM);
	for (uint64_t i = 0; i < PK_MEMMAP_MAX; i++) /* disjoint: one entry each */
		bootinfo_add_mem(&bi, i * 0x2000, 0x1000, 1);
	ck_assert_uint_eq(bi.memmap_count, PK_MEMMAP_MAX);
	ck_assert_uint_eq(bi.flags, 0);
	/* Runs that merge still fit; a bridge even frees an entry. */
	bootinfo_add_mem(&bi, 0x1000, 0x800, 1);
	bootinfo_add_mem(&bi, 0x3800, 0x800, 1);
	bootinfo_add_mem(&bi, 0x5000, 0x1000, 1);
	ck_assert_uint_eq(bi.memmap_count, PK_MEMMAP_MAX - 1);
	ck_assert_uint_eq(bi.flags, 0);
	/* Exactly one more fits, then the next new run is dropped. */
	bootinfo_add_mem(&bi, 0x1000000, 0x1000, 2);
	ck_assert_uint_eq(bi.flags, 0);
	bootinfo_add_mem(&bi, 0x2000000, 0x1000, 2);
	ck_assert_uint_eq(bi.flags, PK_BOOTF_MEMMAP_TRUNCATED);
	ck_assert_uint_eq(bi.memmap_count, PK_MEMMAP_MAX);
	ck_assert_uint_eq(bi.memmap[PK_MEMMAP_MAX - 1].base, 0x1000000);
	/* Reserved inside usable when full: it cannot be recorded, but the
	 * range must not stay usable either. */
	bootinfo_add_mem(&bi, 0x10400, 0x200, 2);
	for (uint64_t a = 0x10400; a < 0x10600; a += 0x100)
		ck_assert_uint_ne(type_at(a), PK_MEM_USABLE);
	/* And once truncated, a hole is never refilled as usable. */
	bootinfo_add_mem(&bi, 0x10000, 0x1000, 1);
	for (uint64_t a = 0x10400; a < 0x10600; a += 0x100)
		ck_assert_uint_ne(type_at(a), PK_MEM_USABLE);
	ck_assert_int_eq(bootinfo_check(&bi, NULL), 0);
}
END_TEST

/* Random runs against a per-unit model: exact without overflow, and with
 * overflow every allocatable entry still tells the truth. */
static int rank_of(uint32_t t)
{
	static const int r[] = {-1, 0, 3, 1, 2, 4};
	return r[t];
}

static void fuzz_memmap(uint32_t units, int adds, int rounds, bool want_trunc)
{
	int truncated = 0;

	static uint32_t ref[4096], got[4096];
	const uint64_t unit = 0x1000;

	for (int round = 0; round < rounds; round++) {
		bootinfo_init(&bi, PK_BOOT_VMM);
		memset(ref, 0, sizeof(ref));
		for (int a = 0; a < adds; a++) {
			uint32_t b = rnd(units), len = 1 + rnd(24), t = rnd(8);
			if (b + len > units)
				len = units - b;
			uint32_t nt = t >= 1 && t <= 5 ? t : PK_MEM_RESERVED;
			for (uint32_t x = b; x < b + len; x++)
				if (rank_of(nt) > rank_of(ref[x]))
					ref[x] = nt;
			bootinfo_add_mem(&bi, b * unit, len * unit, t);
		}
		ck_assert_int_eq(bootinfo_check(&bi, NULL), 0);
		memset(got, 0, sizeof(got));
		for (uint32_t i = 0; i < bi.memmap_count; i++) {
			const struct pk_memmap_entry *m = &bi.memmap[i];
			ck_assert(m->length && m->base % unit == 0 && m->length % unit == 0);
			ck_assert(m->type >= 1 && m->type <= 5);
			if (i)
				ck_assert(bi.memmap[i - 1].base + bi.memmap[i - 1].length <
						  m->base ||
					  bi.memmap[i - 1].type != m->type);
			for (uint64_t x = m->base / unit; x < (m->base + m->length) / unit; x++)
				got[x] = m->type;
		}
		bool trunc = bi.flags & PK_BOOTF_MEMMAP_TRUNCATED;
		truncated += trunc;
		for (uint32_t x = 0; x < units; x++) {
			if (!trunc)
				ck_assert_uint_eq(got[x], ref[x]);
			else if (got[x] == PK_MEM_USABLE || got[x] == PK_MEM_ACPI_RECLAIM)
				ck_assert_uint_eq(got[x], ref[x]);
		}
	}
	ck_assert(want_trunc ? truncated > 0 : truncated == 0);
}

START_TEST(memmap_fuzz_exact)
{
	fuzz_memmap(400, 40, 300, false);
}
END_TEST

START_TEST(memmap_fuzz_overflow)
{
	fuzz_memmap(4096, 600, 40, true);
}
END_TEST

/* ---- bootinfo_init / set_cmdline / check --------------------------------- */

START_TEST(init_and_cmdline)
{
	static char s[2000];

	memset(&bi, 0xa5, sizeof(bi));
	bootinfo_init(&bi, PK_BOOT_PVH);
	ck_assert_uint_eq(bi.magic, PK_BOOTINFO_MAGIC);
	ck_assert_uint_eq(bi.version, PK_BOOTINFO_VERSION);
	ck_assert_uint_eq(bi.size, sizeof(bi));
	ck_assert_uint_eq(bi.platform, PK_PLATFORM_PC);
	ck_assert_uint_eq(bi.boot_protocol, PK_BOOT_PVH);
	ck_assert(bi.cpu_count == 0 && bi.memmap_count == 0 && bi.rsdp_phys == 0 &&
		  bi.tsc_khz == 0 && bi.entry_tsc == 0 && bi.flags == 0 && bi.cmdline[0] == 0);

	bootinfo_set_cmdline(&bi, "hello world", 5); /* the bound ends the string */
	ck_assert_str_eq(bi.cmdline, "hello");
	bootinfo_set_cmdline(&bi, NULL, 100);
	ck_assert_str_eq(bi.cmdline, "");
	memset(s, 'c', sizeof(s));
	bootinfo_set_cmdline(&bi, s, PK_CMDLINE_MAX - 1);
	ck_assert_uint_eq(strlen(bi.cmdline), PK_CMDLINE_MAX - 1);
	ck_assert_uint_eq(bi.flags, 0);
	bootinfo_set_cmdline(&bi, s, sizeof(s));
	ck_assert_uint_eq(strlen(bi.cmdline), PK_CMDLINE_MAX - 1);
	ck_assert_uint_eq(bi.flags, PK_BOOTF_CMDLINE_TRUNCATED);
	s[PK_CMDLINE_MAX - 1] = 0;
	bootinfo_set_cmdline(&bi, s, sizeof(s)); /* exactly fits */
	ck_assert_uint_eq(bi.flags, 0);
}
END_TEST

START_TEST(check_vmm_bootinfo)
{
#define BAD(msg)                                                                                   \
	do {                                                                                       \
		FAILS(bootinfo_check(&bi, &why), msg);                                             \
		bootinfo_init(&bi, PK_BOOT_VMM);                                                   \
	} while (0)

	bootinfo_init(&bi, PK_BOOT_VMM);
	bi.platform = PK_PLATFORM_VMM;
	bootinfo_add_mem(&bi, 0, 0x9f000, 1);
	ck_assert_int_eq(bootinfo_check(&bi, &why), 0);
	bi.size += 64; /* a newer writer with a longer struct is fine */
	ck_assert_int_eq(bootinfo_check(&bi, &why), 0);
	bi.magic ^= 1;
	BAD("bootinfo: bad magic");
	bi.version = PK_BOOTINFO_VERSION + 1;
	BAD("bootinfo: unsupported version");
	bi.version = PK_BOOTINFO_VERSION - 1; /* 1: no modules field */
	BAD("bootinfo: unsupported version");
	bi.size = sizeof(bi) - 1;
	BAD("bootinfo: size smaller than struct pk_bootinfo");
	bi.platform = PK_PLATFORM_UNKNOWN;
	BAD("bootinfo: unknown platform");
	bi.platform = 3;
	BAD("bootinfo: unknown platform");
	bi.memmap_count = PK_MEMMAP_MAX + 1;
	BAD("bootinfo: memmap_count exceeds PK_MEMMAP_MAX");
	memset(bi.cmdline, 'x', sizeof(bi.cmdline));
	BAD("bootinfo: cmdline not NUL-terminated");
	bi.memmap_count = 1;
	bi.memmap[0] = (struct pk_memmap_entry){.base = UINT64_MAX - 1, .length = 3, .type = 1};
	BAD("bootinfo: memory map entry wraps around");
	bi.memmap_count = 2;
	bi.memmap[0] = (struct pk_memmap_entry){.base = 0x2000, .length = 0x1000, .type = 1};
	bi.memmap[1] = (struct pk_memmap_entry){.base = 0x1000, .length = 0x1000, .type = 1};
	BAD("bootinfo: memory map not sorted or overlapping");
	bi.memmap_count = 2;
	bi.memmap[0] = (struct pk_memmap_entry){.base = 0x1000, .length = 0x1001, .type = 1};
	bi.memmap[1] = (struct pk_memmap_entry){.base = 0x2000, .length = 0x1000, .type = 2};
	BAD("bootinfo: memory map not sorted or overlapping");
	ck_assert_int_eq(bootinfo_check(NULL, NULL), -1);
#undef BAD
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
		memmap_sort_merge, memmap_overlap_types, memmap_types_and_wrap, memmap_full,
		memmap_fuzz_exact, memmap_fuzz_overflow, init_and_cmdline,	check_vmm_bootinfo,
	};
	return run_tests("memmap", tests, sizeof(tests) / sizeof(tests[0]));
}
