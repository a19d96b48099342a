/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_pmu.c - the PMU driver's logic against a fake MSR
 * space: detection from CPUID values, event-select encodings (SDM Vol 3B
 * 20.2 / APM Vol 2 13.2), counter MSR numbers, programming order and
 * global enables, reload/overflow arithmetic and width masking.
 */
#include <check.h>
#include <string.h>

#include "check_run.h"
#include "lib/pmu_event/pmu_event.h"

/* A fake MSR space: a small table of (msr, value), plus a write log. */
struct fake {
	uint32_t msr[64];
	uint64_t val[64];
	unsigned n;
	uint32_t log[64];
	uint64_t logv[64];
	unsigned nlog;
};

static uint64_t *slot(struct fake *f, uint32_t msr)
{
	for (unsigned i = 0; i < f->n; i++)
		if (f->msr[i] == msr)
			return &f->val[i];
	f->msr[f->n] = msr;
	f->val[f->n] = 0;
	return &f->val[f->n++];
}
static uint64_t fread_msr(void *ctx, uint32_t msr)
{
	return *slot(ctx, msr);
}
static void fwrite_msr(void *ctx, uint32_t msr, uint64_t v)
{
	struct fake *f = ctx;
	*slot(f, msr) = v;
	if (f->nlog < 64) {
		f->log[f->nlog] = msr;
		f->logv[f->nlog++] = v;
	}
}

static struct pmu_caps intel_v4(void)
{
	/* version 4, 8 counters of 48 bits, EBX vector length 7, all events
	 * available; 3 fixed counters of 48 bits */
	struct pmu_cpuid c = {.intel = 1, .max_leaf = 0x1f};
	c.a_eax = 4 | 8 << 8 | 48 << 16 | 7u << 24;
	c.a_ebx = 0;
	c.a_edx = 3 | 48 << 5;
	struct pmu_caps caps;
	pmu_detect(&c, &caps);
	return caps;
}

START_TEST(detect_intel)
{
	struct pmu_caps caps = intel_v4();
	ck_assert_int_eq(caps.kind, PMU_INTEL);
	ck_assert_uint_eq(caps.version, 4);
	ck_assert_uint_eq(caps.ngp, 8);
	ck_assert_uint_eq(caps.gp_width, 48);
	ck_assert_uint_eq(caps.nfixed, 3);
	ck_assert_uint_eq(caps.fixed_width, 48);
	ck_assert_uint_eq(caps.events, 0x7f);
	ck_assert(caps.global_ctrl);
	/* EBX bit set = event missing; bits past the vector length: missing */
	struct pmu_cpuid c = {.intel = 1, .max_leaf = 0xa};
	c.a_eax = 1 | 2 << 8 | 40 << 16 | 5u << 24;
	c.a_ebx = 1u << 2; /* no reference cycles */
	pmu_detect(&c, &caps);
	ck_assert_uint_eq(caps.events, 0x1b); /* 0,1,3,4 */
	ck_assert(!caps.global_ctrl);	      /* version 1 */
	/* no leaf 0Ah, or version 0 (a hypervisor without vPMU): absent, why */
	c.max_leaf = 9;
	pmu_detect(&c, &caps);
	ck_assert_int_eq(caps.kind, PMU_NONE);
	ck_assert_ptr_nonnull(strstr(caps.why, "0Ah"));
	c.max_leaf = 0xa;
	c.a_eax = 0;
	pmu_detect(&c, &caps);
	ck_assert_int_eq(caps.kind, PMU_NONE);
	ck_assert_ptr_nonnull(caps.why);
}
END_TEST

