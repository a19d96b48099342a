/* SPDX-License-Identifier: MIT */
/*
 * guest/perf/perf.h - profiling inside the kernel (proto/perf.h records).
 *
 * `perf=` on the command line (parsed by perf_begin before the app runs):
 *   perf=timer:HZ      LAPIC-timer sampling on every CPU (works without a PMU)
 *   perf=pmu:HZ        cycles-overflow PMI sampling, ~HZ per CPU; falls back to
 *                      the timer (saying so) when no PMU is exposed
 *   perf=count:EV,...  counting per CPU (cycles instructions ref-cycles
 *                      LLC-references LLC-misses branches branch-misses rNNNN)
 * Samples carry RIP, the frame-pointer chain, cpu, task and their source.
 * perf_end() writes them out: perf_flush hypercalls to the vmm, or framed
 * "perf.*" blobs on the console on a PC (kperf reads both).
 */
#ifndef PK_ARCH_PERF_H
#define PK_ARCH_PERF_H

#include <stdint.h>

#define PERF_MAX_EVENTS 4

/* Parse perf= and start; 0 (also when absent) or -1 on a bad value. */
int perf_begin(const char *cmdline);
/* Stop everything and hand the records to the host. */
void perf_end(void);
/* Is counting active (perf=count)? */
int perf_counting(void);
/* Is any perf= mode active (records that perf_end must hand over)? */
int perf_active(void);

struct perf_region {
	const char *name;
	uint64_t start[PERF_MAX_EVENTS];
	uint64_t tsc;
	int live;
};
struct perf_region perf_region_begin(const char *name);
void perf_region_end(struct perf_region *r);

/* The program's .text hash for the header's prog_id (a Linux program's
 * loader sets it; the vmm writes its own header from PROGRAM's file). */
extern uint64_t perf_prog_id;

/* A marker record (proto/perf.h PK_PERF_REC_MARK): this CPU passed the
 * point `name` now. Any perf= mode; a no-op without one. */
void perf_mark(const char *name);

/* PERF_REGION("name") { ... }: count the block's events on this CPU (a
 * count record per event, region "name"); a no-op without perf=count. */
#define PERF_REGION(name)                                                                          \
	for (struct perf_region perf_r_ = perf_region_begin(name); perf_r_.live;                   \
	     perf_region_end(&perf_r_))

#endif
