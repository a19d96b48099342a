/* SPDX-License-Identifier: MIT */
/*
 * lib/heap/pages.h - page-granular memory: the contract between the
 * physical frame allocator (lib/frame, guest/mm/frames.c) and its users (the heap's
 * guest back end, task stacks, benchmarks).
 *
 * Addresses are direct-map virtual addresses (PK_DIRECT_MAP_BASE + phys),
 * mapped RW NX. The heap's host build implements the same two functions
 * with mmap, so heap code never knows which side it runs on.
 */
#ifndef PK_MM_PAGES_H
#define PK_MM_PAGES_H

#include <stddef.h>
#include <stdint.h>

#define PAGE_SIZE 4096ull
#define PAGE_2M (2ull << 20)
#define PAGE_1G (1ull << 30)

/*
 * bytes: a multiple of 4 KiB. align: a power of two, 4 KiB .. 1 GiB.
 * Returns NULL (and counts the failure) when no such run is free; never
 * hands out reserved ranges, ACPI tables, the kernel image or boot data.
 * Safe to call from any CPU.
 */
void *pages_alloc(size_t bytes, size_t align);

/* Give back exactly what one pages_alloc returned (same bytes). */
void pages_free(void *p, size_t bytes);

#endif
