/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_net_echo.c - lib/net/echo.c, the by-hand ARP / ICMP echo
 * / UDP echo responder of run=netecho: well-formed requests get the reply
 * the RFCs describe (checksums verified), malformed or foreign frames get
 * none, and no frame length makes it read or write out of bounds (ASan).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "lib/net/echo.h"

static const struct net_echo_cfg cfg = {{0x52, 0x54, 0, 0x12, 0x34, 0x56}, 0x0a00020f};
static const uint8_t peer_mac[6] = {0x52, 0x55, 0x0a, 0, 2, 2};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint32_t mk_arp(uint8_t *f, uint32_t target_ip)
{
	memset(f, 0, 60);
	memset(f, 0xff, 6);
	memcpy(f + 6, peer_mac, 6);
	put16(f + 12, 0x0806);
	uint8_t *a = f + 14;
	put16(a, 1);
	put16(a + 2, 0x0800);
	a[4] = 6, a[5] = 4;
	put16(a + 6, 1);
	memcpy(a + 8, peer_mac, 6);
	uint8_t spa[4] = {10, 0, 2, 2};
	memcpy(a + 14, spa, 4);
	a[24] = (uint8_t)(target_ip >> 24), a[25] = (uint8_t)(target_ip >> 16);
	a[26] = (uint8_t)(target_ip >> 8), a[27] = (uint8_t)target_ip;
	return 60;
}

/* IPv4 from 10.0.2.2 to us, proto, with l4len bytes of payload at f+34 */
static uint32_t mk_ip(uint8_t *f, uint8_t proto, uint32_t l4len)
{
	memcpy(f, cfg.mac, 6);
	memcpy(f + 6, peer_mac, 6);
	put16(f + 12, 0x0800);
	uint8_t *ip = f + 14;
	memset(ip, 0, 20);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(20 + l4len));
	ip[8] = 64;
	ip[9] = proto;
	uint8_t src[4] = {10, 0, 2, 2}, dst[4] = {10, 0, 2, 15};
	memcpy(ip + 12, src, 4);
	memcpy(ip + 16, dst, 4);
	put16(ip + 10, net_csum(ip, 20));
	return 14 + 20 + l4len;
}

static uint32_t mk_icmp(uint8_t *f, uint32_t data)
{
	uint8_t *icmp = f + 34;
	memset(icmp, 0, 8 + data);
	icmp[0] = 8;
	put16(icmp + 4, 0x1234);
	put16(icmp + 6, 7);
	for (uint32_t i = 0; i < data; i++)
		icmp[8 + i] = (uint8_t)i;
	put16(icmp + 2, net_csum(icmp, 8 + data));
	return mk_ip(f, 1, 8 + data);
}

static uint32_t mk_udp(uint8_t *f, uint16_t dport, uint32_t data)
{
	uint8_t *u = f + 34;
	put16(u, 40000);
	put16(u + 2, dport);
	put16(u + 4, (uint16_t)(8 + data));
	put16(u + 6, 0);
	for (uint32_t i = 0; i < data; i++)
		u[8 + i] = (uint8_t)(i * 7);
	return mk_ip(f, 17, 8 + data);
}

START_TEST(arp_request_answered)
{
	uint8_t in[64], out[128];
	enum net_echo_kind k;
	uint32_t n = net_echo_reply(&cfg, in, mk_arp(in, cfg.ip), out, sizeof(out), &k);
	ck_assert_uint_eq(n, 60);
	ck_assert_int_eq(k, NET_ECHO_ARP);
	ck_assert(memcmp(out, peer_mac, 6) == 0);
	ck_assert(memcmp(out + 6, cfg.mac, 6) == 0);
	ck_assert_uint_eq(out[14 + 7], 2); /* op reply */
	ck_assert(memcmp(out + 14 + 8, cfg.mac, 6) == 0);
	uint8_t me[4] = {10, 0, 2, 15}, him[4] = {10, 0, 2, 2};
	ck_assert(memcmp(out + 14 + 14, me, 4) == 0);
	ck_assert(memcmp(out + 14 + 18, peer_mac, 6) == 0);
	ck_assert(memcmp(out + 14 + 24, him, 4) == 0);
	/* for someone else: no answer */
	ck_assert_uint_eq(net_echo_reply(&cfg, in, mk_arp(in, 0x0a000203), out, 128, &k), 0);
	ck_assert_int_eq(k, NET_ECHO_NONE);
}
END_TEST

