/* SPDX-License-Identifier: MIT */
/*
 * guest/linux/futex.c - futex(2) WAIT/WAKE and their BITSET forms (the
 * private, PI-free ops glibc and musl use for mutexes, condvars, joins).
 * A waiter is a future on the waiting task's stack, queued in a hashed
 * bucket; the waker dequeues it and completes the future under the bucket
 * lock, so the waiter suspends (never spins) and its stack frame stays
 * valid until it has been told. A timed waiter waits on an irq event of
 * its own CPU instead (sched_irq_wait takes a timeout), which the waker
 * signals under the same lock: a wake reaches it at once, not at the end
 * of a polling slice.
 */
#include "guest/arch/spinlock.h"
#include "guest/arch/tsc.h"
#include "lib/sched/sched.h"
#include "linux.h"

#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_REQUEUE 3
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAKE_OP 5
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAKE_BITSET 10
#define FUTEX_PRIVATE 128
#define FUTEX_CLOCK_REALTIME 256

struct fwaiter {
	uint64_t uaddr;
	uint32_t bitset;
	int queued, timed;
	struct future done;	   /* untimed: completed by the waker */
	struct sched_irq_event ev; /* timed: signalled by the waker */
	struct fwaiter *next;
};

#define FUTEX_BUCKETS 64
static struct fbucket {
	struct spinlock lock;
	struct fwaiter *head;
} buckets[FUTEX_BUCKETS];

static struct fbucket *bucket_of(uint64_t uaddr)
{
	return &buckets[(uaddr >> 2) * 0x9e3779b97f4a7c15ull >> 58];
}

static void unlink_waiter(struct fbucket *b, struct fwaiter *w)
{
	for (struct fwaiter **p = &b->head; *p; p = &(*p)->next)
		if (*p == w) {
			*p = w->next;
			return;
		}
}

long linux_futex_wake(uint64_t uaddr, int n, uint32_t bitset)
{
	struct fbucket *b = bucket_of(uaddr);
	long woken = 0;
	spin_lock(&b->lock);
	for (struct fwaiter **p = &b->head; *p && woken < n;) {
		struct fwaiter *w = *p;
		if (w->uaddr == uaddr && (w->bitset & bitset)) {
			*p = w->next;
			w->queued = 0;
			/* under the lock: a waiter that sees queued == 0 knows we
			 * are done with its frame */
			if (w->timed)
				sched_irq_signal(&w->ev);
			else
				future_set(&w->done, 0);
			woken++;
		} else {
			p = &w->next;
		}
	}
	spin_unlock(&b->lock);
	return woken;
}

struct ktimespec {
	int64_t sec, nsec;
};

#define now_ns linux_now_ns

static long futex_wait(uint64_t uaddr, uint32_t val, uint64_t deadline_ns, uint32_t bitset)
{
	if (!bitset)
		return -EINVAL;
	struct fbucket *b = bucket_of(uaddr);
	struct fwaiter w = {uaddr, bitset, 1, deadline_ns != 0, FUTURE_INIT, {0}, 0};
	if (w.timed) /* threads are pinned: this CPU is where the wait runs */
		sched_irq_event_init(&w.ev, sched_cpu_self());
	spin_lock(&b->lock);
	/* the value check and the enqueue are one step against wakers */
	uint32_t cur = 0;
	int bad = linux_get_u32(uaddr, &cur);
	if (bad || cur != val) {
		spin_unlock(&b->lock);
		return bad ? -EFAULT : -EAGAIN;
	}
	w.next = b->head;
	b->head = &w;
	spin_unlock(&b->lock);
	if (!w.timed) {
		sched_await(&w.done);
		return 0;
	}
	for (;;) {
		uint64_t now = now_ns();
		if (now < deadline_ns && sched_irq_wait(&w.ev, deadline_ns - now) == 1)
			return 0; /* woken: dequeued by the waker */
		if (now_ns() < deadline_ns && !sched_cancelled())
			continue; /* an early return of the wait: wait on */
		spin_lock(&b->lock);
		int still = w.queued;
		if (still)
			unlink_waiter(b, &w);
		spin_unlock(&b->lock);
		/* not queued: a waker took us (and signalled) before the lock */
		return still ? -ETIMEDOUT : 0;
	}
}

static long sys_futex(uint64_t uaddr, long op, uint32_t val, uint64_t utime, uint64_t uaddr2,
		      uint32_t val3)
{
	(void)uaddr2;
	int cmd = (int)(op & ~(FUTEX_PRIVATE | FUTEX_CLOCK_REALTIME));
	if ((uaddr & 3) || !linux_uaccess_ok(uaddr, 4, 0))
		return -EFAULT;
	uint64_t deadline = 0;
	if ((cmd == FUTEX_WAIT || cmd == FUTEX_WAIT_BITSET) && utime) {
		struct ktimespec ts;
		if (linux_copy_in(&ts, utime, sizeof(ts)))
			return -EFAULT;
		if (ts.sec < 0 || ts.nsec < 0 || ts.nsec >= 1000000000)
			return -EINVAL;
		uint64_t ns = (uint64_t)ts.sec * 1000000000u + (uint64_t)ts.nsec;
		/* WAIT takes a relative timeout, WAIT_BITSET an absolute one on
		 * CLOCK_MONOTONIC (ours starts at boot, sys_time.c) */
		deadline = cmd == FUTEX_WAIT ? now_ns() + ns : ns;
		if (!deadline)
			deadline = 1;
	}
	switch (cmd) {
	case FUTEX_WAIT:
		return futex_wait(uaddr, val, deadline, ~0u);
	case FUTEX_WAIT_BITSET:
		return futex_wait(uaddr, val, deadline, val3);
	case FUTEX_WAKE:
		return linux_futex_wake(uaddr, (int)val, ~0u);
	case FUTEX_WAKE_BITSET:
		return val3 ? linux_futex_wake(uaddr, (int)val, val3) : -EINVAL;
	case FUTEX_CMP_REQUEUE: {
		uint32_t cur;
		if (linux_get_u32(uaddr, &cur))
			return -EFAULT;
		if (cur != val3)
			return -EAGAIN;
	}
		/* fall through */
	case FUTEX_REQUEUE: {
		/* waking the ones to requeue as well is allowed: a futex waiter
		 * must expect spurious wakeups and re-check its condition */
		long n = (long)val + (long)(uint32_t)utime;
		return linux_futex_wake(uaddr, n > 0x7fffffff ? 0x7fffffff : (int)n, ~0u);
	}
	default:
		return -ENOSYS; /* WAKE_OP, PI */
	}
}
LINUX_SYS(202, futex, sys_futex, "xxdxxx");
