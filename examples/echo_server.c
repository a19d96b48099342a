/* SPDX-License-Identifier: MIT */
/*
 * examples/echo_server.c - a TCP echo server over epoll, the way small
 * Linux servers are written: non-blocking sockets, level-triggered epoll,
 * a per-connection buffer that stops reading while the peer does not take
 * its echo (backpressure). The same static binary runs on Linux and on
 * perfkern (docs/programs.md).
 *
 *   echo_server PORT [et] serve until a connection starts with SHUTDOWN
 *                         (et: connections in edge-triggered epoll)
 *
 * Before it listens it checks that hostile calls fail the way Linux fails
 * them (bad pointers: EFAULT; bad fds: EBADF/ENOTSOCK; a port in use:
 * EADDRINUSE; timeouts: EAGAIN) and prints one line per check.
 *   echo_server: hostile N/N ok
 *   echo_server: listening on PORT
 *   echo_server: conns=N bytes=M dgrams=D shutdown
 * UDP datagrams to the same port come back to their sender (from a
 * second thread, with blocking calls).
 */
#define _GNU_SOURCE /* accept4 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

#define BUF 16384
#define MAXFD 1024

struct conn {
	char buf[BUF];
	size_t len, off; /* echo waiting to go out */
	int first;	 /* nothing read yet: SHUTDOWN is looked for */
};

static struct conn *conns[MAXFD];
static int checks, passed;

static void expect(const char *what, long rc, int want_errno)
{
	checks++;
	int ok = rc == -1 && errno == want_errno;
	passed += ok;
	printf("echo_server: %s: %s (%s)\n", what, ok ? "ok" : "WRONG",
	       rc == -1 ? strerror(errno) : "succeeded");
}

/* never mapped; volatile: the compiler is not to reason about it */
static void *volatile bad = (void *)8;
/* outside user space: Linux's access_ok refuses it even where nothing is
 * copied (epoll_wait without events) */
static void *volatile kbad = (void *)0xffff800000000000ull;

static struct sockaddr_in addr_of(int port)
{
	struct sockaddr_in a;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((unsigned short)port);
	a.sin_addr.s_addr = htonl(INADDR_ANY);
	return a;
}

