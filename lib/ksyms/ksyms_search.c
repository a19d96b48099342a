/* SPDX-License-Identifier: MIT */
/* lib/ksyms/ksyms_search.c - the address search of ksyms.h on its own, so
 * host tools (tools/kperf) use the very same lookup as the kernel. */
#include "ksyms_search.h"

#include "lib/kstring/kstring.h"

long ksyms_search(const uint64_t *addrs, uint64_t n, uint64_t addr)
{
	long lo = 0, hi = (long)n - 1, found = -1;
	while (lo <= hi) {
		long mid = lo + (hi - lo) / 2;
		if (addrs[mid] <= addr) {
			found = mid;
			lo = mid + 1;
		} else {
			hi = mid - 1;
		}
	}
	return found;
}

const char *ksyms_table_lookup(const struct ksyms_table *t, uint64_t addr, uint64_t *offset)
{
	long i = ksyms_search(t->addr, t->n, addr);
	if (i < 0)
		return 0;
	if (offset)
		*offset = addr - t->addr[i];
	return t->names + t->name_off[i];
}

uint64_t ksyms_table_address(const struct ksyms_table *t, const char *name)
{
	for (uint64_t i = 0; i < t->n; i++)
		if (strcmp(t->names + t->name_off[i], name) == 0)
			return t->addr[i];
	return 0;
}
