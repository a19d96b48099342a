/* SPDX-License-Identifier: MIT */
/*
 * vmm/perf.h - vmm-side profiling (`--perf FILE --perf-freq HZ`): a timer
 * thread kicks every vCPU thread at HZ (immediate_exit + SIGUSR1), the
 * vCPU thread reads its registers and walks the guest's frame chain
 * through the guest page tables, and the samples, plus the records the
 * guest hands over with perf_flush, go to FILE (proto/perf.h) at exit.
 * Works with an unmodified guest and without a PMU.
 */
#ifndef PK_VMM_PERF_H
#define PK_VMM_PERF_H

#include <stdint.h>

#include "proto/hypercall.h"
#include "vmm.h"

struct vm;
struct vcpu;

#define PERF_BUF_LIMIT (256ull << 20) /* total bytes buffered before dropping */
/* the largest FILE perf_finish writes: header, buffers, the lost record */
#define PERF_FILE_MAX (PERF_BUF_LIMIT + 4096)

/* Before the vCPUs are created: when KVM_CAP_PMU_CAPABILITY says the host
 * does not virtualize a PMU, make sure the CPUID the vCPUs get does not
 * advertise one (leaf 0Ah version 0, no AMD PerfCtrCore/PerfMonV2). */
void perf_pmu_cpuid(struct vm *vm);
/* Before the vCPUs run: hash the ELF's .text, report the vPMU (-v). */
int perf_init(struct vm *vm);
/* After vcpu_start_all: start the sampling thread (when --perf-freq). */
int perf_start(struct vm *vm);
/* In each vCPU's run loop after KVM_RUN: take a sample if one is due. */
void perf_vcpu_poll(struct vcpu *v);
/* After the VM stopped: stop sampling and write FILE. 0 or -errno. */
int perf_finish(struct vm *vm);

/* FNV-1a of the ELF's .text section (proto/perf.h elf_id), 0 if none. */
uint64_t perf_elf_text_id(const char *path);

#endif
