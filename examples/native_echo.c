/* SPDX-License-Identifier: MIT */
/*
 * examples/native_echo.c - a TCP echo server on perfkern's native socket
 * table (include/perfkern/perfkern.h net_*, include/perfkern/net.h): no
 * system call per operation, and a kernel task per connection (spawn),
 * the way a kernel app serves. On Linux there is no table: it says so
 * and exits 1.
 *
 *   native_echo PORT N    serve N connections, then print the totals
 *   native_echo: listening on PORT
 *   native_echo: conns=N bytes=M
 */
#include <perfkern/net.h>
#include <perfkern/perfkern.h>
#include <stdio.h>
#include <stdlib.h>

static const struct pk_api *pk;
static long total; /* atomic: bytes echoed */

/* A kernel task: no system calls (no printf), only the table. */
static void *serve(void *arg)
{
	struct pk_sock *c = arg;
	char buf[4096];
	long n;
	/* 10 s without data: the client is gone */
	while ((n = pk->net_recv(c, buf, sizeof(buf), 0, 10ull * 1000000000)) > 0) {
		if (pk->net_send(c, buf, (size_t)n, 0, PK_NET_FOREVER) != n)
			break;
		__atomic_add_fetch(&total, n, __ATOMIC_RELAXED);
	}
	pk->net_close(c);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: native_echo PORT N\n");
		return 2;
	}
	setvbuf(stdout, 0, _IOLBF, 0);
	pk = pk_api();
	if (!pk || !PK_API_HAS(pk, net_close)) {
		printf("native_echo: not on perfkern (no socket table)\n");
		return 1;
	}
	int port = atoi(argv[1]), want = atoi(argv[2]);
	if (want < 1 || want > 64)
		return 2;
	struct pk_sock *l;
	int r = pk->net_listen((uint16_t)port, 16, 0, &l);
	if (r < 0) {
		printf("native_echo: listen: error %d\n", r);
		return 1;
	}
	printf("native_echo: listening on %d\n", port);
	void *tasks[64];
	int conns = 0;
	while (conns < want) {
		struct pk_sock *c;
		struct pk_sockaddr peer;
		r = pk->net_accept(l, 60ull * 1000000000, &c, &peer);
		if (r < 0) {
			printf("native_echo: accept: error %d after %d connections\n", r, conns);
			return 1;
		}
		tasks[conns] = pk->spawn(PK_CPU_ANY, serve, c, "native-echo");
		if (!tasks[conns]) {
			pk->net_close(c);
			continue;
		}
		conns++;
	}
	for (int i = 0; i < conns; i++)
		pk->await(tasks[i]);
	pk->net_close(l);
	printf("native_echo: conns=%d bytes=%ld\n", conns,
	       __atomic_load_n(&total, __ATOMIC_RELAXED));
	return 0;
}
