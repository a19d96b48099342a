/* SPDX-License-Identifier: MIT */
/*
 * lib/perf_chain/perf_chain.h - frame-pointer call-chain walk for samples.
 * Pure C: the guest's sampler reads its own stack, the vmm reads guest
 * memory through the guest page tables (vmm/perf_walk.c), the unit tests
 * a fake stack; all three run this one walk.
 */
#ifndef PK_ARCH_PERF_CHAIN_H
#define PK_ARCH_PERF_CHAIN_H

#include <stdint.h>

/* Read the 8 bytes at virtual address va; 0 on success, -1 when va is not
 * readable (the walk ends there, it never faults). */
typedef int (*perf_read_fn)(void *ctx, uint64_t va, uint64_t *val);

/* Follow rbp -> [saved rbp, return address] up to max frames, storing the
 * return addresses. The walk ends at a zero/unaligned/unreadable frame, a
 * zero return address, or a saved rbp that does not move up the stack
 * (corrupt or looping chains). *truncated is set when frames remained
 * after max. Returns the number of frames stored. */
unsigned perf_chain_walk(uint64_t rbp, perf_read_fn read, void *ctx, uint64_t *frames, unsigned max,
			 int *truncated);

/* No sane frame is bigger than this (stacks are KiB to a few MiB). */
#define PERF_CHAIN_MAX_FRAME (8ull << 20)

#endif
