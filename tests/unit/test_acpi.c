/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_acpi.c - the ACPI table parser against hand-built tables,
 * tables captured from QEMU 7.2 q35 (SeaBIOS and OVMF, -smp 2) and broken
 * ones. Also built with -DPK_MAX_CPUS=4 (CMake: test_acpi_small).
 *
 * The fake physical memory hands out a fresh malloc'd copy of exactly the
 * bytes asked for on every map() call, so ASan flags any read past a
 * mapped length (or through a stale mapping), and regions outside the fake
 * RAM are unmappable.
 */
#include <check.h>

#include "check_run.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/bootparse/acpi_parse.h"

#define LOW_SIZE 0x100000ull /* BDA, EBDA, BIOS area */
#define TBL_BASE 0x200000ull /* hand-built tables */
#define TBL_SIZE 0x100000ull
#define OVMF_BASE 0x7770000ull /* where QEMU+OVMF put them */
#define SEABIOS_BASE 0x7fe0000ull
#define HI_SIZE 0x10000ull

static uint8_t low[LOW_SIZE], tbl[TBL_SIZE], ovmf[HI_SIZE], seabios[HI_SIZE];
static const struct seg {
	uint64_t base, size;
	uint8_t *data;
} segs[] = {
	{0, LOW_SIZE, low},
	{TBL_BASE, TBL_SIZE, tbl},
	{OVMF_BASE, HI_SIZE, ovmf},
	{SEABIOS_BASE, HI_SIZE, seabios},
};

/* Each map() frees the previous copy: the parser must not read through a
 * mapping after making another (a guest might map through one window). */
static int ctx_token;
static void *last_map;

static const struct seg *seg_of(uint64_t phys, uint64_t len)
{
	for (size_t i = 0; i < sizeof(segs) / sizeof(segs[0]); i++) {
		const struct seg *s = &segs[i];
		if (phys >= s->base && len <= s->size && phys - s->base <= s->size - len)
			return s;
	}
	return NULL;
}

static const void *fake_map(uint64_t phys, uint64_t len, void *ctx)
{
	ck_assert_ptr_eq(ctx, &ctx_token);
	const struct seg *s = seg_of(phys, len);
	if (!s)
		return NULL;
	uint8_t *c = malloc(len ? len : 1);
	ck_assert_ptr_nonnull(c);
	memcpy(c, s->data + (phys - s->base), len);
	free(last_map);
	last_map = c;
	return c;
}

static void setup(void)
{
	for (size_t i = 0; i < sizeof(segs) / sizeof(segs[0]); i++)
		memset(segs[i].data, 0, segs[i].size);
}

static void teardown(void)
{
	free(last_map), last_map = NULL;
}

/* Writable view of fake RAM for building tables. */
static uint8_t *P(uint64_t phys)
{
	const struct seg *s = seg_of(phys, 1);
	ck_assert_ptr_nonnull(s);
	return s->data + (phys - s->base);
}

static void wr(uint64_t phys, uint64_t v, int bytes)
{
	for (int i = 0; i < bytes; i++)
		*P(phys + i) = i < 8 ? (uint8_t)(v >> (8 * i)) : 0;
}

static void put(uint64_t phys, const void *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		*P(phys + i) = ((const uint8_t *)p)[i];
}

static void put_hex(uint64_t phys, const char *hex)
{
	for (; hex[0] && hex[1]; hex += 2) {
		char b[3] = {hex[0], hex[1], 0};
		*P(phys++) = (uint8_t)strtoul(b, NULL, 16);
	}
}

/* Recompute a table's checksum (byte 9, ACPI 6.5 sec. 5.2.6) after a patch. */
static void sdt_fix(uint64_t phys)
{
	*P(phys + 9) = 0;
	uint32_t len = 0;
	for (int i = 3; i >= 0; i--)
		len = len << 8 | *P(phys + 4 + i);
	*P(phys + 9) = (uint8_t)-acpi_checksum(P(phys), len);
}

/* Table builder: tb_begin, append the body, tb_end fills length+checksum. */
static uint64_t tb_phys;
static uint32_t tb_len;

static void tb(uint64_t v, int bytes)
{
	wr(tb_phys + tb_len, v, bytes);
	tb_len += (uint32_t)bytes;
}

static void tb_begin(uint64_t phys, const char *sig, uint8_t rev)
{
	tb_phys = phys;
	put(phys, sig, 4);
	put(phys + 10, "PKTESTPKTABLE ", 14);
	tb_len = 36;
	*P(phys + 8) = rev;
}

static uint64_t tb_end(void)
{
	wr(tb_phys + 4, tb_len, 4);
	sdt_fix(tb_phys);
	return tb_phys;
}

