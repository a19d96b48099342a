/* SPDX-License-Identifier: MIT */
/*
 * lib/sched/sched.c - one cooperative executor per CPU: a private FIFO
 * run queue and sleep list owned by the executor, plus a lock-free MPSC
 * inbox (Treiber push by any CPU, take-all by the owner) for spawns and
 * wakeups from other CPUs; the waker sends an IPI (sched_wake) only when
 * the target is idle. Switches go through sched_switch (switch.S), task to
 * task directly when the next one is ready, so a yield costs one switch.
 */
#include "sched_int.h"

#include "lib/kstring/kstring.h"

void sched_switch(uint64_t *save_rsp, uint64_t new_rsp);
void sched_task_start(void);
void sched_task_exit(void *result) __attribute__((noreturn));

struct executor sched_execs[SCHED_MAX_EXEC];
static int local_keys; /* task-local keys handed out */
void (*sched_switch_hook)(struct task *prev, struct task *next, int prev_done);

static inline void switch_hook(struct task *prev, struct task *next, int prev_done)
{
	void (*hook)(struct task *, struct task *, int) = sched_switch_hook;
	if (__builtin_expect(hook != 0, 0))
		hook(prev, next, prev_done);
}

#define FUTURE_DONE ((uintptr_t)1)
#define FUTURE_CLAIMED ((uintptr_t)2) /* future_set is writing the value */
/* The waiter is an executor context (a struct executor *), not a task:
 * completing wakes that CPU instead of readying a task. Tasks and
 * executors are 64-byte aligned, so bits 0..5 are free for flags. */
#define FUTURE_EXEC ((uintptr_t)4)
#define FUTURE_WAITER(s) ((struct task *)((s) & ~(uintptr_t)7))

static int get_state(const struct task *t)
{
	return __atomic_load_n(&t->state, __ATOMIC_RELAXED);
}

/* First code of every task (via sched_task_start): a task cancelled
 * before it ever ran does not run at all. */
static void *task_entry(struct task *t)
{
	if (__atomic_load_n(&t->cancelled, __ATOMIC_RELAXED))
		return SCHED_CANCELLED;
	return t->fn(t->arg);
}

uint64_t sched_stack_init(uint64_t top, struct task *t)
{
	uint64_t *sp = (uint64_t *)(top & ~15ull);
	/* sched_switch pops: ctl word, r15 r14 r13 r12 rbx rbp, then "returns"
	 * into sched_task_start with rsp 16-aligned, so its call is aligned */
	*--sp = (uint64_t)sched_task_start; /* ret */
	*--sp = 0;			    /* rbp */
	*--sp = 0;			    /* rbx */
	*--sp = (uint64_t)task_entry;	    /* r12 */
	*--sp = (uint64_t)t;		    /* r13 */
	*--sp = 0;			    /* r14 */
	*--sp = 0;			    /* r15 */
	/* MXCSR 0x1f80 (all masked), x87 control word 0x037f (SysV defaults) */
	*--sp = 0x1f80ull | (0x037full << 32);
	return (uint64_t)sp;
}

static void runq_push(struct executor *e, struct task *t)
{
	sched_fifo_push(&e->runq, t);
}

static struct task *runq_pop(struct executor *e)
{
	return sched_fifo_pop(&e->runq);
}

/* Move everything other CPUs queued for us into the run queue, in order. */
static __attribute__((noinline)) void inbox_take(struct executor *e)
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

static inline void inbox_drain(struct executor *e)
{
	if (__atomic_load_n(&e->inbox, __ATOMIC_RELAXED))
		inbox_take(e); /* the common case is one load, no locked instruction */
}

/* Sleepers whose deadline passed become ready (the clock is read only
 * when someone sleeps). */
static void timers_expire(struct executor *e)
{
	if (!e->timers)
		return;
	uint64_t now = sched_clock();
	while (e->timers && e->timers->wake_at <= now) {
		struct task *t = e->timers;
		e->timers = t->next;
		sched_set_state(t, TASK_READY);
		runq_push(e, t);
	}
}

