/* SPDX-License-Identifier: MIT */
/*
 * vmm/virtio_net.c - the virtio-net device (virtio 1.2 spec 5.1) on the
 * virtio-pci transport (virtio_pci.h): queue pair 0, VERSION_1 + MAC +
 * STATUS, no offloads. One I/O thread per queue pair, in the sandbox's net
 * role, waits on the two kick eventfds (KVM_IOEVENTFD) and the backend's
 * fds, drains each ring in batches and interrupts through an irqfd once
 * per batch: no VM exit per packet in either direction.
 *
 * Every chain comes out of lib/virtio/virtq_dev.c already checked (each
 * segment inside guest RAM, lengths bounded); the frame bytes themselves
 * are opaque here and go to the backend as they are.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "lib/virtio/virtio_pci.h"
#include "cli.h"
#include "kvm.h"
#include "net.h"
#include "sandbox.h"
#include "virtio_pci.h"

#define VNET_SLOT 2	/* 00:02.0, where QEMU q35 puts the first NIC too */
#define VNET_QSIZE 256	/* largest queue the driver may choose */
#define VNET_BATCH 64	/* chains per ring per wakeup */
#define VNET_MAX_SEG 16 /* buffers per chain */
#define VNET_HDR sizeof(struct virtio_net_hdr)

struct vnet {
	struct vdev vd;
	uint8_t mac[6];
	struct net_backend *be;
	pthread_t thread;
	bool rx_dirty; /* used elements pushed since the last publish */
	uint64_t rx_frames, tx_frames, rx_dropped, tx_dropped, wakeups;
};

static struct vnet *vnet_of(struct vm *vm)
{
	return vm->net;
}

static void vnet_cfg_read(struct vdev *d, unsigned off, uint8_t *data, unsigned len)
{
	struct vnet *n = (struct vnet *)d;
	uint8_t cfg[VNET_CFG_SIZE] = {0};
	memcpy(cfg + VNET_CFG_MAC, n->mac, 6);
	cfg[VNET_CFG_STATUS] = VNET_S_LINK_UP;
	cfg[VNET_CFG_MAXQP] = 1;
	memcpy(data, cfg + off, len);
}

static void vnet_ready(struct vdev *d)
{
	(void)d; /* the I/O thread sees vdev_live() on its next wakeup */
}

static const struct vdev_ops vnet_ops = {
	.cfg_read = vnet_cfg_read,
	.ready = vnet_ready,
};

static struct vqueue *vnet_q(struct vnet *n, unsigned i)
{
	struct vqueue *q = &n->vd.q[i];
	return vdev_live(&n->vd) && q->enabled && !q->vq.broken ? q : 0;
}

bool net_rx_room(void *dev)
{
	struct vnet *n = dev;
	struct vqueue *q = vnet_q(n, VNET_RXQ);
	if (!q)
		return false;
	return q->vq.last_avail != q->vq.avail_idx || virtq_dev_pending(&q->vq) > 0;
}

/* Scatter len bytes of src into the chain's writable segments from byte
 * `at`; how many fitted. */
static size_t vnet_scatter(const struct virtq_chain *c, size_t at, const void *src, size_t len)
{
	size_t done = 0;
	for (unsigned i = 0; i < c->nseg && done < len; i++) {
		const struct virtq_seg *s = &c->seg[i];
		if (!s->write)
			continue;
		if (at >= s->len) {
			at -= s->len;
			continue;
		}
		size_t k = s->len - at < len - done ? s->len - at : len - done;
		memcpy((uint8_t *)s->host + at, (const uint8_t *)src + done, k);
		done += k;
		at = 0;
	}
	return done;
}

bool net_rx_deliver(void *dev, const void *frame, size_t len)
{
	struct vnet *n = dev;
	struct vqueue *q = vnet_q(n, VNET_RXQ);
	struct virtq_chain c;
	if (!q || !net_rx_room(n) || virtq_dev_pop(&q->vq, &c, VNET_MAX_SEG, 1u << 20) != 1) {
		if (q && q->vq.broken)
			vdev_needs_reset(&n->vd, VNET_RXQ);
		n->rx_dropped++;
		return false;
	}
	/* spec 5.1.6.4: the header, num_buffers 1 (no MRG_RXBUF) */
	struct virtio_net_hdr h = {.num_buffers = 1};
	uint32_t used = 0;
	if (c.wlen >= VNET_HDR + len) {
		vnet_scatter(&c, 0, &h, VNET_HDR);
		vnet_scatter(&c, VNET_HDR, frame, len);
		used = (uint32_t)(VNET_HDR + len);
		n->rx_frames++;
	} else {
		n->rx_dropped++; /* a buffer too small for the frame: returned empty */
	}
	virtq_dev_push(&q->vq, c.head, used);
	n->rx_dirty = true;
	return used != 0;
}