static void rsdp_put(uint64_t phys, uint8_t rev, uint32_t rsdt, uint64_t xsdt)
{
	/* Near the end of fake RAM only the ACPI 1.0 part is written. */
	bool v2 = rev >= 2 && seg_of(phys, 36);
	put(phys, "RSD PTR \0PKOEM ", 15);
	*P(phys + 15) = rev;
	wr(phys + 16, rsdt, 4);
	if (v2) {
		wr(phys + 20, 36, 4);
		wr(phys + 24, xsdt, 8);
		*P(phys + 32) = 0;
	}
	*P(phys + 8) = (uint8_t)-acpi_checksum(P(phys), 20);
	if (v2)
		*P(phys + 32) = (uint8_t)-acpi_checksum(P(phys), 36);
}

static void madt_begin(uint64_t phys, uint32_t lapic, uint32_t flags)
{
	tb_begin(phys, "APIC", 5);
	tb(lapic, 4), tb(flags, 4);
}

static void lapic(uint8_t uid, uint8_t id, uint32_t flags)
{
	tb(0, 1), tb(8, 1), tb(uid, 1), tb(id, 1), tb(flags, 4);
}

static void x2apic(uint32_t id, uint32_t flags, uint32_t uid)
{
	tb(9, 1), tb(16, 1), tb(0, 2), tb(id, 4), tb(flags, 4), tb(uid, 4);
}

/* A FADT of len bytes (116: ACPI 1.0, 276: 6.5) with QEMU-like values. */
static uint64_t fadt_put(uint64_t phys, uint32_t len, uint32_t dsdt, uint64_t x_dsdt,
			 uint32_t flags)
{
	for (uint32_t i = 0; i < len; i++)
		*P(phys + i) = 0;
	tb_begin(phys, "FACP", len >= 244 ? 6 : 1);
	tb_len = len;
	wr(phys + 40, dsdt, 4);
	wr(phys + 48, 0xb2, 4); /* SMI_CMD */
	*P(phys + 52) = 0xf1;	/* ACPI_ENABLE */
	wr(phys + 64, 0x604, 4);
	wr(phys + 68, 0x608, 4);
	wr(phys + 112, flags, 4);
	if (len >= 129) { /* RESET_REG: I/O 0xcf9, 8 bits; RESET_VALUE 6 */
		put(phys + 116, "\x01\x08\x00\x01\xf9\x0c", 6);
		*P(phys + 128) = 6;
	}
	if (len >= 148)
		wr(phys + 140, x_dsdt, 8);
	return tb_end();
}

static uint64_t dsdt_put(uint64_t phys, const void *aml, size_t n)
{
	tb_begin(phys, "DSDT", 2);
	put(phys + 36, aml, n);
	tb_len += (uint32_t)n;
	return tb_end();
}

#define RESET_SUP (1u << 10)
/* Name (\_S5, Package (4) { 5, 5, 0, 0 }): Bochs-style root prefix. */
static const char aml_s5_55[] = "\x08\\_S5_\x12\x08\x04\x0a\x05\x0a\x05\x00\x00";
/* Word-encoded values and no root prefix. */
static const char aml_s5_word[] = "\x08_S5_\x12\x08\x02\x0b\x07\x00\x0b\x34\x12";

static struct acpi_info info;

static int parse(uint64_t rsdp)
{
	const char *why = NULL;
	int rc = acpi_parse(&info, rsdp, fake_map, &ctx_token, &why);
	ck_assert(rc == 0 || (rc == -1 && why && *why));
	return rc;
}

/* ACPI 1.0: RSDP rev 0 in the BIOS area -> RSDT -> FADT (116 bytes), MADT. */
START_TEST(acpi1_rsdt)
{
	uint64_t dsdt = dsdt_put(TBL_BASE + 0x3000, aml_s5_55, sizeof(aml_s5_55) - 1);
	uint64_t fadt = fadt_put(TBL_BASE + 0x1003, 116, (uint32_t)dsdt, 0, RESET_SUP);
	madt_begin(TBL_BASE + 0x2001, 0xfee00000, 1);
	lapic(0, 0, 1), lapic(1, 1, 1);
	tb(0x0c01, 2), tb(0x0002, 2), tb(0xfec00000, 4), tb(0, 4); /* I/O APIC: ignored */
	uint64_t madt = tb_end();
	tb_begin(TBL_BASE, "RSDT", 1);
	tb(madt, 4), tb(fadt, 4);
	tb_end();
	rsdp_put(0xf5a10, 0, TBL_BASE, 0);
	put(0xf5a10 + 20, "\x24\0\0\0\x00\x10\x20", 7); /* junk where v2 fields would be */

	ck_assert_uint_eq(acpi_find_rsdp(fake_map, &ctx_token), 0xf5a10);
	ck_assert(parse(0xf5a10) == 0 && info.revision == 0 && !strcmp(info.oem_id, "PKOEM "));
	ck_assert(info.has_madt && info.pcat_compat && info.lapic_phys == 0xfee00000);
	ck_assert(info.cpu_count == 2 && info.cpus[1].apic_id == 1 && info.cpus[1].acpi_uid == 1);
	ck_assert(info.has_fadt && info.smi_cmd == 0xb2 && info.acpi_enable == 0xf1);
	ck_assert(info.pm1a_cnt == 0x604 && info.pm1b_cnt == 0x608);
	ck_assert(info.has_s5 && info.slp_typa == 5 && info.slp_typb == 5);
	/* RESET_REG_SUP is set, but a 1.0 FADT ends before RESET_REG. */
	ck_assert_uint_eq(info.reset_reg.address, 0);
}
END_TEST

