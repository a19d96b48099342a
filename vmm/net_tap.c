/* SPDX-License-Identifier: MIT */
/*
 * vmm/net_tap.c - `--net tap:IFNAME`: frames to and from a host tap device
 * (Documentation/networking/tuntap.rst: IFF_TAP | IFF_NO_PI, so each read
 * or write is one Ethernet frame). The device is opened at setup, before
 * the sandbox; creating it needs CAP_NET_ADMIN unless it already exists
 * and belongs to this user (ip tuntap add ... user U).
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

struct tap {
	struct net_backend b;
	int fd;
	uint8_t buf[NET_FRAME_MAX];
};

static int tap_send(struct net_backend *b, const struct iovec *iov, int iovcnt)
{
	struct tap *t = (struct tap *)b;
	/* a full tap queue drops the frame, as a wire would */
	return writev(t->fd, iov, iovcnt) < 0 ? -errno : 0;
}

static int tap_fill(struct net_backend *b, struct pollfd *p, int max, int *timeout_ms, bool rx_room)
{
	(void)timeout_ms;
	struct tap *t = (struct tap *)b;
	if (max < 1 || !rx_room)
		return 0; /* no receive buffer: frames wait in the tap queue */
	p[0] = (struct pollfd){.fd = t->fd, .events = POLLIN};
	return 1;
}

static void tap_ready(struct net_backend *b, struct pollfd *p, int n)
{
	struct tap *t = (struct tap *)b;
	if (n < 1 || !(p[0].revents & POLLIN))
		return;
	/* a batch per wakeup, while the guest has room */
	for (int k = 0; k < 64 && net_rx_room(b->dev); k++) {
		ssize_t len = read(t->fd, t->buf, sizeof(t->buf));
		if (len <= 0)
			break;
		net_rx_deliver(b->dev, t->buf, (size_t)len);
	}
}

struct net_backend *net_tap_open(const struct net_opts *o)
{
	struct tap *t = calloc(1, sizeof(*t));
	if (!t)
		return 0;
	t->fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (t->fd < 0) {
		fprintf(stderr, "vmm: --net tap:%s: /dev/net/tun: %s (is the tun module loaded?)\n",
			o->ifname, strerror(errno));
		free(t);
		return 0;
	}
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	memcpy(ifr.ifr_name, o->ifname,
	       sizeof(o->ifname) < IFNAMSIZ ? sizeof(o->ifname) : IFNAMSIZ);
	if (ioctl(t->fd, TUNSETIFF, &ifr) < 0) {
		int e = errno;
		fprintf(stderr, "vmm: --net tap:%s: TUNSETIFF: %s%s\n", o->ifname, strerror(e),
			e == EPERM ? " (create it first: ip tuntap add dev IFNAME mode tap user "
				     "$USER, or run with CAP_NET_ADMIN)"
				   : "");
		close(t->fd);
		free(t);
		return 0;
	}
	t->b.name = "tap";
	t->b.send = tap_send;
	t->b.fill = tap_fill;
	t->b.ready = tap_ready;
	return &t->b;
}