static void timer_remove(struct executor *e, struct task *t)
{
	for (struct task **p = &e->timers; *p; p = &(*p)->next)
		if (*p == t) {
			*p = t->next;
			return;
		}
}

/* Tasks whose armed event was signalled become ready (owner only). The
 * flag is cleared before the scan: a signal during it sets it again. */
static __attribute__((noinline)) void irq_take(struct executor *e)
{
	__atomic_store_n(&e->irq_pending, 0, __ATOMIC_SEQ_CST);
	struct sched_irq_event **p = &e->irq_armed;
	while (*p) {
		struct sched_irq_event *ev = *p;
		struct task *t = ev->waiter;
		if (!__atomic_load_n(&ev->pending, __ATOMIC_ACQUIRE) ||
		    get_state(t) != TASK_BLOCKED) { /* quiet, or its timeout already woke it */
			p = &ev->next;
			continue;
		}
		*p = ev->next;
		ev->waiter = 0; /* tells the task a signal, not the timer, woke it */
		if (t->wake_at != UINT64_MAX)
			timer_remove(e, t);
		sched_set_state(t, TASK_READY);
		runq_push(e, t);
		e->st.irq_wakeups++;
	}
}

static inline void irq_drain(struct executor *e)
{
	if (__atomic_load_n(&e->irq_pending, __ATOMIC_RELAXED))
		irq_take(e);
}

static void timer_insert(struct executor *e, struct task *t)
{
	struct task **p = &e->timers;
	while (*p && (*p)->wake_at <= t->wake_at) /* FIFO among equal deadlines */
		p = &(*p)->next;
	t->next = *p;
	*p = t;
}

void sched_make_ready(struct task *t)
{
	sched_set_state(t, TASK_READY);
	/* t is not ours once it is in an inbox (it may run, finish and be
	 * freed at once): take what we need from it first */
	unsigned cpu = t->cpu;
	struct executor *me = sched_self();
	if (&sched_execs[cpu] == me) {
		runq_push(me, t);
		return;
	}
	struct executor *e = &sched_execs[cpu];
	struct task *old = __atomic_load_n(&e->inbox, __ATOMIC_RELAXED);
	do
		t->next = old;
	while (!__atomic_compare_exchange_n(&e->inbox, &old, t, 1, __ATOMIC_RELEASE,
					    __ATOMIC_RELAXED));
	/* seq_cst pairs with sched_set_idle: either the owner sees the task
	 * before it halts, or we see it idle and wake it */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	me->st.remote_wakeups++;
	if (__atomic_load_n(&e->idle, __ATOMIC_RELAXED)) {
		me->st.wake_ipis++;
		sched_wake(cpu);
	}
}

/* Leave `me` (already queued, blocked or sleeping) for the next ready task
 * on this CPU, or for the executor when there is none. */
static void switch_from(struct executor *e, struct task *me)
{
	inbox_drain(e);
	irq_drain(e);
	timers_expire(e);
	struct task *n = runq_pop(e);
	if (n == me) { /* woken again before it even left */
		sched_set_state(me, TASK_RUNNING);
		return;
	}
	e->st.switches++;
	switch_hook(me, n, 0);
	if (!n) {
		sched_switch(&me->rsp, e->rsp);
		return;
	}
	e->current = n;
	sched_set_state(n, TASK_RUNNING);
	sched_switch(&me->rsp, n->rsp);
}

void sched_suspend(void)
{
	struct executor *e = sched_self();
	switch_from(e, e->current);
}

struct task *sched_current(void)
{
	return sched_self()->current;
}

struct task *sched_spawn_ex(unsigned cpu, size_t stack_size, task_fn fn, void *arg,
			    const char *name)
{
	if (!stack_size)
		stack_size = SCHED_STACK_DEFAULT;
	if (cpu >= sched_cpu_count() || cpu >= SCHED_MAX_EXEC || stack_size < SCHED_STACK_MIN)
		return 0;
	stack_size &= ~(size_t)63;
	uint8_t *stack = sched_stack_alloc(stack_size);
	if (!stack)
		return 0;
	/* the task struct sits at the top of its stack, far from the guard
	 * page an overflow runs into at the bottom */
	struct task *t =
		(struct task *)(((uintptr_t)(stack + stack_size) - sizeof(struct task)) & ~63ul);
	memset(t, 0, sizeof(*t));
	struct executor *me = sched_self();
	t->fn = fn;
	t->arg = arg;
	t->name = name ? name : "task";
	t->cpu = cpu;
	t->id = ((uint64_t)sched_cpu_self() << 48) | ++me->st.spawned;
	t->stack = stack;
	t->stack_size = stack_size;
	t->rsp = sched_stack_init((uint64_t)t, t);
	sched_make_ready(t);
	return t;
}