static void vnet_rx_publish(struct vnet *n)
{
	struct vqueue *q = vnet_q(n, VNET_RXQ);
	if (q && n->rx_dirty && virtq_dev_publish(&q->vq))
		vdev_interrupt(&n->vd, VNET_RXQ);
	n->rx_dirty = false;
}

/* Send what the driver queued for transmission: one batch, then one
 * publish and at most one interrupt. */
static void vnet_tx(struct vnet *n)
{
	struct vqueue *q = vnet_q(n, VNET_TXQ);
	if (!q)
		return;
	unsigned pending = virtq_dev_pending(&q->vq);
	for (unsigned k = 0; k < pending && k < VNET_BATCH; k++) {
		struct virtq_chain c;
		int rc = virtq_dev_pop(&q->vq, &c, VNET_MAX_SEG, VNET_HDR + NET_FRAME_MAX);
		if (rc <= 0)
			break;
		/* the readable bytes after the header are the frame */
		struct iovec iov[VNET_MAX_SEG];
		int niov = 0;
		size_t skip = VNET_HDR;
		for (unsigned i = 0; i < c.nseg && !c.seg[i].write; i++) {
			const struct virtq_seg *s = &c.seg[i];
			if (skip >= s->len) {
				skip -= s->len;
				continue;
			}
			iov[niov++] = (struct iovec){(uint8_t *)s->host + skip, s->len - skip};
			skip = 0;
		}
		if (c.rlen < VNET_HDR + 14 || n->be->send(n->be, iov, niov) < 0)
			n->tx_dropped++;
		else
			n->tx_frames++;
		virtq_dev_push(&q->vq, c.head, 0);
	}
	if (q->vq.broken)
		vdev_needs_reset(&n->vd, VNET_TXQ);
	if (virtq_dev_publish(&q->vq))
		vdev_interrupt(&n->vd, VNET_TXQ);
}

/* Before sleeping: ask for kicks on both queues again (EVENT_IDX: the
 * avail idx after the last one seen), then look once more, since a chain
 * the driver published before it saw the request came without a kick.
 * True when transmit work is already waiting. */
static bool vnet_arm(struct vnet *n)
{
	struct vqueue *rx = vnet_q(n, VNET_RXQ), *tx = vnet_q(n, VNET_TXQ);
	if (rx)
		virtq_dev_set_notify(&rx->vq, true);
	if (!tx)
		return false;
	virtq_dev_set_notify(&tx->vq, true);
	return virtq_dev_pending(&tx->vq) > 0;
}

static void vnet_drain(int fd)
{
	uint64_t v;
	if (read(fd, &v, sizeof(v)) < 0) {
		/* EAGAIN: no kick since the last drain */
	}
}

static void *vnet_thread(void *arg)
{
	struct vm *vm = arg;
	struct vnet *n = vnet_of(vm);
	if (sandbox_thread_enter(SB_NET) < 0) {
		vm_stop(vm, VMM_EXIT_SANDBOX);
		return 0;
	}
	struct pollfd p[64];
	bool again = false;
	while (!atomic_load(&vm->stopping)) {
		/* ms: also how soon a stopping VM is noticed */
		int timeout = again ? 0 : 100;
		p[0] = (struct pollfd){.fd = n->vd.q[VNET_RXQ].kick_fd, .events = POLLIN};
		p[1] = (struct pollfd){.fd = n->vd.q[VNET_TXQ].kick_fd, .events = POLLIN};
		pthread_mutex_lock(&n->vd.lock);
		bool room = net_rx_room(n);
		int nb = n->be->fill(n->be, p + 2, 62, &timeout, room);
		pthread_mutex_unlock(&n->vd.lock);
		if (poll(p, (nfds_t)(2 + nb), timeout) < 0 && errno != EINTR)
			break;
		n->wakeups++;
		if (p[0].revents & POLLIN)
			vnet_drain(p[0].fd);
		if (p[1].revents & POLLIN)
			vnet_drain(p[1].fd);
		pthread_mutex_lock(&n->vd.lock);
		vnet_tx(n);
		n->be->ready(n->be, p + 2, nb);
		vnet_rx_publish(n);
		again = vnet_arm(n);
		pthread_mutex_unlock(&n->vd.lock);
	}
	return 0;
}

