/* SPDX-License-Identifier: MIT */
/*
 * guest/net/sock.c - the stack's socket ops (struct pk_net_ops,
 * net_inst.h) over lwIP's raw API: TCP here, UDP in sock_udp.c
 * (sock_int.h is their shared socket). Inside the stack: single instance,
 * single CPU, no locks; every op runs on the owning executor and never
 * waits (-EAGAIN where Linux would block; guest/net/net.c waits for the
 * events this file publishes with pk_sock_notify).
 *
 * Flow control both ways:
 * - receive: lwIP's pbufs stay queued on the socket as they came; the
 *   peer's window is opened (tcp_recved) only for bytes recv took out, so
 *   an app that does not read stops its peer within one window;
 * - send: a send queues at most what tcp_sndbuf has room for (copied:
 *   TCP_WRITE_FLAG_COPY) and says -EAGAIN when it is full; the sent
 *   callback turns POLLOUT back on as ACKs free it.
 * A listener refuses (resets) a connection when backlog connections wait
 * for accept already, or when PK_SO_CONNLIMIT connections of it are open.
 */
#include "include/perfkern/net.h"

#include "guest/kernel/console.h"
#include "lib/heap/heap.h"
#include "lib/kstring/kstring.h"
#include "lwip/errno.h"
#include "lwip/ip.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/tcp.h"
#include "net_inst.h"
#include "sock.h"
#include "sock_int.h"

/* --- events --- */

static unsigned sock_events(struct sock *s)
{
	unsigned ev = 0;
	if (s->err)
		ev |= PK_POLLERR;
	if (s->h.type == PK_SOCK_DGRAM)
		return ev | (s->dq ? PK_POLLIN : 0) | (s->udp ? PK_POLLOUT : 0);
	switch (s->state) {
	case S_LISTEN:
		return ev | (s->acc ? PK_POLLIN : 0);
	case S_NEW:
		return ev | PK_POLLOUT | PK_POLLHUP; /* what Linux says for one */
	case S_CONNECTING:
		return ev;
	case S_CONN:
	case S_DEAD:
		break;
	}
	if ((s->rx && s->rx->tot_len) || s->rd_eof || s->rd_shut || s->state == S_DEAD)
		ev |= PK_POLLIN;
	if (s->rd_eof)
		ev |= PK_POLLRDHUP;
	if (s->state == S_DEAD || (s->rd_eof && s->wr_shut))
		ev |= PK_POLLHUP;
	if (s->state == S_DEAD || s->wr_shut ||
	    (s->tcp && tcp_sndbuf(s->tcp) > 0 && tcp_sndqueuelen(s->tcp) < TCP_SND_QUEUELEN))
		ev |= PK_POLLOUT;
	return ev;
}

void sock_update(struct sock *s)
{
	pk_sock_notify(&s->h, sock_events(s));
}

void sock_addr_from(struct pk_sockaddr *a, const ip_addr_t *ip, u16_t port)
{
	a->ip = lwip_ntohl(ip_2_ip4(ip)->addr);
	a->port = port;
}

void sock_addr_to(ip_addr_t *ip, const struct pk_sockaddr *a)
{
	ip_addr_set_ip4_u32(ip, lwip_htonl(a->ip));
}

int sock_errno(err_t e)
{
	switch (e) {
	case ERR_OK:
		return 0;
	case ERR_MEM:
	case ERR_BUF:
		return -ENOBUFS;
	case ERR_USE:
		return -EADDRINUSE;
	case ERR_ISCONN:
		return -EISCONN;
	case ERR_ALREADY:
		return -EALREADY;
	case ERR_RTE:
		return -ENETUNREACH;
	case ERR_RST:
		return -ECONNRESET;
	case ERR_ABRT:
		return -ECONNABORTED;
	case ERR_CLSD:
		return -ENOTCONN;
	case ERR_TIMEOUT:
		return -ETIMEDOUT;
	case ERR_VAL:
	case ERR_ARG:
	default:
		return -EINVAL;
	}
}

