/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_bootparse.c - PVH and multiboot2 conversion into
 * pk_bootinfo, including hostile and truncated loader structures.
 */
#include "boot_fixture.h"

/* ---- Xen PVH ------------------------------------------------------------- */

/* A QEMU-like E820 map, deliberately out of order. */
static const struct run e820[] = {
	{0x100000, 0x7fde0000, 1},    {0, 0x9fc00, 1},		{0x9fc00, 0x400, 2},
	{0xf0000, 0x10000, 2},	      {0x7fee0000, 0x20000, 3}, {0xfffc0000, 0x40000, 2},
	{0x100000000, 0x80000000, 1},
};
static const struct run e820_sorted[] = {
	{0, 0x9fc00, 1},
	{0x9fc00, 0x400, 2},
	{0xf0000, 0x10000, 2},
	{0x100000, 0x7fde0000, 1},
	{0x7fee0000, 0x20000, 3},
	{0xfffc0000, 0x40000, 2},
	{0x100000000, 0x80000000, 1},
};
#define E820_N (sizeof(e820) / sizeof(e820[0]))

static struct hvm_start_info *pvh_put(const struct run *r, uint32_t n, const char *cmd)
{
	struct hvm_start_info *si = at(PVH_SI);
	struct hvm_memmap_table_entry *e = at(PVH_MAP);

	*si = (struct hvm_start_info){.magic = PVH_START_MAGIC,
				      .version = 1,
				      .rsdp_paddr = 0xf5a40,
				      .memmap_paddr = PVH_MAP,
				      .memmap_entries = n};
	for (uint32_t i = 0; i < n; i++)
		e[i] = (struct hvm_memmap_table_entry){r[i].base, r[i].len, r[i].type, 0};
	if (cmd) {
		strcpy(at(PVH_CMD), cmd);
		si->cmdline_paddr = PVH_CMD;
	}
	return si;
}

static int pvh_at(uint64_t phys)
{
	why = NULL;
	return bootinfo_from_pvh(&bi, phys, fake_map, CTX, &why);
}

static int pvh(void)
{
	return pvh_at(PVH_SI);
}

START_TEST(pvh_good)
{
	pvh_put(e820, E820_N, "console=ttyS0 quiet");
	ck_assert_int_eq(pvh(), 0);
	expect_map(&bi, e820_sorted, E820_N);
	ck_assert_str_eq(bi.cmdline, "console=ttyS0 quiet");
	ck_assert_uint_eq(bi.rsdp_phys, 0xf5a40);
	ck_assert_uint_eq(bi.boot_protocol, PK_BOOT_PVH);
	ck_assert_uint_eq(bi.platform, PK_PLATFORM_PC);
	ck_assert(bi.flags == 0 && bi.cpu_count == 0 && bi.tsc_khz == 0 && bi.entry_tsc == 0);
	ck_assert_int_eq(bootinfo_check(&bi, NULL), 0);

	/* Later versions only append fields. Unknown types become reserved. */
	const struct run odd[] = {{0, 1, 0}, {2, 1, 4}, {4, 1, 5}, {6, 1, 7}, {8, 1, 12}};
	const struct run odd_want[] = {{0, 1, 2}, {2, 1, 4}, {4, 1, 5}, {6, 1, 2}, {8, 1, 2}};
	pvh_put(odd, 5, NULL)->version = 2;
	ck_assert_int_eq(pvh(), 0);
	expect_map(&bi, odd_want, 5);
	ck_assert_str_eq(bi.cmdline, "");
}
END_TEST

