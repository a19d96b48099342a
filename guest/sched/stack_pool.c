/* SPDX-License-Identifier: MIT */
/*
 * guest/sched/stack_pool.c - task stacks for the kernel until the heap
 * (memory issue) lands: a small static pool of SCHED_STACK_DEFAULT stacks
 * behind a lock. Exhaustion returns NULL (sched_spawn fails), never
 * corruption. No guard pages yet: those need the page-table code.
 */
#include "../arch/spinlock.h"
#include "sched.h"

#define POOL_STACKS 64

static uint8_t pool[POOL_STACKS][SCHED_STACK_DEFAULT] __attribute__((aligned(4096)));
static uint64_t pool_used; /* bit i: stack i handed out */
static struct spinlock pool_lock = SPINLOCK_INIT;

void *sched_stack_alloc(size_t size)
{
	if (size > SCHED_STACK_DEFAULT)
		return 0;
	void *p = 0;
	uint64_t f = spin_lock_irqsave(&pool_lock);
	if (~pool_used) {
		int i = __builtin_ctzll(~pool_used);
		pool_used |= 1ull << i;
		p = pool[i];
	}
	spin_unlock_irqrestore(&pool_lock, f);
	return p;
}

void sched_stack_free(void *stack, size_t size)
{
	(void)size;
	uint64_t i = (uint64_t)((uint8_t(*)[SCHED_STACK_DEFAULT])stack - pool);
	uint64_t f = spin_lock_irqsave(&pool_lock);
	if (i < POOL_STACKS)
		pool_used &= ~(1ull << i);
	spin_unlock_irqrestore(&pool_lock, f);
}