static struct sock *sock_alloc(int type)
{
	struct sock *s = kmalloc(sizeof(*s));
	if (!s)
		return 0;
	memset(s, 0, sizeof(*s));
	pk_sock_init(&s->h, sched_cpu_self(), type); /* ops run on the owner */
	return s;
}

static void conn_gone(struct sock *s);

static void sock_free(struct sock *s)
{
	if (s->rx)
		pbuf_free(s->rx);
	sock_udp_drop(s);
	kfree(s);
}

/* --- lwIP's callbacks --- */

static err_t cb_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	struct sock *s = arg;
	(void)err;
	if (!s) {
		if (p) {
			tcp_recved(pcb, p->tot_len);
			pbuf_free(p);
		}
		return ERR_OK;
	}
	if (!p)
		s->rd_eof = 1;
	else if (s->rd_shut) { /* shut for reading: taken and dropped */
		tcp_recved(pcb, p->tot_len);
		pbuf_free(p);
	} else if (s->rx)
		pbuf_cat(s->rx, p);
	else
		s->rx = p;
	sock_update(s);
	return ERR_OK;
}

static err_t cb_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
	(void)pcb, (void)len;
	if (arg)
		sock_update(arg);
	return ERR_OK;
}

/* The pcb is gone already (reset, abort, a failed connect). */
static void cb_err(void *arg, err_t err)
{
	struct sock *s = arg;
	if (!s)
		return;
	s->tcp = 0;
	s->err = s->state == S_CONNECTING && err == ERR_RST ? -ECONNREFUSED : sock_errno(err);
	s->state = S_DEAD;
	sock_update(s);
}

static err_t cb_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct sock *s = arg;
	if (!s)
		return ERR_OK;
	if (err != ERR_OK) {
		s->err = sock_errno(err);
		s->state = S_DEAD;
	} else {
		s->state = S_CONN;
		sock_addr_from(&s->local, &pcb->local_ip, pcb->local_port);
	}
	sock_update(s);
	return ERR_OK;
}

static void conn_callbacks(struct sock *s, struct tcp_pcb *pcb)
{
	tcp_arg(pcb, s);
	tcp_recv(pcb, cb_recv);
	tcp_sent(pcb, cb_sent);
	tcp_err(pcb, cb_err);
}

/* The connection limit (PK_SO_CONNLIMIT) holds for the whole group of a
 * listener (net_inst.h): its count lives in the group's first socket,
 * which the other instances' members reach through parent, and moves
 * atomically. d = 1: one more if the limit allows (0 if not); -1: one
 * less. A member closed before its connections has no parent any more
 * (sock_op_close), and they count on its own socket, which nobody reads. */
static int conn_count(struct sock *l, int d)
{
	struct pk_sock *g = l->h.parent ? l->h.parent : &l->h;
	if (d < 0) {
		__atomic_sub_fetch(&g->conns, 1, __ATOMIC_ACQ_REL);
		return 1;
	}
	unsigned lim = __atomic_load_n(&g->conn_limit, __ATOMIC_ACQUIRE);
	if (__atomic_add_fetch(&g->conns, 1, __ATOMIC_ACQ_REL) > lim && lim) {
		__atomic_sub_fetch(&g->conns, 1, __ATOMIC_ACQ_REL);
		return 0;
	}
	return 1;
}

static err_t cb_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct sock *l = arg;
	if (err != ERR_OK || !pcb)
		return ERR_VAL;
	struct sock *c = 0;
	if (l && !l->closed && l->acc_len < l->backlog && conn_count(l, 1))
		if (!(c = sock_alloc(PK_SOCK_STREAM)))
			conn_count(l, -1);
	if (!c) { /* over the limit (or out of memory): refused with a reset */
		tcp_abort(pcb);
		return ERR_ABRT;
	}
	c->state = S_CONN;
	c->tcp = pcb;
	c->listener = l;
	sock_addr_from(&c->local, &pcb->local_ip, pcb->local_port);
	sock_addr_from(&c->peer, &pcb->remote_ip, pcb->remote_port);
	conn_callbacks(c, pcb);
	if (l->acc_tail)
		l->acc_tail->next = c;
	else
		l->acc = c;
	l->acc_tail = c;
	l->acc_len++;
	l->open++;
	sock_update(c);
	sock_update(l);
	return ERR_OK;
}

