/* SPDX-License-Identifier: MIT */
/* guest/app/app.h - what the kernel runs after boot (run= on the cmdline). */
#ifndef PK_APP_APP_H
#define PK_APP_APP_H

#include <stdint.h>

/* Check the command line, run the chosen app, return the exit code. */
int app_main(const char *cmdline);

/* Decimal or 0x-hex; `fallback` when s is not a number. */
uint64_t app_parse_uint(const char *s, uint64_t fallback);

int demo_run(const char *cmdline);
int ktest_run_all(const char *cmdline);
int hostile_run(const char *cmdline);
int triplefault_run(const char *cmdline);
int stackoverflow_run(const char *cmdline);
int bench_sched_run(const char *cmdline);
int bench_heap_run(const char *cmdline);
void demo_parallel(void); /* demo_parallel.c: the demo's matmul on 1..N CPUs */
/* scale.c: run(ncpu) returns the cycles of one run; the best of reps on
 * 1, 2, 4 ... online CPUs goes to report (with the 1-CPU best). */
void app_scale_cpus(int reps, uint64_t (*run)(unsigned ncpu, void *ctx),
		    void (*report)(unsigned ncpu, uint64_t best, uint64_t one_cpu, void *ctx),
		    void *ctx);
int spin_run(const char *cmdline);
int bench_exits_run(const char *cmdline);
int mmu_run(const char *cmdline);
int bench_pages_run(const char *cmdline);
int perfcheck_run(const char *cmdline);

#endif
