/* SPDX-License-Identifier: MIT */
/* tests/unit/test_sched_mt.c - the scheduler with one pthread per executor
 * (sched_host.c): spawns across executors, joins from the main executor
 * and from tasks on other executors, under stress. */
#include <check.h>
#include <stdint.h>

#include "check_run.h"
#include "lib/sched/sched.h"

static void *where(void *arg)
{
	return (void *)((uintptr_t)arg * 1000 + sched_cpu_self());
}

START_TEST(spread_and_join)
{
	ck_assert_int_eq(sched_host_start(4), 0);
	enum { N = 10000, WAVE = 256 };
	for (uintptr_t base = 0; base < N; base += WAVE) {
		struct task *t[WAVE];
		for (uintptr_t i = 0; i < WAVE; i++) {
			t[i] = sched_spawn_on((unsigned)((base + i) % 4), where, (void *)(base + i),
					      0);
			ck_assert_ptr_nonnull(t[i]);
		}
		for (uintptr_t i = 0; i < WAVE; i++)
			ck_assert_uint_eq((uintptr_t)sched_join(t[i]),
					  (base + i) * 1000 + (base + i) % 4);
	}
	sched_host_stop();
}
END_TEST

/* A task on executor k spawns on executor (k+1)%n and joins it: every
 * wakeup crosses threads through an inbox. */
static void *chain(void *arg)
{
	uintptr_t left = (uintptr_t)arg;
	if (!left)
		return (void *)1;
	struct task *t = sched_spawn_on((sched_cpu_self() + 1) % sched_cpu_count(), chain,
					(void *)(left - 1), "chain");
	return (void *)((uintptr_t)sched_join(t) + 1);
}

START_TEST(cross_executor_join_chain)
{
	ck_assert_int_eq(sched_host_start(3), 0);
	for (int round = 0; round < 50; round++) {
		struct task *t = sched_spawn_on(1, chain, (void *)40, "head");
		ck_assert_uint_eq((uintptr_t)sched_join(t), 41);
	}
	sched_host_stop();
}
END_TEST

/* Ping-pong between two executors over two 1-slot channels: every
 * message is a cross-thread wakeup of a blocked task. */
static struct chan ping, pong;
static void *ping_buf[1], *pong_buf[1];

static void *ponger(void *arg)
{
	uintptr_t n = (uintptr_t)arg;
	for (uintptr_t i = 0; i < n; i++) {
		void *v;
		ck_assert_int_eq(chan_recv(&ping, &v), 0);
		ck_assert_int_eq(chan_send(&pong, (void *)((uintptr_t)v + 1)), 0);
	}
	return 0;
}

static void *pinger(void *arg)
{
	uintptr_t n = (uintptr_t)arg, v = 0;
	for (uintptr_t i = 0; i < n; i++) {
		void *r;
		ck_assert_int_eq(chan_send(&ping, (void *)v), 0);
		ck_assert_int_eq(chan_recv(&pong, &r), 0);
		ck_assert_uint_eq((uintptr_t)r, v + 1);
		v = (uintptr_t)r;
	}
	return (void *)v;
}

START_TEST(chan_ping_pong_across_executors)
{
	ck_assert_int_eq(sched_host_start(3), 0);
	chan_init(&ping, ping_buf, 1);
	chan_init(&pong, pong_buf, 1);
	struct task *b = sched_spawn_on(2, ponger, (void *)20000, "pong");
	struct task *a = sched_spawn_on(1, pinger, (void *)20000, "ping");
	ck_assert_uint_eq((uintptr_t)sched_join(a), 20000);
	sched_join(b);
	sched_host_stop();
}
END_TEST

/* Three producers on three executors, one consumer: per-producer FIFO,
 * nothing lost or duplicated, through a small channel. */
static struct chan mpsc;
static void *mpsc_buf[8];
enum { PER_PRODUCER = 20000 };

static void *mpsc_producer(void *arg)
{
	uintptr_t id = (uintptr_t)arg;
	for (uintptr_t i = 0; i < PER_PRODUCER; i++)
		ck_assert_int_eq(chan_send(&mpsc, (void *)(id << 32 | i)), 0);
	return 0;
}

START_TEST(chan_mpsc_stress)
{
	ck_assert_int_eq(sched_host_start(4), 0);
	chan_init(&mpsc, mpsc_buf, 8);
	struct task *p[3];
	for (uintptr_t i = 0; i < 3; i++)
		p[i] = sched_spawn_on((unsigned)i + 1, mpsc_producer, (void *)i, "producer");
	uintptr_t next[3] = {0, 0, 0};
	for (int n = 0; n < 3 * PER_PRODUCER; n++) {
		void *v;
		ck_assert_int_eq(chan_recv(&mpsc, &v), 0); /* executor context */
		uintptr_t id = (uintptr_t)v >> 32, seq = (uintptr_t)v & 0xffffffffu;
		ck_assert_uint_lt(id, 3);
		ck_assert_uint_eq(seq, next[id]);
		next[id]++;
	}
	for (int i = 0; i < 3; i++)
		sched_join(p[i]);
	void *v;
	ck_assert_int_eq(chan_try_recv(&mpsc, &v), SCHED_EAGAIN);
	sched_host_stop();
}
END_TEST

static void count_cpu(uint64_t i, void *arg)
{
	uint64_t *per_cpu = arg;
	__atomic_fetch_add(&per_cpu[sched_cpu_self()], i + 1, __ATOMIC_RELAXED);
}

START_TEST(parallel_for_across_executors)
{
	ck_assert_int_eq(sched_host_start(4), 0);
	uint64_t per_cpu[4] = {0};
	ck_assert_int_eq(sched_parallel_for(100000, count_cpu, per_cpu), 0);
	uint64_t sum = 0;
	for (int i = 0; i < 4; i++)
		sum += per_cpu[i];
	ck_assert_uint_eq(sum, 100000ull * 100001 / 2); /* every index exactly once */
	sched_host_stop();
}
END_TEST

/* Sleepers on every executor wake (their executors wait on a deadline,
 * not forever), and cross-executor wakeups only kick idle executors. */
static void *nap(void *arg)
{
	uint64_t t0 = sched_clock();
	ck_assert_int_eq(sched_sleep((uintptr_t)arg), 0);
	return (void *)(uintptr_t)(sched_clock() - t0 >= (uintptr_t)arg);
}

START_TEST(sleep_on_every_executor)
{
	ck_assert_int_eq(sched_host_start(4), 0);
	struct task *t[16];
	for (unsigned i = 0; i < 16; i++)
		t[i] = sched_spawn_on(i % 4, nap, (void *)(uintptr_t)((i + 1) * 1000000), "nap");
	for (unsigned i = 0; i < 16; i++)
		ck_assert_uint_eq((uintptr_t)sched_join(t[i]), 1);
	struct sched_stats st;
	sched_stats_get(0, &st);
	ck_assert_uint_ge(st.remote_wakeups, 12); /* the 12 remote spawns */
	ck_assert_uint_le(st.wake_ipis, st.remote_wakeups);
	sched_host_stop();
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sched_mt");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, spread_and_join);
	tcase_add_test(tc, cross_executor_join_chain);
	tcase_add_test(tc, chan_ping_pong_across_executors);
	tcase_add_test(tc, chan_mpsc_stress);
	tcase_add_test(tc, parallel_for_across_executors);
	tcase_add_test(tc, sleep_on_every_executor);
	suite_add_tcase(s, tc);
	return check_run(s);
}