/* --- the ops --- */

int sock_op_new(int type, struct pk_sock **out)
{
	struct sock *s = sock_alloc(type);
	if (!s)
		return -ENOBUFS;
	if (type == PK_SOCK_STREAM) {
		s->tcp = tcp_new();
		if (s->tcp) {
			tcp_arg(s->tcp, s);
			tcp_err(s->tcp, cb_err);
		}
	} else
		sock_udp_open(s);
	if (!s->tcp && !s->udp) {
		sock_free(s);
		return -ENOBUFS;
	}
	s->h.events = sock_events(s);
	*out = &s->h;
	return 0;
}

int sock_op_bind(struct pk_sock *h, const struct pk_sockaddr *a)
{
	struct sock *s = (struct sock *)h;
	ip_addr_t ip;
	sock_addr_to(&ip, a);
	if (s->udp)
		return sock_udp_bind(s, &ip, a->port);
	if (!s->tcp || s->state != S_NEW || s->local.port)
		return -EINVAL;
	err_t e = tcp_bind(s->tcp, &ip, a->port);
	if (e != ERR_OK)
		return sock_errno(e);
	sock_addr_from(&s->local, &s->tcp->local_ip, s->tcp->local_port);
	return 0;
}

int sock_op_listen(struct pk_sock *h, int backlog)
{
	struct sock *s = (struct sock *)h;
	if (s->h.type != PK_SOCK_STREAM)
		return -EOPNOTSUPP;
	if (s->state == S_LISTEN) { /* Linux: listen again changes the backlog */
		s->backlog = backlog < 1 ? 1 : backlog > 4096 ? 4096 : (unsigned)backlog;
		return 0;
	}
	if (s->state != S_NEW || !s->tcp)
		return -EINVAL;
	if (!s->local.port) { /* Linux binds an ephemeral port */
		struct pk_sockaddr any = {0, 0};
		int r = sock_op_bind(h, &any);
		if (r)
			return r;
	}
	err_t e = ERR_OK;
	struct tcp_pcb *l = tcp_listen_with_backlog_and_err(s->tcp, 255, &e);
	if (!l)
		return e == ERR_USE ? -EADDRINUSE : sock_errno(e);
	s->tcp = l; /* the old pcb was freed */
	s->state = S_LISTEN;
	s->backlog = backlog < 1 ? 1 : backlog > 4096 ? 4096 : (unsigned)backlog;
	tcp_arg(l, s);
	tcp_accept(l, cb_accept);
	sock_update(s);
	return 0;
}

int sock_op_accept(struct pk_sock *h, struct pk_sock **out, struct pk_sockaddr *peer)
{
	struct sock *l = (struct sock *)h;
	if (l->state != S_LISTEN)
		return -EINVAL;
	struct sock *c = l->acc;
	if (!c)
		return -EAGAIN;
	l->acc = c->next;
	if (!l->acc)
		l->acc_tail = 0;
	l->acc_len--;
	c->next = 0;
	if (peer)
		*peer = c->peer;
	*out = &c->h;
	sock_update(l);
	return 0;
}

int sock_op_connect(struct pk_sock *h, const struct pk_sockaddr *to, int first)
{
	struct sock *s = (struct sock *)h;
	if (s->udp)
		return sock_udp_connect(s, to);
	switch (s->state) {
	case S_NEW:
		if (!first)
			return -EINVAL;
		break;
	case S_CONNECTING:
		return -EALREADY;
	case S_CONN:
		return first ? -EISCONN : 0;
	case S_LISTEN:
		return -EISCONN;
	case S_DEAD: {
		int e = s->err ? s->err : -ECONNABORTED;
		s->err = 0;
		return e;
	}
	}
	if (!s->tcp)
		return -EINVAL;
	ip_addr_t ip;
	sock_addr_to(&ip, to);
	err_t e = tcp_connect(s->tcp, &ip, to->port, cb_connected);
	if (e != ERR_OK)
		return sock_errno(e);
	conn_callbacks(s, s->tcp);
	s->peer = *to;
	sock_addr_from(&s->local, &s->tcp->local_ip, s->tcp->local_port);
	s->state = S_CONNECTING;
	sock_update(s);
	return -EINPROGRESS;
}

