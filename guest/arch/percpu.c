/* SPDX-License-Identifier: MIT */
/* guest/arch/percpu.c - per-CPU areas and the GS base. */
#include "percpu.h"

#include "cpu.h"

struct percpu percpu_area[PK_MAX_CPUS];

struct percpu *percpu_init(uint32_t index, uint32_t apic_id, uint64_t stack_lo, uint64_t stack_hi)
{
	struct percpu *c = &percpu_area[index];
	c->self = c;
	c->index = index;
	c->apic_id = apic_id;
	c->stack_lo = stack_lo;
	c->stack_hi = stack_hi;
	wrmsr(MSR_GS_BASE, (uint64_t)c);
	return c;
}
