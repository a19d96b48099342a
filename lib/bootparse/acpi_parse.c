/* SPDX-License-Identifier: MIT */
/*
 * lib/bootparse/acpi_parse.c - walk RSDP -> RSDT/XSDT -> MADT, FADT -> DSDT.
 *
 * Firmware tables are treated as hostile input: every byte is read through
 * map() with the exact length about to be used, multi-byte fields are
 * assembled byte by byte (tables are packed and often at odd addresses:
 * SeaBIOS puts QEMU's RSDT at ...297h), and every length or count is checked
 * against its container first. A broken table is skipped and the rest of
 * the tables still count; only an unusable RSDP (or a root table that
 * cannot be read at all) makes acpi_parse fail.
 *
 * Section numbers are those of the ACPI 6.5 specification.
 */
#include "acpi_parse.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/kstring/kstring.h"

/* 5.2.5.3: RSDP layout. 20 bytes in ACPI 1.0, 36 from revision 2 on. */
#define RSDP_SIG "RSD PTR "
#define RSDP_OEMID 9
#define RSDP_REVISION 15
#define RSDP_RSDT 16
#define RSDP_XSDT 24
#define RSDP_V1_SIZE 20
#define RSDP_V2_SIZE 36

/* 5.2.5.1: where IA-PC firmware may put the RSDP, on 16-byte boundaries. */
#define BDA_EBDA_SEG 0x40e /* BIOS data area word: EBDA segment */
#define EBDA_SCAN_LEN 1024
#define BIOS_ROM_START 0xe0000
#define BIOS_ROM_END 0x100000
#define RSDP_ALIGN 16
/* An EBDA segment pointing into the IVT/BDA or above conventional memory
 * (640 KiB) is garbage, not an EBDA (ACPICA applies the same test). */
#define EBDA_MIN 0x400
#define EBDA_MAX 0xa0000

/* 5.2.6: system description table header. */
#define SDT_SIG 0
#define SDT_LENGTH 4
#define SDT_HDR_SIZE 36

/* 5.2.7 / 5.2.8: RSDT and XSDT entries follow the header. */
#define RSDT_ENTRY 4
#define XSDT_ENTRY 8

/* 5.2.12: MADT fields and the interrupt controller structures we use. */
#define MADT_LAPIC_ADDR 36
#define MADT_FLAGS 40
#define MADT_ENTRIES 44
#define MADT_PCAT_COMPAT (1u << 0)
#define MADT_LAPIC 0	      /* 5.2.12.2: type, len=8, uid, apic id, flags */
#define MADT_LAPIC_OVERRIDE 5 /* 5.2.12.8: type, len=12, rsvd, u64 address */
#define MADT_X2APIC 9	      /* 5.2.12.12: type, len=16, rsvd, id, flags, uid */
#define MADT_LAPIC_LEN 8
#define MADT_OVERRIDE_LEN 12
#define MADT_X2APIC_LEN 16
#define MADT_CPU_ENABLED (1u << 0) /* 5.2.12.2, Local APIC Flags */
/* All-ones ids are the broadcast destination and cannot name one CPU;
 * firmware uses them for placeholder entries. */
#define XAPIC_ID_INVALID 0xffu
#define X2APIC_ID_INVALID 0xffffffffu

/* 5.2.9, table "FADT Format": byte offsets of the fields we use. */
#define FADT_DSDT 40
#define FADT_SMI_CMD 48
#define FADT_ACPI_ENABLE 52
#define FADT_PM1A_CNT 64
#define FADT_PM1B_CNT 68
#define FADT_FLAGS 112
#define FADT_RESET_REG 116 /* Generic Address Structure, 12 bytes */
#define FADT_RESET_VALUE 128
#define FADT_X_DSDT 140
#define FADT_X_PM1A_CNT 172	      /* GAS */
#define FADT_X_PM1B_CNT 184	      /* GAS */
#define FADT_RESET_REG_SUP (1u << 10) /* 5.2.9, FADT Fixed Feature Flags */

/* 5.2.3.2: Generic Address Structure. */
#define GAS_SPACE 0
#define GAS_BIT_WIDTH 1
#define GAS_ADDRESS 4
#define GAS_SIZE 12
#define GAS_SPACE_IO 1

