/* SPDX-License-Identifier: MIT */
/*
 * bench/heap/bench_heap.h - what the heap suite's workload files share:
 * the clock, a xorshift generator, the size mix and an exiting malloc.
 */
#ifndef PK_BENCH_HEAP_H
#define PK_BENCH_HEAP_H

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static inline double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static inline uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* mostly small sizes, like real programs: 8..128 often, up to 1 KiB */
static inline size_t small_size(uint64_t *s)
{
	uint64_t r = rnd(s);
	return (r & 3) ? 8 + (r >> 8) % 120 : 8 + (r >> 8) % 1016;
}

static inline void *xmalloc(size_t n)
{
	void *p = malloc(n);
	if (!p) {
		fprintf(stderr, "bench_heap: out of memory (%zu bytes)\n", n);
		exit(1);
	}
	return p;
}

/* Touch a fresh block the way a program initialises an object: its first
 * and last bytes. */
static inline void touch(void *p, size_t n)
{
	((volatile char *)p)[0] = 1;
	((volatile char *)p)[n - 1] = 1;
}

/* pthread_create or exit; t NULL: a detached thread */
static inline void xthread(pthread_t *t, void *(*fn)(void *), void *arg)
{
	pthread_t self_t;
	pthread_attr_t at;
	pthread_attr_init(&at);
	if (!t)
		pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	if (pthread_create(t ? t : &self_t, &at, fn, arg)) {
		fprintf(stderr, "bench_heap: pthread_create failed\n");
		exit(1);
	}
	pthread_attr_destroy(&at);
}

/* the shapes of mimalloc-bench's programs (bench_mb.c): ops for iters */
uint64_t bench_mstress(uint64_t iters);
uint64_t bench_xmalloc(uint64_t iters);
uint64_t bench_cthrash(uint64_t iters);
uint64_t bench_cscratch(uint64_t iters);
uint64_t bench_gthread(uint64_t iters);
uint64_t bench_sh6(uint64_t iters);
uint64_t bench_sh8(uint64_t iters);
uint64_t bench_alloctest(uint64_t iters);
uint64_t bench_larsonr(uint64_t iters);

#endif
