/* SPDX-License-Identifier: MIT */
/* guest/kernel/ksyms_search.c - the address search of ksyms.h on its own, so
 * host tools (tools/kperf) use the very same lookup as the kernel. */
#include "ksyms.h"

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
