/* SPDX-License-Identifier: MIT */
/* guest/arch/tsc.c - TSC frequency discovery. */
#include "tsc.h"

#include "cpu.h"

uint64_t tsc_khz;
const char *tsc_source = "none";

/* PIT channel 2 runs at 1.193182 MHz; its gate and output live in port
 * 0x61 (bit 0 gate, bit 5 OUT2). Mode 0 raises OUT2 at terminal count
 * (Intel 8254 datasheet; PC/AT port 61h). */
#define PIT_HZ 1193182u
#define PIT_CAL_MS 5

static uint64_t pit_measure(void)
{
	uint16_t count = PIT_HZ / (1000 / PIT_CAL_MS);
	outb(0x61, (uint8_t)((inb(0x61) & ~0x02) | 0x01)); /* gate on, speaker off */
	outb(0x43, 0xb0); /* channel 2, lo/hi byte, mode 0, binary */
	outb(0x42, (uint8_t)count);
	outb(0x42, (uint8_t)(count >> 8));
	/* mode 0 holds OUT2 low until the count runs out: high right away
	 * means there is no PIT behind these ports (e.g. QEMU microvm) */
	if (inb(0x61) & 0x20)
		return 0;
	uint64_t t0 = rdtsc_ordered();
	/* bounded: a machine without a PIT must not hang here */
	for (uint64_t i = 0; !(inb(0x61) & 0x20); i++)
		if (i > 100000000)
			return 0;
	return rdtsc_ordered() - t0;
}

static uint64_t tsc_khz_cpuid(const char **src)
{
	uint32_t max = cpuid(0, 0).eax;
	/* leaf 15h: TSC/crystal ratio and crystal Hz (SDM Vol 3B 19.7.3) */
	if (max >= 0x15) {
		struct cpuid_regs r = cpuid(0x15, 0);
		if (r.eax && r.ebx && r.ecx) {
			*src = "cpuid 15h";
			return (uint64_t)r.ecx * r.ebx / r.eax / 1000;
		}
	}
	/* hypervisor timing leaf 40000010h: EAX = TSC kHz (KVM/VMware ABI) */
	struct cpuid_regs hv;
	if (cpuid_hypervisor(0x40000010, &hv) && hv.eax) {
		*src = "hypervisor leaf 40000010h";
		return hv.eax;
	}
	return 0;
}

void tsc_init(uint64_t bootinfo_khz)
{
	if (bootinfo_khz) {
		tsc_khz = bootinfo_khz;
		tsc_source = "bootinfo";
		return;
	}
	tsc_khz = tsc_khz_cpuid(&tsc_source);
	if (tsc_khz)
		return;
	/* the shortest of three runs: interference only ever adds cycles */
	uint64_t best = 0;
	for (int i = 0; i < 3; i++) {
		uint64_t c = pit_measure();
		if (c && (!best || c < best))
			best = c;
	}
	tsc_khz = best ? best / PIT_CAL_MS : 1000000; /* 1 GHz guess, reported */
	tsc_source = best ? "PIT" : "guess (no PIT)";
}

uint64_t tsc_us_to_cycles(uint64_t us)
{
	return us * tsc_khz / 1000;
}

uint64_t tsc_cycles_to_us(uint64_t cycles)
{
	return tsc_khz ? cycles * 1000 / tsc_khz : 0;
}

void tsc_delay_us(uint64_t us)
{
	uint64_t end = rdtsc() + tsc_us_to_cycles(us);
	while (rdtsc() < end)
		cpu_relax();
}
