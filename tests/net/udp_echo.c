/* SPDX-License-Identifier: MIT */
/*
 * tests/net/udp_echo.c - udp_echo HOST PORT COUNT SECONDS: send numbered
 * datagrams to HOST:PORT (one every 200 ms until answered) and check that
 * COUNT of them come back byte for byte within SECONDS (an echo of an
 * earlier datagram counts: the first ones wait for ARP). For the nested
 * suite, whose busybox nc has no UDP. Prints "udp_echo: N of COUNT echoes"
 * and exits 0 when all came back, 1 otherwise, 2 on bad usage.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* datagram number seq: 512 bytes that are not all one byte */
static int udp_msg(char *msg, int seq)
{
	int n = snprintf(msg, 600, "perfkern-udp-echo %d ", seq);
	while (n < 512)
		msg[n] = (char)('a' + n % 26), n++;
	return n;
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: udp_echo HOST PORT COUNT SECONDS\n");
		return 2;
	}
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[2]))};
	if (inet_pton(AF_INET, argv[1], &to.sin_addr) != 1) {
		fprintf(stderr, "udp_echo: %s is not an IPv4 address\n", argv[1]);
		return 2;
	}
	int want = atoi(argv[3]);
	double end = now() + atof(argv[4]);
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	if (s < 0 || connect(s, (struct sockaddr *)&to, sizeof(to)) < 0) {
		perror("udp_echo: socket/connect");
		return 1;
	}
	int got = 0, seq = 0;
	char msg[600], back[2048], expect[600];
	while (got < want && now() < end) {
		int n = udp_msg(msg, seq++);
		if (send(s, msg, (size_t)n, 0) < 0) {
			usleep(200000); /* ICMP unreachable before slirp listens */
			continue;
		}
		struct pollfd p = {.fd = s, .events = POLLIN};
		while (poll(&p, 1, 200) == 1) {
			ssize_t r = recv(s, back, sizeof(back), 0);
			int which;
			if (r == n && sscanf(back, "perfkern-udp-echo %d ", &which) == 1 &&
			    which >= 0 && which < seq && udp_msg(expect, which) == n &&
			    memcmp(back, expect, (size_t)n) == 0) {
				got++;
				break;
			}
			if (r > 0)
				fprintf(stderr,
					"udp_echo: a %zd-byte datagram that is not the echo\n", r);
		}
	}
	printf("udp_echo: %d of %d echoes\n", got, want);
	return got == want ? 0 : 1;
}
