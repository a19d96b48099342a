/* SPDX-License-Identifier: MIT */
/*
 * guest/sched/stacks.c - task stacks for the kernel: page runs from the
 * frame allocator with the 4 KiB page below each one unmapped, so an
 * overflow faults (and trap.c names the task) instead of overwriting the
 * neighbour. Guarding a page costs a TLB shootdown on every CPU, so freed
 * stacks stay guarded in a free list per size and are handed out again;
 * only sizes other than the default go back to the frame allocator.
 */
#include "guest/arch/layout.h"
#include "guest/arch/spinlock.h"
#include "guest/arch/trap.h"
#include "lib/heap/pages.h"
#include "guest/mm/paging.h"
#include "lib/sched/sched.h"

#define POOL_MAX 4096 /* default-size stacks kept guarded for reuse */

struct free_stack {
	struct free_stack *next;
};

static struct free_stack *pool; /* default-size stacks, guard intact */
static unsigned pool_len;
static struct spinlock pool_lock = SPINLOCK_INIT;
static uint64_t stacks_guard_failed;

static size_t round_pages(size_t size)
{
	return (size + PAGE_SIZE - 1) & ~(size_t)(PAGE_SIZE - 1);
}

void *sched_stack_alloc(size_t size)
{
	size = round_pages(size);
	if (size == SCHED_STACK_DEFAULT) {
		uint64_t f = spin_lock_irqsave(&pool_lock);
		struct free_stack *s = pool;
		if (s) {
			pool = s->next;
			pool_len--;
		}
		spin_unlock_irqrestore(&pool_lock, f);
		if (s)
			return s;
	}
	uint8_t *base = pages_alloc(size + PAGE_SIZE, PAGE_SIZE);
	if (!base)
		return 0;
	if (paging_guard(base) < 0) {
		/* no guard, no stack: an unguarded one would hide overflows */
		stacks_guard_failed++;
		pages_free(base, size + PAGE_SIZE);
		return 0;
	}
	return base + PAGE_SIZE;
}

void sched_stack_free(void *stack, size_t size)
{
	size = round_pages(size);
	if (size == SCHED_STACK_DEFAULT) {
		uint64_t f = spin_lock_irqsave(&pool_lock);
		int keep = pool_len < POOL_MAX;
		if (keep) {
			struct free_stack *s = stack;
			s->next = pool;
			pool = s;
			pool_len++;
		}
		spin_unlock_irqrestore(&pool_lock, f);
		if (keep)
			return;
	}
	uint8_t *base = (uint8_t *)stack - PAGE_SIZE;
	paging_unguard(base);
	pages_free(base, size + PAGE_SIZE);
}

/* For a fatal exception's report (arch/trap.h): the running task's name
 * when fault_addr is in the guard page below its stack, and its stack as
 * the range the backtrace walks when rsp is on it. */
static void sched_trap_describe(uint64_t fault_addr, uint64_t rsp, struct trap_context *out)
{
	struct task *t = sched_current();
	if (!t)
		return;
	uint64_t lo = (uint64_t)t->stack, hi = lo + t->stack_size;
	if (fault_addr >= lo - PAGE_SIZE && fault_addr < lo)
		out->guard_owner = t->name;
	if (rsp >= lo - STACK_GUARD && rsp < hi) {
		out->stack_lo = lo;
		out->stack_hi = hi;
	}
}

void sched_init(void)
{
	trap_set_describer(sched_trap_describe);
}
