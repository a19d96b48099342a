/* SPDX-License-Identifier: MIT */
/* guest/kernel/hypercall.c - the guest side of proto/hypercall.h. */
#include "hypercall.h"

#include "proto/boot.h"
#include "lib/kstring/kstring.h"
#include "guest/arch/cpu.h"

bool platform_vmm;

void hypercall_detect(uint32_t bootinfo_platform)
{
	struct cpuid_regs r;
	if (bootinfo_platform != PK_PLATFORM_VMM || !cpuid_hypervisor(0x40000000, &r))
		return;
	char sig[12];
	memcpy(sig, &r.ebx, 4);
	memcpy(sig + 4, &r.ecx, 4);
	memcpy(sig + 8, &r.edx, 4);
	platform_vmm = memcmp(sig, PK_VMM_CPUID_SIGNATURE, 12) == 0;
}

uint64_t kvirt_to_phys(const void *p)
{
	uint64_t v = (uint64_t)p;
	if (v >= PK_KERNEL_VMA)
		return v - PK_KERNEL_VMA;
	if (v >= PK_DIRECT_MAP_BASE)
		return v - PK_DIRECT_MAP_BASE;
	return v; /* identity-mapped low memory */
}

int64_t hypercall(unsigned nr, void *req)
{
	struct pk_hc_hdr *h = req;
	h->ret = PK_HC_ENOSYS; /* stays if nobody answers */
	outl((uint16_t)(PK_HC_PORT_BASE + nr), (uint32_t)kvirt_to_phys(req));
	__asm__ volatile("" ::: "memory"); /* the vmm wrote *req */
	return h->ret;
}
