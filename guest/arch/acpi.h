/* SPDX-License-Identifier: MIT */
/* guest/arch/acpi.h - the kernel's view of ACPI (parsing: acpi_parse.h). */
#ifndef PK_ARCH_ACPI_H
#define PK_ARCH_ACPI_H

#include "lib/bootparse/acpi_parse.h"

extern struct acpi_info acpi;

/* Parse the tables once at boot (rsdp_phys 0: scan the BIOS areas).
 * Returns 0, or -1 with a message printed when there is no usable ACPI. */
int acpi_init(uint64_t rsdp_phys);

/* Enter S5 (soft-off, ACPI 6.5 sec. 16.1.7); returns only if it failed. */
void acpi_poweroff(void);
/* Write the FADT reset register (sec. 4.8.3.6); returns if absent/failed. */
void acpi_reset(void);

#endif