/* ACPI 2.0+: RSDP in the EBDA -> XSDT with junk entries, the RSDT ignored. */
START_TEST(acpi2_xsdt)
{
	uint64_t dsdt32 = dsdt_put(TBL_BASE + 0x5000, aml_s5_55, sizeof(aml_s5_55) - 1);
	uint64_t dsdt = dsdt_put(TBL_BASE + 0x6000, aml_s5_word, sizeof(aml_s5_word) - 1);
	uint64_t fadt = fadt_put(TBL_BASE + 0x3000, 276, (uint32_t)dsdt32, dsdt, RESET_SUP);
	madt_begin(TBL_BASE + 0x4000, 0xfee00000, 0);
	x2apic(0x100, 1, 7);
	uint64_t madt = tb_end();
	madt_begin(TBL_BASE + 0x7000, 0xfee00000, 0);
	lapic(0, 9, 1);
	uint64_t madt_rsdt = tb_end();
	tb_begin(TBL_BASE + 0x8000, "HPET", 1);
	uint64_t hpet = tb_end();
	tb_begin(TBL_BASE + 0x1000, "RSDT", 1);
	tb(madt_rsdt, 4);
	uint64_t rsdt = tb_end();
	tb_begin(TBL_BASE + 0x2000, "XSDT", 1);
	tb(0, 8), tb(0xdead00000000ull, 8), tb(hpet, 8), tb(madt, 8), tb(fadt, 8);
	tb_end();
	wr(0x40e, 0x9fc0, 2);
	rsdp_put(0x9fc00 + 0x3f0, 2, (uint32_t)rsdt, TBL_BASE + 0x2000);

	ck_assert_uint_eq(acpi_find_rsdp(fake_map, &ctx_token), 0x9fff0);
	ck_assert(parse(0x9fff0) == 0 && info.revision == 2 && !info.pcat_compat &&
		  info.cpu_count == 1);
	ck_assert(info.cpus[0].apic_id == 0x100 && info.cpus[0].acpi_uid == 7);
	/* from X_DSDT, not the 32-bit DSDT */
	ck_assert(info.has_s5 && info.slp_typa == 7 && info.slp_typb == 0x1234);
	ck_assert(info.reset_reg.space == 1 && info.reset_reg.bit_width == 8);
	ck_assert(info.reset_reg.address == 0xcf9 && info.reset_value == 6);

	/* A broken XSDT falls back to the RSDT. */
	*P(TBL_BASE + 0x2000 + 40) ^= 1;
	ck_assert(parse(0x9fff0) == 0 && info.cpus[0].apic_id == 9 && !info.has_fadt);
	/* ... and with both broken the RSDP leads nowhere. */
	*P(rsdt + 9) ^= 1;
	ck_assert_int_eq(parse(0x9fff0), -1);
}
END_TEST

