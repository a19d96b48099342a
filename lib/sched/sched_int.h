/* SPDX-License-Identifier: MIT */
/*
 * lib/sched/sched_int.h - what the scheduler's own files (sched.c,
 * chan.c, parallel.c) share and nobody else may use: the executor, task
 * states, waking and suspending.
 */
#ifndef PK_SCHED_INT_H
#define PK_SCHED_INT_H

#include "sched.h"
#include "sched_plat.h"

enum task_state { TASK_READY, TASK_RUNNING, TASK_BLOCKED, TASK_EXITING, TASK_DONE };

struct executor {
	uint64_t rsp;			   /* the executor loop's own context */
	struct sched_waitq runq;	   /* ready FIFO, owner only */
	struct task *current;		   /* running task, NULL in executor context */
	struct task *timers;		   /* sleepers sorted by wake_at, owner only */
	struct sched_irq_event *irq_armed; /* events a task waits on, owner only */
	void *local[SCHED_LOCAL_SLOTS];
	struct sched_stats st;
	/* written by other CPUs: a line of its own */
	struct task *inbox __attribute__((aligned(64))); /* atomic MPSC stack */
	int idle;	 /* atomic: the owner is about to halt / halted */
	int irq_pending; /* atomic: sched_irq_signal hit one of irq_armed */
} __attribute__((aligned(64)));

extern struct executor sched_execs[SCHED_MAX_EXEC];

/* This CPU's executor, inline: it is on every switch path. */
static inline struct executor *sched_self(void)
{
	return &sched_execs[sched_plat_cpu()];
}
/* t can run again: its own CPU's run queue, or that CPU's inbox (plus an
 * IPI when it is idle). Callable from any CPU, never from an interrupt. */
void sched_make_ready(struct task *t);
/* Suspend the running task, whose state and wait-queue entry the caller
 * has set; returns when someone made it ready again. */
void sched_suspend(void);
/* Executor context: take the inbox and due timers and run one task;
 * 0 when there was nothing to run. What waits outside a task spin on. */
int sched_step(void);

/* FIFO of tasks linked through task->next: run queues and channel wait
 * queues alike (a task is in at most one). */
static inline void sched_fifo_push(struct sched_waitq *q, struct task *t)
{
	t->next = 0;
	if (q->tail)
		q->tail->next = t;
	else
		q->head = t;
	q->tail = t;
}

static inline struct task *sched_fifo_pop(struct sched_waitq *q)
{
	struct task *t = q->head;
	if (t) {
		q->head = t->next;
		if (!q->head)
			q->tail = 0;
	}
	return t;
}

static inline void sched_set_state(struct task *t, int st)
{
	__atomic_store_n(&t->state, st, __ATOMIC_RELAXED);
}

static inline void sched_relax(void)
{
	__builtin_ia32_pause();
}

/* A test-and-set lock for state several CPUs touch (channels). Never
 * taken from interrupts, so no interrupt masking. */
static inline void sched_lock(int *l)
{
	while (__atomic_exchange_n(l, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(l, __ATOMIC_RELAXED))
			sched_relax();
}

static inline void sched_unlock(int *l)
{
	__atomic_store_n(l, 0, __ATOMIC_RELEASE);
}

#endif
