/* SPDX-License-Identifier: MIT */
/* lib/config.h - build-time limits of the kernel (host-compilable). */
#ifndef PK_CONFIG_H
#define PK_CONFIG_H

/* Logical CPUs the kernel will bring up; extra MADT entries are reported
 * and left parked. Overridable with -DPK_MAX_CPUS=N at configure time. */
#ifndef PK_MAX_CPUS
#define PK_MAX_CPUS 256
#endif

/* phys -> pointer translation used by every parser that reads loader or
 * firmware structures (PVH, multiboot2, ACPI). Returns NULL when [phys,
 * phys+len) is not readable; the guest maps through the direct map, host
 * unit tests through a fake physical memory. */
#ifndef __ASSEMBLER__
#include <stdint.h>
typedef const void *(*pk_phys_map_fn)(uint64_t phys, uint64_t len, void *ctx);
#endif

#endif
