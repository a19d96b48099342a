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

void pk_sock_init(struct pk_sock *s, unsigned cpu, int type)
{
	memset(s, 0, sizeof(*s));
	s->cpu = cpu;
	s->type = type;
	s->wlock = (struct spinlock)SPINLOCK_INIT;
}

#define ALWAYS (PK_POLLERR | PK_POLLHUP)

static void wake_watchers(struct pk_sock *s, unsigned ev)
{
	spin_lock(&s->wlock);
	for (struct pk_sock_watch *w = s->watchers; w; w = w->next)
		if (ev & (w->want | ALWAYS))
			sched_irq_signal(w->ev);
	spin_unlock(&s->wlock);
}

void pk_sock_notify(struct pk_sock *s, unsigned ev)
{
	__atomic_store_n(&s->events, ev, __ATOMIC_RELEASE);
	__atomic_add_fetch(&s->gen, 1, __ATOMIC_RELEASE);
	wake_watchers(s, ev);
	struct pk_sock *g = __atomic_load_n(&s->parent, __ATOMIC_ACQUIRE);
	if (g && g != s) { /* a group member: the group's watchers too */
		__atomic_add_fetch(&g->gen, 1, __ATOMIC_RELEASE);
		wake_watchers(g, ev);
	}
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
	if (!s->ngroup)
		return __atomic_load_n(&s->events, __ATOMIC_ACQUIRE);
	unsigned ev = 0; /* a group: ready when a member is */
	for (unsigned i = 0; i < s->ngroup; i++)
		ev |= __atomic_load_n(&s->group[i]->events, __ATOMIC_ACQUIRE);
	return ev;
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

/* One try of c on s, or for a group on each member (starting with the
 * caller's own instance) until one has something. */
static long try_once(struct pk_sock *s, struct net_call *c, long retry)
{
	if (!s->ngroup) {
		c->s = s;
		return on_cpu(s->cpu, c);
	}
	unsigned self = sched_cpu_self(), start = self < s->ngroup ? self : 0;
	long r = retry;
	for (unsigned k = 0; k < s->ngroup && r == retry; k++) {
		struct pk_sock *m = s->group[(start + k) % s->ngroup];
		c->s = m;
		r = on_cpu(m->cpu, c);
	}
	c->s = s;
	return r;
}

/* Try c on the owner until it stops saying -EAGAIN (retry: that value
 * too, for connect's -EALREADY), want turns true and the deadline allows. */
static long run_waiting(struct net_call *c, unsigned want, uint64_t timeout_ns, long retry)
{
	long r;
	struct pk_sock *s = c->s;
	if (timeout_ns == 0) {
		r = try_once(s, c, retry);
		if (r == retry) /* a busy poller: let the stack's task run */
			sched_yield();
		return r;
	}
	uint64_t deadline = deadline_of(timeout_ns);
	struct sched_irq_event ev;
	sched_irq_event_init(&ev, sched_cpu_self());
	struct pk_sock_watch w = {&ev, want, 0};
	pk_sock_watch(s, &w);
	for (;;) {
		r = try_once(s, c, retry);
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
	pk_sock_unwatch(s, &w);
	return r;
}

/* --- the calls --- */

/* The network, brought up by the first socket (DHCP, as apps do without
 * ip=); pk_net_up runs on CPU 0, once: later callers wait for it. */
static int net_up_state; /* atomic: 0 not yet, 1 coming up, 2 up, 3 failed */

static void *net_up_task(void *arg)
{
	(void)arg;
	struct pk_net_cfg cfg = {0, 0, 0};
	return (void *)(intptr_t)pk_net_up(&cfg, 5000000000ull);
}

static int net_ensure_up(void)
{
	int st = 0;
	if (__atomic_compare_exchange_n(&net_up_state, &st, 1, 0, __ATOMIC_ACQ_REL,
					__ATOMIC_ACQUIRE)) {
		long rc;
		if (sched_cpu_self() == 0 && !pk_net_instances())
			rc = (intptr_t)net_up_task(0);
		else {
			struct task *t = sched_spawn_on(0, net_up_task, 0, "net-up");
			rc = t ? (intptr_t)sched_join(t) : -1;
		}
		st = rc < 0 || !pk_net_instances() ? 3 : 2;
		__atomic_store_n(&net_up_state, st, __ATOMIC_RELEASE);
	}
	while ((st = __atomic_load_n(&net_up_state, __ATOMIC_ACQUIRE)) == 1)
		sched_sleep(1000000);
	return st == 2 ? 0 : -ENETDOWN;
}

static long do_new(struct net_call *c)
{
	return c->ops->sock_new(c->arg, c->out);
}

/* A new socket on cpu's instance. */
static int open_on(unsigned cpu, int type, struct pk_sock **out)
{
	struct net_call c = {.fn = do_new, .arg = type, .out = out};
	return (int)on_cpu(cpu, &c);
}

int pk_sock_open(int type, struct pk_sock **out)
{
	if (type != PK_SOCK_STREAM && type != PK_SOCK_DGRAM)
		return -EINVAL;
	int r = net_ensure_up();
	if (r)
		return r;
	/* the caller's own instance when it has one, else the first */
	unsigned cpu = pk_net_ops_on(sched_cpu_self()) ? sched_cpu_self() : 0;
	return open_on(cpu, type, out);
}

static long do_bind(struct net_call *c)
{
	return c->ops->sock_bind(c->s, c->caddr);
}

static int group_form(struct pk_sock *s, int backlog);

int pk_sock_bind(struct pk_sock *s, const struct pk_sockaddr *a)
{
	struct net_call c = {.fn = do_bind, .s = s, .caddr = a};
	int r = (int)on_cpu(s->cpu, &c);
	/* a UDP server: its datagrams are steered to every instance */
	return r || s->type != PK_SOCK_DGRAM || !a->port ? r : group_form(s, 0);
}

static long do_listen(struct net_call *c)
{
	return c->ops->sock_listen(c->s, c->arg);
}

int pk_sock_listen(struct pk_sock *s, int backlog)
{
	struct net_call c = {.fn = do_listen, .s = s, .arg = backlog};
	int r = (int)on_cpu(s->cpu, &c);
	return r ? r : group_form(s, backlog);
}

static void group_drop(struct pk_sock *s)
{
	unsigned n = __atomic_exchange_n(&s->ngroup, 0, __ATOMIC_ACQ_REL);
	for (unsigned i = 0; i < PK_NET_MAX_INST; i++) {
		if (s->group[i] && s->group[i] != s)
			pk_sock_close(s->group[i]);
		s->group[i] = 0;
	}
	(void)n;
}

/* s listens (TCP) or is bound to a port (UDP) on its instance: the same
 * on every other one, since the device and the driver steer each flow to
 * the instance its hash names. The members copy s's address (its port
 * too when the stack picked it) and SO_REUSEADDR; the connection limit
 * and count stay in s (the members' parent), and so do the watchers,
 * which members' events wake. Accept and a UDP recv take from any member. */
static int group_form(struct pk_sock *s, int backlog)
{
	unsigned n = pk_net_instances();
	if (n <= 1 || s->ngroup || s->cpu >= n)
		return 0;
	struct pk_sockaddr a;
	int reuse = 0;
	int r = pk_sock_name(s, 0, &a);
	if (!r)
		r = pk_sock_getopt(s, PK_SO_REUSEADDR, &reuse);
	s->group[s->cpu] = s;
	for (unsigned i = 0; i < n && !r; i++) {
		if (i == s->cpu)
			continue;
		struct pk_sock *m;
		if ((r = open_on(i, s->type, &m)) < 0)
			break;
		__atomic_store_n(&m->parent, s, __ATOMIC_RELEASE);
		s->group[i] = m;
		if ((r = pk_sock_setopt(m, PK_SO_REUSEADDR, reuse)) < 0)
			break;
		struct net_call c = {.fn = do_bind, .s = m, .caddr = &a};
		if ((r = (int)on_cpu(i, &c)) < 0)
			break;
		if (s->type == PK_SOCK_STREAM) {
			struct net_call l = {.fn = do_listen, .s = m, .arg = backlog};
			r = (int)on_cpu(i, &l);
		}
	}
	if (r) {
		group_drop(s);
		return r;
	}
	__atomic_store_n(&s->ngroup, n, __ATOMIC_RELEASE);
	return 0;
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
	if (s->ngroup || s->group[s->cpu < PK_NET_MAX_INST ? s->cpu : 0] == s)
		group_drop(s); /* the members first: they name s as their parent */
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