long sock_op_recv(struct pk_sock *h, void *buf, size_t n, int flags, struct pk_sockaddr *from)
{
	struct sock *s = (struct sock *)h;
	if (s->h.type == PK_SOCK_DGRAM)
		return sock_udp_recv(s, buf, n, flags, from);
	if (s->state == S_LISTEN || s->state == S_NEW || s->state == S_CONNECTING)
		return -ENOTCONN;
	if (from)
		*from = s->peer;
	if (s->rx && s->rx->tot_len && n && !s->rd_shut) {
		size_t k = n < s->rx->tot_len ? n : s->rx->tot_len;
		pbuf_copy_partial(s->rx, buf, (u16_t)k, 0);
		if (!(flags & PK_MSG_PEEK)) {
			s->rx = pbuf_free_header(s->rx, (u16_t)k);
			if (s->tcp) /* open the window by what the app took */
				tcp_recved(s->tcp, (u16_t)k);
			sock_update(s);
		}
		return (long)k;
	}
	if (s->err) {
		int e = s->err;
		s->err = 0;
		sock_update(s);
		return e;
	}
	if (s->rd_eof || s->rd_shut || s->state == S_DEAD || !n)
		return 0;
	return -EAGAIN;
}

long sock_op_send(struct pk_sock *h, const void *buf, size_t n, int flags,
		  const struct pk_sockaddr *to)
{
	struct sock *s = (struct sock *)h;
	(void)flags;
	if (s->udp)
		return sock_udp_send(s, buf, n, to);
	if (s->err) {
		int e = s->err;
		s->err = 0;
		sock_update(s);
		return e;
	}
	if (s->state == S_DEAD || s->wr_shut)
		return -EPIPE;
	if (s->state != S_CONN || !s->tcp)
		return -ENOTCONN;
	if (!n)
		return 0;
	size_t room = tcp_sndbuf(s->tcp);
	if (tcp_sndqueuelen(s->tcp) >= TCP_SND_QUEUELEN)
		room = 0;
	size_t k = n < room ? n : room;
	if (k > 0xffff)
		k = 0xffff;
	if (!k || tcp_write(s->tcp, buf, (u16_t)k, TCP_WRITE_FLAG_COPY) != ERR_OK) {
		sock_update(s);
		return -EAGAIN;
	}
	tcp_output(s->tcp);
	sock_update(s);
	return (long)k;
}

int sock_op_shutdown(struct pk_sock *h, int how)
{
	struct sock *s = (struct sock *)h;
	if (how < PK_SHUT_RD || how > PK_SHUT_RDWR)
		return -EINVAL;
	if (s->h.type != PK_SOCK_STREAM || (s->state != S_CONN && s->state != S_DEAD))
		return -ENOTCONN;
	if (how != PK_SHUT_WR && !s->rd_shut) {
		s->rd_shut = 1; /* what waits is dropped, its window opened */
		if (s->rx) {
			if (s->tcp)
				tcp_recved(s->tcp, s->rx->tot_len);
			pbuf_free(s->rx);
			s->rx = 0;
		}
	}
	if (how != PK_SHUT_RD && !s->wr_shut) {
		s->wr_shut = 1;
		if (s->tcp && tcp_shutdown(s->tcp, 0, 1) != ERR_OK)
			kprintf("net: shutdown: no memory for the FIN\n");
	}
	sock_update(s);
	return 0;
}

/* Let go of a connection's pcb: a graceful close (a reset when unread
 * data waits, as Linux does), an abort when lwIP has no memory for it. */
static void tcp_let_go(struct tcp_pcb *pcb)
{
	tcp_arg(pcb, 0);
	tcp_sent(pcb, 0);
	tcp_err(pcb, 0);
	tcp_recv(pcb, 0); /* lwIP's default: take and drop */
	if (tcp_close(pcb) != ERR_OK)
		tcp_abort(pcb);
}

/* An accepted connection is closed: its listener counts one less, and a
 * listener closed before it is freed with its last connection. */
