/* SPDX-License-Identifier: MIT */
/*
 * vmm/virtio_net.c - the virtio-net device (virtio 1.2 spec 5.1) on the
 * virtio-pci transport (virtio_pci.h): one queue pair per vCPU (at most
 * VNET_PAIRS_MAX) with VIRTIO_NET_F_MQ and the control queue that turns
 * them on (5.1.6.5.5), VERSION_1 + MAC + STATUS, no offloads. Each
 * received frame goes to the receive queue lib/net/steer.h names, the
 * rule the guest's driver checks too. I/O threads in the sandbox's net
 * role serve the queues: one per backend queue (tap with IFF_MULTI_QUEUE:
 * one per pair, each owning its pair; libslirp, which is single-threaded:
 * one for every queue). Each waits on its kick eventfds (KVM_IOEVENTFD)
 * and its backend queue's fds, drains its rings in batches and interrupts
 * through an irqfd once per batch per queue: no VM exit per packet in
 * either direction. The vCPU threads change the device's configuration
 * under vd.lock held for writing; the I/O threads hold it for reading.
 * A transmit queue belongs to its pair's thread alone; a receive queue
 * takes its rx_lock, because a frame read from one tap queue is steered
 * to the pair that owns its flow, which may be another thread's.
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

#include "lib/net/steer.h"
#include "lib/virtio/virtio_pci.h"
#include "lib/virtio/vnet_ctrl.h"
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
#define VNET_PAIRS_MAX 8       /* queue pairs offered: one per vCPU up to this */
#define VNET_CTRL_MAX_LEN 4096 /* a control chain longer than this is broken */

struct vnet;
/* One I/O thread: backend queue `bq`, pairs [pair_lo, pair_hi). */
struct vnet_io {
	struct vnet *n;
	unsigned bq, pair_lo, pair_hi;
	pthread_t thread;
	uint32_t rx_dirty; /* receive queues (bit per pair) it pushed to since its last publish */
	uint64_t wakeups, tx_frames, tx_dropped;
} __attribute__((aligned(64)));

struct vnet {
	struct vdev vd;
	uint8_t mac[6];
	unsigned max_pairs;    /* offered (max_virtqueue_pairs) */
	unsigned ctrlq;	       /* the control queue's index: 2 * max_pairs */
	struct vnet_ctrl ctrl; /* the control queue's thread (io[0]) and resets */
	atomic_uint pairs;     /* ctrl.pairs, for every I/O thread */
	struct net_backend *be;
	unsigned nio; /* I/O threads: be->queues */
	struct vnet_io io[VNET_PAIRS_MAX];
	/* pair p's receive queue and these counters (any I/O thread delivers) */
	pthread_mutex_t rx_lock[VNET_PAIRS_MAX];
	uint64_t rx_per_pair[VNET_PAIRS_MAX], rx_dropped[VNET_PAIRS_MAX];
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
	cfg[VNET_CFG_MAXQP] = (uint8_t)n->max_pairs; /* le16, <= 8 */
	memcpy(data, cfg + off, len);
}

static void vnet_ready(struct vdev *d)
{
	(void)d; /* the I/O threads see vdev_live() on their next wakeup */
}

/* spec 5.1.6.5.5: after a reset the device uses one pair again (vd.lock
 * held for writing: no I/O thread runs) */
static void vnet_reset(struct vdev *d)
{
	struct vnet *n = (struct vnet *)d;
	n->ctrl.pairs = 1;
	atomic_store(&n->pairs, 1);
}

static const struct vdev_ops vnet_ops = {
	.cfg_read = vnet_cfg_read,
	.ready = vnet_ready,
	.reset = vnet_reset,
};

static struct vqueue *vnet_q(struct vnet *n, unsigned i)
{
	struct vqueue *q = &n->vd.q[i];
	return vdev_live(&n->vd) && q->enabled && !q->vq.broken ? q : 0;
}

