/* SPDX-License-Identifier: MIT */
/*
 * lib/heap/heap_host.c - the heap's platform on a POSIX host
 * (lib/heap/heap_plat_host.h): the per-thread heap pointer, the slow-path
 * lock (fork-safe through pthread_atfork), the thread-exit hook that hands
 * a dying thread's heap to the next thread, errno and reports.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "heap_int.h"

__thread struct kh_heap *kh_tls __attribute__((tls_model("initial-exec"))) = &kh_heap_empty;

static int kh_lock_word;

void kh_plat_lock(void)
{
	while (__atomic_exchange_n(&kh_lock_word, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&kh_lock_word, __ATOMIC_RELAXED))
			sched_yield();
}

void kh_plat_unlock(void)
{
	__atomic_store_n(&kh_lock_word, 0, __ATOMIC_RELEASE);
}

/* fork: no other thread may hold the lock while the child is copied */
static void kh_fork_prepare(void)
{
	kh_plat_lock();
}

static void kh_fork_parent(void)
{
	kh_plat_unlock();
}

static void kh_fork_child(void)
{
	/* only the forking thread lives on; the other threads' heaps keep
	 * their pages (a leak bounded by the parent's footprint, as in
	 * mimalloc), frees into them go through the lock-free remote path */
	__atomic_store_n(&kh_lock_word, 0, __ATOMIC_RELEASE);
}

static pthread_key_t kh_key;
static int kh_init_state; /* 0 none, 1 running, 2 done */

static void kh_thread_exit(void *h)
{
	(void)h;
	kheap_thread_done();
}

/* Process-wide setup, on the first heap acquisition (not in a constructor:
 * malloc runs before constructors). The caller already has its heap, so
 * allocations from inside pthread_atfork take the normal path. */
static void kh_process_init(void)
{
	int expect = 0;
	if (__atomic_compare_exchange_n(&kh_init_state, &expect, 1, 0, __ATOMIC_ACQ_REL,
					__ATOMIC_ACQUIRE)) {
		pthread_key_create(&kh_key, kh_thread_exit);
		pthread_atfork(kh_fork_prepare, kh_fork_parent, kh_fork_child);
		__atomic_store_n(&kh_init_state, 2, __ATOMIC_RELEASE);
		return;
	}
	while (__atomic_load_n(&kh_init_state, __ATOMIC_ACQUIRE) != 2)
		sched_yield();
}

void kh_plat_attached(struct kh_heap *h)
{
	kh_process_init();
	pthread_setspecific(kh_key, h);
}

void kh_plat_oom(void)
{
	errno = ENOMEM;
}

void kh_plat_report(const char *what, const void *p)
{
	char buf[160];
	int n = snprintf(buf, sizeof(buf), "kheap: %s: %p\n", what, p);
	if (n > 0 && write(2, buf, (size_t)n) < 0)
		n = 0;
	abort();
}
