/* SPDX-License-Identifier: MIT */
/*
 * guest/net/net.c - include/perfkern/net.h on the executors: it picks the
 * instance that owns a socket, runs the stack's op on that CPU (straight
 * in from a task there, else as a short task on it), and waits for the
 * socket's events between tries. Outside the stack: it calls lwIP only
 * through struct pk_net_ops (net_inst.h).
 *
 * Waiting: the caller puts a watch holding a sched_irq_event of its own
 * CPU on the socket BEFORE the try, so an event between the try and the
 * wait leaves the event pending and the wait returns at once. The stack
 * signals watchers from pk_sock_notify under the socket's watch lock,
 * which unwatch takes too: a watch is never signalled after it left.
 */
#include "include/perfkern/net.h"

#include "guest/linux/errno.h"
#include "lib/heap/heap.h"
#include "lib/kstring/kstring.h"
#include "net_inst.h"

#ifdef PK_NET_STACK
extern const struct pk_net_ops pk_net_stack_ops; /* the one instance (sock.c) */
#endif

const struct pk_net_ops *pk_net_ops_on(unsigned cpu)
{
#ifdef PK_NET_STACK
	return cpu == 0 ? &pk_net_stack_ops : 0;
#else
	(void)cpu;
	return 0;
#endif
}

void pk_sock_init(struct pk_sock *s, unsigned cpu, int type)
{
	memset(s, 0, sizeof(*s));
	s->cpu = cpu;
	s->type = type;
	s->wlock = (struct spinlock)SPINLOCK_INIT;
}

#define ALWAYS (PK_POLLERR | PK_POLLHUP)

void pk_sock_notify(struct pk_sock *s, unsigned ev)
{
	__atomic_store_n(&s->events, ev, __ATOMIC_RELEASE);
	__atomic_add_fetch(&s->gen, 1, __ATOMIC_RELEASE);
	spin_lock(&s->wlock);
	for (struct pk_sock_watch *w = s->watchers; w; w = w->next)
		if (ev & (w->want | ALWAYS))
			sched_irq_signal(w->ev);
	spin_unlock(&s->wlock);
}

void pk_sock_watch(struct pk_sock *s, struct pk_sock_watch *w)
{
	spin_lock(&s->wlock);
	w->next = s->watchers;
	s->watchers = w;
	spin_unlock(&s->wlock);
}

void pk_sock_unwatch(struct pk_sock *s, struct pk_sock_watch *w)
{
	spin_lock(&s->wlock);
	for (struct pk_sock_watch **p = &s->watchers; *p; p = &(*p)->next)
		if (*p == w) {
			*p = w->next;
			break;
		}
	spin_unlock(&s->wlock);
}

unsigned pk_sock_events(const struct pk_sock *s)
{
	return __atomic_load_n(&s->events, __ATOMIC_ACQUIRE);
}

/* --- running an op on the owner's CPU --- */

struct net_call {
	long (*fn)(struct net_call *c);
	const struct pk_net_ops *ops;
	struct pk_sock *s;
	void *buf;
	const void *cbuf;
	size_t n;
	int flags, arg;
	struct pk_sockaddr *addr;
	const struct pk_sockaddr *caddr;
	struct pk_sock **out;
	long ret;
};

static void *call_task(void *arg)
{
	struct net_call *c = arg;
	c->ret = c->fn(c);
	return 0;
}

static long on_cpu(unsigned cpu, struct net_call *c)
{
	c->ops = pk_net_ops_on(cpu);
	if (!c->ops)
		return -ENETDOWN;
	if (sched_cpu_self() == cpu)
		return c->fn(c);
	struct task *t = sched_spawn_on(cpu, call_task, c, "net-call");
	if (!t)
		return -ENOMEM;
	sched_join(t);
	return c->ret;
}

static uint64_t deadline_of(uint64_t timeout_ns)
{
	return timeout_ns == PK_NET_FOREVER ? UINT64_MAX
					    : sched_clock() + sched_ns_to_ticks(timeout_ns);
}

/* The time left until deadline in ns (for sched_irq_wait), 0 when past. */
static uint64_t left_ns(uint64_t deadline)
{
	if (deadline == UINT64_MAX)
		return UINT64_MAX;
	uint64_t now = sched_clock();
	if (now >= deadline)
		return 0;
	/* ticks to ns through the inverse of sched_ns_to_ticks(1 ms) */
	uint64_t per_ms = sched_ns_to_ticks(1000000);
	return per_ms ? (deadline - now) * 1000000 / per_ms : 0;
}

/* Try c on the owner until it stops saying -EAGAIN (retry: that value
 * too, for connect's -EALREADY), want turns true and the deadline allows. */
