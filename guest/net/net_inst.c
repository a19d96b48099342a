/* SPDX-License-Identifier: MIT */
/*
 * guest/net/net_inst.c - the stack's instances seen from outside the stack
 * (net_inst.h): the table of the copies' pk_net_ops, bringing them up one
 * per CPU, their poll tasks, and running an app's per-instance part on
 * every instance. Never calls lwIP; it is compiled in every build, and
 * without lwIP the copies' symbols are absent (weak, NULL) and nothing
 * serves.
 */
#include "guest/net/net_inst.h"

#include "guest/drivers/virtio_net.h"
#include "guest/kernel/console.h"
#include "lib/cmdline/cmdline.h"
#include "lib/kstring/kstring.h"
#include "lib/net/echo.h"
#include "lib/sched/sched.h"

_Static_assert(PK_NET_MAX_INST >= 1 && PK_NET_MAX_INST <= 8, "the table below has 8 slots");

/* tools/net_stack_copies.sh names copy i's pk_net_ops pkn<i>_pk_net_ops */
#define NET_COPY(i) extern const struct pk_net_ops pkn##i##_pk_net_ops __attribute__((weak))
NET_COPY(0);
NET_COPY(1);
NET_COPY(2);
NET_COPY(3);
NET_COPY(4);
NET_COPY(5);
NET_COPY(6);
NET_COPY(7);
static const struct pk_net_ops *const net_copies[8] = {
	&pkn0_pk_net_ops, &pkn1_pk_net_ops, &pkn2_pk_net_ops, &pkn3_pk_net_ops,
	&pkn4_pk_net_ops, &pkn5_pk_net_ops, &pkn6_pk_net_ops, &pkn7_pk_net_ops,
};

extern const struct pk_net_app __start_pk_net_apps[], __stop_pk_net_apps[];

static unsigned net_ninst; /* instances started: pk_net_ops_on answers for these */
static struct task *net_poll[PK_NET_MAX_INST];
static volatile int net_stopping;
static bool net_brought_up; /* the device and instances exist (pk_net_up ran) */

const struct pk_net_ops *pk_net_ops_on(unsigned cpu)
{
	return cpu < __atomic_load_n(&net_ninst, __ATOMIC_ACQUIRE) ? net_copies[cpu] : 0;
}

unsigned pk_net_instances(void)
{
	return __atomic_load_n(&net_ninst, __ATOMIC_ACQUIRE);
}

/* Each instance's loop on its CPU: receive and timers, then sleep until
 * the device interrupts or the next timer. */
static void *net_poll_task(void *arg)
{
	const struct pk_net_ops *o = arg;
	while (!net_stopping)
		if (!o->poll())
			o->wait(100 * 1000 * 1000);
	for (int k = 0; k < 10; k++) /* the last replies and ACKs out */
		o->poll(), sched_sleep(1000 * 1000);
	return 0;
}

static int net_poll_start(unsigned i)
{
	net_poll[i] = sched_spawn_on(i, net_poll_task, (void *)net_copies[i], "net-poll");
	return net_poll[i] ? 0 : -1;
}

struct net_start_job {
	unsigned inst;
	const struct pk_net_cfg *cfg;
};

static void *net_start_task(void *arg)
{
	struct net_start_job *j = arg;
	int rc = net_copies[j->inst]->start(j->inst, j->cfg);
	return (void *)(intptr_t)rc;
}

/* Instance i on CPU i: its start there, then its poll task. */
static int net_inst_up(unsigned i, const struct pk_net_cfg *cfg)
{
	struct net_start_job j = {i, cfg};
	struct task *t = sched_spawn_on(i, net_start_task, &j, "net-start");
	if (!t || (intptr_t)sched_join(t) < 0)
		return -1;
	if (net_poll_start(i) < 0)
		return -1;
	__atomic_store_n(&net_ninst, i + 1, __ATOMIC_RELEASE);
	return 0;
}

/* A second pk_net_up in one boot: the instances stay as they are, their
 * poll tasks run again if pk_net_down stopped them. */
static int net_up_again(void)
{
	if (!net_stopping)
		return 0;
	net_stopping = 0;
	for (unsigned i = 0; i < pk_net_instances(); i++)
		if (net_poll_start(i) < 0)
			return -1;
	return 0;
}

