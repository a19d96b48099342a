/* SPDX-License-Identifier: MIT */
/* guest/net/lwip_app.c - see lwip_app.h */
#include "guest/kernel/console.h"
#include "lib/heap/heap.h"
#include "lib/kstring/kstring.h"
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

/* the pcb is already gone (reset, abort) */
static void app_err(void *arg, err_t err)
{
	(void)err;
	struct lwip_app_conn *c = arg;
	if (c)
		c->ops->free(c);
}

struct lwip_app_conn *lwip_app_accept(const struct lwip_app_ops *ops, struct tcp_pcb *pcb,
				      err_t err, err_t *ret)
{
	*ret = ERR_VAL;
	if (err != ERR_OK || !pcb)
		return 0;
	struct lwip_app_conn *c = kmalloc(ops->size);
	if (!c) {
		tcp_abort(pcb);
		*ret = ERR_ABRT;
		return 0;
	}
	memset(c, 0, ops->zero);
	c->pcb = pcb;
	c->ops = ops;
	tcp_arg(pcb, c);
	tcp_recv(pcb, ops->recv);
	tcp_sent(pcb, ops->sent);
	tcp_err(pcb, app_err);
	if (ops->poll)
		tcp_poll(pcb, ops->poll, ops->poll_interval);
	tcp_nagle_disable(pcb);
	*ret = ERR_OK;
	return c;
}

err_t lwip_app_conn_close(struct lwip_app_conn *c)
{
	struct tcp_pcb *pcb = c->pcb;
	c->ops->free(c);
	return lwip_app_close(pcb);
}
