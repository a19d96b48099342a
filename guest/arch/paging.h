/* SPDX-License-Identifier: MIT */
/*
 * guest/arch/paging.h - the early page tables from boot.S, extended so the
 * direct map covers all RAM. (The full MMU - permissions, 4 KiB pages,
 * shootdowns - belongs to guest/mm.)
 */
#ifndef PK_ARCH_PAGING_H
#define PK_ARCH_PAGING_H

#include <stdint.h>

#include "../../proto/boot.h"

/* Highest physical address + 1 covered by the direct map. */
extern uint64_t direct_map_limit;
extern const char *direct_map_page_size; /* "1G" or "2M" */

/* Map RAM above 4 GiB into the direct map (1 GiB pages with pdpe1gb). */
void paging_early_init(const struct pk_bootinfo *bi);

/* pk_phys_map_fn over the direct map (config.h). */
const void *paging_phys_map(uint64_t phys, uint64_t len, void *ctx);

#endif
