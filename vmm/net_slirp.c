/* SPDX-License-Identifier: MIT */
/*
 * vmm/net_slirp.c - `--net user[,hostfwd=...]`: a rootless user network
 * through Debian's libslirp (the one QEMU uses): the guest sees
 * 10.0.2.0/24 with the gateway at 10.0.2.2, DHCP from 10.0.2.15 and DNS at
 * 10.0.2.3; host ports forward into the guest. Slirp runs on the device's
 * I/O thread: its sockets, timers and callbacks never meet a vCPU thread.
 */
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <slirp/libslirp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "net.h"

/* libslirp is loaded when --net user asks for it, not linked: it and
 * the glib it pulls in cost every boot tens of ms of dynamic loading in
 * an emulated L1, and most runs have no network. Found by the library's
 * soname (Debian's libslirp0), else next to the vmm binary. */
static struct {
	Slirp *(*new)(const SlirpConfig *, const SlirpCb *, void *);
	int (*add_hostfwd)(Slirp *, int, struct in_addr, int, struct in_addr, int);
	void (*cleanup)(Slirp *);
	void (*input)(Slirp *, const uint8_t *, int);
	void (*pollfds_fill)(Slirp *, uint32_t *, SlirpAddPollCb, void *);
	void (*pollfds_poll)(Slirp *, int, SlirpGetREventsCb, void *);
} sl_lib;

static int sl_load(void)
{
	if (sl_lib.new)
		return 0;
	void *h = dlopen("libslirp.so.0", RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		char path[4096];
		ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 32);
		char *slash = n > 0 ? memrchr(path, '/', (size_t)n) : 0;
		if (slash) {
			strcpy(slash + 1, "libslirp.so.0");
			h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
		}
	}
	if (!h) {
		fprintf(stderr, "vmm: --net user needs libslirp (Debian: libslirp0): %s\n",
			dlerror());
		return -1;
	}
	*(void **)&sl_lib.new = dlsym(h, "slirp_new");
	*(void **)&sl_lib.add_hostfwd = dlsym(h, "slirp_add_hostfwd");
	*(void **)&sl_lib.cleanup = dlsym(h, "slirp_cleanup");
	*(void **)&sl_lib.input = dlsym(h, "slirp_input");
	*(void **)&sl_lib.pollfds_fill = dlsym(h, "slirp_pollfds_fill");
	*(void **)&sl_lib.pollfds_poll = dlsym(h, "slirp_pollfds_poll");
	if (!sl_lib.new || !sl_lib.add_hostfwd || !sl_lib.cleanup || !sl_lib.input ||
	    !sl_lib.pollfds_fill || !sl_lib.pollfds_poll) {
		fprintf(stderr, "vmm: --net user: libslirp lacks a function the vmm needs\n");
		sl_lib.new = 0;
		return -1;
	}
	return 0;
}

#define SLIRP_TIMERS 16
#define SLIRP_FDS 64

struct slirp_timer {
	SlirpTimerCb cb;
	void *opaque;
	int64_t expire_ms; /* -1: not armed */
	bool used;
};

struct slirp_be {
	struct net_backend b;
	Slirp *s;
	struct slirp_timer timers[SLIRP_TIMERS];
	struct pollfd *p; /* the fill/ready array, while slirp uses it */
	int n, max;
	uint8_t buf[NET_FRAME_MAX];
	uint64_t guest_errors;
};

static int64_t sl_now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static ssize_t sl_send_packet(const void *buf, size_t len, void *opaque)
{
	struct slirp_be *s = opaque;
	net_rx_deliver(s->b.dev, 0, buf, len);
	return (ssize_t)len; /* a frame without a buffer is dropped, as on a wire */
}

static void sl_guest_error(const char *msg, void *opaque)
{
	struct slirp_be *s = opaque;
	if (s->guest_errors++ < 10)
		fprintf(stderr, "vmm: --net user: the guest sent %s\n", msg);
}

static int64_t sl_clock(void *opaque)
{
	(void)opaque;
	return sl_now_ns();
}