static void conn_gone(struct sock *s)
{
	struct sock *l = s->listener;
	if (!l)
		return;
	l->open--;
	conn_count(l, -1);
	if (l->closed && !l->open)
		sock_free(l);
}

void sock_op_close(struct pk_sock *h)
{
	struct sock *s = (struct sock *)h;
	if (s->udp)
		sock_udp_close(s);
	if (s->state == S_LISTEN) {
		struct sock *c;
		while ((c = s->acc)) { /* never accepted: reset */
			s->acc = c->next;
			if (c->tcp) {
				tcp_arg(c->tcp, 0);
				tcp_abort(c->tcp);
			}
			s->open--;
			conn_count(s, -1);
			sock_free(c);
		}
		s->acc_tail = 0;
		s->acc_len = 0;
		tcp_arg(s->tcp, 0);
		tcp_close(s->tcp); /* a listen pcb closes at once */
		s->tcp = 0;
		s->closed = 1;
		s->h.parent = 0; /* the group's first socket may go before them */
		if (s->open)	 /* accepted connections still point at it */
			return;
	} else if (s->tcp) {
		if (s->rx && s->rx->tot_len && s->tcp->state != CLOSED) {
			tcp_arg(s->tcp, 0); /* unread data: reset, as Linux does */
			tcp_abort(s->tcp);
		} else
			tcp_let_go(s->tcp);
		s->tcp = 0;
	}
	conn_gone(s);
	sock_free(s);
}

int sock_op_name(struct pk_sock *h, int peer, struct pk_sockaddr *out)
{
	struct sock *s = (struct sock *)h;
	if (peer) {
		if (s->h.type == PK_SOCK_STREAM ? s->state != S_CONN : !s->peer.port)
			return -ENOTCONN;
		*out = s->peer;
	} else
		*out = s->local;
	return 0;
}

int sock_op_setopt(struct pk_sock *h, int opt, int val)
{
	struct sock *s = (struct sock *)h;
	switch (opt) {
	case PK_SO_NODELAY:
		if (s->tcp && s->state != S_LISTEN) {
			if (val)
				tcp_nagle_disable(s->tcp);
			else
				tcp_nagle_enable(s->tcp);
		}
		return 0;
	case PK_SO_KEEPALIVE:
		if (s->tcp && s->state != S_LISTEN) {
			if (val)
				ip_set_option(s->tcp, SOF_KEEPALIVE);
			else
				ip_reset_option(s->tcp, SOF_KEEPALIVE);
		}
		return 0;
	case PK_SO_REUSEADDR:
		s->reuse = val != 0;
		if (s->tcp) {
			if (val)
				ip_set_option(s->tcp, SOF_REUSEADDR);
			else
				ip_reset_option(s->tcp, SOF_REUSEADDR);
		}
		return 0;
	case PK_SO_CONNLIMIT:
		if (val < 0)
			return -EINVAL;
		__atomic_store_n(&s->h.conn_limit, (unsigned)val, __ATOMIC_RELEASE);
		return 0;
	}
	return -ENOPROTOOPT;
}

int sock_op_getopt(struct pk_sock *h, int opt, int *val)
{
	struct sock *s = (struct sock *)h;
	switch (opt) {
	case PK_SO_ERROR:
		*val = s->err;
		s->err = 0;
		sock_update(s);
		return 0;
	case PK_SO_NODELAY:
		*val = s->tcp && s->state != S_LISTEN && tcp_nagle_disabled(s->tcp);
		return 0;
	case PK_SO_KEEPALIVE:
		*val = s->tcp && s->state != S_LISTEN && ip_get_option(s->tcp, SOF_KEEPALIVE);
		return 0;
	case PK_SO_REUSEADDR:
		*val = s->reuse;
		return 0;
	case PK_SO_CONNLIMIT:
		*val = (int)s->h.conn_limit;
		return 0;
	case PK_SO_RCVBUF:
		*val = s->rx ? s->rx->tot_len : 0;
		return 0;
	case PK_SO_SNDBUF:
		*val = s->tcp && s->state == S_CONN ? tcp_sndbuf(s->tcp) : 0;
		return 0;
	}
	return -ENOPROTOOPT;
}
