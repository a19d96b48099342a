/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_net_steer.c - lib/net/steer.c, the flow steering rule
 * the vmm's virtio-net and the guest's driver share: a TCP/UDP flow
 * always lands on one queue and flows spread over all of them, ARP replies
 * go to every instance, everything else (ARP requests, ICMP, fragments,
 * DHCP replies, runts, IPv6) to queue 0, no length reads out of bounds
 * (ASan), and the port picked for a connection brings its replies back.
 */
#include <arpa/inet.h>
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "lib/net/steer.h"

/* network byte order into a frame */
#define put16(p, v) memcpy((p), &(uint16_t){htons(v)}, 2)
#define put32(p, v) memcpy((p), &(uint32_t){htonl(v)}, 4)

/* an IPv4 frame from saddr:sport to daddr:dport, protocol proto */
static size_t mk_ip(uint8_t *f, uint8_t proto, uint32_t saddr, uint16_t sport, uint32_t daddr,
		    uint16_t dport)
{
	memset(f, 0, 64);
	put16(f + 12, 0x0800);
	uint8_t *ip = f + 14;
	ip[0] = 0x45;
	put16(ip + 2, 40);
	ip[8] = 64;
	ip[9] = proto;
	put32(ip + 12, saddr);
	put32(ip + 16, daddr);
	put16(ip + 20, sport);
	put16(ip + 22, dport);
	return 14 + 40;
}

#define GW 0x0a000202u	  /* 10.0.2.2: slirp, where hostfwd connections come from */
#define GUEST 0x0a00020fu /* 10.0.2.15 */

START_TEST(flows_spread_and_stick)
{
	uint8_t f[64];
	for (unsigned n = 2; n <= 8; n++) {
		unsigned hits[8] = {0};
		for (uint16_t port = 40000; port < 40400; port++) {
			size_t len = mk_ip(f, 6, GW, port, GUEST, 6379);
			unsigned q = net_steer(f, len, n);
			ck_assert_uint_lt(q, n);
			ck_assert_uint_eq(net_steer(f, len, n),
					  q); /* the same flow, the same queue */
			ck_assert_uint_eq(q, net_flow_hash(GW, GUEST, port, 6379) % n);
			hits[q]++;
			mk_ip(f, 17, GW, port, GUEST, 7); /* UDP too */
			ck_assert_uint_lt(net_steer(f, len, n), n);
		}
		/* 400 consecutive client ports: every queue gets a fair share */
		for (unsigned q = 0; q < n; q++)
			ck_assert_msg(hits[q] > 400 / n / 2, "n=%u queue %u got %u", n, q, hits[q]);
	}
	/* one queue: always 0 */
	size_t len = mk_ip(f, 6, GW, 1234, GUEST, 80);
	ck_assert_uint_eq(net_steer(f, len, 1), 0);
}
END_TEST

START_TEST(queue_zero_and_all)
{
	uint8_t f[64];
	size_t len = mk_ip(f, 1, GW, 0, GUEST, 0); /* ICMP */
	ck_assert_uint_eq(net_steer(f, len, 4), 0);
	len = mk_ip(f, 17, GW, 67, 0xffffffffu, 68); /* a DHCP reply */
	ck_assert_uint_eq(net_steer(f, len, 4), 0);
	len = mk_ip(f, 6, GW, 5555, GUEST, 80);
	put16(f + 14 + 6, 0x2000); /* MF: the first fragment */
	ck_assert_uint_eq(net_steer(f, len, 4), 0);
	put16(f + 14 + 6, 0x0010); /* a later fragment: no ports in it */
	ck_assert_uint_eq(net_steer(f, len, 4), 0);
	/* ARP: a request to queue 0 (instance 0 answers), a reply to all */
	memset(f, 0, sizeof(f));
	put16(f + 12, 0x0806);
	put16(f + 20, 1);
	ck_assert_uint_eq(net_steer(f, 42, 4), 0);
	put16(f + 20, 2);
	ck_assert_uint_eq(net_steer(f, 42, 4), NET_STEER_ALL);
	ck_assert_uint_eq(net_steer(f, 42, 1), 0);
	/* IPv6, a bad IP version, a short IHL */
	len = mk_ip(f, 6, GW, 5555, GUEST, 80);
	put16(f + 12, 0x86dd);
	ck_assert_uint_eq(net_steer(f, len, 4), 0);
	put16(f + 12, 0x0800);
	f[14] = 0x65;
	ck_assert_uint_eq(net_steer(f, len, 4), 0);
	f[14] = 0x44;
	ck_assert_uint_eq(net_steer(f, len, 4), 0);
	/* options: the ports move with the IHL */
	f[14] = 0x46;
	put16(f + 14 + 24, 5555);
	put16(f + 14 + 26, 80);
	ck_assert_uint_eq(net_steer(f, len, 4), net_flow_hash(GW, GUEST, 5555, 80) % 4);
}
END_TEST