static void *sl_timer_new(SlirpTimerCb cb, void *cb_opaque, void *opaque)
{
	struct slirp_be *s = opaque;
	for (int i = 0; i < SLIRP_TIMERS; i++)
		if (!s->timers[i].used) {
			s->timers[i] = (struct slirp_timer){cb, cb_opaque, -1, true};
			return &s->timers[i];
		}
	fprintf(stderr, "vmm: --net user: more than %d slirp timers\n", SLIRP_TIMERS);
	abort();
}

static void sl_timer_free(void *timer, void *opaque)
{
	(void)opaque;
	((struct slirp_timer *)timer)->used = false;
}

static void sl_timer_mod(void *timer, int64_t expire_ms, void *opaque)
{
	(void)opaque;
	((struct slirp_timer *)timer)->expire_ms = expire_ms;
}

static void sl_fd_nop(int fd, void *opaque)
{
	(void)fd;
	(void)opaque; /* the fds come from slirp_pollfds_fill each round */
}

static void sl_notify(void *opaque)
{
	(void)opaque; /* the I/O thread polls again within its timeout */
}

static int sl_add_poll(int fd, int events, void *opaque)
{
	struct slirp_be *s = opaque;
	if (s->n >= s->max)
		return -1;
	short ev = 0;
	if (events & SLIRP_POLL_IN)
		ev |= POLLIN;
	if (events & SLIRP_POLL_OUT)
		ev |= POLLOUT;
	if (events & SLIRP_POLL_PRI)
		ev |= POLLPRI;
	s->p[s->n] = (struct pollfd){.fd = fd, .events = ev};
	return s->n++;
}

static int sl_get_revents(int idx, void *opaque)
{
	struct slirp_be *s = opaque;
	if (idx < 0 || idx >= s->n)
		return 0;
	short r = s->p[idx].revents;
	return (r & POLLIN ? SLIRP_POLL_IN : 0) | (r & POLLOUT ? SLIRP_POLL_OUT : 0) |
	       (r & POLLPRI ? SLIRP_POLL_PRI : 0) | (r & POLLERR ? SLIRP_POLL_ERR : 0) |
	       (r & POLLHUP ? SLIRP_POLL_HUP : 0);
}

static int sl_send(struct net_backend *b, unsigned q, const struct iovec *iov, int iovcnt)
{
	(void)q; /* one queue */
	struct slirp_be *s = (struct slirp_be *)b;
	size_t n = 0;
	for (int i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len > sizeof(s->buf) - n)
			return -EMSGSIZE;
		memcpy(s->buf + n, iov[i].iov_base, iov[i].iov_len);
		n += iov[i].iov_len;
	}
	sl_lib.input(s->s, s->buf, (int)n);
	return 0;
}

static int sl_fill(struct net_backend *b, unsigned q, struct pollfd *p, int max, int *timeout_ms,
		   bool rx_room)
{
	(void)q;
	(void)rx_room; /* slirp cannot hold frames back: without room they drop */
	struct slirp_be *s = (struct slirp_be *)b;
	s->p = p;
	s->n = 0;
	s->max = max;
	uint32_t t = *timeout_ms < 0 ? UINT32_MAX : (uint32_t)*timeout_ms;
	sl_lib.pollfds_fill(s->s, &t, sl_add_poll, s);
	int64_t now = sl_now_ns() / 1000000;
	for (int i = 0; i < SLIRP_TIMERS; i++)
		if (s->timers[i].used && s->timers[i].expire_ms >= 0) {
			int64_t d = s->timers[i].expire_ms - now;
			if (d < 0)
				d = 0;
			if (d < t)
				t = (uint32_t)d;
		}
	*timeout_ms = t > 1000 ? 1000 : (int)t;
	return s->n;
}

static void sl_ready(struct net_backend *b, unsigned q, struct pollfd *p, int n)
{
	(void)q;
	struct slirp_be *s = (struct slirp_be *)b;
	s->p = p;
	s->n = n;
	sl_lib.pollfds_poll(s->s, 0, sl_get_revents, s);
	int64_t now = sl_now_ns() / 1000000;
	for (int i = 0; i < SLIRP_TIMERS; i++) {
		struct slirp_timer *t = &s->timers[i];
		if (t->used && t->expire_ms >= 0 && t->expire_ms <= now) {
			t->expire_ms = -1;
			t->cb(t->opaque);
		}
	}
}

