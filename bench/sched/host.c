/* SPDX-License-Identifier: MIT */
/*
 * bench/sched/host.c - the host half of the `sched` bench suite: the
 * scheduler's hosted build (the same guest/sched source, one pthread per
 * executor) against what a user would otherwise pick, in one run:
 *   switch      one context switch: perfkern yield ping-pong between two
 *               tasks / swapcontext / Boost.Context jump_fcontext / a
 *               pthread condvar hand-off between two threads
 *   spawn_join  create a context, run an empty function, reclaim it
 *   wake        cross-thread wakeup round trip / 2 (perfkern channel
 *               ping-pong between two executors vs pthread condvars)
 *   chan        one item through a 64-slot channel on one executor vs a
 *               mutex/condvar bounded queue between two threads
 * One CSV row per measurement on stdout: bench,impl,ns_per_op,ops.
 * Iterations double to a time budget; the median of 5 runs counts.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <ucontext.h>

#include "lib/sched/sched.h"

static double budget_s = 0.1;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* fn(ops) runs ops operations; prints the median ns per op of 5 runs. */
static void measure(const char *bench, const char *impl, void (*fn)(uint64_t ops))
{
	uint64_t ops = 16;
	for (;;) {
		double t0 = now_s();
		fn(ops);
		if (now_s() - t0 >= budget_s || ops >= (1ull << 32))
			break;
		ops *= 2;
	}
	double ns[5];
	for (int r = 0; r < 5; r++) {
		double t0 = now_s();
		fn(ops);
		ns[r] = (now_s() - t0) * 1e9 / (double)ops;
	}
	qsort(ns, 5, sizeof(ns[0]), cmp_double);
	printf("%s,%s,%.2f,%lu\n", bench, impl, ns[2], (unsigned long)ops);
	fflush(stdout);
}

/* ---- perfkern ---- */
static void *pk_yielder(void *arg)
{
	for (uint64_t i = 0; i < (uint64_t)arg; i++)
		pk_sched_yield();
	return 0;
}

static void pk_switch(uint64_t ops)
{
	struct task *a = sched_spawn(pk_yielder, (void *)(ops / 2), "a");
	struct task *b = sched_spawn(pk_yielder, (void *)(ops / 2), "b");
	sched_join(a);
	sched_join(b);
}

static void *pk_nothing(void *arg)
{
	return arg;
}

static void pk_spawn_join(uint64_t ops)
{
	for (uint64_t i = 0; i < ops; i++)
		sched_join(sched_spawn(pk_nothing, 0, 0));
}

static struct chan ping, pong;
static void *ping_buf[1], *pong_buf[1];

static void *pk_ponger(void *arg)
{
	void *v;
	for (uint64_t i = 0; i < (uint64_t)arg; i++) {
		chan_recv(&ping, &v);
		chan_send(&pong, v);
	}
	return 0;
}

static void *pk_pinger(void *arg)
{
	void *v;
	for (uint64_t i = 0; i < (uint64_t)arg; i++) {
		chan_send(&ping, (void *)i);
		chan_recv(&pong, &v);
	}
	return 0;
}

static void pk_wake(uint64_t ops)
{
	/* ops wakeups = ops / 2 round trips, between executors 1 and 2 */
	chan_init(&ping, ping_buf, 1);
	chan_init(&pong, pong_buf, 1);
	struct task *b = sched_spawn_on(2, pk_ponger, (void *)(ops / 2), "pong");
	struct task *a = sched_spawn_on(1, pk_pinger, (void *)(ops / 2), "ping");
	sched_join(a);
	sched_join(b);
}

static struct chan tp;
static void *tp_buf[64];

static void *pk_producer(void *arg)
{
	for (uint64_t i = 0; i < (uint64_t)arg; i++)
		chan_send(&tp, (void *)i);
	return 0;
}

static void *pk_consumer(void *arg)
{
	void *v;
	for (uint64_t i = 0; i < (uint64_t)arg; i++)
		chan_recv(&tp, &v);
	return 0;
}

static void pk_chan(uint64_t ops)
{
	chan_init(&tp, tp_buf, 64);
	struct task *c = sched_spawn(pk_consumer, (void *)ops, "consumer");
	struct task *p = sched_spawn(pk_producer, (void *)ops, "producer");
	sched_join(p);
	sched_join(c);
}

/* ---- ucontext ---- */
static ucontext_t uc_main, uc_other;
static uint64_t uc_left;

static void uc_bouncer(void)
{
	while (uc_left) {
		uc_left--;
		swapcontext(&uc_other, &uc_main);
	}
}

static void uc_switch(uint64_t ops)
{
	static char stack[64 * 1024];
	getcontext(&uc_other);
	uc_other.uc_stack.ss_sp = stack;
	uc_other.uc_stack.ss_size = sizeof(stack);
	uc_other.uc_link = &uc_main;
	makecontext(&uc_other, uc_bouncer, 0);
	uc_left = ops / 2; /* each round trip is two switches */
	while (uc_left)
		swapcontext(&uc_main, &uc_other);
	swapcontext(&uc_main, &uc_other); /* let it return */
}

static void uc_nothing(void)
{
}

static void uc_spawn_join(uint64_t ops)
{
	for (uint64_t i = 0; i < ops; i++) {
		/* what a spawn costs with ucontext: a stack, a context, a run */
		void *stack = aligned_alloc(64, SCHED_STACK_DEFAULT);
		getcontext(&uc_other);
		uc_other.uc_stack.ss_sp = stack;
		uc_other.uc_stack.ss_size = SCHED_STACK_DEFAULT;
		uc_other.uc_link = &uc_main;
		makecontext(&uc_other, uc_nothing, 0);
		swapcontext(&uc_main, &uc_other);
		free(stack);
	}
}

