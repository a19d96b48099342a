/* SPDX-License-Identifier: MIT */
/*
 * guest/app/app.c - command-line dispatch. `run=NAME` picks the app
 * (default demo); an unknown name is an error listing the valid ones, an
 * unknown option a warning (Linux-style: the kernel keeps going).
 */
#include "app.h"

#include "guest/kernel/console.h"
#include "guest/arch/layout.h"
#include "guest/perf/perf.h"
#include "guest/kernel/platform.h"
#include "guest/kernel/result.h"
#include "lib/cmdline/cmdline.h"
#include "guest/kernel/bootinfo.h"
#include "guest/kernel/param.h"
#include "lib/kstring/kstring.h"
#include "proto/boot.h"

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
APP("result", result_run, "write two known result blobs to the host");

/* Boot and exit 0: `make run` uses it to see whether this host's KVM can
 * run the kernel at all before choosing the vmm over the nested harness. */
static int probe_run(const char *cmdline)
{
	(void)cmdline;
	return PK_EXIT_OK;
}
APP("probe", probe_run, "boot and exit 0 (can this host run the kernel?)");

PK_PARAM(run, "the app to run after boot (default demo; an unknown name lists them)");
PK_PARAM(exit, "what the PC platform does at the end: poweroff reboot halt");
PK_PARAM(boot_timeline,
	 "print the boot stages (TSC cycles and us from the first instruction) before the app");

extern const struct app __start_pk_apps[], __stop_pk_apps[];

static const struct app *app_find(const char *name)
{
	for (const struct app *a = __start_pk_apps; a < __stop_pk_apps; a++)
		if (strcmp(a->name, name) == 0)
			return a;
	return 0;
}

/* The registered apps in name order (the linker's order is the build's). */
static void app_list(void)
{
	const char *last = "";
	for (;;) {
		const struct app *next = 0;
		for (const struct app *a = __start_pk_apps; a < __stop_pk_apps; a++)
			if (strcmp(a->name, last) > 0 && (!next || strcmp(a->name, next->name) < 0))
				next = a;
		if (!next)
			return;
		kprintf("  run=%-14s %s\n", next->name, next->help);
		last = next->name;
	}
}

static int help_run(const char *cmdline)
{
	(void)cmdline;
	kprintf("apps (run=NAME):\n");
	app_list();
	kprintf("options:\n");
	param_print_all();
	return PK_EXIT_OK;
}
APP("help", help_run, "list the apps and the command-line options");

static char program_words[PK_CMDLINE_MAX];
const char *app_program_words = program_words;

void app_cmdline_split(char *cmdline)
{
	char *w = (char *)cmdline_find(cmdline, "app");
	if (!w)
		return;
	pk_strlcpy(program_words, w, sizeof(program_words));
	/* the blanks before app= belong to neither part */
	while (w > cmdline && (w[-1] == ' ' || w[-1] == '\t' || w[-1] == '\n' || w[-1] == '\r'))
		w--;
	*w = 0;
}

int app_main(const char *cmdline)
{
	char value[64];
	param_warn_unknown(cmdline);
	if (cmdline_get(cmdline, "exit", value, sizeof(value)) >= 0 &&
	    platform_set_exit_policy(value) < 0) {
		kprintf("perfkern: unknown exit=%s; valid: poweroff reboot halt\n", value);
		return PK_EXIT_BAD_CMDLINE;
	}

	/* app= alone runs the program: `make iso APP=` writes no run= */
	const char *name = program_words[0] ? "prog" : "demo";
	if (cmdline_get(cmdline, "run", value, sizeof(value)) >= 0)
		name = value;
	const struct app *a = app_find(name);
	if (!a) {
		kprintf("perfkern: unknown run=%s; valid:\n", name);
		app_list();
		return PK_EXIT_BAD_CMDLINE;
	}
	if (cmdline_has(cmdline, "boot_timeline")) {
		boot_stage("app start");
		boot_timeline_print();
	}
	/* perf= profiles any app (guest/perf/perf.h) */
	if (perf_begin(cmdline) < 0)
		return PK_EXIT_BAD_CMDLINE;
	int rc = a->run(cmdline);
	perf_end();
	return rc;
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
APP("fault", fault_run, "take an unhandled page fault (exception dump check)");
