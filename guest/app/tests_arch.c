/* SPDX-License-Identifier: MIT */
/* guest/app/tests_arch.c - in-guest tests of the arch layer (issue 3). */
#include "guest/arch/acpi.h"
#include "guest/arch/apic.h"
#include "guest/kernel/bootinfo.h"
#include "guest/kernel/console.h"
#include "guest/arch/cpu.h"
#include "guest/arch/cpufeat.h"
#include "guest/kernel/ksyms.h"
#include "guest/arch/layout.h"
#include "guest/arch/percpu.h"
#include "guest/arch/smp.h"
#include "guest/arch/trap.h"
#include "guest/arch/tsc.h"
#include "lib/kstring/kstring.h"
#include "ktest.h"

void kernel_main(uint32_t protocol, uint64_t ptr);

TEST(bootinfo_sane)
{
	EXPECT_EQ(boot_info.magic, PK_BOOTINFO_MAGIC);
	EXPECT_EQ(boot_info.version, PK_BOOTINFO_VERSION);
	EXPECT(boot_info.memmap_count > 0);
	uint64_t usable = 0;
	for (uint32_t i = 0; i < boot_info.memmap_count; i++) {
		const struct pk_memmap_entry *e = &boot_info.memmap[i];
		if (i > 0)
			EXPECT_MSG(e->base >= boot_info.memmap[i - 1].base +
						      boot_info.memmap[i - 1].length,
				   "memmap entry %u overlaps or is out of order", i);
		if (e->type == PK_MEM_USABLE)
			usable += e->length;
	}
	EXPECT_MSG(usable >= (16u << 20), "only %lu bytes of usable RAM", usable);
	EXPECT(strlen(boot_info.cmdline) < PK_CMDLINE_MAX);
}

TEST(smp_all_cpus_online)
{
	EXPECT_EQ(smp_online_count, smp_cpu_count);
	if (acpi.has_madt)
		EXPECT_EQ(smp_cpu_count,
			  acpi.cpu_count < PK_MAX_CPUS ? acpi.cpu_count : PK_MAX_CPUS);
	if (boot_info.cpu_count)
		EXPECT_EQ(smp_cpu_count, boot_info.cpu_count);
	for (uint32_t i = 0; i < smp_cpu_count; i++) {
		EXPECT_MSG(smp_cpu_online(i), "cpu %u offline", i);
		for (uint32_t j = 0; j < i; j++)
			EXPECT_MSG(percpu_area[i].apic_id != percpu_area[j].apic_id,
				   "cpus %u and %u share apic id %u", j, i, percpu_area[i].apic_id);
	}
}

TEST_PERCPU(percpu_isolation)
{
	struct percpu *c = this_cpu();
	EXPECT(c->self == c);
	EXPECT(c == &percpu_area[t->cpu]);
	EXPECT_EQ(rdmsr(MSR_GS_BASE), (uint64_t)c);
	EXPECT_EQ(c->apic_id, apic_id());
	EXPECT_EQ(c->apic_id, apic_id_cpuid());
	/* every CPU hammers its own %gs-relative slot at the same time */
	uint64_t mine = 0x5eed000000000000ull | c->index;
	for (int i = 0; i < 100000; i++) {
		__asm__ volatile("movq %0, %%gs:%c1" ::"r"(mine + (uint64_t)i),
				 "i"(__builtin_offsetof(struct percpu, scratch))
				 : "memory");
		uint64_t back;
		__asm__ volatile("movq %%gs:%c1, %0"
				 : "=r"(back)
				 : "i"(__builtin_offsetof(struct percpu, scratch)));
		EXPECT_EQ(back, mine + (uint64_t)i);
	}
}

