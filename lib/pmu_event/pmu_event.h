/* SPDX-License-Identifier: MIT */
/*
 * lib/pmu_event/pmu_event.h - the PMU driver's logic, host-compilable: what
 * CPUID says the PMU is, event-select encodings per vendor, counter width
 * masks, sampling reload values, and counter programming through an MSR
 * accessor (the kernel passes rdmsr/wrmsr, unit tests a fake MSR space).
 *
 * Intel: architectural performance monitoring, SDM Vol 3B chapter 20
 * (20.2.1-20.2.4: CPUID 0Ah, IA32_PERFEVTSELx, fixed counters, global
 * control/status/overflow). AMD: APM Vol 2 13.2 (PerfCtrCore extended
 * counters at C001_0200h, legacy K7 counters at C001_0000h/4h, PerfMonV2
 * global control, CPUID 8000_0022h).
 */
#ifndef PK_ARCH_PMU_EVENT_H
#define PK_ARCH_PMU_EVENT_H

#include <stdint.h>

#include "proto/perf.h"

enum pmu_kind { PMU_NONE, PMU_INTEL, PMU_AMD_CORE, PMU_AMD_LEGACY };

/* CPUID values the detection needs (leaf, register), gathered by the caller. */
struct pmu_cpuid {
	int intel, amd; /* vendor string */
	uint32_t max_leaf, max_ext;
	uint32_t a_eax, a_ebx, a_edx; /* leaf 0Ah */
	uint32_t e1_ecx;	      /* 8000_0001h ECX */
	uint32_t e22_eax, e22_ebx;    /* 8000_0022h */
};

struct pmu_caps {
	enum pmu_kind kind;
	unsigned version;  /* Intel arch perfmon version; AMD: 2 with PerfMonV2 */
	unsigned ngp;	   /* general-purpose counters */
	unsigned gp_width; /* bits */
	unsigned nfixed, fixed_width;
	uint32_t events; /* bit per enum pk_perf_event the CPU offers */
	int global_ctrl; /* has a global enable MSR (Intel v2+, AMD PerfMonV2) */
	const char *why; /* when kind == PMU_NONE: the reason */
};

/* MSRs (SDM Vol 4 table 2-2; APM Vol 2 13.2) */
#define MSR_IA32_PMC0 0xc1
#define MSR_IA32_PERFEVTSEL0 0x186
#define MSR_IA32_FIXED_CTR0 0x309
#define MSR_IA32_FIXED_CTR_CTRL 0x38d
#define MSR_IA32_PERF_GLOBAL_STATUS 0x38e
#define MSR_IA32_PERF_GLOBAL_CTRL 0x38f
#define MSR_IA32_PERF_GLOBAL_OVF_CTRL 0x390
#define MSR_AMD_K7_EVNTSEL0 0xc0010000
#define MSR_AMD_K7_PERFCTR0 0xc0010004
#define MSR_AMD_PERF_CTL0 0xc0010200 /* CTLn = 0xc0010200 + 2n, CTRn = +1 */
#define MSR_AMD_GLOBAL_STATUS 0xc0000300
#define MSR_AMD_GLOBAL_CTL 0xc0000301
#define MSR_AMD_GLOBAL_STATUS_CLR 0xc0000302

/* Event-select bits shared by both vendors' layouts */
#define EVSEL_USR (1ull << 16)
#define EVSEL_OS (1ull << 17)
#define EVSEL_INT (1ull << 20) /* PMI (LVT PC) on overflow */
#define EVSEL_EN (1ull << 22)

void pmu_detect(const struct pmu_cpuid *c, struct pmu_caps *caps);

/* The event-select value for a generic event (OS+USR, enabled, INT when
 * sampling), or 0 when this PMU lacks the event. raw: with PK_PERF_EV_RAW,
 * the vendor's event/umask code (bits 7:0 event, 15:8 umask, AMD 11:8 of
 * the event in bits 35:32 of the code as written to the MSR). */
uint64_t pmu_evsel(const struct pmu_caps *caps, unsigned event, uint64_t raw, int interrupt);

/* Counter slots: general-purpose counter i is slot i; Intel's fixed
 * counter i (SDM 20.2.2: 0 instructions retired, 1 core cycles, 2 reference
 * cycles) is slot PMU_SLOT_FIXED + i. pmu_program/read/overflow_ack take
 * slots; for a fixed slot only evsel's EN and INT bits matter. */
#define PMU_SLOT_FIXED 0x100u
/* The fixed slot that counts event, or -1 (none, or not Intel v2+). */
int pmu_fixed_slot(const struct pmu_caps *caps, unsigned event);
/* Counter width of a slot, and its bit in GLOBAL_CTRL/STATUS/OVF_CTRL. */
unsigned pmu_slot_width(const struct pmu_caps *caps, unsigned slot);
uint64_t pmu_slot_bit(unsigned slot);

/* Pick the slot for the next counted event: Intel's fixed counter for it
 * when free (leaving general-purpose counters to the rest), else the next
 * general-purpose counter; -1 when none is left. *fixed_used and *gp_next
 * carry the allocation between calls (start both at 0). */
int pmu_slot_assign(const struct pmu_caps *caps, unsigned event, uint32_t *fixed_used,
		    unsigned *gp_next);

/* MSR numbers of general-purpose counter i. */
uint32_t pmu_ctl_msr(const struct pmu_caps *caps, unsigned i);
uint32_t pmu_ctr_msr(const struct pmu_caps *caps, unsigned i);

static inline uint64_t pmu_width_mask(unsigned width)
{
	return width >= 64 ? ~0ull : (1ull << width) - 1;
}

/* Counter value that overflows after `period` events (SDM 20.2: counters
 * count up and signal at wrap), masked to the counter width. */
uint64_t pmu_reload(unsigned width, uint64_t period);

/* Events between two reads of a width-bit counter (handles one wrap). */
uint64_t pmu_delta(unsigned width, uint64_t before, uint64_t after);

struct pmu_msr_ops {
	uint64_t (*read)(void *ctx, uint32_t msr);
	void (*write)(void *ctx, uint32_t msr, uint64_t v);
	void *ctx;
};

/* Program slot with evsel (0 disables it) starting at `start`, and set
 * its global-enable bit where the PMU has one. */
void pmu_program(const struct pmu_caps *caps, const struct pmu_msr_ops *m, unsigned slot,
		 uint64_t evsel, uint64_t start);
uint64_t pmu_read(const struct pmu_caps *caps, const struct pmu_msr_ops *m, unsigned slot);
/* After an overflow PMI on a slot: reload it and clear its status bit. */
void pmu_overflow_ack(const struct pmu_caps *caps, const struct pmu_msr_ops *m, unsigned slot,
		      uint64_t reload);
/* Slots whose overflow is pending (pmu_slot_bit per slot). */
uint64_t pmu_overflowed(const struct pmu_caps *caps, const struct pmu_msr_ops *m);

/* "cycles" -> PK_PERF_EV_CYCLES; "r1c4" -> RAW with *raw = 0x1c4; -1 if unknown. */
int pmu_event_parse(const char *name, unsigned len, uint64_t *raw);

#endif
