/* SPDX-License-Identifier: MIT */
/*
 * guest/net/net_inst.h - one network stack instance per CPU
 * (docs/network.md, "One stack instance per CPU").
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
#include <stdint.h>

#ifndef PK_NET_MAX_INST
#define PK_NET_MAX_INST 8 /* CMake passes the same number to the copy step */
#endif

/* An IPv4 configuration, host byte order; ip 0 asks for DHCP. */
struct pk_net_cfg {
	uint32_t ip, mask, gw;
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
	/* sock: the socket operations go below. */
};

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