START_TEST(rsdp_rejected)
{
	ck_assert(acpi_checksum("\x10\x20\xd0", 3) == 0 && acpi_checksum("\x10\x20", 2) == 0x30);
	tb_begin(TBL_BASE, "RSDT", 1);
	tb_end();
	ck_assert_int_eq(parse(0x7000000), -1); /* unmappable */
	ck_assert_int_eq(parse(0xe0000), -1);	/* no signature */
	rsdp_put(0xe0000, 0, TBL_BASE, 0);
	ck_assert_int_eq(parse(0xe0000), 0);
	*P(0xe0000 + 12) ^= 1;
	ck_assert_int_eq(parse(0xe0000), -1); /* 20-byte checksum */
	rsdp_put(0xe0000, 2, TBL_BASE, 0);    /* rev 2 without XSDT: RSDT */
	ck_assert_int_eq(parse(0xe0000), 0);
	*P(0xe0000 + 33) ^= 1;
	ck_assert_int_eq(parse(0xe0000), -1); /* extended checksum */
	rsdp_put(LOW_SIZE - 20, 2, TBL_BASE, 0);
	ck_assert_int_eq(parse(LOW_SIZE - 20), -1); /* 36 bytes not mappable */
	rsdp_put(0xe0000, 0, 0, 0);
	ck_assert_int_eq(parse(0xe0000), -1); /* no root table */
	rsdp_put(0xe0000, 0, TBL_BASE, 0);
	tb_begin(TBL_BASE, "RSDT", 1);
	tb_len = 35;
	tb_end();
	ck_assert_int_eq(parse(0xe0000), -1); /* shorter than a header */
	/* Only half an entry: not followed even though the bytes behind the
	 * table would complete a MADT's address. */
	madt_begin(TBL_BASE + 0x3000, 0xfee00000, 0);
	tb_end();
	tb_begin(TBL_BASE, "RSDT", 1);
	tb(0x3000, 2);
	tb_end();
	wr(TBL_BASE + 38, TBL_BASE >> 16, 2);
	ck_assert(parse(0xe0000) == 0 && !info.has_madt);
}
END_TEST

/* MADT with mixed entry types, disabled and duplicate CPUs. */
_Static_assert(PK_MAX_CPUS >= 3, "madt_mixed expects room for 3 CPUs");

START_TEST(madt_mixed)
{
	madt_begin(TBL_BASE + 0x1000, 0xfee00000, 1);
	lapic(0, 0, 1);
	lapic(1, 2, 0);						  /* disabled */
	lapic(2, 4, 2);						  /* online capable, not enabled */
	lapic(3, 0xff, 1);					  /* broadcast id: placeholder */
	x2apic(0, 1, 0);					  /* same CPU as the first entry */
	x2apic(0xffffffff, 1, 9);				  /* placeholder */
	tb(1, 1), tb(12, 1), tb(0, 10);				  /* I/O APIC */
	tb(0, 1), tb(6, 1), tb(0x00010505, 4);			  /* type 0 too short: skipped */
	tb(5, 1), tb(12, 1), tb(0, 2), tb(0xfed00000ull << 8, 8); /* override */
	x2apic(0x1000, 1, 12);
	lapic(4, 6, 3);
	tb(0x7f, 1), tb(3, 1), tb(0, 1); /* unknown type */
	lapic(5, 6, 1);			 /* duplicate of the last lapic */
	uint64_t madt = tb_end();
	tb_begin(TBL_BASE, "RSDT", 1);
	tb(madt, 4);
	tb_end();
	rsdp_put(0xe0000, 0, TBL_BASE, 0);

	ck_assert(parse(0xe0000) == 0 && info.has_madt && info.pcat_compat && !info.has_fadt &&
		  !info.has_s5);
	ck_assert_uint_eq(info.lapic_phys, 0xfed00000ull << 8);
	ck_assert_uint_eq(info.cpu_count, 3);
	ck_assert(info.cpus[0].apic_id == 0 && info.cpus_ignored == 0);
	ck_assert(info.cpus[1].apic_id == 0x1000 && info.cpus[1].acpi_uid == 12);
	ck_assert(info.cpus[2].apic_id == 6 && info.cpus[2].acpi_uid == 4);
}
END_TEST

/* More enabled CPUs than PK_MAX_CPUS: the rest are counted, not stored. */
START_TEST(madt_cap)
{
	madt_begin(TBL_BASE + 0x10000, 0xfee00000, 0);
	for (uint32_t i = 0; i < PK_MAX_CPUS + 3; i++) {
		if ((i & 1) || i > 0xfe)
			x2apic(1000 + i, 1, i);
		else
			lapic((uint8_t)i, (uint8_t)i, 1);
		if (i == PK_MAX_CPUS)
			x2apic(1000 + 1, 1, 1); /* a stored CPU again: not counted */
	}
	uint64_t madt = tb_end();
	tb_begin(TBL_BASE, "XSDT", 1);
	tb(madt, 8);
	tb_end();
	rsdp_put(0xe0000, 2, 0, TBL_BASE);

	ck_assert(parse(0xe0000) == 0 && info.cpu_count == PK_MAX_CPUS);
	ck_assert_uint_eq(info.cpus_ignored, 3);
	for (uint32_t i = 0; i < PK_MAX_CPUS; i++)
		ck_assert(info.cpus[i].apic_id == (((i & 1) || i > 0xfe) ? 1000 + i : i) &&
			  info.cpus[i].acpi_uid == i);
}
END_TEST

