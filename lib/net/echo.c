/* SPDX-License-Identifier: MIT */
/* lib/net/echo.c - ARP, ICMP echo and UDP echo answered by hand (echo.h). */
#include "echo.h"

#define ETHERTYPE_IP 0x0800
#define ETHERTYPE_ARP 0x0806
#define IPPROTO_ICMP_ 1
#define IPPROTO_UDP_ 17

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}
static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}
static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

uint16_t net_csum(const void *p, uint32_t n)
{
	const uint8_t *b = p;
	uint32_t sum = 0;
	for (uint32_t i = 0; i + 1 < n; i += 2)
		sum += be16(b + i);
	if (n & 1)
		sum += (uint32_t)b[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

int net_parse_ip(const char *s, uint32_t *ip)
{
	uint32_t v = 0;
	for (int part = 0; part < 4; part++) {
		unsigned n = 0, digits = 0;
		while (*s >= '0' && *s <= '9' && digits < 4)
			n = n * 10 + (unsigned)(*s++ - '0'), digits++;
		if (!digits || n > 255)
			return -1;
		v = v << 8 | n;
		if (part < 3 && *s++ != '.')
			return -1;
	}
	if (*s && *s != '/')
		return -1;
	*ip = v;
	return 0;
}

/* Ethernet header of the reply: back to the sender, from us. */
static void eth_reply(const struct net_echo_cfg *c, const uint8_t *in, uint8_t *out, uint16_t type)
{
	__builtin_memcpy(out, in + 6, 6);
	__builtin_memcpy(out + 6, c->mac, 6);
	put16(out + 12, type);
}

static uint32_t pad(uint8_t *out, uint32_t n, uint32_t cap)
{
	if (n < ETH_ZLEN && cap >= ETH_ZLEN) {
		__builtin_memset(out + n, 0, ETH_ZLEN - n);
		n = ETH_ZLEN;
	}
	return n;
}

static uint32_t arp_reply(const struct net_echo_cfg *c, const uint8_t *in, uint32_t len,
			  uint8_t *out, uint32_t cap)
{
	const uint8_t *a = in + ETH_HLEN;
	/* Ethernet/IPv4 request (RFC 826): htype 1, ptype 0x800, 6, 4, op 1 */
	if (len < ETH_HLEN + 28 || cap < ETH_HLEN + 28 || be16(a) != 1 ||
	    be16(a + 2) != ETHERTYPE_IP || a[4] != 6 || a[5] != 4 || be16(a + 6) != 1 ||
	    be32(a + 24) != c->ip)
		return 0;
	eth_reply(c, in, out, ETHERTYPE_ARP);
	uint8_t *r = out + ETH_HLEN;
	__builtin_memcpy(r, a, 6);
	put16(r + 6, 2);		    /* reply */
	__builtin_memcpy(r + 8, c->mac, 6); /* sender: us */
	put32(r + 14, c->ip);
	__builtin_memcpy(r + 18, a + 8, 10); /* target: the asker's hardware + protocol address */
	return pad(out, ETH_HLEN + 28, cap);
}

static uint32_t ip_reply(const struct net_echo_cfg *c, const uint8_t *in, uint32_t len,
			 uint8_t *out, uint32_t cap, enum net_echo_kind *kind)
{
	const uint8_t *ip = in + ETH_HLEN;
	if (len < ETH_HLEN + 20 || (ip[0] >> 4) != 4)
		return 0;
	uint32_t ihl = (ip[0] & 15u) * 4, tot = be16(ip + 2);
	/* header inside the packet, the packet inside the frame (the rest is
	 * Ethernet padding), unfragmented, addressed to us */
	if (ihl < 20 || tot < ihl || tot > len - ETH_HLEN || (be16(ip + 6) & 0x3fff) ||
	    be32(ip + 16) != c->ip || net_csum(ip, ihl) != 0)
		return 0;
	const uint8_t *l4 = ip + ihl;
	uint32_t l4len = tot - ihl;
	if (ETH_HLEN + tot > cap)
		return 0;
	if (ip[9] == IPPROTO_ICMP_) {
		if (l4len < 8 || l4[0] != 8 || l4[1] != 0) /* echo request */
			return 0;
		*kind = NET_ECHO_ICMP;
	} else if (ip[9] == IPPROTO_UDP_) {
		if (l4len < 8 || be16(l4 + 2) != NET_ECHO_PORT || be16(l4 + 4) < 8 ||
		    be16(l4 + 4) > l4len)
			return 0;
		*kind = NET_ECHO_UDP;
	} else {
		return 0;
	}
	eth_reply(c, in, out, ETHERTYPE_IP);
	uint8_t *o = out + ETH_HLEN;
	__builtin_memcpy(o, ip, tot);
	__builtin_memcpy(o + 12, ip + 16, 4); /* source: us (the address it was sent to) */
	__builtin_memcpy(o + 16, ip + 12, 4); /* destination: the sender */
	o[8] = 64;			      /* TTL */
	put16(o + 10, 0);
	put16(o + 10, net_csum(o, ihl));
	uint8_t *r = o + ihl;
	if (*kind == NET_ECHO_ICMP) {
		r[0] = 0; /* echo reply, same id, sequence and data */
		put16(r + 2, 0);
		put16(r + 2, net_csum(r, l4len));
	} else {
		__builtin_memcpy(r, l4 + 2, 2); /* ports swapped */
		__builtin_memcpy(r + 2, l4, 2);
		put16(r + 6, 0); /* no checksum (RFC 768: allowed over IPv4) */
	}
	return pad(out, ETH_HLEN + tot, cap);
}

uint32_t net_echo_reply(const struct net_echo_cfg *c, const uint8_t *in, uint32_t len, uint8_t *out,
			uint32_t cap, enum net_echo_kind *kind)
{
	*kind = NET_ECHO_NONE;
	if (len < ETH_HLEN || cap < ETH_HLEN)
		return 0;
	uint16_t type = be16(in + 12);
	if (type == ETHERTYPE_ARP) {
		uint32_t n = arp_reply(c, in, len, out, cap);
		if (n)
			*kind = NET_ECHO_ARP;
		return n;
	}
	if (type == ETHERTYPE_IP)
		return ip_reply(c, in, len, out, cap, kind);
	return 0;
}
