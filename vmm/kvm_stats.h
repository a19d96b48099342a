/* SPDX-License-Identifier: MIT */
/* vmm/kvm_stats.h - KVM's own counters (KVM_GET_STATS_FD) for --stats. */
#ifndef PK_VMM_KVM_STATS_H
#define PK_VMM_KVM_STATS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct vm;

/* Take the VM's and every vCPU's stats fd (at setup, before the sandbox);
 * -1 where the kernel has none (before 5.14), with one message. */
void kvm_stats_open(struct vm *vm);
/* One line per vCPU and one for the VM: the nonzero counters by name. */
void kvm_stats_print(struct vm *vm, FILE *f);
/* fn(name, value) for each single-value stat of a stats file read into
 * buf; the number of stats, or -EINVAL when the layout does not fit len. */
int kvm_stats_each(const uint8_t *buf, size_t len,
		   void (*fn)(const char *name, uint64_t value, void *arg), void *arg);

#endif
