/* SPDX-License-Identifier: MIT */
/* guest/app/tests_sched.c - in-guest tests of the cooperative executor
 * (work in progress: one executor on the BSP). */
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
