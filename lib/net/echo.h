/* SPDX-License-Identifier: MIT */
/*
 * lib/net/echo.h - answer one Ethernet frame by hand, with no TCP/IP
 * stack: ARP requests for our address (RFC 826), ICMP echo requests (RFC
 * 792) and UDP datagrams to the echo port 7 (RFC 862), IPv4 only. run=
 * netecho uses it to prove the virtio-net data path; the unit test feeds it
 * malformed frames. Pure code: the guest and the host tests compile it.
 */
#ifndef PK_LIB_NET_ECHO_H
#define PK_LIB_NET_ECHO_H

#include <stdint.h>

#define ETH_HLEN 14
#define ETH_ZLEN 60 /* minimum frame without FCS: replies are padded to it */
#define NET_ECHO_PORT 7

enum net_echo_kind { NET_ECHO_NONE, NET_ECHO_ARP, NET_ECHO_ICMP, NET_ECHO_UDP };

struct net_echo_cfg {
	uint8_t mac[6];
	uint32_t ip; /* host byte order: 10.0.2.15 is 0x0a00020f */
};

/* The reply to `in` (len bytes) written to out (cap bytes), its length,
 * and what it answered in *kind; 0 when the frame needs no answer or is
 * malformed (short, bad header lengths, not for us). Never reads past
 * in[len) or writes past out[cap). */
uint32_t net_echo_reply(const struct net_echo_cfg *c, const uint8_t *in, uint32_t len, uint8_t *out,
			uint32_t cap, enum net_echo_kind *kind);
/* The Internet checksum (RFC 1071) of n bytes. */
uint16_t net_csum(const void *p, uint32_t n);
/* "10.0.2.15" or "10.0.2.15/24" (the prefix is ignored here): 0 and *ip,
 * or -1. */
int net_parse_ip(const char *s, uint32_t *ip);

#endif
