/* SPDX-License-Identifier: MIT */
/*
 * guest/net/lwip_port.h - one lwIP instance (NO_SYS, raw API) on the
 * virtio-net driver: the netif, the receive poll and lwIP's timers, all on
 * the calling executor (docs/network.md, "lwIP"). Built with -DPK_LWIP=ON.
 */
#ifndef PK_NET_LWIP_PORT_H
#define PK_NET_LWIP_PORT_H

#include <stdbool.h>
#include <stdint.h>

struct netif;

/* Bring up virtio-net and lwIP: a static address when ip != 0 (host byte
 * order, /24, gateway .2), else DHCP. NULL with a message on failure. */
struct netif *pk_lwip_start(uint32_t ip);
/* Feed received frames to lwIP and run its due timers; true when a frame
 * came in. */
bool pk_lwip_poll(struct netif *n);
/* After a pk_lwip_poll that found nothing: suspend until the device
 * interrupts, lwIP's next timer is due, or max_ns pass. */
void pk_lwip_wait(uint64_t max_ns);

#endif
