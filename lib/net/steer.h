/* SPDX-License-Identifier: MIT */
/*
 * lib/net/steer.h - which queue (and so which CPU's stack instance) a
 * received Ethernet frame belongs to (docs/netstack.md, "Flow steering").
 * One rule on both sides: the vmm's virtio-net device puts each frame on
 * the receive queue this names, and the guest's driver checks every frame
 * it takes off a queue against the same rule, handing a frame that landed
 * elsewhere (another device's steering, one queue pair only) to the
 * instance it names. Pure code: the guest, the vmm and the host tests
 * compile it.
 */
#ifndef PK_LIB_NET_STEER_H
#define PK_LIB_NET_STEER_H

#include <stddef.h>
#include <stdint.h>

/* net_steer's answer for an ARP reply: every instance may be waiting for
 * it (each resolves its own next hops); the vmm puts it on queue 0. */
#define NET_STEER_ALL 0xffffffffu

/* The flow hash of an IPv4 TCP/UDP 4-tuple as it appears in a frame the
 * guest receives (addresses and ports in host byte order). */
uint32_t net_flow_hash(uint32_t saddr, uint32_t daddr, uint16_t sport, uint16_t dport);

/*
 * The queue 0 .. n-1 for frame[0, len) (n >= 1), or NET_STEER_ALL:
 * - IPv4 TCP or UDP, not a fragment: net_flow_hash % n, except UDP to
 *   port 68 (a DHCP reply: instance 0 runs DHCP), which is queue 0;
 * - an ARP reply: NET_STEER_ALL;
 * - anything else (ARP requests, ICMP, fragments, runts, other types): 0,
 *   so ARP and ICMP are answered once, by instance 0.
 * Reads nothing outside frame[0, len).
 */
unsigned net_steer(const uint8_t *frame, size_t len, unsigned n);

/* For a connection this CPU opens (local -> remote:rport): a local port in
 * [lo, hi], tried from `from` upwards (wrapping), whose replies
 * (remote:rport -> local:port) land on queue `want` of n, so the reply
 * comes to the instance that connected. About one port in n fits; 0 when
 * none in the range does. */
uint16_t net_steer_port(uint32_t local, uint32_t remote, uint16_t rport, unsigned want, unsigned n,
			uint16_t from, uint16_t lo, uint16_t hi);

#endif