START_TEST(detect_amd)
{
	struct pmu_cpuid c = {.amd = 1, .max_leaf = 0xd, .max_ext = 0x80000008};
	struct pmu_caps caps;
	pmu_detect(&c, &caps);
	ck_assert_int_eq(caps.kind, PMU_AMD_LEGACY);
	ck_assert_uint_eq(caps.ngp, 4);
	ck_assert_uint_eq(pmu_ctl_msr(&caps, 3), 0xc0010003);
	ck_assert_uint_eq(pmu_ctr_msr(&caps, 3), 0xc0010007);
	c.e1_ecx = 1u << 23; /* PerfCtrCore */
	pmu_detect(&c, &caps);
	ck_assert_int_eq(caps.kind, PMU_AMD_CORE);
	ck_assert_uint_eq(caps.ngp, 6);
	ck_assert_uint_eq(pmu_ctl_msr(&caps, 0), 0xc0010200);
	ck_assert_uint_eq(pmu_ctr_msr(&caps, 0), 0xc0010201);
	ck_assert_uint_eq(pmu_ctl_msr(&caps, 5), 0xc001020a);
	ck_assert_uint_eq(pmu_ctr_msr(&caps, 5), 0xc001020b);
	ck_assert(!caps.global_ctrl);
	ck_assert(!(caps.events & (1u << PK_PERF_EV_REF_CYCLES)));
	c.max_ext = 0x80000022;
	c.e22_eax = 1; /* PerfMonV2 */
	c.e22_ebx = 5;
	pmu_detect(&c, &caps);
	ck_assert_uint_eq(caps.version, 2);
	ck_assert(caps.global_ctrl);
	ck_assert_uint_eq(caps.ngp, 5);
	struct pmu_cpuid none = {0};
	pmu_detect(&none, &caps);
	ck_assert_int_eq(caps.kind, PMU_NONE);
}
END_TEST

START_TEST(evsel_encodings)
{
	struct pmu_caps caps = intel_v4();
	/* SDM table 20-1: UnHalted Core Cycles 3CH/00H; OS|USR|EN = 0x430000 */
	ck_assert_uint_eq(pmu_evsel(&caps, PK_PERF_EV_CYCLES, 0, 0), 0x43003c);
	ck_assert_uint_eq(pmu_evsel(&caps, PK_PERF_EV_INSTRUCTIONS, 0, 0), 0x4300c0);
	ck_assert_uint_eq(pmu_evsel(&caps, PK_PERF_EV_REF_CYCLES, 0, 0), 0x43013c);
	ck_assert_uint_eq(pmu_evsel(&caps, PK_PERF_EV_LLC_REFS, 0, 0), 0x434f2e);
	ck_assert_uint_eq(pmu_evsel(&caps, PK_PERF_EV_LLC_MISSES, 0, 0), 0x43412e);
	ck_assert_uint_eq(pmu_evsel(&caps, PK_PERF_EV_BRANCHES, 0, 0), 0x4300c4);
	ck_assert_uint_eq(pmu_evsel(&caps, PK_PERF_EV_BRANCH_MISSES, 0, 0), 0x4300c5);
	ck_assert_uint_eq(pmu_evsel(&caps, PK_PERF_EV_CYCLES, 0, 1), 0x53003c); /* +INT */
	ck_assert_uint_eq(pmu_evsel(&caps, PK_PERF_EV_RAW, 0x01c2, 0), 0x4301c2);
	ck_assert_uint_eq(pmu_evsel(&caps, 42, 0, 0), 0);
	struct pmu_cpuid c = {.amd = 1, .max_ext = 0x80000001, .e1_ecx = 1u << 23};
	pmu_detect(&c, &caps);
	ck_assert_uint_eq(pmu_evsel(&caps, PK_PERF_EV_CYCLES, 0, 0), 0x430076);
	ck_assert_uint_eq(pmu_evsel(&caps, PK_PERF_EV_LLC_MISSES, 0, 0), 0x430964);
	ck_assert_uint_eq(pmu_evsel(&caps, PK_PERF_EV_REF_CYCLES, 0, 0), 0); /* none on AMD */
	/* AMD EventSelect[11:8] goes to bits 35:32 */
	ck_assert_uint_eq(pmu_evsel(&caps, PK_PERF_EV_RAW, 0x1ff60, 0), 0x10043ff60ull);
	struct pmu_caps none = {.kind = PMU_NONE};
	ck_assert_uint_eq(pmu_evsel(&none, PK_PERF_EV_CYCLES, 0, 0), 0);
}
END_TEST

