/* SPDX-License-Identifier: MIT */
/*
 * tests/net/tcp_echo.c - tcp_echo HOST PORT BYTES SECONDS: connect (retrying
 * until SECONDS pass: the guest's stack may still be coming up), send BYTES
 * of a pattern while reading the echo, half-close, read to EOF, and check
 * that every byte came back in order. For the nested suite (busybox nc
 * cannot half-close). Prints "tcp_echo: N of BYTES bytes back"; exit 0
 * when all came back, 1 otherwise, 2 on bad usage.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static unsigned char pat(size_t i)
{
	return (unsigned char)(i * 31 + 7);
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: tcp_echo HOST PORT BYTES SECONDS\n");
		return 2;
	}
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[2]))};
	if (inet_pton(AF_INET, argv[1], &to.sin_addr) != 1)
		return 2;
	size_t want = strtoul(argv[3], 0, 10), sent = 0, got = 0, bad = 0;
	time_t end = time(0) + atoi(argv[4]);
	int s = -1;
	while (time(0) < end) {
		s = socket(AF_INET, SOCK_STREAM, 0);
		if (s >= 0 && connect(s, (struct sockaddr *)&to, sizeof(to)) == 0)
			break;
		close(s);
		s = -1;
		usleep(200000);
	}
	if (s < 0) {
		printf("tcp_echo: no connection to %s:%s\n", argv[1], argv[2]);
		return 1;
	}
	unsigned char buf[16384];
	int wr_open = 1;
	while (got < want && time(0) < end) {
		struct pollfd p = {.fd = s, .events = POLLIN | (sent < want ? POLLOUT : 0)};
		if (poll(&p, 1, 1000) <= 0)
			continue;
		if (p.revents & POLLOUT) {
			size_t n = want - sent < sizeof(buf) ? want - sent : sizeof(buf);
			for (size_t i = 0; i < n; i++)
				buf[i] = pat(sent + i);
			ssize_t w = send(s, buf, n, 0);
			if (w > 0)
				sent += (size_t)w;
		}
		if (sent == want && wr_open) {
			shutdown(s, SHUT_WR);
			wr_open = 0;
		}
		if (p.revents & (POLLIN | POLLHUP)) {
			ssize_t r = recv(s, buf, sizeof(buf), 0);
			if (r <= 0)
				break;
			for (ssize_t i = 0; i < r; i++)
				bad += buf[i] != pat(got + (size_t)i);
			got += (size_t)r;
		}
	}
	close(s);
	printf("tcp_echo: %zu of %zu bytes back, %zu wrong\n", got, want, bad);
	return got == want && !bad ? 0 : 1;
}