START_TEST(pvh_cmdline)
{
	static char s[1600];
	struct hvm_start_info *si = pvh_put(e820, E820_N, NULL);
	const uint64_t end = FAKE_BASE + FAKE_SIZE;

	si->cmdline_paddr = end - 4; /* in the last bytes of memory */
	strcpy(at(end - 4), "abc");
	ck_assert_int_eq(pvh(), 0);
	ck_assert_str_eq(bi.cmdline, "abc");
	si->cmdline_paddr = PVH_CMD + 0x1000 - 5; /* across a page boundary */
	strcpy(at(si->cmdline_paddr), "0123456789abcdefghij");
	ck_assert_int_eq(pvh(), 0);
	ck_assert_str_eq(bi.cmdline, "0123456789abcdefghij");

	si->cmdline_paddr = PVH_CMD;
	memset(s, 'k', PK_CMDLINE_MAX - 1);
	strcpy(at(PVH_CMD), s);
	ck_assert_int_eq(pvh(), 0);
	ck_assert_uint_eq(strlen(bi.cmdline), PK_CMDLINE_MAX - 1);
	ck_assert_uint_eq(bi.flags, 0);
	memset(s, 'k', sizeof(s) - 1);
	strcpy(at(PVH_CMD), s);
	ck_assert_int_eq(pvh(), 0);
	ck_assert_uint_eq(strlen(bi.cmdline), PK_CMDLINE_MAX - 1);
	ck_assert_uint_eq(bi.flags, PK_BOOTF_CMDLINE_TRUNCATED);

	const char *msg = "pvh: cmdline not readable or not NUL-terminated";
	si->cmdline_paddr = end - 100; /* runs off the end of memory */
	memset(at(end - 100), 'x', 100);
	FAILS(pvh(), msg);
	si->cmdline_paddr = 0x5000;
	FAILS(pvh(), msg);
	si->cmdline_paddr = UINT64_MAX - 3;
	FAILS(pvh(), msg);
}
END_TEST

START_TEST(pvh_hostile)
{
	struct hvm_start_info *si;
	const uint64_t end = FAKE_BASE + FAKE_SIZE;

	pvh_put(e820, E820_N, NULL)->magic ^= 1;
	FAILS(pvh(), "pvh: bad hvm_start_info magic");
	pvh_put(e820, E820_N, NULL)->version = 0;
	FAILS(pvh(), "pvh: hvm_start_info version 0 has no memory map");
	pvh_put(e820, 0, NULL);
	FAILS(pvh(), "pvh: memory map is empty");
	pvh_put(e820, E820_N, NULL)->memmap_entries = 4097;
	FAILS(pvh(), "pvh: memmap_entries absurdly large");
	pvh_put(e820, E820_N, NULL)->memmap_entries = 4096; /* past the end of memory */
	FAILS(pvh(), "pvh: memory map not readable");
	si = pvh_put(e820, E820_N, NULL);
	si->memmap_paddr = 0x1000;
	FAILS(pvh(), "pvh: memory map not readable");
	si->memmap_paddr = end - 24;
	si->memmap_entries = 2;
	FAILS(pvh(), "pvh: memory map not readable");
	si->memmap_paddr = UINT64_MAX - 30;
	FAILS(pvh(), "pvh: memory map wraps the address space");
	const struct run empty[] = {{0x1000, 0, 1}, {0x5000, 0, 2}};
	pvh_put(empty, 2, NULL);
	FAILS(pvh(), "pvh: memory map has only empty runs");

	/* Start info whose first 8 bytes are the last of memory. */
	uint32_t head[2] = {PVH_START_MAGIC, 1};
	memcpy(at(end - 8), head, 8);
	FAILS(pvh_at(end - 8), "pvh: hvm_start_info not readable");
	FAILS(pvh_at(0x1000), "pvh: hvm_start_info not readable");
	FAILS(bootinfo_from_pvh(&bi, PVH_SI, NULL, CTX, &why), "pvh: NULL argument");
	ck_assert_int_eq(bootinfo_from_pvh(&bi, 0x1000, fake_map, CTX, NULL), -1);
}
END_TEST