static bool vnet_q_room(struct vqueue *q)
{
	return q->vq.last_avail != q->vq.avail_idx || virtq_dev_pending(&q->vq) > 0;
}

/* Room on the receive queues backend queue bq's frames go to: a frame
 * waits in the backend (the tap's queue) rather than being dropped because
 * its flow's queue is full. One backend queue for all pairs: every pair in
 * use must have room (its frames may be for any); a queue per pair: its
 * own pair's, where tun's automq sends the pair's flows (a pair not in
 * use gets the flows the hash spreads: every pair in use again). */
bool net_rx_room(void *dev, unsigned bq)
{
	struct vnet *n = dev;
	unsigned pairs = atomic_load(&n->pairs), lo = 0, hi = pairs;
	if (n->nio > 1 && bq < pairs) {
		lo = bq;
		hi = bq + 1;
	}
	bool any = false;
	for (unsigned p = lo; p < hi; p++) {
		pthread_mutex_lock(&n->rx_lock[p]);
		struct vqueue *q = vnet_q(n, VNET_RXQ_OF(p));
		bool room = q && vnet_q_room(q);
		pthread_mutex_unlock(&n->rx_lock[p]);
		if (!q)
			continue; /* not set up by the driver: frames go to pair 0 */
		if (!room)
			return false;
		any = true;
	}
	return any || (lo != 0 && net_rx_room(dev, 0)); /* own pair not set up: pair 0's */
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

/* The pair a frame goes to: the steering rule over the pairs in use, and
 * pair 0 for ARP replies and for a pair the driver did not set up. */
static unsigned vnet_steer(struct vnet *n, const void *frame, size_t len)
{
	unsigned pairs = atomic_load(&n->pairs);
	unsigned p = net_steer(frame, len, pairs);
	if (p == NET_STEER_ALL || p >= pairs || !vnet_q(n, VNET_RXQ_OF(p)))
		return 0;
	return p;
}

bool net_rx_deliver(void *dev, unsigned bq, const void *frame, size_t len)
{
	struct vnet *n = dev;
	unsigned pair = vnet_steer(n, frame, len), qi = VNET_RXQ_OF(pair);
	pthread_mutex_lock(&n->rx_lock[pair]);
	struct vqueue *q = vnet_q(n, qi);
	struct virtq_chain c;
	if (!q || !vnet_q_room(q) || virtq_dev_pop(&q->vq, &c, VNET_MAX_SEG, 1u << 20) != 1) {
		if (q && q->vq.broken)
			vdev_needs_reset(&n->vd, qi);
		n->rx_dropped[pair]++;
		pthread_mutex_unlock(&n->rx_lock[pair]);
		return false;
	}
	/* spec 5.1.6.4: the header, num_buffers 1 (no MRG_RXBUF) */
	struct virtio_net_hdr h = {.num_buffers = 1};
	uint32_t used = 0;
	if (c.wlen >= VNET_HDR + len) {
		vnet_scatter(&c, 0, &h, VNET_HDR);
		vnet_scatter(&c, VNET_HDR, frame, len);
		used = (uint32_t)(VNET_HDR + len);
		n->rx_per_pair[pair]++;
	} else {
		n->rx_dropped[pair]++; /* a buffer too small for the frame: returned empty */
	}
	virtq_dev_push(&q->vq, c.head, used);
	pthread_mutex_unlock(&n->rx_lock[pair]);
	n->io[bq].rx_dirty |= 1u << pair;
	return used != 0;
}

static void vnet_rx_publish(struct vnet *n, struct vnet_io *io)
{
	for (unsigned p = 0; p < n->max_pairs; p++) {
		if (!(io->rx_dirty >> p & 1))
			continue;
		pthread_mutex_lock(&n->rx_lock[p]);
		struct vqueue *q = vnet_q(n, VNET_RXQ_OF(p));
		if (q && virtq_dev_publish(&q->vq))
			vdev_interrupt(&n->vd, VNET_RXQ_OF(p));
		pthread_mutex_unlock(&n->rx_lock[p]);
	}
	io->rx_dirty = 0;
}

/* Send what the driver queued on transmit queue qi: one batch, then one
 * publish and at most one interrupt. A driver may transmit on any pair it
 * set up, in use or not (spec 5.1.6.5.5 lets the device ignore them; we
 * carry them). */
static void vnet_tx(struct vnet *n, struct vnet_io *io, unsigned qi)
{
	struct vqueue *q = vnet_q(n, qi);
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
		if (c.rlen < VNET_HDR + 14 || n->be->send(n->be, io->bq, iov, niov) < 0)
			io->tx_dropped++;
		else
			io->tx_frames++;
		virtq_dev_push(&q->vq, c.head, 0);
	}
	if (q->vq.broken)
		vdev_needs_reset(&n->vd, qi);
	if (virtq_dev_publish(&q->vq))
		vdev_interrupt(&n->vd, qi);
}

