/* SPDX-License-Identifier: MIT */
/*
 * lib/ksyms/ksyms_search.h - address <-> symbol over a sorted table: the
 * kernel's backtraces (guest/kernel/ksyms.c, over the table
 * tools/ksyms_gen.sh emits) and kperf's report use the same search, so both
 * name the same function for one address.
 */
#ifndef PK_LIB_KSYMS_SEARCH_H
#define PK_LIB_KSYMS_SEARCH_H

#include <stdint.h>

/* Index of the last addrs[i] <= addr in the sorted array, or -1. */
long ksyms_search(const uint64_t *addrs, uint64_t n, uint64_t addr);

/* The generated table's shape: n sorted addresses, and for each the
 * offset of its NUL-terminated name in names. */
struct ksyms_table {
	uint64_t n;
	const uint64_t *addr;
	const uint32_t *name_off;
	const char *names;
};

/* Name of the symbol at or below addr and the offset into it, or NULL. */
const char *ksyms_table_lookup(const struct ksyms_table *t, uint64_t addr, uint64_t *offset);

/* Address of a symbol by exact name, 0 if absent. */
uint64_t ksyms_table_address(const struct ksyms_table *t, const char *name);

#endif
