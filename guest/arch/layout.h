/* SPDX-License-Identifier: MIT */
/*
 * guest/arch/layout.h - constants shared by the assembly entry paths, the
 * linker script and C: segment selectors, stack sizes, interrupt vectors.
 */
#ifndef PK_ARCH_LAYOUT_H
#define PK_ARCH_LAYOUT_H

/* GDT selectors: proto/boot.h (the vmm loads the same ones). */
#include "proto/boot.h"

#define KSTACK_SIZE (16 * 1024) /* per-CPU boot/executor stack */
#define IST_SIZE (16 * 1024)	/* #DF, NMI, #MC, IRQ stacks (hold an XSAVE area) */
#define IST_DF 1
#define IST_NMI 2
#define IST_MC 3
/* Every external interrupt (vectors 32-255) switches to its own stack: a
 * Linux program runs at CPL 0 (docs/programs.md), where the CPU would push
 * the interrupt frame onto the program's stack, right over the 128-byte red
 * zone below its RSP that the SysV ABI lets leaf code use (psABI 3.2.2).
 * Interrupt gates clear IF, so one such stack per CPU never nests. */
#define IST_IRQ 4
#define IST_COUNT 4
/* Every static stack sits on top of an unmapped guard page (guest/mm/
 * paging.c), so running off its bottom faults instead of corrupting. */
#define STACK_GUARD 4096
#define KSTACK_STRIDE (KSTACK_SIZE + STACK_GUARD)
#define IST_STRIDE (IST_SIZE + STACK_GUARD)

/* Interrupt vectors (SDM Vol 3A 6.2: 0-31 are exceptions). The LAPIC
 * priority class is vector >> 4, so the housekeeping vectors sit high. */
#define VEC_PIC_BASE 0x20 /* legacy 8259s are remapped here, then masked */
#define VEC_VIRTIO 0xd0	  /* virtio MSI-X vectors 0xd0..0xd7 (guest/drivers/virtio_pci.c) */
#define VEC_VIRTIO_N 8
#define VEC_IPI_TEST 0xe0  /* test-suite IPI ping */
#define VEC_IPI_BENCH 0xe2 /* run=bench-sched raw IPI round trip */
#define VEC_PMI 0xe4	   /* PMU counter overflow (LVT PC), guest/perf/perf.c */
#define VEC_SAMPLE 0xe8	   /* LAPIC timer while perf samples by timer (perf=timer) */
#define VEC_TIMER 0xec	   /* LAPIC timer */
#define VEC_IPI_WAKE 0xf0  /* wake an idle CPU to look at its mailbox */
#define VEC_IPI_TLB 0xf1   /* TLB shootdown (guest/mm/paging_tlb.c) */
#define VEC_SPURIOUS 0xff  /* LAPIC spurious (SDM Vol 3A 11.9: low nibble 0xf on P6) */

/* struct percpu offsets the syscall entry (guest/linux/entry.S) uses,
 * checked by _Static_assert in percpu.h */
#define PERCPU_PROG_KSTACK 88
#define PERCPU_PROG_URSP 96

/* Guest exit codes: proto/exit.h (both sides observe them). */
#include "proto/exit.h"

#endif
