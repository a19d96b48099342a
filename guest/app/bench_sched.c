/* SPDX-License-Identifier: MIT */
/*
 * guest/app/bench_sched.c - run=bench-sched: the in-guest half of the
 * `sched` bench suite. One line per measurement for bench/sched/run.sh:
 *   BENCH sched name=NAME ns=N.NN cycles=N ops=N
 * switch        one task-to-task switch (two tasks yield in turn)
 * spawn_join    sched_spawn + sched_join of an empty task, same CPU
 * spawn_join_remote  the same with the task on CPU 1
 * wake_remote   make a task blocked on an idle (halted) CPU 1 ready and
 *               see it run: a channel send -> its write seen by CPU 0
 * ipi_raw       the floor for wake_remote: an IPI to the halted CPU 1
 *               whose handler writes what CPU 0 waits for
 * chan          one item through a 64-slot channel, producer and
 *               consumer tasks on one CPU
 * Iterations double until the run takes ~20 ms; the best of 5 runs counts.
 */
#include "guest/arch/apic.h"
#include "guest/kernel/console.h"
#include "guest/arch/cpu.h"
#include "guest/arch/layout.h"
#include "guest/arch/percpu.h"
#include "guest/arch/smp.h"
#include "guest/arch/trap.h"
#include "guest/arch/tsc.h"
#include "lib/sched/sched.h"
#include "app.h"

#define BUDGET_US 20000
#define REPS 5

/* Cycles per op of fn(ops), iterations doubled to the budget. */
static uint64_t measure(uint64_t (*fn)(uint64_t ops), uint64_t *ops_out)
{
	uint64_t ops = 1, budget = tsc_us_to_cycles(BUDGET_US), best = ~0ull;
	while (fn(ops) < budget && ops < (1ull << 30))
		ops *= 2;
	for (int r = 0; r < REPS; r++) {
		uint64_t c = fn(ops);
		best = c < best ? c : best;
	}
	*ops_out = ops;
	return best; /* total cycles for ops */
}

static void report(const char *name, uint64_t (*fn)(uint64_t ops))
{
	uint64_t ops = 0, total = measure(fn, &ops);
	uint64_t ps = total * 1000000000ull / (tsc_khz ? tsc_khz : 1) / ops; /* picoseconds */
	kprintf("BENCH sched name=%s ns=%lu.%02lu cycles=%lu ops=%lu\n", name, ps / 1000,
		ps % 1000 / 10, total / ops, ops);
}

/* --- switch --- */
static void *yielder(void *arg)
{
	for (uint64_t i = 0; i < (uint64_t)arg; i++)
		sched_yield();
	return 0;
}

static uint64_t bench_switch(uint64_t ops)
{
	struct task *a = sched_spawn(yielder, (void *)(ops / 2), "yield-a");
	struct task *b = sched_spawn(yielder, (void *)(ops / 2), "yield-b");
	uint64_t t0 = rdtsc_ordered();
	sched_join(a);
	sched_join(b);
	return rdtsc_ordered() - t0;
}

/* --- spawn + join --- */
static void *nothing(void *arg)
{
	return arg;
}

static unsigned spawn_cpu;

static uint64_t bench_spawn_join(uint64_t ops)
{
	uint64_t t0 = rdtsc_ordered();
	for (uint64_t i = 0; i < ops; i++)
		sched_join(sched_spawn_on(spawn_cpu, nothing, 0, "nothing"));
	return rdtsc_ordered() - t0;
}

static uint64_t bench_spawn_join_local(uint64_t ops)
{
	spawn_cpu = 0;
	return bench_spawn_join(ops);
}

static uint64_t bench_spawn_join_remote(uint64_t ops)
{
	spawn_cpu = 1;
	return bench_spawn_join(ops);
}

/* --- wake a task on a halted CPU vs a raw IPI to it --- */
static volatile uint64_t seen; /* written by CPU 1, polled by CPU 0 */
static struct chan wake_ch;
static void *wake_buf[1];

static void *wake_target(void *arg)
{
	(void)arg;
	void *v;
	while (chan_recv(&wake_ch, &v) == 0)
		__atomic_store_n(&seen, (uint64_t)v, __ATOMIC_RELEASE);
	return 0;
}

