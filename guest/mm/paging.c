/* SPDX-License-Identifier: MIT */
/*
 * guest/mm/paging.c - build the kernel's page tables (layout in paging.h)
 * and switch every CPU to them.
 *
 * The early tables from boot.S stay as they are: the AP trampoline and
 * the vmm's AP entry load them (they identity-map the low 4 GiB the
 * trampoline runs in) and each AP moves to the kernel tables in
 * paging_init_ap() once its LAPIC can take shootdown IPIs.
 */
#include "paging.h"

#include "guest/kernel/console.h"
#include "guest/arch/cpu.h"
#include "guest/arch/cpufeat.h"
#include "guest/arch/desc.h"
#include "guest/arch/layout.h"
#include "guest/arch/paging.h"
#include "guest/arch/percpu.h"
#include "guest/kernel/platform.h"
#include "guest/mm/frames.h"
#include "lib/heap/pages.h"
#include "paging_impl.h"

uint64_t paging_root_phys;
int paging_ready;
uint64_t *paging_root;
uint64_t paging_nx_bit;
int paging_have_1g;
struct spinlock paging_lock = SPINLOCK_INIT;

extern char __boot_start[], __boot_end[], __kernel_start[], __rodata_start[], __data_start[],
	__ksyms_start[], __kernel_end[], kstacks[], kstacks_end[];

#define CR0_WP (1ull << 16) /* supervisor writes honour R/W (SDM Vol 3A 2.5) */
#define NOT_MAPPED (~0u)
#define EARLY_LIMIT (4ull << 30)

static void map_or_die(uint64_t va, uint64_t pa, uint64_t size, unsigned flags)
{
	int structural = 0;
	int rc = paging_map_locked(va, pa, size, flags, &structural);
	if (rc) {
		kprintf("paging: cannot map 0x%lx -> 0x%lx (+0x%lx): error %d\n", va, pa, size, rc);
		platform_exit(PK_EXIT_PANIC);
	}
}

/* Does [pa, pa+len) hold RAM (any entry the map does not call reserved)? */
static int holds_ram(const struct pk_bootinfo *bi, uint64_t pa, uint64_t len)
{
	for (uint32_t i = 0; i < bi->memmap_count; i++) {
		const struct pk_memmap_entry *e = &bi->memmap[i];
		if (e->type != PK_MEM_RESERVED && e->base < pa + len && pa < e->base + e->length)
			return 1;
	}
	return 0;
}

enum dm_class { DM_NONE, DM_WB, DM_UC };

static enum dm_class dm_class_of(const struct pk_bootinfo *bi, uint64_t pa, uint64_t len)
{
	if (holds_ram(bi, pa, len))
		return DM_WB;
	return pa < EARLY_LIMIT ? DM_UC : DM_NONE; /* the MMIO hole stays reachable */
}

/* Is [pa, pa+len) all one class? (no RAM at all, or inside one RAM entry) */
static int dm_uniform(const struct pk_bootinfo *bi, uint64_t pa, uint64_t len)
{
	if (!holds_ram(bi, pa, len))
		return 1;
	for (uint32_t i = 0; i < bi->memmap_count; i++) {
		const struct pk_memmap_entry *e = &bi->memmap[i];
		if (e->type != PK_MEM_RESERVED && e->base <= pa && pa + len <= e->base + e->length)
			return 1;
	}
	return 0;
}

/* Direct map [from, to) in runs of equal class, classified granule bytes
 * at a time, or a whole GiB at a time where it is uniform (boot time: a
 * 2 MiB walk over 4 GiB is 2048 memory-map scans). */
static void dm_map_runs(const struct pk_bootinfo *bi, uint64_t from, uint64_t to, uint64_t granule,
			unsigned extra)
{
	uint64_t run = from, pa = from;
	enum dm_class cls = dm_class_of(bi, from, granule);
	while (pa < to) {
		uint64_t step = granule;
		if (!(pa & (PAGE_1G_SIZE - 1)) && to - pa >= PAGE_1G_SIZE &&
		    dm_uniform(bi, pa, PAGE_1G_SIZE))
			step = PAGE_1G_SIZE;
		enum dm_class here = dm_class_of(bi, pa, step);
		if (here != cls) {
			if (cls != DM_NONE)
				map_or_die(PK_DIRECT_MAP_BASE + run, run, pa - run,
					   PG_WRITE | (cls == DM_UC ? PG_UC : 0) | extra);
			run = pa;
			cls = here;
		}
		pa += step;
	}
	if (cls != DM_NONE)
		map_or_die(PK_DIRECT_MAP_BASE + run, run, to - run,
			   PG_WRITE | (cls == DM_UC ? PG_UC : 0) | extra);
}