static void hostile(int lfd, int port)
{
	struct sockaddr_in a = addr_of(port);
	socklen_t len = sizeof(a);
	int s = socket(AF_INET, SOCK_STREAM, 0);
	expect("bind to a used port", bind(s, (struct sockaddr *)&a, sizeof(a)), EADDRINUSE);
	expect("bind from a bad pointer", bind(s, bad, sizeof(a)), EFAULT);
	expect("accept on a bad fd", accept(4000, 0, 0), EBADF);
	expect("accept on stdout", accept(1, 0, 0), ENOTSOCK);
	/* the raw call: musl's accept4 drops unknown flags before the kernel */
	expect("accept4 with bad flags", syscall(SYS_accept4, lfd, 0, 0, 0x1234), EINVAL);
	expect("getsockname into a bad pointer", getsockname(lfd, bad, &len), EFAULT);
	expect("setsockopt from a bad pointer", setsockopt(s, SOL_SOCKET, SO_REUSEADDR, bad, 4),
	       EFAULT);
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in to = addr_of(9);
	to.sin_addr.s_addr = htonl(0x0a000202);
	expect("sendto from a bad buffer",
	       sendto(u, bad, 10, 0, (struct sockaddr *)&to, sizeof(to)), EFAULT);
	close(u);
	expect("poll on a bad pointer", poll(bad, 1, 0), EFAULT);
	int ep = epoll_create1(0);
	struct epoll_event ev = {EPOLLIN, {0}};
	expect("epoll_ctl of a bad fd", epoll_ctl(ep, EPOLL_CTL_ADD, 4000, &ev), EBADF);
	expect("epoll_wait into a bad pointer", epoll_wait(ep, kbad, 4, 0), EFAULT);
	close(ep);
	/* a blocking accept with SO_RCVTIMEO gives up with EAGAIN */
	int t = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in ta = addr_of(port + 1);
	int one = 1;
	setsockopt(t, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(t, (struct sockaddr *)&ta, sizeof(ta)) == 0 && listen(t, 4) == 0) {
		struct timeval tv = {0, 200000};
		setsockopt(t, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		expect("accept with a 200 ms SO_RCVTIMEO", accept(t, 0, 0), EAGAIN);
	}
	close(t);
	/* a non-blocking listener without a connection */
	int nb = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	ta = addr_of(port + 2);
	if (bind(nb, (struct sockaddr *)&ta, sizeof(ta)) == 0 && listen(nb, 4) == 0)
		expect("accept on an empty non-blocking listener", accept(nb, 0, 0), EAGAIN);
	close(nb);
	close(s);
	printf("echo_server: hostile %d/%d ok\n", passed, checks);
}

static long dgrams;

static void *udp_echo(void *arg)
{
	int ufd = (int)(long)arg;
	char d[2048];
	struct sockaddr_in from;
	socklen_t flen = sizeof(from);
	ssize_t r;
	while ((r = recvfrom(ufd, d, sizeof(d), 0, (struct sockaddr *)&from, &flen)) >= 0) {
		sendto(ufd, d, (size_t)r, 0, (struct sockaddr *)&from, flen);
		__atomic_add_fetch(&dgrams, 1, __ATOMIC_RELAXED);
		flen = sizeof(from);
	}
	return 0;
}

static void drop(int ep, int fd)
{
	epoll_ctl(ep, EPOLL_CTL_DEL, fd, 0);
	close(fd);
	free(conns[fd]);
	conns[fd] = 0;
}

/* Edge-triggered (echo_server PORT et): a connection is registered once
 * and never modified; each event reads until EAGAIN (an edge is not
 * reported again), every chunk written out whole, waiting in poll for
 * room. 1 when the connection asked for SHUTDOWN. */
static int serve_et(int ep, int fd, struct conn *c, long *bytes)
{
	for (;;) {
		ssize_t r = read(fd, c->buf, BUF);
		if (r < 0 && errno == EAGAIN)
			return 0;
		if (r <= 0) {
			drop(ep, fd);
			return 0;
		}
		if (c->first && r >= 8 && !memcmp(c->buf, "SHUTDOWN", 8))
			return 1;
		c->first = 0;
		*bytes += r;
		for (size_t off = 0; off < (size_t)r;) {
			ssize_t w = write(fd, c->buf + off, (size_t)r - off);
			if (w >= 0) {
				off += (size_t)w;
				continue;
			}
			if (errno != EAGAIN) {
				drop(ep, fd);
				return 0;
			}
			struct pollfd p = {fd, POLLOUT, 0};
			poll(&p, 1, 1000);
		}
	}
}

static void say_shutdown(long nconns, long bytes)
{
	printf("echo_server: conns=%ld bytes=%ld dgrams=%ld shutdown\n", nconns, bytes,
	       __atomic_load_n(&dgrams, __ATOMIC_RELAXED));
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: echo_server PORT [et]\n");
		return 2;
	}
	setvbuf(stdout, 0, _IOLBF, 0);
	int port = atoi(argv[1]);
	int et = argc > 2 && !strcmp(argv[2], "et");
	int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1;
	struct sockaddr_in a = addr_of(port);
	if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(lfd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(lfd, 128) < 0) {
		perror("echo_server: listen");
		return 1;
	}
	struct sockaddr_in got;
	socklen_t glen = sizeof(got);
	if (getsockname(lfd, (struct sockaddr *)&got, &glen) < 0 || ntohs(got.sin_port) != port) {
		fprintf(stderr, "echo_server: getsockname does not name port %d\n", port);
		return 1;
	}
	hostile(lfd, port);
	if (passed != checks)
		return 1;
	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = {EPOLLIN, {.fd = lfd}};
	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev) < 0) {
		perror("echo_server: epoll");
		return 1;
	}
	/* UDP on the same port, served by a thread of its own with blocking
	 * calls (on perfkern: another CPU than main's, so its waits and the
	 * socket's owner are on different CPUs) */
	int ufd = socket(AF_INET, SOCK_DGRAM, 0);
	pthread_t ut;
	if (ufd < 0 || bind(ufd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    pthread_create(&ut, 0, udp_echo, (void *)(long)ufd) != 0) {
		perror("echo_server: udp");
		return 1;
	}
	printf("echo_server: listening on %d\n", port);
	long nconns = 0, bytes = 0;
	for (;;) {
		struct epoll_event evs[64];
		int n = epoll_wait(ep, evs, 64, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("echo_server: epoll_wait");
			return 1;
		}
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;
			if (fd == lfd) {
				int c;
				while ((c = accept4(lfd, 0, 0, SOCK_NONBLOCK)) >= 0) {
					if (c >= MAXFD ||
					    !(conns[c] = calloc(1, sizeof(struct conn)))) {
						close(c);
						continue;
					}
					conns[c]->first = 1;
					setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
					struct epoll_event ce = {EPOLLIN | EPOLLRDHUP |
									 (et ? EPOLLET : 0),
								 {.fd = c}};
					epoll_ctl(ep, EPOLL_CTL_ADD, c, &ce);
					nconns++;
				}
				continue;
			}
			struct conn *c = conns[fd];
			if (!c)
				continue;
			if (et) {
				if (serve_et(ep, fd, c, &bytes)) {
					say_shutdown(nconns, bytes);
					return 0;
				}
				continue;
			}
			if (c->len == 0) { /* read only when the last echo is out */
				ssize_t r = read(fd, c->buf, BUF);
				if (r == 0 || (r < 0 && errno != EAGAIN)) { /* closed or vanished */
					drop(ep, fd);
					continue;
				}
				if (r < 0)
					continue;
				if (c->first && r >= 8 && !memcmp(c->buf, "SHUTDOWN", 8)) {
					say_shutdown(nconns, bytes);
					return 0;
				}
				c->first = 0;
				c->len = (size_t)r, c->off = 0;
				bytes += r;
			}
			while (c->off < c->len) {
				ssize_t w = write(fd, c->buf + c->off, c->len - c->off);
				if (w < 0)
					break;
				c->off += (size_t)w;
			}
			if (c->off < c->len && errno != EAGAIN) {
				drop(ep, fd);
				continue;
			}
			int pending = c->off < c->len;
			if (!pending)
				c->len = c->off = 0;
			/* backpressure: wait for room instead of reading more (and
			 * not for RDHUP meanwhile: level-triggered, it would spin) */
			struct epoll_event ce = {pending ? EPOLLOUT : EPOLLIN | EPOLLRDHUP,
						 {.fd = fd}};
			epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ce);
		}
	}
}
