/* SPDX-License-Identifier: MIT */
/*
 * guest/mm/paging_impl.h - what paging.c (layout), paging_map.c (table
 * edits) and paging_tlb.c (shootdowns) share. Entry bits: SDM Vol 3A
 * 5.5.5, tables 5-15 .. 5-20.
 */
#ifndef PK_MM_PAGING_IMPL_H
#define PK_MM_PAGING_IMPL_H

#include <stdint.h>

#include "guest/arch/spinlock.h"

#include "lib/mmu/pte.h"

#define PAGE_4K 4096ull
#define PAGE_2M_SIZE (2ull << 20)
#define PAGE_1G_SIZE (1ull << 30)

extern uint64_t *paging_root;	    /* PML4, through the direct map */
extern uint64_t paging_nx_bit;	    /* PTE_NX, or 0 on a CPU without NX */
extern int paging_have_1g;	    /* CPUID pdpe1gb */
extern struct spinlock paging_lock; /* every table edit */

/* Map with paging_lock held; sets *structural when a table was split or
 * freed (the caller then shoots the range down). */
int paging_map_locked(uint64_t va, uint64_t pa, uint64_t size, unsigned flags, int *structural);

/* This CPU's TLB: invlpg per 4 KiB page, or a CR3 reload for big ranges. */
void paging_flush_local(uint64_t va, uint64_t size);

/* This CPU runs on the kernel tables from now on (shootdown target). */
void paging_cpu_online(uint32_t cpu);
void paging_tlb_init(void);

#endif
