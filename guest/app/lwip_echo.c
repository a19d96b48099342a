/* SPDX-License-Identifier: MIT */
/*
 * guest/app/lwip_echo.c - run=lwip-echo (a -DPK_LWIP=ON build): the same
 * job as run=netecho, done by lwIP 2.1 over the virtio-net driver: DHCP
 * unless ip= is given, ARP and ICMP echo by lwIP itself, and a raw-API
 * UDP pcb on port 7 that sends every datagram back, and a TCP echo on
 * port 7 (guest/net/lwip_tcp_echo.c). Exits 0 after netecho_count UDP
 * echoes and lwip_tcp_conns TCP connections echoed and closed, 1 when
 * netecho_secs pass first.
 *   LWIP_ECHO ip=10.0.2.15 udp=3 tcp_conns=1 tcp_closed=1 tcp_bytes=102400
 */
#include "proto/exit.h"
#include "guest/arch/cpu.h"
#include "guest/arch/tsc.h"
#include "guest/drivers/virtio_net.h"
#include "guest/kernel/console.h"
#include "lib/cmdline/cmdline.h"
#include "lib/heap/heap.h"
#include "guest/kernel/param.h"
#include "guest/net/net_inst.h"
#include "guest/net/lwip_tcp_echo.h"
#include "lib/sched/sched.h"
#include "lib/net/echo.h"
#include "app.h"
#include "lwip/netif.h"
#include "lwip/udp.h"

PK_PARAM(lwip_tcp_conns, "lwip-echo: TCP echo connections to wait for (default 0)");

/* per-CPU counters the app on CPU 0 sums (each instance writes its own) */
struct echo_shared {
	uint64_t udp[PK_MAX_CPUS];
	struct tcp_echo_stats tcp[PK_MAX_CPUS];
};
static struct echo_shared *sh;
static unsigned me;

static void echo_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr,
		      u16_t port)
{
	(void)arg;
	if (udp_sendto(pcb, p, addr, port) == ERR_OK)
		__atomic_fetch_add(&sh->udp[me], 1, __ATOMIC_RELAXED);
	pbuf_free(p);
}

/* On every instance: the UDP and TCP echo on port 7. */
static int echo_listen(void *arg)
{
	sh = arg;
	me = sched_cpu_self();
	struct udp_pcb *pcb = udp_new();
	if (!pcb || udp_bind(pcb, IP_ANY_TYPE, NET_ECHO_PORT) != ERR_OK) {
		kprintf("lwip-echo: cannot bind UDP port %u\n", NET_ECHO_PORT);
		return -1;
	}
	udp_recv(pcb, echo_recv, 0);
	return tcp_echo_listen(NET_ECHO_PORT);
}
PK_NET_APP("lwip-echo", echo_listen);

/* On every instance: its TCP counters into the shared slots. */
static int echo_stats(void *arg)
{
	(void)arg;
	tcp_echo_stats(&sh->tcp[me]);
	return 0;
}
PK_NET_APP("lwip-echo-stats", echo_stats);

static int lwip_echo_run(const char *cmdline)
{
	uint32_t ip = 0;
	if (pk_net_cmdline_ip(cmdline, "lwip-echo", &ip) < 0)
		return PK_EXIT_BAD_CMDLINE;
	uint64_t want = cmdline_get_uint(cmdline, "netecho_count", 3);
	uint64_t secs = cmdline_get_uint(cmdline, "netecho_secs", 60);
	uint64_t want_tcp = cmdline_get_uint(cmdline, "lwip_tcp_conns", 0);
	uint64_t end = rdtsc() + secs * tsc_khz * 1000;
	struct pk_net_cfg cfg = {ip, ip ? 0xffffff00u : 0, ip ? (ip & 0xffffff00u) | 2 : 0};
	/* on the heap: a static would be .bss in each of the stack's copies */
	struct echo_shared *shp = kcalloc(1, sizeof(*shp));
	if (!shp)
		return PK_EXIT_TESTS_FAILED;
	if (pk_net_up(&cfg, secs * 1000000000ull) < 0 || pk_net_app_each("lwip-echo", shp) < 0)
		return PK_EXIT_TESTS_FAILED;
	struct pk_net_cfg now;
	pk_net_ops_on(0)->addr(&now);
	kprintf("lwip-echo: address %u.%u.%u.%u\n", now.ip >> 24, now.ip >> 16 & 255,
		now.ip >> 8 & 255, now.ip & 255);
	struct tcp_echo_stats ts;
	uint64_t udp;
	unsigned n = pk_net_instances();
	for (;;) {
		pk_net_app_each("lwip-echo-stats", 0);
		ts = (struct tcp_echo_stats){0};
		udp = 0;
		for (unsigned i = 0; i < n; i++) {
			udp += __atomic_load_n(&shp->udp[i], __ATOMIC_RELAXED);
			ts.conns += shp->tcp[i].conns, ts.closed += shp->tcp[i].closed;
			ts.bytes += shp->tcp[i].bytes;
		}
		if ((udp >= want && ts.closed >= want_tcp) || rdtsc() >= end)
			break;
		sched_sleep(20 * 1000 * 1000);
	}
	pk_net_down(2000000);
	kprintf("LWIP_ECHO ip=%u.%u.%u.%u udp=%lu tcp_conns=%lu tcp_closed=%lu tcp_bytes=%lu\n",
		now.ip >> 24, now.ip >> 16 & 255, now.ip >> 8 & 255, now.ip & 255, udp, ts.conns,
		ts.closed, ts.bytes);
	return udp >= want && ts.closed >= want_tcp ? PK_EXIT_OK : PK_EXIT_TESTS_FAILED;
}
APP("lwip-echo", lwip_echo_run,
    "lwIP 2.1 on virtio-net: DHCP, ARP, ICMP echo and UDP echo (port 7), on every CPU");
