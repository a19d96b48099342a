/* SPDX-License-Identifier: MIT */
/* guest/app/sched_apps.c - apps that exercise the scheduler on purpose:
 * run=stackoverflow (a task overruns its stack into the guard page). */
#include "guest/kernel/console.h"
#include "lib/sched/sched.h"
#include "app.h"

static volatile uint64_t recurse_limit = ~0ull; /* never reached: GCC can't tell */

static __attribute__((noinline)) uint64_t recurse(uint64_t depth)
{
	volatile char pad[256]; /* 256+ bytes a level: 16 KiB is gone in ~60 */
	pad[0] = (char)depth;
	if (depth == recurse_limit)
		return 0;
	return recurse(depth + 1) + (uint64_t)pad[0]; /* not a tail call */
}

static void *overflow_task(void *arg)
{
	return (void *)recurse((uint64_t)arg);
}

static int stackoverflow_run(const char *cmdline)
{
	(void)cmdline;
	kprintf("stackoverflow: task 'deep-recursion' recurses without end; expect a report "
		"naming it\n");
	struct task *t = sched_spawn(overflow_task, 0, "deep-recursion");
	if (!t)
		return 1;
	sched_join(t);
	kprintf("stackoverflow: survived a stack overflow?!\n");
	return 1;
}
APP("stackoverflow", stackoverflow_run, "overflow a task stack (guard page report check)");
