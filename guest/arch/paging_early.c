/* SPDX-License-Identifier: MIT */
/* guest/arch/paging_early.c - phys -> pointer through the direct map, for
 * the loader and ACPI parsers (which run on boot.S's early tables). */
#include "paging.h"

uint64_t direct_map_limit = 4ull << 30; /* boot.S maps the first 4 GiB */
const char *direct_map_page_size = "2M";

const void *paging_phys_map(uint64_t phys, uint64_t len, void *ctx)
{
	(void)ctx;
	if (phys + len < phys || phys + len > direct_map_limit)
		return 0;
	return (const void *)(PK_DIRECT_MAP_BASE + phys);
}
