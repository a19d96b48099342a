/* SPDX-License-Identifier: MIT */
/* guest/arch/apic.c - local APIC driver (SDM Vol 3A chapter 11). */
#include "apic.h"

#include "cpu.h"
#include "cpufeat.h"
#include "layout.h"
#include "mmio.h"
#include "percpu.h"
#include "trap.h"
#include "tsc.h"
#include "guest/kernel/hypercall.h"

/* Register offsets in the xAPIC page (SDM Vol 3A table 11-1); the x2APIC
 * MSR is 0x800 + offset / 16 (table 11-6). */
#define APIC_ID 0x20
#define APIC_TPR 0x80
#define APIC_EOI 0xb0
#define APIC_SVR 0xf0
#define APIC_ESR 0x280
#define APIC_ICR_LO 0x300
#define APIC_ICR_HI 0x310
#define APIC_LVT_TIMER 0x320
#define APIC_LVT_PERF 0x340
#define APIC_LVT_LINT0 0x350
#define APIC_LVT_LINT1 0x360
#define APIC_LVT_ERROR 0x370
#define APIC_TIMER_INIT 0x380
#define APIC_TIMER_CUR 0x390
#define APIC_TIMER_DIV 0x3e0

#define LVT_MASKED (1u << 16)
#define LVT_PERIODIC (1u << 17)
#define LVT_TSC_DEADLINE (2u << 17) /* SDM Vol 3A 11.5.4.1 */
#define MSR_TSC_DEADLINE 0x6e0
#define ICR_PENDING (1u << 12)
#define ICR_ASSERT (1u << 14)
#define ICR_INIT (5u << 8)
#define ICR_STARTUP (6u << 8)

#define APIC_BASE_ENABLE (1u << 11)
#define APIC_BASE_X2 (1u << 10)

bool apic_x2;
uint64_t apic_timer_hz;
static volatile uint32_t *apic_mmio;

static uint32_t apic_read(uint32_t reg)
{
	if (apic_x2)
		return (uint32_t)rdmsr(0x800 + reg / 16);
	return mmio_read32(&apic_mmio[reg / 4]);
}

static void apic_write(uint32_t reg, uint32_t v)
{
	if (apic_x2)
		wrmsr(0x800 + reg / 16, v);
	else
		mmio_write32(&apic_mmio[reg / 4], v);
}

static void apic_timer_irq(struct trap_frame *f)
{
	(void)f;
	struct percpu *c = this_cpu();
	c->timer_ticks++;
	if (c->timer_hook)
		c->timer_hook();
}

void apic_init_bsp(uint64_t lapic_phys)
{
	apic_x2 = cpu_has(CPUF_X2APIC);
	if (!lapic_phys)
		lapic_phys = rdmsr(MSR_APIC_BASE) & ~0xfffull;
	apic_mmio = phys_to_virt_mmio(lapic_phys);
	irq_register(VEC_TIMER, apic_timer_irq);
	apic_init_cpu();
}

void apic_init_cpu(void)
{
	uint64_t was = rdmsr(MSR_APIC_BASE), base = was | APIC_BASE_ENABLE;
	if (apic_x2)
		base |= APIC_BASE_X2; /* xAPIC -> x2APIC is allowed directly (11.12.5) */
	if (base != was)	      /* the perfkern vmm starts vCPUs in x2APIC mode */
		wrmsr(MSR_APIC_BASE, base);

	this_cpu()->timer_mode = LVT_MASKED;
	/* KVM's LINT0 quirk (KVM_X86_QUIRK_LINT0_REENABLED) leaves the BSP's
	 * LINT0 in ExtINT mode, unmasked, at reset: mask it on every
	 * platform, or a stray 8259 interrupt arrives as vector 0-15. */
	apic_write(APIC_LVT_LINT0, LVT_MASKED);
	/* Under the perfkern vmm nothing ran before us: the LAPIC is in its
	 * power-up state (SDM Vol 3A 11.4.7.1: TPR 0, ESR 0, every other LVT
	 * masked, nothing in service), and each of these writes would be a
	 * VM exit. After firmware, set them all. */
	if (!platform_vmm) {
		apic_write(APIC_TPR, 0);
		apic_write(APIC_LVT_TIMER, LVT_MASKED | VEC_TIMER);
		apic_write(APIC_LVT_PERF, LVT_MASKED);
		apic_write(APIC_LVT_LINT1, LVT_MASKED);
		apic_write(APIC_LVT_ERROR, LVT_MASKED);
		apic_write(APIC_ESR, 0);
	}
	apic_write(APIC_SVR, 0x100 | VEC_SPURIOUS); /* bit 8: software enable */
	if (!platform_vmm)
		apic_eoi();
}

uint32_t apic_id(void)
{
	uint32_t id = apic_read(APIC_ID);
	return apic_x2 ? id : id >> 24;
}

uint32_t apic_id_cpuid(void)
{
	/* leaf 0Bh EDX has the full x2APIC ID; leaf 1 EBX[31:24] the 8-bit
	 * one. One CPUID where it can be: each is a VM exit. */
	if (cpuid_max_basic >= 0xb) {
		struct cpuid_regs b = cpuid(0xb, 0);
		if (b.ebx != 0)
			return b.edx;
	}
	return cpuid(1, 0).ebx >> 24;
}

void apic_eoi(void)
{
	apic_write(APIC_EOI, 0);
}

