/* SPDX-License-Identifier: MIT */
/*
 * vmm/virtio_pci.c - the virtio-pci modern transport, device side
 * (virtio_pci.h; spec 4.1.4 layout, 4.1.4.3 common configuration, 4.1.5
 * operation). Every register the guest writes lands in vmm memory under
 * d->lock held for writing; ring addresses are checked by virtq_dev_init when the driver
 * enables a queue, so a bad one never reaches the device thread.
 */
#include "virtio_pci.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "lib/virtio/virtio_pci.h"
#include "hcall.h"
#include "irq.h"
#include "kvm.h"

static void *vdev_map(void *ctx, uint64_t gpa, uint64_t len)
{
	return mem_ptr(ctx, gpa, len);
}

bool vdev_live(const struct vdev *d)
{
	uint8_t s = d->status; /* one load: an I/O thread may set NEEDS_RESET */
	return (s & VIRTIO_STATUS_DRIVER_OK) && !(s & VIRTIO_STATUS_NEEDS_RESET);
}

void vdev_needs_reset(struct vdev *d, unsigned q)
{
	/* I/O threads may race here: the one that sets the bit reports */
	if (atomic_fetch_or(&d->status, VIRTIO_STATUS_NEEDS_RESET) & VIRTIO_STATUS_NEEDS_RESET)
		return;
	/* a hostile driver can break rings at will: the first few are told */
	if (d->needs_reset++ < 10 || d->vm->opts->verbose)
		fprintf(stderr,
			"vmm: virtio 00:%02x.0 queue %u: %s; the device stops until the driver "
			"resets it\n",
			d->pci.dev, q, d->q[q].vq.why ? d->q[q].vq.why : "bad queue setup");
	/* spec 4.1.4.3: a configuration change interrupt tells the driver */
	if (d->config_msix < d->nmsix)
		irq_msi_fire(d->irq_fd[d->config_msix]);
}

static bool vdev_masked(const struct vdev *d, unsigned vec)
{
	uint16_t ctrl;
	memcpy(&ctrl, &d->pci.cfg[0x40 + MSIX_CTRL], 2);
	return !(ctrl & MSIX_CTRL_ENABLE) || (ctrl & MSIX_CTRL_MASKALL) ||
	       (d->msix[vec][3] & MSIX_ENTRY_MASKED);
}

static void vdev_fire(struct vdev *d, unsigned vec)
{
	if (vec >= d->nmsix)
		return; /* no vector: the driver polls */
	if (vdev_masked(d, vec))
		atomic_fetch_or(&d->msix_pending, 1u << vec);
	else
		irq_msi_fire(d->irq_fd[vec]);
}

void vdev_interrupt(struct vdev *d, unsigned q)
{
	atomic_fetch_or(&d->isr, 1u);
	vdev_fire(d, d->q[q].msix);
}

/* Pending vectors that are unmasked now go out (PCI 3.0 6.8.3.4). */
static void vdev_msix_flush(struct vdev *d)
{
	for (unsigned v = 0; v < d->nmsix; v++)
		if ((atomic_load(&d->msix_pending) >> v & 1) && !vdev_masked(d, v)) {
			atomic_fetch_and(&d->msix_pending, ~(1u << v));
			irq_msi_fire(d->irq_fd[v]);
		}
}

static void vdev_reset(struct vdev *d)
{
	if (d->ops->reset)
		d->ops->reset(d);
	d->status = 0;
	d->guest_features = 0;
	d->dfsel = d->gfsel = 0;
	d->qsel = 0;
	d->config_msix = VIRTIO_MSI_NO_VECTOR;
	atomic_store(&d->isr, 0);
	for (unsigned i = 0; i < d->nq; i++) {
		struct vqueue *q = &d->q[i];
		q->size = d->qmax;
		q->msix = VIRTIO_MSI_NO_VECTOR;
		q->enabled = false;
		q->desc = q->avail = q->used = 0;
	}
}

