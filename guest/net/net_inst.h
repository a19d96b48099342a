/* SPDX-License-Identifier: MIT */
/*
 * guest/net/net_inst.h - the one door into "the stack" (lwIP plus every
 * file that calls it; docs/network.md). Code outside the stack never calls
 * lwIP and never names a stack symbol: it asks pk_net_ops_on(cpu) for that
 * CPU's instance and calls through its table. Every op runs on the
 * instance's own CPU (a task or executor context there): the stack is
 * single-threaded code without locks.
 *
 * Socket ops never wait: where Linux would block they return -EAGAIN and
 * the caller (guest/net/net.c) waits for the socket's events, which the
 * stack publishes with pk_sock_notify.
 */
#ifndef PK_NET_NET_INST_H
#define PK_NET_NET_INST_H

#include <stddef.h>
#include <stdint.h>

#include "guest/arch/spinlock.h"
#include "include/perfkern/net.h"
#include "lib/sched/sched.h"

/* Someone waiting for a socket's events (net.c). */
struct pk_sock_watch {
	struct sched_irq_event *ev; /* signalled when one of want turns true */
	unsigned want;
	struct pk_sock_watch *next;
};

/* The part of a socket both sides see; the stack's own struct starts
 * with it. */
struct pk_sock {
	unsigned cpu;	 /* the instance that owns it */
	int type;	 /* PK_SOCK_STREAM / PK_SOCK_DGRAM */
	unsigned events; /* atomic: PK_POLL* true now (pk_sock_notify) */
	unsigned gen;	 /* atomic: bumped by every notify (epoll's edge mode) */
	struct spinlock wlock;
	struct pk_sock_watch *watchers; /* under wlock; any CPU adds itself */
};

struct pk_net_ops {
	/* Bring the instance up (once; later calls return the first result):
	 * the device, lwIP (ip != 0: that address /24 with gateway .2, else
	 * DHCP) and the task that feeds it. 0 or -ENETDOWN. */
	int (*start)(uint32_t ip);
	/* Sockets: the pk_sock_* calls of include/perfkern/net.h without the
	 * waiting; -EAGAIN where they would block. */
	int (*sock_new)(int type, struct pk_sock **out);
	int (*sock_bind)(struct pk_sock *s, const struct pk_sockaddr *a);
	int (*sock_listen)(struct pk_sock *s, int backlog);
	int (*sock_accept)(struct pk_sock *s, struct pk_sock **out, struct pk_sockaddr *peer);
	/* first: a connect(2) call starts (-EINPROGRESS once under way);
	 * else a check: -EALREADY while connecting, 0 once connected */
	int (*sock_connect)(struct pk_sock *s, const struct pk_sockaddr *to, int first);
	long (*sock_recv)(struct pk_sock *s, void *buf, size_t n, int flags,
			  struct pk_sockaddr *from);
	long (*sock_send)(struct pk_sock *s, const void *buf, size_t n, int flags,
			  const struct pk_sockaddr *to);
	int (*sock_shutdown)(struct pk_sock *s, int how);
	void (*sock_close)(struct pk_sock *s);
	int (*sock_name)(struct pk_sock *s, int peer, struct pk_sockaddr *out);
	int (*sock_setopt)(struct pk_sock *s, int opt, int val);
	int (*sock_getopt)(struct pk_sock *s, int opt, int *val);
};

/* The instance serving cpu, or NULL (no stack linked, or cpu beyond the
 * instances; today there is one, on CPU 0). */
const struct pk_net_ops *pk_net_ops_on(unsigned cpu);

/* Outside the stack, shared by every instance (net.c). */
void pk_sock_init(struct pk_sock *s, unsigned cpu, int type);
/* The stack: s's events are now ev; wakes the watchers that want them. */
void pk_sock_notify(struct pk_sock *s, unsigned ev);
/* Watch s for w->want (plus POLLERR/POLLHUP) until unwatched. */
void pk_sock_watch(struct pk_sock *s, struct pk_sock_watch *w);
void pk_sock_unwatch(struct pk_sock *s, struct pk_sock_watch *w);

#endif
