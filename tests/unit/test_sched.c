/* SPDX-License-Identifier: MIT */
/* tests/unit/test_sched.c - the cooperative executor (hosted build of
 * guest/sched): ordering, join, many tasks, the callee-saved contract. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>

#include "check_run.h"
#include "lib/sched/sched.h"

static char trace[64];
static int ntrace;

static void *yielder(void *arg)
{
	char c = (char)(uintptr_t)arg;
	for (int i = 0; i < 3; i++) {
		trace[ntrace++] = c;
		sched_yield();
	}
	return (void *)(uintptr_t)(c - 'a' + 100);
}

START_TEST(round_robin_order)
{
	ntrace = 0;
	struct task *a = sched_spawn(yielder, (void *)'a', "a");
	struct task *b = sched_spawn(yielder, (void *)'b', "b");
	struct task *c = sched_spawn(yielder, (void *)'c', "c");
	ck_assert_ptr_nonnull(a);
	ck_assert_uint_eq((uintptr_t)sched_join(a), 100);
	ck_assert_uint_eq((uintptr_t)sched_join(b), 101);
	ck_assert_uint_eq((uintptr_t)sched_join(c), 102);
	trace[ntrace] = 0;
	ck_assert_str_eq(trace, "abcabcabc");
}
END_TEST

static void *square(void *arg)
{
	uintptr_t v = (uintptr_t)arg;
	return (void *)(v * v);
}

static void *parent(void *arg)
{
	(void)arg;
	uintptr_t sum = 0;
	struct task *kids[50];
	for (uintptr_t i = 0; i < 50; i++)
		kids[i] = sched_spawn(square, (void *)i, "kid");
	for (int i = 0; i < 50; i++)
		sum += (uintptr_t)sched_join(kids[i]); /* joins from inside a task */
	return (void *)sum;
}

START_TEST(join_from_task)
{
	struct task *p = sched_spawn(parent, 0, "parent");
	ck_assert_uint_eq((uintptr_t)sched_join(p), 40425); /* sum of i^2, i < 50 */
	ck_assert_ptr_null(sched_current());
}
END_TEST

START_TEST(ten_thousand_tasks)
{
	enum { N = 10000 };
	static struct task *t[N];
	for (uintptr_t i = 0; i < N; i++) {
		t[i] = sched_spawn(square, (void *)i, 0);
		ck_assert_ptr_nonnull(t[i]);
	}
	for (uintptr_t i = 0; i < N; i++)
		ck_assert_uint_eq((uintptr_t)sched_join(t[i]), i * i);
}
END_TEST

/* MXCSR control bits are callee-saved (SysV 3.2.3): a task that changes
 * the rounding mode must not change it for another task. */
static void *set_round_down(void *arg)
{
	(void)arg;
	uint32_t m = 0x1f80 | (1u << 13); /* RC = round down */
	__asm__ volatile("ldmxcsr %0" ::"m"(m));
	sched_yield();
	uint32_t now;
	__asm__ volatile("stmxcsr %0" : "=m"(now));
	return (void *)(uintptr_t)(now & 0x6000);
}

static void *read_mxcsr(void *arg)
{
	(void)arg;
	uint32_t now;
	__asm__ volatile("stmxcsr %0" : "=m"(now));
	return (void *)(uintptr_t)(now & 0x6000);
}

START_TEST(mxcsr_per_task)
{
	struct task *a = sched_spawn(set_round_down, 0, "a");
	struct task *b = sched_spawn(read_mxcsr, 0, "b");
	ck_assert_uint_eq((uintptr_t)sched_join(a), 1u << 13);
	ck_assert_uint_eq((uintptr_t)sched_join(b), 0); /* b saw the default */
}
END_TEST

/* The x87 control word too, also when the MXCSR words of both tasks are
 * equal (the switch then compares the control words one by one) and when
 * they differ only in the status flags, which are not preserved. */
