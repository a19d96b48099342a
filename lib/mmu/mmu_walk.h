/* SPDX-License-Identifier: MIT */
/*
 * lib/mmu/mmu_walk.h - walk live x86-64 4-level page tables and report
 * the mappings as merged runs. Pure C with no kernel dependencies: the
 * guest's `run=mmu` and the VMM monitor's `mmu` command build the same
 * source, so both print the same table for the same tables.
 *
 * Output format, one run per line (runs of equal-sized, contiguous pages
 * with equal attributes are merged):
 *   Virt Addr -> Phys Addr Size Perms Cache NX
 *   0xffff800000000000 -> 0x0 4Gb RW WB NX
 *   0x1000 -> 0x1000 4Kb R UC- NX
 *
 * Columns (mmu_format):
 *   Virt Addr  canonical start of the run, 0x-hex
 *   Phys Addr  physical start, 0x-hex
 *   Size       the run's total: NKb / NMb / NGb, the largest unit that
 *              divides it (one page prints 4Kb, 2Mb or 1Gb); a run never
 *              mixes page sizes (struct mmu_run.page_size has it)
 *   Perms      R, RW, RX or RWX: the effective rights over all levels
 *              (W only if every level has R/W; X unless any level has
 *              XD, SDM Vol 3A 5.6); a trailing U when user-accessible
 *   Cache      the memory type of the PAT entry the PAT/PCD/PWT bits
 *              select, decoded with the power-on PAT (WB WT UC- UC WB WT
 *              UC- UC, SDM Vol 3A 13.12.2): perfkern never reprograms
 *              IA32_PAT. MTRRs can still make WB memory UC (MMIO holes).
 *   NX         NX when instruction fetches fault, '-' when they do not
 *              (always a column, so lines split into six fields).
 * A table pointer that read() cannot map is reported as a run with
 * bad_table set: `0xVA -> 0xTABLE SIZE unreadable-table`, where SIZE is
 * what that table would cover; the walk goes on with the next entry.
 */
#ifndef PK_MM_MMU_WALK_H
#define PK_MM_MMU_WALK_H

#include <stddef.h>
#include <stdint.h>

/* Map the 4 KiB page-table page at physical address phys for reading;
 * NULL when phys is outside RAM (the walk reports it and skips it). The
 * pointer must stay valid until mmu_walk returns (memory mapped in place:
 * the direct map, or the vmm's mapping of guest RAM). */
typedef const uint64_t *(*mmu_read_fn)(void *ctx, uint64_t phys);

struct mmu_run {
	uint64_t va;	    /* canonical virtual start */
	uint64_t pa;	    /* physical start */
	uint64_t size;	    /* bytes in the run */
	uint64_t page_size; /* 4 KiB, 2 MiB or 1 GiB */
	unsigned write : 1, user : 1, nx : 1, pwt : 1, pcd : 1, pat : 1, global : 1;
	unsigned bad_table : 1; /* pa is a table read() could not map */
};

typedef void (*mmu_emit_fn)(void *ctx, const struct mmu_run *run);

/* Walk from CR3 (bits 51:12 used). Returns the number of runs emitted,
 * or -1 when the root itself cannot be read. */
int mmu_walk(uint64_t cr3, mmu_read_fn read, void *read_ctx, mmu_emit_fn emit, void *emit_ctx);

/* One table line for run (no newline); returns the length snprintf would. */
int mmu_format(const struct mmu_run *run, char *buf, size_t len);

/* The header line printed above the runs. */
#define MMU_TABLE_HEADER "Virt Addr -> Phys Addr Size Perms Cache NX"

#endif
