/* SPDX-License-Identifier: MIT */
/* guest/arch/desc.h - per-CPU GDT/TSS (IDT: trap.h). */
#ifndef PK_ARCH_DESC_H
#define PK_ARCH_DESC_H

struct percpu;

/* Build and load this CPU's GDT and TSS, reload the segment registers and
 * load the shared IDT. FS/GS selectors stay 0: GS base is set by MSR. */
void desc_init_cpu(struct percpu *c);

/* The IST stacks, each above a guard page (paging.c leaves it unmapped). */
#include <stdint.h>

#include "../config.h"
#include "layout.h"
extern uint8_t ist_stacks[PK_MAX_CPUS][3][IST_STRIDE];

#endif
