/* SPDX-License-Identifier: MIT */
/*
 * guest/net/lwip_port.h - one lwIP instance (NO_SYS, raw API) on the
 * virtio-net driver: the netif, the receive poll and lwIP's timers, all on
 * the instance's CPU (docs/netstack.md, "lwIP"). Inside the stack
 * (PK_NET_STACK_SRCS): every copy has its own; the kernel reaches them
 * through net_inst.h. Built with -DPK_LWIP=ON.
 */
#ifndef PK_NET_LWIP_PORT_H
#define PK_NET_LWIP_PORT_H

#include <stdbool.h>
#include <stdint.h>

#include "guest/net/net_inst.h"

struct netif;

/* Bring up lwIP on the driver's instance `inst` (vnet_init has run):
 * c->ip (host byte order) with its mask and gateway, or DHCP when it is
 * 0. Instances other than 0 do not announce the address. 0 or -1. */
int pk_lwip_start(unsigned inst, const struct pk_net_cfg *c);
/* Feed received frames to lwIP and run its due timers; true when a frame
 * came in. */
bool pk_lwip_poll(void);
/* After a pk_lwip_poll that found nothing: suspend until the device
 * interrupts, lwIP's next timer is due, or max_ns pass. */
void pk_lwip_wait(uint64_t max_ns);
/* The netif's address, mask and gateway now (host byte order). */
void pk_lwip_addr(struct pk_net_cfg *out);
/* This instance's netif (for apps inside the stack). */
struct netif *pk_lwip_netif(void);

#endif
