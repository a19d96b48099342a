/* SPDX-License-Identifier: MIT */
/* lib/mmu/mmu_translate.c - see mmu_translate.h. */
#include "mmu_translate.h"

#include <stdbool.h>

#include "pte.h"

int mmu_translate(uint64_t cr3, uint64_t va, mmu_read_fn read, void *ctx, uint64_t *pa,
		  uint64_t *page_size)
{
	/* canonical: bits 63:47 all equal (48-bit linear addresses) */
	uint64_t top = va >> 47;
	if (top != 0 && top != 0x1ffff)
		return -1;
	uint64_t table = cr3 & PTE_ADDR;
	/* PML4 (shift 39), PDPT (30), PD (21), PT (12) */
	for (int shift = 39; shift >= 12; shift -= 9) {
		const uint64_t *t = read(ctx, table);
		if (!t)
			return -1;
		uint64_t e = t[(va >> shift) & 511];
		if (!(e & PTE_P))
			return -1;
		bool leaf = shift == 12 || ((shift == 30 || shift == 21) && (e & PTE_PS));
		if (leaf) {
			uint64_t size = 1ull << shift;
			/* large-page frames: bit 12 is PAT there, not address */
			uint64_t base = e & PTE_ADDR & ~(size - 1);
			*pa = base | (va & (size - 1));
			*page_size = size;
			return 0;
		}
		table = e & PTE_ADDR;
	}
	return -1;
}
