/* SPDX-License-Identifier: MIT */
/* guest/net/lwip_app.c - see lwip_app.h */
#include "guest/kernel/console.h"
#include "lwip_app.h"

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
