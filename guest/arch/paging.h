/* SPDX-License-Identifier: MIT */
/*
 * guest/arch/paging.h - physical memory access before and after the
 * kernel's own page tables (guest/mm/paging.h) take over: boot.S's early
 * tables direct-map the first 4 GiB, which is all the loader and ACPI
 * parsers need; paging_init() then widens direct_map_limit to all RAM.
 */
#ifndef PK_ARCH_PAGING_H
#define PK_ARCH_PAGING_H

#include <stdint.h>

#include "proto/boot.h"

/* Highest physical address + 1 covered by the direct map. */
extern uint64_t direct_map_limit;
extern const char *direct_map_page_size; /* "1G" or "2M" */

/* pk_phys_map_fn over the direct map (config.h). */
const void *paging_phys_map(uint64_t phys, uint64_t len, void *ctx);

#endif