/* The control queue: each chain is one command (lib/virtio/vnet_ctrl.c). */
static void vnet_ctrl_run(struct vnet *n)
{
	struct vqueue *q = vnet_q(n, n->ctrlq);
	if (!q || n->max_pairs < 2)
		return;
	unsigned pending = virtq_dev_pending(&q->vq);
	for (unsigned k = 0; k < pending && k < VNET_BATCH; k++) {
		struct virtq_chain c;
		if (virtq_dev_pop(&q->vq, &c, VNET_MAX_SEG, VNET_CTRL_MAX_LEN) <= 0)
			break;
		virtq_dev_push(&q->vq, c.head, vnet_ctrl_exec(&n->ctrl, &c));
	}
	atomic_store(&n->pairs, n->ctrl.pairs);
	if (q->vq.broken)
		vdev_needs_reset(&n->vd, n->ctrlq);
	if (virtq_dev_publish(&q->vq))
		vdev_interrupt(&n->vd, n->ctrlq);
}

/* The control queue (there is one with more than one pair) is io[0]'s. */
static bool vnet_io_has_ctrl(const struct vnet *n, const struct vnet_io *io)
{
	return io->bq == 0 && n->max_pairs > 1;
}

/* Before sleeping: ask for kicks on io's queues again (EVENT_IDX: the
 * avail idx after the last one seen), then look once more, since a chain
 * the driver published before it saw the request came without a kick.
 * True when transmit work is already waiting. */
static bool vnet_arm(struct vnet *n, struct vnet_io *io)
{
	bool work = false;
	for (unsigned p = io->pair_lo; p < io->pair_hi; p++) {
		pthread_mutex_lock(&n->rx_lock[p]);
		struct vqueue *q = vnet_q(n, VNET_RXQ_OF(p));
		if (q)
			virtq_dev_set_notify(&q->vq, true);
		pthread_mutex_unlock(&n->rx_lock[p]);
		if ((q = vnet_q(n, VNET_TXQ_OF(p)))) {
			virtq_dev_set_notify(&q->vq, true);
			work |= virtq_dev_pending(&q->vq) > 0;
		}
	}
	struct vqueue *q = vnet_io_has_ctrl(n, io) ? vnet_q(n, n->ctrlq) : 0;
	if (q) {
		virtq_dev_set_notify(&q->vq, true);
		work |= virtq_dev_pending(&q->vq) > 0;
	}
	return work;
}

static void vnet_drain(int fd)
{
	uint64_t v;
	if (read(fd, &v, sizeof(v)) < 0) {
		/* EAGAIN: no kick since the last drain */
	}
}

/* The kick eventfds io waits on, drained: its pairs' queues, and the
 * control queue on the first thread. Then, not drained (their owners do
 * that), the receive kicks of the other pairs in use while io's frames
 * have no room: a buffer added there is io's cue to read its backend
 * queue again. Returns how many of p are io's own. */
