/* SPDX-License-Identifier: MIT */
/*
 * guest/app/hostile.c - guests that misbehave on purpose, for the vmm's
 * tests: run=hostile (bad hypercalls: the vmm must survive and answer with
 * error codes), run=triplefault (no IDT + a trap), run=spin (never exits;
 * for --timeout).
 */
#include "guest/kernel/console.h"
#include "guest/arch/cpu.h"
#include "guest/kernel/hypercall.h"
#include "guest/arch/layout.h"
#include "app.h"

static int hostile_check(const char *what, int64_t got, int64_t want)
{
	if (got == want) {
		kprintf("PASS hostile_%s\n", what);
		return 0;
	}
	kprintf("FAIL hostile_%s: got %ld, want %ld\n", what, got, want);
	return 1;
}

static int hostile_run(const char *cmdline)
{
	(void)cmdline;
	if (!platform_vmm) {
		kprintf("SKIP hostile: not running under the perfkern vmm\n");
		kprintf("0 passed, 0 failed, 1 skipped\n");
		return PK_EXIT_OK;
	}
	static char text[] = "hostile: a good console write\n";
	int failed = 0;
	struct pk_hc_console_write cw = {.data = kvirt_to_phys(text), .len = sizeof(text) - 1};
	failed += hostile_check("good_write", hypercall(PK_HC_CONSOLE_WRITE, &cw), 0);
	cw.data = 1ull << 45; /* far beyond RAM */
	failed += hostile_check("beyond_ram", hypercall(PK_HC_CONSOLE_WRITE, &cw), PK_HC_EFAULT);
	cw.data = ~0ull - 16; /* the range wraps around */
	cw.len = 64;
	failed += hostile_check("wrapping", hypercall(PK_HC_CONSOLE_WRITE, &cw), PK_HC_EFAULT);
	cw.data = kvirt_to_phys(text) + 1; /* unaligned is fine when inside RAM */
	cw.len = 4;
	failed += hostile_check("unaligned", hypercall(PK_HC_CONSOLE_WRITE, &cw), 0);
	cw.len = 1ull << 30; /* a 1 GiB console write */
	failed += hostile_check("one_gib", hypercall(PK_HC_CONSOLE_WRITE, &cw), PK_HC_EINVAL);
	cw.len = ~0ull; /* length overflow */
	failed += hostile_check("len_overflow", hypercall(PK_HC_CONSOLE_WRITE, &cw), PK_HC_EINVAL);
	struct pk_hc_hdr h;
	failed += hostile_check("unknown_nr", hypercall(PK_HC_COUNT + 7, &h), PK_HC_ENOSYS);
	/* a request struct the vmm cannot read: nothing is written back, so
	 * the guest-side preset -ENOSYS stays; the vmm must just go on */
	outl(PK_HC_PORT_BASE + PK_HC_CONSOLE_WRITE, 0xfffffff0u);
	failed += hostile_check("still_alive", hypercall(PK_HC_CONSOLE_WRITE, &cw), PK_HC_EINVAL);
	kprintf("%d passed, %d failed, 0 skipped\n", 9 - failed, failed);
	return failed ? PK_EXIT_TESTS_FAILED : PK_EXIT_OK;
}
APP("hostile", hostile_run, "make bad hypercalls (vmm robustness check)");

static int triplefault_run(const char *cmdline)
{
	(void)cmdline;
	kprintf("triplefault: loading an empty IDT and trapping\n");
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) none = {0, 0};
	__asm__ volatile("cli; lidt %0; int3" ::"m"(none));
	return PK_EXIT_TESTS_FAILED;
}
APP("triplefault", triplefault_run, "triple-fault on purpose (vmm crash report check)");

static int spin_run(const char *cmdline)
{
	(void)cmdline;
	kprintf("spin: looping forever\n");
	for (;;)
		cpu_relax();
	return PK_EXIT_TESTS_FAILED; /* not reached */
}
APP("spin", spin_run, "never exit (vmm --timeout check)");
