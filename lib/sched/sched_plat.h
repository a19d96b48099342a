/* SPDX-License-Identifier: MIT */
/*
 * lib/sched/sched_plat.h - what the scheduler core needs inline from its
 * platform (the one platform-header pattern of lib/, docs/architecture.md):
 *
 *   unsigned sched_plat_cpu(void)   the calling CPU's executor index
 *
 * The kernel's binding is guest/sched/sched_plat_guest.h (the per-CPU
 * area through GS), the hosted one sched_plat_host.h (a thread-local set
 * by sched_host.c). Out-of-line services (sched_wake, sched_clock, stacks)
 * are declared in sched.h and linked from guest/sched/sched_env.c or
 * sched_host.c.
 */
#ifndef PK_LIB_SCHED_PLAT_H
#define PK_LIB_SCHED_PLAT_H

#ifdef PK_HOSTED
#include "sched_plat_host.h"
#else
#include "guest/sched/sched_plat_guest.h"
#endif

#endif
