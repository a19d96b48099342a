/* SPDX-License-Identifier: MIT */
/*
 * lib/mmu/mmu_translate.h - one virtual address through live x86-64
 * 4-level page tables (SDM Vol 3A 4.5), pure C like mmu_walk.h and with
 * the same mmu_read_fn, so the VMM's gdb stub and the host tests build it.
 */
#ifndef PK_MM_MMU_TRANSLATE_H
#define PK_MM_MMU_TRANSLATE_H

#include <stdint.h>

#include "mmu_walk.h"

/* Physical address of va under cr3 and the size of the page mapping it
 * (4 KiB, 2 MiB or 1 GiB). 0, or -1 when va is non-canonical, not
 * present, or a table cannot be read. Permissions are not checked: a
 * debugger may read what the guest could not. */
int mmu_translate(uint64_t cr3, uint64_t va, mmu_read_fn read, void *ctx, uint64_t *pa,
		  uint64_t *page_size);

#endif
