/* SPDX-License-Identifier: MIT */
/*
 * guest/app/bench_heap.c - run=bench-heap: kernel heap throughput per CPU
 * count. Every CPU taking part runs the same mix (sizes 16..1024 bytes,
 * a window of 64 live blocks per CPU, every 8th block freed by the next
 * CPU's worker to exercise the remote-free path), one task per CPU, on
 * 1, 2, 4 ... CPUs. One line per CPU count:
 *   BENCH heap cpus=N mops=X.XX ns_per_op=Y.YY
 */
#include "guest/kernel/console.h"
#include "guest/arch/cpu.h"
#include "guest/arch/layout.h"
#include "guest/arch/smp.h"
#include "guest/arch/tsc.h"
#include "lib/heap/heap.h"
#include "lib/sched/sched.h"
#include "app.h"

#define OPS_PER_CPU 200000
#define WINDOW 64

/* blocks handed to the next CPU's worker to free (remote frees); taken
 * from the heap per run, not .bss (a 128 KiB array every boot would map) */
static void *volatile (*handoff)[WINDOW];

static void heap_worker(uint64_t w, void *arg)
{
	unsigned n = (unsigned)(uint64_t)arg;
	void *live[WINDOW] = {0};
	uint64_t x = 0x9e3779b97f4a7c15ull * (w + 1);
	for (uint64_t i = 0; i < OPS_PER_CPU; i++) {
		unsigned slot = (unsigned)(i % WINDOW);
		if (live[slot])
			kfree(live[slot]);
		x ^= x << 13, x ^= x >> 7, x ^= x << 17; /* xorshift: sizes */
		live[slot] = kmalloc(16 + (x & 1008));
		if ((i & 7) == 7) { /* swap one block with the neighbour's */
			void *mine = live[slot];
			live[slot] = __atomic_exchange_n(&handoff[(w + 1) % n][slot], mine,
							 __ATOMIC_ACQ_REL);
		}
	}
	for (unsigned s = 0; s < WINDOW; s++)
		kfree(live[s]);
}

static void *heap_task(void *arg)
{
	uint64_t w = (uint64_t)arg;
	heap_worker(w & 0xffff, (void *)(w >> 16));
	return 0;
}

/* One worker per CPU 0..n-1 (spawned, not parallel_for: each CPU must do
 * exactly its share for the scaling to mean anything). */
static void run_on(unsigned n)
{
	struct task *t[PK_MAX_CPUS];
	for (unsigned c = 1; c < n; c++)
		t[c] = sched_spawn_on(c, heap_task, (void *)((uint64_t)n << 16 | c), "heap-bench");
	heap_worker(0, (void *)(uint64_t)n);
	for (unsigned c = 1; c < n; c++)
		if (t[c])
			sched_join(t[c]);
}

static void drain_handoff(void)
{
	for (unsigned c = 0; c < PK_MAX_CPUS; c++)
		for (unsigned s = 0; s < WINDOW; s++) {
			kfree(handoff[c][s]);
			handoff[c][s] = 0;
		}
}

static uint64_t heap_run(unsigned n, void *ctx)
{
	(void)ctx;
	uint64_t t0 = rdtsc();
	run_on(n);
	uint64_t dt = rdtsc() - t0;
	drain_handoff(); /* not timed */
	return dt;
}

static void heap_report(unsigned n, uint64_t best, uint64_t t1, void *ctx)
{
	(void)ctx;
	uint64_t ops = (uint64_t)n * OPS_PER_CPU, ns = tsc_cycles_to_us(best) * 1000;
	uint64_t mops100 = ns ? ops * 100000 / ns : 0; /* Mops/s x 100 */
	kprintf("BENCH heap cpus=%u mops=%lu.%02lu ns_per_op=%lu.%02lu scaling=%lu.%02lux\n", n,
		mops100 / 100, mops100 % 100, ns / ops, ns * 100 / ops % 100, t1 * n / best,
		t1 * n * 100 / best % 100);
}

static int bench_heap_run(const char *cmdline)
{
	(void)cmdline;
	kprintf("bench-heap: %u CPUs, %u alloc+free per CPU, sizes 16..1024, 1 in 8 freed "
		"remotely\n",
		smp_online_count, OPS_PER_CPU);
	if (!(handoff = kcalloc(PK_MAX_CPUS, sizeof(*handoff)))) {
		kprintf("bench-heap: no memory for the hand-off slots\n");
		return 1;
	}
	app_scale_cpus(3, heap_run, heap_report, 0);
	kfree((void *)handoff);
	handoff = 0;
	struct kheap_stats st;
	kheap_stats(&st);
	kprintf("bench-heap: oom %lu\n", (unsigned long)st.oom);
	return st.oom ? 1 : PK_EXIT_OK;
}
APP("bench-heap", bench_heap_run, "kernel heap throughput on 1, 2, 4 .. CPUs");
