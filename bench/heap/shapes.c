/* SPDX-License-Identifier: MIT */
/*
 * bench/heap/shapes.c - workloads of the shapes mimalloc-bench made
 * famous, written here from their published descriptions (no third-party
 * code): each function runs `iters` units of work and returns the number
 * of allocations it made (bench_heap.c times it).
 *
 *   mstress   many threads, short- and long-lived objects (calloc, every
 *             word written) of 8..320 B with a tail of rare 100x, 1000x and
 *             10000x ones, objects migrating between threads, unequal
 *             thread loads; every phase all threads exit and new ones
 *             start, and long-lived objects of dead threads are freed by
 *             the new ones
 *   xmalloc   asymmetric: some threads only allocate, others only free
 *             (batches through a shared queue, so frees land on pages of
 *             whichever producer made them)
 *   cthrash   Hoard's cache-thrash: each thread mallocs 8 bytes, writes
 *             them many times, frees them (active false sharing)
 *   cscratch  Hoard's cache-scratch: the same after freeing an object the
 *             main thread allocated next to the other threads' (passive)
 *   gthread   glibc's bench-malloc-thread: per-thread random replacement
 *             in a working set, sizes 4 B..32 KiB with a 1/x distribution
 *   sh6       SmartHeap's sh6bench: batches of cycling sizes (1..1000 B),
 *             half freed last-in-first-out, half in allocation order
 *   sh8       sh8bench: the same, half of every batch freed by the next
 *             thread (cross-thread frees, handed over through a ring)
 *   alloctest alloc-test: a random walk of the live set (a slot is freed
 *             when full, filled when empty) with a power-law size tail to
 *             16 KiB; every block is written
 *   larsonr   Larson and Krishnan's server shape with thread replacement:
 *             each thread replaces random objects of its array, then
 *             starts a successor that inherits the array and exits
 */
#define _GNU_SOURCE
#include <sched.h>
#include <string.h>

#include "bench_heap.h"

#define NT 2 /* threads of the per-thread workloads: this machine's cores */

/* run fn(i) on n threads at once (i = 0..n-1) and wait for them */
static void run_threads(unsigned n, void *(*fn)(void *))
{
	pthread_t th[16];
	for (uintptr_t i = 0; i < n; i++)
		xthread(&th[i], fn, (void *)i);
	for (unsigned i = 0; i < n; i++)
		pthread_join(th[i], 0);
}

/* ---- mstress ---- */
enum { MS_THREADS = 4, MS_LOCAL = 2000, MS_STEPS = 4000, MS_XFER = 1024, MS_KEEP = 8192 };
static void *ms_xfer[MS_XFER]; /* objects in transit, atomic swaps */
static void *ms_keep[MS_KEEP]; /* long-lived, outlive their thread */
static uint64_t ms_phase;

/* 8..320 bytes, and a tail: 1 in 100 is 100x that, 1 in 1000 1000x,
 * 1 in 10000 10000x (up to 3 MiB) */
static size_t ms_size(uint64_t r)
{
	size_t n = 8 * (1 + (size_t)(r % 40));
	r >>= 8;
	if (r % 100 == 0) {
		r /= 100;
		n *= r % 100 == 0 ? 10000 : r % 10 == 0 ? 1000 : 100;
	}
	return n;
}

/* calloc and fill every word, as a program building an object does */
static void *ms_alloc(size_t n)
{
	uint64_t *p = calloc(1, n);
	if (!p) {
		fprintf(stderr, "bench_heap: out of memory (%zu bytes)\n", n);
		exit(1);
	}
	for (size_t i = 0; i < n / 8; i++)
		p[i] = n - i;
	return p;
}

static void *ms_thread(void *arg)
{
	uintptr_t t = (uintptr_t)arg;
	uint64_t s = 0x9e3779b97f4a7c15ull * (ms_phase * MS_THREADS + t + 1);
	void **local = xmalloc(MS_LOCAL * sizeof(void *));
	memset(local, 0, MS_LOCAL * sizeof(void *));
	/* unequal loads: thread t does (t + 1) / 2 shares */
	uint64_t steps = MS_STEPS * (t + 1) / 2;
	void **keep = ms_keep + t * (MS_KEEP / MS_THREADS);
	for (uint64_t i = 0; i < steps; i++) {
		uint64_t r = rnd(&s);
		void *p = ms_alloc(ms_size(r >> 16));
		switch (r & 15) {
		case 0: /* hand it to another thread, free what was there */
			free(__atomic_exchange_n(&ms_xfer[(r >> 4) % MS_XFER], p,
						 __ATOMIC_ACQ_REL));
			break;
		case 1: /* long-lived: replaces one a thread of an earlier phase made */
			free(keep[(r >> 4) % (MS_KEEP / MS_THREADS)]);
			keep[(r >> 4) % (MS_KEEP / MS_THREADS)] = p;
			break;
		default: {
			void **slot = &local[(r >> 4) % MS_LOCAL];
			free(*slot);
			*slot = p;
		}
		}
	}
	for (int i = 0; i < MS_LOCAL; i++)
		free(local[i]);
	free(local);
	return 0;
}

