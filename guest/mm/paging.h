/* SPDX-License-Identifier: MIT */
/*
 * guest/mm/paging.h - the kernel's page tables: one address space shared
 * by every CPU (SDM Vol 3A chapter 5, 4-level paging).
 *
 *   PK_DIRECT_MAP_BASE + pa  all RAM (and the whole first 4 GiB, so the
 *                            MMIO hole is reachable) RW NX, 1 GiB pages
 *                            when CPUID has pdpe1gb, else 2 MiB; 4 KiB for
 *                            the first 2 MiB (fixed-range MTRRs live there).
 *                            Holes are UC (PCD|PWT), RAM is WB.
 *   PK_KERNEL_VMA + pa       the kernel image only: text R-X, rodata R--,
 *                            data/bss RW- NX, symbols R-- NX; 2 MiB pages
 *                            where a whole 2 MiB has one class, else 4 KiB;
 *                            the guard page under CPU 0's boot stack and
 *                            IST stacks is not mapped (the APs' stacks come
 *                            from pages_alloc, guarded by smp.c/desc.c).
 *   identity                 the boot stub (.boot, read-only NX): only
 *                            boot_entry_tsc is still read from it.
 * EFER.NXE and CR0.WP are on (SDM Vol 3A 5.1.3, 2.5): W^X holds for
 * supervisor code too. PAT and MTRRs are left as the firmware set them.
 */
#ifndef PK_MM_PAGING_H
#define PK_MM_PAGING_H

#include <stdint.h>

#include "proto/boot.h"

/* paging_map/paging_protect flags. No flag = read-only, no-execute, WB. */
#define PG_WRITE 0x1u
#define PG_EXEC 0x2u
#define PG_UC 0x4u	/* PCD|PWT: UC under any PAT (SDM Vol 3A 13.12.3) */
#define PG_WT 0x8u	/* PWT: write-through under the power-on PAT */
#define PG_MAX_4K 0x10u /* paging_map: use 4 KiB pages only */
#define PG_MAX_2M 0x20u /* paging_map: no 1 GiB pages */
/* paging_map: leave the dirty bit clear, so the CPU sets it on the first
 * write (SDM Vol 3A 4.8) and paging_next_dirty can tell written pages from
 * untouched ones; without it A and D are preset (no locked update on the
 * first access) */
#define PG_TRACK_DIRTY 0x40u

/* Errors (negative errno values). */
#define PG_ENOENT (-2)
#define PG_ENOMEM (-12)
#define PG_EEXIST (-17)
#define PG_EINVAL (-22)

/* The root of the kernel tables (physical), for run=mmu and the vmm. */
extern uint64_t paging_root_phys;
extern int paging_ready; /* 1 once the BSP runs on the kernel tables */

/* BSP: build the kernel tables from the memory map and switch to them.
 * Needs frames_init(). */
void paging_init(const struct pk_bootinfo *bi);

/* Every AP, once its LAPIC is enabled: NXE, WP, the kernel CR3; from now
 * on shootdowns include this CPU. */
void paging_init_ap(void);

/*
 * Map [va, va+size) to [pa, pa+size) with flags, using the largest pages
 * that alignment, size and PG_MAX_* allow. va, pa and size must be 4 KiB
 * aligned. Returns 0, PG_EINVAL (alignment, non-canonical va), PG_EEXIST (any
 * page already mapped; nothing is changed) or PG_ENOMEM (page tables; what
 * was mapped is undone). Not-present -> present needs no TLB flush.
 */
int paging_map(uint64_t va, uint64_t pa, uint64_t size, unsigned flags);

/*
 * Unmap [va, va+size) (4 KiB aligned; holes are fine), splitting large
 * pages that straddle the edges, then shoot the range out of every CPU's
 * TLB: when it returns no CPU can still reach the old pages, so their
 * frames may be reused. Returns 0 or PG_EINVAL / PG_ENOMEM (split).
 */
int paging_unmap(uint64_t va, uint64_t size);

/*
 * Change PG_WRITE/PG_EXEC/PG_UC/PG_WT of every page in [va, va+size),
 * splitting large pages at the edges, with a shootdown. PG_ENOENT (nothing
 * changed) when any page in the range is not mapped.
 */
int paging_protect(uint64_t va, uint64_t size, unsigned flags);

/*
 * Dirty tracking (PG_TRACK_DIRTY mappings): the first run of written pages
 * at or after va below end, as its start (end when there is none) and
 * *len; pages without the flag always count as written. The bit is never
 * cleared (that would need a shootdown), so a page once written stays
 * "written". paging_set_dirty marks [va, va+size) written, for writes that
 * do not go through these page tables (the vmm filling a buffer by its
 * physical address).
 */
uint64_t paging_next_dirty(uint64_t va, uint64_t end, uint64_t *len);
void paging_set_dirty(uint64_t va, uint64_t size);

/* Translate va: 0 and *pa, *flags (PG_*), *page_size; PG_ENOENT if unmapped. */
int paging_query(uint64_t va, uint64_t *pa, unsigned *flags, uint64_t *page_size);

/*
 * Guard pages for stacks carved from pages_alloc() memory (direct-map
 * addresses): paging_guard(p) unmaps the 4 KiB page at p (splitting the
 * direct map's large page around it) with a shootdown; paging_unguard(p)
 * maps it back RW NX before the frame is freed.
 */
int paging_guard(void *page);
int paging_unguard(void *page);

/* Invalidate [va, va+size) on every CPU on the kernel tables (this one
 * included). Called by the functions above; exported for tests. */
void paging_shootdown(uint64_t va, uint64_t size);

/* Counters for tests and the mmu app. */
struct paging_stats {
	uint64_t table_pages; /* page-table pages in use */
	uint64_t splits;      /* large pages split */
	uint64_t shootdowns;  /* paging_shootdown calls that sent IPIs */
	uint64_t ipis;	      /* shootdown IPIs sent */
};
extern struct paging_stats paging_stats;

#endif
