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
#include "guest/kernel/param.h"
#include "guest/net/lwip_port.h"
#include "guest/net/lwip_tcp_echo.h"
#include "lib/sched/sched.h"
#include "lib/net/echo.h"
#include "app.h"
#include "lwip/netif.h"
#include "lwip/udp.h"

PK_PARAM(lwip_tcp_conns, "lwip-echo: TCP echo connections to wait for (default 0)");

static unsigned echoed;

static void echo_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr,
		      u16_t port)
{
	(void)arg;
	if (udp_sendto(pcb, p, addr, port) == ERR_OK)
		echoed++;
	pbuf_free(p);
}

struct lwip_echo_job {
	struct netif *n;
	uint64_t want, want_tcp, end;
};

/* The stack's loop, in a task: poll, and wait for the device's interrupt
 * or lwIP's next timer when there was nothing. */
static void *lwip_echo_serve(void *arg)
{
	struct lwip_echo_job *j = arg;
	struct tcp_echo_stats ts = {0};
	bool told = false;
	while ((echoed < j->want || ts.closed < j->want_tcp) && rdtsc() < j->end) {
		tcp_echo_stats(&ts);
		if (!pk_lwip_poll(j->n))
			pk_lwip_wait(100 * 1000 * 1000); /* the exit check's period */
		if (!told && !ip4_addr_isany_val(*netif_ip4_addr(j->n))) {
			kprintf("lwip-echo: address %s\n", ip4addr_ntoa(netif_ip4_addr(j->n)));
			told = true;
		}
	}
	return 0;
}

static int lwip_echo_run(const char *cmdline)
{
	uint32_t ip = 0;
	char ipbuf[32];
	if (cmdline_get(cmdline, "ip", ipbuf, sizeof(ipbuf)) == 0 && net_parse_ip(ipbuf, &ip) < 0) {
		kprintf("lwip-echo: ip=%s is not an IPv4 address\n", ipbuf);
		return PK_EXIT_BAD_CMDLINE;
	}
	uint64_t want = cmdline_get_uint(cmdline, "netecho_count", 3);
	uint64_t secs = cmdline_get_uint(cmdline, "netecho_secs", 60);
	uint64_t want_tcp = cmdline_get_uint(cmdline, "lwip_tcp_conns", 0);
	struct netif *n = pk_lwip_start(ip);
	if (!n)
		return PK_EXIT_TESTS_FAILED;
	struct udp_pcb *pcb = udp_new();
	if (!pcb || udp_bind(pcb, IP_ANY_TYPE, NET_ECHO_PORT) != ERR_OK) {
		kprintf("lwip-echo: cannot bind UDP port %u\n", NET_ECHO_PORT);
		return PK_EXIT_TESTS_FAILED;
	}
	udp_recv(pcb, echo_recv, 0);
	if (tcp_echo_listen(NET_ECHO_PORT) < 0)
		return PK_EXIT_TESTS_FAILED;
	struct lwip_echo_job job = {n, want, want_tcp, rdtsc() + secs * tsc_khz * 1000};
	struct task *t = sched_spawn(lwip_echo_serve, &job, "lwip-echo");
	if (!t)
		return PK_EXIT_TESTS_FAILED;
	sched_join_halting(t); /* the CPU halts between packets */
	struct tcp_echo_stats ts;
	if (vnet_flush(2000000) < 0)
		kprintf("lwip-echo: the device still holds transmit buffers after 2 s\n");
	tcp_echo_stats(&ts);
	kprintf("LWIP_ECHO ip=%s udp=%u tcp_conns=%lu tcp_closed=%lu tcp_bytes=%lu\n",
		ip4addr_ntoa(netif_ip4_addr(n)), echoed, ts.conns, ts.closed, ts.bytes);
	return echoed >= want && ts.closed >= want_tcp ? PK_EXIT_OK : PK_EXIT_TESTS_FAILED;
}
APP("lwip-echo", lwip_echo_run,
    "lwIP 2.1 on virtio-net: DHCP, ARP, ICMP echo and UDP echo (port 7)");