static void do_div0(void *arg)
{
	uint32_t zero = (uint32_t)(uint64_t)arg;
	__asm__ volatile("xorl %%edx, %%edx; movl $1, %%eax; divl %0" ::"r"(zero) : "rax", "rdx");
}
static void do_ud(void *arg)
{
	(void)arg;
	__asm__ volatile("ud2");
}
static void do_read(void *arg)
{
	(void)*(volatile uint64_t *)arg;
}
static void do_int3(void *arg)
{
	(void)arg;
	__asm__ volatile("int3");
}

TEST_PERCPU(exceptions_caught)
{
	struct fault_probe p;
	EXPECT_EQ(trap_probe(do_div0, (void *)0, &p), 0); /* #DE */
	EXPECT_EQ(trap_probe(do_ud, 0, &p), 6);		  /* #UD */
	EXPECT_EQ(trap_probe(do_int3, 0, &p), 3);	  /* #BP */
	void *hole = (void *)0x100000000000ull;		  /* PML4[32]: not present */
	EXPECT_EQ(trap_probe(do_read, hole, &p), 14);	  /* #PF */
	EXPECT_EQ(p.cr2, (uint64_t)hole);
	EXPECT_EQ(p.error & 1, 0); /* not-present */
	void *noncanon = (void *)0x8000000000000000ull;
	EXPECT_EQ(trap_probe(do_read, noncanon, &p), 13);  /* #GP */
	EXPECT_EQ(trap_probe(do_div0, (void *)1, &p), -1); /* no fault */
	EXPECT(this_cpu()->probe == 0);
}

/* Inside an outer probe: an inner probe_copy's fault is the inner one's,
 * and the outer probe is armed again afterwards. */
static void nested_copy(void *arg)
{
	int *rc = arg;
	char buf[16];
	struct fault_probe *outer = this_cpu()->probe;
	rc[0] = probe_copy(buf, (void *)0x100000000000ull, sizeof(buf));
	rc[1] = this_cpu()->probe == outer;
}

/* probe_copy/probe_zero: the copies to and from program memory that a
 * thread may unmap meanwhile (guest/linux/vm.c linux_copy_in/out). */
TEST(probe_copy_faults)
{
	char a[64], b[64];
	memset(a, 'a', sizeof(a));
	memset(b, 0, sizeof(b));
	void *hole = (void *)0x100000000000ull; /* not present */
	EXPECT_EQ(probe_copy(b, a, sizeof(a)), 0);
	EXPECT_EQ(memcmp(a, b, sizeof(a)), 0);
	EXPECT_EQ(probe_copy(b, hole, 8), -1);
	EXPECT_EQ(probe_copy(hole, a, 8), -1);
	EXPECT_EQ(probe_zero(hole, 8), -1);
	EXPECT_EQ(probe_copy(hole, hole, 0), 0); /* nothing to touch */
	EXPECT_EQ(probe_zero(b, sizeof(b)), 0);
	EXPECT_EQ(b[0] | b[63], 0);
	int rc[2] = {0, 0};
	struct fault_probe p;
	EXPECT_EQ(trap_probe(nested_copy, rc, &p), -1); /* the inner one caught it */
	EXPECT_EQ(rc[0], -1);
	EXPECT_EQ(rc[1], 1);
	EXPECT(this_cpu()->probe == 0);
}

/*
 * Timer interrupts arrive on every CPU, never faster than programmed, and
 * each CPU's timer runs at the rate calibrated on the BSP. (No lower bound
 * on the tick rate: a busy host delays and coalesces emulated ticks.)
 */
