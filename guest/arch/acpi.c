/* SPDX-License-Identifier: MIT */
/* guest/arch/acpi.c - ACPI glue: parse at boot, soft-off and reset. */
#include "acpi.h"

#include "guest/kernel/console.h"
#include "cpu.h"
#include "mmio.h"
#include "paging.h"
#include "tsc.h"

struct acpi_info acpi;

int acpi_init(uint64_t rsdp_phys)
{
	if (!rsdp_phys)
		rsdp_phys = acpi_find_rsdp(paging_phys_map, 0);
	if (!rsdp_phys) {
		kprintf("acpi: no RSDP found (loader gave none, BIOS areas have none)\n");
		return -1;
	}
	const char *why = "?";
	if (acpi_parse(&acpi, rsdp_phys, paging_phys_map, 0, &why) < 0) {
		kprintf("acpi: RSDP at 0x%lx unusable: %s\n", rsdp_phys, why);
		return -1;
	}
	return 0;
}

/* PM1 control register bits (ACPI 6.5 sec. 4.8.3.2.1, table 4.13) */
#define PM1_SCI_EN (1u << 0)
#define PM1_SLP_TYP_SHIFT 10
#define PM1_SLP_EN (1u << 13)

void acpi_poweroff(void)
{
	if (!acpi.has_fadt || !acpi.has_s5 || !acpi.pm1a_cnt)
		return;
	/* in legacy mode, ask the firmware to hand over (sec. 4.8.2.1) */
	if (!(inw((uint16_t)acpi.pm1a_cnt) & PM1_SCI_EN) && acpi.smi_cmd && acpi.acpi_enable) {
		outb((uint16_t)acpi.smi_cmd, acpi.acpi_enable);
		for (int i = 0; i < 300 && !(inw((uint16_t)acpi.pm1a_cnt) & PM1_SCI_EN); i++)
			tsc_delay_us(10000);
	}
	outw((uint16_t)acpi.pm1a_cnt,
	     (uint16_t)((acpi.slp_typa << PM1_SLP_TYP_SHIFT) | PM1_SLP_EN));
	if (acpi.pm1b_cnt)
		outw((uint16_t)acpi.pm1b_cnt,
		     (uint16_t)((acpi.slp_typb << PM1_SLP_TYP_SHIFT) | PM1_SLP_EN));
	tsc_delay_us(500000);
}

void acpi_reset(void)
{
	const struct acpi_gas *r = &acpi.reset_reg;
	if (!r->address)
		return;
	if (r->space == 1) /* system I/O */
		outb((uint16_t)r->address, acpi.reset_value);
	else if (r->space == 0) /* system memory */
		*(volatile uint8_t *)phys_to_virt(r->address) = acpi.reset_value;
}
