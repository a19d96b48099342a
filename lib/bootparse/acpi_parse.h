/* SPDX-License-Identifier: MIT */
/*
 * lib/bootparse/acpi_parse.h - read the ACPI tables the kernel needs
 * (ACPI 6.5 spec chapter 5.2): RSDP -> RSDT/XSDT -> MADT (CPUs, LAPIC base)
 * and FADT -> DSDT \_S5 (soft-off) + reset register. Pure logic, host
 * unit-tested with captured and hand-built tables.
 */
#ifndef PK_ARCH_ACPI_PARSE_H
#define PK_ARCH_ACPI_PARSE_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/config.h"

struct acpi_cpu {
	uint32_t apic_id;  /* xAPIC (8-bit) or x2APIC id */
	uint32_t acpi_uid; /* processor UID */
};

/* ACPI Generic Address Structure (ACPI 6.5 sec. 5.2.3.2), reduced. */
struct acpi_gas {
	uint8_t space; /* 0 = system memory, 1 = system I/O */
	uint8_t bit_width;
	uint64_t address; /* 0 = not present */
};

struct acpi_info {
	char oem_id[7];	  /* from the RSDP, NUL-terminated */
	uint8_t revision; /* RSDP revision: 0 = ACPI 1.0 (RSDT), >= 2 XSDT */
	/* MADT (sec. 5.2.12) */
	bool has_madt;
	uint64_t lapic_phys;   /* MADT base or type-5 override */
	bool pcat_compat;      /* MADT flags bit 0: legacy 8259s present, mask them */
	uint32_t cpu_count;    /* enabled CPUs, firmware order, deduplicated */
	uint32_t cpus_ignored; /* enabled CPUs beyond PK_MAX_CPUS */
	struct acpi_cpu cpus[PK_MAX_CPUS];
	/* FADT (sec. 5.2.9) + DSDT \_S5 (sec. 7.4.2) for soft-off */
	bool has_fadt;
	uint32_t smi_cmd; /* port; 0 = ACPI mode always on */
	uint8_t acpi_enable;
	uint32_t pm1a_cnt; /* I/O port of PM1a_CNT_BLK, 0 = none */
	uint32_t pm1b_cnt;
	bool has_s5;
	uint16_t slp_typa, slp_typb; /* \_S5 package values */
	struct acpi_gas reset_reg;   /* FADT RESET_REG (ACPI 2+, flags bit 10) */
	uint8_t reset_value;
};

/* Scan the BIOS areas for "RSD PTR " with a valid checksum (ACPI 6.5 sec.
 * 5.2.5.1: first KiB of the EBDA, then 0xE0000-0xFFFFF). 0 if none. */
uint64_t acpi_find_rsdp(pk_phys_map_fn map, void *ctx);

/* Fill *out from the tables reachable from rsdp_phys. Bad checksums, short
 * lengths or unmappable tables are skipped (the field stays absent);
 * returns -1 with *why only when the RSDP itself is unusable. */
int acpi_parse(struct acpi_info *out, uint64_t rsdp_phys, pk_phys_map_fn map, void *ctx,
	       const char **why);

/* Find \_S5 in DSDT AML and decode its first two package elements.
 * Returns true and sets *typa and *typb on success. */
bool acpi_parse_s5(const uint8_t *aml, uint64_t len, uint16_t *typa, uint16_t *typb);

/* Sum of bytes mod 256 (ACPI tables must sum to 0). */
uint8_t acpi_checksum(const void *p, uint64_t len);

#endif