/* 20.2: AML encodings needed to read Name (_S5, Package () {...}). */
#define AML_NAME_OP 0x08    /* 20.2.5.1 DefName */
#define AML_ROOT_CHAR 0x5c  /* 20.2.2 RootChar '\' */
#define AML_PACKAGE_OP 0x12 /* 20.2.5.4 DefPackage */
#define AML_ZERO_OP 0x00    /* 20.2.3 data objects */
#define AML_ONE_OP 0x01
#define AML_BYTE_PREFIX 0x0a
#define AML_WORD_PREFIX 0x0b
#define AML_DWORD_PREFIX 0x0c

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (uint16_t)p[1] << 8);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
	return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

uint8_t acpi_checksum(const void *p, uint64_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	for (uint64_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + b[i]);
	return sum;
}

/* The RSDP at phys if it is one: signature, the ACPI 1.0 checksum over 20
 * bytes and, for revision >= 2, the extended checksum over 36 (5.2.5.3).
 * Returns the mapped structure (RSDP_V2_SIZE long when revision >= 2). */
static const uint8_t *rsdp_check(uint64_t phys, pk_phys_map_fn map, void *ctx, const char **why)
{
	const uint8_t *r = map(phys, RSDP_V1_SIZE, ctx);

	if (!r) {
		*why = "RSDP not mappable";
		return NULL;
	}
	if (memcmp(r, RSDP_SIG, 8) != 0) {
		*why = "no \"RSD PTR \" signature";
		return NULL;
	}
	if (acpi_checksum(r, RSDP_V1_SIZE) != 0) {
		*why = "bad RSDP checksum";
		return NULL;
	}
	if (r[RSDP_REVISION] < 2)
		return r;
	r = map(phys, RSDP_V2_SIZE, ctx);
	if (!r) {
		*why = "ACPI 2.0 RSDP not mappable";
		return NULL;
	}
	if (acpi_checksum(r, RSDP_V2_SIZE) != 0) {
		*why = "bad RSDP extended checksum";
		return NULL;
	}
	return r;
}

/* Candidates start on 16-byte boundaries inside [start, end); each one is
 * mapped on its own, so one at the very end may extend past the window. */
static uint64_t rsdp_scan(uint64_t start, uint64_t end, pk_phys_map_fn map, void *ctx)
{
	const char *why;

	for (uint64_t a = start; a < end; a += RSDP_ALIGN) {
		if (rsdp_check(a, map, ctx, &why))
			return a;
	}
	return 0;
}

uint64_t acpi_find_rsdp(pk_phys_map_fn map, void *ctx)
{
	const uint8_t *bda = map(BDA_EBDA_SEG, 2, ctx);
	uint64_t rsdp = 0;

	if (bda) {
		uint64_t ebda = (uint64_t)rd16(bda) << 4;

		if (ebda > EBDA_MIN && ebda < EBDA_MAX)
			rsdp = rsdp_scan(ebda, ebda + EBDA_SCAN_LEN, map, ctx);
	}
	if (!rsdp)
		rsdp = rsdp_scan(BIOS_ROM_START, BIOS_ROM_END, map, ctx);
	return rsdp;
}

/* Map the whole table at phys if its header is readable, its length covers
 * at least the header and is mappable, its signature is sig (NULL: any) and
 * its checksum is good. *len receives the checked length. */
static const uint8_t *table_map(uint64_t phys, const char *sig, pk_phys_map_fn map, void *ctx,
				uint32_t *len)
{
	if (!phys)
		return NULL;
	const uint8_t *t = map(phys, SDT_HDR_SIZE, ctx);
	if (!t || (sig && memcmp(t + SDT_SIG, sig, 4) != 0))
		return NULL;
	uint32_t n = rd32(t + SDT_LENGTH);
	if (n < SDT_HDR_SIZE)
		return NULL;
	t = map(phys, n, ctx);
	if (!t || acpi_checksum(t, n) != 0)
		return NULL;
	*len = n;
	return t;
}

static bool cpu_known(const struct acpi_info *out, uint32_t apic_id)
{
	for (uint32_t i = 0; i < out->cpu_count; i++) {
		if (out->cpus[i].apic_id == apic_id)
			return true;
	}
	return false;
}