static unsigned vnet_poll_kicks(struct vnet *n, struct vnet_io *io, struct pollfd *p,
				unsigned *total, bool room)
{
	unsigned k = 0;
	for (unsigned i = io->pair_lo; i < io->pair_hi; i++) {
		p[k++] = (struct pollfd){.fd = n->vd.q[VNET_RXQ_OF(i)].kick_fd, .events = POLLIN};
		p[k++] = (struct pollfd){.fd = n->vd.q[VNET_TXQ_OF(i)].kick_fd, .events = POLLIN};
	}
	if (vnet_io_has_ctrl(n, io))
		p[k++] = (struct pollfd){.fd = n->vd.q[n->ctrlq].kick_fd, .events = POLLIN};
	unsigned own = k, pairs = atomic_load(&n->pairs);
	for (unsigned i = 0; !room && i < pairs && i < n->max_pairs; i++)
		if (i < io->pair_lo || i >= io->pair_hi)
			p[k++] = (struct pollfd){.fd = n->vd.q[VNET_RXQ_OF(i)].kick_fd,
						 .events = POLLIN};
	*total = k;
	return own;
}

static void *vnet_thread(void *arg)
{
	struct vnet_io *io = arg;
	struct vnet *n = io->n;
	struct vm *vm = n->vd.vm;
	if (sandbox_thread_enter(SB_NET) < 0) {
		vm_stop(vm, VMM_EXIT_SANDBOX);
		return 0;
	}
	struct pollfd p[64]; /* <= 2 * VNET_PAIRS_MAX + 1 kicks: room for the backend's fds */
	bool again = false;
	while (!atomic_load(&vm->stopping)) {
		/* ms: also how soon a stopping VM is noticed */
		int timeout = again ? 0 : 100;
		unsigned nk;
		pthread_rwlock_rdlock(&n->vd.lock);
		bool room = net_rx_room(n, io->bq);
		unsigned own = vnet_poll_kicks(n, io, p, &nk, room);
		int nb = n->be->fill(n->be, io->bq, p + nk, (int)(64 - nk), &timeout, room);
		pthread_rwlock_unlock(&n->vd.lock);
		if (poll(p, (nfds_t)(nk + nb), timeout) < 0 && errno != EINTR)
			break;
		io->wakeups++;
		for (unsigned i = 0; i < own; i++)
			if (p[i].revents & POLLIN)
				vnet_drain(p[i].fd);
		pthread_rwlock_rdlock(&n->vd.lock);
		if (vnet_io_has_ctrl(n, io))
			vnet_ctrl_run(n);
		for (unsigned i = io->pair_lo; i < io->pair_hi; i++)
			vnet_tx(n, io, VNET_TXQ_OF(i));
		n->be->ready(n->be, io->bq, p + nk, nb);
		vnet_rx_publish(n, io);
		again = vnet_arm(n, io);
		pthread_rwlock_unlock(&n->vd.lock);
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
	/* a locally administered address, like QEMU's 52:54:00:12:34:56 */
	static const uint8_t mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
	memcpy(n->mac, mac, 6);
	struct vdev *d = &n->vd;
	d->vm = vm;
	d->ops = &vnet_ops;
	d->features = 1ull << VIRTIO_F_VERSION_1 | 1ull << VIRTIO_NET_F_MAC |
		      1ull << VIRTIO_NET_F_STATUS | 1ull << VIRTIO_F_EVENT_IDX;
	/* one pair per vCPU; MQ only with more than one, with the control
	 * queue it needs (spec 5.1.3.1) after the pairs (5.1.2) */
	n->max_pairs = vm->opts->cpus < VNET_PAIRS_MAX ? vm->opts->cpus : VNET_PAIRS_MAX;
	if (n->max_pairs < 1)
		n->max_pairs = 1;
	n->be = o.kind == NET_TAP ? net_tap_open(&o, n->max_pairs, vm->opts->verbose)
				  : net_slirp_open(&o);
	if (!n->be)
		return -EIO;
	n->be->dev = n;
	/* a thread per backend queue: one per pair (tap), or one for all */
	n->nio = n->be->queues == n->max_pairs ? n->max_pairs : 1;
	for (unsigned i = 0; i < n->nio; i++)
		n->io[i] = (struct vnet_io){.n = n,
					    .bq = i,
					    .pair_lo = n->nio == 1 ? 0 : i,
					    .pair_hi = n->nio == 1 ? n->max_pairs : i + 1};
	for (unsigned i = 0; i < VNET_PAIRS_MAX; i++)
		pthread_mutex_init(&n->rx_lock[i], 0);
	n->ctrl = (struct vnet_ctrl){.max_pairs = n->max_pairs, .pairs = 1};
	atomic_store(&n->pairs, 1);
	n->ctrlq = 2 * n->max_pairs;
	d->nq = 2 * n->max_pairs;
	if (n->max_pairs > 1) {
		d->features |= 1ull << VIRTIO_NET_F_MQ | 1ull << VIRTIO_NET_F_CTRL_VQ;
		d->nq++;
	}
	d->qmax = VNET_QSIZE;
	d->cfg_len = VNET_CFG_SIZE;
	int rc = vdev_init(d, VNET_SLOT, VIRTIO_PCI_DEVICE_NET, 0x02, 0x00);
	if (rc < 0)
		return rc;
	vm->net = n;
	if (vm->opts->verbose)
		fprintf(stderr,
			"vmm: virtio-net at 00:%02x.0, BAR 0 at 0x%llx, backend %s, %u queue "
			"pair(s), %u I/O thread(s)\n",
			VNET_SLOT, (unsigned long long)pci_bar_addr(&d->pci, 0), n->be->name,
			n->max_pairs, n->nio);
	return 0;
}

int net_start(struct vm *vm)
{
	struct vnet *n = vnet_of(vm);
	if (!n)
		return 0;
	for (unsigned i = 0; i < n->nio; i++) {
		int rc = vmm_thread_start(&n->io[i].thread, vnet_thread, &n->io[i]);
		if (rc) {
			fprintf(stderr, "vmm: network I/O thread %u: %s\n", i, strerror(rc));
			return -rc;
		}
	}
	return 0;
}

void net_stats(struct vm *vm)
{
	struct vnet *n = vnet_of(vm);
	if (!n)
		return;
	pthread_rwlock_wrlock(&n->vd.lock); /* no I/O thread is inside a batch */
	char per[8 * VNET_PAIRS_MAX] = "";
	size_t off = 0;
	uint64_t rx = 0, rxd = 0, tx = 0, txd = 0, wake = 0;
	for (unsigned i = 0; i < n->max_pairs; i++) {
		pthread_mutex_lock(&n->rx_lock[i]);
		rx += n->rx_per_pair[i];
		rxd += n->rx_dropped[i];
		if (off < sizeof(per))
			off += (size_t)snprintf(per + off, sizeof(per) - off, "%s%lu", i ? "," : "",
						n->rx_per_pair[i]);
		pthread_mutex_unlock(&n->rx_lock[i]);
	}
	for (unsigned i = 0; i < n->nio; i++) {
		tx += n->io[i].tx_frames;
		txd += n->io[i].tx_dropped;
		wake += n->io[i].wakeups;
	}
	fprintf(stderr,
		"  net (%s): rx %lu frames (%lu dropped), tx %lu frames (%lu dropped), I/O threads "
		"%u, wakeups %lu, kicks by MMIO exit %lu, broken rings %lu, status 0x%x; queue "
		"pairs %u of %u in use, rx per pair %s, control commands %lu ok %lu refused\n",
		n->be->name, rx, rxd, tx, txd, n->nio, wake, n->vd.kicks_by_exit, n->vd.needs_reset,
		n->vd.status, n->ctrl.pairs, n->max_pairs, per, n->ctrl.ok, n->ctrl.refused);
	pthread_rwlock_unlock(&n->vd.lock);
}
