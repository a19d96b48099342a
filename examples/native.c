/* SPDX-License-Identifier: MIT */
/*
 * examples/native.c - the native perfkern API (include/perfkern/
 * perfkern.h) from an ordinary static program: a parallel_for over every
 * CPU, a channel between a pthread and main, tasks spawned on each CPU
 * and on any (one of them spawning and awaiting its own, over a channel)
 * and kperf markers, no system call for any of it. On Linux the table is
 * absent and it says so (exit 0).
 */
#include <perfkern/perfkern.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

#define N 1000000
#define ITEMS 1000

static uint64_t squares;
static const struct pk_api *pk;
static __thread int tls_word; /* spawned tasks see main's FS base */

struct slice {
	uint64_t lo, hi;
	int cpu; /* pinned there, or PK_CPU_ANY */
	unsigned ran_on;
	int tls;
};

static void *slice_sum(void *arg)
{
	struct slice *s = arg;
	s->ran_on = pk->cpu_self();
	s->tls = tls_word;
	uint64_t sum = 0;
	for (uint64_t i = s->lo; i < s->hi; i++) {
		sum += i;
		if (i % 4096 == 0)
			pk->yield(); /* a task may block and resume */
	}
	return (void *)(uintptr_t)sum;
}

/* A task that spawns one of its own and feeds it through a channel. */
static void *chan_drain(void *chan)
{
	uintptr_t sum = 0;
	void *item;
	while (pk->chan_recv(chan, &item) == 0)
		sum += (uintptr_t)item;
	return (void *)sum;
}

static void *nested(void *arg)
{
	(void)arg;
	void *chan = pk->chan_new(4);
	void *t = chan ? pk->spawn(PK_CPU_ANY, chan_drain, chan, "drain") : 0;
	if (!t)
		return 0;
	for (uintptr_t i = 1; i <= 100; i++)
		pk->chan_send(chan, (void *)i);
	pk->chan_close(chan);
	void *sum = pk->await(t);
	pk->chan_free(chan);
	return sum;
}

/* spawn/await: a task pinned on every CPU and as many on any CPU. */
static int spawn_check(void)
{
	enum { MAXT = 64, PER = 100000 };
	unsigned ncpu = pk->cpu_count(), n = 2 * ncpu < MAXT ? 2 * ncpu : MAXT;
	struct slice s[MAXT];
	void *t[MAXT];
	tls_word = 42;
	pk->mark("spawn-begin");
	for (unsigned i = 0; i < n; i++) {
		s[i] = (struct slice){i * PER, (i + 1) * PER, i < ncpu ? (int)i : PK_CPU_ANY, 0, 0};
		t[i] = pk->spawn(s[i].cpu, slice_sum, &s[i], "slice");
		if (!t[i])
			return printf("native: spawn %u failed\n", i), 0;
	}
	uint64_t sum = 0;
	int pinned = 1, tls = 1;
	for (unsigned i = 0; i < n; i++) {
		sum += (uintptr_t)pk->await(t[i]);
		pinned &= s[i].cpu == PK_CPU_ANY || s[i].ran_on == (unsigned)s[i].cpu;
		tls &= s[i].tls == 42;
	}
	uint64_t want = (uint64_t)n * PER * ((uint64_t)n * PER - 1) / 2;
	void *nt = pk->spawn(PK_CPU_ANY, nested, 0, "nested");
	uintptr_t nsum = nt ? (uintptr_t)pk->await(nt) : 0;
	pk->mark("spawn-end");
	int bad_cpu = pk->spawn((int)ncpu, slice_sum, &s[0], 0) == 0;
	printf("native: spawn %u tasks, await sum %s, pinned %s, tls %s, nested %s, cpu %u %s\n", n,
	       sum == want ? "right" : "WRONG", pinned ? "right" : "WRONG", tls ? "right" : "WRONG",
	       nsum == 5050 ? "right" : "WRONG", ncpu, bad_cpu ? "refused" : "ACCEPTED");
	return sum == want && pinned && tls && nsum == 5050 && bad_cpu;
}

static void square(uint64_t i, void *arg)
{
	(void)arg;
	__atomic_fetch_add(&squares, i * i % 7, __ATOMIC_RELAXED);
}

static void *producer(void *chan)
{
	for (uintptr_t i = 1; i <= ITEMS; i++)
		if (pk->chan_send(chan, (void *)i))
			return (void *)1;
	pk->chan_close(chan);
	return 0;
}

int main(void)
{
	pk = pk_api();
	if (!pk) {
		printf("native: not on perfkern (no AT_PERFKERN)\n");
		return 0;
	}
	printf("native: api v%u, %u CPUs\n", pk->version, pk->cpu_count());
	struct pk_region r = pk->region_begin("native-pfor");
	int rc = pk->parallel_for(N, square, 0);
	pk->region_end(&r);
	uint64_t want = 0;
	for (uint64_t i = 0; i < N; i++)
		want += i * i % 7;
	printf("native: parallel_for rc %d, sum %s\n", rc, squares == want ? "right" : "WRONG");

	void *chan = pk->chan_new(16);
	pthread_t t;
	if (!chan || pthread_create(&t, 0, producer, chan))
		return 1;
	uint64_t sum = 0;
	void *item;
	unsigned got = 0;
	while (pk->chan_recv(chan, &item) == 0) {
		sum += (uintptr_t)item;
		got++;
	}
	pthread_join(t, 0);
	pk->chan_free(chan);
	int ok = squares == want && got == ITEMS && sum == (uint64_t)ITEMS * (ITEMS + 1) / 2;
	printf("native: channel %u items, sum %s\n", got, ok ? "right" : "WRONG");
	if (!PK_API_HAS(pk, mark)) {
		printf("native: this kernel's table has no spawn/await/mark (size %u)\n", pk->size);
		return 1;
	}
	ok &= spawn_check();
	return ok ? 0 : 1;
}