static void *set_x87_single(void *arg)
{
	(void)arg;
	uint16_t cw = 0x007f; /* precision control = single, all masked */
	__asm__ volatile("fldcw %0" ::"m"(cw));
	volatile float x = 1.0f;
	x = x / 3.0f; /* sets the MXCSR inexact flag: a status bit only */
	sched_yield();
	uint16_t now;
	__asm__ volatile("fnstcw %0" : "=m"(now));
	return (void *)(uintptr_t)now;
}

static void *read_x87(void *arg)
{
	(void)arg;
	uint16_t now;
	__asm__ volatile("fnstcw %0" : "=m"(now));
	return (void *)(uintptr_t)now;
}

START_TEST(x87_cw_per_task)
{
	struct task *a = sched_spawn(set_x87_single, 0, "a");
	struct task *b = sched_spawn(read_x87, 0, "b");
	ck_assert_uint_eq((uintptr_t)sched_join(a), 0x007f);
	ck_assert_uint_eq((uintptr_t)sched_join(b), 0x037f); /* b saw the default */
}
END_TEST

START_TEST(join_finished_and_yield_alone)
{
	struct task *t = sched_spawn(square, (void *)7, 0);
	sched_run(); /* t finishes here */
	ck_assert_uint_eq((uintptr_t)sched_join(t), 49);
	sched_yield();					     /* outside any task: a no-op */
	ck_assert_ptr_null(sched_spawn_on(1, square, 0, 0)); /* no such executor */
}
END_TEST

/* --- sleep --- */

static char wake_order[8];
static int nwake;

static void *sleeper(void *arg)
{
	uintptr_t ms = (uintptr_t)arg;
	ck_assert_int_eq(sched_sleep(ms * 1000000ull), 0);
	wake_order[nwake++] = (char)('0' + ms);
	return 0;
}

START_TEST(sleep_wakes_in_deadline_order)
{
	nwake = 0;
	static const uintptr_t ms[] = {30, 10, 20, 5};
	struct task *t[4];
	uint64_t t0 = sched_clock();
	for (int i = 0; i < 4; i++)
		t[i] = sched_spawn(sleeper, (void *)ms[i], "sleeper");
	for (int i = 0; i < 4; i++)
		sched_join(t[i]);
	wake_order[nwake] = 0;
	/* '0'+30 = 'N', '0'+10 = ':', '0'+20 = 'D', '0'+5 = '5' */
	ck_assert_str_eq(wake_order, "5:DN");
	ck_assert_uint_ge(sched_clock() - t0, 30000000ull); /* slept at least 30 ms */
	/* executor context sleeps too (by running the CPU's other tasks) */
	t0 = sched_clock();
	ck_assert_int_eq(sched_sleep(2000000), 0);
	ck_assert_uint_ge(sched_clock() - t0, 2000000ull);
}
END_TEST

/* --- futures --- */

static void *await_it(void *arg)
{
	return sched_await(arg);
}

static void *set_it(void *arg)
{
	sched_yield(); /* let the awaiter block first */
	return (void *)(intptr_t)future_set(arg, (void *)42);
}

/* sched_irq_wait / sched_irq_signal: the interrupt-safe wakeup */
static struct sched_irq_event irq_ev;
static int irq_rc[4];

static void *irq_waiter(void *arg)
{
	uintptr_t i = (uintptr_t)arg;
	irq_rc[i] = sched_irq_wait(&irq_ev, i == 2 ? 1000000 : UINT64_MAX);
	return 0;
}

static void *irq_signaller(void *arg)
{
	(void)arg;
	sched_irq_signal(&irq_ev);
	return 0;
}

