/* SPDX-License-Identifier: MIT */
/*
 * guest/app/perfcheck.c - a workload with a known profile for the perf
 * tests: perfcheck_hot_a() does exactly three times the work of
 * perfcheck_hot_b() per round, so a profiler should attribute ~75% and
 * ~25% of the samples to them (kperf report). The rounds are timed, which
 * gives the sampling overhead (the same run with and without perf=).
 *   run=perfcheck [perfcheck_rounds=N] [perf=...]
 * Also: the PMU counting test (SKIPs with the reason when there is none).
 */
#include "guest/kernel/console.h"
#include "guest/arch/cpu.h"
#include "guest/arch/layout.h"
#include "guest/perf/perf.h"
#include "guest/arch/pmu.h"
#include "guest/kernel/result.h"
#include "guest/arch/tsc.h"
#include "guest/kernel/param.h"
#include "lib/cmdline/cmdline.h"
#include "lib/printf/printf.h"
#include "app.h"
#include "ktest.h"

#define UNIT 500000	  /* iterations per unit of work */
#define ROUND_UNITS_MAX 7 /* a round is 1..7 units of hot_b and 3x that of hot_a */

static volatile uint64_t perfcheck_sink;

/* A call at the top makes the hot functions non-leaf, so GCC gives them a
 * frame (push rbp) before the loop and samples show full call chains. */
static __attribute__((noinline, noclone)) uint64_t perfcheck_seed(uint64_t x)
{
	__asm__ volatile("" : "+r"(x));
	return x | 1;
}

/* Kept as separate frames (noinline, frame pointers) so both the leaf
 * attribution and the call chains are unambiguous. */
static __attribute__((noinline, noclone)) uint64_t perfcheck_hot_a(uint64_t x, unsigned units)
{
	x = perfcheck_seed(x);
	for (unsigned i = 0; i < 3 * units * UNIT; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		__asm__ volatile("" : "+r"(x));
	}
	return x;
}

static __attribute__((noinline, noclone)) uint64_t perfcheck_hot_b(uint64_t x, unsigned units)
{
	x = perfcheck_seed(x);
	for (unsigned i = 0; i < units * UNIT; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		__asm__ volatile("" : "+r"(x));
	}
	return x;
}

/* Round lengths vary (a fixed pseudo-random sequence, so the total work is
 * the same every run): a periodic workload sampled by a periodic timer can
 * alias and skew the attribution; 4 units per round on average. */
static __attribute__((noinline, noclone)) uint64_t perfcheck_rounds(uint64_t rounds)
{
	uint64_t x = 88172645463325252ull;
	uint32_t lcg = 12345;
	for (uint64_t r = 0; r < rounds; r++) {
		lcg = lcg * 1103515245u + 12345u; /* ANSI C rand() step */
		unsigned units = 1 + (lcg >> 16) % ROUND_UNITS_MAX;
		x = perfcheck_hot_a(x, units);
		x = perfcheck_hot_b(x, units);
	}
	return x;
}

PK_PARAM(perfcheck_rounds, "perfcheck: rounds of the two hot functions (default 20)");

static int perfcheck_run(const char *cmdline)
{
	uint64_t rounds = cmdline_get_uint(cmdline, "perfcheck_rounds", 20);
	uint64_t t0 = rdtsc_ordered(), x = 0;
	PERF_REGION("perfcheck")
	{
		x = perfcheck_rounds(rounds);
	}
	uint64_t dt = rdtsc_ordered() - t0;
	perfcheck_sink = x;
	uint64_t us = tsc_khz ? dt * 1000 / tsc_khz : 0;
	kprintf("perfcheck: %lu rounds (hot_a:hot_b work 3:1) in %lu us\n", rounds, us);
	char csv[96];
	int n = pk_snprintf(csv, sizeof(csv), "rounds,us\n%lu,%lu\n", rounds, us);
	result_write("perfcheck.csv", csv, (size_t)n);
	return PK_EXIT_OK;
}
APP("perfcheck", perfcheck_run, "two hot functions, 3:1 (profiler check; perf=...)");

/* Instructions retired over a loop of known length: at least the loop's
 * own instructions, and not wildly more. */
TEST(pmu_count_instructions)
{
	pmu_init();
	if (pmu_caps.kind == PMU_NONE)
		SKIP("no PMU exposed: %s", pmu_caps.why);
	if (!(pmu_caps.events & (1u << PK_PERF_EV_INSTRUCTIONS)))
		SKIP("%s has no instructions-retired event", pmu_kind_name());
	uint64_t sel = pmu_evsel(&pmu_caps, PK_PERF_EV_INSTRUCTIONS, 0, 0);
	uint64_t fl = irq_save();
	pmu_program(&pmu_caps, &pmu_msr, 0, sel, 0);
	uint64_t x = perfcheck_hot_b(1, 1); /* UNIT iterations, >= 7 instructions each */
	uint64_t n = pmu_read(&pmu_caps, &pmu_msr, 0);
	pmu_program(&pmu_caps, &pmu_msr, 0, 0, 0);
	irq_restore(fl);
	perfcheck_sink = x;
	EXPECT_MSG(n >= 7ull * UNIT && n < 50ull * UNIT, "%lu instructions for %u iterations", n,
		   UNIT);
}
