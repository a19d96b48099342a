/* SPDX-License-Identifier: MIT */
/*
 * guest/app/demo_parallel.c - the demo's parallel workload: a dense
 * single-precision matrix multiply, one task per CPU taking rows through
 * sched_parallel_for, timed on 1, 2, 4 ... CPUs with the speed-up.
 * The inner loop is written so GCC vectorises it (AVX2/FMA in the v3
 * build, SSE in the baseline one).
 */
#include "../arch/console.h"
#include "../arch/cpu.h"
#include "../arch/smp.h"
#include "../arch/tsc.h"
#include "../mm/pages.h"
#include "../sched/sched.h"
#include "app.h"

#define N 128 /* 3 x 64 KiB of floats: fits in L2, compute bound; small enough for TCG */

struct mm_job {
	const float *a, *b;
	float *c;
};

/* c[i][*] = sum_k a[i][k] * b[k][*]: the j loop is contiguous and
 * independent, so it vectorises */
static void matmul_row(uint64_t i, void *arg)
{
	const struct mm_job *j = arg;
	float *c = j->c + i * N;
	for (int x = 0; x < N; x++)
		c[x] = 0;
	for (int k = 0; k < N; k++) {
		float aik = j->a[i * N + k];
		const float *b = j->b + k * N;
		for (int x = 0; x < N; x++)
			c[x] += aik * b[x];
	}
}

void demo_parallel(void)
{
	size_t bytes = 3 * N * N * sizeof(float);
	float *m = pages_alloc(bytes, PAGE_2M);
	if (!m) {
		kprintf("demo: parallel matmul skipped: no memory\n");
		return;
	}
	struct mm_job job = {m, m + N * N, m + 2 * N * N};
	for (int i = 0; i < N * N; i++) {
		m[i] = (float)(i % 7) - 3;	   /* a */
		m[N * N + i] = (float)(i % 5) - 2; /* b */
	}
	kprintf("demo: %dx%d float matmul (%s), split by rows over tasks:\n", N, N,
		"sched_parallel_for");
	uint64_t t1 = 0;
	float check = 0;
	for (unsigned ncpu = 1;; ncpu *= 2) {
		if (ncpu > smp_online_count)
			ncpu = smp_online_count;
		uint64_t best = ~0ull;
		for (int rep = 0; rep < 2; rep++) {
			uint64_t t0 = rdtsc();
			sched_parallel_for_cpus(ncpu, N, matmul_row, &job);
			uint64_t dt = rdtsc() - t0;
			best = dt < best ? dt : best;
		}
		if (ncpu == 1) {
			t1 = best;
			check = job.c[N * N - 1];
		}
		uint64_t us = tsc_cycles_to_us(best);
		kprintf("  %u CPU%s %6lu us  speed-up %lu.%02lux%s\n", ncpu, ncpu > 1 ? "s" : " ",
			us, t1 / best, t1 * 100 / best % 100,
			job.c[N * N - 1] == check ? "" : "  (result differs!)");
		if (ncpu >= smp_online_count)
			break;
	}
	pages_free(m, bytes);
}
