/* SPDX-License-Identifier: MIT */
/* guest/app/tests_sched.c - in-guest tests of the cooperative executor
 * (work in progress: one executor on the BSP). */
#include "../arch/percpu.h"
#include "../arch/smp.h"
#include "../sched/sched.h"
#include "ktest.h"

static int order[16], norder;

static void *step(void *arg)
{
	int id = (int)(uint64_t)arg;
	for (int i = 0; i < 3; i++) {
		order[norder++] = id;
		sched_yield();
	}
	return (void *)(uint64_t)(id * 10);
}

TEST(sched_round_robin_join)
{
	norder = 0;
	struct task *a = sched_spawn(step, (void *)1, "a");
	struct task *b = sched_spawn(step, (void *)2, "b");
	EXPECT(a && b);
	EXPECT_EQ(sched_join(a), 10);
	EXPECT_EQ(sched_join(b), 20);
	static const int want[6] = {1, 2, 1, 2, 1, 2};
	EXPECT_EQ(norder, 6);
	for (int i = 0; i < 6; i++)
		EXPECT_MSG(order[i] == want[i], "step %d ran task %d, want %d", i, order[i],
			   want[i]);
}

static void *square(void *arg)
{
	uint64_t v = (uint64_t)arg;
	return (void *)(v * v);
}

TEST(sched_many_tasks)
{
	/* more tasks than the stack pool holds, in waves */
	for (uint64_t wave = 0; wave < 20; wave++) {
		struct task *tk[32];
		for (uint64_t i = 0; i < 32; i++) {
			tk[i] = sched_spawn(square, (void *)(wave * 32 + i), 0);
			EXPECT(tk[i] != 0);
		}
		for (uint64_t i = 0; i < 32; i++)
			EXPECT_EQ(sched_join(tk[i]), (wave * 32 + i) * (wave * 32 + i));
	}
}

static void *where(void *arg)
{
	uint64_t v = (uint64_t)arg;
	return (void *)(v * 1000 + this_cpu()->index);
}

/* 10k tasks spread over every CPU (in waves: the stack pool holds 64 until
 * the heap lands), each joined from the BSP with the right result and on
 * the CPU it was sent to. */
TEST(sched_tasks_across_cpus)
{
	unsigned n = smp_cpu_count;
	for (uint64_t base = 0; base < 10000; base += 48) {
		struct task *tk[48];
		for (uint64_t i = 0; i < 48; i++) {
			tk[i] = sched_spawn_on((unsigned)((base + i) % n), where,
					       (void *)(base + i), 0);
			EXPECT(tk[i] != 0);
		}
		for (uint64_t i = 0; i < 48; i++)
			EXPECT_EQ(sched_join(tk[i]), (base + i) * 1000 + (base + i) % n);
	}
}

static void *remote_joiner(void *arg)
{
	(void)arg;
	/* from a task on one CPU, spawn on the BSP and block until it is done:
	 * the wakeup crosses CPUs through the inbox */
	struct task *t = sched_spawn_on(0, where, (void *)7, "on-bsp");
	return t ? sched_join(t) : (void *)-1;
}

TEST(sched_cross_cpu_join)
{
	if (smp_cpu_count < 2)
		SKIP("needs 2 CPUs, have %u", smp_cpu_count);
	for (unsigned cpu = 1; cpu < smp_cpu_count; cpu++) {
		struct task *rj = sched_spawn_on(cpu, remote_joiner, 0, "remote-joiner");
		EXPECT(rj != 0);
		EXPECT_EQ(sched_join(rj), 7000);
	}
}