START_TEST(pvh_overflow)
{
	static struct run r[300];

	for (uint32_t i = 0; i < 300; i++) /* usable, reserved, usable, ... never adjacent */
		r[i] = (struct run){i * 0x2000ull, 0x1000, i % 2 ? 2 : 1};
	pvh_put(r, 300, NULL);
	ck_assert_int_eq(pvh(), 0);
	ck_assert_uint_eq(bi.memmap_count, PK_MEMMAP_MAX);
	ck_assert_uint_eq(bi.flags, PK_BOOTF_MEMMAP_TRUNCATED);
	/* Usable runs go in first, so the reserved ones are what is lost. */
	uint32_t usable = 0;
	for (uint32_t i = 0; i < bi.memmap_count; i++)
		usable += bi.memmap[i].type == PK_MEM_USABLE;
	ck_assert_uint_eq(usable, PK_MEMMAP_MAX);
	ck_assert_int_eq(bootinfo_check(&bi, NULL), 0);
}
END_TEST

/* ---- multiboot2 ---------------------------------------------------------- */

static size_t mb_off;

static void mb_begin(void)
{
	mb_off = 8;
}

static uint64_t mb_raw(uint32_t type, uint32_t size, const void *data, size_t len)
{
	unsigned char *p = (unsigned char *)at(MBI) + mb_off;
	uint64_t phys = MBI + mb_off;

	memcpy(p, &type, 4);
	memcpy(p + 4, &size, 4);
	if (len)
		memcpy(p + 8, data, len);
	mb_off += (8 + len + 7) & ~(size_t)7;
	return phys;
}

static uint64_t mb_tag(uint32_t type, const void *data, size_t len)
{
	return mb_raw(type, (uint32_t)(8 + len), data, len);
}

static void mb_total(size_t total)
{
	uint32_t t = (uint32_t)total;
	memcpy(at(MBI), &t, 4);
}

static void mb_finish(void)
{
	mb_tag(0, NULL, 0);
	mb_total(mb_off);
}

static void mb_mmap(const struct run *r, uint32_t n, uint32_t esize, size_t extra)
{
	static unsigned char buf[8 + 64 * 64];
	uint32_t hdr[2] = {esize, 0};

	memset(buf, 0xee, sizeof(buf)); /* padding between entries is garbage */
	memcpy(buf, hdr, 8);
	for (uint32_t i = 0; i < n; i++) {
		struct {
			uint64_t base, len;
			uint32_t type, zero;
		} e = {r[i].base, r[i].len, r[i].type, 0};
		memcpy(buf + 8 + i * esize, &e, 24);
	}
	mb_tag(6, buf, 8 + n * esize + extra);
}

static uint64_t mb_acpi(uint32_t type, size_t len)
{
	unsigned char rsdp[64];
	memset(rsdp, 'R', sizeof(rsdp));
	return mb_tag(type, rsdp, len) + 8;
}

static int mb2_at(uint64_t phys)
{
	why = NULL;
	return bootinfo_from_mb2(&bi, phys, fake_map, CTX, &why);
}

static int mb2(void)
{
	return mb2_at(MBI);
}

/* A valid one-entry map, so that the tag under test decides. */
static void mb_begin_map(void)
{
	mb_begin();
	mb_mmap(e820, 1, 24, 0);
}

START_TEST(mb2_good)
{
	const uint32_t meminfo[2] = {639, 0x3fc00};
	const char cmd[] = "console=ttyS0 quiet";

	mb_begin();
	mb_tag(1, cmd, sizeof(cmd));
	mb_tag(4, meminfo, sizeof(meminfo)); /* ignored: there is a map */
	mb_mmap(e820, E820_N, 24, 0);
	mb_tag(21, "oddly", 5); /* unknown, size not a multiple of 8 */
	mb_acpi(14, 20);
	uint64_t rsdp = mb_acpi(15, 36);
	mb_finish();
	ck_assert_int_eq(mb2(), 0);
	expect_map(&bi, e820_sorted, E820_N);
	ck_assert_str_eq(bi.cmdline, cmd);
	ck_assert_uint_eq(bi.rsdp_phys, rsdp);
	ck_assert_uint_eq(bi.boot_protocol, PK_BOOT_MULTIBOOT2);
	ck_assert_uint_eq(bi.platform, PK_PLATFORM_PC);
	ck_assert_uint_eq(bi.flags, 0);
	ck_assert_int_eq(bootinfo_check(&bi, NULL), 0);
}
END_TEST