/* Let CPU 1 get back into hlt before the next round: both variants wake
 * a halted CPU, which is what an idle executor costs. */
static void settle(void)
{
	uint64_t until = rdtsc() + tsc_us_to_cycles(30);
	while (rdtsc() < until)
		cpu_relax();
}

static uint64_t wake_seq; /* never repeats across runs: `seen` must change */

static uint64_t bench_wake_remote(uint64_t ops)
{
	uint64_t total = 0;
	for (uint64_t i = 0; i < ops; i++) {
		uint64_t v = ++wake_seq;
		settle();
		uint64_t t0 = rdtsc_ordered();
		if (chan_try_send(&wake_ch, (void *)v) != 0) { /* the slot is free by now */
			kprintf("bench-sched: wake_remote: channel unexpectedly full\n");
			return ~0ull;
		}
		while (__atomic_load_n(&seen, __ATOMIC_ACQUIRE) != v)
			cpu_relax();
		total += rdtsc_ordered() - t0;
	}
	return total;
}

static volatile uint64_t ipi_seq;

static void bench_ipi_irq(struct trap_frame *f)
{
	(void)f;
	__atomic_store_n(&seen, ipi_seq, __ATOMIC_RELEASE);
}

static uint64_t bench_ipi_raw(uint64_t ops)
{
	uint64_t total = 0, base = ipi_seq;
	for (uint64_t i = 1; i <= ops; i++) {
		settle();
		ipi_seq = base + i;
		uint64_t t0 = rdtsc_ordered();
		apic_send_ipi(percpu_area[1].apic_id, VEC_IPI_BENCH);
		while (__atomic_load_n(&seen, __ATOMIC_ACQUIRE) != base + i)
			cpu_relax();
		total += rdtsc_ordered() - t0;
	}
	return total;
}

/* --- channel throughput, one CPU --- */
static struct chan tp_ch;
static void *tp_buf[64];

static void *tp_producer(void *arg)
{
	for (uint64_t i = 0; i < (uint64_t)arg; i++)
		chan_send(&tp_ch, (void *)i);
	return 0;
}

static void *tp_consumer(void *arg)
{
	void *v;
	for (uint64_t i = 0; i < (uint64_t)arg; i++)
		chan_recv(&tp_ch, &v);
	return 0;
}

static uint64_t bench_chan(uint64_t ops)
{
	chan_init(&tp_ch, tp_buf, 64);
	uint64_t t0 = rdtsc_ordered();
	struct task *c = sched_spawn(tp_consumer, (void *)ops, "consumer");
	struct task *p = sched_spawn(tp_producer, (void *)ops, "producer");
	sched_join(p);
	sched_join(c);
	return rdtsc_ordered() - t0;
}

static int bench_sched_run(const char *cmdline)
{
	(void)cmdline;
	kprintf("bench-sched: %u CPUs, tsc %lu kHz\n", smp_online_count, tsc_khz);
	report("switch", bench_switch);
	report("spawn_join", bench_spawn_join_local);
	report("chan", bench_chan);
	if (smp_online_count < 2) {
		kprintf("bench-sched: cross-CPU measurements need 2 CPUs\n");
		return PK_EXIT_OK;
	}
	report("spawn_join_remote", bench_spawn_join_remote);
	chan_init(&wake_ch, wake_buf, 1);
	struct task *t = sched_spawn_on(1, wake_target, 0, "wake-target");
	report("wake_remote", bench_wake_remote);
	chan_close(&wake_ch);
	sched_join(t);
	irq_register(VEC_IPI_BENCH, bench_ipi_irq);
	report("ipi_raw", bench_ipi_raw);
	struct sched_stats st;
	sched_stats_get(0, &st);
	kprintf("BENCH sched-stats cpu0 remote_wakeups=%lu wake_ipis=%lu\n", st.remote_wakeups,
		st.wake_ipis);
	return PK_EXIT_OK;
}
APP("bench-sched", bench_sched_run, "task switch, spawn+join, cross-CPU wake vs raw IPI");