/* Broken MADTs: skipped whole, or read up to the first bad entry. */
START_TEST(madt_broken)
{
	const uint64_t m = TBL_BASE + 0x1000, m2 = TBL_BASE + 0x2000;
	madt_begin(m2, 0xfee00000, 0);
	lapic(0, 42, 1);
	tb_end();
	tb_begin(TBL_BASE, "RSDT", 1);
	tb(m, 4), tb(m2, 4);
	tb(0, 2); /* a partial entry at the end is ignored */
	tb_end();
	rsdp_put(0xe0000, 0, TBL_BASE, 0);

	/* Entries: a zero-length one stops the walk, CPUs before it count. */
	madt_begin(m, 0xfee00000, 0);
	lapic(0, 1, 1), tb(0, 1), tb(0, 1), lapic(1, 2, 1);
	tb_end();
	ck_assert(parse(0xe0000) == 0 && info.cpu_count == 1);
	ck_assert_uint_eq(info.cpus[0].apic_id, 1);
	/* An entry running past the table end. */
	*P(m + 44 + 9) = 16;
	sdt_fix(m);
	ck_assert(parse(0xe0000) == 0 && info.cpu_count == 1);
	/* Length 1: stop (stepping by 1 would find a CPU 7), and a lone
	 * trailing byte. */
	madt_begin(m, 0xfee00000, 0);
	lapic(0, 1, 1), tb(0, 1), tb(1, 1), tb(3, 1), tb(0, 1), lapic(5, 7, 1);
	tb_end();
	ck_assert(parse(0xe0000) == 0 && info.cpu_count == 1);
	madt_begin(m, 0xfee00000, 0);
	lapic(0, 1, 1), tb(0, 1);
	tb_end();
	ck_assert(parse(0xe0000) == 0 && info.cpu_count == 1);

	/* The first MADT unusable: the second one is taken. */
	*P(m + 20) ^= 0x55; /* bad checksum */
	ck_assert(parse(0xe0000) == 0 && info.has_madt);
	ck_assert_uint_eq(info.cpus[0].apic_id, 42);
	const uint32_t bad_len[] = {0, 35, 0x00fffff0, 0xffffffff};
	for (size_t i = 0; i < sizeof(bad_len) / sizeof(bad_len[0]); i++) {
		madt_begin(m, 0xfee00000, 0);
		tb_end();
		wr(m + 4, bad_len[i], 4);
		if (bad_len[i] < 64)
			sdt_fix(m);
		ck_assert_int_eq(parse(0xe0000), 0);
		ck_assert_uint_eq(info.cpus[0].apic_id, 42);
	}
	/* Shorter than the MADT's own fields: no MADT at all. */
	*P(m2 + 9) ^= 1;
	madt_begin(m, 0xfee00000, 1);
	tb_len = 40;
	tb_end();
	ck_assert(parse(0xe0000) == 0 && !info.has_madt && !info.pcat_compat &&
		  info.cpu_count == 0);
}
END_TEST

START_TEST(fadt_variants)
{
	const uint64_t f = TBL_BASE + 0x1000;
	uint64_t dsdt = dsdt_put(TBL_BASE + 0x2000, aml_s5_55, sizeof(aml_s5_55) - 1);
	tb_begin(TBL_BASE, "RSDT", 1);
	tb(f, 4);
	tb_end();
	rsdp_put(0xe0000, 0, TBL_BASE, 0);

	/* No RESET_REG_SUP: no reset register. X_DSDT 0: the 32-bit DSDT. */
	fadt_put(f, 276, (uint32_t)dsdt, 0, 0);
	ck_assert(parse(0xe0000) == 0 && info.has_fadt && info.has_s5 &&
		  info.reset_reg.address == 0);
	/* X_DSDT unmappable: the 32-bit pointer still works. */
	fadt_put(f, 276, (uint32_t)dsdt, 0x40000000000ull, 0);
	ck_assert(parse(0xe0000) == 0 && info.has_s5 && info.slp_typa == 5);
	/* A DSDT with a bad checksum is not read. */
	*P(dsdt + 40) ^= 1;
	ck_assert(parse(0xe0000) == 0 && info.has_fadt && !info.has_s5);
	/* Exactly long enough for RESET_VALUE (ACPI 2.0 FADT: 129 bytes). */
	fadt_put(f, 129, 0, 0, RESET_SUP);
	ck_assert(parse(0xe0000) == 0 && info.reset_value == 6 && info.reset_reg.address == 0xcf9);
	fadt_put(f, 128, 0, 0, RESET_SUP);
	ck_assert(parse(0xe0000) == 0 && info.reset_value == 0 && info.reset_reg.address == 0);
	/* Truncated: a field cut by the end is absent (ASan: never read). */
	fadt_put(f, 51, 0, 0, 0);
	ck_assert(parse(0xe0000) == 0 && info.has_fadt && info.smi_cmd == 0);
	/* Truncated to 53 bytes: SMI_CMD and ACPI_ENABLE present, PM1 absent. */
	fadt_put(f, 53, 0, 0, 0);
	ck_assert(parse(0xe0000) == 0 && info.has_fadt && info.smi_cmd == 0xb2 &&
		  info.acpi_enable == 0xf1);
	ck_assert(info.pm1a_cnt == 0 && info.pm1b_cnt == 0);
	/* Only X_PM1a_CNT_BLK given (an I/O GAS): used. A memory one: not. */
	fadt_put(f, 276, 0, 0, 0);
	wr(f + 64, 0, 4);
	put(f + 172, "\x01\x10\x00\x02\x04\xb0", 6);
	put(f + 184, "\x00\x10\x00\x02\x04\xb0", 6);
	wr(f + 68, 0, 4);
	sdt_fix(f);
	ck_assert(parse(0xe0000) == 0 && info.pm1a_cnt == 0xb004 && info.pm1b_cnt == 0);
	/* A length running past the end of memory: no FADT. */
	fadt_put(f, 276, 0, 0, 0);
	wr(f + 4, (uint32_t)(TBL_SIZE - 0x1000 + 1), 4);
	ck_assert(parse(0xe0000) == 0 && !info.has_fadt);
}
END_TEST

