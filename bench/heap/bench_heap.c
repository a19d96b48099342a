/* SPDX-License-Identifier: MIT */
/*
 * bench/heap/bench_heap.c - allocator benchmarks for the `heap` suite; the
 * allocator under test is whatever malloc the process has (glibc, or one
 * preloaded with LD_PRELOAD by bench/heap/run.sh).
 *
 *   bench_heap BENCH [BUDGET_S]   prints "<ops/s> <peak RSS KiB> <ops/CPU-s>"
 *   bench_heap BENCH xN           exactly N iterations, once (for callgrind:
 *                                 the same work whatever the clock says)
 *
 * Iterations double until one run takes BUDGET_S (default 0.3 s); the last
 * run's rate is printed (run.sh takes medians over repeats).
 *   st        single thread: batches of 1000 small mallocs then frees
 *   prodcons  one thread mallocs, another frees (through an SPSC ring)
 *   larson    server-like: random replace of live objects in arrays that
 *             migrate between threads every round (cross-thread frees)
 *   realloc   grow a buffer with realloc from 16 B to 1 MiB, by 1/8 steps
 *   rss       peak RSS of a fixed churn (the ops/s column is the churn's rate)
 * and the shapes of mimalloc-bench's programs, in shapes.c: mstress,
 * xmalloc, cthrash, cscratch, gthread, sh6, sh8, alloctest, larsonr.
 * The peak RSS printed is the process's (getrusage), so each bench runs
 * in a process of its own.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <string.h>
#include <sys/resource.h>

#include "bench_heap.h"

#define NTHREADS 2

/* ---- st ---- */
static uint64_t bench_st(uint64_t iters)
{
	enum { N = 1000 };
	static void *p[N];
	static size_t sz[N];
	uint64_t s = 88172645463325252ull;
	for (int i = 0; i < N; i++)
		sz[i] = small_size(&s);
	for (uint64_t it = 0; it < iters; it++) {
		for (int i = 0; i < N; i++) {
			p[i] = xmalloc(sz[i]);
			*(volatile char *)p[i] = 1;
		}
		if (it & 1)
			for (int i = 0; i < N; i++)
				free(p[i]);
		else
			for (int i = N - 1; i >= 0; i--)
				free(p[i]);
	}
	return iters * N;
}

/* ---- prodcons ---- */
#define RING 4096
static void *ring[RING];
static volatile uint64_t ring_head, ring_tail; /* producer writes head */
static uint64_t pc_total;

static void *consumer(void *arg)
{
	(void)arg;
	uint64_t t = 0;
	while (t < pc_total) {
		uint64_t h = __atomic_load_n(&ring_head, __ATOMIC_ACQUIRE);
		if (h == t) {
			sched_yield();
			continue;
		}
		for (; t < h; t++)
			free(ring[t % RING]);
		__atomic_store_n(&ring_tail, t, __ATOMIC_RELEASE);
	}
	return 0;
}

static uint64_t bench_prodcons(uint64_t iters)
{
	pc_total = iters * 1000;
	ring_head = ring_tail = 0;
	pthread_t th;
	xthread(&th, consumer, 0);
	uint64_t s = 1234567, h = 0;
	while (h < pc_total) {
		uint64_t t = __atomic_load_n(&ring_tail, __ATOMIC_ACQUIRE);
		if (h - t == RING) {
			sched_yield();
			continue;
		}
		uint64_t lim = t + RING;
		for (; h < lim && h < pc_total; h++) {
			void *p = xmalloc(small_size(&s));
			*(volatile char *)p = 1;
			ring[h % RING] = p;
		}
		__atomic_store_n(&ring_head, h, __ATOMIC_RELEASE);
	}
	pthread_join(th, 0);
	return pc_total;
}

/* ---- larson ---- */
enum { LSLOTS = 2000, LROUND = 20000 };
static void **larr[NTHREADS];
static pthread_barrier_t lbar;
static uint64_t lrounds;

static void *larson_thread(void *arg)
{
	uintptr_t t = (uintptr_t)arg;
	uint64_t s = 0x9e3779b97f4a7c15ull * (t + 1);
	for (uint64_t r = 0; r < lrounds; r++) {
		void **a = larr[(t + r) % NTHREADS];
		for (int i = 0; i < LROUND; i++) {
			uint64_t k = rnd(&s) % LSLOTS;
			free(a[k]);
			a[k] = xmalloc(small_size(&s));
			*(volatile char *)a[k] = 1;
		}
		pthread_barrier_wait(&lbar);
	}
	return 0;
}

static uint64_t bench_larson(uint64_t iters)
{
	uint64_t s = 42;
	lrounds = iters;
	for (int t = 0; t < NTHREADS; t++) {
		larr[t] = xmalloc(LSLOTS * sizeof(void *));
		for (int i = 0; i < LSLOTS; i++)
			larr[t][i] = xmalloc(small_size(&s));
	}
	pthread_barrier_init(&lbar, 0, NTHREADS);
	pthread_t th[NTHREADS];
	for (uintptr_t t = 0; t < NTHREADS; t++)
		xthread(&th[t], larson_thread, (void *)t);
	for (int t = 0; t < NTHREADS; t++)
		pthread_join(th[t], 0);
	pthread_barrier_destroy(&lbar);
	for (int t = 0; t < NTHREADS; t++) {
		for (int i = 0; i < LSLOTS; i++)
			free(larr[t][i]);
		free(larr[t]);
	}
	return iters * LROUND * NTHREADS;
}

