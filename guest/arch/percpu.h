/* SPDX-License-Identifier: MIT */
/*
 * guest/arch/percpu.h - per-CPU data, reached through the GS base
 * (IA32_GS_BASE, SDM Vol 3A 3.4.4): %gs:0 holds the struct's own address.
 * Each struct is cache-line aligned so CPUs never share a line.
 */
#ifndef PK_ARCH_PERCPU_H
#define PK_ARCH_PERCPU_H

#include <stdint.h>

#include "lib/config.h"
#include "layout.h"

/* 64-bit TSS (SDM Vol 3A 8.7, figure 8-11): 104 bytes, packed. */
struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));
_Static_assert(sizeof(struct tss) == 104, "TSS layout");

struct fault_probe;

struct percpu {
	struct percpu *self; /* must stay first: this_cpu() loads %gs:0 */
	uint32_t index;	     /* 0 = BSP, then MADT order */
	uint32_t apic_id;
	uint64_t stack_lo, stack_hi; /* stack in use (backtraces stay inside it) */
	struct fault_probe *probe;   /* armed trap_probe(), or NULL */
	volatile uint64_t timer_ticks;
	void (*timer_hook)(void); /* run from this CPU's timer interrupt, or NULL */
	uint32_t timer_mode;	  /* LVT timer mode in use (apic.c) */
	uint64_t timer_deadline;  /* TSC-deadline armed last (apic.c) */
	uint64_t scratch;	  /* free for tests and debugging */
	uint64_t online_tsc;	  /* TSC when this CPU came online */
	/* guest/linux/entry.S reaches these as %gs:PERCPU_PROG_*: where the
	 * running program thread's syscall frame goes, and the program's RSP
	 * while the entry stub switches stacks */
	uint64_t prog_kstack;
	uint64_t prog_ursp;
	void *prog_fs_owner; /* the thread whose FS base is loaded (guest/linux/) */

	/* smp_call() mailbox: one outstanding call, run by the idle loop */
	void (*volatile call_fn)(void *);
	void *volatile call_arg;
	volatile uint32_t call_seq;  /* bumped by the caller */
	volatile uint32_t call_done; /* set to call_seq by the target when done */

	uint64_t gdt[GDT_ENTRIES] __attribute__((aligned(16)));
	struct tss tss __attribute__((aligned(16)));
} __attribute__((aligned(64)));

_Static_assert(__builtin_offsetof(struct percpu, prog_kstack) == PERCPU_PROG_KSTACK, "entry.S");
_Static_assert(__builtin_offsetof(struct percpu, prog_ursp) == PERCPU_PROG_URSP, "entry.S");

extern struct percpu percpu_area[PK_MAX_CPUS];

static inline struct percpu *this_cpu(void)
{
	struct percpu *p;
	__asm__ volatile("mov %%gs:0, %0" : "=r"(p));
	return p;
}

/* Point this CPU's GS base at percpu_area[index] and fill the basics. */
struct percpu *percpu_init(uint32_t index, uint32_t apic_id, uint64_t stack_lo, uint64_t stack_hi);

#endif
