/* SPDX-License-Identifier: MIT */
/* guest/arch/desc.h - per-CPU GDT/TSS (IDT: trap.h). */
#ifndef PK_ARCH_DESC_H
#define PK_ARCH_DESC_H

struct percpu;

/* Build and load this CPU's GDT and TSS, reload the segment registers and
 * load the shared IDT. FS/GS selectors stay 0: GS base is set by MSR. */
void desc_init_cpu(struct percpu *c);

/*
 * IST stacks (#DF, NMI, #MC, IRQs): IST_COUNT IST_STRIDE slots per CPU, each a guard
 * page under an IST_SIZE stack. CPU 0's are static (its desc_init_cpu runs
 * before the frame allocator; paging.c leaves the guards unmapped); the
 * APs' come from pages_alloc() in desc_ist_prepare(), which the BSP calls
 * before starting them (so unmapping their guards needs no shootdown).
 * Returns how many CPUs (from index 0) have IST stacks.
 */
#include <stdint.h>

#include "layout.h"
extern uint8_t ist_bsp[IST_COUNT][IST_STRIDE];
uint32_t desc_ist_prepare(uint32_t cpus);
uint8_t *desc_ist_block(uint32_t cpu); /* base of the 3 slots, NULL if none */

#endif