uint64_t bench_mstress(uint64_t iters)
{
	uint64_t ops = 0;
	for (uint64_t it = 0; it < iters; it++, ms_phase++) {
		run_threads(MS_THREADS, ms_thread);
		for (uint64_t t = 0; t < MS_THREADS; t++)
			ops += MS_STEPS * (t + 1) / 2 + 1;
	}
	for (int i = 0; i < MS_XFER; i++)
		free(ms_xfer[i]), ms_xfer[i] = 0;
	for (int i = 0; i < MS_KEEP; i++)
		free(ms_keep[i]), ms_keep[i] = 0;
	return ops;
}

/* ---- xmalloc ---- */
enum { XM_PROD = 2, XM_CONS = 2, XM_BATCH = 256, XM_BATCHES = 64, XM_DEPTH = 8 };
struct xm_batch {
	struct xm_batch *next;
	void *p[XM_BATCH];
};
static struct {
	pthread_mutex_t m;
	pthread_cond_t more, room;
	struct xm_batch *head, *tail;
	unsigned depth, producing;
	uint64_t per_producer;
} xm = {.m = PTHREAD_MUTEX_INITIALIZER,
	.more = PTHREAD_COND_INITIALIZER,
	.room = PTHREAD_COND_INITIALIZER};

static void *xm_producer(void *arg)
{
	uint64_t s = 0x2545f4914f6cdd1dull * ((uintptr_t)arg + 1);
	for (uint64_t k = 0; k < xm.per_producer; k++) {
		struct xm_batch *b = xmalloc(sizeof(*b));
		for (int i = 0; i < XM_BATCH; i++) {
			size_t n = small_size(&s);
			touch(b->p[i] = xmalloc(n), n);
		}
		b->next = 0;
		pthread_mutex_lock(&xm.m);
		while (xm.depth == XM_DEPTH)
			pthread_cond_wait(&xm.room, &xm.m);
		if (xm.tail)
			xm.tail->next = b;
		else
			xm.head = b;
		xm.tail = b;
		xm.depth++;
		pthread_cond_signal(&xm.more);
		pthread_mutex_unlock(&xm.m);
	}
	pthread_mutex_lock(&xm.m);
	xm.producing--;
	pthread_cond_broadcast(&xm.more);
	pthread_mutex_unlock(&xm.m);
	return 0;
}

static void *xm_consumer(void *arg)
{
	(void)arg;
	for (;;) {
		pthread_mutex_lock(&xm.m);
		while (!xm.head && xm.producing)
			pthread_cond_wait(&xm.more, &xm.m);
		struct xm_batch *b = xm.head;
		if (b) {
			xm.head = b->next;
			if (!xm.head)
				xm.tail = 0;
			xm.depth--;
			pthread_cond_signal(&xm.room);
		}
		pthread_mutex_unlock(&xm.m);
		if (!b)
			return 0;
		for (int i = 0; i < XM_BATCH; i++)
			free(b->p[i]);
		free(b);
	}
}

static void *xm_thread(void *arg)
{
	uintptr_t i = (uintptr_t)arg;
	return i < XM_PROD ? xm_producer(arg) : xm_consumer(arg);
}

uint64_t bench_xmalloc(uint64_t iters)
{
	xm.per_producer = iters * XM_BATCHES;
	xm.producing = XM_PROD;
	run_threads(XM_PROD + XM_CONS, xm_thread);
	return XM_PROD * xm.per_producer * (XM_BATCH + 1);
}

/* ---- cache-thrash and cache-scratch (Berger et al., Hoard) ---- */
static uint64_t cache_iters;
static void *cache_objs[NT];