TEST_PERCPU(timer_ticks)
{
	struct percpu *c = this_cpu();
	uint64_t before = c->timer_ticks;
	uint64_t t0 = rdtsc_ordered();
	uint64_t limit = t0 + tsc_us_to_cycles(2000000);
	apic_timer_periodic(1000);
	while (c->timer_ticks - before < 5 && rdtsc() < limit)
		cpu_relax();
	uint64_t us = tsc_cycles_to_us(rdtsc_ordered() - t0);
	apic_timer_periodic(0);
	uint64_t ticks = c->timer_ticks - before;
	EXPECT_MSG(ticks >= 5, "%lu ticks in 2 s at 1 kHz", ticks);
	EXPECT_MSG(ticks <= us / 1000 * 3 / 2 + 2, "%lu ticks in %lu us at 1 kHz: too fast", ticks,
		   us);
	uint64_t hz = apic_timer_measure_hz(20000);
	EXPECT_MSG(hz > apic_timer_hz * 3 / 4 && hz < apic_timer_hz * 5 / 4,
		   "timer runs at %lu Hz here, calibrated %lu Hz", hz, apic_timer_hz);
}

static volatile uint64_t ipi_pongs;
static volatile uint32_t ipi_origin_apic;

static void ipi_test_irq(struct trap_frame *f)
{
	(void)f;
	if (this_cpu()->index == 0)
		ipi_pongs++;
	else
		apic_send_ipi(ipi_origin_apic, VEC_IPI_TEST);
}

TEST(ipi_roundtrip)
{
	if (smp_cpu_count < 2)
		SKIP("needs 2 CPUs, have %u", smp_cpu_count);
	irq_register(VEC_IPI_TEST, ipi_test_irq);
	ipi_origin_apic = this_cpu()->apic_id;
	for (uint32_t cpu = 1; cpu < smp_cpu_count; cpu++) {
		enum { ROUNDS = 64 };
		uint64_t best = ~0ull, total = 0;
		for (int r = 0; r < ROUNDS; r++) {
			uint64_t want = ipi_pongs + 1;
			uint64_t t0 = rdtsc_ordered();
			apic_send_ipi(percpu_area[cpu].apic_id, VEC_IPI_TEST);
			uint64_t limit = t0 + tsc_us_to_cycles(1000000);
			while (ipi_pongs < want && rdtsc() < limit)
				cpu_relax();
			uint64_t dt = rdtsc_ordered() - t0;
			EXPECT_MSG(ipi_pongs == want, "no reply from cpu %u within 1 s", cpu);
			total += dt;
			if (dt < best)
				best = dt;
		}
		kprintf("# ipi_roundtrip: cpu 0 <-> cpu %u: best %lu cycles (%lu us), mean %lu\n",
			cpu, best, tsc_cycles_to_us(best), total / ROUNDS);
	}
}

#define VREG_LOAD(n) "vmovdqu " #n "*32(%[in]), %%ymm" #n "\n\t"
#define VREG_STORE(n) "vmovdqu %%ymm" #n ", " #n "*32(%[out])\n\t"
#define VREG_DIRTY(n) "vpcmpeqb %%ymm" #n ", %%ymm" #n ", %%ymm" #n "\n\t"
#define XREG_LOAD(n) "movdqu " #n "*16(%[in]), %%xmm" #n "\n\t"
#define XREG_STORE(n) "movdqu %%xmm" #n ", " #n "*16(%[out])\n\t"
#define XREG_DIRTY(n) "pcmpeqb %%xmm" #n ", %%xmm" #n "\n\t"
#define ALL16(M)                                                                                   \
	M(0) M(1) M(2) M(3) M(4) M(5) M(6) M(7) M(8) M(9) M(10) M(11) M(12) M(13) M(14) M(15)
#define VECTOR_CLOBBERS                                                                            \
	"xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10",   \
		"xmm11", "xmm12", "xmm13", "xmm14", "xmm15"

/* Timer hook: dirty every vector register an interrupted task could own. */
static void clobber_vectors(void)
{
	if (cpu_has(CPUF_AVX))
		__asm__ volatile(ALL16(VREG_DIRTY)::: VECTOR_CLOBBERS);
	else
		__asm__ volatile(ALL16(XREG_DIRTY)::: VECTOR_CLOBBERS);
}

/* Hold a pattern in all 16 vector registers (YMM, or XMM without AVX)
 * across timer interrupts whose handler dirties them; compare after. */