/* Record one enabled CPU. Firmware may describe a CPU both as a type-0 and
 * a type-9 entry; the first one wins. Beyond PK_MAX_CPUS only a count is
 * kept, so duplicates among those extra entries cannot be told apart. */
static void cpu_add(struct acpi_info *out, uint32_t apic_id, uint32_t uid, uint32_t flags)
{
	if (!(flags & MADT_CPU_ENABLED) || cpu_known(out, apic_id))
		return;
	if (out->cpu_count >= PK_MAX_CPUS) {
		out->cpus_ignored++;
		return;
	}
	out->cpus[out->cpu_count].apic_id = apic_id;
	out->cpus[out->cpu_count].acpi_uid = uid;
	out->cpu_count++;
}

static void madt_parse(struct acpi_info *out, const uint8_t *t, uint32_t len)
{
	if (len < MADT_ENTRIES)
		return;
	out->has_madt = true;
	out->lapic_phys = rd32(t + MADT_LAPIC_ADDR);
	out->pcat_compat = (rd32(t + MADT_FLAGS) & MADT_PCAT_COMPAT) != 0;

	/* Each structure starts with type and length (5.2.12, table
	 * "Interrupt Controller Structure Types"). A length below 2 cannot
	 * advance and one past the table end means the rest is garbage: stop
	 * there and keep what was read so far. */
	for (uint32_t off = MADT_ENTRIES; len - off >= 2;) {
		const uint8_t *e = t + off;
		uint8_t type = e[0], elen = e[1];

		if (elen < 2 || elen > len - off)
			break;
		if (type == MADT_LAPIC && elen >= MADT_LAPIC_LEN) {
			if (e[3] != XAPIC_ID_INVALID)
				cpu_add(out, e[3], e[2], rd32(e + 4));
		} else if (type == MADT_X2APIC && elen >= MADT_X2APIC_LEN) {
			if (rd32(e + 4) != X2APIC_ID_INVALID)
				cpu_add(out, rd32(e + 4), rd32(e + 12), rd32(e + 8));
		} else if (type == MADT_LAPIC_OVERRIDE && elen >= MADT_OVERRIDE_LEN) {
			out->lapic_phys = rd64(e + 4);
		}
		off += elen;
	}
}

/* Whether the FADT holds all of [off, off + size). The table grew over the
 * revisions (1.0: 116 bytes, 6.5: 276) and firmware truncates it, so each
 * field's presence is decided by the length alone; absent fields read 0. */
static bool fadt_has(uint32_t len, uint32_t off, uint32_t size)
{
	return off + size <= len;
}

static uint32_t fadt32(const uint8_t *t, uint32_t len, uint32_t off)
{
	return fadt_has(len, off, 4) ? rd32(t + off) : 0;
}

/* The 32-bit PM1x_CNT_BLK port, or the X_ GAS when only that is filled in
 * and names an I/O port (acpi_poweroff writes ports only). */
static uint32_t fadt_pm1_cnt(const uint8_t *t, uint32_t len, uint32_t off, uint32_t xoff)
{
	uint32_t port = fadt32(t, len, off);

	if (port || !fadt_has(len, xoff, GAS_SIZE) || t[xoff + GAS_SPACE] != GAS_SPACE_IO)
		return port;
	uint64_t x = rd64(t + xoff + GAS_ADDRESS);
	return x <= 0xffff ? (uint32_t)x : 0;
}

static void dsdt_parse(struct acpi_info *out, uint64_t phys, pk_phys_map_fn map, void *ctx)
{
	uint32_t len;
	const uint8_t *d = table_map(phys, "DSDT", map, ctx, &len);

	if (d)
		out->has_s5 = acpi_parse_s5(d + SDT_HDR_SIZE, len - SDT_HDR_SIZE, &out->slp_typa,
					    &out->slp_typb);
}

