/* SPDX-License-Identifier: MIT */
/*
 * guest/app/lwip_echo.c - run=lwip-echo (a -DPK_LWIP=ON build): the same
 * job as run=netecho, done by lwIP 2.1 over the virtio-net driver: DHCP
 * unless ip= is given, ARP and ICMP echo by lwIP itself, and a raw-API
 * UDP pcb on port 7 that sends every datagram back. Exits 0 after
 * netecho_count echoes, 1 when netecho_secs pass first.
 *   LWIP_ECHO ip=10.0.2.15 udp=3
 */
#include "proto/exit.h"
#include "guest/arch/cpu.h"
#include "guest/arch/tsc.h"
#include "guest/drivers/virtio_net.h"
#include "guest/kernel/console.h"
#include "lib/cmdline/cmdline.h"
#include "guest/net/lwip_port.h"
#include "lib/sched/sched.h"
#include "lib/net/echo.h"
#include "app.h"
#include "lwip/netif.h"
#include "lwip/udp.h"

static unsigned echoed;

static void echo_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr,
		      u16_t port)
{
	(void)arg;
	if (udp_sendto(pcb, p, addr, port) == ERR_OK)
		echoed++;
	pbuf_free(p);
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
	struct netif *n = pk_lwip_start(ip);
	if (!n)
		return PK_EXIT_TESTS_FAILED;
	struct udp_pcb *pcb = udp_new();
	if (!pcb || udp_bind(pcb, IP_ANY_TYPE, NET_ECHO_PORT) != ERR_OK) {
		kprintf("lwip-echo: cannot bind UDP port %u\n", NET_ECHO_PORT);
		return PK_EXIT_TESTS_FAILED;
	}
	udp_recv(pcb, echo_recv, 0);
	uint64_t end = rdtsc() + secs * tsc_khz * 1000;
	bool told = false;
	while (echoed < want && rdtsc() < end) {
		if (!pk_lwip_poll(n))
			sched_sleep(200 * 1000);
		if (!told && !ip4_addr_isany_val(*netif_ip4_addr(n))) {
			kprintf("lwip-echo: address %s\n", ip4addr_ntoa(netif_ip4_addr(n)));
			told = true;
		}
	}
	if (vnet_flush(2000000) < 0)
		kprintf("lwip-echo: the device still holds transmit buffers after 2 s\n");
	kprintf("LWIP_ECHO ip=%s udp=%u\n", ip4addr_ntoa(netif_ip4_addr(n)), echoed);
	return echoed >= want ? PK_EXIT_OK : PK_EXIT_TESTS_FAILED;
}
APP("lwip-echo", lwip_echo_run,
    "lwIP 2.1 on virtio-net: DHCP, ARP, ICMP echo and UDP echo (port 7)");
