/* SPDX-License-Identifier: MIT */
/*
 * guest/app/demo_parallel.c - the demo's parallel workload: a dense
 * single-precision matrix multiply, one task per CPU taking rows through
 * sched_parallel_for, timed on 1, 2, 4 ... CPUs with the speed-up.
 * The inner loop is written so GCC vectorises it (AVX2/FMA in the v3
 * build, SSE in the baseline one).
 */
#include "guest/kernel/console.h"
#include "guest/arch/cpu.h"
#include "guest/arch/smp.h"
#include "guest/arch/tsc.h"
#include "lib/heap/pages.h"
#include "lib/sched/sched.h"
#include "app.h"

#define N 128 /* 3 x 64 KiB of floats: fits in L2, compute bound; small enough for TCG */

struct mm_job {
	const float *a, *b;
	float *c;
	float check; /* a corner of the 1-CPU result: every run must match */
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

static uint64_t matmul_run(unsigned ncpu, void *arg)
{
	uint64_t t0 = rdtsc();
	sched_parallel_for_cpus(ncpu, N, matmul_row, arg);
	return rdtsc() - t0;
}

static void matmul_report(unsigned ncpu, uint64_t best, uint64_t t1, void *arg)
{
	struct mm_job *j = arg;
	if (ncpu == 1)
		j->check = j->c[N * N - 1];
	kprintf("  %u CPU%s %6lu us  speed-up %lu.%02lux%s\n", ncpu, ncpu > 1 ? "s" : " ",
		tsc_cycles_to_us(best), t1 / best, t1 * 100 / best % 100,
		j->c[N * N - 1] == j->check ? "" : "  (result differs!)");
}

void demo_parallel(void)
{
	size_t bytes = 3 * N * N * sizeof(float);
	float *m = pages_alloc(bytes, PAGE_2M);
	if (!m) {
		kprintf("demo: parallel matmul skipped: no memory\n");
		return;
	}
	struct mm_job job = {m, m + N * N, m + 2 * N * N, 0};
	for (int i = 0; i < N * N; i++) {
		m[i] = (float)(i % 7) - 3;	   /* a */
		m[N * N + i] = (float)(i % 5) - 2; /* b */
	}
	kprintf("demo: %dx%d float matmul (%s), split by rows over tasks:\n", N, N,
		"sched_parallel_for");
	app_scale_cpus(2, matmul_run, matmul_report, &job);
	pages_free(m, bytes);
}
