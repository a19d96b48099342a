/* SPDX-License-Identifier: MIT */
/*
 * guest/net/net_inst.h - one network stack instance per CPU
 * (docs/netstack.md, "One stack instance per CPU").
 *
 * "The stack" is lwIP plus every guest file that calls lwIP: the CMake list
 * PK_NET_STACK_SRCS in guest/CMakeLists.txt. The build links those files
 * into PK_NET_MAX_INST copies (tools/net_stack_copies.sh) with every global
 * symbol renamed per copy, so each copy has its own lwIP state. Code inside
 * the stack is therefore plain single-instance, single-CPU code: its
 * file-scope state belongs to its copy, it takes no locks, and it only runs
 * on the CPU that owns the copy (instance i on CPU i).
 *
 * Code outside the stack never calls lwIP and never names a stack symbol
 * (the link would fail: in the image the name exists only as pkn<i>_name):
 * it reaches an instance through pk_net_ops_on(cpu). The only things a copy
 * exports are its `pk_net_ops` (defined once inside the stack, in
 * guest/net/net_ops.c) and its PK_NET_APP entries.
 */
#ifndef PK_NET_NET_INST_H
#define PK_NET_NET_INST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "guest/arch/spinlock.h"
#include "include/perfkern/net.h"
#include "lib/sched/sched.h"

#ifndef PK_NET_MAX_INST
#define PK_NET_MAX_INST 8 /* CMake passes the same number to the copy step */
#endif

/* An IPv4 configuration, host byte order; ip 0 asks for DHCP. */
struct pk_net_cfg {
	uint32_t ip, mask, gw;
};

/* Someone waiting for a socket's events (guest/net/net.c). */
struct pk_sock_watch {
	struct sched_irq_event *ev; /* signalled when one of want turns true */
	unsigned want;
	struct pk_sock_watch *next;
};

/* The part of a socket both sides see; the stack's own struct (sock.c)
 * starts with it. The stack fills cpu and type and publishes events
 * (pk_sock_notify); the rest is net.c's. */
struct pk_sock {
	unsigned cpu;	 /* the instance that owns it */
	int type;	 /* PK_SOCK_STREAM / PK_SOCK_DGRAM */
	unsigned events; /* atomic: PK_POLL* true now (pk_sock_notify) */
	unsigned gen;	 /* atomic: bumped by every notify (epoll's edge mode) */
	struct spinlock wlock;
	struct pk_sock_watch *watchers; /* under wlock; any CPU adds itself */
	/* A listening TCP socket, or a bound UDP one, is one socket per
	 * instance (flows are steered to every CPU): the one the app holds
	 * has the others in group[] (itself included, by instance), and each
	 * member's parent names it, so a member's events wake the group's
	 * watchers. */
	struct pk_sock *parent;
	struct pk_sock *group[PK_NET_MAX_INST];
	unsigned ngroup;
	/* a listener: PK_SO_CONNLIMIT (0: none) and its open connections,
	 * counted for the whole group in the first socket (atomic) */
	unsigned conn_limit, conns;
};

struct pk_net_ops {
	/* netmq. Bring this instance up (on its own CPU, before its poll task
	 * runs): lwIP, a netif over the driver's instance `inst`, cfg's
	 * address, or DHCP when cfg->ip is 0. 0, or -1 with a message. */
	int (*start)(unsigned inst, const struct pk_net_cfg *cfg);
	/* Feed received frames to the stack and run its due timers; true when
	 * a frame came in. Only from the instance's CPU. */
	bool (*poll)(void);
	/* After a poll that found nothing: suspend until the device
	 * interrupts, the stack's next timer, or max_ns. */
	void (*wait)(uint64_t max_ns);
	/* The address now (ip 0 while DHCP has none yet). */
	void (*addr)(struct pk_net_cfg *out);
	/* sock: the pk_sock_* calls of include/perfkern/net.h without the
	 * waiting (guest/net/sock.c), -EAGAIN where they would block. */
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

/* Sockets, outside the stack and shared by every instance (net.c). */
void pk_sock_init(struct pk_sock *s, unsigned cpu, int type);
/* The stack: s's events are now ev; wakes the watchers that want them
 * (and those of its group). */
void pk_sock_notify(struct pk_sock *s, unsigned ev);
/* Watch s for w->want (plus POLLERR/POLLHUP) until unwatched. */
void pk_sock_watch(struct pk_sock *s, struct pk_sock_watch *w);
void pk_sock_unwatch(struct pk_sock *s, struct pk_sock_watch *w);

/* ip= from the kernel command line into *ip (host byte order; left as
 * it was when the option is absent); -1 with a message naming APP and the
 * value when it is not an IPv4 address. For every network app, in the
 * stack or not. */
int pk_net_cmdline_ip(const char *cmdline, const char *app, uint32_t *ip);

/* The instance CPU `cpu` runs, or NULL when it serves no network (beyond
 * PK_NET_MAX_INST, beyond the CPUs online, or before pk_net_up). */
const struct pk_net_ops *pk_net_ops_on(unsigned cpu);
/* How many instances serve (CPUs 0 .. n-1); 0 before pk_net_up. */
unsigned pk_net_instances(void);

/*
 * Bring up the network (guest/net/net_inst.c, outside the stack): the
 * virtio-net driver with one queue pair per CPU where the device has them,
 * then instance i on CPU i, each with its poll task there. With cfg->ip 0,
 * instance 0 runs DHCP and the others take its address once it has one
 * (at most dhcp_ns). From a task or executor context on CPU 0. 0 or -1.
 * Once per boot: a later call keeps the first one's device, instances and
 * addresses (cfg is ignored) and only restarts poll tasks pk_net_down
 * stopped.
 */
int pk_net_up(const struct pk_net_cfg *cfg, uint64_t dhcp_ns);
/* Stop the poll tasks and wait (at most us) until the device has sent
 * what was queued. */
void pk_net_down(uint64_t us);

/*
 * Apps inside the stack: PK_NET_APP("kv", fn) registers fn for this copy.
 * pk_net_app_each("kv", arg) runs each instance's own fn(arg) on its CPU
 * (in a task there, joined), e.g. to listen on a port in every instance;
 * the first negative result, else 0. Each entry names its copy's
 * pk_net_ops, which is how the kernel tells the copies' entries apart.
 */
struct pk_net_app {
	const char *name;
	int (*fn)(void *arg);
	const struct pk_net_ops *ops;
};
#define PK_NET_APP(aname, afn)                                                                     \
	static const struct pk_net_app pk_net_app_##afn                                            \
		__attribute__((used, section("pk_net_apps"), aligned(8))) = {aname, afn,           \
									     &pk_net_ops}
int pk_net_app_each(const char *name, void *arg);

/* Inside the stack only: this copy's operations (net_ops.c). */
extern const struct pk_net_ops pk_net_ops;

#endif
