/* SPDX-License-Identifier: MIT */
/*
 * guest/main.c - the boot story, in order.
 *
 * boot.S brought this CPU to 64-bit mode on the early page tables and
 * early_init() checked the CPU against the build and enabled SSE/AVX.
 * From here on the whole kernel (built for PK_MARCH) may run.
 */
#include "proto/boot.h"
#include "guest/app/app.h"
#include "guest/arch/acpi.h"
#include "guest/arch/apic.h"
#include "guest/kernel/bootinfo.h"
#include "guest/kernel/console.h"
#include "guest/arch/cpu.h"
#include "guest/arch/desc.h"
#include "guest/kernel/hypercall.h"
#include "guest/arch/layout.h"
#include "guest/arch/percpu.h"
#include "guest/kernel/platform.h"
#include "guest/arch/smp.h"
#include "guest/arch/trap.h"
#include "guest/arch/tsc.h"
#include "guest/kernel/param.h"
#include "lib/cmdline/cmdline.h"
#include "guest/mm/frames.h"
#include "guest/fs/fs.h"
#include "guest/mm/paging.h"
#include "lib/sched/sched.h"

extern char bsp_stack[];

PK_PARAM(quiet, "no kernel messages until the app asks for them (run=prog does)");
PK_PARAM(
	console_sync,
	"under the vmm, write each boot line at once instead of all of them when the boot is done");
PK_PARAM(smp_timeout_ms, "how long the BSP waits for the APs to check in (default 2000)");

void kernel_main(uint32_t protocol, uint64_t ptr)
{
	boot_stage("cpu check + SSE/AVX on");

	/* Per-CPU data and descriptor tables first: from here an exception
	 * prints a register dump and a backtrace instead of a triple fault. */
	struct percpu *c = percpu_init(0, apic_id_cpuid(), (uint64_t)bsp_stack,
				       (uint64_t)bsp_stack + KSTACK_SIZE);
	idt_init();
	desc_init_cpu(c);
	boot_stage("gdt/idt/tss + per-cpu");

	/* Whatever the loader handed over becomes our own pk_bootinfo. */
	bootinfo_load(protocol, ptr);
	/* the kernel's options end at app=: the rest is the program's */
	app_cmdline_split(boot_info.cmdline);
	console_quiet = cmdline_has(boot_info.cmdline, "quiet");
	console_holding = !cmdline_has(boot_info.cmdline, "console_sync");
	hypercall_detect(boot_info.platform);
	kprintf("\nperfkern: booted via %s, cmdline \"%s%s%s\"\n", bootinfo_protocol_name(protocol),
		boot_info.cmdline, boot_info.cmdline[0] && app_program_words[0] ? " " : "",
		app_program_words);
	platform_check_vmm_abi(); /* a vmm of another hypercall ABI: stop here */
	boot_stage("boot info");

	tsc_init(boot_info.tsc_khz);
	kprintf("tsc: %lu kHz (%s)\n", tsc_khz, tsc_source);
	boot_stage("tsc frequency");

	/* ACPI tells us the CPUs and how to power off; must be read before
	 * the AP trampoline may overwrite loader memory below 1 MiB. */
	if (!platform_vmm) /* the vmm has no firmware tables: CPUs come from bootinfo */
		acpi_init(boot_info.rsdp_phys);
	boot_stage("acpi");

	/* Memory: every loader structure has been copied and ACPI parsed, so
	 * from here only the map's usable RAM minus the kernel is free. */
	frames_init(&boot_info);
	paging_init(&boot_info);
	boot_stage("frames + kernel page tables");

	/* Legacy 8259s: remap away from the exception vectors, then mask all
	 * (8259A datasheet ICW1-4); the LAPIC is the only interrupt source.
	 * The vmm wires nothing to KVM's 8259 (its devices use MSIs) and
	 * apic_init_cpu masks LINT0, the 8259's only way in: ten port
	 * writes, ten VM exits, saved. */
	if (!platform_vmm && (acpi.pcat_compat || !acpi.has_madt)) {
		outb(0x20, 0x11), outb(0xa0, 0x11);
		outb(0x21, VEC_PIC_BASE), outb(0xa1, VEC_PIC_BASE + 8);
		outb(0x21, 4), outb(0xa1, 2);
		outb(0x21, 1), outb(0xa1, 1);
		outb(0x21, 0xff), outb(0xa1, 0xff);
	}
	apic_init_bsp(acpi.lapic_phys);
	c->apic_id = apic_id();
	/* The other CPUs start now, page tables and LAPIC being up, and bring
	 * themselves up while this one goes on; each then ends in the
	 * scheduler's executor loop (smp_wait lets them in after sched_init). */
	smp_start(&boot_info, sched_executor_loop);
	apic_timer_calibrate();
	boot_stage("lapic + timer calibration");
	c->online_tsc = rdtsc();
	kprintf("cpu 0 online: apic %u%s (BSP), lapic timer %lu Hz\n", c->apic_id,
		apic_x2 ? " (x2APIC)" : "", apic_timer_hz);
	smp_report_online(0);

	/* The scheduler: one executor per CPU. The BSP runs the app, whose
	 * tasks it can spread over every CPU (lib/sched/sched.h). */
	sched_init();
	uint32_t timeout_ms = (uint32_t)cmdline_get_uint(boot_info.cmdline, "smp_timeout_ms", 2000);
	smp_wait(timeout_ms);
	irq_enable();
	boot_stage("smp: all APs online");
	kprintf("smp: %u of %u CPUs online\n", smp_online_count, smp_cpu_count);
	/* files: the initrd at /, the vmm's shares, a RAM fs at /tmp */
	fs_init();
	boot_stage("files: initrd, shares, /tmp");
	console_boot_done(); /* the boot's lines, in one write */

	platform_exit(app_main(boot_info.cmdline));
}
