/* SPDX-License-Identifier: MIT */
/* guest/kernel/hypercall.h - calls into the perfkern vmm (proto/hypercall.h). */
#ifndef PK_ARCH_HYPERCALL_H
#define PK_ARCH_HYPERCALL_H

#include <stdbool.h>
#include <stdint.h>

#include "proto/hypercall.h"

/* True once boot info says VMM and CPUID 40000000h carries our signature. */
extern bool platform_vmm;
void hypercall_detect(uint32_t bootinfo_platform);

/* Guest-physical address of a kernel-image or direct-map pointer. */
uint64_t kvirt_to_phys(const void *p);

/* Issue call `nr` with request `req` (first field: struct pk_hc_hdr);
 * returns req->ret. The request must live below 4 GiB physical. */
int64_t hypercall(unsigned nr, void *req);

#endif
