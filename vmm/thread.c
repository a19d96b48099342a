/* SPDX-License-Identifier: MIT */
/*
 * vmm/thread.c - every vmm thread starts here, on a 1 MiB stack; and the
 * counts its start-up hand-offs wait on (vmm_count).
 *
 * glibc's default stack is 8 MiB (RLIMIT_STACK). With the host's THP set to
 * "always" (Debian's default) the first touch of a stack that holds an
 * aligned 2 MiB range makes the host zero a whole huge page; next to the
 * 2 MiB-aligned guest RAM of --hugepages auto that range is exactly the top
 * of the stack, so each thread's first call cost a 2 MiB clear: 6-20 ms of
 * a nested boot for the VM-creation thread alone (measured 2026-12-01). A
 * 1 MiB stack holds no such range. The deepest frames here are the gdb stub
 * (three 16 KiB packet buffers) and the console hypercall (64 KiB).
 */
#include <pthread.h>

#include "vmm.h"

#define VMM_THREAD_STACK (1u << 20)

int vmm_thread_start(pthread_t *t, void *(*fn)(void *), void *arg)
{
	pthread_attr_t a;
	int rc = pthread_attr_init(&a);
	if (rc)
		return rc;
	rc = pthread_attr_setstacksize(&a, VMM_THREAD_STACK);
	if (rc == 0)
		rc = pthread_create(t, &a, fn, arg);
	pthread_attr_destroy(&a);
	return rc;
}

void vmm_count_add(struct vmm_count *c)
{
	pthread_mutex_lock(&c->lock);
	c->n++;
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
}

void vmm_count_wait(struct vmm_count *c, unsigned n)
{
	pthread_mutex_lock(&c->lock);
	while (c->n < n)
		pthread_cond_wait(&c->cond, &c->lock);
	pthread_mutex_unlock(&c->lock);
}
