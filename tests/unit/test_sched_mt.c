/* SPDX-License-Identifier: MIT */
/* tests/unit/test_sched_mt.c - the scheduler with one pthread per executor
 * (sched_host.c): spawns across executors, joins from the main executor
 * and from tasks on other executors, under stress. */
#include <check.h>
#include <stdint.h>

#include "check_run.h"
#include "guest/sched/sched.h"

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

int main(void)
{
	Suite *s = suite_create("sched_mt");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, spread_and_join);
	tcase_add_test(tc, cross_executor_join_chain);
	suite_add_tcase(s, tc);
	return check_run(s);
}