static const SlirpCb sl_cb = {
	.send_packet = sl_send_packet,
	.guest_error = sl_guest_error,
	.clock_get_ns = sl_clock,
	.timer_new = sl_timer_new,
	.timer_free = sl_timer_free,
	.timer_mod = sl_timer_mod,
	.register_poll_fd = sl_fd_nop,
	.unregister_poll_fd = sl_fd_nop,
	.notify = sl_notify,
};

/* libslirp listens on a hostfwd's host socket with a backlog of 1 (its
 * tcp_listen), so when a client opens several connections at once (10
 * for redis-benchmark -c 10) while the I/O thread is busy, the kernel's
 * accept queue overflows: it drops the SYN or the handshake's last ACK,
 * and the client waits out its 1 s SYN retransmission, or its 200-800 ms
 * data retransmissions on a half-open connection. Those were the net
 * benchmark's stalls (docs/benchmarks.md "net"). Listening again on the
 * same socket only raises its backlog (Linux keeps the socket). Setup,
 * before the sandbox: slirp's fds are the ones it asks us to poll. */
static void sl_widen_backlogs(struct slirp_be *s)
{
	struct pollfd p[64];
	uint32_t t = 0;
	s->p = p;
	s->n = 0;
	s->max = 64;
	sl_lib.pollfds_fill(s->s, &t, sl_add_poll, s);
	for (int i = 0; i < s->n; i++) {
		int on = 0;
		socklen_t len = sizeof(on);
		if (getsockopt(p[i].fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &len) == 0 && on &&
		    listen(p[i].fd, SOMAXCONN) < 0)
			fprintf(stderr, "vmm: --net user: a forward's listen backlog: %s\n",
				strerror(errno));
	}
	s->p = 0;
	s->n = s->max = 0;
}

static struct in_addr sl_addr(uint32_t host_order)
{
	return (struct in_addr){htonl(host_order)};
}

struct net_backend *net_slirp_open(const struct net_opts *o)
{
	if (sl_load() < 0)
		return 0;
	/* libslirp writes to forwarded host sockets with plain send(): a host
	 * client that vanished (reset) would kill the whole vmm with SIGPIPE
	 * (QEMU ignores it too); EPIPE is what slirp handles */
	signal(SIGPIPE, SIG_IGN);
	struct slirp_be *s = calloc(1, sizeof(*s));
	if (!s)
		return 0;
	SlirpConfig cfg = {
		.version = 1,
		.in_enabled = true,
		.vnetwork = sl_addr(0x0a000200),
		.vnetmask = sl_addr(0xffffff00),
		.vhost = sl_addr(0x0a000202),
		.vdhcp_start = sl_addr(0x0a00020f),
		.vnameserver = sl_addr(0x0a000203),
	};
	s->s = sl_lib.new(&cfg, &sl_cb, s);
	if (!s->s) {
		fprintf(stderr, "vmm: --net user: slirp_new failed\n");
		free(s);
		return 0;
	}
	for (unsigned i = 0; i < o->nfwd; i++) {
		const struct net_fwd *f = &o->fwd[i];
		if (sl_lib.add_hostfwd(s->s, f->udp, sl_addr(f->host_addr), f->host_port,
				       sl_addr(f->guest_addr), f->guest_port) < 0) {
			char h[16], g[16];
			inet_ntop(AF_INET, &(struct in_addr){htonl(f->host_addr)}, h, sizeof(h));
			inet_ntop(AF_INET, &(struct in_addr){htonl(f->guest_addr)}, g, sizeof(g));
			fprintf(stderr, "vmm: --net user: hostfwd=%s:%s:%u-%s:%u: %s\n",
				f->udp ? "udp" : "tcp", h, f->host_port, g, f->guest_port,
				strerror(errno));
			sl_lib.cleanup(s->s);
			free(s);
			return 0;
		}
	}
	sl_widen_backlogs(s);
	s->b.name = "user";
	s->b.queues = 1; /* libslirp is single-threaded */
	s->b.send = sl_send;
	s->b.fill = sl_fill;
	s->b.ready = sl_ready;
	return &s->b;
}
