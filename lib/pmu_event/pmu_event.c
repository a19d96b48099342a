/* SPDX-License-Identifier: MIT */
/* lib/pmu_event/pmu_event.c - PMU logic shared by kernel and unit tests (pmu_event.h). */
#include "pmu_event.h"

/* Architectural events in CPUID 0Ah EBX bit order (SDM Vol 3B table 20-1):
 * a set bit there means "not available". event | umask << 8. */
static const uint16_t intel_events[PK_PERF_EV_COUNT] = {
	[PK_PERF_EV_CYCLES] = 0x003c,	     [PK_PERF_EV_INSTRUCTIONS] = 0x00c0,
	[PK_PERF_EV_REF_CYCLES] = 0x013c,    [PK_PERF_EV_LLC_REFS] = 0x4f2e,
	[PK_PERF_EV_LLC_MISSES] = 0x412e,    [PK_PERF_EV_BRANCHES] = 0x00c4,
	[PK_PERF_EV_BRANCH_MISSES] = 0x00c5,
};
static const uint8_t intel_ebx_bit[PK_PERF_EV_COUNT] = {0, 1, 2, 3, 4, 5, 6};

/* AMD core events (the codes Linux uses for family 17h+, PPR "Core
 * Performance Monitor Counters"); no reference-cycles event exists. */
static const uint16_t amd_events[PK_PERF_EV_COUNT] = {
	[PK_PERF_EV_CYCLES] = 0x0076,	     [PK_PERF_EV_INSTRUCTIONS] = 0x00c0,
	[PK_PERF_EV_REF_CYCLES] = 0,	     [PK_PERF_EV_LLC_REFS] = 0xff60,
	[PK_PERF_EV_LLC_MISSES] = 0x0964,    [PK_PERF_EV_BRANCHES] = 0x00c2,
	[PK_PERF_EV_BRANCH_MISSES] = 0x00c3,
};

void pmu_detect(const struct pmu_cpuid *c, struct pmu_caps *caps)
{
	*caps = (struct pmu_caps){.kind = PMU_NONE, .why = "no PMU in CPUID"};
	if (c->intel) {
		if (c->max_leaf < 0xa) {
			caps->why = "CPUID has no leaf 0Ah (architectural perfmon)";
			return;
		}
		unsigned ver = c->a_eax & 0xff, ngp = (c->a_eax >> 8) & 0xff;
		if (!ver || !ngp) {
			caps->why = "CPUID 0Ah reports version 0 / no counters "
				    "(no vPMU: hypervisor or TCG)";
			return;
		}
		caps->kind = PMU_INTEL;
		caps->version = ver;
		caps->ngp = ngp;
		caps->gp_width = (c->a_eax >> 16) & 0xff;
		unsigned ebx_len = c->a_eax >> 24;
		for (unsigned e = 0; e < PK_PERF_EV_COUNT; e++)
			if (intel_ebx_bit[e] < ebx_len && !((c->a_ebx >> intel_ebx_bit[e]) & 1))
				caps->events |= 1u << e;
		if (ver >= 2) {
			caps->nfixed = c->a_edx & 0x1f;
			caps->fixed_width = (c->a_edx >> 5) & 0xff;
			caps->global_ctrl = 1;
		}
		caps->why = 0;
		return;
	}
	if (c->amd) {
		/* every AMD64 CPU has the four legacy counters unless a
		 * hypervisor hides them; a zero PerfCtrCore bit and no hypervisor
		 * PMU (KVM with enable_pmu=0 clears both) cannot be told apart
		 * from CPUID alone, so the kernel also probes with trap_probe */
		if (c->max_ext >= 0x80000001 && (c->e1_ecx >> 23) & 1) {
			caps->kind = PMU_AMD_CORE;
			caps->ngp = 6;
		} else {
			caps->kind = PMU_AMD_LEGACY;
			caps->ngp = 4;
		}
		caps->gp_width = 48;
		caps->version = 1;
		if (c->max_ext >= 0x80000022 && (c->e22_eax & 1)) {
			caps->version = 2; /* PerfMonV2: global control and status */
			caps->global_ctrl = 1;
			if (c->e22_ebx & 0xf)
				caps->ngp = c->e22_ebx & 0xf;
		}
		for (unsigned e = 0; e < PK_PERF_EV_COUNT; e++)
			if (amd_events[e])
				caps->events |= 1u << e;
		caps->why = 0;
		return;
	}
	caps->why = "unknown CPU vendor";
}

uint64_t pmu_evsel(const struct pmu_caps *caps, unsigned event, uint64_t raw, int interrupt)
{
	uint64_t code;
	if (caps->kind == PMU_NONE)
		return 0;
	if (event == PK_PERF_EV_RAW)
		code = raw;
	else if (event < PK_PERF_EV_COUNT && (caps->events >> event) & 1)
		code = caps->kind == PMU_INTEL ? intel_events[event] : amd_events[event];
	else
		return 0;
	uint64_t v = (code & 0xffff) | EVSEL_USR | EVSEL_OS | EVSEL_EN;
	if (caps->kind != PMU_INTEL)
		v |= ((code >> 16) & 0xf) << 32; /* AMD EventSelect[11:8] */
	if (interrupt)
		v |= EVSEL_INT;
	return v;
}

