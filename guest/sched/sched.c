/* SPDX-License-Identifier: MIT */
/*
 * guest/sched/sched.c - one cooperative executor: a FIFO run queue, tasks
 * on their own stacks, switches through sched_switch (switch.S).
 * Work in progress: one executor per thread/CPU, no cross-CPU wakeups yet.
 */
#include "sched.h"

#ifdef PK_HOSTED
#include <string.h>
#define SCHED_TLS _Thread_local
#else
#include "../lib/kstring.h"
#define SCHED_TLS /* one executor until per-CPU executors land */
#endif

void sched_switch(uint64_t *save_rsp, uint64_t new_rsp);
void sched_task_start(void);
void sched_task_exit(void *result) __attribute__((noreturn));

struct executor {
	uint64_t rsp;		  /* the executor loop's own context */
	struct task *head, *tail; /* ready FIFO */
	struct task *current;
};
static SCHED_TLS struct executor exec;

uint64_t sched_stack_init(void *stack, size_t size, task_fn fn, void *arg)
{
	uint64_t *top = (uint64_t *)(((uint64_t)stack + size) & ~15ull);
	/* sched_switch pops: ctl word, r15 r14 r13 r12 rbx rbp, then "returns"
	 * into sched_task_start with rsp 16-aligned, so its call is aligned */
	*--top = (uint64_t)sched_task_start; /* ret */
	*--top = 0;			     /* rbp */
	*--top = 0;			     /* rbx */
	*--top = (uint64_t)fn;		     /* r12 */
	*--top = (uint64_t)arg;		     /* r13 */
	*--top = 0;			     /* r14 */
	*--top = 0;			     /* r15 */
	/* MXCSR 0x1f80 (all masked), x87 control word 0x037f (SysV defaults) */
	*--top = 0x1f80ull | (0x037full << 32);
	return (uint64_t)top;
}

static void runq_push(struct task *t)
{
	t->next = 0;
	if (exec.tail)
		exec.tail->next = t;
	else
		exec.head = t;
	exec.tail = t;
}

static struct task *runq_pop(void)
{
	struct task *t = exec.head;
	if (t) {
		exec.head = t->next;
		if (!exec.head)
			exec.tail = 0;
	}
	return t;
}

struct task *sched_current(void)
{
	return exec.current;
}

struct task *sched_spawn(task_fn fn, void *arg, const char *name)
{
	void *stack = sched_stack_alloc(SCHED_STACK_DEFAULT);
	if (!stack)
		return 0;
	/* the task struct lives at the bottom of its own stack */
	struct task *t = stack;
	memset(t, 0, sizeof(*t));
	t->fn = fn;
	t->arg = arg;
	t->name = name ? name : "task";
	t->stack = stack;
	t->stack_size = SCHED_STACK_DEFAULT;
	t->rsp = sched_stack_init(stack, SCHED_STACK_DEFAULT, fn, arg);
	t->state = TASK_READY;
	runq_push(t);
	return t;
}

/* Suspend the current task (already queued or parked by the caller). */
static void sched_block(void)
{
	struct task *me = exec.current;
	sched_switch(&me->rsp, exec.rsp);
}

void sched_yield(void)
{
	struct task *me = exec.current;
	if (!me || !exec.head)
		return;
	runq_push(me);
	sched_block();
}

void sched_task_exit(void *result)
{
	struct task *me = exec.current;
	me->result = result;
	me->state = TASK_DONE;
	if (me->joiner)
		runq_push(me->joiner);
	sched_switch(&me->rsp, exec.rsp);
	__builtin_unreachable();
}

/* Executor side: run n until it yields, blocks or exits. */
static void run_one(struct task *n)
{
	exec.current = n;
	n->state = TASK_RUNNING;
	sched_switch(&exec.rsp, n->rsp);
	exec.current = 0;
	if (n->state == TASK_RUNNING)
		n->state = TASK_READY;
}

void *sched_join(struct task *t)
{
	while (t->state != TASK_DONE) {
		struct task *me = exec.current;
		if (!me) { /* the executor itself: run others until t is done */
			struct task *n = runq_pop();
			if (!n)
				return 0; /* t can never finish: nothing is runnable */
			run_one(n);
			continue;
		}
		t->joiner = me;
		sched_block();
	}
	void *r = t->result;
	sched_stack_free(t->stack, t->stack_size);
	return r;
}

void sched_run(void)
{
	struct task *n;
	while ((n = runq_pop()))
		run_one(n);
}