START_TEST(truncated_frames)
{
	/* every prefix of a TCP frame, each in a buffer of exactly that size:
	 * ASan catches a read past it */
	uint8_t full[64];
	size_t len = mk_ip(full, 6, GW, 4242, GUEST, 6379);
	for (size_t n = 0; n <= len; n++) {
		uint8_t *f = malloc(n ? n : 1);
		memcpy(f, full, n);
		unsigned q = net_steer(f, n, 4);
		ck_assert(q < 4 || q == NET_STEER_ALL);
		if (n < 14 + 24)
			ck_assert_uint_eq(q, 0); /* no ports yet: queue 0 */
		free(f);
	}
	/* random bytes of random lengths */
	srand(7);
	for (int i = 0; i < 20000; i++) {
		size_t n = (size_t)(rand() % 80);
		uint8_t *f = malloc(n ? n : 1);
		for (size_t k = 0; k < n; k++)
			f[k] = (uint8_t)rand();
		if (n > 13 && i % 2)
			put16(f + 12, 0x0800);
		unsigned q = net_steer(f, n, 3);
		ck_assert(q < 3 || q == NET_STEER_ALL);
		free(f);
	}
}
END_TEST

START_TEST(connect_ports)
{
	/* the port picked for each CPU makes the reply steer back to it */
	uint8_t f[64];
	for (unsigned n = 1; n <= 8; n++)
		for (unsigned want = 0; want < n; want++) {
			uint16_t p = net_steer_port(GUEST, GW, 80, want, n, 50000, 49152, 65535);
			ck_assert_uint_ge(p, 49152);
			size_t len = mk_ip(f, 6, GW, 80, GUEST, p); /* the reply */
			ck_assert_uint_eq(net_steer(f, len, n), n > 1 ? want : 0);
			if (n == 1)
				ck_assert_uint_eq(p, 50000); /* the first one tried */
		}
	/* wrapping from the top of the range; a one-port range that does not
	 * fit; an empty range */
	uint16_t p = net_steer_port(GUEST, GW, 80, 1, 2, 65535, 65530, 65535);
	ck_assert(p >= 65530);
	uint16_t only = 40000;
	unsigned q = net_flow_hash(GW, GUEST, 80, only) % 4;
	ck_assert_uint_eq(net_steer_port(GUEST, GW, 80, (q + 1) % 4, 4, only, only, only), 0);
	ck_assert_uint_eq(net_steer_port(GUEST, GW, 80, q, 4, only, only, only), only);
	ck_assert_uint_eq(net_steer_port(GUEST, GW, 80, 0, 2, 0, 10, 9), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("net_steer");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, flows_spread_and_stick);
	tcase_add_test(tc, queue_zero_and_all);
	tcase_add_test(tc, truncated_frames);
	tcase_add_test(tc, connect_ports);
	suite_add_tcase(s, tc);
	return check_run(s);
}
