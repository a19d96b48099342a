/* SPDX-License-Identifier: MIT */
/* guest/net/lwip_app.c - see lwip_app.h */
#include "guest/arch/cpu.h"
#include "guest/kernel/console.h"
#include "guest/net/lwip_port.h"
#include "lib/cmdline/cmdline.h"
#include "lib/net/echo.h"
#include "lwip_app.h"
#include "lwip/netif.h"

int lwip_app_ip(const char *cmdline, const char *app, uint32_t *ip)
{
	char buf[32];
	*ip = 0;
	int n = cmdline_get(cmdline, "ip", buf, sizeof(buf)); /* the value's length, -1: absent */
	if (n >= 0 && ((size_t)n >= sizeof(buf) || net_parse_ip(buf, ip) < 0)) {
		kprintf("%s: ip=%s is not an IPv4 address\n", app, buf);
		return -1;
	}
	return 0;
}

struct tcp_pcb *lwip_app_listen(uint16_t port, tcp_accept_fn fn, const char *app)
{
	struct tcp_pcb *pcb = tcp_new();
	struct tcp_pcb *l = pcb && tcp_bind(pcb, IP_ANY_TYPE, port) == ERR_OK ? tcp_listen(pcb) : 0;
	if (!l) {
		if (pcb)
			tcp_close(pcb);
		kprintf("%s: cannot listen on TCP port %u\n", app, port);
		return 0;
	}
	tcp_accept(l, fn);
	return l;
}

err_t lwip_app_close(struct tcp_pcb *pcb)
{
	tcp_arg(pcb, 0);
	tcp_recv(pcb, 0);
	tcp_sent(pcb, 0);
	tcp_err(pcb, 0);
	tcp_poll(pcb, 0, 0);
	if (tcp_close(pcb) == ERR_OK)
		return ERR_OK;
	tcp_abort(pcb);
	return ERR_ABRT;
}

void lwip_app_serve(struct netif *n, const char *app, const char *what, uint16_t port, uint64_t end,
		    const volatile int *stop)
{
	int told = 0;
	while (!(stop && *stop) && (!end || rdtsc() < end)) {
		if (!pk_lwip_poll(n))
			pk_lwip_wait(100 * 1000 * 1000); /* the end check's period */
		if (!told && !ip4_addr_isany_val(*netif_ip4_addr(n))) {
			kprintf("%s: serving %s on %s:%u\n", app, what,
				ip4addr_ntoa(netif_ip4_addr(n)), port);
			told = 1;
		}
	}
}