static void vdev_set_status(struct vdev *d, uint8_t s)
{
	if (s == 0) {
		vdev_reset(d);
		return;
	}
	if ((s & VIRTIO_STATUS_FEATURES_OK) && !(d->status & VIRTIO_STATUS_FEATURES_OK)) {
		/* spec 2.2.2: only offered features, and this device is modern only */
		uint64_t g = d->guest_features;
		if ((g & ~d->features) || !(g >> VIRTIO_F_VERSION_1 & 1))
			s &= (uint8_t)~VIRTIO_STATUS_FEATURES_OK;
	}
	bool was_ok = d->status & VIRTIO_STATUS_DRIVER_OK;
	/* NEEDS_RESET is the device's to set; only a reset clears it */
	d->status = (uint8_t)((s & ~VIRTIO_STATUS_NEEDS_RESET) |
			      (d->status & VIRTIO_STATUS_NEEDS_RESET));
	if (!was_ok && (s & VIRTIO_STATUS_DRIVER_OK) && d->ops->ready)
		d->ops->ready(d);
}

static void vdev_queue_enable(struct vdev *d, struct vqueue *q, unsigned idx)
{
	if (q->enabled)
		return;
	if (virtq_dev_init(&q->vq, vdev_map, &d->vm->mem, q->size, q->desc, q->avail, q->used) <
	    0) {
		vdev_needs_reset(d, idx);
		return;
	}
	q->vq.event_idx = d->guest_features >> VIRTIO_F_EVENT_IDX & 1;
	q->enabled = true;
}

static uint32_t vdev_common_read(struct vdev *d, unsigned off)
{
	struct vqueue *q = d->qsel < d->nq ? &d->q[d->qsel] : 0;
	switch (off) {
	case VCOMMON_DFSELECT:
		return d->dfsel;
	case VCOMMON_DF:
		return d->dfsel < 2 ? (uint32_t)(d->features >> (32 * d->dfsel)) : 0;
	case VCOMMON_GFSELECT:
		return d->gfsel;
	case VCOMMON_GF:
		return d->gfsel < 2 ? (uint32_t)(d->guest_features >> (32 * d->gfsel)) : 0;
	case VCOMMON_MSIX:
		return d->config_msix;
	case VCOMMON_NUMQ:
		return d->nq;
	case VCOMMON_STATUS:
		return d->status;
	case VCOMMON_CFGGEN:
		return 0; /* the configuration never changes */
	case VCOMMON_Q_SELECT:
		return d->qsel;
	}
	if (!q)
		return 0; /* spec 4.1.4.3.2: a queue that does not exist has size 0 */
	switch (off) {
	case VCOMMON_Q_SIZE:
		return q->size;
	case VCOMMON_Q_MSIX:
		return q->msix;
	case VCOMMON_Q_ENABLE:
		return q->enabled;
	case VCOMMON_Q_NOFF:
		return d->qsel;
	case VCOMMON_Q_DESCLO:
		return (uint32_t)q->desc;
	case VCOMMON_Q_DESCHI:
		return (uint32_t)(q->desc >> 32);
	case VCOMMON_Q_AVAILLO:
		return (uint32_t)q->avail;
	case VCOMMON_Q_AVAILHI:
		return (uint32_t)(q->avail >> 32);
	case VCOMMON_Q_USEDLO:
		return (uint32_t)q->used;
	case VCOMMON_Q_USEDHI:
		return (uint32_t)(q->used >> 32);
	}
	return 0;
}

static void vdev_set_half(uint64_t *field, bool hi, uint32_t v)
{
	*field = hi ? (*field & 0xffffffffull) | (uint64_t)v << 32 : (*field & ~0xffffffffull) | v;
}