static void fadt_parse(struct acpi_info *out, const uint8_t *t, uint32_t len, pk_phys_map_fn map,
		       void *ctx)
{
	out->has_fadt = true;
	out->smi_cmd = fadt32(t, len, FADT_SMI_CMD);
	out->acpi_enable = fadt_has(len, FADT_ACPI_ENABLE, 1) ? t[FADT_ACPI_ENABLE] : 0;
	out->pm1a_cnt = fadt_pm1_cnt(t, len, FADT_PM1A_CNT, FADT_X_PM1A_CNT);
	out->pm1b_cnt = fadt_pm1_cnt(t, len, FADT_PM1B_CNT, FADT_X_PM1B_CNT);

	if ((fadt32(t, len, FADT_FLAGS) & FADT_RESET_REG_SUP) &&
	    fadt_has(len, FADT_RESET_VALUE, 1)) {
		const uint8_t *g = t + FADT_RESET_REG;

		out->reset_reg.space = g[GAS_SPACE];
		out->reset_reg.bit_width = g[GAS_BIT_WIDTH];
		out->reset_reg.address = rd64(g + GAS_ADDRESS);
		out->reset_value = t[FADT_RESET_VALUE];
	}

	/* 5.2.9: X_DSDT supersedes DSDT when non-zero. Fall back to the
	 * 32-bit pointer if the 64-bit one yields no usable \_S5. */
	uint64_t x_dsdt = fadt_has(len, FADT_X_DSDT, 8) ? rd64(t + FADT_X_DSDT) : 0;
	uint32_t dsdt = fadt32(t, len, FADT_DSDT);
	if (x_dsdt)
		dsdt_parse(out, x_dsdt, map, ctx);
	if (!out->has_s5 && dsdt && dsdt != x_dsdt)
		dsdt_parse(out, dsdt, map, ctx);
}

/* Look at one RSDT/XSDT entry; the first good MADT and FADT are used. */
static void table_visit(struct acpi_info *out, uint64_t phys, pk_phys_map_fn map, void *ctx)
{
	const uint8_t *h = phys ? map(phys, SDT_HDR_SIZE, ctx) : NULL;
	const uint8_t *t;
	uint32_t len;

	if (!h)
		return;
	/* 5.2.12 and 5.2.9: the MADT's signature is "APIC", the FADT's "FACP". */
	if (!out->has_madt && memcmp(h, "APIC", 4) == 0) {
		t = table_map(phys, "APIC", map, ctx, &len);
		if (t)
			madt_parse(out, t, len);
	} else if (!out->has_fadt && memcmp(h, "FACP", 4) == 0) {
		t = table_map(phys, "FACP", map, ctx, &len);
		if (t)
			fadt_parse(out, t, len, map, ctx);
	}
}

/* Walk a root table (RSDT: 32-bit entries, XSDT: 64-bit). False when the
 * table itself is unusable. Entries need not be aligned (the XSDT's first
 * one sits at offset 36). */
static bool root_walk(struct acpi_info *out, uint64_t phys, const char *sig, uint32_t esize,
		      pk_phys_map_fn map, void *ctx)
{
	uint32_t len;
	const uint8_t *t = table_map(phys, sig, map, ctx, &len);

	if (!t)
		return false;
	/* A length that is not header + whole entries leaves a partial
	 * entry at the end: ignored. Visiting an entry calls map() again,
	 * which may reuse its window, so each entry is mapped afresh rather
	 * than read through t. */
	uint32_t n = (len - SDT_HDR_SIZE) / esize;
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *e = map(phys + SDT_HDR_SIZE + (uint64_t)i * esize, esize, ctx);

		if (e)
			table_visit(out, esize == XSDT_ENTRY ? rd64(e) : rd32(e), map, ctx);
	}
	return true;
}

int acpi_parse(struct acpi_info *out, uint64_t rsdp_phys, pk_phys_map_fn map, void *ctx,
	       const char **why)
{
	memset(out, 0, sizeof(*out));
	const uint8_t *r = rsdp_check(rsdp_phys, map, ctx, why);
	if (!r)
		return -1;

	memcpy(out->oem_id, r + RSDP_OEMID, 6);
	out->oem_id[6] = '\0';
	out->revision = r[RSDP_REVISION];
	uint32_t rsdt = rd32(r + RSDP_RSDT);
	uint64_t xsdt = out->revision >= 2 ? rd64(r + RSDP_XSDT) : 0;

	/* 5.2.5.3: ACPI 2.0+ firmware should be read through the XSDT; the
	 * RSDT is the fallback when the XSDT is absent or broken. */
	if (xsdt && root_walk(out, xsdt, "XSDT", XSDT_ENTRY, map, ctx))
		return 0;
	if (rsdt && root_walk(out, rsdt, "RSDT", RSDT_ENTRY, map, ctx))
		return 0;
	*why = xsdt ? "neither XSDT nor RSDT is usable" : "RSDT not usable";
	return -1;
}