START_TEST(program_intel)
{
	struct pmu_caps caps = intel_v4();
	struct fake f = {0};
	struct pmu_msr_ops m = {fread_msr, fwrite_msr, &f};
	*slot(&f, MSR_IA32_PERF_GLOBAL_CTRL) = 1ull << 32; /* a fixed counter already on */
	uint64_t sel = pmu_evsel(&caps, PK_PERF_EV_CYCLES, 0, 1);
	uint64_t reload = pmu_reload(caps.gp_width, 1000);
	pmu_program(&caps, &m, 2, sel, reload);
	/* disable, value, global enable, then the event select */
	ck_assert_uint_eq(f.nlog, 4);
	ck_assert_uint_eq(f.log[0], 0x188);
	ck_assert_uint_eq(f.logv[0], 0);
	ck_assert_uint_eq(f.log[1], 0xc3);
	ck_assert_uint_eq(f.logv[1], 0xfffffffffc18ull); /* -1000 in 48 bits */
	ck_assert_uint_eq(f.log[2], MSR_IA32_PERF_GLOBAL_CTRL);
	ck_assert_uint_eq(f.logv[2], (1ull << 32) | 4);
	ck_assert_uint_eq(f.log[3], 0x188);
	ck_assert_uint_eq(f.logv[3], sel);
	ck_assert_uint_eq(pmu_read(&caps, &m, 2), 0xfffffffffc18ull);
	/* overflow: status bit 2, ack reloads and clears through OVF_CTRL */
	*slot(&f, MSR_IA32_PERF_GLOBAL_STATUS) = 4 | (1ull << 62);
	ck_assert_uint_eq(pmu_overflowed(&caps, &m), 4);
	f.nlog = 0;
	pmu_overflow_ack(&caps, &m, 2, reload);
	ck_assert_uint_eq(f.log[0], 0xc3);
	ck_assert_uint_eq(f.logv[0], reload);
	ck_assert_uint_eq(f.log[1], MSR_IA32_PERF_GLOBAL_OVF_CTRL);
	ck_assert_uint_eq(f.logv[1], 4);
	/* disabling clears the global bit and leaves the select at 0 */
	pmu_program(&caps, &m, 2, 0, 0);
	ck_assert_uint_eq(*slot(&f, MSR_IA32_PERF_GLOBAL_CTRL), 1ull << 32);
	ck_assert_uint_eq(*slot(&f, 0x188), 0);
	/* out-of-range counters are never touched */
	f.nlog = 0;
	pmu_program(&caps, &m, 8, sel, 0);
	ck_assert_uint_eq(f.nlog, 0);
}
END_TEST

