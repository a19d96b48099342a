/* SPDX-License-Identifier: MIT */
/*
 * tools/kperf/perf_report.h - turning samples into tables: samples per
 * symbol (optionally split by CPU or task), and folded call stacks
 * ("outer;inner;leaf count", flamegraph.pl input). Pure logic for tests.
 */
#ifndef PK_KPERF_PERF_REPORT_H
#define PK_KPERF_PERF_REPORT_H

#include "perf_data.h"
#include "lib/elfsym/elfsym.h"

enum kp_sort { KP_SORT_SYM, KP_SORT_CPU, KP_SORT_TASK };

struct kp_row {
	char *key;
	uint64_t samples;
};

/* source: 0 = every source, else enum pk_perf_source. Rows come sorted by
 * samples, most first (ties by key). *total = samples that matched. */
int kp_aggregate(const struct kp_data *d, const struct elf_syms *s, enum kp_sort sort,
		 unsigned source, struct kp_row **rows, size_t *n, uint64_t *total);
/* Folded stacks, outermost frame first; rows sorted by key. */
int kp_fold(const struct kp_data *d, const struct elf_syms *s, unsigned source,
	    struct kp_row **rows, size_t *n);
void kp_rows_free(struct kp_row *rows, size_t n);

/* Name for a sample address ("[unknown]" when outside every symbol). */
const char *kp_sym_name(const struct elf_syms *s, uint64_t addr);

#endif
