/* SPDX-License-Identifier: MIT */
/*
 * guest/app/demo.c - run=demo: every CPU says hello, then what the kernel
 * found: CPU and features, memory map, and the boot timeline in TSC cycles.
 */
#include "guest/arch/apic.h"
#include "guest/kernel/bootinfo.h"
#include "lib/bootparse/bootparse.h"
#include "guest/kernel/console.h"
#include "guest/arch/cpu.h"
#include "guest/arch/cpufeat.h"
#include "guest/arch/fpu.h"
#include "guest/arch/layout.h"
#include "guest/arch/paging.h"
#include "guest/arch/percpu.h"
#include "guest/arch/smp.h"
#include "guest/arch/tsc.h"
#include "lib/kstring/kstring.h"
#include "app.h"

static void demo_hello(void *arg)
{
	(void)arg;
	struct percpu *c = this_cpu();
	kprintf("hello from cpu %u (apic %u), online %lu us after cpu 0\n", c->index, c->apic_id,
		tsc_cycles_to_us(c->online_tsc - percpu_area[0].online_tsc));
}

static void demo_cpu(void)
{
	struct cpuid_regs r = cpuid(0, 0);
	char vendor[13];
	memcpy(vendor, &r.ebx, 4);
	memcpy(vendor + 4, &r.edx, 4);
	memcpy(vendor + 8, &r.ecx, 4);
	vendor[12] = 0;
	char brand[49] = "";
	if (cpuid(0x80000000, 0).eax >= 0x80000004) {
		for (uint32_t i = 0; i < 3; i++) {
			struct cpuid_regs b = cpuid(0x80000002 + i, 0);
			memcpy(brand + 16 * i, &b, 16);
		}
		brand[48] = 0;
	}
	uint32_t sig = cpuid(1, 0).eax;
	uint32_t family = (sig >> 8) & 0xf, model = (sig >> 4) & 0xf;
	if (family == 0xf)
		family += (sig >> 20) & 0xff;
	if (family >= 6)
		model |= ((sig >> 16) & 0xf) << 4;
	kprintf("cpu: %s \"%s\" family 0x%x model 0x%x stepping %u\n", vendor, brand, family, model,
		sig & 0xf);
	kprintf("cpu features:");
	for (unsigned i = 0; i < CPUF_COUNT; i++)
		if (cpu_has((enum cpuf_index)i))
			kprintf(" %s", cpufeat_name(i));
	kprintf("\n");
	kprintf("vector state: %s, %u bytes per save, XCR0 0x%lx\n",
		fpu_use_xsave ? "XSAVE" : "FXSAVE", fpu_xsave_size, fpu_xcr0);
	/* architectural perfmon version, CPUID 0Ah EAX[7:0] (SDM Vol 3B 21.2) */
	uint32_t pmu = cpuid(0, 0).eax >= 0xa ? cpuid(0xa, 0).eax : 0;
	if (pmu & 0xff)
		kprintf("pmu: architectural perfmon v%u, %u counters x %u bits\n", pmu & 0xff,
			(pmu >> 8) & 0xff, (pmu >> 16) & 0xff);
	else
		kprintf("pmu: no architectural perfmon exposed\n");
	kprintf("lapic: %s, timer %lu Hz; tsc %lu kHz (%s); direct map %s pages to 0x%lx\n",
		apic_x2 ? "x2APIC" : "xAPIC", apic_timer_hz, tsc_khz, tsc_source,
		direct_map_page_size, direct_map_limit);
}

static void demo_memmap(void)
{
	uint64_t usable = 0;
	kprintf("memory map (%u entries%s):\n", boot_info.memmap_count,
		boot_info.flags & PK_BOOTF_MEMMAP_TRUNCATED ? ", TRUNCATED" : "");
	for (uint32_t i = 0; i < boot_info.memmap_count; i++) {
		const struct pk_memmap_entry *e = &boot_info.memmap[i];
		kprintf("  0x%016lx-0x%016lx %10lu KiB %s\n", e->base, e->base + e->length - 1,
			e->length >> 10, bootinfo_mem_type_name(e->type));
		if (e->type == PK_MEM_USABLE)
			usable += e->length;
	}
	kprintf("  usable: %lu MiB\n", usable >> 20);
}

static int demo_run(const char *cmdline)
{
	(void)cmdline;
	boot_stage("demo start");
	for (uint32_t cpu = 0; cpu < smp_cpu_count; cpu++) {
		if (!smp_cpu_online(cpu))
			continue;
		smp_call(cpu, demo_hello, 0);
		/* one at a time: lines come out in order */
		if (smp_call_wait(cpu, 30000) < 0)
			kprintf("demo: cpu %u did not run its greeting within 30 s\n", cpu);
	}
	demo_cpu();
	demo_memmap();
	boot_timeline_print();
	demo_parallel();
	return PK_EXIT_OK;
}
APP("demo", demo_run, "greet from every CPU, show CPU features, memory map, boot time");
