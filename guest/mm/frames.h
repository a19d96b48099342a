/* SPDX-License-Identifier: MIT */
/*
 * guest/mm/frames.h - the kernel's one frame allocator (guest/mm/frames.c),
 * an instance of the pure lib/frame allocator built from the boot memory map.
 */
#ifndef PK_MM_FRAMES_H
#define PK_MM_FRAMES_H

#include "lib/frame/frame.h"
#include "proto/boot.h"
/* build the allocator from the boot memory map, reserving the
 * first MiB, the boot stub and early page tables, the kernel image, and
 * its own metadata. Runs on the BSP before any pages_alloc(). */
void frames_init(const struct pk_bootinfo *bi);
/* a consistent copy of the allocator's counters (no pointers). */
void frames_stats(struct frame_alloc *out);
extern uint64_t frames_usable_mib, frames_meta_kib; /* the memory map's usable RAM */

#endif
