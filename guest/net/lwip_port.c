/* SPDX-License-Identifier: MIT */
/*
 * guest/net/lwip_port.c - lwIP 2.1's platform for perfkern (NO_SYS):
 * sys_now from the TSC, a random source, assertions, atoi, and an
 * Ethernet netif over guest/drivers/virtio_net.h, one per copy of the
 * stack (net_inst.h): this copy's instance number picks its driver
 * queues. Frames go out as one copy into a transmit buffer
 * (pbuf_copy_partial) and come in as one copy into a heap pbuf.
 */
#include "lwip_port.h"

#include "proto/exit.h"

#include "guest/arch/cpu.h"
#include "guest/arch/tsc.h"
#include "guest/drivers/virtio_net.h"
#include "guest/net/net_inst.h"
#include "guest/kernel/console.h"
#include "guest/kernel/platform.h"
#include "lwip/dhcp.h"
#include "lwip/etharp.h"
#include "lwip/init.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/priv/tcp_priv.h"
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

/* this copy's instance: its driver queues, its CPU (net_inst.h) */
static unsigned inst;
static uint8_t tx_frame[1514];

static err_t pk_linkoutput(struct netif *n, struct pbuf *p)
{
	(void)n;
	if (p->tot_len > sizeof(tx_frame))
		return ERR_BUF;
	u16_t len = pbuf_copy_partial(p, tx_frame, p->tot_len, 0);
	return vnet_send(inst, tx_frame, len) == 0 ? ERR_OK : ERR_MEM;
}

static uint8_t mac[6];

static err_t pk_netif_init(struct netif *n)
{
	n->name[0] = 'v';
	n->name[1] = (char)('0' + inst % 10);
	n->mtu = 1500;
	n->hwaddr_len = 6;
	for (int i = 0; i < 6; i++)
		n->hwaddr[i] = mac[i];
	/* ETHARP comes after the link is up on instances other than 0, so
	 * only instance 0 announces the address (gratuitous ARP) */
	n->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHERNET | (inst ? 0 : NETIF_FLAG_ETHARP);
	n->output = etharp_output;
	n->linkoutput = pk_linkoutput;
	return ERR_OK;
}

static struct netif pk_netif;

static void ip4_of(ip4_addr_t *a, uint32_t v)
{
	IP4_ADDR(a, v >> 24, v >> 16 & 255, v >> 8 & 255, v & 255);
}

int pk_lwip_start(unsigned i, const struct pk_net_cfg *c)
{
	inst = i;
	vnet_mac(mac);
	lwip_init();
	ip4_addr_t a, m, g;
	ip4_of(&a, c->ip);
	ip4_of(&m, c->ip ? c->mask : 0);
	ip4_of(&g, c->ip ? c->gw : 0);
	if (!netif_add(&pk_netif, &a, &m, &g, 0, pk_netif_init, ethernet_input)) {
		kprintf("lwip %u: netif_add failed\n", i);
		return -1;
	}
	netif_set_default(&pk_netif);
	netif_set_up(&pk_netif);
	netif_set_link_up(&pk_netif);
	pk_netif.flags |= NETIF_FLAG_ETHARP;
	if (!c->ip && dhcp_start(&pk_netif) != ERR_OK) {
		kprintf("lwip %u: dhcp_start failed\n", i);
		return -1;
	}
	if (i == 0)
		kprintf("lwip: %s, %s\n", LWIP_VERSION_STRING, c->ip ? "static address" : "DHCP");
	return 0;
}

/* A floor under lwIP's retransmission timeout. lwIP counts the RTO in
 * ticks of its slow timer (TCP_SLOW_INTERVAL, 200 ms here) and measures
 * the RTT in whole ticks too: on a path of a few ms every sample is 0, so
 * the smoothed estimate, and with it the RTO, decays to 0 ticks, and every
 * segment still unacknowledged at the next tick, 0-200 ms after it left,
 * is "lost": go-back-N, cwnd down to one segment, and the peer's delayed
 * ACK (slirp's: 200 ms) then paces each segment. That was the pipelined
 * GET's stall of 200-900 ms (docs/benchmarks.md "net"). Linux's minimum
 * is 200 ms; two ticks guarantee at least one whole tick (200 ms), doubled
 * per retransmission of the same segment as lwIP's own backoff would. */
#define PK_TCP_RTO_MIN_TICKS ((200 + TCP_SLOW_INTERVAL - 1) / TCP_SLOW_INTERVAL + 1)
_Static_assert(PK_TCP_RTO_MIN_TICKS >= 2, "at least one whole tick");

static void pk_tcp_rto_floor(void)
{
	for (struct tcp_pcb *p = tcp_active_pcbs; p; p = p->next) {
		int floor = PK_TCP_RTO_MIN_TICKS << (p->nrtx < 6 ? p->nrtx : 6);
		if (p->rto < floor)
			p->rto = (s16_t)floor;
	}
}

bool pk_lwip_poll(void)
{
	struct netif *n = &pk_netif;
	bool got = false;
	uint32_t len;
	uint8_t *f;
	for (int k = 0; k < 64 && (f = vnet_recv(inst, &len)); k++) {
		/* PBUF_RAM: the per-core heap, not a static pool per copy (lwipopts.h) */
		struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_RAM);
		if (p) {
			pbuf_take(p, f, (u16_t)len);
			if (n->input(p, n) != ERR_OK)
				pbuf_free(p);
		}
		vnet_rx_done(inst, f);
		got = true;
	}
	sys_check_timeouts();
	/* after input (RTT samples) and the timers (backoff) set new RTOs */
	pk_tcp_rto_floor();
	return got;
}

void pk_lwip_wait(uint64_t max_ns)
{
	u32_t ms = sys_timeouts_sleeptime(); /* lwIP's next timer */
	uint64_t ns = ms == SYS_TIMEOUTS_SLEEPTIME_INFINITE ? UINT64_MAX : (uint64_t)ms * 1000000;
	vnet_wait(inst, ns < max_ns ? ns : max_ns);
}

void pk_lwip_addr(struct pk_net_cfg *out)
{
	out->ip = lwip_ntohl(ip4_addr_get_u32(netif_ip4_addr(&pk_netif)));
	out->mask = lwip_ntohl(ip4_addr_get_u32(netif_ip4_netmask(&pk_netif)));
	out->gw = lwip_ntohl(ip4_addr_get_u32(netif_ip4_gw(&pk_netif)));
}

struct netif *pk_lwip_netif(void)
{
	return &pk_netif;
}
