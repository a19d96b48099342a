/* SPDX-License-Identifier: MIT */
/* guest/app/tests_sched.c - in-guest tests of the cooperative executors:
 * tasks across CPUs, cross-CPU joins and channels, sleeps on the LAPIC
 * timer, vector state across switches, parallel_for. */
#include "guest/kernel/console.h"
#include "guest/arch/cpu.h"
#include "guest/arch/percpu.h"
#include "guest/arch/smp.h"
#include "guest/arch/tsc.h"
#include "lib/sched/sched.h"
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

static struct chan ping, pong;
static void *ping_buf[1], *pong_buf[1];

static void *ponger(void *arg)
{
	for (uint64_t i = 0; i < (uint64_t)arg; i++) {
		void *v;
		if (chan_recv(&ping, &v) || chan_send(&pong, (void *)((uint64_t)v + 1)))
			return (void *)1;
	}
	return 0;
}

/* Messages bounce between the BSP (executor context) and a task on the
 * last CPU: each one wakes a task blocked on the other CPU. */
TEST(sched_chan_ping_pong_cpus)
{
	if (smp_cpu_count < 2)
		SKIP("needs 2 CPUs, have %u", smp_cpu_count);
	chan_init(&ping, ping_buf, 1);
	chan_init(&pong, pong_buf, 1);
	struct task *pt = sched_spawn_on(smp_cpu_count - 1, ponger, (void *)2000, "ponger");
	EXPECT(pt != 0);
	uint64_t v = 0;
	for (int i = 0; i < 2000; i++) {
		void *r;
		EXPECT_EQ(chan_send(&ping, (void *)v), 0);
		EXPECT_EQ(chan_recv(&pong, &r), 0);
		EXPECT_EQ((uint64_t)r, v + 1);
		v = (uint64_t)r;
	}
	EXPECT_EQ(sched_join(pt), 0);
}

static void *nap(void *arg)
{
	uint64_t t0 = rdtsc();
	if (sched_sleep((uint64_t)arg))
		return 0;
	return (void *)tsc_cycles_to_us(rdtsc() - t0);
}

/* A task on every CPU sleeps 2 ms: APs halt with the LAPIC timer armed
 * (TSC-deadline mode where CPUID has it) and must wake on their own. */
TEST(sched_sleep_on_every_cpu)
{
	static struct task *naps[PK_MAX_CPUS];
	for (unsigned c = 0; c < smp_cpu_count; c++)
		EXPECT((naps[c] = sched_spawn_on(c, nap, (void *)2000000, "nap")) != 0);
	for (unsigned c = 0; c < smp_cpu_count; c++) {
		uint64_t us = (uint64_t)sched_join(naps[c]);
		EXPECT_MSG(us >= 2000, "cpu %u slept %lu us, asked for 2000", c, us);
	}
}

/* Vector registers are caller-saved (SysV), so the switch does not save
 * them: each task's vector values that live across a yield must survive
 * because the compiler spilled them. Two tasks with different AVX
 * values, interleaved, each must get its own answer. */
static void *avx_worker(void *arg)
{
	/* GCC vector types: ymm registers in the x86-64-v3 build */
	typedef double v4d __attribute__((vector_size(32)));
	double seed = (double)(uint64_t)arg;
	v4d acc = {seed, seed, seed, seed};
	const v4d inc = {1, 2, 3, 4};
	for (int i = 0; i < 100; i++) {
		acc += inc;
		sched_yield(); /* the other task clobbers every ymm meanwhile */
	}
	return (void *)(uint64_t)(acc[0] + acc[1] + acc[2] + acc[3]);
}

TEST(sched_avx_state_per_task)
{
	struct task *a = sched_spawn(avx_worker, (void *)1000, "avx-a");
	struct task *b = sched_spawn(avx_worker, (void *)5000, "avx-b");
	/* 4 * seed + 100 * (1 + 2 + 3 + 4) */
	EXPECT_EQ((uint64_t)sched_join(a), 4 * 1000 + 1000);
	EXPECT_EQ((uint64_t)sched_join(b), 4 * 5000 + 1000);
}

static void per_cpu_sum(uint64_t i, void *arg)
{
	uint64_t *sums = arg;
	__atomic_fetch_add(&sums[this_cpu()->index], i, __ATOMIC_RELAXED);
}

TEST(sched_parallel_for_all_cpus)
{
	static uint64_t sums[PK_MAX_CPUS];
	for (unsigned c = 0; c < smp_cpu_count; c++)
		sums[c] = 0;
	EXPECT_EQ(sched_parallel_for(200000, per_cpu_sum, sums), 0);
	uint64_t total = 0;
	for (unsigned c = 0; c < smp_cpu_count; c++)
		total += sums[c];
	EXPECT_EQ(total, 200000ull * 199999 / 2);
}

/* A remote wakeup costs an IPI only when the target executor is idle:
 * wakeups sent to a CPU busy running tasks must not all send one. */
static volatile int spin_go, spinning;

static void *busy(void *arg)
{
	(void)arg;
	__atomic_store_n(&spinning, 1, __ATOMIC_RELEASE);
	while (__atomic_load_n(&spin_go, __ATOMIC_ACQUIRE))
		sched_yield(); /* busy executor: never idle, never halted */
	return 0;
}

TEST(sched_ipi_only_when_idle)
{
	if (smp_cpu_count < 2)
		SKIP("needs 2 CPUs, have %u", smp_cpu_count);
	spin_go = 1;
	spinning = 0;
	struct task *b = sched_spawn_on(1, busy, 0, "busy");
	EXPECT(b != 0);
	while (!__atomic_load_n(&spinning, __ATOMIC_ACQUIRE))
		__builtin_ia32_pause(); /* CPU 1 is busy from here on */
	struct sched_stats before, after;
	sched_stats_get(0, &before);
	for (uint64_t i = 0; i < 200; i++) {
		struct task *sq = sched_spawn_on(1, square, (void *)i, 0);
		EXPECT_EQ(sched_join(sq), i * i);
	}
	sched_stats_get(0, &after);
	__atomic_store_n(&spin_go, 0, __ATOMIC_RELEASE);
	sched_join(b);
	uint64_t wakes = after.remote_wakeups - before.remote_wakeups;
	uint64_t ipis = after.wake_ipis - before.wake_ipis;
	kprintf("  200 spawns on a busy CPU 1: %lu remote wakeups, %lu IPIs\n", wakes, ipis);
	EXPECT_EQ(wakes, 200);
	EXPECT_MSG(ipis == 0, "%lu IPIs sent to a CPU that never went idle", ipis);
}
