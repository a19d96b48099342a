/* SPDX-License-Identifier: MIT */
/*
 * fuzz/fake_vm.h - a VM with guest RAM and one vCPU but no /dev/kvm, for
 * the targets that drive the vmm's guest-facing code (hcall, pio): the
 * dispatchers only touch vm->mem, opts, the clock and counters. stdout
 * (the guest console) goes to /dev/null.
 */
#ifndef PK_FUZZ_FAKE_VM_H
#define PK_FUZZ_FAKE_VM_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "vmm/kvm.h"

static inline void fake_vm_init(struct vm *vm, struct vcpu *v, struct vmm_opts *o, uint64_t ram)
{
	if (mem_alloc(&vm->mem, ram, HP_OFF) < 0)
		abort();
	if (!freopen("/dev/null", "w", stdout))
		abort();
	vm->opts = o;
	vm->ncpus = 1;
	vm->tsc_khz = 1000000;
	clock_gettime(CLOCK_MONOTONIC, &vm->t0);
	v->vm = vm;
}

#endif