static long run_waiting(struct net_call *c, unsigned want, uint64_t timeout_ns, long retry)
{
	long r;
	if (timeout_ns == 0) {
		r = on_cpu(c->s->cpu, c);
		if (r == retry) /* a busy poller: let the stack's task run */
			sched_yield();
		return r;
	}
	uint64_t deadline = deadline_of(timeout_ns);
	struct sched_irq_event ev;
	sched_irq_event_init(&ev, sched_cpu_self());
	struct pk_sock_watch w = {&ev, want, 0};
	pk_sock_watch(c->s, &w);
	for (;;) {
		r = on_cpu(c->s->cpu, c);
		if (r != retry)
			break;
		uint64_t left = left_ns(deadline);
		if (!left)
			break;
		if (sched_irq_wait(&ev, left) == SCHED_ECANCELED) {
			r = -EINTR;
			break;
		}
	}
	pk_sock_unwatch(c->s, &w);
	return r;
}

/* --- the calls --- */

static long do_new(struct net_call *c)
{
	int r = c->ops->start(0);
	return r ? r : c->ops->sock_new(c->arg, c->out);
}

int pk_sock_open(int type, struct pk_sock **out)
{
	if (type != PK_SOCK_STREAM && type != PK_SOCK_DGRAM)
		return -EINVAL;
	/* the caller's own instance when it has one, else the first */
	unsigned cpu = pk_net_ops_on(sched_cpu_self()) ? sched_cpu_self() : 0;
	struct net_call c = {.fn = do_new, .arg = type, .out = out};
	return (int)on_cpu(cpu, &c);
}

static long do_bind(struct net_call *c)
{
	return c->ops->sock_bind(c->s, c->caddr);
}

int pk_sock_bind(struct pk_sock *s, const struct pk_sockaddr *a)
{
	struct net_call c = {.fn = do_bind, .s = s, .caddr = a};
	return (int)on_cpu(s->cpu, &c);
}

static long do_listen(struct net_call *c)
{
	return c->ops->sock_listen(c->s, c->arg);
}

int pk_sock_listen(struct pk_sock *s, int backlog)
{
	struct net_call c = {.fn = do_listen, .s = s, .arg = backlog};
	return (int)on_cpu(s->cpu, &c);
}

static long do_accept(struct net_call *c)
{
	return c->ops->sock_accept(c->s, c->out, c->addr);
}

int pk_sock_accept(struct pk_sock *s, uint64_t timeout_ns, struct pk_sock **out,
		   struct pk_sockaddr *peer)
{
	struct net_call c = {.fn = do_accept, .s = s, .out = out, .addr = peer};
	return (int)run_waiting(&c, PK_POLLIN, timeout_ns, -EAGAIN);
}

static long do_connect(struct net_call *c)
{
	int first = c->arg;
	c->arg = 0;
	return c->ops->sock_connect(c->s, c->caddr, first);
}

int pk_sock_connect(struct pk_sock *s, const struct pk_sockaddr *to, uint64_t timeout_ns)
{
	struct net_call c = {.fn = do_connect, .s = s, .caddr = to, .arg = 1};
	long r = on_cpu(s->cpu, &c);
	if (r != -EINPROGRESS || timeout_ns == 0 || s->type != PK_SOCK_STREAM)
		return (int)r;
	r = run_waiting(&c, PK_POLLOUT, timeout_ns, -EALREADY);
	return (int)(r == -EALREADY ? -ETIMEDOUT : r);
}

static long do_recv(struct net_call *c)
{
	return c->ops->sock_recv(c->s, c->buf, c->n, c->flags, c->addr);
}

