/* SPDX-License-Identifier: MIT */
/* guest/arch/tsc.h - TSC frequency and delays. */
#ifndef PK_ARCH_TSC_H
#define PK_ARCH_TSC_H

#include <stdint.h>

extern uint64_t tsc_khz;
extern const char *tsc_source; /* "bootinfo", "cpuid 15h", "hypervisor", "PIT" */

/* Find the TSC frequency: loader-provided, CPUID, or measured on the PIT. */
void tsc_init(uint64_t bootinfo_khz);
void tsc_delay_us(uint64_t us);
uint64_t tsc_cycles_to_us(uint64_t cycles);
uint64_t tsc_us_to_cycles(uint64_t us);

#endif
