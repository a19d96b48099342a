/* SPDX-License-Identifier: MIT */
/* guest/arch/paging_early.c - grow the early direct map to all of RAM. */
#include "paging.h"

#include "console.h"
#include "cpu.h"
#include "cpufeat.h"

/* boot.S: PML4[0] and PML4[256] share this PDPT (identity + direct map). */
extern uint64_t early_pdpt_low[512];

uint64_t direct_map_limit = 4ull << 30; /* boot.S maps the first 4 GiB */
const char *direct_map_page_size = "2M";

/* Without 1 GiB pages every extra GiB needs a page directory; enough for
 * 64 GiB here, the guest/mm page-table code takes over beyond that. */
#define EXTRA_PDS 60
static uint64_t extra_pd[EXTRA_PDS][512] __attribute__((aligned(4096)));

#define PTE_P 0x1ull
#define PTE_W 0x2ull
#define PTE_PS 0x80ull /* 1 GiB (PDPTE) or 2 MiB (PDE) page, SDM Vol 3A 5.5 */

static uint64_t kernel_virt_to_phys(const void *p)
{
	return (uint64_t)p - PK_KERNEL_VMA;
}

void paging_early_init(const struct pk_bootinfo *bi)
{
	uint64_t top = 0;
	for (uint32_t i = 0; i < bi->memmap_count; i++) {
		const struct pk_memmap_entry *e = &bi->memmap[i];
		if (e->type != PK_MEM_RESERVED && e->base + e->length > top)
			top = e->base + e->length;
	}
	uint64_t gib = (top + (1ull << 30) - 1) >> 30;
	if (gib > 512) {
		kprintf("paging: RAM above 512 GiB (0x%lx) is left out of the early direct map\n",
			top);
		gib = 512;
	}
	int huge = cpu_has(CPUF_PDPE1GB);
	if (huge)
		direct_map_page_size = "1G";
	for (uint64_t g = 4; g < gib; g++) {
		if (huge) {
			early_pdpt_low[g] = (g << 30) | PTE_P | PTE_W | PTE_PS;
		} else if (g - 4 < EXTRA_PDS) {
			uint64_t *pd = extra_pd[g - 4];
			for (uint64_t i = 0; i < 512; i++)
				pd[i] = (g << 30) + (i << 21) + (PTE_P | PTE_W | PTE_PS);
			early_pdpt_low[g] = kernel_virt_to_phys(pd) | PTE_P | PTE_W;
		} else {
			kprintf("paging: no 1 GiB pages; direct map stops at %lu GiB\n", g);
			gib = g;
			break;
		}
	}
	if (gib > 4)
		direct_map_limit = gib << 30;
	write_cr3(read_cr3()); /* the new entries were not-present: flush anyway */
}

const void *paging_phys_map(uint64_t phys, uint64_t len, void *ctx)
{
	(void)ctx;
	if (phys + len < phys || phys + len > direct_map_limit)
		return 0;
	return (const void *)(PK_DIRECT_MAP_BASE + phys);
}