uint32_t pmu_ctl_msr(const struct pmu_caps *caps, unsigned i)
{
	switch (caps->kind) {
	case PMU_INTEL:
		return MSR_IA32_PERFEVTSEL0 + i;
	case PMU_AMD_CORE:
		return MSR_AMD_PERF_CTL0 + 2 * i;
	case PMU_AMD_LEGACY:
		return MSR_AMD_K7_EVNTSEL0 + i;
	default:
		return 0;
	}
}

uint32_t pmu_ctr_msr(const struct pmu_caps *caps, unsigned i)
{
	switch (caps->kind) {
	case PMU_INTEL:
		return MSR_IA32_PMC0 + i;
	case PMU_AMD_CORE:
		return MSR_AMD_PERF_CTL0 + 2 * i + 1;
	case PMU_AMD_LEGACY:
		return MSR_AMD_K7_PERFCTR0 + i;
	default:
		return 0;
	}
}

uint64_t pmu_reload(unsigned width, uint64_t period)
{
	uint64_t mask = pmu_width_mask(width);
	if (!period)
		period = 1;
	if (period > mask)
		period = mask;
	return (0 - period) & mask;
}

uint64_t pmu_delta(unsigned width, uint64_t before, uint64_t after)
{
	uint64_t mask = pmu_width_mask(width);
	return ((after & mask) - (before & mask)) & mask;
}

int pmu_fixed_slot(const struct pmu_caps *caps, unsigned event)
{
	static const int8_t fixed[PK_PERF_EV_COUNT] = {
		[PK_PERF_EV_CYCLES] = 1,	 [PK_PERF_EV_INSTRUCTIONS] = 0,
		[PK_PERF_EV_REF_CYCLES] = 2,	 [PK_PERF_EV_LLC_REFS] = -1,
		[PK_PERF_EV_LLC_MISSES] = -1,	 [PK_PERF_EV_BRANCHES] = -1,
		[PK_PERF_EV_BRANCH_MISSES] = -1,
	};
	if (caps->kind != PMU_INTEL || caps->version < 2 || event >= PK_PERF_EV_COUNT ||
	    fixed[event] < 0 || (unsigned)fixed[event] >= caps->nfixed)
		return -1;
	return (int)(PMU_SLOT_FIXED + (unsigned)fixed[event]);
}

int pmu_slot_assign(const struct pmu_caps *caps, unsigned event, uint32_t *fixed_used,
		    unsigned *gp_next)
{
	int fixed = event == PK_PERF_EV_RAW ? -1 : pmu_fixed_slot(caps, event);
	if (fixed >= 0 && !((*fixed_used >> (fixed & 0xff)) & 1)) {
		*fixed_used |= 1u << (fixed & 0xff);
		return fixed;
	}
	if (*gp_next >= caps->ngp)
		return -1;
	return (int)(*gp_next)++;
}

unsigned pmu_slot_width(const struct pmu_caps *caps, unsigned slot)
{
	return slot & PMU_SLOT_FIXED ? caps->fixed_width : caps->gp_width;
}

uint64_t pmu_slot_bit(unsigned slot)
{
	/* GLOBAL_CTRL/STATUS/OVF_CTRL: PMCs at bit i, fixed counters at 32 + i */
	return slot & PMU_SLOT_FIXED ? 1ull << (32 + (slot & 0xff)) : 1ull << slot;
}

static int slot_ok(const struct pmu_caps *caps, unsigned slot)
{
	if (caps->kind == PMU_NONE)
		return 0;
	if (slot & PMU_SLOT_FIXED)
		return caps->kind == PMU_INTEL && caps->version >= 2 &&
		       (slot & 0xff) < caps->nfixed;
	return slot < caps->ngp;
}

/* IA32_FIXED_CTR_CTRL: 4 bits per fixed counter, bit 0 OS, bit 1 USR,
 * bit 3 PMI (SDM Vol 3B figure 20-2). */
static void fixed_ctrl(const struct pmu_msr_ops *m, unsigned idx, uint64_t evsel)
{
	uint64_t c = m->read(m->ctx, MSR_IA32_FIXED_CTR_CTRL) & ~(0xfull << (4 * idx));
	if (evsel)
		c |= (uint64_t)(3 | ((evsel & EVSEL_INT) ? 8 : 0)) << (4 * idx);
	m->write(m->ctx, MSR_IA32_FIXED_CTR_CTRL, c);
}