struct task *sched_spawn_on(unsigned cpu, task_fn fn, void *arg, const char *name)
{
	return sched_spawn_ex(cpu, 0, fn, arg, name);
}

struct task *sched_spawn(task_fn fn, void *arg, const char *name)
{
	return sched_spawn_ex(sched_cpu_self(), 0, fn, arg, name);
}

/* The yield itself; `slow` is a constant in each caller. The slow variant
 * also takes the inbox and due timers and calls the hook; the fast one runs
 * only when there is none of them, so it calls nothing but the switch (a
 * tail call) and keeps no callee-saved register of its own to push. */
static inline __attribute__((always_inline)) void yield_body(int slow)
{
	struct executor *e = sched_self();
	struct task *me = e->current;
	if (!me)
		return;
	if (slow) {
		inbox_drain(e);
		irq_drain(e);
		timers_expire(e);
	}
	struct task *n = runq_pop(e);
	if (!n)
		return; /* alone: keep running */
	/* straight to the next task: one switch, no trip through the executor */
	sched_set_state(me, TASK_READY);
	runq_push(e, me);
	e->current = n;
	sched_set_state(n, TASK_RUNNING);
	e->st.switches++;
	if (slow)
		switch_hook(me, n, 0);
	sched_switch(&me->rsp, n->rsp);
}

static __attribute__((noinline)) void yield_slow(void)
{
	yield_body(1);
}

void sched_yield(void)
{
	struct executor *e = sched_self();
	if (__builtin_expect(sched_switch_hook != 0 ||
				     __atomic_load_n(&e->inbox, __ATOMIC_RELAXED) || e->timers ||
				     __atomic_load_n(&e->irq_pending, __ATOMIC_RELAXED),
			     0))
		yield_slow();
	else
		yield_body(0);
}

void sched_task_exit(void *result)
{
	struct executor *e = sched_self();
	struct task *me = e->current;
	me->done.value = result;
	sched_set_state(me, TASK_EXITING); /* the executor finishes it off its stack */
	e->st.switches++;
	switch_hook(me, 0, 1);
	sched_switch(&me->rsp, e->rsp);
	__builtin_unreachable();
}

/* Complete f; the value is already in place. */
static void future_complete(struct future *f)
{
	uintptr_t old = __atomic_exchange_n(&f->state, FUTURE_DONE, __ATOMIC_SEQ_CST);
	struct task *w = FUTURE_WAITER(old);
	if (w && (old & FUTURE_EXEC)) {
		/* seq_cst pairs with sched_set_idle in sched_plat_idle: the
		 * waiter either sees DONE before it halts or is seen idle */
		struct executor *e = (struct executor *)w;
		if (e != sched_self() && __atomic_load_n(&e->idle, __ATOMIC_SEQ_CST))
			sched_wake((unsigned)(e - sched_execs));
	} else if (w) {
		sched_make_ready(w);
	}
}

/* Executor side: run n until control comes back to the executor. */
static void run_one(struct executor *e, struct task *n)
{
	e->current = n;
	sched_set_state(n, TASK_RUNNING);
	e->st.switches++;
	switch_hook(0, n, 0);
	sched_switch(&e->rsp, n->rsp);
	struct task *back = e->current; /* tasks may have switched among themselves */
	e->current = 0;
	if (get_state(back) == TASK_EXITING) {
		/* off its stack now: a joiner may free it as soon as it sees DONE */
		sched_set_state(back, TASK_DONE);
		future_complete(&back->done);
	}
}