/* acpi_parse_s5 on an exactly-sized heap copy, so ASan sees over-reads. */
static void s5_expect(const void *aml, size_t n, bool ok, uint16_t ta, uint16_t tb_, int line)
{
	uint8_t *c = malloc(n ? n : 1);
	uint16_t a = 0xeeee, b = 0xeeee;
	ck_assert_ptr_nonnull(c);
	memcpy(c, aml, n);
	bool got = acpi_parse_s5(c, n, &a, &b);
	free(c);
	ck_assert_msg(got == ok, "line %d: acpi_parse_s5 returned %d", line, got);
	ck_assert_msg(!ok || (a == ta && b == tb_), "line %d: got %#x %#x", line, a, b);
}
#define S5_OK(lit, a, b) s5_expect(lit, sizeof(lit) - 1, true, a, b, __LINE__)
#define S5_BAD(lit) s5_expect(lit, sizeof(lit) - 1, false, 0, 0, __LINE__)

START_TEST(s5_encodings)
{
	/* Captured from QEMU 7.2 q35's DSDT (OVMF and SeaBIOS): _S4 then
	 * Name (_S5, Package (4) { Zero, Zero, Zero, Zero }), then \_SB. */
	S5_OK("\x08_S4_\x12\x08\x04\x0a\x02\x0a\x02\x00\x00"
	      "\x08_S5_\x12\x06\x04\x00\x00\x00\x00\x10\x3b\x5c\x2e_SB_",
	      0, 0);
	S5_OK(aml_s5_55, 5, 5);
	S5_OK(aml_s5_word, 7, 0x1234);
	/* One integer: SLP_TYPa low byte, SLP_TYPb high byte. */
	S5_OK("\x08_S5_\x12\x05\x01\x0b\x07\x05", 7, 5);
	S5_OK("\x08_S5_\x12\x04\x02\x01\x01", 1, 1);
	S5_OK("\x08_S5_\x12\x0c\x02\x0c\x07\x00\x00\x00\x0c\x00\x01\x00\x00", 7, 0x100);
	/* "_S5_" in a string and after a non-NameOp first: passed over. */
	S5_OK("\x0d_S5_\x12\x00\x10_S5_\x12\x04\x02\x00\x00\x08_S5_\x12\x05\x02\x0a\x03\x01", 3, 1);
	/* NameOp _S5_ with a broken package, then a good one: the good one. */
	S5_OK("\x08_S5_\x12\x04\x02\x0d\x00\x08_S5_\x12\x04\x02\x00\x01", 0, 1);
}
END_TEST

/* Build NameOp _S5_ PackageOp with an enc-byte PkgLength, two Word
 * elements and pad trailing ZeroOps (ACPI 6.5 sec. 20.2.4). */
static size_t s5_pkg(uint8_t *out, unsigned enc, uint32_t pad)
{
	uint32_t plen = enc + 1 + 6 + pad;
	size_t n = 6;
	memcpy(out, "\x08_S5_\x12", 6);
	out[n++] = (uint8_t)(enc == 1 ? plen : (enc - 1) << 6 | (plen & 0xf));
	for (unsigned i = 1; i < enc; i++)
		out[n++] = (uint8_t)(plen >> (4 + 8 * (i - 1)));
	out[n++] = (uint8_t)(2 + pad);
	memcpy(out + n, "\x0b\x05\x00\x0b\x06\x00", 6);
	memset(out + n + 6, 0, pad);
	return n + 6 + pad;
}

