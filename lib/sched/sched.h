/* SPDX-License-Identifier: MIT */
/*
 * lib/sched/sched.h - cooperative tasks, one executor per CPU, never
 * preempted. The one header of the scheduler: tasks (spawn, yield, sleep,
 * join, cancel, names, task-local data), futures with await, bounded
 * channels and parallel_for. The same source runs in the kernel and on the
 * host (sched_host.c: one pthread per executor) for tests and benchmarks.
 *
 * "Executor context" is the CPU's own loop (the boot code, the ktest
 * runner, the idle loop) as opposed to a task. Everything that waits
 * (join, await, sleep, channel send/recv) suspends a task, and in executor
 * context keeps running this CPU's other tasks until the wait is over.
 *
 * A task stays on the CPU it was spawned on; other CPUs hand it wakeups
 * through that CPU's lock-free inbox, with an IPI only when it is idle.
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

/* A value that becomes available once: the result of a task, a reply.
 * One task (or executor) may await it at a time. */
struct future {
	uintptr_t state; /* atomic: 0 pending, the waiting task, or FUTURE_DONE */
	void *value;
};
#define FUTURE_INIT                                                                                \
	{                                                                                          \
		0, 0                                                                               \
	}

#define SCHED_LOCAL_SLOTS 8

struct task {
	uint64_t rsp;	   /* saved stack pointer while suspended */
	struct task *next; /* run queue / inbox / wait queue / timer link */
	task_fn fn;
	void *arg;
	struct future done; /* the result: sched_join awaits it */
	int state;	    /* enum task_state (sched.c), atomic */
	int cancelled;	    /* atomic: sched_cancel() asked */
	unsigned cpu;	    /* executor the task runs on */
	int wait_rc;	    /* result of a channel wait */
	void *wait_item;    /* item a blocked sender hands over */
	uint64_t wake_at;   /* sleep deadline, sched_clock() ticks */
	uint64_t id;
	const char *name;
	void *stack; /* lowest usable byte; the struct sits at its top */
	size_t stack_size;
	void *local[SCHED_LOCAL_SLOTS];
	uint64_t counters[4]; /* the profiler's event counts for this task */
};

/* The result of a task cancelled before it started. */
#define SCHED_CANCELLED ((void *)(intptr_t)-125)

/* Error returns (negative errno values, same on host and guest). */
#define SCHED_EAGAIN (-11)
#define SCHED_EINVAL (-22)
#define SCHED_EPIPE (-32)      /* channel closed */
#define SCHED_ECANCELED (-125) /* the waiting task was cancelled */

#define SCHED_STACK_DEFAULT (16 * 1024)
#define SCHED_STACK_MIN 4096
#define SCHED_MAX_EXEC 256

/* --- what the environment provides (kernel: guest/sched/sched_env.c + stacks.c;
 * host: sched_host.c) --- */
void *sched_stack_alloc(size_t size); /* `size` usable bytes, 64-aligned */
void sched_stack_free(void *stack, size_t size);
unsigned sched_cpu_self(void);
unsigned sched_cpu_count(void);
void sched_wake(unsigned cpu); /* make an idle executor look at its inbox */
/* Executor context with nothing to run, waiting for f: halt until an
 * interrupt (a wake IPI from f's completion, a sleeper's timer) unless f
 * is ready or work arrived meanwhile (kernel: executor.c); the hosted
 * build spins. */
void sched_plat_idle(const struct future *f);
uint64_t sched_clock(void); /* monotonic ticks (kernel: TSC) */
uint64_t sched_ns_to_ticks(uint64_t ns);

/* Called on every switch while set (the profiler's per-task counting,
 * guest/perf/perf.c): prev stops running and next starts (NULL = executor
 * context); prev_done when prev has just finished (its result is set, its
 * joiner not yet told). NULL costs one predicted branch. */
extern void (*sched_switch_hook)(struct task *prev, struct task *next, int prev_done);

/* --- tasks --- */

/* Create a task on this CPU / on `cpu` (stack_size 0 = default); NULL
 * when out of memory, cpu is not an executor or the stack is too small. */
struct task *sched_spawn(task_fn fn, void *arg, const char *name);
struct task *sched_spawn_on(unsigned cpu, task_fn fn, void *arg, const char *name);
struct task *sched_spawn_ex(unsigned cpu, size_t stack_size, task_fn fn, void *arg,
			    const char *name);
/* Give the CPU to the next ready task (no-op when none, or outside a task). */
void sched_yield(void);
/* Suspend for at least ns; 0, or SCHED_ECANCELED when the task is
 * cancelled (checked when the sleep starts and when it ends). */
int sched_sleep(uint64_t ns);
/* Wait for t (on any CPU) to finish, return its result and free it. A
 * finished task is returned at once; t is invalid afterwards. */
void *sched_join(struct task *t);
/* Ask t to stop. Not started yet: it never runs and its result is
 * SCHED_CANCELLED. Running: sched_cancelled() turns true in it and its
 * sleeps/channel waits return SCHED_ECANCELED when they end. Returns 0,
 * or SCHED_EINVAL when t has already finished (then nothing happens). */
int sched_cancel(struct task *t);
int sched_cancelled(void); /* in a task: was it asked to stop? */
/* The running task, or NULL in executor context. */
struct task *sched_current(void);
const char *sched_task_name(const struct task *t); /* "executor" for NULL */
void sched_set_name(const char *name);		   /* of the running task */

/* Task-local data: a key (0..SCHED_LOCAL_SLOTS-1, or SCHED_EAGAIN when
 * all are taken) names one pointer slot in every task (initially NULL);
 * executor context has its own slots per CPU. */
