/* SPDX-License-Identifier: MIT */
/*
 * guest/kernel/platform.h - leaving the kernel. Exit codes: layout.h
 * PK_EXIT_*; docs/vmm.md "Exit codes" documents them and the QEMU mapping.
 */
#ifndef PK_ARCH_PLATFORM_H
#define PK_ARCH_PLATFORM_H

/* What happens on real hardware once the exit code has been reported
 * (QEMU and the vmm stop at the exit port already). */
enum platform_exit_policy {
	EXIT_POWEROFF, /* ACPI S5, falling back to halt */
	EXIT_REBOOT,   /* ACPI reset register, keyboard controller, triple fault */
	EXIT_HALT,     /* all CPUs halt with interrupts off */
};

/* Parse exit=poweroff|reboot|halt; returns -1 on an unknown value. */
int platform_set_exit_policy(const char *value);

void platform_exit(int code) __attribute__((noreturn));
/* Under the perfkern vmm: exit with PK_EXIT_VMM_ABI and one line unless
 * the vmm's hypercall ABI (CPUID 0x40000001 EAX) is this kernel's. */
void platform_check_vmm_abi(void);

#endif
