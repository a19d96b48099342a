/* SPDX-License-Identifier: MIT */
/*
 * lib/sched/chan.c - bounded channels between tasks on any CPUs: a ring
 * of item slots and two FIFO wait queues (blocked senders, blocked
 * receivers) under one small lock. A blocked sender parks its item in its
 * own task; the receiver that makes room moves it into the ring and wakes
 * it, so a woken sender never has to retry. Outside a task (executor
 * context) send/recv keep running this CPU's tasks until they can finish.
 */
#include "sched_int.h"

int chan_init(struct chan *c, void **buf, unsigned cap)
{
	if (!buf || !cap)
		return SCHED_EINVAL;
	*c = (struct chan){.buf = buf, .cap = cap};
	return 0;
}

/* Lock held: put item at the tail of the ring (there is room). */
static void ring_put(struct chan *c, void *item)
{
	unsigned tail = c->head + c->count;
	c->buf[tail >= c->cap ? tail - c->cap : tail] = item;
	c->count++;
	c->sent++;
}

static void *ring_take(struct chan *c)
{
	void *item = c->buf[c->head];
	c->head = c->head + 1 == c->cap ? 0 : c->head + 1;
	c->count--;
	c->received++;
	return item;
}

/* One attempt. With `me`, a full channel parks me as a blocked sender
 * (returns 1: suspend and read me->wait_rc); without, SCHED_EAGAIN. */
static int send_once(struct chan *c, void *item, struct task *me)
{
	sched_lock(&c->lock);
	if (c->closed) {
		sched_unlock(&c->lock);
		return SCHED_EPIPE;
	}
	if (c->count < c->cap) {
		ring_put(c, item);
		struct task *r = sched_fifo_pop(&c->receivers);
		sched_unlock(&c->lock);
		if (r)
			sched_make_ready(r);
		return 0;
	}
	if (!me) {
		sched_unlock(&c->lock);
		return SCHED_EAGAIN;
	}
	me->wait_item = item;
	me->wait_rc = SCHED_EAGAIN;
	sched_set_state(me, TASK_BLOCKED);
	sched_fifo_push(&c->senders, me);
	sched_unlock(&c->lock);
	return 1;
}

/* One attempt; with `me`, an empty channel parks me as a blocked
 * receiver (returns 1: suspend, then try again). */
static int recv_once(struct chan *c, void **item, struct task *me)
{
	sched_lock(&c->lock);
	if (c->count) {
		*item = ring_take(c);
		struct task *s = sched_fifo_pop(&c->senders);
		if (s) { /* its item takes the freed slot, in FIFO order */
			ring_put(c, s->wait_item);
			s->wait_rc = 0;
		}
		sched_unlock(&c->lock);
		if (s)
			sched_make_ready(s);
		return 0;
	}
	if (c->closed || !me) {
		sched_unlock(&c->lock);
		return c->closed ? SCHED_EPIPE : SCHED_EAGAIN;
	}
	sched_set_state(me, TASK_BLOCKED);
	sched_fifo_push(&c->receivers, me);
	sched_unlock(&c->lock);
	return 1;
}

int chan_try_send(struct chan *c, void *item)
{
	return send_once(c, item, 0);
}

int chan_try_recv(struct chan *c, void **item)
{
	return recv_once(c, item, 0);
}

int chan_send(struct chan *c, void *item)
{
	struct task *me = sched_current();
	if (me && sched_cancelled())
		return SCHED_ECANCELED;
	for (;;) {
		int rc = send_once(c, item, me);
		if (rc == 1) {
			sched_suspend();
			return me->wait_rc; /* 0: a receiver took it; EPIPE: closed */
		}
		if (rc != SCHED_EAGAIN)
			return rc;
		if (!sched_step()) /* executor context: let others drain it */
			sched_relax();
	}
}

int chan_recv(struct chan *c, void **item)
{
	struct task *me = sched_current();
	for (;;) {
		if (me && sched_cancelled())
			return SCHED_ECANCELED;
		int rc = recv_once(c, item, me);
		if (rc == 1) {
			sched_suspend(); /* woken by a send or close: look again */
			continue;
		}
		if (rc != SCHED_EAGAIN)
			return rc;
		if (!sched_step())
			sched_relax();
	}
}

void chan_close(struct chan *c)
{
	sched_lock(&c->lock);
	c->closed = 1;
	struct sched_waitq s = c->senders, r = c->receivers;
	c->senders = c->receivers = (struct sched_waitq){0, 0};
	sched_unlock(&c->lock);
	for (struct task *t = sched_fifo_pop(&s); t; t = sched_fifo_pop(&s)) {
		t->wait_rc = SCHED_EPIPE;
		sched_make_ready(t);
	}
	for (struct task *t = sched_fifo_pop(&r); t; t = sched_fifo_pop(&r))
		sched_make_ready(t);
}
