/* SPDX-License-Identifier: MIT */
/*
 * guest/kernel/platform.c - exit: report the code where a host is
 * listening, then power off, reboot or halt real hardware cleanly.
 */
#include "platform.h"

#include "proto/exit.h"
#include "proto/pc.h"
#include "lib/kstring/kstring.h"
#include "guest/arch/acpi.h"
#include "console.h"
#include "guest/arch/cpu.h"
#include "hypercall.h"
#include "result.h"
#include "guest/arch/tsc.h"

/* QEMU isa-debug-exit (-device isa-debug-exit,iobase=0xf4,iosize=4): the
 * written value v makes QEMU exit with status (v << 1) | 1. The perfkern
 * vmm treats a write here as exit(v) as well. */

static enum platform_exit_policy exit_policy = EXIT_POWEROFF;

int platform_set_exit_policy(const char *value)
{
	if (strcmp(value, "poweroff") == 0)
		exit_policy = EXIT_POWEROFF;
	else if (strcmp(value, "reboot") == 0)
		exit_policy = EXIT_REBOOT;
	else if (strcmp(value, "halt") == 0)
		exit_policy = EXIT_HALT;
	else
		return -1;
	return 0;
}

static void __attribute__((noreturn)) halt_forever(void)
{
	for (;;)
		__asm__ volatile("cli; hlt");
}

static void __attribute__((noreturn)) reboot(void)
{
	acpi_reset();
	tsc_delay_us(100000);
	/* 8042 keyboard controller: pulse the CPU reset line */
	for (int i = 0; i < 100000 && (inb(0x64) & 0x02); i++)
		cpu_relax();
	outb(0x64, 0xfe);
	tsc_delay_us(100000);
	/* last resort: a triple fault through an empty IDT */
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) none = {0, 0};
	__asm__ volatile("lidt %0; int3" ::"m"(none));
	halt_forever();
}

void platform_check_vmm_abi(void)
{
	if (!platform_vmm)
		return;
	struct cpuid_regs r;
	uint32_t v = cpuid_hypervisor(PK_VMM_CPUID_ABI_LEAF, &r) ? r.eax : 0;
	if (v == PK_HC_ABI_VERSION)
		return;
	kprintf("perfkern: the vmm speaks hypercall ABI %u (CPUID 0x%x EAX), this kernel needs %u: "
		"use a vmm and kernel from the same build\n",
		v, PK_VMM_CPUID_ABI_LEAF, PK_HC_ABI_VERSION);
	platform_exit(PK_EXIT_VMM_ABI);
}

void platform_exit(int code)
{
	console_boot_done(); /* an exit during the boot keeps its lines */
	kprintf("perfkern: exit %d\n", code);
	if (platform_vmm) {
		struct pk_hc_exit req = {.code = (uint64_t)code};
		hypercall(PK_HC_EXIT, &req);
	}
	/* QEMU's isa-debug-exit status is 8 bits, (code << 1) | 1: codes of 128
	 * and more arrive modulo 128. The whole code goes first as an "exit"
	 * blob (4 bytes, int32 LE) on the serial line, which tools/qemu_run.py
	 * reads (and drops from the log) to report it exactly. */
	int32_t full = code;
	result_write(PK_EXIT_BLOB, &full, sizeof(full));
	outl(PK_PORT_DEBUG_EXIT, (uint32_t)code);

	/* still running: real hardware */
	switch (exit_policy) {
	case EXIT_REBOOT:
		reboot();
	case EXIT_POWEROFF:
		acpi_poweroff();
		kprintf("perfkern: ACPI soft-off unavailable; halted\n");
		halt_forever();
	case EXIT_HALT:
		break;
	}
	kprintf("perfkern: halted\n");
	halt_forever();
}