int sched_step(void)
{
	struct executor *e = sched_self();
	inbox_drain(e);
	irq_drain(e);
	timers_expire(e);
	struct task *n = runq_pop(e);
	if (!n)
		return 0;
	run_one(e, n);
	return 1;
}

void future_init(struct future *f)
{
	f->state = 0;
	f->value = 0;
}

int future_ready(const struct future *f)
{
	return __atomic_load_n(&f->state, __ATOMIC_ACQUIRE) == FUTURE_DONE;
}

int future_set(struct future *f, void *value)
{
	/* claim it (a waiter may be arriving concurrently), never touching
	 * a completed state */
	uintptr_t s = __atomic_load_n(&f->state, __ATOMIC_RELAXED);
	do
		if (s & (FUTURE_CLAIMED | FUTURE_DONE))
			return SCHED_EINVAL;
	while (!__atomic_compare_exchange_n(&f->state, &s, s | FUTURE_CLAIMED, 1, __ATOMIC_ACQUIRE,
					    __ATOMIC_RELAXED));
	f->value = value;
	future_complete(f);
	return 0;
}

void *sched_await(struct future *f)
{
	struct task *me = sched_current();
	if (!me) {
		/* executor context: keep this CPU's other tasks going meanwhile,
		 * and halt when there are none, registered as f's waiter so that
		 * its completion wakes this CPU (a second awaiter spins) */
		struct executor *e = sched_self();
		uintptr_t s = __atomic_load_n(&f->state, __ATOMIC_ACQUIRE);
		int waiter = 0;
		while (s != FUTURE_DONE && !FUTURE_WAITER(s) && !waiter)
			waiter = __atomic_compare_exchange_n(&f->state, &s,
							     s | (uintptr_t)e | FUTURE_EXEC, 1,
							     __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
		while (!future_ready(f))
			if (!sched_step()) {
				if (waiter)
					sched_plat_idle(f);
				else
					sched_relax();
			}
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		return f->value;
	}
	uintptr_t s = __atomic_load_n(&f->state, __ATOMIC_ACQUIRE);
	while (s != FUTURE_DONE) {
		if (FUTURE_WAITER(s)) /* a second awaiter: wait it out politely */
			sched_yield(), s = __atomic_load_n(&f->state, __ATOMIC_ACQUIRE);
		else {
			sched_set_state(me, TASK_BLOCKED);
			if (__atomic_compare_exchange_n(&f->state, &s, s | (uintptr_t)me, 0,
							__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
				sched_suspend(); /* future_complete makes us ready */
				break;
			}
			sched_set_state(me, TASK_RUNNING);
		}
	}
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return f->value;
}

void *sched_join(struct task *t)
{
	void *r = sched_await(&t->done);
	sched_stack_free(t->stack, t->stack_size);
	return r;
}

int sched_cancel(struct task *t)
{
	if (future_ready(&t->done))
		return SCHED_EINVAL;
	__atomic_store_n(&t->cancelled, 1, __ATOMIC_RELAXED);
	return 0;
}

int sched_cancelled(void)
{
	struct task *me = sched_current();
	return me && __atomic_load_n(&me->cancelled, __ATOMIC_RELAXED);
}

int sched_sleep(uint64_t ns)
{
	struct executor *e = sched_self();
	struct task *me = e->current;
	uint64_t deadline = sched_clock() + sched_ns_to_ticks(ns);
	if (!me) {
		while (sched_clock() < deadline)
			if (!sched_step())
				sched_relax();
		return 0;
	}
	if (sched_cancelled())
		return SCHED_ECANCELED;
	me->wake_at = deadline;
	sched_set_state(me, TASK_BLOCKED);
	timer_insert(e, me);
	switch_from(e, me);
	return sched_cancelled() ? SCHED_ECANCELED : 0;
}

void sched_irq_event_init(struct sched_irq_event *ev, unsigned cpu)
{
	ev->pending = 0;
	ev->cpu = cpu;
	ev->waiter = 0;
	ev->next = 0;
}

void sched_irq_signal(struct sched_irq_event *ev)
{
	unsigned cpu = ev->cpu;
	struct executor *e = &sched_execs[cpu];
	__atomic_store_n(&ev->pending, 1, __ATOMIC_RELEASE);
	/* seq_cst pairs with sched_set_idle, as in sched_make_ready */
	__atomic_store_n(&e->irq_pending, 1, __ATOMIC_SEQ_CST);
	if (e != sched_self() && __atomic_load_n(&e->idle, __ATOMIC_SEQ_CST))
		sched_wake(cpu);
}

int sched_irq_wait(struct sched_irq_event *ev, uint64_t ns)
{
	struct executor *e = sched_self();
	struct task *me = e->current;
	if (ev->cpu >= SCHED_MAX_EXEC || &sched_execs[ev->cpu] != e || ev->waiter)
		return SCHED_EINVAL;
	uint64_t deadline = ns == UINT64_MAX ? UINT64_MAX : sched_clock() + sched_ns_to_ticks(ns);
	if (!me) {
		while (!__atomic_load_n(&ev->pending, __ATOMIC_ACQUIRE) && sched_clock() < deadline)
			if (!sched_step())
				sched_relax();
		return __atomic_exchange_n(&ev->pending, 0, __ATOMIC_ACQ_REL);
	}
	if (sched_cancelled())
		return SCHED_ECANCELED;
	if (__atomic_exchange_n(&ev->pending, 0, __ATOMIC_ACQ_REL))
		return 1;
	/* a signal from here on sets e->irq_pending, which switch_from looks
	 * at before it leaves: a signal before the switch readies us at once */
	ev->waiter = me;
	ev->next = e->irq_armed;
	e->irq_armed = ev;
	me->wake_at = deadline;
	sched_set_state(me, TASK_BLOCKED);
	if (deadline != UINT64_MAX)
		timer_insert(e, me);
	switch_from(e, me);
	if (ev->waiter) { /* the timeout woke us: disarm */
		ev->waiter = 0;
		for (struct sched_irq_event **p = &e->irq_armed; *p; p = &(*p)->next)
			if (*p == ev) {
				*p = ev->next;
				break;
			}
	}
	if (sched_cancelled())
		return SCHED_ECANCELED;
	return __atomic_exchange_n(&ev->pending, 0, __ATOMIC_ACQ_REL);
}

const char *sched_task_name(const struct task *t)
{
	return t ? t->name : "executor";
}

void sched_set_name(const char *name)
{
	struct task *me = sched_current();
	if (me && name)
		me->name = name;
}

int sched_local_key(void)
{
	int k = __atomic_fetch_add(&local_keys, 1, __ATOMIC_RELAXED);
	return k < SCHED_LOCAL_SLOTS ? k : SCHED_EAGAIN;
}

static void **local_slots(void)
{
	struct executor *e = sched_self();
	return e->current ? e->current->local : e->local;
}

void *sched_local_get(int key)
{
	return key >= 0 && key < SCHED_LOCAL_SLOTS ? local_slots()[key] : 0;
}

void sched_local_set(int key, void *value)
{
	if (key >= 0 && key < SCHED_LOCAL_SLOTS)
		local_slots()[key] = value;
}

void sched_poll(void)
{
	while (sched_step())
		;
}

int sched_has_work(void)
{
	struct executor *e = sched_self();
	return e->runq.head || __atomic_load_n(&e->inbox, __ATOMIC_SEQ_CST) ||
	       __atomic_load_n(&e->irq_pending, __ATOMIC_SEQ_CST) ||
	       (e->timers && e->timers->wake_at <= sched_clock());
}

void sched_set_idle(int idle)
{
	__atomic_store_n(&sched_self()->idle, idle, __ATOMIC_SEQ_CST);
}

uint64_t sched_next_deadline(void)
{
	struct executor *e = sched_self();
	return e->timers ? e->timers->wake_at : UINT64_MAX;
}

void sched_run(void)
{
	struct executor *e = sched_self();
	for (;;) {
		sched_poll();
		if (!e->timers)
			return;
		while (!sched_has_work()) /* the next sleeper is due soon */
			sched_relax();
	}
}

void sched_stats_get(unsigned cpu, struct sched_stats *out)
{
	if (cpu < SCHED_MAX_EXEC)
		*out = sched_execs[cpu].st;
}
