/* SPDX-License-Identifier: MIT */
/* guest/sched/sched_plat_guest.h - the scheduler's inline platform in the
 * kernel: the executor index is the CPU index in the per-CPU area (GS). */
#ifndef PK_SCHED_PLAT_GUEST_H
#define PK_SCHED_PLAT_GUEST_H

#include "guest/arch/percpu.h"

static inline unsigned sched_plat_cpu(void)
{
	return this_cpu()->index;
}

#endif