START_TEST(program_intel_fixed)
{
	struct pmu_caps caps = intel_v4();
	struct fake f = {0};
	struct pmu_msr_ops m = {fread_msr, fwrite_msr, &f};
	/* SDM 20.2.2: fixed 0 instructions, 1 core cycles, 2 reference cycles */
	ck_assert_int_eq(pmu_fixed_slot(&caps, PK_PERF_EV_INSTRUCTIONS), PMU_SLOT_FIXED + 0);
	ck_assert_int_eq(pmu_fixed_slot(&caps, PK_PERF_EV_CYCLES), PMU_SLOT_FIXED + 1);
	ck_assert_int_eq(pmu_fixed_slot(&caps, PK_PERF_EV_REF_CYCLES), PMU_SLOT_FIXED + 2);
	ck_assert_int_eq(pmu_fixed_slot(&caps, PK_PERF_EV_BRANCHES), -1);
	ck_assert_uint_eq(pmu_slot_bit(PMU_SLOT_FIXED + 1), 1ull << 33);
	ck_assert_uint_eq(pmu_slot_bit(3), 8);
	*slot(&f, MSR_IA32_FIXED_CTR_CTRL) = 0x3; /* fixed 0 already counting */
	unsigned s1 = PMU_SLOT_FIXED + 1;
	uint64_t reload = pmu_reload(pmu_slot_width(&caps, s1), 4096);
	pmu_program(&caps, &m, s1, pmu_evsel(&caps, PK_PERF_EV_CYCLES, 0, 1), reload);
	/* nibble 1 = OS | USR | PMI, nibble 0 untouched; global bit 33 */
	ck_assert_uint_eq(*slot(&f, MSR_IA32_FIXED_CTR_CTRL), 0xb3);
	ck_assert_uint_eq(*slot(&f, MSR_IA32_FIXED_CTR0 + 1), 0xfffffffff000ull);
	ck_assert_uint_eq(*slot(&f, MSR_IA32_PERF_GLOBAL_CTRL), 1ull << 33);
	ck_assert_uint_eq(f.log[0], MSR_IA32_FIXED_CTR_CTRL); /* disabled before the value */
	ck_assert_uint_eq(f.logv[0], 0x3);
	*slot(&f, MSR_IA32_FIXED_CTR0 + 1) = 0x1000000000123ull; /* bits past 48 ignored */
	ck_assert_uint_eq(pmu_read(&caps, &m, s1), 0x123);
	*slot(&f, MSR_IA32_PERF_GLOBAL_STATUS) = (1ull << 33) | (1ull << 40);
	ck_assert_uint_eq(pmu_overflowed(&caps, &m), 1ull << 33); /* bit 40: no such counter */
	f.nlog = 0;
	pmu_overflow_ack(&caps, &m, s1, reload);
	ck_assert_uint_eq(f.log[0], MSR_IA32_FIXED_CTR0 + 1);
	ck_assert_uint_eq(f.logv[0], reload);
	ck_assert_uint_eq(f.log[1], MSR_IA32_PERF_GLOBAL_OVF_CTRL);
	ck_assert_uint_eq(f.logv[1], 1ull << 33);
	pmu_program(&caps, &m, s1, 0, 0);
	ck_assert_uint_eq(*slot(&f, MSR_IA32_FIXED_CTR_CTRL), 0x3);
	ck_assert_uint_eq(*slot(&f, MSR_IA32_PERF_GLOBAL_CTRL), 0);
	/* no fixed counters on AMD or before version 2: slots are ignored */
	struct pmu_cpuid c = {.amd = 1};
	struct pmu_caps amd;
	pmu_detect(&c, &amd);
	ck_assert_int_eq(pmu_fixed_slot(&amd, PK_PERF_EV_CYCLES), -1);
	f.nlog = 0;
	pmu_program(&amd, &m, s1, 0x430076, 0);
	ck_assert_uint_eq(f.nlog, 0);
	ck_assert_uint_eq(pmu_read(&amd, &m, s1), 0);
}
END_TEST

START_TEST(slot_assignment)
{
	struct pmu_caps caps = intel_v4();
	caps.ngp = 2;
	uint32_t fixed = 0;
	unsigned gp = 0;
	/* cycles, instructions -> fixed 1, 0; branches -> PMC0; cycles again
	 * (fixed 1 taken) -> PMC1; then nothing left */
	ck_assert_int_eq(pmu_slot_assign(&caps, PK_PERF_EV_CYCLES, &fixed, &gp),
			 PMU_SLOT_FIXED + 1);
	ck_assert_int_eq(pmu_slot_assign(&caps, PK_PERF_EV_INSTRUCTIONS, &fixed, &gp),
			 PMU_SLOT_FIXED + 0);
	ck_assert_int_eq(pmu_slot_assign(&caps, PK_PERF_EV_BRANCHES, &fixed, &gp), 0);
	ck_assert_int_eq(pmu_slot_assign(&caps, PK_PERF_EV_CYCLES, &fixed, &gp), 1);
	ck_assert_int_eq(pmu_slot_assign(&caps, PK_PERF_EV_LLC_MISSES, &fixed, &gp), -1);
	ck_assert_int_eq(pmu_slot_assign(&caps, PK_PERF_EV_REF_CYCLES, &fixed, &gp),
			 PMU_SLOT_FIXED + 2);
	struct pmu_cpuid c = {.amd = 1};
	pmu_detect(&c, &caps);
	fixed = 0, gp = 0;
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(pmu_slot_assign(&caps, PK_PERF_EV_CYCLES, &fixed, &gp), i);
	ck_assert_int_eq(pmu_slot_assign(&caps, PK_PERF_EV_CYCLES, &fixed, &gp), -1);
}
END_TEST

