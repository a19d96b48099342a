/* SPDX-License-Identifier: MIT */
/* lib/sched/sched_plat_host.h - the scheduler's inline platform on a POSIX
 * host: one pthread per executor, its index in a thread-local. */
#ifndef PK_LIB_SCHED_PLAT_HOST_H
#define PK_LIB_SCHED_PLAT_HOST_H

extern _Thread_local unsigned sched_host_cpu; /* sched_host.c */

static inline unsigned sched_plat_cpu(void)
{
	return sched_host_cpu;
}

#endif
