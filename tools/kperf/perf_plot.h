/* SPDX-License-Identifier: MIT */
/* tools/kperf/perf_plot.h - gnuplot charts of a recording: PREFIX-timeline
 * (samples per CPU over time, coloured by top symbol), PREFIX-top (top
 * symbols bar chart) and PREFIX-counters (IPC and miss rates, when the
 * recording has counts), each as .svg and .png, plus the .dat/.gp files. */
#ifndef PK_KPERF_PERF_PLOT_H
#define PK_KPERF_PERF_PLOT_H

#include "perf_data.h"
#include "perf_sym.h"

int kp_plot(const struct kp_data *d, const struct kp_syms *s, unsigned source, const char *prefix);

#endif
