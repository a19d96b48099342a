/* SPDX-License-Identifier: MIT */
/*
 * guest/kernel/ksyms.h - the kernel's own symbol table for backtraces.
 * tools/ksyms_gen.sh writes it from the first link pass; it is linked last
 * (linker.ld .ksyms) so it moves no other symbol.
 */
#ifndef PK_ARCH_KSYMS_H
#define PK_ARCH_KSYMS_H

#include <stdint.h>

#include "lib/ksyms/ksyms_search.h"

/* Name of the function containing addr and the offset into it, or NULL. */
const char *ksyms_lookup(uint64_t addr, uint64_t *offset);

/* Address of a symbol by exact name, 0 if absent. */
uint64_t ksyms_address(const char *name);

#endif
