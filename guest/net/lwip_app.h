/* SPDX-License-Identifier: MIT */
/*
 * guest/net/lwip_app.h - what a raw-API TCP server app of the stack
 * does the same way (run=http, run=kv): a listening pcb, a connection's
 * birth on accept, its end on close or on lwIP's error. Inside the stack
 * (PK_NET_STACK_SRCS): each copy its own.
 */
#ifndef PK_NET_LWIP_APP_H
#define PK_NET_LWIP_APP_H

#include <stddef.h>
#include <stdint.h>

#include "lwip/tcp.h"

/* a pcb listening on PORT whose connections go to fn; NULL with a message */
struct tcp_pcb *lwip_app_listen(uint16_t port, tcp_accept_fn fn, const char *app);
/* Detach a connection's callbacks, then close it, aborting when the close
 * cannot be queued; ERR_ABRT then (what an lwIP callback must return after
 * an abort), else ERR_OK. */
err_t lwip_app_close(struct tcp_pcb *pcb);

/* What an app's connection struct starts with (its member `base`). */
struct lwip_app_conn {
	struct tcp_pcb *pcb;
	const struct lwip_app_ops *ops;
};
struct lwip_app_ops {
	size_t size;	  /* the app's connection struct */
	size_t zero;	  /* its first bytes zeroed on accept (http: not its buffer) */
	tcp_recv_fn recv; /* lwIP's callbacks for it, arg = the connection */
	tcp_sent_fn sent;
	tcp_poll_fn poll; /* or NULL */
	u8_t poll_interval;
	/* its memory and the app's count of it; the pcb is gone or let go */
	void (*free)(struct lwip_app_conn *c);
};
/* lwIP's accept for an app: a connection from the per-core heap with its
 * callbacks (lwIP's error frees it through ops->free) and Nagle off (one
 * reply per request must not wait for an ACK). NULL when refused, with
 * *ret what the accept callback returns (ERR_ABRT after an abort). */
struct lwip_app_conn *lwip_app_accept(const struct lwip_app_ops *ops, struct tcp_pcb *pcb,
				      err_t err, err_t *ret);
/* The app closes a connection: ops->free, then lwip_app_close. */
err_t lwip_app_conn_close(struct lwip_app_conn *c);
#endif