START_TEST(mb2_rsdp_choice)
{
	for (int c = 0; c < 4; c++) {
		uint64_t want = 0, a;
		mb_begin_map();
		if (c == 1)
			want = mb_acpi(14, 20);
		if (c == 2) {
			want = mb_acpi(15, 36);
			mb_acpi(14, 20);
		}
		if (c == 3) {
			a = mb_acpi(14, 20);
			want = mb_acpi(15, 40);
			ck_assert_uint_ne(a, want);
		}
		mb_finish();
		ck_assert_int_eq(mb2(), 0);
		ck_assert_uint_eq(bi.rsdp_phys, want);
	}
}
END_TEST

START_TEST(mb2_layouts)
{
	static const struct run two[] = {{0x1000, 0x1000, 1}, {0x3000, 0x1000, 2}};
	static const struct run want[] = {
		{0x1000, 0x1000, 1}, {0x3000, 0x1000, 2}, {0x10000, 0x1000, 1}};
	/* Larger entries (future versions), trailing bytes, a second map. */
	mb_begin();
	mb_mmap(two, 2, 32, 10);
	mb_mmap(want + 2, 1, 24, 0);
	mb_tag(1, "abc", 3); /* not terminated inside its tag */
	mb_finish();
	ck_assert_int_eq(mb2(), 0);
	expect_map(&bi, want, 3);
	ck_assert_str_eq(bi.cmdline, "abc");

	/* Empty cmdline tag, and a long walk over unknown tags. */
	mb_begin();
	mb_tag(1, NULL, 0);
	for (int i = 0; i < 1500; i++)
		mb_tag(21 + (uint32_t)i % 3, "x", 1);
	mb_mmap(two, 2, 24, 0);
	mb_finish();
	ck_assert_int_eq(mb2(), 0);
	expect_map(&bi, two, 2);
	ck_assert_str_eq(bi.cmdline, "");
}
END_TEST

START_TEST(mb2_meminfo_fallback)
{
	const uint32_t meminfo[2] = {639, 0x3fc00};
	const struct run want[] = {{0, 639 * 1024, 1}, {0x100000, 0x3fc00ull * 1024, 1}};

	mb_begin();
	mb_tag(4, meminfo, sizeof(meminfo));
	mb_finish();
	ck_assert_int_eq(mb2(), 0);
	expect_map(&bi, want, 2);

	const uint32_t none[2] = {0, 0};
	mb_begin();
	mb_tag(4, none, sizeof(none));
	mb_finish();
	FAILS(mb2(), "multiboot2: memory map has only empty runs");
	mb_begin();
	mb_tag(1, "x", 2);
	mb_finish();
	FAILS(mb2(), "multiboot2: no memory map (tag 6) nor basic meminfo (tag 4)");
}
END_TEST

/* A top-of-memory loader: only the 8-byte header at the last address. */
static const void *top_map(uint64_t phys, uint64_t len, void *ctx)
{
	static uint32_t hdr[2] = {0x100, 0};
	(void)ctx;
	return phys == UINT64_MAX - 7 && len == 8 ? hdr : NULL;
}

/* One malformed MBI per line: tags as {type, size field, payload length,
 * first payload word}, then total_size (0: just past the last tag). */
struct mb_case {
	const char *why;
	uint32_t total;
	struct {
		uint32_t type, size, len, word0;
	} tag[3];
};

