/* SPDX-License-Identifier: MIT */
/*
 * guest/app/netecho.c - run=netecho: bring up virtio-net and answer ARP,
 * ICMP echo and UDP echo (port 7) by hand (lib/net/echo.h), with no TCP/IP
 * stack: the proof that the driver's receive and transmit paths work under
 * QEMU q35 and the perfkern vmm. Exits 0 after netecho_count UDP echoes,
 * PK_EXIT_TESTS_FAILED when the device is absent or netecho_secs pass first.
 *   NETECHO ip=10.0.2.15 arp=N icmp=N udp=N irqs=N dropped=N
 */
#include "lib/net/echo.h"
#include "guest/arch/cpu.h"
#include "guest/arch/tsc.h"
#include "guest/drivers/virtio_net.h"
#include "guest/kernel/console.h"
#include "guest/kernel/param.h"
#include "lib/cmdline/cmdline.h"
#include "lib/sched/sched.h"
#include "app.h"
#include "guest/net/net_inst.h"

PK_PARAM(ip, "netecho: this guest's IPv4 address (default 10.0.2.15, QEMU's user network)");
PK_PARAM(netecho_count, "netecho: exit 0 after this many UDP echoes (default 3)");
PK_PARAM(netecho_secs, "netecho: give up after this many seconds (default 60)");

static uint8_t reply[2048];

struct netecho_job {
	const struct net_echo_cfg *cfg;
	uint64_t want, end;
	uint64_t n[4];
};

static void *netecho_serve(void *arg)
{
	struct netecho_job *j = arg;
	while (j->n[NET_ECHO_UDP] < j->want && rdtsc() < j->end) {
		uint32_t len;
		uint8_t *f = vnet_recv(0, &len);
		if (!f) {
			/* nothing waiting: the receive interrupt wakes us
			 * (the timeout only bounds the give-up check) */
			vnet_wait(0, 100 * 1000 * 1000);
			continue;
		}
		enum net_echo_kind kind;
		uint32_t r = net_echo_reply(j->cfg, f, len, reply, sizeof(reply), &kind);
		vnet_rx_done(0, f);
		if (r && vnet_send(0, reply, r) == 0)
			j->n[kind]++;
	}
	return 0;
}

static int netecho_run(const char *cmdline)
{
	struct net_echo_cfg cfg = {.ip = 0x0a00020f};
	if (pk_net_cmdline_ip(cmdline, "netecho", &cfg.ip) < 0)
		return PK_EXIT_BAD_CMDLINE;
	uint64_t want = cmdline_get_uint(cmdline, "netecho_count", 3);
	uint64_t secs = cmdline_get_uint(cmdline, "netecho_secs", 60);
	struct vnet_info info;
	if (vnet_init(&info, 1) < 0)
		return PK_EXIT_TESTS_FAILED;
	for (int k = 0; k < 6; k++)
		cfg.mac[k] = info.mac[k];
	kprintf("netecho: %u.%u.%u.%u answering ARP, ICMP echo and UDP port %u\n", cfg.ip >> 24,
		cfg.ip >> 16 & 255, cfg.ip >> 8 & 255, cfg.ip & 255, NET_ECHO_PORT);
	struct netecho_job job = {&cfg, want, rdtsc() + secs * tsc_khz * 1000, {0}};
	/* a task, so that the CPU halts between frames (sched_join in
	 * executor context halts while nothing is ready) and the receive
	 * interrupt wakes it */
	struct task *t = sched_spawn(netecho_serve, &job, "netecho");
	if (!t)
		return PK_EXIT_TESTS_FAILED;
	sched_join(t);
	uint64_t *n = job.n;
	if (vnet_flush(2000000) < 0) /* the last echoes out before the VM ends */
		kprintf("netecho: the device still holds transmit buffers after 2 s\n");
	kprintf("NETECHO ip=%u.%u.%u.%u arp=%lu icmp=%lu udp=%lu irqs=%lu dropped=%lu\n",
		cfg.ip >> 24, cfg.ip >> 16 & 255, cfg.ip >> 8 & 255, cfg.ip & 255, n[NET_ECHO_ARP],
		n[NET_ECHO_ICMP], n[NET_ECHO_UDP], vnet_irqs(), vnet_rx_dropped());
	if (n[NET_ECHO_UDP] < want) {
		kprintf("netecho: %lu of %lu UDP echoes within %lu s\n", n[NET_ECHO_UDP], want,
			secs);
		return PK_EXIT_TESTS_FAILED;
	}
	return PK_EXIT_OK;
}
APP("netecho", netecho_run, "virtio-net: answer ARP, ICMP echo and UDP echo (port 7) by hand");