START_TEST(icmp_echo_answered)
{
	uint8_t in[1600], out[1600];
	enum net_echo_kind k;
	uint32_t len = mk_icmp(in, 56);
	uint32_t n = net_echo_reply(&cfg, in, len, out, sizeof(out), &k);
	ck_assert_uint_eq(n, len);
	ck_assert_int_eq(k, NET_ECHO_ICMP);
	ck_assert_uint_eq(out[34], 0); /* echo reply */
	ck_assert_uint_eq(net_csum(out + 34, 64), 0);
	ck_assert_uint_eq(net_csum(out + 14, 20), 0);
	ck_assert(memcmp(out + 34 + 4, in + 34 + 4, 60) == 0);	/* id, seq, data */
	ck_assert(memcmp(out + 14 + 16, in + 14 + 12, 4) == 0); /* back to the sender */
	/* a bad IP checksum, another destination, an echo reply: ignored */
	in[14 + 10] ^= 1;
	ck_assert_uint_eq(net_echo_reply(&cfg, in, len, out, sizeof(out), &k), 0);
	len = mk_icmp(in, 56);
	in[34] = 0;
	ck_assert_uint_eq(net_echo_reply(&cfg, in, len, out, sizeof(out), &k), 0);
}
END_TEST

START_TEST(udp_echo_answered)
{
	uint8_t in[1600], out[1600];
	enum net_echo_kind k;
	uint32_t len = mk_udp(in, 7, 1000);
	uint32_t n = net_echo_reply(&cfg, in, len, out, sizeof(out), &k);
	ck_assert_uint_eq(n, len);
	ck_assert_int_eq(k, NET_ECHO_UDP);
	ck_assert_uint_eq((out[34] << 8 | out[35]), 7);
	ck_assert_uint_eq((out[36] << 8 | out[37]), 40000);
	ck_assert(memcmp(out + 42, in + 42, 1000) == 0);
	/* another port: nothing */
	len = mk_udp(in, 9, 10);
	ck_assert_uint_eq(net_echo_reply(&cfg, in, len, out, sizeof(out), &k), 0);
	/* a short datagram is padded to the Ethernet minimum */
	len = mk_udp(in, 7, 1);
	ck_assert_uint_eq(net_echo_reply(&cfg, in, len, out, sizeof(out), &k), 60);
	/* a reply that does not fit: none */
	len = mk_udp(in, 7, 1000);
	ck_assert_uint_eq(net_echo_reply(&cfg, in, len, out, 500, &k), 0);
}
END_TEST

START_TEST(malformed_ignored)
{
	uint8_t in[1600], out[1600];
	enum net_echo_kind k;
	uint32_t len = mk_udp(in, 7, 100);
	/* total length past the frame, IHL below 5 or past total, fragments */
	put16(in + 14 + 2, 2000);
	ck_assert_uint_eq(net_echo_reply(&cfg, in, len, out, sizeof(out), &k), 0);
	len = mk_udp(in, 7, 100);
	in[14] = 0x44;
	ck_assert_uint_eq(net_echo_reply(&cfg, in, len, out, sizeof(out), &k), 0);
	len = mk_udp(in, 7, 100);
	put16(in + 14 + 6, 0x2000); /* more fragments */
	put16(in + 14 + 10, 0);
	put16(in + 14 + 10, net_csum(in + 14, 20));
	ck_assert_uint_eq(net_echo_reply(&cfg, in, len, out, sizeof(out), &k), 0);
	/* UDP length beyond the IP payload */
	len = mk_udp(in, 7, 100);
	put16(in + 34 + 4, 500);
	ck_assert_uint_eq(net_echo_reply(&cfg, in, len, out, sizeof(out), &k), 0);
	/* every truncation of valid frames: no answer past the data, no crash */
	uint32_t full = mk_icmp(in, 100);
	for (uint32_t l = 0; l < full; l++) {
		uint8_t *copy = malloc(l ? l : 1);
		memcpy(copy, in, l);
		ck_assert_uint_eq(net_echo_reply(&cfg, copy, l, out, sizeof(out), &k), 0);
		free(copy);
	}
	mk_arp(in, cfg.ip);
	for (uint32_t l = 0; l < 42; l++) {
		uint8_t *copy = malloc(l ? l : 1);
		memcpy(copy, in, l);
		ck_assert_uint_eq(net_echo_reply(&cfg, copy, l, out, sizeof(out), &k), 0);
		free(copy);
	}
}
END_TEST

START_TEST(parse_ip)
{
	uint32_t ip;
	ck_assert_int_eq(net_parse_ip("10.0.2.15", &ip), 0);
	ck_assert_uint_eq(ip, 0x0a00020f);
	ck_assert_int_eq(net_parse_ip("192.168.1.2/24", &ip), 0);
	ck_assert_uint_eq(ip, 0xc0a80102);
	ck_assert_int_eq(net_parse_ip("256.0.0.1", &ip), -1);
	ck_assert_int_eq(net_parse_ip("1.2.3", &ip), -1);
	ck_assert_int_eq(net_parse_ip("1.2.3.4x", &ip), -1);
	ck_assert_int_eq(net_parse_ip("", &ip), -1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("net_echo");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, arp_request_answered);
	tcase_add_test(tc, icmp_echo_answered);
	tcase_add_test(tc, udp_echo_answered);
	tcase_add_test(tc, malformed_ignored);
	tcase_add_test(tc, parse_ip);
	suite_add_tcase(s, tc);
	return check_run(s);
}
