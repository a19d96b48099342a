/* SPDX-License-Identifier: MIT */
/*
 * guest/net/lwip_app.h - what a raw-API TCP server app of the stack
 * does the same way (run=http; run=kv has its own copy from before): the
 * ip= option, a listening pcb, and the stack's poll loop. Inside the stack
 * (PK_LWIP_GLUE / PK_NET_STACK_SRCS): single instance, single CPU.
 */
#ifndef PK_NET_LWIP_APP_H
#define PK_NET_LWIP_APP_H

#include <stdint.h>

#include "lwip/tcp.h"

struct netif;

/* ip= from the command line into *ip (0 when absent: DHCP); -1 with a
 * message naming APP and the value when it is not an IPv4 address */
int lwip_app_ip(const char *cmdline, const char *app, uint32_t *ip);
/* a pcb listening on PORT whose connections go to fn; NULL with a message */
struct tcp_pcb *lwip_app_listen(uint16_t port, tcp_accept_fn fn, const char *app);
/* Detach a connection's callbacks, then close it, aborting when the close
 * cannot be queued; ERR_ABRT then (what an lwIP callback must return after
 * an abort), else ERR_OK. */
err_t lwip_app_close(struct tcp_pcb *pcb);
/* The stack's loop: poll, and wait for the device's interrupt or lwIP's
 * next timer when there was nothing, until *stop or the TSC reaches end
 * (0: no end). Once the address is known it says "APP: serving WHAT on
 * ADDR:PORT". */
void lwip_app_serve(struct netif *n, const char *app, const char *what, uint16_t port, uint64_t end,
		    const volatile int *stop);

#endif
