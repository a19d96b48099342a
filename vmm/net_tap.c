/* SPDX-License-Identifier: MIT */
/*
 * vmm/net_tap.c - `--net tap:IFNAME`: frames to and from a host tap device
 * (Documentation/networking/tuntap.rst: IFF_TAP | IFF_NO_PI, so each read
 * or write is one Ethernet frame). With more than one queue pair the tap
 * is opened IFF_MULTI_QUEUE, one fd per pair, each served by its own I/O
 * thread: the kernel's tun picks a frame's queue from the queue its flow
 * last transmitted on (tun's automq), which is the guest CPU that owns
 * the connection, so a flow's frames stay on one host thread and one
 * guest CPU. The device is opened at setup, before the sandbox; creating
 * it needs CAP_NET_ADMIN unless it already exists and belongs to this
 * user (ip tuntap add ... user U [multi_queue]).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "net.h"

#define TAP_QUEUES_MAX 8

struct tap {
	struct net_backend b;
	int fd[TAP_QUEUES_MAX];
	uint8_t *buf[TAP_QUEUES_MAX]; /* NET_FRAME_MAX each: one per I/O thread */
};

static int tap_send(struct net_backend *b, unsigned q, const struct iovec *iov, int iovcnt)
{
	struct tap *t = (struct tap *)b;
	/* a full tap queue drops the frame, as a wire would */
	return writev(t->fd[q], iov, iovcnt) < 0 ? -errno : 0;
}

static int tap_fill(struct net_backend *b, unsigned q, struct pollfd *p, int max, int *timeout_ms,
		    bool rx_room)
{
	(void)timeout_ms;
	struct tap *t = (struct tap *)b;
	if (max < 1 || !rx_room)
		return 0; /* no receive buffer: frames wait in the tap queue */
	p[0] = (struct pollfd){.fd = t->fd[q], .events = POLLIN};
	return 1;
}

static void tap_ready(struct net_backend *b, unsigned q, struct pollfd *p, int n)
{
	struct tap *t = (struct tap *)b;
	if (n < 1 || !(p[0].revents & POLLIN))
		return;
	/* a batch per wakeup, while the guest has room */
	for (int k = 0; k < 64 && net_rx_room(b->dev, q); k++) {
		ssize_t len = read(t->fd[q], t->buf[q], NET_FRAME_MAX);
		if (len <= 0)
			break;
		net_rx_deliver(b->dev, q, t->buf[q], (size_t)len);
	}
}

static void tap_close(struct tap *t)
{
	for (unsigned i = 0; i < TAP_QUEUES_MAX; i++) {
		if (t->fd[i] >= 0)
			close(t->fd[i]);
		free(t->buf[i]);
	}
	free(t);
}

/* One queue of the tap: an fd attached with TUNSETIFF. 0, or -errno
 * (printed unless quiet_einval and the error is EINVAL). */
static int tap_attach(struct tap *t, unsigned i, const struct net_opts *o, short flags,
		      bool quiet_einval)
{
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		int e = errno;
		fprintf(stderr, "vmm: --net tap:%s: /dev/net/tun: %s (is the tun module loaded?)\n",
			o->ifname, strerror(e));
		return -e;
	}
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = flags;
	memcpy(ifr.ifr_name, o->ifname,
	       sizeof(o->ifname) < IFNAMSIZ ? sizeof(o->ifname) : IFNAMSIZ);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		int e = errno;
		if (!(quiet_einval && e == EINVAL))
			fprintf(stderr, "vmm: --net tap:%s: TUNSETIFF: %s%s\n", o->ifname,
				strerror(e),
				e == EPERM ? " (create it first: ip tuntap add dev IFNAME mode tap "
					     "user $USER, or run with CAP_NET_ADMIN)"
					   : "");
		close(fd);
		return -e;
	}
	t->fd[i] = fd;
	return 0;
}

struct net_backend *net_tap_open(const struct net_opts *o, unsigned pairs, bool verbose)
{
	struct tap *t = calloc(1, sizeof(*t));
	if (!t)
		return 0;
	for (unsigned i = 0; i < TAP_QUEUES_MAX; i++)
		t->fd[i] = -1;
	unsigned want = pairs < TAP_QUEUES_MAX ? pairs : TAP_QUEUES_MAX;
	unsigned got = 0;
	if (want > 1) {
		/* EINVAL on the first: a persistent tap made single-queue (ip
		 * tuntap add without multi_queue): then one queue for all pairs */
		for (; got < want; got++)
			if (tap_attach(t, got, o, IFF_TAP | IFF_NO_PI | IFF_MULTI_QUEUE, got == 0) <
			    0)
				break;
		if (got > 0 && got < want) {
			tap_close(t);
			return 0; /* the error is printed */
		}
		if (got == 0 && verbose)
			fprintf(stderr,
				"vmm: --net tap:%s: a single-queue tap (made without multi_queue): "
				"one I/O thread serves all %u queue pairs\n",
				o->ifname, pairs);
	}
	if (got == 0) {
		/* one queue; EINVAL: the tap was made multi_queue, so ask for that */
		int rc = tap_attach(t, 0, o, IFF_TAP | IFF_NO_PI, true);
		if (rc == -EINVAL)
			rc = tap_attach(t, 0, o, IFF_TAP | IFF_NO_PI | IFF_MULTI_QUEUE, false);
		if (rc < 0) {
			tap_close(t);
			return 0;
		}
		got = 1;
	}
	for (unsigned i = 0; i < got; i++)
		if (!(t->buf[i] = malloc(NET_FRAME_MAX))) {
			tap_close(t);
			return 0;
		}
	t->b.name = "tap";
	t->b.queues = got;
	t->b.send = tap_send;
	t->b.fill = tap_fill;
	t->b.ready = tap_ready;
	return &t->b;
}