START_TEST(irq_event_wakes_once)
{
	sched_irq_event_init(&irq_ev, sched_cpu_self());
	/* signalled before the wait: returns at once, and takes the signal */
	sched_irq_signal(&irq_ev);
	struct task *w = sched_spawn(irq_waiter, (void *)0, "irq-waiter");
	sched_join(w);
	ck_assert_int_eq(irq_rc[0], 1);
	/* blocked without a timeout: only the signal can wake it */
	struct sched_stats before, after;
	sched_stats_get(sched_cpu_self(), &before);
	w = sched_spawn(irq_waiter, (void *)1, "irq-waiter");
	sched_poll(); /* it runs and blocks */
	ck_assert(!future_ready(&w->done));
	sched_join(sched_spawn(irq_signaller, 0, "signaller"));
	sched_join(w);
	ck_assert_int_eq(irq_rc[1], 1);
	sched_stats_get(sched_cpu_self(), &after);
	ck_assert_uint_eq(after.irq_wakeups - before.irq_wakeups, 1);
	/* a timeout returns 0 and disarms: a later signal wakes nobody twice */
	w = sched_spawn(irq_waiter, (void *)2, "irq-waiter");
	sched_join(w);
	ck_assert_int_eq(irq_rc[2], 0);
	sched_irq_signal(&irq_ev);
	sched_poll();
	sched_stats_get(sched_cpu_self(), &before);
	ck_assert_uint_eq(before.irq_wakeups, after.irq_wakeups);
	/* executor context: the pending signal left above is taken at once */
	ck_assert_int_eq(sched_irq_wait(&irq_ev, 0), 1);
	ck_assert_int_eq(sched_irq_wait(&irq_ev, 1000), 0);
	/* the wrong CPU's event is refused */
	struct sched_irq_event other;
	sched_irq_event_init(&other, sched_cpu_self() + 1);
	ck_assert_int_eq(sched_irq_wait(&other, 0), SCHED_EINVAL);
}
END_TEST

START_TEST(future_await_and_set_once)
{
	struct future f = FUTURE_INIT;
	struct task *a = sched_spawn(await_it, &f, "await");
	struct task *s = sched_spawn(set_it, &f, "set");
	ck_assert_int_eq(future_ready(&f), 0);
	ck_assert_uint_eq((uintptr_t)sched_join(a), 42);
	ck_assert_int_eq((intptr_t)sched_join(s), 0);
	ck_assert_int_eq(future_ready(&f), 1);
	ck_assert_int_eq(future_set(&f, (void *)7), SCHED_EINVAL); /* first value stays */
	ck_assert_uint_eq((uintptr_t)sched_await(&f), 42);	   /* ready: at once */
}
END_TEST

/* --- channels --- */

static struct chan ch;
static void *chbuf[4];

static void *producer(void *arg)
{
	uintptr_t n = (uintptr_t)arg;
	for (uintptr_t i = 1; i <= n; i++)
		ck_assert_int_eq(chan_send(&ch, (void *)i), 0);
	return 0;
}

static void *consumer(void *arg)
{
	uintptr_t n = (uintptr_t)arg, sum = 0, last = 0;
	for (uintptr_t i = 0; i < n; i++) {
		void *v;
		ck_assert_int_eq(chan_recv(&ch, &v), 0);
		ck_assert_uint_eq((uintptr_t)v, last + 1); /* FIFO, nothing lost */
		last = (uintptr_t)v;
		sum += last;
	}
	return (void *)sum;
}

START_TEST(chan_full_empty_fifo)
{
	ck_assert_int_eq(chan_init(&ch, chbuf, 0), SCHED_EINVAL);
	ck_assert_int_eq(chan_init(&ch, chbuf, 4), 0);
	void *v;
	ck_assert_int_eq(chan_try_recv(&ch, &v), SCHED_EAGAIN); /* empty */
	for (uintptr_t i = 0; i < 4; i++)
		ck_assert_int_eq(chan_try_send(&ch, (void *)i), 0);
	ck_assert_int_eq(chan_try_send(&ch, (void *)9), SCHED_EAGAIN); /* full */
	for (uintptr_t i = 0; i < 4; i++) {
		ck_assert_int_eq(chan_try_recv(&ch, &v), 0);
		ck_assert_uint_eq((uintptr_t)v, i);
	}
	/* 1000 items through 4 slots: the producer blocks when full, the
	 * consumer when empty */
	struct task *c = sched_spawn(consumer, (void *)1000, "consumer");
	struct task *p = sched_spawn(producer, (void *)1000, "producer");
	sched_join(p);
	ck_assert_uint_eq((uintptr_t)sched_join(c), 1000 * 1001 / 2);
	ck_assert_uint_eq(ch.sent, 1004);
	ck_assert_uint_eq(ch.received, 1004);
}
END_TEST

