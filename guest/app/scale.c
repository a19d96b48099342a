/* SPDX-License-Identifier: MIT */
/* guest/app/scale.c - time one workload on 1, 2, 4 ... online CPUs (the
 * demo's matmul, run=bench-heap), so each reports only its own numbers. */
#include "guest/arch/smp.h"
#include "app.h"

void app_scale_cpus(int reps, uint64_t (*run)(unsigned ncpu, void *ctx),
		    void (*report)(unsigned ncpu, uint64_t best, uint64_t one_cpu, void *ctx),
		    void *ctx)
{
	uint64_t one_cpu = 0;
	for (unsigned n = 1;; n *= 2) {
		if (n > smp_online_count)
			n = smp_online_count;
		uint64_t best = ~0ull;
		for (int rep = 0; rep < reps; rep++) {
			uint64_t c = run(n, ctx);
			best = c < best ? c : best;
		}
		if (n == 1)
			one_cpu = best;
		report(n, best, one_cpu, ctx);
		if (n >= smp_online_count)
			break;
	}
}