static void apic_icr(uint32_t dest, uint32_t lo)
{
	uint64_t f = irq_save();
	if (apic_x2) {
		/* WRMSR to the x2APIC ICR is not serializing (SDM Vol 3A
		 * 11.12.3): without the fence the target could wake before our
		 * earlier stores (e.g. a mailbox) are visible, and sleep again */
		__asm__ volatile("mfence; lfence" ::: "memory");
		wrmsr(0x830, ((uint64_t)dest << 32) | lo);
	} else {
		apic_write(APIC_ICR_HI, dest << 24);
		apic_write(APIC_ICR_LO, lo);
		while (apic_read(APIC_ICR_LO) & ICR_PENDING)
			cpu_relax();
	}
	irq_restore(f);
}

void apic_send_ipi(uint32_t dest, uint8_t vector)
{
	apic_icr(dest, ICR_ASSERT | vector);
}

/* INIT and STARTUP IPIs (SDM Vol 3A 9.4.4.1; ICR delivery modes, 11.6.1) */
void apic_send_init(uint32_t dest)
{
	apic_icr(dest, ICR_INIT | ICR_ASSERT);
}

void apic_send_sipi(uint32_t dest, uint8_t page)
{
	apic_icr(dest, ICR_STARTUP | ICR_ASSERT | page);
}

uint64_t apic_timer_measure_hz(uint32_t us)
{
	apic_write(APIC_TIMER_DIV, 0xb); /* divide by 1 (SDM Vol 3A 11.5.4) */
	apic_write(APIC_LVT_TIMER, LVT_MASKED | VEC_TIMER);
	this_cpu()->timer_mode = LVT_MASKED;
	apic_write(APIC_TIMER_INIT, 0xffffffffu);
	uint64_t t0 = rdtsc_ordered();
	uint32_t start = apic_read(APIC_TIMER_CUR);
	tsc_delay_us(us);
	uint32_t left = apic_read(APIC_TIMER_CUR);
	uint64_t t1 = rdtsc_ordered();
	apic_write(APIC_TIMER_INIT, 0);
	return (uint64_t)(start - left) * tsc_khz * 1000 / (t1 - t0);
}

void apic_timer_calibrate(void)
{
	/* hypervisor timing leaf 40000010h EBX: LAPIC timer kHz (the perfkern
	 * vmm and KVM-style hypervisors): no 10 ms measurement needed */
	struct cpuid_regs hv;
	if (cpuid_hypervisor(0x40000010, &hv) && hv.ebx) {
		apic_timer_hz = (uint64_t)hv.ebx * 1000;
		return;
	}
	apic_timer_hz = apic_timer_measure_hz(10000);
}

void apic_lvt_pmi(uint8_t vector)
{
	apic_write(APIC_LVT_PERF, vector ? vector : LVT_MASKED);
}

void apic_timer_periodic(uint32_t hz)
{
	apic_timer_periodic_vec(hz, VEC_TIMER);
}

void apic_timer_periodic_vec(uint32_t hz, uint8_t vector)
{
	if (!hz) {
		apic_write(APIC_TIMER_INIT, 0);
		apic_write(APIC_LVT_TIMER, LVT_MASKED | VEC_TIMER);
		this_cpu()->timer_mode = LVT_MASKED;
		return;
	}
	uint64_t count = apic_timer_hz / hz;
	if (count == 0)
		count = 1;
	if (count > 0xffffffffu)
		count = 0xffffffffu;
	apic_write(APIC_TIMER_DIV, 0xb);
	apic_write(APIC_LVT_TIMER, LVT_PERIODIC | vector);
	apic_write(APIC_TIMER_INIT, (uint32_t)count);
	this_cpu()->timer_mode = LVT_PERIODIC;
}

void apic_timer_deadline(uint64_t tsc)
{
	struct percpu *c = this_cpu();
	if (c->timer_mode == LVT_PERIODIC)
		return; /* the periodic tick ends any halt soon enough */
	if (cpu_has(CPUF_TSC_DEADLINE)) {
		if (c->timer_mode != LVT_TSC_DEADLINE) {
			apic_write(APIC_LVT_TIMER, LVT_TSC_DEADLINE | VEC_TIMER);
			/* the mode switch must land before the deadline write,
			 * or the write is ignored (SDM Vol 3A 11.5.4.1) */
			__asm__ volatile("mfence" ::: "memory");
			c->timer_mode = LVT_TSC_DEADLINE;
			c->timer_deadline = 0; /* nothing armed in the new mode yet */
		}
		/* an idle CPU re-arms on every pass while the same sleeper
		 * waits: the MSR write is an exit under a hypervisor, skip it
		 * (a deadline that passed made the sleeper due, so no re-arm) */
		if (c->timer_deadline != tsc) {
			wrmsr(MSR_TSC_DEADLINE, tsc ? tsc : 1); /* 0 would disarm it */
			c->timer_deadline = tsc;
		}
		return;
	}
	/* one-shot: TSC ticks -> timer ticks at the calibrated rates */
	uint64_t now = rdtsc(), count = 1;
	if (tsc > now && tsc_khz)
		count = muldiv64(tsc - now, apic_timer_hz, tsc_khz * 1000);
	if (count == 0)
		count = 1;
	if (count > 0xffffffffu)
		count = 0xffffffffu; /* we wake early and re-arm */
	if (c->timer_mode != 0) {
		apic_write(APIC_TIMER_DIV, 0xb);
		apic_write(APIC_LVT_TIMER, VEC_TIMER); /* one-shot, unmasked */
		c->timer_mode = 0;
	}
	apic_write(APIC_TIMER_INIT, (uint32_t)count);
}
