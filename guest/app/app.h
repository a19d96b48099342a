/* SPDX-License-Identifier: MIT */
/* guest/app/app.h - what the kernel runs after boot (run= on the cmdline). */
#ifndef PK_APP_APP_H
#define PK_APP_APP_H

#include <stdint.h>

#include "proto/exit.h" /* PK_EXIT_*: what an app returns */

/*
 * An app is one file: its run function plus `APP("name", fn, "help");`,
 * which lands {name, fn, help} in the linker section pk_apps. run=NAME on
 * the command line picks one (default demo).
 */
struct app {
	const char *name;
	int (*run)(const char *cmdline);
	const char *help;
};

#define APP(aname, fn, ahelp)                                                                      \
	static const struct app app_entry_##fn                                                     \
		__attribute__((used, section("pk_apps"), aligned(8))) = {aname, fn, ahelp}

/* Check the command line, run the chosen app, return the exit code. */
int app_main(const char *cmdline);

/*
 * `app=/path ARGS...` ends the kernel's part of the command line: that
 * word and every word after it are the program's (docs/programs.md), so
 * an argument such as `quiet` or `run=x` never reaches the kernel's own
 * options. app_cmdline_split moves them out of cmdline (cutting it at the
 * first app= word) into app_program_words, "" when there is none.
 */
void app_cmdline_split(char *cmdline);
extern const char *app_program_words;

void demo_parallel(void); /* demo_parallel.c: the demo's matmul on 1..N CPUs */
/* scale.c: run(ncpu) returns the cycles of one run; the best of reps on
 * 1, 2, 4 ... online CPUs goes to report (with the 1-CPU best). */
void app_scale_cpus(int reps, uint64_t (*run)(unsigned ncpu, void *ctx),
		    void (*report)(unsigned ncpu, uint64_t best, uint64_t one_cpu, void *ctx),
		    void *ctx);

#endif
