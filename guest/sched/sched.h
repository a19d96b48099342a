/* SPDX-License-Identifier: MIT */
/*
 * guest/sched/sched.h - cooperative tasks, one executor per CPU (work in
 * progress for the scheduler issue: spawn/spawn_on/yield/join with
 * cross-CPU wakeups; timers, channels and futures come next). Same source
 * in the kernel and in the hosted build used by the unit tests.
 */
#ifndef PK_SCHED_H
#define PK_SCHED_H

#include <stddef.h>
#include <stdint.h>

#ifdef PK_HOSTED
/* POSIX has a sched_yield() of its own (<sched.h>, pulled in by
 * <pthread.h>): host code includes those first, and ours is renamed. */
#define sched_yield pk_sched_yield
#endif

typedef void *(*task_fn)(void *arg);

enum task_state { TASK_READY, TASK_RUNNING, TASK_BLOCKED, TASK_EXITING, TASK_DONE };

struct task {
	uint64_t rsp;	   /* saved stack pointer while suspended */
	struct task *next; /* run-queue / inbox link */
	task_fn fn;
	void *arg, *result;
	int state;	/* enum task_state, atomic (sched.c) */
	unsigned cpu;	/* executor the task runs on */
	uintptr_t join; /* atomic: 0, the waiting task, or SCHED_JOIN_DONE */
	const char *name;
	void *stack;
	size_t stack_size;
};
#define SCHED_JOIN_DONE ((uintptr_t)1)

/* Provided by the environment (kernel: stack_pool.c + sched_env in
 * arch/smp.c; host: the unit test). */
void *sched_stack_alloc(size_t size);
void sched_stack_free(void *stack, size_t size);
unsigned sched_cpu_self(void);
unsigned sched_cpu_count(void);
void sched_wake(unsigned cpu); /* make an idle executor look at its inbox */

/* Hosted build only (sched_host.c): executors 1..n-1 on new pthreads,
 * the caller is executor 0. */
int sched_host_start(unsigned n);
void sched_host_stop(void);

#define SCHED_STACK_DEFAULT (16 * 1024)
#define SCHED_MAX_EXEC 256

/* Create a task on this CPU / on `cpu`; NULL when out of memory or cpu is
 * not an executor. */
struct task *sched_spawn(task_fn fn, void *arg, const char *name);
struct task *sched_spawn_on(unsigned cpu, task_fn fn, void *arg, const char *name);
/* Give the CPU to the next ready task (no-op when none). */
void sched_yield(void);
/* Wait for t (on any CPU) to finish and return its result; t is freed.
 * From a task it suspends; from executor context it runs other local work
 * and spins. Joining a finished task returns at once. */
void *sched_join(struct task *t);
/* Executor side: take the inbox, run ready tasks until none is left. */
void sched_poll(void);
/* Does this CPU's executor have anything to run? Sets/clears the idle
 * flag remote wakers look at (set before the final check, then halt). */
int sched_has_work(void);
void sched_set_idle(int idle);
/* Run tasks until none is ready (single-executor use, tests). */
void sched_run(void);
/* The running task, or NULL in the executor itself. */
struct task *sched_current(void);

/* Build the initial frame of a new task on [stack, stack+size). */
uint64_t sched_stack_init(void *stack, size_t size, task_fn fn, void *arg);

#endif