static void cache_loop(void)
{
	for (uint64_t i = 0; i < cache_iters; i++) {
		volatile char *p = xmalloc(8);
		for (int k = 0; k < 50; k++)
			p[k & 7] = (char)(p[k & 7] + 1);
		free((void *)p);
	}
}

static void *cthrash_thread(void *arg)
{
	(void)arg;
	cache_loop();
	return 0;
}

static void *cscratch_thread(void *arg)
{
	free(cache_objs[(uintptr_t)arg]);
	cache_loop();
	return 0;
}

uint64_t bench_cthrash(uint64_t iters)
{
	cache_iters = iters * 1000;
	run_threads(NT, cthrash_thread);
	return cache_iters * NT;
}

uint64_t bench_cscratch(uint64_t iters)
{
	cache_iters = iters * 1000;
	for (int t = 0; t < NT; t++)
		cache_objs[t] = xmalloc(8);
	run_threads(NT, cscratch_thread);
	return cache_iters * NT;
}

/* ---- random replacement in a per-thread working set ---- */
struct replace_job {
	unsigned slots;
	uint64_t steps;
	size_t (*size)(uint64_t *s);
	int walk; /* alloctest: an empty slot is filled, a full one freed */
};
static struct replace_job rj;

static void *replace_thread(void *arg)
{
	uint64_t s = 0xd1b54a32d192ed03ull * ((uintptr_t)arg + 1);
	void **a = xmalloc(rj.slots * sizeof(void *));
	memset(a, 0, rj.slots * sizeof(void *));
	for (uint64_t i = 0; i < rj.steps; i++) {
		void **slot = &a[rnd(&s) % rj.slots];
		if (rj.walk && *slot) {
			free(*slot);
			*slot = 0;
			continue;
		}
		free(*slot);
		size_t n = rj.size(&s);
		void *p = xmalloc(n);
		if (rj.walk)
			memset(p, 0x5a, n < 64 ? n : 64);
		else
			touch(p, n);
		*slot = p;
	}
	for (unsigned i = 0; i < rj.slots; i++)
		free(a[i]);
	free(a);
	return 0;
}

/* 4 B..32 KiB, 1/x: a uniform power of two, then uniform below it */
static size_t gthread_size(uint64_t *s)
{
	uint64_t r = rnd(s);
	return 4 + (size_t)((r >> 8) & ((1ull << (2 + r % 14)) - 1));
}

uint64_t bench_gthread(uint64_t iters)
{
	rj = (struct replace_job){1024, iters * 10000, gthread_size, 0};
	run_threads(NT, replace_thread);
	return rj.steps * NT;
}

/* power law: 16 B half the time, 32 B a quarter, ... 16 KiB, plus jitter */
static size_t alloctest_size(uint64_t *s)
{
	uint64_t r = rnd(s);
	unsigned k = (unsigned)__builtin_ctzll(r | (1ull << 10));
	size_t n = (size_t)16 << k;
	return n + (size_t)((r >> 16) % n);
}

uint64_t bench_alloctest(uint64_t iters)
{
	rj = (struct replace_job){8192, iters * 20000, alloctest_size, 1};
	run_threads(NT, replace_thread);
	return rj.steps * NT / 2; /* every other step allocates */
}

/* ---- sh6bench / sh8bench ---- */
enum { SH_N = 2000 };
static uint64_t sh_iters;
/* sh8: half batches handed to thread i, a ring of SH_DEPTH (so a thread
 * that is descheduled for a moment does not stall the other at once) */
enum { SH_DEPTH = 8 };
static struct {
	void **slot[SH_DEPTH];
	uint64_t head, tail; /* head: the sender's, tail: the receiver's */
} sh_box[NT];

/* SH_N blocks of cycling sizes 1..1000 */
static void sh_alloc(void **p, uint64_t round)
{
	for (int i = 0; i < SH_N; i++) {
		size_t n = 1 + (size_t)((round * 7 + (uint64_t)i * 13) % 1000);
		touch(p[i] = xmalloc(n), n);
	}
}

static void *sh6_thread(void *arg)
{
	void **p = xmalloc(SH_N * sizeof(void *));
	for (uint64_t r = 0; r < sh_iters; r++) {
		sh_alloc(p, r + (uintptr_t)arg);
		for (int i = SH_N - 1; i >= SH_N / 2; i--) /* newest first */
			free(p[i]);
		for (int i = 0; i < SH_N / 2; i++) /* then oldest first */
			free(p[i]);
	}
	free(p);
	return 0;
}

