/* SPDX-License-Identifier: MIT */
/* tools/kperf/perf_plot.h - gnuplot charts of a recording: PREFIX-timeline
 * (samples per CPU over time, coloured by top symbol), PREFIX-top (top
 * symbols bar chart) and PREFIX-counters (IPC and miss rates, when the
 * recording has counts), each as .svg and .png, plus the .dat/.gp files. */
#ifndef PK_KPERF_PERF_PLOT_H
#define PK_KPERF_PERF_PLOT_H

#include <stdio.h>

#include "perf_data.h"
#include "lib/elfsym/elfsym.h"

/* a then b (NULL for none) as one gnuplot '...' literal; kp_dat_label: s as
 * a "..." label column of a data file. Neither lets a quote, newline or
 * other control character through (perf_plot.c says why). */
void kp_gp_quote(FILE *f, const char *a, const char *b);
void kp_dat_label(FILE *f, const char *s);

int kp_plot(const struct kp_data *d, const struct elf_syms *s, unsigned source, const char *prefix);

#endif
