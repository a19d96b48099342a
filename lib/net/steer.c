/* SPDX-License-Identifier: MIT */
/*
 * lib/net/steer.c - flow steering (steer.h). Ethernet II without VLAN
 * tags (IEEE 802.3 3.2.6), IPv4 (RFC 791), TCP/UDP ports at the start of
 * the transport header (RFC 793, RFC 768), ARP opcodes (RFC 826).
 */
#include "steer.h"

static uint32_t rd16(const uint8_t *p)
{
	return (uint32_t)p[0] << 8 | p[1];
}

static uint32_t rd32(const uint8_t *p)
{
	return rd16(p) << 16 | rd16(p + 2);
}

uint32_t net_flow_hash(uint32_t saddr, uint32_t daddr, uint16_t sport, uint16_t dport)
{
	/* a murmur3-style finaliser over the tuple: consecutive ports (what a
	 * client's ephemeral ports are) spread evenly over any n */
	uint32_t h = saddr * 0x9e3779b1u;
	h ^= daddr + 0x7f4a7c15u + (h << 6) + (h >> 2);
	h ^= ((uint32_t)sport << 16 | dport) + 0x85ebca6bu + (h << 6) + (h >> 2);
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

unsigned net_steer(const uint8_t *f, size_t len, unsigned n)
{
	if (n <= 1 || len < 14)
		return 0; /* one queue: everything is queue 0's anyway */
	uint32_t type = rd16(f + 12);
	if (type == 0x0806) /* ARP: opcode at 14 + 6 */
		return len >= 22 && rd16(f + 20) == 2 ? NET_STEER_ALL : 0;
	if (type != 0x0800 || len < 14 + 20)
		return 0;
	const uint8_t *ip = f + 14;
	unsigned ihl = (ip[0] & 15u) * 4;
	if ((ip[0] >> 4) != 4 || ihl < 20 || len < 14 + ihl + 4)
		return 0;
	if (rd16(ip + 6) & 0x3fff) /* MF or a fragment offset: no ports here */
		return 0;
	uint8_t proto = ip[9];
	if (proto != 6 && proto != 17)
		return 0;
	const uint8_t *l4 = ip + ihl;
	uint16_t sport = (uint16_t)rd16(l4), dport = (uint16_t)rd16(l4 + 2);
	if (proto == 17 && dport == 68)
		return 0;
	return net_flow_hash(rd32(ip + 12), rd32(ip + 16), sport, dport) % n;
}

uint16_t net_steer_port(uint32_t local, uint32_t remote, uint16_t rport, unsigned want, unsigned n,
			uint16_t from, uint16_t lo, uint16_t hi)
{
	if (lo > hi || lo == 0)
		return 0;
	uint32_t span = (uint32_t)hi - lo + 1;
	uint32_t start = from >= lo && from <= hi ? (uint32_t)from - lo : 0;
	for (uint32_t k = 0; k < span; k++) {
		uint16_t port = (uint16_t)(lo + (start + k) % span);
		if (n <= 1 || net_flow_hash(remote, local, rport, port) % n == want)
			return port;
	}
	return 0;
}
