/* SPDX-License-Identifier: MIT */
/* guest/sched/sched_env.c - what the scheduler needs from the kernel:
 * which CPU we are on, how many executors exist, and the wake IPI. */
#include "guest/arch/apic.h"
#include "guest/arch/cpu.h"
#include "guest/arch/layout.h"
#include "guest/arch/percpu.h"
#include "guest/arch/smp.h"
#include "guest/arch/tsc.h"
#include "lib/sched/sched.h"

unsigned sched_cpu_self(void)
{
	return this_cpu()->index;
}

unsigned sched_cpu_count(void)
{
	return smp_cpu_count;
}

void sched_wake(unsigned cpu)
{
	apic_send_ipi(percpu_area[cpu].apic_id, VEC_IPI_WAKE);
}

uint64_t sched_clock(void)
{
	return rdtsc();
}

uint64_t sched_ns_to_ticks(uint64_t ns)
{
	return muldiv64(ns, tsc_khz, 1000000);
}