static void *recv_until_closed(void *arg)
{
	(void)arg;
	void *v;
	uintptr_t got = 0;
	int rc;
	while ((rc = chan_recv(&ch, &v)) == 0)
		got++;
	ck_assert_int_eq(rc, SCHED_EPIPE);
	return (void *)got;
}

static void *send_blocked(void *arg)
{
	(void)arg;
	return (void *)(intptr_t)chan_send(&ch, (void *)1);
}

START_TEST(chan_close_wakes_everyone)
{
	chan_init(&ch, chbuf, 1);
	ck_assert_int_eq(chan_send(&ch, (void *)5), 0);
	struct task *s = sched_spawn(send_blocked, 0, "sender"); /* blocks: full */
	sched_run();
	chan_close(&ch);
	ck_assert_int_eq((intptr_t)sched_join(s), SCHED_EPIPE);
	ck_assert_int_eq(chan_send(&ch, (void *)6), SCHED_EPIPE);
	/* what was sent before the close is still delivered */
	struct task *r = sched_spawn(recv_until_closed, 0, "receiver");
	ck_assert_uint_eq((uintptr_t)sched_join(r), 1);
	/* a receiver blocked on an empty channel is woken by the close */
	chan_init(&ch, chbuf, 1);
	r = sched_spawn(recv_until_closed, 0, "receiver");
	sched_run();
	chan_close(&ch);
	ck_assert_uint_eq((uintptr_t)sched_join(r), 0);
}
END_TEST

/* --- cancel, names, task-local data, stacks --- */

static void *spin_until_cancelled(void *arg)
{
	(void)arg;
	uintptr_t n = 0;
	while (!sched_cancelled()) {
		n++;
		sched_yield();
	}
	return (void *)(uintptr_t)(sched_sleep(1000) == SCHED_ECANCELED ? 77 : 0);
}

START_TEST(cancel_before_during_after)
{
	struct task *t = sched_spawn(square, (void *)3, 0);
	ck_assert_int_eq(sched_cancel(t), 0); /* before it ran: never runs */
	ck_assert_ptr_eq(sched_join(t), SCHED_CANCELLED);

	t = sched_spawn(spin_until_cancelled, 0, "spinner");
	struct task *y = sched_spawn(square, (void *)2, 0);
	sched_join(y); /* the spinner has run by now */
	ck_assert_int_eq(sched_cancel(t), 0);
	ck_assert_uint_eq((uintptr_t)sched_join(t), 77);

	t = sched_spawn(square, (void *)4, 0);
	sched_run();
	ck_assert_int_eq(sched_cancel(t), SCHED_EINVAL); /* finished: no effect */
	ck_assert_uint_eq((uintptr_t)sched_join(t), 16);
}
END_TEST

static int key;

static void *local_user(void *arg)
{
	ck_assert_ptr_null(sched_local_get(key)); /* every task starts empty */
	sched_local_set(key, arg);
	sched_set_name("renamed");
	ck_assert_str_eq(sched_task_name(sched_current()), "renamed");
	sched_yield();
	return sched_local_get(key);
}

static void *deep(void *arg)
{
	volatile char buf[24 * 1024]; /* needs more than the default stack */
	buf[0] = (char)(uintptr_t)arg;
	buf[sizeof(buf) - 1] = 1;
	return (void *)(uintptr_t)(buf[0] + buf[sizeof(buf) - 1]);
}

