/* SPDX-License-Identifier: MIT */
/*
 * vmm/perf_walk.c - guest virtual addresses for the vmm's sampler: a
 * page-table walk in which every table entry is read through mem_ptr, so
 * a wild CR3 or a corrupt table just ends the walk.
 */
#include "perf.h"

#define PTE_P 1ull
#define PTE_PS (1ull << 7)
#define PTE_ADDR 0x000ffffffffff000ull

int perf_gva_to_gpa(const struct guest_mem *m, uint64_t cr3, uint64_t va, uint64_t *pa)
{
	/* 4-level paging (SDM Vol 3A 4.5, figures 4-8..4-10): PML4 -> PDPT
	 * (PS: 1 GiB) -> PD (PS: 2 MiB) -> PT */
	uint64_t table = cr3 & PTE_ADDR;
	for (int level = 3; level >= 0; level--) {
		unsigned shift = 12 + 9 * (unsigned)level;
		const uint64_t *e = mem_ptr(m, table + ((va >> shift) & 511) * 8, 8);
		if (!e || !(*e & PTE_P))
			return -1;
		if (level == 0 || ((level == 1 || level == 2) && (*e & PTE_PS))) {
			uint64_t mask = (1ull << shift) - 1;
			*pa = ((*e & PTE_ADDR) & ~mask) | (va & mask);
			return 0;
		}
		table = *e & PTE_ADDR;
	}
	return -1;
}