int pk_net_up(const struct pk_net_cfg *cfg, uint64_t dhcp_ns)
{
	if (net_brought_up)
		return net_up_again();
	unsigned n = sched_cpu_count();
	if (n > PK_NET_MAX_INST)
		n = PK_NET_MAX_INST;
	for (unsigned i = 0; i < n; i++)
		if (!net_copies[i]) { /* fewer copies linked than CPUs */
			n = i;
			break;
		}
	if (!n) {
		kprintf("net: this kernel has no TCP/IP stack (built without lwIP)\n");
		return -1;
	}
	struct vnet_info info;
	if (vnet_init(&info, n) < 0)
		return -1;
	net_brought_up = true;
	net_stopping = 0;
	if (net_inst_up(0, cfg) < 0)
		return -1;
	struct pk_net_cfg c = *cfg;
	if (!c.ip) { /* the others take the address DHCP gave instance 0 */
		uint64_t waited = 0;
		for (net_copies[0]->addr(&c); !c.ip && waited < dhcp_ns; waited += 10000000) {
			sched_sleep(10 * 1000 * 1000);
			net_copies[0]->addr(&c);
		}
		if (!c.ip) {
			kprintf("net: no DHCP lease after %lu ms: instance 0 serves alone\n",
				dhcp_ns / 1000000);
			return 0;
		}
		kprintf("net: DHCP gave %u.%u.%u.%u/%u.%u.%u.%u gateway %u.%u.%u.%u\n", c.ip >> 24,
			c.ip >> 16 & 255, c.ip >> 8 & 255, c.ip & 255, c.mask >> 24,
			c.mask >> 16 & 255, c.mask >> 8 & 255, c.mask & 255, c.gw >> 24,
			c.gw >> 16 & 255, c.gw >> 8 & 255, c.gw & 255);
	}
	for (unsigned i = 1; i < n; i++)
		if (net_inst_up(i, &c) < 0) {
			kprintf("net: instance %u did not start: %u serve\n", i, i);
			return 0;
		}
	kprintf("net: %u stack instances (CPUs 0-%u), %u queue pairs\n", n, n - 1, info.pairs);
	return 0;
}

void pk_net_down(uint64_t us)
{
	unsigned n = pk_net_instances();
	net_stopping = 1;
	for (unsigned i = 0; i < n; i++)
		vnet_wake(i);
	for (unsigned i = 0; i < n; i++)
		if (net_poll[i])
			sched_join(net_poll[i]), net_poll[i] = 0;
	if (vnet_flush(us) < 0)
		kprintf("net: the device still holds transmit buffers after %lu us\n", us);
}

struct net_app_job {
	const struct pk_net_app *app;
	void *arg;
};

static void *net_app_task(void *arg)
{
	struct net_app_job *j = arg;
	return (void *)(intptr_t)j->app->fn(j->arg);
}

int pk_net_app_each(const char *name, void *arg)
{
	unsigned n = pk_net_instances();
	struct net_app_job jobs[PK_NET_MAX_INST];
	struct task *t[PK_NET_MAX_INST] = {0};
	int rc = n ? 0 : -1;
	for (unsigned i = 0; i < n; i++) {
		jobs[i] = (struct net_app_job){0, arg};
		for (const struct pk_net_app *a = __start_pk_net_apps; a < __stop_pk_net_apps; a++)
			if (a->ops == net_copies[i] && !strcmp(a->name, name))
				jobs[i].app = a;
		t[i] = jobs[i].app ? sched_spawn_on(i, net_app_task, &jobs[i], name) : 0;
		if (!t[i]) {
			kprintf("net: %s: no such app in instance %u\n", name, i);
			rc = -1;
		}
	}
	for (unsigned i = 0; i < n; i++)
		if (t[i] && (intptr_t)sched_join(t[i]) < 0)
			rc = -1;
	return rc;
}

int pk_net_cmdline_ip(const char *cmdline, const char *app, uint32_t *ip)
{
	char buf[32];
	int n = cmdline_get(cmdline, "ip", buf, sizeof(buf)); /* the value's length, -1: absent */
	if (n >= 0 && ((size_t)n >= sizeof(buf) || net_parse_ip(buf, ip) < 0)) {
		kprintf("%s: ip=%s is not an IPv4 address\n", app, buf);
		return -1;
	}
	return 0;
}
