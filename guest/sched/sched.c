/* SPDX-License-Identifier: MIT */
/*
 * guest/sched/sched.c - one cooperative executor per CPU: a private FIFO
 * run queue owned by its executor, plus a lock-free MPSC inbox (Treiber
 * push by any CPU, take-all by the owner) for spawns and wakeups from
 * other CPUs; the waker sends an IPI (sched_wake) only when the target is
 * idle. Switches go through sched_switch (switch.S).
 */
#include "sched.h"

#ifdef PK_HOSTED
#include <string.h>
#else
#include "../lib/kstring.h"
#endif

void sched_switch(uint64_t *save_rsp, uint64_t new_rsp);
void sched_task_start(void);
void sched_task_exit(void *result) __attribute__((noreturn));

struct executor {
	uint64_t rsp;		  /* the executor loop's own context */
	struct task *head, *tail; /* ready FIFO, owner only */
	struct task *current;
	struct task *inbox; /* atomic: MPSC stack of tasks made ready remotely */
	int idle;	    /* atomic: owner is about to halt / halted */
} __attribute__((aligned(64)));

static struct executor execs[SCHED_MAX_EXEC];

static struct executor *self(void)
{
	return &execs[sched_cpu_self()];
}

/* A task's state is written by its own executor and, for a wakeup, by
 * whichever CPU finished what it waited for: relaxed atomics (ordering
 * comes from the inbox and join handshakes). */
static void set_state(struct task *t, int st)
{
	__atomic_store_n(&t->state, st, __ATOMIC_RELAXED);
}

static int get_state(const struct task *t)
{
	return __atomic_load_n(&t->state, __ATOMIC_RELAXED);
}

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

static void runq_push(struct executor *e, struct task *t)
{
	t->next = 0;
	if (e->tail)
		e->tail->next = t;
	else
		e->head = t;
	e->tail = t;
}

static struct task *runq_pop(struct executor *e)
{
	struct task *t = e->head;
	if (t) {
		e->head = t->next;
		if (!e->head)
			e->tail = 0;
	}
	return t;
}

/* Move everything other CPUs queued for us into the run queue, in order. */
static void inbox_drain(struct executor *e)
{
	struct task *list = __atomic_exchange_n(&e->inbox, 0, __ATOMIC_ACQUIRE), *rev = 0;
	while (list) {
		struct task *n = list->next;
		list->next = rev;
		rev = list;
		list = n;
	}
	while (rev) {
		struct task *n = rev->next;
		runq_push(e, rev);
		rev = n;
	}
}

/* t can run again: on our own queue, or pushed to its CPU's inbox with an
 * IPI only when that executor is idle. */
static void make_ready(struct task *t)
{
	set_state(t, TASK_READY);
	if (t->cpu == sched_cpu_self()) {
		runq_push(self(), t);
		return;
	}
	/* t is not ours once it is in the inbox (it may run, finish and be
	 * freed at once): take what we need from it first */
	unsigned cpu = t->cpu;
	struct executor *e = &execs[cpu];
	struct task *old = __atomic_load_n(&e->inbox, __ATOMIC_RELAXED);
	do
		t->next = old;
	while (!__atomic_compare_exchange_n(&e->inbox, &old, t, 1, __ATOMIC_RELEASE,
					    __ATOMIC_RELAXED));
	/* seq_cst pairs with sched_set_idle: either the owner sees the task
	 * before it halts, or we see it idle and wake it */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (__atomic_load_n(&e->idle, __ATOMIC_RELAXED))
		sched_wake(cpu);
}

struct task *sched_current(void)
{
	return self()->current;
}

struct task *sched_spawn_on(unsigned cpu, task_fn fn, void *arg, const char *name)
{
	if (cpu >= sched_cpu_count() || cpu >= SCHED_MAX_EXEC)
		return 0;
	void *stack = sched_stack_alloc(SCHED_STACK_DEFAULT);
	if (!stack)
		return 0;
	/* the task struct lives at the bottom of its own stack */
	struct task *t = stack;
	memset(t, 0, sizeof(*t));
	t->fn = fn;
	t->arg = arg;
	t->name = name ? name : "task";
	t->cpu = cpu;
	t->stack = stack;
	t->stack_size = SCHED_STACK_DEFAULT;
	t->rsp = sched_stack_init(stack, SCHED_STACK_DEFAULT, fn, arg);
	make_ready(t);
	return t;
}

struct task *sched_spawn(task_fn fn, void *arg, const char *name)
{
	return sched_spawn_on(sched_cpu_self(), fn, arg, name);
}

/* Back to the executor; the caller has set the task's state. */
static void sched_block(void)
{
	struct executor *e = self();
	sched_switch(&e->current->rsp, e->rsp);
}

void sched_yield(void)
{
	struct executor *e = self();
	struct task *me = e->current;
	if (!me)
		return;
	inbox_drain(e);
	if (!e->head)
		return;
	set_state(me, TASK_READY);
	runq_push(e, me);
	sched_block();
}

void sched_task_exit(void *result)
{
	struct task *me = self()->current;
	me->result = result;
	set_state(me, TASK_EXITING); /* the executor finishes it off its stack */
	sched_block();
	__builtin_unreachable();
}

/* Executor side: run n until it yields, blocks or exits. */
static void run_one(struct executor *e, struct task *n)
{
	e->current = n;
	set_state(n, TASK_RUNNING);
	sched_switch(&e->rsp, n->rsp);
	e->current = 0;
	if (get_state(n) == TASK_EXITING) {
		/* off its stack now: a joiner may free it as soon as it sees DONE */
		set_state(n, TASK_DONE);
		uintptr_t w = __atomic_exchange_n(&n->join, SCHED_JOIN_DONE, __ATOMIC_ACQ_REL);
		if (w > SCHED_JOIN_DONE)
			make_ready((struct task *)w);
	}
}

void *sched_join(struct task *t)
{
	struct executor *e = self();
	struct task *me = e->current;
	if (me) {
		uintptr_t none = 0;
		set_state(me, TASK_BLOCKED);
		if (__atomic_compare_exchange_n(&t->join, &none, (uintptr_t)me, 0, __ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE))
			sched_block(); /* run_one of t's executor makes us ready */
		else
			set_state(me, TASK_RUNNING); /* already done */
	} else {
		/* executor context: keep this CPU's other tasks going meanwhile */
		while (__atomic_load_n(&t->join, __ATOMIC_ACQUIRE) != SCHED_JOIN_DONE) {
			inbox_drain(e);
			struct task *n = runq_pop(e);
			if (n)
				run_one(e, n);
			else
				__builtin_ia32_pause();
		}
	}
	void *r = t->result;
	sched_stack_free(t->stack, t->stack_size);
	return r;
}

void sched_poll(void)
{
	struct executor *e = self();
	for (;;) {
		inbox_drain(e);
		struct task *n = runq_pop(e);
		if (!n)
			return;
		run_one(e, n);
	}
}

int sched_has_work(void)
{
	struct executor *e = self();
	return e->head || __atomic_load_n(&e->inbox, __ATOMIC_SEQ_CST);
}

void sched_set_idle(int idle)
{
	__atomic_store_n(&self()->idle, idle, __ATOMIC_SEQ_CST);
}

void sched_run(void)
{
	sched_poll();
}