START_TEST(program_amd_legacy_overflow)
{
	struct pmu_cpuid c = {.amd = 1};
	struct pmu_caps caps;
	pmu_detect(&c, &caps);
	struct fake f = {0};
	struct pmu_msr_ops m = {fread_msr, fwrite_msr, &f};
	uint64_t reload = pmu_reload(48, 5000);
	pmu_program(&caps, &m, 1, pmu_evsel(&caps, PK_PERF_EV_CYCLES, 0, 1), reload);
	ck_assert_uint_eq(*slot(&f, 0xc0010005), reload);
	ck_assert_uint_eq(*slot(&f, 0xc0010001), 0x530076);
	ck_assert_uint_eq(pmu_overflowed(&caps, &m), 0); /* top bit still set */
	*slot(&f, 0xc0010005) = 3;			 /* wrapped past zero */
	ck_assert_uint_eq(pmu_overflowed(&caps, &m), 2);
}
END_TEST

START_TEST(arithmetic)
{
	ck_assert_uint_eq(pmu_width_mask(48), 0xffffffffffffull);
	ck_assert_uint_eq(pmu_width_mask(64), ~0ull);
	ck_assert_uint_eq(pmu_reload(48, 1), 0xffffffffffffull);
	ck_assert_uint_eq(pmu_reload(40, 0x100), 0xffffffff00ull);
	ck_assert_uint_eq(pmu_reload(32, 1ull << 40), 1); /* clamped to the width */
	/* the reload overflows after exactly `period` events */
	uint64_t r = pmu_reload(48, 12345);
	ck_assert_uint_eq((r + 12345) & pmu_width_mask(48), 0);
	ck_assert_uint_eq(pmu_delta(48, 100, 250), 150);
	ck_assert_uint_eq(pmu_delta(48, 0xfffffffffff0ull, 0x10), 0x20);     /* one wrap */
	ck_assert_uint_eq(pmu_delta(32, 0x1ffffffffull, 0x100000005ull), 6); /* high bits ignored */
}
END_TEST

START_TEST(event_names)
{
	uint64_t raw = 0;
	ck_assert_int_eq(pmu_event_parse("cycles", 6, &raw), PK_PERF_EV_CYCLES);
	ck_assert_int_eq(pmu_event_parse("branch-misses", 13, &raw), PK_PERF_EV_BRANCH_MISSES);
	ck_assert_int_eq(pmu_event_parse("cyclesX", 6, &raw), PK_PERF_EV_CYCLES); /* len counts */
	ck_assert_int_eq(pmu_event_parse("cycle", 5, &raw), -1);
	ck_assert_int_eq(pmu_event_parse("r01c2", 5, &raw), PK_PERF_EV_RAW);
	ck_assert_uint_eq(raw, 0x1c2);
	ck_assert_int_eq(pmu_event_parse("rzz", 3, &raw), -1);
	ck_assert_int_eq(pmu_event_parse("r", 1, &raw), -1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pmu");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, detect_intel);
	tcase_add_test(tc, detect_amd);
	tcase_add_test(tc, evsel_encodings);
	tcase_add_test(tc, program_intel);
	tcase_add_test(tc, program_intel_fixed);
	tcase_add_test(tc, slot_assignment);
	tcase_add_test(tc, program_amd_legacy_overflow);
	tcase_add_test(tc, arithmetic);
	tcase_add_test(tc, event_names);
	suite_add_tcase(s, tc);
	return check_run(s);
}
