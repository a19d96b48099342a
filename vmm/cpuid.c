/* SPDX-License-Identifier: MIT */
/*
 * vmm/cpuid.c - the CPUID each vCPU sees: what KVM supports (PMU leaves
 * 0Ah / AMD PerfCtrCore included), a topology matching the vCPU count
 * (one thread per core, APIC ID = vCPU index), and perfkern's signature
 * in the hypervisor range instead of KVM's paravirt leaves.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "proto/hypercall.h"
#include "kvm.h"

static unsigned bits_for(unsigned n)
{
	unsigned b = 0;
	while ((1u << b) < n)
		b++;
	return b;
}

const struct kvm_cpuid_entry2 *cpuid_leaf(const struct vm *vm, uint32_t fn, uint32_t idx)
{
	for (uint32_t i = 0; i < vm->cpuid->nent; i++)
		if (vm->cpuid->entries[i].function == fn && vm->cpuid->entries[i].index == idx)
			return &vm->cpuid->entries[i];
	return 0;
}

int cpuid_setup(struct vm *vm, struct vcpu *v)
{
	const struct kvm_cpuid2 *src = vm->cpuid;
	size_t sz = sizeof(*src) + (src->nent + 3) * sizeof(struct kvm_cpuid_entry2);
	struct kvm_cpuid2 *c = calloc(1, sz);
	if (!c)
		return vmm_syserr("vCPU %u: CPUID table", v->index);
	unsigned id = v->index, n = vm->ncpus, core_bits = bits_for(n);
	for (uint32_t i = 0; i < src->nent; i++) {
		struct kvm_cpuid_entry2 e = src->entries[i];
		if (e.function >= 0x40000000 && e.function < 0x40010000)
			continue; /* KVM's paravirt leaves: replaced below */
		switch (e.function) {
		case 1: /* EBX[31:24] initial APIC ID, [23:16] logical count (SDM CPUID) */
			e.ebx = (e.ebx & 0xffff) | (id << 24) | ((n > 255 ? 255 : n) << 16);
			e.ecx |= 1u << 31; /* hypervisor present */
			break;
		case 0xb:
		case 0x1f: /* x2APIC topology: SMT level then core level */
			e.edx = id;
			if (e.index == 0) {
				e.eax = 0;
				e.ebx = 1;
				e.ecx = (1u << 8) | 0;
			} else if (e.index == 1) {
				e.eax = core_bits;
				e.ebx = n;
				e.ecx = (2u << 8) | 1;
			} else {
				e.eax = e.ebx = 0;
				e.ecx = e.index;
			}
			break;
		case 0x8000001e: /* AMD: extended APIC ID, core ID, one thread/core */
			e.eax = id;
			e.ebx = id & 0xff;
			e.ecx = 0;
			break;
		}
		c->entries[c->nent++] = e;
	}
	/* 0x40000000: signature; 0x40000001: hypercall ABI version (read by
	 * guest/arch/platform.c); 0x40000010: TSC kHz, LAPIC kHz (the common
	 * VMware/KVM timing leaf, read by guest/arch/tsc.c) */
	struct kvm_cpuid_entry2 sig = {.function = 0x40000000, .eax = 0x40000010};
	memcpy(&sig.ebx, PK_VMM_CPUID_SIGNATURE, 4);
	memcpy(&sig.ecx, &PK_VMM_CPUID_SIGNATURE[4], 4);
	memcpy(&sig.edx, &PK_VMM_CPUID_SIGNATURE[8], 4);
	c->entries[c->nent++] = sig;
	c->entries[c->nent++] = (struct kvm_cpuid_entry2){.function = PK_VMM_CPUID_ABI_LEAF,
							  .eax = PK_HC_ABI_VERSION};
	c->entries[c->nent++] = (struct kvm_cpuid_entry2){
		.function = 0x40000010, .eax = (uint32_t)vm->tsc_khz, .ebx = 1000000};
	int rc = ioctl(v->fd, KVM_SET_CPUID2, c) < 0
			 ? vmm_syserr("vCPU %u: KVM_SET_CPUID2", v->index)
			 : 0;
	free(c);
	return rc;
}