static const struct mb_case mb_bad[] = {
	{"multiboot2: total_size too small for an end tag", 15, {{0, 8, 0, 0}}},
	{"multiboot2: no end tag before total_size", 0, {{21, 16, 8, 0}}},
	{"multiboot2: no end tag before total_size", 31, {{21, 16, 8, 0}, {0, 8, 0, 0}}},
	{"multiboot2: tag smaller than its 8-byte header", 0, {{21, 0, 0, 0}, {0, 8, 0, 0}}},
	{"multiboot2: tag smaller than its 8-byte header", 0, {{21, 7, 0, 0}, {0, 8, 0, 0}}},
	{"multiboot2: tag smaller than its 8-byte header", 0, {{0, 4, 0, 0}}},
	{"multiboot2: tag runs past total_size", 0, {{21, 100, 0, 0}, {0, 8, 0, 0}}},
	{"multiboot2: tag runs past total_size", 0, {{0, 16, 0, 0}}},
	{"multiboot2: memory map tag too small", 0, {{6, 12, 4, 24}, {0, 8, 0, 0}}},
	{"multiboot2: memory map entry_size < 24", 0, {{6, 40, 32, 0}, {0, 8, 0, 0}}},
	{"multiboot2: memory map entry_size < 24", 0, {{6, 40, 32, 16}, {0, 8, 0, 0}}},
	{"multiboot2: memory map entry_size < 24", 0, {{6, 40, 32, 23}, {0, 8, 0, 0}}},
	{"multiboot2: memory map has only empty runs", 0, {{6, 40, 32, ~0u}, {0, 8, 0, 0}}},
	{"multiboot2: memory map has only empty runs", 0, {{6, 16, 8, 24}, {0, 8, 0, 0}}},
	{"multiboot2: basic meminfo tag too small", 0, {{4, 12, 4, 0}, {0, 8, 0, 0}}},
	{"multiboot2: ACPI old RSDP tag too small", 0, {{14, 27, 19, 0}, {0, 8, 0, 0}}},
	{"multiboot2: ACPI new RSDP tag too small", 0, {{15, 43, 35, 0}, {0, 8, 0, 0}}},
	{"multiboot2: no memory map (tag 6) nor basic meminfo (tag 4)",
	 0,
	 {{1, 10, 2, 0x41}, {0, 8, 0, 0}}},
};

START_TEST(mb2_hostile)
{
	const uint64_t end = FAKE_BASE + FAKE_SIZE;

	FAILS(mb2_at(MBI + 4), "multiboot2: boot information not 8-byte aligned");
	FAILS(mb2_at(0x1000), "multiboot2: boot information header not readable");
	FAILS(mb2_at(end - 8), "multiboot2: total_size too small for an end tag");
	FAILS(bootinfo_from_mb2(&bi, UINT64_MAX - 7, top_map, CTX, &why),
	      "multiboot2: boot information wraps the address space");
	FAILS(bootinfo_from_mb2(&bi, MBI, NULL, CTX, &why), "multiboot2: NULL argument");

	for (size_t c = 0; c < sizeof(mb_bad) / sizeof(mb_bad[0]); c++) {
		const struct mb_case *k = &mb_bad[c];
		unsigned char payload[64];
		memset(fake, 0, sizeof(fake));
		mb_begin();
		for (int t = 0; t < 3 && (k->tag[t].type || k->tag[t].size); t++) {
			memset(payload, 0, sizeof(payload));
			memcpy(payload, &k->tag[t].word0, 4);
			mb_raw(k->tag[t].type, k->tag[t].size, payload, k->tag[t].len);
		}
		mb_total(k->total ? k->total : mb_off);
		ck_assert_msg(mb2() == -1 && why && !strcmp(why, k->why), "case %zu: got \"%s\"", c,
			      why ? why : "success");
	}

	/* A chain that walks off the end of memory. */
	mb_begin();
	mb_raw(21, (uint32_t)(end - MBI - 8), NULL, 0);
	mb_total(0x7ffffff0);
	FAILS(mb2(), "multiboot2: tag not readable");
	/* Tag headers readable, bodies past the end of memory. */
	const uint32_t types[] = {1, 6};
	const char *unreadable[] = {"multiboot2: cmdline tag not readable",
				    "multiboot2: memory map tag not readable"};
	for (int i = 0; i < 2; i++) {
		mb_begin();
		mb_raw(21, (uint32_t)(end - MBI - 16), NULL, 0);
		mb_off = (size_t)(end - MBI - 8); /* header in the last 8 bytes */
		mb_raw(types[i], 64, NULL, 0);
		mb_total(0x7ffffff0);
		FAILS(mb2(), unreadable[i]);
	}
}
END_TEST

/* Random garbage must give 0 and a valid bootinfo, or -1 and a reason;
 * ASan and the exact-size map() copies catch any stray read. */
