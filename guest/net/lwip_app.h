/* SPDX-License-Identifier: MIT */
/*
 * guest/net/lwip_app.h - what a raw-API TCP server app of the stack
 * does the same way (run=http, run=kv): a listening pcb, closing a connection. Inside the stack
 * (PK_NET_STACK_SRCS): each copy its own.
 */
#ifndef PK_NET_LWIP_APP_H
#define PK_NET_LWIP_APP_H

#include <stdint.h>

#include "lwip/tcp.h"

/* a pcb listening on PORT whose connections go to fn; NULL with a message */
struct tcp_pcb *lwip_app_listen(uint16_t port, tcp_accept_fn fn, const char *app);
/* Detach a connection's callbacks, then close it, aborting when the close
 * cannot be queued; ERR_ABRT then (what an lwIP callback must return after
 * an abort), else ERR_OK. */
err_t lwip_app_close(struct tcp_pcb *pcb);
#endif
