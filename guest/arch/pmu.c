/* SPDX-License-Identifier: MIT */
/* guest/arch/pmu.c - PMU detection on this CPU (pmu.h). */
#include "pmu.h"

#include "lib/kstring/kstring.h"
#include "cpu.h"
#include "trap.h"

struct pmu_caps pmu_caps;

static uint64_t msr_read(void *ctx, uint32_t msr)
{
	(void)ctx;
	return rdmsr(msr);
}

static void msr_write(void *ctx, uint32_t msr, uint64_t v)
{
	(void)ctx;
	wrmsr(msr, v);
}

const struct pmu_msr_ops pmu_msr = {msr_read, msr_write, 0};

/* Count a short loop on counter 0 (run under trap_probe: may #GP). */
static void pmu_touch(void *arg)
{
	unsigned ev = (pmu_caps.events & 2) ? PK_PERF_EV_INSTRUCTIONS : PK_PERF_EV_CYCLES;
	pmu_program(&pmu_caps, &pmu_msr, 0, pmu_evsel(&pmu_caps, ev, 0, 0), 0);
	for (volatile int i = 0; i < 10000; i++)
		;
	*(uint64_t *)arg = pmu_read(&pmu_caps, &pmu_msr, 0);
	pmu_program(&pmu_caps, &pmu_msr, 0, 0, 0);
}

void pmu_init(void)
{
	static int done;
	if (done)
		return;
	done = 1;
	struct pmu_cpuid c = {0};
	struct cpuid_regs r = cpuid(0, 0);
	char vendor[12];
	memcpy(vendor, &r.ebx, 4);
	memcpy(vendor + 4, &r.edx, 4);
	memcpy(vendor + 8, &r.ecx, 4);
	c.intel = memcmp(vendor, "GenuineIntel", 12) == 0;
	c.amd = memcmp(vendor, "AuthenticAMD", 12) == 0 || memcmp(vendor, "HygonGenuine", 12) == 0;
	c.max_leaf = r.eax;
	c.max_ext = cpuid(0x80000000, 0).eax;
	if (c.max_leaf >= 0xa) {
		r = cpuid(0xa, 0);
		c.a_eax = r.eax, c.a_ebx = r.ebx, c.a_edx = r.edx;
	}
	if (c.max_ext >= 0x80000001)
		c.e1_ecx = cpuid(0x80000001, 0).ecx;
	if (c.max_ext >= 0x80000022 && c.max_ext < 0x80001000) {
		r = cpuid(0x80000022, 0);
		c.e22_eax = r.eax, c.e22_ebx = r.ebx;
	}
	pmu_detect(&c, &pmu_caps);
	if (pmu_caps.kind == PMU_NONE)
		return;
	struct fault_probe p;
	uint64_t n = 0;
	if (trap_probe(pmu_touch, &n, &p) >= 0) {
		pmu_caps.kind = PMU_NONE;
		pmu_caps.why = "counter MSRs fault (#GP): the hypervisor exposes no PMU";
		return;
	}
	/* MSRs that read and write but never count (an emulator's stubs)
	 * are no PMU either */
	if (n == 0) {
		pmu_caps.kind = PMU_NONE;
		pmu_caps.why = "counter 0 did not count (MSRs emulated without a PMU)";
	}
}

const char *pmu_kind_name(void)
{
	switch (pmu_caps.kind) {
	case PMU_INTEL:
		return "Intel architectural perfmon";
	case PMU_AMD_CORE:
		return "AMD PerfCtrCore";
	case PMU_AMD_LEGACY:
		return "AMD legacy K7 counters";
	default:
		return "none";
	}
}