static void vdev_common_write(struct vdev *d, unsigned off, uint32_t v)
{
	struct vqueue *q = d->qsel < d->nq ? &d->q[d->qsel] : 0;
	switch (off) {
	case VCOMMON_DFSELECT:
		d->dfsel = v;
		return;
	case VCOMMON_GFSELECT:
		d->gfsel = v;
		return;
	case VCOMMON_GF:
		if (d->gfsel < 2 && !(d->status & VIRTIO_STATUS_FEATURES_OK))
			vdev_set_half(&d->guest_features, d->gfsel == 1, v);
		return;
	case VCOMMON_MSIX:
		d->config_msix = (uint16_t)(v < d->nmsix ? v : VIRTIO_MSI_NO_VECTOR);
		return;
	case VCOMMON_STATUS:
		vdev_set_status(d, (uint8_t)v);
		return;
	case VCOMMON_Q_SELECT:
		d->qsel = (uint16_t)v;
		return;
	}
	/* queue registers: only for a queue that exists and is not running
	 * (spec 4.1.4.3.2: the driver sets them up before enabling) */
	if (!q || q->enabled)
		return;
	switch (off) {
	case VCOMMON_Q_SIZE:
		if (v && v <= d->qmax && !(v & (v - 1)))
			q->size = (uint16_t)v;
		return;
	case VCOMMON_Q_MSIX:
		q->msix = (uint16_t)(v < d->nmsix ? v : VIRTIO_MSI_NO_VECTOR);
		return;
	case VCOMMON_Q_ENABLE:
		if (v == 1)
			vdev_queue_enable(d, q, d->qsel);
		return;
	case VCOMMON_Q_DESCLO:
	case VCOMMON_Q_DESCHI:
		vdev_set_half(&q->desc, off == VCOMMON_Q_DESCHI, v);
		return;
	case VCOMMON_Q_AVAILLO:
	case VCOMMON_Q_AVAILHI:
		vdev_set_half(&q->avail, off == VCOMMON_Q_AVAILHI, v);
		return;
	case VCOMMON_Q_USEDLO:
	case VCOMMON_Q_USEDHI:
		vdev_set_half(&q->used, off == VCOMMON_Q_USEDHI, v);
		return;
	}
}

/* Accesses of the natural width of each field (spec 4.1.3.1); a 64-bit
 * access to an address pair is split into its halves. */
static void vdev_common(struct vdev *d, unsigned off, bool write, uint8_t *data, unsigned len)
{
	if (len == 8 && (off & 7) == 0 && off >= VCOMMON_Q_DESCLO) {
		vdev_common(d, off, write, data, 4);
		vdev_common(d, off + 4, write, data + 4, 4);
		return;
	}
	if (write) {
		uint32_t v = 0;
		memcpy(&v, data, len < 4 ? len : 4);
		vdev_common_write(d, off, v);
	} else {
		uint32_t v = vdev_common_read(d, off);
		memset(data, 0, len);
		memcpy(data, &v, len < 4 ? len : 4);
	}
}

static void vdev_msix_write(struct vdev *d, unsigned off, const uint8_t *data, unsigned len)
{
	unsigned vec = off / MSIX_ENTRY_SIZE, w = (off % MSIX_ENTRY_SIZE) / 4;
	if (vec >= d->nmsix || (off & 3) || (len != 4 && len != 8))
		return;
	for (unsigned k = 0; k < len / 4 && w + k < 4; k++)
		memcpy(&d->msix[vec][w + k], data + 4 * k, 4);
	if (w < 3) { /* address or data changed: the route follows */
		uint64_t addr = d->msix[vec][0] | (uint64_t)d->msix[vec][1] << 32;
		/* a failure is printed by irq.c; the vector then stays unrouted */
		irq_msi_route(d->vm, d->gsi[vec], addr, d->msix[vec][2]);
	}
	vdev_msix_flush(d);
}

