/* SPDX-License-Identifier: MIT */
/* guest/arch/mmio.h - physical memory access through the direct map. */
#ifndef PK_ARCH_MMIO_H
#define PK_ARCH_MMIO_H

#include <stdint.h>

#include "proto/boot.h"

static inline void *phys_to_virt(uint64_t pa)
{
	return (void *)(PK_DIRECT_MAP_BASE + pa);
}

/* Device registers: the direct map covers the 3-4 GiB MMIO hole with
 * write-back PAT, and the firmware's MTRRs make that range UC, which wins
 * (SDM Vol 3A 13.5.2.2 table 13-7); no MTRR is ever changed. */
static inline volatile uint32_t *phys_to_virt_mmio(uint64_t pa)
{
	return (volatile uint32_t *)(PK_DIRECT_MAP_BASE + pa);
}

static inline uint32_t mmio_read32(const volatile uint32_t *p)
{
	return *p;
}
static inline void mmio_write32(volatile uint32_t *p, uint32_t v)
{
	*p = v;
}

#endif