/* 20.2.4: PkgLength. Bits 7-6 of the lead byte count the bytes that follow
 * (0-3). With none, bits 5-0 are the length; otherwise bits 3-0 are its low
 * nibble, bits 5-4 must be zero, and each following byte adds 8 bits. The
 * length counts the PkgLength bytes themselves. Returns the number of
 * encoding bytes, or 0 if malformed or truncated. */
static uint32_t aml_pkglen(const uint8_t *p, uint64_t avail, uint32_t *len)
{
	if (avail < 1)
		return 0;
	uint32_t follow = p[0] >> 6;
	if (follow == 0) {
		*len = p[0] & 0x3f;
		return 1;
	}
	if ((p[0] & 0x30) || avail < 1 + follow)
		return 0;
	uint32_t v = p[0] & 0x0f;
	for (uint32_t i = 0; i < follow; i++)
		v |= (uint32_t)p[1 + i] << (4 + 8 * i);
	*len = v;
	return 1 + follow;
}

/* 20.2.3: one integer package element. Returns bytes consumed, 0 if the
 * element is something else or does not fit in avail. */
static uint32_t aml_int(const uint8_t *p, uint64_t avail, uint16_t *v)
{
	if (avail < 1)
		return 0;
	switch (p[0]) {
	case AML_ZERO_OP:
		*v = 0;
		return 1;
	case AML_ONE_OP:
		*v = 1;
		return 1;
	case AML_BYTE_PREFIX:
		if (avail < 2)
			return 0;
		*v = p[1];
		return 2;
	case AML_WORD_PREFIX:
		if (avail < 3)
			return 0;
		*v = rd16(p + 1);
		return 3;
	case AML_DWORD_PREFIX:
		/* SLP_TYP is 3 bits; a DWord is legal AML, but only
		 * meaningful when it fits the 16 bits we return. */
		if (avail < 5 || rd32(p + 1) > 0xffff)
			return 0;
		*v = (uint16_t)rd32(p + 1);
		return 5;
	default:
		return 0;
	}
}

/* Decode DefPackage at p (PackageOp already checked), bounded by avail. */
static bool s5_package(const uint8_t *p, uint64_t avail, uint16_t *typa, uint16_t *typb)
{
	uint32_t plen, n = aml_pkglen(p, avail, &plen);

	/* The package must hold its PkgLength, NumElements and lie within
	 * the AML; from here on only its own bytes are read. */
	if (!n || plen < n + 1 || plen > avail)
		return false;
	uint32_t count = p[n];
	uint32_t off = n + 1, used;
	uint16_t a, b;

	if (count == 0 || !(used = aml_int(p + off, plen - off, &a)))
		return false;
	off += used;
	if (count == 1) {
		/* One integer carries both: SLP_TYPa in the low byte, SLP_TYPb
		 * in the high byte (what ACPICA accepts from old firmware). */
		*typa = a & 0xff;
		*typb = a >> 8;
		return true;
	}
	if (!aml_int(p + off, plen - off, &b))
		return false;
	*typa = a;
	*typb = b;
	return true;
}

bool acpi_parse_s5(const uint8_t *aml, uint64_t len, uint16_t *typa, uint16_t *typb)
{
	static const uint8_t name[4] = {'_', 'S', '5', '_'};

	/* Look for NameOp [RootChar] "_S5_" PackageOp; the name bytes can
	 * occur elsewhere (strings, other opcodes), so a match that does not
	 * decode is passed over and the search goes on. */
	for (uint64_t i = 1; i + 5 <= len; i++) {
		if (memcmp(aml + i, name, 4) != 0 || aml[i + 4] != AML_PACKAGE_OP)
			continue;
		bool named = aml[i - 1] == AML_NAME_OP ||
			     (aml[i - 1] == AML_ROOT_CHAR && i >= 2 && aml[i - 2] == AML_NAME_OP);
		if (named && s5_package(aml + i + 5, len - i - 5, typa, typb))
			return true;
	}
	return false;
}
