/* SPDX-License-Identifier: MIT */
/*
 * guest/net/lwip_port.c - lwIP 2.1's platform for perfkern (NO_SYS):
 * sys_now from the TSC, a random source, assertions, atoi, and an
 * Ethernet netif over guest/drivers/virtio_net.h. Frames go out as one
 * copy into a transmit buffer (pbuf_copy_partial) and come in as one copy
 * into a pool pbuf.
 */
#include "lwip_port.h"

#include "proto/exit.h"

#include "guest/arch/cpu.h"
#include "guest/arch/tsc.h"
#include "guest/drivers/virtio_net.h"
#include "guest/kernel/console.h"
#include "guest/kernel/platform.h"
#include "lwip/dhcp.h"
#include "lwip/etharp.h"
#include "lwip/init.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/timeouts.h"
#include "netif/ethernet.h"

u32_t sys_now(void)
{
	return (u32_t)(rdtsc() / (tsc_khz ? tsc_khz : 1000000));
}

unsigned pk_lwip_rand(void)
{
	/* xorshift64 seeded from the TSC: TCP's ISNs and DHCP's xid need to
	 * differ between boots, not to be secret */
	static uint64_t s;
	if (!s)
		s = rdtsc() | 1;
	s ^= s << 13;
	s ^= s >> 7;
	s ^= s << 17;
	return (unsigned)s;
}

void pk_lwip_assert(const char *msg, const char *file, int line)
{
	kprintf("lwip: assertion \"%s\" failed at %s:%d\n", msg, file, line);
	platform_exit(PK_EXIT_PANIC);
}

int atoi(const char *s)
{
	int v = 0, neg = *s == '-';
	if (neg || *s == '+')
		s++;
	while (*s >= '0' && *s <= '9')
		v = v * 10 + (*s++ - '0');
	return neg ? -v : v;
}

static uint8_t tx_frame[1514];

static err_t pk_linkoutput(struct netif *n, struct pbuf *p)
{
	(void)n;
	if (p->tot_len > sizeof(tx_frame))
		return ERR_BUF;
	u16_t len = pbuf_copy_partial(p, tx_frame, p->tot_len, 0);
	return vnet_send(tx_frame, len) == 0 ? ERR_OK : ERR_MEM;
}

static struct vnet_info vinfo;

static err_t pk_netif_init(struct netif *n)
{
	n->name[0] = 'v';
	n->name[1] = 'n';
	n->mtu = 1500;
	n->hwaddr_len = 6;
	for (int i = 0; i < 6; i++)
		n->hwaddr[i] = vinfo.mac[i];
	n->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
	n->output = etharp_output;
	n->linkoutput = pk_linkoutput;
	return ERR_OK;
}

static struct netif pk_netif;

struct netif *pk_lwip_start(uint32_t ip)
{
	if (vnet_init(&vinfo) < 0)
		return 0;
	lwip_init();
	ip4_addr_t a, m, g;
	IP4_ADDR(&a, ip >> 24, ip >> 16 & 255, ip >> 8 & 255, ip & 255);
	IP4_ADDR(&m, 255, 255, 255, 0);
	IP4_ADDR(&g, ip >> 24, ip >> 16 & 255, ip >> 8 & 255, 2);
	if (!ip)
		ip4_addr_set_zero(&a), ip4_addr_set_zero(&m), ip4_addr_set_zero(&g);
	if (!netif_add(&pk_netif, &a, &m, &g, 0, pk_netif_init, ethernet_input)) {
		kprintf("lwip: netif_add failed\n");
		return 0;
	}
	netif_set_default(&pk_netif);
	netif_set_link_up(&pk_netif);
	netif_set_up(&pk_netif);
	if (!ip && dhcp_start(&pk_netif) != ERR_OK) {
		kprintf("lwip: dhcp_start failed\n");
		return 0;
	}
	kprintf("lwip: %s, %s\n", LWIP_VERSION_STRING, ip ? "static address" : "DHCP");
	return &pk_netif;
}

bool pk_lwip_poll(struct netif *n)
{
	bool got = false;
	uint32_t len;
	uint8_t *f;
	for (int k = 0; k < 64 && (f = vnet_recv(&len)); k++) {
		struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_POOL);
		if (p) {
			pbuf_take(p, f, (u16_t)len);
			if (n->input(p, n) != ERR_OK)
				pbuf_free(p);
		}
		vnet_rx_done(f);
		got = true;
	}
	sys_check_timeouts();
	return got;
}

void pk_lwip_wait(uint64_t max_ns)
{
	u32_t ms = sys_timeouts_sleeptime(); /* lwIP's next timer */
	uint64_t ns = ms == SYS_TIMEOUTS_SLEEPTIME_INFINITE ? UINT64_MAX : (uint64_t)ms * 1000000;
	vnet_wait(ns < max_ns ? ns : max_ns);
}