/* ---- realloc growth ---- */
static uint64_t bench_realloc(uint64_t iters)
{
	uint64_t ops = 0;
	for (uint64_t it = 0; it < iters; it++) {
		char *p = 0;
		for (size_t n = 16; n <= (1u << 20); n += n / 8 + 16) {
			p = realloc(p, n);
			if (!p)
				exit(1);
			p[n - 1] = 1;
			ops++;
		}
		free(p);
	}
	return ops;
}

/* ---- peak RSS of a churn: build ~64 MiB, free half, refill with larger ---- */
static uint64_t bench_rss(uint64_t iters)
{
	enum { N = 400000 };
	void **a = xmalloc(N * sizeof(void *));
	uint64_t s = 7, ops = 0;
	for (uint64_t it = 0; it < iters; it++) {
		for (int i = 0; i < N; i++)
			memset(a[i] = xmalloc(small_size(&s)), 1, 8);
		for (int i = 0; i < N; i += 2)
			free(a[i]);
		for (int i = 0; i < N; i += 2)
			memset(a[i] = xmalloc(small_size(&s) + 128), 1, 8);
		for (int i = 0; i < N; i++)
			free(a[i]);
		ops += 2 * N;
	}
	free(a);
	return ops;
}

/* ---- large buffers (the shape of mimalloc-bench's malloc-large): 20
 * slots, each op replaces a random one with a new 1-5 MiB buffer that is
 * written whole (a program's initialised array), the new one
 * allocated before the old one goes. Peak RSS shows what an allocator
 * keeps of freed large runs. ---- */
static uint64_t bench_large(uint64_t iters)
{
	enum { SLOTS = 20 };
	static char *slot[SLOTS];
	uint64_t s = 42;
	for (uint64_t it = 0; it < iters; it++) {
		unsigned i = (unsigned)(rnd(&s) % SLOTS);
		size_t n = (1u << 20) + (size_t)(rnd(&s) % (4u << 20));
		char *p = xmalloc(n);
		memset(p, 1, n); /* not 0: GCC would make malloc+memset a calloc */
		free(slot[i]);
		slot[i] = p;
	}
	for (unsigned i = 0; i < SLOTS; i++)
		free(slot[i]), slot[i] = 0;
	return iters;
}

static const struct {
	const char *name;
	uint64_t (*fn)(uint64_t);
} benches[] = {{"st", bench_st},
	       {"prodcons", bench_prodcons},
	       {"larson", bench_larson},
	       {"cscratch", bench_cscratch},
	       {"realloc", bench_realloc},
	       {"rss", bench_rss},
	       {"mstress", bench_mstress},
	       {"xmalloc", bench_xmalloc},
	       {"cthrash", bench_cthrash},
	       {"gthread", bench_gthread},
	       {"sh6", bench_sh6},
	       {"sh8", bench_sh8},
	       {"alloctest", bench_alloctest},
	       {"larsonr", bench_larsonr},
	       {"large", bench_large}};

/* CPU seconds of the whole process (all threads): a rate by CPU time is
 * less disturbed by other jobs on a shared machine than one by wall time */
static double cpu_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr,
			"usage: bench_heap BENCH [BUDGET_S]; BENCH: st prodcons larson cscratch "
			"realloc rss mstress xmalloc cthrash gthread sh6 sh8 alloctest larsonr "
			"large\n");
		return 2;
	}
	uint64_t fixed = argc > 2 && argv[2][0] == 'x' ? strtoull(argv[2] + 1, 0, 10) : 0;
	double budget = fixed ? 1 : argc > 2 ? atof(argv[2]) : 0.3;
	if (!(budget > 0 && budget < 3600) || (argv[2] && argv[2][0] == 'x' && !fixed)) {
		fprintf(stderr, "bench_heap: bad budget '%s' (seconds, > 0)\n", argv[2]);
		return 2;
	}
	for (size_t b = 0; b < sizeof(benches) / sizeof(benches[0]); b++) {
		if (strcmp(argv[1], benches[b].name))
			continue;
		uint64_t iters = fixed ? fixed : 1, ops;
		double dt, cpu;
		for (;;) {
			double t0 = now(), c0 = cpu_s();
			ops = benches[b].fn(iters);
			dt = now() - t0;
			cpu = cpu_s() - c0;
			if (fixed || dt >= budget || strcmp(argv[1], "rss") == 0)
				break;
			iters *= 2;
		}
		struct rusage ru;
		getrusage(RUSAGE_SELF, &ru);
		printf("%.0f %ld %.0f\n", (double)ops / dt, ru.ru_maxrss, (double)ops / cpu);
		return 0;
	}
	fprintf(stderr, "bench_heap: unknown bench '%s'\n", argv[1]);
	return 2;
}
