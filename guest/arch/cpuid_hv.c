/* SPDX-License-Identifier: MIT */
/*
 * guest/arch/cpuid_hv.c - the hypervisor CPUID leaves, asked once.
 *
 * The boot reads them in several places (the vmm's signature, its ABI
 * version, the TSC and LAPIC timer rates of leaf 0x40000010), and under
 * KVM every CPUID is a VM exit: about 0.1 ms each in a nested boot. The
 * leaves are the same on every CPU and fixed for the VM's life (SDM Vol 2A
 * CPUID: 0x40000000-0x4fffffff are reserved for hypervisors, which fill
 * them from one table), so the first answer per leaf is kept. The BSP asks
 * first, before any AP runs; should two CPUs ever fill an entry at once
 * they store the same values.
 */
#include "cpu.h"

#define HV_BASE 0x40000000u
#define HV_CACHED 0x11 /* 0x40000000..0x40000010: the leaves in use */

static struct {
	uint8_t probed;	 /* CPUID.1:ECX[31] and leaf 0x40000000 read */
	uint8_t present; /* a hypervisor answers */
	uint32_t have;	 /* bit i: leaf HV_BASE + i is in regs[i] */
	struct cpuid_regs regs[HV_CACHED];
} hv;

int cpuid_hypervisor(uint32_t leaf, struct cpuid_regs *out)
{
	if (!__atomic_load_n(&hv.probed, __ATOMIC_ACQUIRE)) {
		if (cpuid(1, 0).ecx & (1u << 31)) {
			hv.regs[0] = cpuid(HV_BASE, 0);
			hv.have = 1;
			hv.present = 1;
		}
		__atomic_store_n(&hv.probed, 1, __ATOMIC_RELEASE);
	}
	if (!hv.present)
		return 0;
	uint32_t hmax = hv.regs[0].eax;
	if (leaf != HV_BASE && (hmax < leaf || hmax >= HV_BASE + 0x10000 || leaf < HV_BASE))
		return 0;
	uint32_t i = leaf - HV_BASE;
	if (i >= HV_CACHED) {
		*out = cpuid(leaf, 0);
		return 1;
	}
	if (!(__atomic_load_n(&hv.have, __ATOMIC_ACQUIRE) & (1u << i))) {
		hv.regs[i] = cpuid(leaf, 0);
		__atomic_fetch_or(&hv.have, 1u << i, __ATOMIC_RELEASE);
	}
	*out = hv.regs[i];
	return 1;
}
