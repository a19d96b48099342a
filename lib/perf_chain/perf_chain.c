/* SPDX-License-Identifier: MIT */
/* lib/perf_chain/perf_chain.c - the frame-pointer walk (perf_chain.h). */
#include "perf_chain.h"

unsigned perf_chain_walk(uint64_t rbp, perf_read_fn read, void *ctx, uint64_t *frames, unsigned max,
			 int *truncated)
{
	unsigned n = 0;
	*truncated = 0;
	while (rbp && (rbp & 7) == 0) {
		uint64_t next, ret;
		if (read(ctx, rbp, &next) < 0 || read(ctx, rbp + 8, &ret) < 0 || !ret)
			break;
		if (n == max) {
			*truncated = 1;
			break;
		}
		frames[n++] = ret;
		/* the stack grows down: a caller's frame sits above its callee's */
		if (next <= rbp || next - rbp > PERF_CHAIN_MAX_FRAME)
			break;
		rbp = next;
	}
	return n;
}
