/* SPDX-License-Identifier: MIT */
/*
 * guest/sched/sched.h - cooperative tasks (work in progress for the
 * scheduler issue: one executor, spawn/yield/join; cross-CPU queues,
 * timers, channels and futures come next). Same source in the kernel and
 * in the hosted build used by the unit tests.
 */
#ifndef PK_SCHED_H
#define PK_SCHED_H

#include <stddef.h>
#include <stdint.h>

typedef void *(*task_fn)(void *arg);

enum task_state { TASK_READY, TASK_RUNNING, TASK_DONE };

struct task {
	uint64_t rsp;	   /* saved stack pointer while suspended */
	struct task *next; /* run-queue link */
	task_fn fn;
	void *arg, *result;
	enum task_state state;
	struct task *joiner; /* task waiting in sched_join, if any */
	const char *name;
	void *stack;
	size_t stack_size;
};

/* Provided by the environment: kernel (static pool for now) or host (malloc). */
void *sched_stack_alloc(size_t size);
void sched_stack_free(void *stack, size_t size);

#define SCHED_STACK_DEFAULT (16 * 1024)

/* Create a task (not yet running); NULL when out of memory. */
struct task *sched_spawn(task_fn fn, void *arg, const char *name);
/* Give the CPU to the next ready task (no-op when none). */
void sched_yield(void);
/* Wait for t to finish and return its result; t is freed. Joining a task
 * that already finished returns at once. */
void *sched_join(struct task *t);
/* Run tasks until none is ready (the executor loop of this CPU). */
void sched_run(void);
/* The running task, or NULL in the executor itself. */
struct task *sched_current(void);

/* Build the initial frame of a new task on [stack, stack+size). */
uint64_t sched_stack_init(void *stack, size_t size, task_fn fn, void *arg);

#endif
