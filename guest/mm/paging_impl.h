/* SPDX-License-Identifier: MIT */
/*
 * guest/mm/paging_impl.h - what paging.c (layout), paging_map.c (table
 * edits) and paging_tlb.c (shootdowns) share. Entry bits: SDM Vol 3A
 * 5.5.5, tables 5-15 .. 5-20.
 */
#ifndef PK_MM_PAGING_IMPL_H
#define PK_MM_PAGING_IMPL_H

#include <stdint.h>

#include "../arch/spinlock.h"

#define PTE_P (1ull << 0)
#define PTE_W (1ull << 1)
#define PTE_U (1ull << 2)
#define PTE_PWT (1ull << 3)
#define PTE_PCD (1ull << 4)
#define PTE_A (1ull << 5)
#define PTE_D (1ull << 6)
#define PTE_PS (1ull << 7)	   /* PDE/PDPTE: large page */
#define PTE_PAT_4K (1ull << 7)	   /* PTE: PAT index bit 2 */
#define PTE_PAT_LARGE (1ull << 12) /* PDE/PDPTE leaf: PAT index bit 2 */
#define PTE_NX (1ull << 63)
#define PTE_ADDR 0x000ffffffffff000ull

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