static int vdev_bar(struct pci_func *f, unsigned bar, uint64_t off, bool write, uint8_t *data,
		    unsigned len)
{
	struct vdev *d = f->opaque;
	if (bar != 0)
		return -1;
	pthread_rwlock_wrlock(&d->lock);
	if (!write)
		memset(data, 0, len);
	if (off < VDEV_COMMON + VCOMMON_SIZE) {
		vdev_common(d, (unsigned)off, write, data, len);
	} else if (off == VDEV_ISR && !write) {
		data[0] = (uint8_t)atomic_exchange(&d->isr, 0); /* read clears (4.1.4.5) */
	} else if (off >= VDEV_DEVCFG && off - VDEV_DEVCFG < d->cfg_len) {
		unsigned o = (unsigned)(off - VDEV_DEVCFG);
		if (!write && len <= d->cfg_len - o)
			d->ops->cfg_read(d, o, data, len);
	} else if (off >= VDEV_NOTIFY && off < VDEV_NOTIFY + VDEV_NOTIFY_MULT * d->nq) {
		/* a notify that missed the ioeventfd (another width): kick by hand */
		unsigned q = (unsigned)(off - VDEV_NOTIFY) / VDEV_NOTIFY_MULT;
		if (write) {
			d->kicks_by_exit++;
			irq_msi_fire(d->q[q].kick_fd);
		}
	} else if (off >= VDEV_MSIX_TABLE && off < VDEV_MSIX_TABLE + d->nmsix * 16) {
		unsigned o = (unsigned)(off - VDEV_MSIX_TABLE);
		if (write)
			vdev_msix_write(d, o, data, len);
		else if (!(o & 3) && (len == 4 || len == 8))
			for (unsigned k = 0; k < len / 4 && (o % 16) / 4 + k < 4; k++)
				memcpy(data + 4 * k, &d->msix[o / 16][(o % 16) / 4 + k], 4);
	} else if (off >= VDEV_MSIX_PBA && off < VDEV_MSIX_PBA + 8 && !write) {
		uint64_t p = atomic_load(&d->msix_pending);
		memcpy(data, (uint8_t *)&p + (off - VDEV_MSIX_PBA),
		       len <= 8 - (off - VDEV_MSIX_PBA) ? len : 8 - (off - VDEV_MSIX_PBA));
	}
	pthread_rwlock_unlock(&d->lock);
	return -1;
}

static void vdev_cfg_written(struct pci_func *f, unsigned off, unsigned len)
{
	struct vdev *d = f->opaque;
	if (off + len > 0x40 + MSIX_CTRL && off < 0x40 + MSIX_CTRL + 2) {
		pthread_rwlock_wrlock(&d->lock);
		vdev_msix_flush(d); /* MSI-X enabled or unmasked */
		pthread_rwlock_unlock(&d->lock);
	}
}

/* A vendor capability at off pointing into BAR 0 (spec 4.1.4). */
static void vdev_cap(struct pci_func *f, unsigned off, unsigned next, uint8_t type, uint32_t where,
		     uint32_t len, unsigned caplen)
{
	f->cfg[off] = PCI_CAP_ID_VENDOR;
	f->cfg[off + 1] = (uint8_t)next;
	f->cfg[off + 2] = (uint8_t)caplen;
	f->cfg[off + VCAP_TYPE] = type;
	f->cfg[off + VCAP_BAR] = 0;
	pci_set32(f, off + VCAP_OFFSET, where);
	pci_set32(f, off + VCAP_LENGTH, len);
}

