/* SPDX-License-Identifier: MIT */
/*
 * guest/app/mmu.c - run=mmu: the live page tables of this CPU (CR3) as
 * the merged table of lib/mmu/mmu_walk.h, then the memory counters.
 */
#include "guest/kernel/console.h"
#include "guest/arch/cpu.h"
#include "guest/arch/layout.h"
#include "guest/arch/mmio.h"
#include "guest/arch/paging.h"
#include "guest/mm/frames.h"
#include "lib/mmu/mmu_walk.h"
#include "guest/mm/paging.h"
#include "app.h"

static const uint64_t *mmu_read(void *ctx, uint64_t phys)
{
	(void)ctx;
	if (phys >= direct_map_limit)
		return 0;
	return phys_to_virt(phys);
}

static void mmu_print(void *ctx, const struct mmu_run *run)
{
	(void)ctx;
	char line[96];
	mmu_format(run, line, sizeof(line));
	kprintf("%s\n", line);
}

static int mmu_run(const char *cmdline)
{
	(void)cmdline;
	uint64_t cr3 = read_cr3();
	kprintf("mmu: cr3 0x%lx\n%s\n", cr3, MMU_TABLE_HEADER);
	int n = mmu_walk(cr3, mmu_read, 0, mmu_print, 0);
	if (n < 0) {
		kprintf("mmu: the root table 0x%lx is not readable\n", cr3);
		return PK_EXIT_TESTS_FAILED;
	}
	struct frame_alloc fs;
	frames_stats(&fs);
	kprintf("mmu: %d runs; %lu page-table pages, %lu splits, %lu shootdowns (%lu IPIs); "
		"frames %lu of %lu free, %lu failed allocations\n",
		n, paging_stats.table_pages, paging_stats.splits, paging_stats.shootdowns,
		paging_stats.ipis, fs.free_pages, fs.total_pages, fs.fails);
	return PK_EXIT_OK;
}
APP("mmu", mmu_run, "print the live page tables (Virt -> Phys Size Perms Cache NX)");