/* --net: checked here, so a bad value is exit 2 before anything opens */
static int net_opt(const char *arg, struct vmm_opts *o)
{
	struct net_opts no;
	char err[160];
	if (net_parse(arg, &no, err, sizeof(err)) < 0) {
		fprintf(stderr, "vmm: --net %s: %s\n", arg, err);
		return -1;
	}
	o->net = arg;
	return 0;
}
VMM_OPTION(net, .name = "net", .arg = "SPEC", .parse = net_opt,
	   .help = "a virtio-net NIC (docs/network.md): tap:IFNAME, a host tap device,\n"
		   "or user[,hostfwd=tcp|udp:[HOSTADDR]:HPORT-[GUESTADDR]:GPORT]...,\n"
		   "a rootless user network (libslirp); HOSTADDR defaults to 127.0.0.1");

int net_setup(struct vm *vm)
{
	const char *arg = vm->opts->net;
	if (!arg)
		return 0;
	struct net_opts o;
	char err[160];
	if (net_parse(arg, &o, err, sizeof(err)) < 0) {
		fprintf(stderr, "vmm: --net %s: %s\n", arg, err);
		return -EINVAL;
	}
	static const struct {
		int cap;
		const char *name;
	} need[] = {{KVM_CAP_IOEVENTFD, "KVM_CAP_IOEVENTFD"},
		    {KVM_CAP_IRQFD, "KVM_CAP_IRQFD"},
		    {KVM_CAP_IRQ_ROUTING, "KVM_CAP_IRQ_ROUTING"}};
	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++)
		if (ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, need[i].cap) <= 0) {
			fprintf(stderr, "vmm: --net: /dev/kvm lacks %s\n", need[i].name);
			return -ENOTSUP;
		}
	struct vnet *n = calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	n->be = o.kind == NET_TAP ? net_tap_open(&o) : net_slirp_open(&o);
	if (!n->be)
		return -EIO;
	n->be->dev = n;
	/* a locally administered address, like QEMU's 52:54:00:12:34:56 */
	static const uint8_t mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
	memcpy(n->mac, mac, 6);
	struct vdev *d = &n->vd;
	d->vm = vm;
	d->ops = &vnet_ops;
	d->features = 1ull << VIRTIO_F_VERSION_1 | 1ull << VIRTIO_NET_F_MAC |
		      1ull << VIRTIO_NET_F_STATUS | 1ull << VIRTIO_F_EVENT_IDX;
	d->nq = 2;
	d->qmax = VNET_QSIZE;
	d->cfg_len = VNET_CFG_SIZE;
	int rc = vdev_init(d, VNET_SLOT, VIRTIO_PCI_DEVICE_NET, 0x02, 0x00);
	if (rc < 0)
		return rc;
	vm->net = n;
	if (vm->opts->verbose)
		fprintf(stderr, "vmm: virtio-net at 00:%02x.0, BAR 0 at 0x%llx, backend %s\n",
			VNET_SLOT, (unsigned long long)pci_bar_addr(&d->pci, 0), n->be->name);
	return 0;
}

int net_start(struct vm *vm)
{
	struct vnet *n = vnet_of(vm);
	if (!n)
		return 0;
	int rc = pthread_create(&n->thread, 0, vnet_thread, vm);
	if (rc) {
		fprintf(stderr, "vmm: the network I/O thread: %s\n", strerror(rc));
		return -rc;
	}
	return 0;
}

void net_stats(struct vm *vm)
{
	struct vnet *n = vnet_of(vm);
	if (!n)
		return;
	pthread_mutex_lock(&n->vd.lock);
	fprintf(stderr,
		"  net (%s): rx %lu frames (%lu dropped), tx %lu frames (%lu dropped), I/O thread "
		"wakeups %lu, kicks by MMIO exit %lu, broken rings %lu, status 0x%x\n",
		n->be->name, n->rx_frames, n->rx_dropped, n->tx_frames, n->tx_dropped, n->wakeups,
		n->vd.kicks_by_exit, n->vd.needs_reset, n->vd.status);
	pthread_mutex_unlock(&n->vd.lock);
}
