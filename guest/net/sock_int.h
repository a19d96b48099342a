/* SPDX-License-Identifier: MIT */
/* guest/net/sock_int.h - inside the stack: the socket that sock.c (TCP
 * and the ops) and sock_udp.c (UDP) share, and what each calls of the
 * other. Single instance, single CPU (sock.c says why no locks). */
#ifndef PK_NET_SOCK_INT_H
#define PK_NET_SOCK_INT_H

#include "lwip/ip_addr.h"
#include "lwip/pbuf.h"
#include "net_inst.h"

enum sock_state { S_NEW, S_LISTEN, S_CONNECTING, S_CONN, S_DEAD };

#define UDP_QUEUE_MAX 64 /* datagrams waiting for recv; more are dropped */

struct dgram {
	struct pbuf *p;
	struct pk_sockaddr from;
	struct dgram *next;
};

struct sock {
	struct pk_sock h; /* first: the handle outside code sees */
	enum sock_state state;
	struct tcp_pcb *tcp; /* NULL once lwIP freed it (err callback) or we let go */
	struct udp_pcb *udp;
	int err;		    /* pending error, -errno, reported once */
	int rd_eof, rd_shut;	    /* the peer sent FIN; we shut reading */
	int wr_shut;		    /* we sent FIN */
	struct pbuf *rx;	    /* TCP: received, not taken */
	struct dgram *dq, *dq_tail; /* UDP */
	unsigned dq_len;
	/* a listener */
	struct sock *acc, *acc_tail; /* connections waiting for accept */
	unsigned acc_len, backlog;
	unsigned open; /* its connections not yet closed (it is freed after them) */
	int closed;    /* closed by the app: freed with its last connection */
	/* a connection */
	struct sock *listener; /* counted in its `open` until closed */
	struct sock *next;     /* accept queue */
	int reuse;
	struct pk_sockaddr local, peer;
};

/* sock.c */
void sock_update(struct sock *s); /* publish the socket's events */
void sock_addr_from(struct pk_sockaddr *a, const ip_addr_t *ip, u16_t port);
void sock_addr_to(ip_addr_t *ip, const struct pk_sockaddr *a);
int sock_errno(err_t e); /* lwIP's err_t as -errno */

/* sock_udp.c: a datagram socket's part of the ops */
void sock_udp_open(struct sock *s);  /* s->udp, or NULL out of memory */
void sock_udp_close(struct sock *s); /* the pcb; the queue goes in sock_udp_drop */
void sock_udp_drop(struct sock *s);  /* free the datagrams not taken */
int sock_udp_bind(struct sock *s, const ip_addr_t *ip, u16_t port);
int sock_udp_connect(struct sock *s, const struct pk_sockaddr *to);
long sock_udp_recv(struct sock *s, void *buf, size_t n, int flags, struct pk_sockaddr *from);
long sock_udp_send(struct sock *s, const void *buf, size_t n, const struct pk_sockaddr *to);

#endif
