/* SPDX-License-Identifier: MIT */
/*
 * tools/kperf/perf_spawn.h - running gnuplot and objdump without a shell:
 * posix_spawnp with an argv, so a symbol name or path is one argument and
 * never shell syntax.
 */
#ifndef PK_KPERF_PERF_SPAWN_H
#define PK_KPERF_PERF_SPAWN_H

#include <sys/types.h>

/* Start argv[0] (searched in PATH); with out_fd, its stdout is a pipe whose
 * read end is stored there. The pid, or -1 with a message naming argv[0]. */
pid_t kp_spawn(char *const argv[], int *out_fd);
/* Wait for it: its exit status, 128 + signal, or -1. */
int kp_wait(pid_t pid);

#endif