static uint64_t paging_direct_map(const struct pk_bootinfo *bi)
{
	uint64_t top = EARLY_LIMIT;
	for (uint32_t i = 0; i < bi->memmap_count; i++) {
		const struct pk_memmap_entry *e = &bi->memmap[i];
		if (e->type != PK_MEM_RESERVED && e->base + e->length > top)
			top = e->base + e->length;
	}
	top = (top + PAGE_2M_SIZE - 1) & ~(PAGE_2M_SIZE - 1);
	/* the first 2 MiB in 4 KiB pages: fixed-range MTRRs split it, and a
	 * large page over several memory types is slow (SDM Vol 3A 12.11.9) */
	dm_map_runs(bi, 0, PAGE_2M_SIZE, PAGE_4K, PG_MAX_4K);
	dm_map_runs(bi, PAGE_2M_SIZE, top, PAGE_2M_SIZE, 0);
	return top;
}

static int in_guard(uint64_t va, uint64_t base, uint64_t end, uint64_t stride)
{
	return va >= base && va < end && (va - base) % stride < STACK_GUARD;
}

/* PG_* flags of the kernel-image page at va, or NOT_MAPPED for guards. */
static unsigned kernel_page_flags(uint64_t va)
{
	if (in_guard(va, (uint64_t)kstacks, (uint64_t)kstacks_end, KSTACK_STRIDE) ||
	    in_guard(va, (uint64_t)ist_bsp, (uint64_t)ist_bsp + sizeof(ist_bsp), IST_STRIDE))
		return NOT_MAPPED;
	if (va < (uint64_t)__rodata_start)
		return PG_EXEC;
	if (va < (uint64_t)__data_start)
		return 0;
	if (va < (uint64_t)__ksyms_start)
		return PG_WRITE;
	return 0;
}

static void paging_kernel_image(void)
{
	uint64_t start = (uint64_t)__kernel_start, end = (uint64_t)__kernel_end;
	uint64_t run = start;
	unsigned cls = kernel_page_flags(start);
	for (uint64_t va = start + PAGE_4K; va <= end; va += PAGE_4K) {
		unsigned next = va < end ? kernel_page_flags(va) : NOT_MAPPED;
		if (va < end && next == cls)
			continue;
		if (cls != NOT_MAPPED)
			map_or_die(run, run - PK_KERNEL_VMA, va - run, cls);
		run = va;
		cls = next;
	}
	/* the boot stub stays readable where it was linked (boot_entry_tsc) */
	uint64_t b0 = (uint64_t)__boot_start & ~(PAGE_4K - 1);
	uint64_t b1 = ((uint64_t)__boot_end + PAGE_4K - 1) & ~(PAGE_4K - 1);
	map_or_die(b0, b0, b1 - b0, PG_MAX_4K);
}

/* NXE must be on before any table with NX bits is live (else bit 63 is
 * reserved and every walk faults, SDM Vol 3A 5.5.1): early.c's
 * cpu_enable_state turned it on, on this CPU, whenever CPUID has NX, which
 * is when paging_nx_bit is set (no second EFER read and write: two VM
 * exits). Then WP and the new CR3. */
static void paging_switch(uint32_t cpu)
{
	write_cr0(read_cr0() | CR0_WP);
	paging_cpu_online(cpu);
	write_cr3(paging_root_phys);
}

void paging_init(const struct pk_bootinfo *bi)
{
	paging_nx_bit = cpu_has(CPUF_NX) ? PTE_NX : 0;
	paging_have_1g = cpu_has(CPUF_PDPE1GB);
	paging_root = pages_alloc(PAGE_4K, PAGE_4K);
	if (!paging_root) {
		kprintf("paging: no memory for the page-table root\n");
		platform_exit(PK_EXIT_PANIC);
	}
	for (unsigned i = 0; i < 512; i++)
		paging_root[i] = 0;
	paging_stats.table_pages = 1;
	paging_root_phys = (uint64_t)paging_root - PK_DIRECT_MAP_BASE;

	uint64_t top = paging_direct_map(bi);
	paging_kernel_image();
	paging_tlb_init();
	paging_switch(0);
	paging_ready = 1;
	direct_map_limit = top;
	direct_map_page_size = paging_have_1g ? "1G" : "2M";
	/* one line for frames and tables: each serial line costs boot time */
	struct frame_alloc fs;
	frames_stats(&fs);
	kprintf("mm: %lu of %lu MiB free; page tables at 0x%lx, direct map to 0x%lx with %s "
		"pages, W^X%s\n",
		fs.free_pages >> 8, frames_usable_mib, paging_root_phys, top, direct_map_page_size,
		paging_nx_bit ? "" : " (no NX on this CPU: data stays executable)");
}

void paging_init_ap(void)
{
	paging_switch(this_cpu()->index);
}
