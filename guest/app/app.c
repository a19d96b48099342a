/* SPDX-License-Identifier: MIT */
/*
 * guest/app/app.c - command-line dispatch. `run=NAME` picks the app
 * (default demo); an unknown name is an error listing the valid ones, an
 * unknown option a warning (Linux-style: the kernel keeps going).
 */
#include "app.h"

#include "../arch/console.h"
#include "../arch/layout.h"
#include "../arch/perf.h"
#include "../arch/platform.h"
#include "../arch/result.h"
#include "../lib/cmdline.h"
#include "../lib/kstring.h"

static int fault_run(const char *cmdline) __attribute__((noinline, noclone));

/* Two known blobs for the host to check (tests: vmm --out, tools/pkblob.py). */
static int result_run(const char *cmdline)
{
	(void)cmdline;
	static const char hello[] = "perfkern result blob\n";
	static uint8_t pattern[1000];
	for (unsigned i = 0; i < sizeof(pattern); i++)
		pattern[i] = (uint8_t)(i * 7);
	int a = result_write("hello.txt", hello, sizeof(hello) - 1);
	int b = result_write("pattern.bin", pattern, sizeof(pattern));
	if (a || b) {
		kprintf("result: result_write failed (%d, %d)\n", a, b);
		return PK_EXIT_TESTS_FAILED;
	}
	return PK_EXIT_OK;
}

/* Boot and exit 0: `make run` uses it to see whether this host's KVM can
 * run the kernel at all before choosing the vmm over the nested harness. */
static int probe_run(const char *cmdline)
{
	(void)cmdline;
	return PK_EXIT_OK;
}

static const struct app {
	const char *name;
	int (*run)(const char *cmdline);
	const char *help;
} apps[] = {
	{"demo", demo_run, "greet from every CPU, show CPU features, memory map, boot time"},
	{"tests", ktest_run_all, "in-guest test suite (test=SUBSTRING filters)"},
	{"fault", fault_run, "take an unhandled page fault (exception dump check)"},
	{"hostile", hostile_run, "make bad hypercalls (vmm robustness check)"},
	{"triplefault", triplefault_run, "triple-fault on purpose (vmm crash report check)"},
	{"spin", spin_run, "never exit (vmm --timeout check)"},
	{"bench-exits", bench_exits_run, "hypercall round trip vs a raw I/O exit (vmm)"},
	{"result", result_run, "write two known result blobs to the host"},
	{"probe", probe_run, "boot and exit 0 (can this host run the kernel?)"},
	{"mmu", mmu_run, "print the live page tables (Virt -> Phys Size Perms Cache NX)"},
	{"bench-pages", bench_pages_run, "pointer-chase latency, 4K vs 2M vs 1G pages"},
	{"bench-heap", bench_heap_run, "kernel heap throughput on 1, 2, 4 .. CPUs"},
	{"bench-sched", bench_sched_run, "task switch, spawn+join, cross-CPU wake vs raw IPI"},
	{"stackoverflow", stackoverflow_run, "overflow a task stack (guard page report check)"},
	{"perfcheck", perfcheck_run, "two hot functions, 3:1 (profiler check; perf=...)"},
};

/* Options the kernel understands; anything else gets a warning. */
static const char *const known_options[] = {"run",   "exit", "test", "smp_timeout_ms",	"pages_mib",
					    "loads", "reps", "perf", "perfcheck_rounds"};

uint64_t app_parse_uint(const char *s, uint64_t fallback)
{
	uint64_t v = 0;
	unsigned base = 10;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!*s)
		return fallback;
	for (; *s; s++) {
		unsigned d;
		if (*s >= '0' && *s <= '9')
			d = (unsigned)(*s - '0');
		else if (base == 16 && (*s | 0x20) >= 'a' && (*s | 0x20) <= 'f')
			d = (unsigned)((*s | 0x20) - 'a' + 10);
		else
			return fallback;
		v = v * base + d;
	}
	return v;
}

static void app_warn_unknown_options(const char *cmdline)
{
	const char *pos = cmdline, *w;
	size_t keylen, wordlen;
	while ((w = cmdline_next(&pos, &keylen, &wordlen))) {
		int known = 0;
		for (size_t i = 0; i < sizeof(known_options) / sizeof(known_options[0]); i++)
			if (strlen(known_options[i]) == keylen &&
			    strncmp(w, known_options[i], keylen) == 0)
				known = 1;
		if (!known)
			kprintf("perfkern: ignoring unknown command-line option '%.*s'\n",
				(int)wordlen, w);
	}
}

int app_main(const char *cmdline)
{
	char value[64];
	app_warn_unknown_options(cmdline);
	if (cmdline_get(cmdline, "exit", value, sizeof(value)) >= 0 &&
	    platform_set_exit_policy(value) < 0) {
		kprintf("perfkern: unknown exit=%s; valid: poweroff reboot halt\n", value);
		return PK_EXIT_BAD_CMDLINE;
	}

	const char *name = "demo";
	if (cmdline_get(cmdline, "run", value, sizeof(value)) >= 0)
		name = value;
	for (size_t i = 0; i < sizeof(apps) / sizeof(apps[0]); i++)
		if (strcmp(apps[i].name, name) == 0) {
			/* perf= profiles any app (guest/arch/perf.h) */
			if (perf_begin(cmdline) < 0)
				return PK_EXIT_BAD_CMDLINE;
			int rc = apps[i].run(cmdline);
			perf_end();
			return rc;
		}

	kprintf("perfkern: unknown run=%s; valid:", name);
	for (size_t i = 0; i < sizeof(apps) / sizeof(apps[0]); i++)
		kprintf(" %s", apps[i].name);
	kprintf("\n");
	for (size_t i = 0; i < sizeof(apps) / sizeof(apps[0]); i++)
		kprintf("  run=%-6s %s\n", apps[i].name, apps[i].help);
	return PK_EXIT_BAD_CMDLINE;
}

/* Kept out of line and non-trivial so the backtrace has real frames. */
static __attribute__((noinline, noclone)) void fault_touch(volatile uint64_t *p)
{
	*p = 0x5a5a; /* not mapped: PML4 slot 32 is empty in the early tables */
}

static __attribute__((noinline, noclone)) int fault_run(const char *cmdline)
{
	(void)cmdline;
	kprintf("fault: writing to 0x100000000000, expect a #PF dump\n");
	fault_touch((volatile uint64_t *)0x100000000000ull);
	kprintf("fault: survived a write to unmapped memory?!\n");
	return PK_EXIT_TESTS_FAILED;
}
