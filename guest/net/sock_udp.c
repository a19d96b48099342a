/* SPDX-License-Identifier: MIT */
/*
 * guest/net/sock_udp.c - datagram sockets over lwIP's raw UDP API, the
 * UDP part of sock.c's ops. Received datagrams wait on the socket, at most
 * UDP_QUEUE_MAX of them (more are dropped, as a full socket buffer drops
 * them on Linux); recv takes one whole, send hands one to lwIP at once.
 */
#include "include/perfkern/net.h"

#include "lib/heap/heap.h"
#include "lwip/errno.h"
#include "lwip/udp.h"
#include "sock_int.h"

static void cb_udp(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *ip, u16_t port)
{
	struct sock *s = arg;
	(void)pcb;
	struct dgram *d = s && s->dq_len < UDP_QUEUE_MAX ? kmalloc(sizeof(*d)) : 0;
	if (!d) {
		pbuf_free(p);
		return;
	}
	d->p = p;
	sock_addr_from(&d->from, ip, port);
	d->next = 0;
	if (s->dq_tail)
		s->dq_tail->next = d;
	else
		s->dq = d;
	s->dq_tail = d;
	s->dq_len++;
	sock_update(s);
}

void sock_udp_open(struct sock *s)
{
	s->udp = udp_new();
	if (s->udp)
		udp_recv(s->udp, cb_udp, s);
}

void sock_udp_close(struct sock *s)
{
	udp_remove(s->udp);
	s->udp = 0;
}

void sock_udp_drop(struct sock *s)
{
	for (struct dgram *d = s->dq, *n; d; d = n) {
		n = d->next;
		pbuf_free(d->p);
		kfree(d);
	}
	s->dq = s->dq_tail = 0;
	s->dq_len = 0;
}

int sock_udp_bind(struct sock *s, const ip_addr_t *ip, u16_t port)
{
	err_t e = udp_bind(s->udp, ip, port);
	if (e != ERR_OK)
		return sock_errno(e);
	sock_addr_from(&s->local, &s->udp->local_ip, s->udp->local_port);
	return 0;
}

/* a default peer for send, a filter for recv */
int sock_udp_connect(struct sock *s, const struct pk_sockaddr *to)
{
	ip_addr_t ip;
	sock_addr_to(&ip, to);
	int r = sock_errno(udp_connect(s->udp, &ip, to->port));
	if (!r) {
		s->peer = *to;
		sock_addr_from(&s->local, &s->udp->local_ip, s->udp->local_port);
	}
	return r;
}

long sock_udp_recv(struct sock *s, void *buf, size_t n, int flags, struct pk_sockaddr *from)
{
	struct dgram *d = s->dq;
	if (!d)
		return s->err ? (long)s->err : -EAGAIN;
	size_t len = d->p->tot_len;
	size_t k = n < len ? n : len;
	pbuf_copy_partial(d->p, buf, (u16_t)k, 0);
	if (from)
		*from = d->from;
	if (!(flags & PK_MSG_PEEK)) {
		s->dq = d->next;
		if (!s->dq)
			s->dq_tail = 0;
		s->dq_len--;
		pbuf_free(d->p);
		kfree(d);
		sock_update(s);
	}
	return (long)k; /* the rest of a longer datagram is dropped, as on Linux */
}

long sock_udp_send(struct sock *s, const void *buf, size_t n, const struct pk_sockaddr *to)
{
	if (n > 65507)
		return -EMSGSIZE;
	if (!to && !s->peer.port)
		return -EDESTADDRREQ;
	struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, (u16_t)n, PBUF_RAM);
	if (!p)
		return -EAGAIN;
	pbuf_take(p, buf, (u16_t)n);
	err_t e;
	if (to) {
		ip_addr_t ip;
		sock_addr_to(&ip, to);
		e = udp_sendto(s->udp, p, &ip, to->port);
	} else
		e = udp_send(s->udp, p);
	pbuf_free(p);
	if (e == ERR_OK)
		sock_addr_from(&s->local, &s->udp->local_ip, s->udp->local_port);
	return e == ERR_OK ? (long)n : e == ERR_MEM ? -EAGAIN : sock_errno(e);
}