int vdev_init(struct vdev *d, uint8_t slot, uint16_t device_id, uint8_t class_code,
	      uint8_t subclass)
{
	struct pci_func *f = &d->pci;
	if (d->nq > VDEV_MAXQ)
		return -EINVAL;
	d->nmsix = d->nq + 1; /* a vector per queue, one for configuration changes */
	/* writers first: busy I/O threads, whose read sections overlap, must
	 * not starve a vCPU's register write (none of them reads recursively) */
	pthread_rwlockattr_t ra;
	pthread_rwlockattr_init(&ra);
	pthread_rwlockattr_setkind_np(&ra, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&d->lock, &ra);
	pthread_rwlockattr_destroy(&ra);
	f->dev = slot;
	f->opaque = d;
	f->bar_io = vdev_bar;
	f->cfg_written = vdev_cfg_written;
	f->bar_size[0] = VDEV_BAR_SIZE;
	pci_set16(f, PCI_VENDOR_ID, VIRTIO_PCI_VENDOR);
	pci_set16(f, PCI_DEVICE_ID, device_id);
	pci_set32(f, PCI_REVISION, (uint32_t)class_code << 24 | (uint32_t)subclass << 16 | 1);
	pci_set16(f, PCI_SUBSYS_VENDOR, VIRTIO_PCI_VENDOR);
	pci_set16(f, PCI_SUBSYS_ID, (uint16_t)(device_id - 0x1040));
	pci_set16(f, PCI_STATUS, PCI_STATUS_CAPS);
	f->cfg[PCI_CAP_PTR] = 0x40;
	/* 0x40 MSI-X: table and PBA in BAR 0; enable and mask-all writable */
	f->cfg[0x40] = PCI_CAP_ID_MSIX;
	f->cfg[0x41] = 0x50;
	pci_set16(f, 0x40 + MSIX_CTRL, d->nmsix - 1);
	pci_set32(f, 0x40 + MSIX_TABLE, VDEV_MSIX_TABLE);
	pci_set32(f, 0x40 + MSIX_PBA, VDEV_MSIX_PBA);
	f->wmask[0x40 + MSIX_CTRL + 1] = 0xc0;
	vdev_cap(f, 0x50, 0x60, VIRTIO_PCI_CAP_COMMON, VDEV_COMMON, VCOMMON_SIZE, VCAP_LEN);
	vdev_cap(f, 0x60, 0x70, VIRTIO_PCI_CAP_ISR, VDEV_ISR, 1, VCAP_LEN);
	vdev_cap(f, 0x70, 0x80, VIRTIO_PCI_CAP_DEVICE, VDEV_DEVCFG, d->cfg_len, VCAP_LEN);
	vdev_cap(f, 0x80, 0, VIRTIO_PCI_CAP_NOTIFY, VDEV_NOTIFY, VDEV_NOTIFY_MULT * d->nq,
		 VCAP_NOTIFY_CAP_LEN);
	pci_set32(f, 0x80 + VCAP_NOTIFY_MULT, VDEV_NOTIFY_MULT);
	if (pci_register(f) < 0) {
		fprintf(stderr, "vmm: PCI slot %u taken or no room for BAR 0\n", slot);
		return -EBUSY;
	}
	/* memory decoding on from the start: there is no firmware to do it */
	pci_set16(f, PCI_COMMAND, PCI_CMD_MEM | PCI_CMD_MASTER);
	uint64_t bar = pci_bar_addr(f, 0);
	for (unsigned i = 0; i < d->nq; i++) {
		struct vqueue *q = &d->q[i];
		q->kick_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		struct kvm_ioeventfd io = {.addr = bar + VDEV_NOTIFY + VDEV_NOTIFY_MULT * i,
					   .len = 2,
					   .fd = q->kick_fd};
		if (q->kick_fd < 0)
			return vmm_syserr("eventfd for virtio queue %u", i);
		if (ioctl(d->vm->vm_fd, KVM_IOEVENTFD, &io) < 0)
			return vmm_syserr("KVM_IOEVENTFD for virtio queue %u at 0x%llx", i,
					  (unsigned long long)io.addr);
	}
	for (unsigned v = 0; v < d->nmsix; v++) {
		int rc = irq_msi_alloc(d->vm, &d->gsi[v], &d->irq_fd[v]);
		if (rc < 0)
			return rc;
		d->msix[v][3] = MSIX_ENTRY_MASKED; /* reset state (PCI 3.0 6.8.2.9) */
	}
	vdev_reset(d);
	return 0;
}