/* Thread t frees the half batches that have arrived for it; how many */
static uint64_t sh_drain(unsigned t)
{
	uint64_t h = __atomic_load_n(&sh_box[t].head, __ATOMIC_ACQUIRE), n = 0;
	for (; sh_box[t].tail < h; n++) {
		void **q = sh_box[t].slot[sh_box[t].tail % SH_DEPTH];
		for (int i = 0; i < SH_N / 2; i++) /* oldest first */
			free(q[i]);
		free(q);
		__atomic_store_n(&sh_box[t].tail, sh_box[t].tail + 1, __ATOMIC_RELEASE);
	}
	return n;
}

static void *sh8_thread(void *arg)
{
	unsigned t = (unsigned)(uintptr_t)arg, next = (t + 1) % NT;
	uint64_t got = 0;
	for (uint64_t r = 0; r < sh_iters; r++) {
		void **p = xmalloc(SH_N * sizeof(void *));
		sh_alloc(p, r + t);
		for (int i = SH_N - 1; i >= SH_N / 2; i--)
			free(p[i]);
		/* the older half (and the array) goes to the next thread */
		uint64_t h = sh_box[next].head;
		while (h - __atomic_load_n(&sh_box[next].tail, __ATOMIC_ACQUIRE) == SH_DEPTH) {
			uint64_t n = sh_drain(t);
			got += n;
			if (!n)
				sched_yield();
		}
		sh_box[next].slot[h % SH_DEPTH] = p;
		__atomic_store_n(&sh_box[next].head, h + 1, __ATOMIC_RELEASE);
		got += sh_drain(t);
	}
	while (got < sh_iters) {
		uint64_t n = sh_drain(t);
		got += n;
		if (!n)
			sched_yield();
	}
	return 0;
}

uint64_t bench_sh6(uint64_t iters)
{
	sh_iters = iters * 5;
	run_threads(NT, sh6_thread);
	return sh_iters * SH_N * NT;
}

uint64_t bench_sh8(uint64_t iters)
{
	sh_iters = iters * 5;
	memset(sh_box, 0, sizeof(sh_box));
	run_threads(NT, sh8_thread);
	return sh_iters * (SH_N + 1) * NT;
}

/* ---- larson with thread replacement ---- */
enum { LR_SLOTS = 2000, LR_ROUND = 10000 };
static struct {
	pthread_mutex_t m;
	pthread_cond_t done;
	unsigned running;
	uint64_t generations;
} lr = {.m = PTHREAD_MUTEX_INITIALIZER, .done = PTHREAD_COND_INITIALIZER};

struct lr_chain {
	void **a;
	uint64_t gen, seed;
};

static void *lr_thread(void *arg)
{
	struct lr_chain *c = arg;
	for (int i = 0; i < LR_ROUND; i++) {
		uint64_t k = rnd(&c->seed) % LR_SLOTS;
		free(c->a[k]);
		size_t n = small_size(&c->seed);
		touch(c->a[k] = xmalloc(n), n);
	}
	if (++c->gen < lr.generations) {
		xthread(0, lr_thread, c); /* the successor inherits the array */
		return 0;
	}
	pthread_mutex_lock(&lr.m);
	lr.running--;
	pthread_cond_signal(&lr.done);
	pthread_mutex_unlock(&lr.m);
	return 0;
}

uint64_t bench_larsonr(uint64_t iters)
{
	static struct lr_chain chain[NT];
	uint64_t s = 4141;
	lr.generations = iters;
	lr.running = NT;
	for (int t = 0; t < NT; t++) {
		chain[t] =
			(struct lr_chain){xmalloc(LR_SLOTS * sizeof(void *)), 0, 77 + (uint64_t)t};
		for (int i = 0; i < LR_SLOTS; i++) {
			size_t n = small_size(&s);
			touch(chain[t].a[i] = xmalloc(n), n);
		}
	}
	for (int t = 0; t < NT; t++)
		xthread(0, lr_thread, &chain[t]);
	pthread_mutex_lock(&lr.m);
	while (lr.running)
		pthread_cond_wait(&lr.done, &lr.m);
	pthread_mutex_unlock(&lr.m);
	for (int t = 0; t < NT; t++) {
		for (int i = 0; i < LR_SLOTS; i++)
			free(chain[t].a[i]);
		free(chain[t].a);
	}
	return iters * LR_ROUND * NT;
}
