/* SPDX-License-Identifier: MIT */
/*
 * vmm/net.h - the network: `--net` options (net_opts.c), the backends that
 * carry frames to the host (net_tap.c: a tap device; net_slirp.c: Debian's
 * libslirp user network) and the virtio-net device (virtio_net.c) with its
 * I/O threads. docs/network.md.
 */
#ifndef PK_VMM_NET_H
#define PK_VMM_NET_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

struct vm;

#define NET_MAX_FWD 8
#define NET_FRAME_MAX 65536u /* the largest frame either direction carries */

struct net_fwd {
	bool udp;
	uint32_t host_addr, guest_addr; /* host byte order */
	uint16_t host_port, guest_port;
};

struct net_opts {
	enum { NET_NONE, NET_TAP, NET_USER } kind;
	char ifname[16]; /* tap: IFNAMSIZ */
	unsigned nfwd;
	struct net_fwd fwd[NET_MAX_FWD];
};

/* `tap:IFNAME` or `user[,hostfwd=tcp|udp:[HOSTADDR]:HPORT-[GUESTADDR]:GPORT]...`.
 * HOSTADDR defaults to 127.0.0.1 (not every interface), GUESTADDR to
 * 10.0.2.15. 0, or -1 with err naming the bad part. */
int net_parse(const char *arg, struct net_opts *o, char *err, size_t errlen);

/* A backend: frames from the guest go out through send; frames for the
 * guest come back through net_rx_deliver, from inside `ready`. A backend
 * has `queues` independent queues (libslirp: 1, it is single-threaded;
 * tap: one per queue pair with IFF_MULTI_QUEUE), and queue q's calls all
 * come from the I/O thread that serves it. */
struct net_backend {
	const char *name;
	unsigned queues;
	/* one frame, without the virtio-net header; 0 or a negative errno */
	int (*send)(struct net_backend *b, unsigned q, const struct iovec *iov, int iovcnt);
	/* add queue q's fds to wait on to p (at most max), lower *timeout_ms
	 * to the next timer; rx_room: the guest has receive buffers. The
	 * count added. */
	int (*fill)(struct net_backend *b, unsigned q, struct pollfd *p, int max, int *timeout_ms,
		    bool rx_room);
	/* after poll: handle p[0, n) (n as fill returned) and timers */
	void (*ready)(struct net_backend *b, unsigned q, struct pollfd *p, int n);
	void *dev; /* the device frames are delivered to */
};

/* Open the backend the options name (setup, before the sandbox); tap
 * with up to `pairs` queues. */
struct net_backend *net_tap_open(const struct net_opts *o, unsigned pairs, bool verbose);
struct net_backend *net_slirp_open(const struct net_opts *o);

/* One frame for the guest, from backend queue q's ready (its I/O thread):
 * false when the guest has no receive buffer for it (the frame is
 * dropped). */
bool net_rx_deliver(void *dev, unsigned q, const void *frame, size_t len);
/* Does the guest have receive buffers for backend queue q's frames? */
bool net_rx_room(void *dev, unsigned q);

/* main.c: the device from --net (no-op without), then its I/O thread. */
int net_setup(struct vm *vm);
int net_start(struct vm *vm);
/* --stats line */
void net_stats(struct vm *vm);

#endif