START_TEST(s5_pkglength)
{
	static uint8_t buf[0x20000];
	size_t n;

	/* 1-4 byte encodings; a 4-byte one also where fewer would do (legal) */
	const uint32_t ok[][2] = {{1, 50},	{2, 100}, {2, 0xf00},  {3, 5000},
				  {3, 0x10000}, {4, 3},	  {4, 0x12345}};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		n = s5_pkg(buf, ok[i][0], ok[i][1]);
		ck_assert_uint_eq(buf[6] >> 6, ok[i][0] - 1);
		s5_expect(buf, n, true, 5, 6, __LINE__);
		/* the exact length matters: one byte less runs past the AML */
		s5_expect(buf, n - 1, false, 0, 0, __LINE__);
	}
	n = s5_pkg(buf, 2, 100);
	buf[6] |= 0x10; /* bits 5-4 of a multi-byte lead byte must be zero */
	s5_expect(buf, n, false, 0, 0, __LINE__);
	n = s5_pkg(buf, 3, 5000);
	s5_expect(buf, 8, false, 0, 0, __LINE__); /* AML ends inside the PkgLength */
}
END_TEST

START_TEST(s5_malformed)
{
	/* PkgLength says 3: the BytePrefix value lies outside it */
	S5_BAD("\x08_S5_\x12\x03\x02\x0a\x05\x0a\x05");
	S5_BAD("\x08_S5_\x12\x04\x00\x00\x00\x00\x00");		/* zero elements */
	S5_BAD("\x08_S5_\x12\x01\x02\x00\x00\x00\x00");		/* no NumElements */
	S5_BAD("\x08_S5_\x12\x06\x02\x0d\x41\x00\x00");		/* string element */
	S5_BAD("\x08_S5_\x12\x04\x02\x00\x0a\x00\x00");		/* 2nd cut short */
	S5_BAD("\x08_S5_\x12\x08\x02\x0c\x00\x00\x01\x00\x00"); /* > 16 bits */
	S5_BAD("\x08_S5_\x14\x06\x02\x00\x00\x00\x00");		/* MethodOp */
	S5_BAD("\x10_S5_\x12\x04\x02\x00\x00\x00\x00");		/* not a NameOp */
	S5_BAD("\x08_S4_\x12\x04\x02\x00\x00\x00\x00");
	S5_BAD("\x08_S5_\x12\x44\x02\x00\x00\x00\x00"); /* past the end */
	S5_BAD("_S5_\x12\x04\x02\x00\x00");		/* name at offset 0: no NameOp */
	/* Every prefix of a good encoding is rejected, without over-reading. */
	for (size_t n = 0; n < sizeof(aml_s5_55) - 1; n++)
		s5_expect(aml_s5_55, n, false, 0, 0, __LINE__);
}
END_TEST

START_TEST(find_rsdp)
{
	ck_assert_uint_eq(acpi_find_rsdp(fake_map, &ctx_token), 0);
	rsdp_put(0xe0008, 0, 0x1000, 0); /* not 16-byte aligned */
	ck_assert_uint_eq(acpi_find_rsdp(fake_map, &ctx_token), 0);
	rsdp_put(0xfffe0, 0, 0x1000, 0); /* (0xffff0 would run past fake RAM) */
	ck_assert_uint_eq(acpi_find_rsdp(fake_map, &ctx_token), 0xfffe0);
	rsdp_put(0xe0100, 2, 0x1000, 0x2000);
	*P(0xe0100 + 32) ^= 1; /* extended checksum: skipped */
	ck_assert_uint_eq(acpi_find_rsdp(fake_map, &ctx_token), 0xfffe0);
	rsdp_put(0xe0200, 0, 0x1000, 0);
	*P(0xe0200 + 8) ^= 1; /* checksum: skipped */
	rsdp_put(0xe0300, 2, 0x1000, 0x2000);
	ck_assert_uint_eq(acpi_find_rsdp(fake_map, &ctx_token), 0xe0300);

	/* The EBDA comes first, but only its first KiB. */
	wr(0x40e, 0x9000, 2);
	rsdp_put(0x90400, 0, 0x1000, 0);
	ck_assert_uint_eq(acpi_find_rsdp(fake_map, &ctx_token), 0xe0300);
	rsdp_put(0x903f0, 0, 0x1000, 0);
	ck_assert_uint_eq(acpi_find_rsdp(fake_map, &ctx_token), 0x903f0);
	rsdp_put(0x90000, 0, 0x1000, 0);
	ck_assert_uint_eq(acpi_find_rsdp(fake_map, &ctx_token), 0x90000);
	/* An EBDA pointer into the IVT/BDA is garbage, not an EBDA. */
	wr(0x40e, 0x0010, 2);
	rsdp_put(0x100, 0, 0x1000, 0);
	ck_assert_uint_eq(acpi_find_rsdp(fake_map, &ctx_token), 0xe0300);
}
END_TEST

