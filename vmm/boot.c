/* SPDX-License-Identifier: MIT */
/*
 * vmm/boot.c - what the guest finds in low memory at its 64-bit entry
 * (docs/boot.md, "The vmm entry"): page tables that identity-map the first GiB, map the
 * kernel at PK_KERNEL_VMA and all RAM at PK_DIRECT_MAP_BASE (1 GiB pages
 * with pdpe1gb, else 2 MiB pages for the first 4 GiB), a GDT with the
 * kernel's selector layout, and the pk_bootinfo.
 *
 *   0x1000 PML4   0x2000 PDPT identity   0x3000 PD GiB 0 (2 MiB pages)
 *   0x4000 PDPT kernel   0x5000 PDPT direct   0x6000-0x8fff PDs GiB 1-3
 *   0xa000 GDT    0xb000 pk_bootinfo    (BOOT_RESERVED_END = 0x10000)
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib/mmu/pte.h"
#include "vmm.h"

static uint64_t *table(struct guest_mem *m, uint64_t gpa)
{
	return mem_ptr(m, gpa, 4096);
}

int boot_setup(struct guest_mem *m, const struct vmm_opts *o, uint64_t tsc_khz, bool gb_pages)
{
	if (!mem_ptr(m, 0, BOOT_RESERVED_END))
		return -ENOMEM;
	memset(m->host, 0, BOOT_RESERVED_END);
	uint64_t *pml4 = table(m, 0x1000), *pdpt_id = table(m, 0x2000), *pd0 = table(m, 0x3000);
	uint64_t *pdpt_k = table(m, 0x4000), *pdpt_dm = table(m, 0x5000);

	for (uint64_t i = 0; i < 512; i++)
		pd0[i] = (i << 21) | PTE_P | PTE_W | PTE_PS;
	pdpt_id[0] = 0x3000 | PTE_P | PTE_W;
	pml4[0] = 0x2000 | PTE_P | PTE_W;
	/* PK_KERNEL_VMA = PML4[511], PDPT[510] */
	pdpt_k[510] = 0x3000 | PTE_P | PTE_W;
	pml4[511] = 0x4000 | PTE_P | PTE_W;
	/* PK_DIRECT_MAP_BASE = PML4[256] */
	pml4[256] = 0x5000 | PTE_P | PTE_W;
	uint64_t top = m->high ? MEM_HIGH_START + m->high : m->low;
	if (gb_pages) {
		for (uint64_t g = 0; g < 512 && (g << 30) < top; g++)
			pdpt_dm[g] = (g << 30) | PTE_P | PTE_W | PTE_PS;
	} else {
		pdpt_dm[0] = 0x3000 | PTE_P | PTE_W;
		for (uint64_t g = 1; g < 4; g++) {
			uint64_t *pd = table(m, 0x5000 + g * 0x1000);
			for (uint64_t i = 0; i < 512; i++)
				pd[i] = (g << 30) + (i << 21) + (PTE_P | PTE_W | PTE_PS);
			pdpt_dm[g] = (0x5000 + g * 0x1000) | PTE_P | PTE_W;
		}
	}

	uint64_t *gdt = mem_ptr(m, BOOT_GDT, 8 * GDT_ENTRIES);
	gdt[SEL_CODE32 / 8] = PK_GDT_CODE32;
	gdt[SEL_CODE64 / 8] = PK_GDT_CODE64;
	gdt[SEL_DATA / 8] = PK_GDT_DATA;

	struct pk_bootinfo *bi = mem_ptr(m, BOOT_INFO, sizeof(*bi));
	bi->magic = PK_BOOTINFO_MAGIC;
	bi->version = PK_BOOTINFO_VERSION;
	bi->size = sizeof(*bi);
	bi->platform = PK_PLATFORM_VMM;
	bi->boot_protocol = PK_BOOT_VMM;
	bi->cpu_count = o->cpus;
	bi->tsc_khz = tsc_khz;
	if (o->nshares)
		bi->flags |= PK_BOOTF_VMM_SHARES;
	bi->memmap[0] = (struct pk_memmap_entry){0, BOOT_RESERVED_END, PK_MEM_RESERVED, 0};
	bi->memmap[1] = (struct pk_memmap_entry){BOOT_RESERVED_END, m->low - BOOT_RESERVED_END,
						 PK_MEM_USABLE, 0};
	bi->memmap_count = 2;
	if (m->high)
		bi->memmap[bi->memmap_count++] =
			(struct pk_memmap_entry){MEM_HIGH_START, m->high, PK_MEM_USABLE, 0};
	snprintf(bi->cmdline, sizeof(bi->cmdline), "%s", o->cmdline);
	return 0;
}