int sched_local_key(void);
void *sched_local_get(int key);
void sched_local_set(int key, void *value);

/* --- futures --- */
void future_init(struct future *f);
/* Complete f (from any CPU) and wake its awaiter; 0, or SCHED_EINVAL when
 * f was already completed (the first value stays). */
int future_set(struct future *f, void *value);
int future_ready(const struct future *f);
/* Wait for f and return its value. A task is suspended until f completes;
 * executor context runs this CPU's other tasks meanwhile and halts the CPU
 * while none is ready (f's completion on another CPU sends the wake IPI). */
void *sched_await(struct future *f);

/* --- waiting for an interrupt ---
 * The one wakeup an interrupt handler may give (sched_make_ready may not:
 * it touches the run queue the interrupted code may be in the middle of).
 * The handler only stores two flags and, when the waiter's CPU is another
 * idle one, sends it the wake IPI: no lock, no allocation. The owner's
 * executor sees the flag on its next step (or before it halts: it is part
 * of sched_has_work, checked with interrupts off, and cpu_idle_halt's
 * labelled hlt covers an interrupt between the check and the hlt) and
 * readies the waiting task itself. One task waits on an event at a time,
 * on the CPU named by sched_irq_event_init. */
struct sched_irq_event {
	int pending;		      /* atomic: set by the handler, taken by the waiter */
	unsigned cpu;		      /* executor of the waiting task */
	struct task *waiter;	      /* owner CPU only: the task in sched_irq_wait */
	struct sched_irq_event *next; /* owner CPU only: its armed events */
};
void sched_irq_event_init(struct sched_irq_event *ev, unsigned cpu);
/* From an interrupt handler (or any CPU): the event happened. */
void sched_irq_signal(struct sched_irq_event *ev);
/* In a task on ev->cpu: suspend until the event was signalled since the
 * last wait, or `ns` passed (UINT64_MAX: no timeout). 1 when signalled,
 * 0 on timeout, SCHED_ECANCELED when cancelled, SCHED_EINVAL on the
 * wrong CPU or with another waiter. In executor context it spins on
 * sched_step like the other waits. */
int sched_irq_wait(struct sched_irq_event *ev, uint64_t ns);

/* --- bounded channels: any number of senders and receivers, FIFO --- */
struct sched_waitq {
	struct task *head, *tail;
};
struct chan {
	int lock; /* spinlock: the state below is touched by several CPUs */
	int closed;
	void **buf;
	unsigned cap, head, count;
	struct sched_waitq senders, receivers;
	uint64_t sent, received;
};
/* buf holds cap (>= 1) item slots owned by the channel until it is done. */
int chan_init(struct chan *c, void **buf, unsigned cap);
/* Suspend while full; 0, SCHED_EPIPE when closed, SCHED_ECANCELED. */
int chan_send(struct chan *c, void *item);
/* Suspend while empty; 0, SCHED_EPIPE when closed and drained. */
int chan_recv(struct chan *c, void **item);
/* Never wait: SCHED_EAGAIN instead. */
int chan_try_send(struct chan *c, void *item);
int chan_try_recv(struct chan *c, void **item);
/* Wake every waiter; later sends fail, receives drain what is left. */
void chan_close(struct chan *c);

/* --- data parallelism --- */
/* fn(i, arg) for i in [0, n) on every CPU (chunks handed out dynamically),
 * the caller's CPU included; returns when all are done: 0, or SCHED_EAGAIN
 * when no helper task could be spawned (then it all ran here). */
int sched_parallel_for(uint64_t n, void (*fn)(uint64_t i, void *arg), void *arg);
/* The same on the caller's CPU plus ncpu - 1 others (0 = all): scaling runs. */
int sched_parallel_for_cpus(unsigned ncpu, uint64_t n, void (*fn)(uint64_t i, void *arg),
			    void *arg);

/* --- the executor, driven by the environment's loop (executor.c, sched_host.c) --- */
/* Take the inbox and due timers, run ready tasks until none is left. */
void sched_poll(void);
/* Anything to run now? (call with the idle flag set, before halting) */
int sched_has_work(void);
/* Idle flag remote wakers look at: set it, re-check sched_has_work(),
 * then halt until sched_next_deadline() or an interrupt. */
void sched_set_idle(int idle);
/* Earliest sleep deadline on this CPU (sched_clock ticks), or UINT64_MAX. */
uint64_t sched_next_deadline(void);
/* Run tasks until none is ready and none is sleeping (tests). */
void sched_run(void);

/* Per-CPU counters, for benchmarks and the "IPI only when idle" claim. */
struct sched_stats {
	uint64_t switches, spawned, remote_wakeups, wake_ipis;
	uint64_t irq_wakeups; /* tasks sched_irq_signal woke */
};
void sched_stats_get(unsigned cpu, struct sched_stats *out);

/* Kernel only: hook the scheduler into the fault report (stacks.c), and
 * the loop every CPU ends in once booted (executor.c; smp_start hands it
 * to the APs, the BSP runs tasks from app code and joins it at the end). */
void sched_init(void);
void sched_executor_loop(void) __attribute__((noreturn));

/* Build the initial frame of a new task below `top` (16-aligned). */
uint64_t sched_stack_init(uint64_t top, struct task *t);

/* Hosted build only (sched_host.c): executors 1..n-1 on new pthreads,
 * the caller is executor 0. */
int sched_host_start(unsigned n);
void sched_host_stop(void);

#endif