TEST_PERCPU(vector_state_survives_interrupt)
{
	struct percpu *c = this_cpu();
	uint8_t in[16 * 32], out[16 * 32];
	for (unsigned i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(i * 7 + c->index);
	memset(out, 0, sizeof(out));
	uint64_t target = c->timer_ticks + 3;
	/* 3 ticks of a 1 kHz timer; 5 s of slack for a starved nested host */
	uint64_t start_ticks = c->timer_ticks;
	uint64_t deadline = rdtsc() + tsc_us_to_cycles(5000000);
	c->timer_hook = clobber_vectors;
	apic_timer_periodic(1000);
	/* one asm block: no compiler code may touch the registers meanwhile */
#define WAIT_TICKS                                                                                 \
	"1: pause\n\t"                                                                             \
	"cmpq %[target], (%[ticks])\n\t"                                                           \
	"jae 2f\n\t"                                                                               \
	"rdtsc\n\t"                                                                                \
	"shlq $32, %%rdx\n\t"                                                                      \
	"orq %%rdx, %%rax\n\t"                                                                     \
	"cmpq %[deadline], %%rax\n\t"                                                              \
	"jb 1b\n"                                                                                  \
	"2:\n\t"
	int avx = cpu_has(CPUF_AVX);
	if (avx)
		__asm__ volatile(ALL16(VREG_LOAD) WAIT_TICKS ALL16(VREG_STORE)
				 :
				 : [in] "r"(in), [out] "r"(out), [ticks] "r"(&c->timer_ticks),
				   [target] "r"(target), [deadline] "r"(deadline)
				 : "rax", "rdx", "memory", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4",
				   "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11",
				   "xmm12", "xmm13", "xmm14", "xmm15");
	else
		__asm__ volatile(ALL16(XREG_LOAD) WAIT_TICKS ALL16(XREG_STORE)
				 :
				 : [in] "r"(in), [out] "r"(out), [ticks] "r"(&c->timer_ticks),
				   [target] "r"(target), [deadline] "r"(deadline)
				 : "rax", "rdx", "memory", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4",
				   "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11",
				   "xmm12", "xmm13", "xmm14", "xmm15");
	apic_timer_periodic(0);
	c->timer_hook = 0;
	EXPECT_MSG(c->timer_ticks >= target, "%lu of 3 timer interrupts arrived in 5 s",
		   c->timer_ticks - start_ticks);
	unsigned n = avx ? 16 * 32 : 16 * 16;
	for (unsigned i = 0; i < n; i++)
		EXPECT_MSG(out[i] == in[i], "%s%u byte %u changed across an interrupt",
			   avx ? "ymm" : "xmm", i / (avx ? 32 : 16), i % (avx ? 32 : 16));
}

TEST_PERCPU(tsc_monotonic)
{
	uint64_t prev = rdtsc_ordered();
	for (int i = 0; i < 200000; i++) {
		uint64_t now = rdtsc_ordered();
		EXPECT_MSG(now >= prev, "TSC went back from %lu to %lu", prev, now);
		prev = now;
	}
}

TEST(ksyms_symbolise)
{
	uint64_t off = 0;
	const char *name = ksyms_lookup((uint64_t)kernel_main + 5, &off);
	EXPECT(name != 0);
	EXPECT_MSG(strcmp(name, "kernel_main") == 0, "got %s", name);
	EXPECT_EQ(off, 5);
	EXPECT_EQ(ksyms_address("kernel_main"), (uint64_t)kernel_main);
	EXPECT(ksyms_lookup(0x1000, &off) == 0);
}

TEST(acpi_tables)
{
	if (boot_info.platform != PK_PLATFORM_PC)
		SKIP("no ACPI on this platform");
	EXPECT(acpi.has_madt);
	EXPECT(acpi.lapic_phys != 0);
	EXPECT(acpi.cpu_count >= 1);
	EXPECT(acpi.has_fadt);
}
