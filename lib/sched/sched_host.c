/* SPDX-License-Identifier: MIT */
/*
 * lib/sched/sched_host.c - the hosted environment of the scheduler: one
 * pthread per executor (the calling thread is executor 0), wakeups through
 * a mutex/condvar pair per executor, stacks from malloc with a small pool
 * per executor thread (as the kernel's stacks.c pools). Used by the unit
 * tests and host benchmarks; the kernel has guest/sched/sched_env.c + stacks.c.
 */
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "sched_int.h"

_Thread_local unsigned sched_host_cpu; /* read inline by sched_plat_host.h */
static unsigned host_ncpu = 1;
static int host_stop;
static pthread_t host_threads[SCHED_MAX_EXEC];
static struct host_wake {
	pthread_mutex_t m;
	pthread_cond_t c;
	int kicked;
} host_wake[SCHED_MAX_EXEC];

/* Freed default-size stacks stay with the executor thread that freed them
 * (a joiner's): spawn + join then costs no malloc round trip. Not under
 * ASan/TSan, whose stack and use-after-free tracking want every stack new. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define POOL_MAX 0u
#else
#define POOL_MAX 64u
#endif
struct free_stack {
	struct free_stack *next;
};
static _Thread_local struct free_stack *pool;
static _Thread_local unsigned pool_len;

void *sched_stack_alloc(size_t size)
{
	struct free_stack *s = pool;
	if (size == SCHED_STACK_DEFAULT && s) {
		pool = s->next;
		pool_len--;
		return s;
	}
	return aligned_alloc(64, size);
}

void sched_stack_free(void *stack, size_t size)
{
	if (size == SCHED_STACK_DEFAULT && pool_len + 1 <= POOL_MAX) {
		struct free_stack *s = stack;
		s->next = pool;
		pool = s;
		pool_len++;
		return;
	}
	free(stack);
}

static void pool_drain(void)
{
	while (pool) {
		struct free_stack *s = pool;
		pool = s->next;
		free(s);
	}
	pool_len = 0;
}

unsigned sched_cpu_self(void)
{
	return sched_host_cpu;
}

unsigned sched_cpu_count(void)
{
	return host_ncpu;
}

uint64_t sched_clock(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t sched_ns_to_ticks(uint64_t ns)
{
	return ns; /* host ticks are nanoseconds */
}

/* Executor context waits spin on the host: the thread is not in
 * host_executor's condvar loop, so there is nothing to sleep on. */
void sched_plat_idle(const struct future *f)
{
	(void)f;
	sched_relax();
}

void sched_wake(unsigned cpu)
{
	struct host_wake *w = &host_wake[cpu];
	pthread_mutex_lock(&w->m);
	w->kicked = 1;
	pthread_cond_signal(&w->c);
	pthread_mutex_unlock(&w->m);
}

/* The executor loop of one host thread: what sched_executor_loop is in the
 * kernel, with a condvar instead of hlt. */
static void *host_executor(void *arg)
{
	sched_host_cpu = (unsigned)(uintptr_t)arg;
	struct host_wake *w = &host_wake[sched_host_cpu];
	for (;;) {
		sched_poll();
		pthread_mutex_lock(&w->m);
		sched_set_idle(1);
		while (!w->kicked && !sched_has_work() &&
		       !__atomic_load_n(&host_stop, __ATOMIC_ACQUIRE)) {
			uint64_t dl = sched_next_deadline(); /* a sleeper: wait until due */
			if (dl == UINT64_MAX) {
				pthread_cond_wait(&w->c, &w->m);
				continue;
			}
			struct timespec ts = {(time_t)(dl / 1000000000ull),
					      (long)(dl % 1000000000ull)};
			pthread_cond_timedwait(&w->c, &w->m, &ts);
		}
		w->kicked = 0;
		sched_set_idle(0);
		int stop = __atomic_load_n(&host_stop, __ATOMIC_ACQUIRE) && !sched_has_work();
		pthread_mutex_unlock(&w->m);
		if (stop) {
			pool_drain();
			return 0;
		}
	}
}

int sched_host_start(unsigned n)
{
	if (n < 1 || n > SCHED_MAX_EXEC)
		return -1;
	host_ncpu = n;
	sched_host_cpu = 0;
	host_stop = 0;
	pthread_condattr_t ca; /* deadlines are sched_clock() = CLOCK_MONOTONIC */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	for (unsigned i = 0; i < n; i++) {
		pthread_mutex_init(&host_wake[i].m, 0);
		pthread_cond_init(&host_wake[i].c, &ca);
		host_wake[i].kicked = 0;
	}
	for (unsigned i = 1; i < n; i++)
		if (pthread_create(&host_threads[i], 0, host_executor, (void *)(uintptr_t)i))
			return -1;
	return 0;
}

void sched_host_stop(void)
{
	__atomic_store_n(&host_stop, 1, __ATOMIC_RELEASE);
	for (unsigned i = 1; i < host_ncpu; i++) {
		sched_wake(i);
		pthread_join(host_threads[i], 0);
	}
	host_ncpu = 1;
}
