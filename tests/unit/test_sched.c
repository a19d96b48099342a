/* SPDX-License-Identifier: MIT */
/* tests/unit/test_sched.c - the cooperative executor (hosted build of
 * guest/sched): ordering, join, many tasks, the callee-saved contract. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>

#include "check_run.h"
#include "guest/sched/sched.h"

void *sched_stack_alloc(size_t size)
{
	return aligned_alloc(64, size);
}
void sched_stack_free(void *stack, size_t size)
{
	(void)size;
	free(stack);
}

/* one executor on the test's thread */
unsigned sched_cpu_self(void)
{
	return 0;
}
unsigned sched_cpu_count(void)
{
	return 1;
}
void sched_wake(unsigned cpu)
{
	(void)cpu;
}

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

START_TEST(join_finished_and_yield_alone)
{
	struct task *t = sched_spawn(square, (void *)7, 0);
	sched_run(); /* t finishes here */
	ck_assert_uint_eq((uintptr_t)sched_join(t), 49);
	sched_yield();					     /* outside any task: a no-op */
	ck_assert_ptr_null(sched_spawn_on(1, square, 0, 0)); /* no such executor */
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
	tcase_add_test(tc, join_finished_and_yield_alone);
	suite_add_tcase(s, tc);
	return check_run(s);
}