/* QEMU 7.2 -machine q35 -smp 2 -m 128M, read with the monitor's pmemsave.
 * The MADT is the same under both firmwares; the DSDTs are stand-ins. */
static const char cap_madt[] =
	"41504943800000000177424f4348532042585043202020200100000042585043010000000000e0fe01000000"
	"00080000010000000008010101000000010c00000000c0fe00000000020a0000020000000000020a00050500"
	"00000d00020a0009090000000d00020a000a0a0000000d00020a000b0b0000000d000406ff000001";
static const char cap_fadt_tail[] = /* bytes 44-243 of both FADTs */
	"01000900b2000000020300000006000000000000040600000000000000000000080600002006000000000000"
	"0402000410000000ff0fff0f000000000000000032020000a584000001080000f90c0000000000000f000000"
	"0000000000000000%s0000000001200000000600000000000000000000000000000000000001100000"
	"0406000000000000000000000000000000000000000000000000000000000000012000000806000000000000"
	"018000002006000000000000000000000000000000000000";

static void captured_fadt(uint64_t phys, const char *head, const char *x_dsdt)
{
	char tail[sizeof(cap_fadt_tail) + 16];
	snprintf(tail, sizeof(tail), cap_fadt_tail, x_dsdt);
	put_hex(phys, head);
	put_hex(phys + 44, tail);
	ck_assert_uint_eq(acpi_checksum(P(phys), 244), 0);
}

static void captured_check(uint64_t rsdp, uint8_t rev)
{
	dsdt_put(rev ? 0x7779000 : 0x7fe0040, "\x08_S5_\x12\x06\x04\x00\x00\x00\x00", 12);
	ck_assert_int_eq(parse(rsdp), 0);
	ck_assert_str_eq(info.oem_id, "BOCHS ");
	ck_assert(info.revision == rev && info.has_madt && info.pcat_compat);
	ck_assert(info.lapic_phys == 0xfee00000 && info.cpu_count == 2);
	ck_assert(info.cpus[0].apic_id == 0 && info.cpus[1].apic_id == 1);
	ck_assert(info.cpus[1].acpi_uid == 1 && info.cpus_ignored == 0);
	ck_assert(info.has_fadt && info.has_s5 && info.slp_typa == 0 && info.slp_typb == 0);
	ck_assert(info.smi_cmd == 0xb2 && info.acpi_enable == 2);
	ck_assert(info.pm1a_cnt == 0x604 && info.pm1b_cnt == 0);
	ck_assert(info.reset_reg.space == 1 && info.reset_reg.bit_width == 8);
	ck_assert(info.reset_reg.address == 0xcf9 && info.reset_value == 0xf);
}

START_TEST(captured)
{
	put_hex(0xf59e0, "525344205054522094424f43485320009722fe07");
	wr(0x40e, 0x9fc0, 2);
	put_hex(0x7fe2297, "525344543800000001c1424f4348532042585043202020200100000042585043"
			   "010000008720fe077b21fe07fb21fe073322fe076f22fe07");
	captured_fadt(0x7fe2087,
		      "46414350f40000000328424f4348532042585043202020200100000042585043"
		      "010000000000fe074000fe07",
		      "4000fe07");
	put_hex(0x7fe217b, cap_madt);
	ck_assert_uint_eq(acpi_find_rsdp(fake_map, &ctx_token), 0xf59e0);
	captured_check(0xf59e0, 0);
	/* OVMF: ACPI 2.0 RSDP (found through the EFI system table) and XSDT */
	put_hex(0x777d014, "52534420505452209e424f434853200274c0770724000000e8c0770700000000"
			   "b6000000");
	put_hex(0x777c0e8, "585344544c0000000149424f4348532042585043202020200100000020202020"
			   "13000001008077070000000000707707000000000060770700000000005077070000"
			   "000000407707000000000000");
	captured_fadt(0x7778000,
		      "46414350f40000000357424f4348532042585043202020200100000042585043"
		      "0100000000c07d0700907707",
		      "00907707");
	put_hex(0x7777000, cap_madt);
	captured_check(0x777d014, 2);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("acpi");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	const TTest *all[] = {acpi1_rsdt,   acpi2_xsdt,	  rsdp_rejected, madt_mixed,
			      madt_cap,	    madt_broken,  fadt_variants, s5_encodings,
			      s5_pkglength, s5_malformed, find_rsdp,	 captured};
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		tcase_add_test(tc, all[i]);
	suite_add_tcase(s, tc);
	return check_run(s);
}
