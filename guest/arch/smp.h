/* SPDX-License-Identifier: MIT */
/*
 * guest/arch/smp.h - bringing up the other CPUs and running work on them
 * before the scheduler exists.
 */
#ifndef PK_ARCH_SMP_H
#define PK_ARCH_SMP_H

#include <stdint.h>

#include "../../proto/boot.h"

extern uint32_t smp_cpu_count;		   /* CPUs known (index 0..count-1) */
extern volatile uint32_t smp_online_count; /* CPUs that checked in */

/*
 * Start every AP listed by ACPI (PC: INIT-SIPI-SIPI through a real-mode
 * trampoline; vmm: open the gate its vCPUs wait at). An AP that does not
 * check in within timeout_ms is reported and left out.
 */
void smp_boot(const struct pk_bootinfo *bi, uint32_t timeout_ms);

/* Tell the host (vmm) that CPU `index` is up. */
void smp_report_online(uint32_t index);

/* Is CPU `index` online? */
int smp_cpu_online(uint32_t index);

/*
 * Run fn(arg) on an online CPU's idle loop (not in interrupt context) and
 * return without waiting; smp_call_wait() waits for it up to timeout_ms
 * and returns 0, or -1 on timeout. One outstanding call per target CPU.
 * Calling for the own CPU runs fn directly.
 */
void smp_call(uint32_t cpu, void (*fn)(void *), void *arg);
int smp_call_wait(uint32_t cpu, uint32_t timeout_ms);

/* The loop an AP idles in once online: runs smp_call work, else halts. */
void smp_idle_loop(void) __attribute__((noreturn));

#endif