static uint32_t slot_ctr_msr(const struct pmu_caps *caps, unsigned slot)
{
	return slot & PMU_SLOT_FIXED ? MSR_IA32_FIXED_CTR0 + (slot & 0xff)
				     : pmu_ctr_msr(caps, slot);
}

void pmu_program(const struct pmu_caps *caps, const struct pmu_msr_ops *m, unsigned slot,
		 uint64_t evsel, uint64_t start)
{
	if (!slot_ok(caps, slot))
		return;
	int fixed = (slot & PMU_SLOT_FIXED) != 0;
	uint32_t global = caps->kind == PMU_INTEL ? MSR_IA32_PERF_GLOBAL_CTRL : MSR_AMD_GLOBAL_CTL;
	/* disable, load the start value, then enable: a counter must not
	 * count (or overflow) with a half-written configuration */
	if (fixed)
		fixed_ctrl(m, slot & 0xff, 0);
	else
		m->write(m->ctx, pmu_ctl_msr(caps, slot), 0);
	/* Intel legacy PMC writes take bits 31:0 sign-extended (SDM 20.2.5):
	 * fine for reloads of periods below 2^31 */
	m->write(m->ctx, slot_ctr_msr(caps, slot),
		 start & pmu_width_mask(pmu_slot_width(caps, slot)));
	if (caps->global_ctrl) {
		uint64_t g = m->read(m->ctx, global);
		g = evsel ? g | pmu_slot_bit(slot) : g & ~pmu_slot_bit(slot);
		m->write(m->ctx, global, g);
	}
	if (evsel && fixed)
		fixed_ctrl(m, slot & 0xff, evsel);
	else if (evsel)
		m->write(m->ctx, pmu_ctl_msr(caps, slot), evsel);
}

uint64_t pmu_read(const struct pmu_caps *caps, const struct pmu_msr_ops *m, unsigned slot)
{
	if (!slot_ok(caps, slot))
		return 0;
	return m->read(m->ctx, slot_ctr_msr(caps, slot)) &
	       pmu_width_mask(pmu_slot_width(caps, slot));
}

uint64_t pmu_overflowed(const struct pmu_caps *caps, const struct pmu_msr_ops *m)
{
	if (caps->kind == PMU_INTEL && caps->version >= 2)
		return m->read(m->ctx, MSR_IA32_PERF_GLOBAL_STATUS) &
		       (pmu_width_mask(caps->ngp) | pmu_width_mask(caps->nfixed) << 32);
	if (caps->kind != PMU_NONE && caps->version >= 2)
		return m->read(m->ctx, MSR_AMD_GLOBAL_STATUS) & pmu_width_mask(caps->ngp);
	/* no status MSR: a counter that wrapped has its top bit clear again
	 * (it was loaded with a "negative" value) */
	uint64_t r = 0, top = 1ull << (caps->gp_width - 1);
	for (unsigned i = 0; i < caps->ngp; i++)
		if ((m->read(m->ctx, pmu_ctl_msr(caps, i)) & EVSEL_INT) &&
		    !(pmu_read(caps, m, i) & top))
			r |= 1ull << i;
	return r;
}

void pmu_overflow_ack(const struct pmu_caps *caps, const struct pmu_msr_ops *m, unsigned slot,
		      uint64_t reload)
{
	if (!slot_ok(caps, slot))
		return;
	m->write(m->ctx, slot_ctr_msr(caps, slot),
		 reload & pmu_width_mask(pmu_slot_width(caps, slot)));
	if (caps->kind == PMU_INTEL && caps->version >= 2)
		m->write(m->ctx, MSR_IA32_PERF_GLOBAL_OVF_CTRL, pmu_slot_bit(slot));
	else if (caps->kind != PMU_NONE && caps->version >= 2)
		m->write(m->ctx, MSR_AMD_GLOBAL_STATUS_CLR, pmu_slot_bit(slot));
}

int pmu_event_parse(const char *name, unsigned len, uint64_t *raw)
{
	static const char *const names[PK_PERF_EV_COUNT] = {
		"cycles",     "instructions", "ref-cycles",   "LLC-references",
		"LLC-misses", "branches",     "branch-misses"};
	for (unsigned e = 0; e < PK_PERF_EV_COUNT; e++) {
		unsigned k = 0;
		while (names[e][k] && k < len && names[e][k] == name[k])
			k++;
		if (k == len && !names[e][k])
			return (int)e;
	}
	if (len >= 2 && name[0] == 'r') {
		uint64_t v = 0;
		for (unsigned k = 1; k < len; k++) {
			char ch = name[k];
			unsigned d;
			if (ch >= '0' && ch <= '9')
				d = (unsigned)(ch - '0');
			else if ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'f')
				d = (unsigned)((ch | 0x20) - 'a' + 10);
			else
				return -1;
			if (v >> 60)
				return -1;
			v = v << 4 | d;
		}
		*raw = v;
		return PK_PERF_EV_RAW;
	}
	return -1;
}