static void fuzz_result(int r)
{
	if (r == 0)
		ck_assert_int_eq(bootinfo_check(&bi, NULL), 0);
	else
		ck_assert(r == -1 && why != NULL);
	fake_teardown();
}

START_TEST(pvh_fuzz)
{
	for (int it = 0; it < 3000; it++) {
		for (size_t i = 0; i < 0x3000; i++)
			fake[i] = (unsigned char)rnd(256);
		struct hvm_start_info *si = at(PVH_SI);
		si->magic = PVH_START_MAGIC;
		si->version = rnd(3);
		si->memmap_paddr = FAKE_BASE + rnd(FAKE_SIZE + 64) - 32;
		si->memmap_entries = rnd(4) ? rnd(600) : rnd(UINT32_MAX);
		si->cmdline_paddr = rnd(4) ? FAKE_BASE - 16 + rnd(FAKE_SIZE + 64) : rnd(UINT32_MAX);
		fuzz_result(pvh());
	}
}
END_TEST

START_TEST(mb2_fuzz)
{
	static const uint32_t types[] = {0, 1, 4, 6, 14, 15, 21};
	unsigned char data[96];

	for (int it = 0; it < 5000; it++) {
		memset(at(MBI), 0, 0x1000);
		mb_begin();
		for (uint32_t t = 0, n = rnd(8); t < n; t++) {
			uint32_t type = types[rnd(7)];
			size_t len = rnd(sizeof(data));
			for (size_t i = 0; i < len; i++)
				data[i] = (unsigned char)rnd(256);
			if (type == 6 && len >= 4) {
				uint32_t es = rnd(3) ? 24 + 8 * rnd(3) : rnd(40);
				memcpy(data, &es, 4);
			}
			mb_raw(type, rnd(5) ? (uint32_t)(8 + len) : rnd(200), data, len);
		}
		if (rnd(4))
			mb_tag(0, NULL, 0);
		mb_total(rnd(4) ? mb_off : rnd(0x1000));
		fuzz_result(mb2());
	}
}
END_TEST

/* ---- boot modules (the initrd) ------------------------------------------- */

#define PVH_MODS (FAKE_BASE + 0x5000)
#define PVH_MODNAME (FAKE_BASE + 0x6000)

START_TEST(pvh_modules)
{
	struct hvm_start_info *si = pvh_put(e820, E820_N, NULL);
	struct hvm_modlist_entry *m = at(PVH_MODS);
	m[0] = (struct hvm_modlist_entry){.paddr = 0x7000000, .size = 3145733};
	m[1] = (struct hvm_modlist_entry){
		.paddr = 0x8000000, .size = 16, .cmdline_paddr = PVH_MODNAME};
	static char longname[100];
	memset(longname, 'n', sizeof(longname) - 1);
	strcpy(at(PVH_MODNAME), longname);
	si->nr_modules = 2;
	si->modlist_paddr = PVH_MODS;
	ck_assert_int_eq(pvh(), 0);
	ck_assert_uint_eq(bi.module_count, 2);
	ck_assert_uint_eq(bi.modules[0].base, 0x7000000);
	ck_assert_uint_eq(bi.modules[0].length, 3145733);
	ck_assert_str_eq(bi.modules[0].name, "");
	ck_assert_uint_eq(strlen(bi.modules[1].name), PK_MODULE_NAME_MAX - 1); /* cut */
	ck_assert_int_eq(bootinfo_check(&bi, NULL), 0);
	/* more than PK_MODULES_MAX: the first ones, and the flag */
	for (int i = 0; i < 6; i++)
		m[i] = (struct hvm_modlist_entry){.paddr = 0x1000000 * (i + 1), .size = 4096};
	si->nr_modules = 6;
	ck_assert_int_eq(pvh(), 0);
	ck_assert_uint_eq(bi.module_count, PK_MODULES_MAX);
	ck_assert_uint_eq(bi.flags & PK_BOOTF_MODULES_TRUNCATED, PK_BOOTF_MODULES_TRUNCATED);
	ck_assert_uint_eq(bi.modules[3].base, 0x4000000);
	/* hostile: empty, wrapping, absurd counts, lists and names off memory */
	si->nr_modules = 1;
	m[0] = (struct hvm_modlist_entry){.paddr = 0x7000000, .size = 0};
	FAILS(pvh(), "pvh: a module is empty or wraps around");
	m[0] = (struct hvm_modlist_entry){.paddr = UINT64_MAX - 10, .size = 4096};
	FAILS(pvh(), "pvh: a module is empty or wraps around");
	m[0] = (struct hvm_modlist_entry){.paddr = 0x7000000, .size = 1, .cmdline_paddr = 0x5000};
	FAILS(pvh(), "pvh: module cmdline not readable");
	m[0] = (struct hvm_modlist_entry){.paddr = 0x7000000, .size = 1};
	si->nr_modules = 1025;
	FAILS(pvh(), "pvh: nr_modules absurdly large");
	si->nr_modules = 2; /* the second entry past the end of fake memory */
	si->modlist_paddr = FAKE_BASE + FAKE_SIZE - 32;
	*(struct hvm_modlist_entry *)at(si->modlist_paddr) = m[0];
	FAILS(pvh(), "pvh: module list not readable");
	si->nr_modules = 1;
	si->modlist_paddr = UINT64_MAX - 8;
	FAILS(pvh(), "pvh: module list wraps the address space");
}
END_TEST

