/* SPDX-License-Identifier: MIT */
/*
 * guest/arch/apic.h - local APIC: x2APIC (MSRs) when CPUID has it, xAPIC
 * (MMIO) otherwise. SDM Vol 3A chapter 11 (APIC) / 11.12 (x2APIC).
 */
#ifndef PK_ARCH_APIC_H
#define PK_ARCH_APIC_H

#include <stdbool.h>
#include <stdint.h>

extern bool apic_x2;	       /* x2APIC mode in use */
extern uint64_t apic_timer_hz; /* LAPIC timer input clock (divide by 1) */

/* BSP: pick the mode, map the xAPIC page, enable this CPU's APIC. */
void apic_init_bsp(uint64_t lapic_phys);
/* Every CPU (BSP included): enable, mask LVTs, accept all priorities. */
void apic_init_cpu(void);

uint32_t apic_id(void);
/* This CPU's APIC ID from CPUID (valid before the APIC is set up). */
uint32_t apic_id_cpuid(void);
void apic_eoi(void);

void apic_send_ipi(uint32_t apic_id, uint8_t vector);
void apic_send_init(uint32_t apic_id);
void apic_send_sipi(uint32_t apic_id, uint8_t page);

/* Measure the timer clock against the TSC (needs tsc_khz). */
void apic_timer_calibrate(void);
/* The timer's input clock on this CPU, measured over `us` of TSC time. */
uint64_t apic_timer_measure_hz(uint32_t us);
/* Periodic interrupts on VEC_TIMER at hz; 0 stops the timer. */
void apic_timer_periodic(uint32_t hz);
/* One interrupt on VEC_TIMER at TSC value `tsc` (TSC-deadline mode when
 * CPUID has it, else one-shot); a no-op while the periodic tick runs. */
void apic_timer_deadline(uint64_t tsc);
/* The same on another vector (perf's timer sampling owns the timer then). */
void apic_timer_periodic_vec(uint32_t hz, uint8_t vector);
/* LVT performance-counter entry (PMI); also re-arms it after a PMI, which
 * masks it on Intel (SDM Vol 3B 21.1.1 / 20.6.3). 0 masks it. */
void apic_lvt_pmi(uint8_t vector);

#endif