START_TEST(local_data_names_and_stack_sizes)
{
	key = sched_local_key();
	ck_assert_int_ge(key, 0);
	struct task *a = sched_spawn(local_user, (void *)1, "a");
	struct task *b = sched_spawn(local_user, (void *)2, "b");
	ck_assert_uint_eq((uintptr_t)sched_join(a), 1);
	ck_assert_uint_eq((uintptr_t)sched_join(b), 2);
	sched_local_set(key, (void *)3); /* executor context has its own slots */
	ck_assert_uint_eq((uintptr_t)sched_local_get(key), 3);
	ck_assert_ptr_null(sched_local_get(SCHED_LOCAL_SLOTS)); /* bad key */
	ck_assert_str_eq(sched_task_name(0), "executor");

	ck_assert_ptr_null(sched_spawn_ex(0, 1024, deep, 0, 0)); /* too small */
	struct task *d = sched_spawn_ex(0, 64 * 1024, deep, (void *)5, "deep");
	ck_assert_ptr_nonnull(d);
	ck_assert_uint_eq((uintptr_t)sched_join(d), 6);
}
END_TEST

static void add_square(uint64_t i, void *arg)
{
	__atomic_fetch_add((uint64_t *)arg, i * i, __ATOMIC_RELAXED);
}

START_TEST(parallel_for_one_executor)
{
	uint64_t sum = 0;
	ck_assert_int_eq(sched_parallel_for(1000, add_square, &sum), 0);
	ck_assert_uint_eq(sum, 332833500ull); /* sum of i^2, i < 1000 */
	ck_assert_int_eq(sched_parallel_for(0, add_square, &sum), 0);
	ck_assert_int_eq(sched_parallel_for(5, 0, 0), SCHED_EINVAL);
}
END_TEST

/* --- the switch hook (the profiler's per-task counting) --- */

static char hook_log[256];

static void record_switch(struct task *prev, struct task *next, int prev_done)
{
	char one[32];
	snprintf(one, sizeof(one), "%s>%s%s ", prev ? prev->name : "E", next ? next->name : "E",
		 prev_done ? "!" : "");
	strcat(hook_log, one);
}

START_TEST(switch_hook_sees_every_switch)
{
	hook_log[0] = 0;
	ntrace = 0;
	sched_switch_hook = record_switch;
	struct task *a = sched_spawn(yielder, (void *)'a', "a");
	struct task *b = sched_spawn(yielder, (void *)'b', "b");
	sched_join(a);
	sched_join(b);
	sched_switch_hook = 0;
	/* a and b yield to each other 3 times each, then finish: every
	 * switch reported once, each exit flagged */
	ck_assert_str_eq(hook_log, "E>a a>b b>a a>b b>a a>b b>a a>E! E>b b>E! ");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sched");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, round_robin_order);
	tcase_add_test(tc, join_from_task);
	tcase_add_test(tc, ten_thousand_tasks);
	tcase_add_test(tc, mxcsr_per_task);
	tcase_add_test(tc, x87_cw_per_task);
	tcase_add_test(tc, join_finished_and_yield_alone);
	tcase_add_test(tc, sleep_wakes_in_deadline_order);
	tcase_add_test(tc, irq_event_wakes_once);
	tcase_add_test(tc, future_await_and_set_once);
	tcase_add_test(tc, chan_full_empty_fifo);
	tcase_add_test(tc, chan_close_wakes_everyone);
	tcase_add_test(tc, cancel_before_during_after);
	tcase_add_test(tc, local_data_names_and_stack_sizes);
	tcase_add_test(tc, parallel_for_one_executor);
	tcase_add_test(tc, switch_hook_sees_every_switch);
	suite_add_tcase(s, tc);
	return check_run(s);
}
