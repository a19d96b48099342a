/* SPDX-License-Identifier: MIT */
/*
 * guest/sched/executor.c - the loop every CPU ends in: run this CPU's
 * tasks, run cross-CPU calls (smp_call), and halt when there is nothing,
 * with the LAPIC timer armed for the first sleeper. The hosted build's
 * twin of this loop is sched_host.c's host_executor (a condvar for hlt).
 */
#include "guest/arch/apic.h"
#include "guest/arch/cpu.h"
#include "guest/arch/smp.h"
#include "lib/sched/sched.h"

/* Run what is ready, then halt until an interrupt (a wake IPI, the timer
 * for the first sleeper, a device's sched_irq_signal) unless `done` (when
 * given) or new work turned up meanwhile. */
static void executor_round(const struct future *done)
{
	sched_poll(); /* this CPU's tasks first */
	irq_disable();
	sched_set_idle(1); /* from here remote wakers send an IPI */
	if (!smp_call_pending() && !sched_has_work() && !(done && future_ready(done))) {
		uint64_t deadline = sched_next_deadline();
		if (deadline != UINT64_MAX)
			apic_timer_deadline(deadline); /* a sleeping task */
		cpu_idle_halt(); /* sti; hlt: a wake IPI cannot slip in between */
		sched_set_idle(0);
		return;
	}
	sched_set_idle(0);
	irq_enable();
	smp_call_run();
}

void sched_executor_loop(void)
{
	for (;;)
		executor_round(0);
}

void sched_plat_idle(const struct future *f)
{
	executor_round(f);
}
