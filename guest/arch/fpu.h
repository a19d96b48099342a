/* SPDX-License-Identifier: MIT */
/*
 * guest/arch/fpu.h - x87/SSE/AVX state control. Vector registers are free
 * for kernel code; interrupt entry saves the whole state (XSAVE, or FXSAVE
 * on CPUs without it) so interrupted code never loses a register.
 */
#ifndef PK_ARCH_FPU_H
#define PK_ARCH_FPU_H

#include <stdint.h>

extern uint32_t fpu_xsave_size; /* bytes isr.S reserves per interrupt frame */
extern uint8_t fpu_use_xsave;	/* 1: XSAVE/XRSTOR, 0: FXSAVE/FXRSTOR */
extern uint64_t fpu_xcr0;	/* state components enabled in XCR0 */

/* Early path (baseline code, boot.S calls these). */
void early_init(uint32_t protocol, uint64_t ptr);
void early_init_ap(void);

#endif
