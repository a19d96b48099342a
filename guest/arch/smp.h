/* SPDX-License-Identifier: MIT */
/*
 * guest/arch/smp.h - bringing up the other CPUs and running work on them
 * (smp_call: plain function calls, below the scheduler).
 */
#ifndef PK_ARCH_SMP_H
#define PK_ARCH_SMP_H

#include <stdint.h>

#include "proto/boot.h"

extern uint32_t smp_cpu_count;		   /* CPUs known (index 0..count-1) */
extern volatile uint32_t smp_online_count; /* CPUs that checked in */

/*
 * Start every AP listed by ACPI (PC: INIT-SIPI-SIPI through a real-mode
 * trampoline; vmm: open the gate its vCPUs wait at), as soon as the BSP's
 * LAPIC and page tables are up: the APs bring themselves up while the BSP
 * goes on with its own boot. Each AP that comes online waits in ap_main
 * until smp_wait, then ends in ap_loop (noreturn: the scheduler's executor
 * loop, which sched_init must have prepared by then).
 */
void smp_start(const struct pk_bootinfo *bi, void (*ap_loop)(void));
/* Let the online APs into ap_loop and wait for the rest: an AP that does
 * not check in within timeout_ms is reported and left out. */
void smp_wait(uint32_t timeout_ms);

/* Tell the host (vmm) that CPU `index` is up. */
void smp_report_online(uint32_t index);

/* Is CPU `index` online? */
int smp_cpu_online(uint32_t index);

/*
 * Run fn(arg) on an online CPU's executor loop (not in interrupt context) and
 * return without waiting; smp_call_wait() waits for it up to timeout_ms
 * and returns 0, or -1 on timeout. One outstanding call per target CPU.
 * Calling for the own CPU runs fn directly.
 */
void smp_call(uint32_t cpu, void (*fn)(void *), void *arg);
int smp_call_wait(uint32_t cpu, uint32_t timeout_ms);

/* For the loop a CPU idles in: is an smp_call() waiting for this CPU, and
 * run it (and mark it done) if so. */
int smp_call_pending(void);
void smp_call_run(void);

#endif