/* ---- Boost.Context fcontext (its C ABI, boost/context/detail/fcontext.hpp) ---- */
#ifdef HAVE_FCONTEXT
typedef void *fcontext_t;
typedef struct {
	fcontext_t fctx;
	void *data;
} transfer_t;
transfer_t jump_fcontext(fcontext_t const to, void *vp);
fcontext_t make_fcontext(void *sp, size_t size, void (*fn)(transfer_t));

static void fc_bouncer(transfer_t t)
{
	for (;;)
		t = jump_fcontext(t.fctx, 0);
}

static void fc_switch(uint64_t ops)
{
	static char stack[64 * 1024];
	fcontext_t f = make_fcontext(stack + sizeof(stack), sizeof(stack), fc_bouncer);
	for (uint64_t i = 0; i < ops / 2; i++)
		f = jump_fcontext(f, 0).fctx; /* there and back: two switches */
}

static void fc_once(transfer_t t)
{
	jump_fcontext(t.fctx, 0); /* return to the creator, never resumed */
}

static void fc_spawn_join(uint64_t ops)
{
	for (uint64_t i = 0; i < ops; i++) {
		char *stack = aligned_alloc(64, SCHED_STACK_DEFAULT);
		fcontext_t f =
			make_fcontext(stack + SCHED_STACK_DEFAULT, SCHED_STACK_DEFAULT, fc_once);
		jump_fcontext(f, 0);
		free(stack);
	}
}
#endif

/* ---- pthreads ---- */
static pthread_mutex_t pm = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pc = PTHREAD_COND_INITIALIZER;
static uint64_t turn, pt_limit; /* whose turn: even = main, odd = other */

static void *pt_other(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&pm);
	for (;;) {
		while (!(turn & 1) && turn < pt_limit)
			pthread_cond_wait(&pc, &pm);
		if (turn >= pt_limit)
			break;
		turn++;
		pthread_cond_broadcast(&pc);
	}
	pthread_mutex_unlock(&pm);
	return 0;
}

static void pt_pingpong(uint64_t ops)
{
	pthread_t t;
	turn = 0;
	pt_limit = ops;
	pthread_create(&t, 0, pt_other, 0);
	pthread_mutex_lock(&pm);
	while (turn < pt_limit) {
		while ((turn & 1) && turn < pt_limit)
			pthread_cond_wait(&pc, &pm);
		if (turn < pt_limit) {
			turn++;
			pthread_cond_broadcast(&pc);
		}
	}
	pthread_mutex_unlock(&pm);
	pthread_join(t, 0);
}

static void *pt_nothing(void *arg)
{
	return arg;
}

static void pt_spawn_join(uint64_t ops)
{
	for (uint64_t i = 0; i < ops; i++) {
		pthread_t t;
		pthread_create(&t, 0, pt_nothing, 0);
		pthread_join(t, 0);
	}
}

/* a 64-slot bounded queue with a mutex and two condvars */
static struct {
	pthread_mutex_t m;
	pthread_cond_t not_full, not_empty;
	uint64_t head, count, buf[64];
} q = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, {0}};

static void *pt_consumer(void *arg)
{
	for (uint64_t i = 0; i < (uint64_t)arg; i++) {
		pthread_mutex_lock(&q.m);
		while (!q.count)
			pthread_cond_wait(&q.not_empty, &q.m);
		q.head = (q.head + 1) % 64;
		q.count--;
		pthread_cond_signal(&q.not_full);
		pthread_mutex_unlock(&q.m);
	}
	return 0;
}

static void pt_chan(uint64_t ops)
{
	pthread_t t;
	pthread_create(&t, 0, pt_consumer, (void *)ops);
	for (uint64_t i = 0; i < ops; i++) {
		pthread_mutex_lock(&q.m);
		while (q.count == 64)
			pthread_cond_wait(&q.not_full, &q.m);
		q.buf[(q.head + q.count) % 64] = i;
		q.count++;
		pthread_cond_signal(&q.not_empty);
		pthread_mutex_unlock(&q.m);
	}
	pthread_join(t, 0);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		budget_s = atof(argv[1]);
	if (!(budget_s > 0 && budget_s <= 60)) {
		fprintf(stderr, "usage: %s [BUDGET_SECONDS (0-60]]\n", argv[0]);
		return 2;
	}
	printf("bench,impl,ns_per_op,ops\n");
	measure("switch", "perfkern", pk_switch);
	measure("switch", "ucontext", uc_switch);
#ifdef HAVE_FCONTEXT
	measure("switch", "fcontext", fc_switch);
#endif
	measure("switch", "pthread", pt_pingpong);
	measure("spawn_join", "perfkern", pk_spawn_join);
	measure("spawn_join", "ucontext", uc_spawn_join);
#ifdef HAVE_FCONTEXT
	measure("spawn_join", "fcontext", fc_spawn_join);
#endif
	measure("spawn_join", "pthread", pt_spawn_join);
	measure("chan", "perfkern", pk_chan);
	measure("chan", "pthread", pt_chan);
	if (sched_host_start(3) == 0) {
		measure("wake", "perfkern", pk_wake);
		sched_host_stop();
	}
	measure("wake", "pthread", pt_pingpong);
	return 0;
}