struct mb2_mod {
	uint32_t start, end;
	char name[12];
};

START_TEST(mb2_modules)
{
	struct mb2_mod mod = {0x7000000, 0x7300005, "files.cpio"};
	mb_begin_map();
	mb_tag(3, &mod, sizeof(mod));
	mod = (struct mb2_mod){0x8000000, 0x8001000, ""};
	mb_tag(3, &mod, 8); /* no string at all: the tag ends at mod_end */
	mb_finish();
	ck_assert_int_eq(mb2(), 0);
	ck_assert_uint_eq(bi.module_count, 2);
	ck_assert_uint_eq(bi.modules[0].base, 0x7000000);
	ck_assert_uint_eq(bi.modules[0].length, 0x300005);
	ck_assert_str_eq(bi.modules[0].name, "files.cpio");
	ck_assert_str_eq(bi.modules[1].name, "");
	ck_assert_int_eq(bootinfo_check(&bi, NULL), 0);
	const char *msg = "multiboot2: module is empty or ends before it starts";
	mod = (struct mb2_mod){0x7000000, 0x7000000, "x"};
	mb_begin_map();
	mb_tag(3, &mod, sizeof(mod));
	mb_finish();
	FAILS(mb2(), msg);
	mod = (struct mb2_mod){0x7000000, 0x6000000, "x"};
	mb_begin_map();
	mb_tag(3, &mod, sizeof(mod));
	mb_finish();
	FAILS(mb2(), msg);
	mb_begin_map();
	mb_tag(3, &mod, 4);
	mb_finish();
	FAILS(mb2(), "multiboot2: module tag too small");
	/* bootinfo_check refuses what the vmm must never write */
	mod = (struct mb2_mod){0x7000000, 0x7001000, "ok"};
	mb_begin_map();
	mb_tag(3, &mod, sizeof(mod));
	mb_finish();
	ck_assert_int_eq(mb2(), 0);
	bi.module_count = PK_MODULES_MAX + 1;
	ck_assert_int_eq(bootinfo_check(&bi, &why), -1);
	bi.module_count = 1;
	memset(bi.modules[0].name, 'x', PK_MODULE_NAME_MAX);
	ck_assert_int_eq(bootinfo_check(&bi, &why), -1);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
		pvh_good, pvh_cmdline,	   pvh_hostile, pvh_overflow,	      pvh_fuzz,
		mb2_good, mb2_rsdp_choice, mb2_layouts, mb2_meminfo_fallback, mb2_hostile,
		mb2_fuzz, pvh_modules,	   mb2_modules,
	};
	return run_tests("bootparse", tests, sizeof(tests) / sizeof(tests[0]));
}
