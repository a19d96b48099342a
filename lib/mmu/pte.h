/* SPDX-License-Identifier: MIT */
/*
 * lib/mmu/pte.h - x86-64 4-level paging entry bits, the one definition
 * for the kernel's table editor, its walkers, and the vmm's boot tables
 * and page walks (SDM Vol 3A 5.5.5, tables 5-15 .. 5-20; AMD APM Vol 2
 * 5.3.3). Plain #defines, host- and guest-compilable.
 */
#ifndef PK_MM_PTE_H
#define PK_MM_PTE_H

#define PTE_P (1ull << 0)
#define PTE_W (1ull << 1)
#define PTE_U (1ull << 2)
#define PTE_PWT (1ull << 3)
#define PTE_PCD (1ull << 4)
#define PTE_A (1ull << 5)
#define PTE_D (1ull << 6)
#define PTE_PS (1ull << 7)     /* PDE/PDPTE: large page (2 MiB / 1 GiB) */
#define PTE_PAT_4K (1ull << 7) /* PTE: PAT index bit 2 */
#define PTE_G (1ull << 8)
#define PTE_PAT_LARGE (1ull << 12) /* PDE/PDPTE leaf: PAT index bit 2 */
#define PTE_NX (1ull << 63)
#define PTE_ADDR 0x000ffffffffff000ull /* bits 51:12: the next table or the frame */

#endif
