/* SPDX-License-Identifier: MIT */
/*
 * guest/net/lwip_tcp_echo.c - TCP echo on lwIP's raw API. Received data
 * waits in a per-connection pbuf chain until lwIP's send buffer takes it;
 * only what was queued for sending is acknowledged to the peer
 * (tcp_recved), so a client that sends faster than it reads is slowed by
 * its own window, and the guest never holds more than one window.
 */
#include "lwip_tcp_echo.h"

#include "guest/kernel/console.h"
#include "lwip/tcp.h"

struct echo_conn {
	struct pbuf *pending; /* received, not yet queued for sending */
	uint16_t off;	      /* bytes of pending->payload already queued */
	int peer_closed;
};

static struct tcp_echo_stats st;
static struct echo_conn conns[MEMP_NUM_TCP_PCB];

static void echo_close(struct tcp_pcb *pcb, struct echo_conn *c)
{
	tcp_arg(pcb, 0);
	tcp_recv(pcb, 0);
	tcp_sent(pcb, 0);
	tcp_err(pcb, 0);
	if (c->pending)
		pbuf_free(c->pending);
	c->pending = 0;
	c->peer_closed = -1; /* the slot is free */
	if (tcp_close(pcb) != ERR_OK)
		tcp_abort(pcb);
	st.closed++;
}

/* Queue as much pending data as the send buffer takes. */
static void echo_flush(struct tcp_pcb *pcb, struct echo_conn *c)
{
	uint16_t queued = 0;
	while (c->pending) {
		struct pbuf *p = c->pending;
		uint16_t n = (uint16_t)(p->len - c->off);
		if (n > tcp_sndbuf(pcb))
			n = tcp_sndbuf(pcb);
		if (n == 0 || tcp_write(pcb, (uint8_t *)p->payload + c->off, n,
					TCP_WRITE_FLAG_COPY) != ERR_OK)
			break;
		queued = (uint16_t)(queued + n);
		c->off = (uint16_t)(c->off + n);
		if (c->off == p->len) {
			c->pending = p->next;
			if (p->next)
				pbuf_ref(p->next);
			pbuf_free(p);
			c->off = 0;
		}
	}
	if (queued) {
		tcp_recved(pcb, queued);
		tcp_output(pcb);
		st.bytes += queued;
	}
	if (!c->pending && c->peer_closed == 1)
		echo_close(pcb, c);
}

static err_t echo_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	struct echo_conn *c = arg;
	if (!c || err != ERR_OK) {
		if (p)
			pbuf_free(p);
		return ERR_OK;
	}
	if (!p) /* the peer closed its side: finish sending, then close */
		c->peer_closed = 1;
	else if (c->pending)
		pbuf_cat(c->pending, p);
	else
		c->pending = p, c->off = 0;
	echo_flush(pcb, c);
	return ERR_OK;
}

static err_t echo_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
	(void)len;
	if (arg)
		echo_flush(pcb, arg);
	return ERR_OK;
}

static void echo_err(void *arg, err_t err)
{
	(void)err;
	struct echo_conn *c = arg; /* the pcb is already gone */
	if (c) {
		if (c->pending)
			pbuf_free(c->pending);
		c->pending = 0;
		c->peer_closed = -1;
	}
	st.aborted++;
}

static err_t echo_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
	(void)arg;
	if (err != ERR_OK || !pcb)
		return ERR_VAL;
	struct echo_conn *c = 0;
	for (unsigned i = 0; i < MEMP_NUM_TCP_PCB && !c; i++)
		if (conns[i].peer_closed == -1)
			c = &conns[i];
	if (!c) {
		tcp_abort(pcb);
		return ERR_ABRT;
	}
	*c = (struct echo_conn){0, 0, 0};
	tcp_arg(pcb, c);
	tcp_recv(pcb, echo_recv);
	tcp_sent(pcb, echo_sent);
	tcp_err(pcb, echo_err);
	st.conns++;
	return ERR_OK;
}

int tcp_echo_listen(uint16_t port)
{
	for (unsigned i = 0; i < MEMP_NUM_TCP_PCB; i++)
		conns[i].peer_closed = -1;
	struct tcp_pcb *pcb = tcp_new();
	if (!pcb || tcp_bind(pcb, IP_ANY_TYPE, port) != ERR_OK) {
		kprintf("tcp-echo: cannot bind TCP port %u\n", port);
		return -1;
	}
	struct tcp_pcb *l = tcp_listen(pcb);
	if (!l) {
		kprintf("tcp-echo: tcp_listen failed\n");
		return -1;
	}
	tcp_accept(l, echo_accept);
	return 0;
}

void tcp_echo_stats(struct tcp_echo_stats *out)
{
	*out = st;
}
