/* SPDX-License-Identifier: MIT */
/* guest/arch/pmu.h - the PMU as found at run time (logic in pmu_event.h). */
#ifndef PK_ARCH_PMU_H
#define PK_ARCH_PMU_H

#include "lib/pmu_event/pmu_event.h"

extern struct pmu_caps pmu_caps;	 /* kind == PMU_NONE: pmu_caps.why says why */
extern const struct pmu_msr_ops pmu_msr; /* rdmsr/wrmsr */

/* Detect from CPUID, then touch one counter under trap_probe: a
 * hypervisor that advertises counters it does not emulate (#GP) leaves
 * the PMU marked absent instead of crashing the kernel. Idempotent. */
void pmu_init(void);
const char *pmu_kind_name(void);

#endif
