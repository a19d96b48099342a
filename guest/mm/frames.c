/* SPDX-License-Identifier: MIT */
/*
 * guest/mm/frames.c - the kernel's frame allocator instance: built
 * from the boot memory map, behind one spinlock (the heap caches pages
 * above it, so the lock is off every fast path), and pages_alloc /
 * pages_free (pages.h) on top.
 *
 * What is never handed out: everything below 1 MiB (real-mode IVT/BDA,
 * EBDA, the AP trampoline page, option ROMs), every range the map does
 * not call usable (firmware, ACPI tables and NVS, MMIO), the boot stub
 * with the early page tables (.boot, which APs keep using until they
 * switch), the kernel image from __kernel_start to __kernel_end (text,
 * data, bss with all static stacks and boot_info), and the allocator's
 * own metadata. Loader structures (PVH start info, multiboot2 MBI) are
 * copied into boot_info and ACPI is parsed before frames_init() runs.
 */
#include "proto/boot.h"
#include "guest/kernel/console.h"
#include "guest/arch/layout.h"
#include "guest/arch/mmio.h"
#include "guest/kernel/platform.h"
#include "guest/arch/spinlock.h"
#include "guest/mm/frames.h"
#include "lib/heap/pages.h"

extern const char __boot_start[], __boot_end[], __kernel_start[], __kernel_end[];

static struct frame_alloc frames;
static struct spinlock frames_lock = SPINLOCK_INIT;
static int frames_ready;
uint64_t frames_usable_mib, frames_meta_kib; /* for the boot line (paging.c) */

#define LOW_RESERVED (1ull << 20)
#define EARLY_MAP_LIMIT (4ull << 30) /* boot.S direct-maps the first 4 GiB */

static uint64_t kphys(const char *sym)
{
	return (uint64_t)sym - PK_KERNEL_VMA;
}

/* Where the metadata goes: the first usable range above the kernel image
 * (and inside the early direct map) with room for it. */
static uint64_t frames_meta_place(const struct pk_bootinfo *bi, uint64_t size)
{
	uint64_t after = (kphys(__kernel_end) + 4095) & ~4095ull;
	for (uint32_t i = 0; i < bi->memmap_count; i++) {
		const struct pk_memmap_entry *e = &bi->memmap[i];
		if (e->type != PK_MEM_USABLE)
			continue;
		uint64_t start = (e->base + 4095) & ~4095ull, end = e->base + e->length;
		if (start < after)
			start = after;
		if (end > EARLY_MAP_LIMIT)
			end = EARLY_MAP_LIMIT;
		if (start < end && end - start >= size)
			return start;
	}
	return 0;
}

void frames_init(const struct pk_bootinfo *bi)
{
	uint64_t limit = 0, usable = 0;
	for (uint32_t i = 0; i < bi->memmap_count; i++) {
		const struct pk_memmap_entry *e = &bi->memmap[i];
		if (e->type == PK_MEM_USABLE && e->base + e->length > limit)
			limit = e->base + e->length;
		if (e->type == PK_MEM_USABLE)
			usable += e->length;
	}
	size_t meta_size = frame_meta_size(limit);
	uint64_t meta_bytes = (meta_size + 4095) & ~4095ull;
	uint64_t meta = frames_meta_place(bi, meta_bytes);
	if (!meta || frame_init(&frames, phys_to_virt(meta), meta_size, limit) < 0) {
		kprintf("frames: no usable range for %lu bytes of allocator metadata\n",
			meta_bytes);
		platform_exit(PK_EXIT_PANIC);
	}
	for (uint32_t i = 0; i < bi->memmap_count; i++)
		if (bi->memmap[i].type == PK_MEM_USABLE)
			frame_release(&frames, bi->memmap[i].base, bi->memmap[i].length);
	/* the map is sorted and merged (bootparse.c), but be strict anyway */
	for (uint32_t i = 0; i < bi->memmap_count; i++)
		if (bi->memmap[i].type != PK_MEM_USABLE)
			frame_reserve(&frames, bi->memmap[i].base, bi->memmap[i].length);
	frame_reserve(&frames, 0, LOW_RESERVED);
	frame_reserve(&frames, (uint64_t)__boot_start, (uint64_t)(__boot_end - __boot_start));
	frame_reserve(&frames, kphys(__kernel_start), (uint64_t)(__kernel_end - __kernel_start));
	frame_reserve(&frames, meta, meta_bytes);
	frames_ready = 1;
	frames_usable_mib = usable >> 20;
	frames_meta_kib = meta_bytes >> 10;
}

void frames_stats(struct frame_alloc *out)
{
	uint64_t f = spin_lock_irqsave(&frames_lock);
	*out = frames;
	spin_unlock_irqrestore(&frames_lock, f);
	out->pages = 0;
	out->nfree = 0;
	out->full = out->partial = 0;
}

void *pages_alloc(size_t bytes, size_t align)
{
	if (!frames_ready)
		return 0;
	uint64_t f = spin_lock_irqsave(&frames_lock);
	uint64_t pa = frame_alloc(&frames, bytes, align);
	spin_unlock_irqrestore(&frames_lock, f);
	return pa ? phys_to_virt(pa) : 0;
}

void pages_free(void *p, size_t bytes)
{
	uint64_t pa = (uint64_t)p - PK_DIRECT_MAP_BASE;
	uint64_t f = spin_lock_irqsave(&frames_lock);
	int rc = frame_free(&frames, pa, bytes);
	spin_unlock_irqrestore(&frames_lock, f);
	if (rc < 0)
		kprintf("pages_free: %p (%zu bytes) was not allocated; ignored\n", p, bytes);
}