long pk_sock_recv(struct pk_sock *s, void *buf, size_t n, int flags, uint64_t timeout_ns,
		  struct pk_sockaddr *from)
{
	if (flags & PK_MSG_DONTWAIT)
		timeout_ns = 0;
	struct net_call c = {.fn = do_recv,
			     .s = s,
			     .buf = buf,
			     .n = n,
			     .flags = flags & ~PK_MSG_WAITALL,
			     .addr = from};
	long r = run_waiting(&c, PK_POLLIN | PK_POLLRDHUP, timeout_ns, -EAGAIN);
	if (!(flags & PK_MSG_WAITALL) || s->type != PK_SOCK_STREAM || r <= 0 || flags & PK_MSG_PEEK)
		return r;
	/* MSG_WAITALL: the rest too, until EOF, an error or the timeout */
	size_t got = (size_t)r;
	while (got < n) {
		c.buf = (uint8_t *)buf + got;
		c.n = n - got;
		r = run_waiting(&c, PK_POLLIN | PK_POLLRDHUP, timeout_ns, -EAGAIN);
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	return (long)got;
}

static long do_send(struct net_call *c)
{
	return c->ops->sock_send(c->s, c->cbuf, c->n, c->flags, c->caddr);
}

long pk_sock_send(struct pk_sock *s, const void *buf, size_t n, int flags, uint64_t timeout_ns,
		  const struct pk_sockaddr *to)
{
	if (flags & PK_MSG_DONTWAIT)
		timeout_ns = 0;
	struct net_call c = {
		.fn = do_send, .s = s, .cbuf = buf, .n = n, .flags = flags, .caddr = to};
	if (s->type != PK_SOCK_STREAM)
		return run_waiting(&c, PK_POLLOUT, timeout_ns, -EAGAIN);
	/* a stream: every byte, each piece as the send buffer makes room
	 * (the waiting is the backpressure) */
	size_t done = 0;
	uint64_t deadline = deadline_of(timeout_ns);
	do {
		c.cbuf = (const uint8_t *)buf + done;
		c.n = n - done;
		uint64_t left = timeout_ns == 0 ? 0 : left_ns(deadline);
		long r = run_waiting(&c, PK_POLLOUT, left, -EAGAIN);
		if (r < 0)
			return done ? (long)done : r;
		done += (size_t)r;
		if (timeout_ns == 0 || (deadline != UINT64_MAX && sched_clock() >= deadline))
			break;
	} while (done < n);
	return (long)done;
}

static long do_shutdown(struct net_call *c)
{
	return c->ops->sock_shutdown(c->s, c->arg);
}

int pk_sock_shutdown(struct pk_sock *s, int how)
{
	struct net_call c = {.fn = do_shutdown, .s = s, .arg = how};
	return (int)on_cpu(s->cpu, &c);
}

static long do_close(struct net_call *c)
{
	c->ops->sock_close(c->s);
	return 0;
}

void pk_sock_close(struct pk_sock *s)
{
	if (!s)
		return;
	struct net_call c = {.fn = do_close, .s = s};
	on_cpu(s->cpu, &c);
}

static long do_name(struct net_call *c)
{
	return c->ops->sock_name(c->s, c->arg, c->addr);
}

int pk_sock_name(struct pk_sock *s, int peer, struct pk_sockaddr *out)
{
	struct net_call c = {.fn = do_name, .s = s, .arg = peer, .addr = out};
	return (int)on_cpu(s->cpu, &c);
}

static long do_setopt(struct net_call *c)
{
	return c->ops->sock_setopt(c->s, c->arg, c->flags);
}

int pk_sock_setopt(struct pk_sock *s, int opt, int val)
{
	struct net_call c = {.fn = do_setopt, .s = s, .arg = opt, .flags = val};
	return (int)on_cpu(s->cpu, &c);
}

static long do_getopt(struct net_call *c)
{
	return c->ops->sock_getopt(c->s, c->arg, c->buf);
}

int pk_sock_getopt(struct pk_sock *s, int opt, int *val)
{
	struct net_call c = {.fn = do_getopt, .s = s, .arg = opt, .buf = val};
	return (int)on_cpu(s->cpu, &c);
}

int pk_sock_poll(struct pk_sock *const *s, const unsigned *want, unsigned *got, unsigned n,
		 uint64_t timeout_ns)
{
	struct sched_irq_event ev;
	sched_irq_event_init(&ev, sched_cpu_self());
	struct pk_sock_watch wl[16];
	struct pk_sock_watch *w = n <= 16 ? wl : kmalloc(n * sizeof(*w));
	if (!w)
		return -ENOMEM;
	for (unsigned i = 0; i < n; i++) {
		w[i] = (struct pk_sock_watch){&ev, want[i], 0};
		pk_sock_watch(s[i], &w[i]);
	}
	uint64_t deadline = deadline_of(timeout_ns);
	int ready;
	for (;;) {
		ready = 0;
		for (unsigned i = 0; i < n; i++) {
			got[i] = pk_sock_events(s[i]) & (want[i] | ALWAYS);
			ready += got[i] != 0;
		}
		uint64_t left = timeout_ns == 0 ? 0 : left_ns(deadline);
		if (ready || !left) {
			sched_yield(); /* see run_waiting */
			break;
		}
		if (sched_irq_wait(&ev, left) == SCHED_ECANCELED) {
			ready = -EINTR;
			break;
		}
	}
	for (unsigned i = 0; i < n; i++)
		pk_sock_unwatch(s[i], &w[i]);
	if (w != wl)
		kfree(w);
	return ready;
}

int pk_listen(uint16_t port, int backlog, int conn_limit, struct pk_sock **out)
{
	struct pk_sock *s;
	int r = pk_sock_open(PK_SOCK_STREAM, &s);
	if (r < 0)
		return r;
	struct pk_sockaddr a = {0, port};
	if ((r = pk_sock_setopt(s, PK_SO_REUSEADDR, 1)) < 0 || (r = pk_sock_bind(s, &a)) < 0 ||
	    (r = pk_sock_setopt(s, PK_SO_CONNLIMIT, conn_limit)) < 0 ||
	    (r = pk_sock_listen(s, backlog)) < 0) {
		pk_sock_close(s);
		return r;
	}
	*out = s;
	return 0;
}

int pk_connect(uint32_t ip, uint16_t port, uint64_t timeout_ns, struct pk_sock **out)
{
	struct pk_sock *s;
	int r = pk_sock_open(PK_SOCK_STREAM, &s);
	if (r < 0)
		return r;
	struct pk_sockaddr a = {ip, port};
	if ((r = pk_sock_connect(s, &a, timeout_ns)) < 0) {
		pk_sock_close(s);
		return r;
	}
	*out = s;
	return 0;
}
