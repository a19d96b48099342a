/* SPDX-License-Identifier: MIT */
/*
 * vmm/virtio_pci.h - the device side of the virtio-pci modern transport
 * (virtio 1.2 spec 4.1): config-space capabilities, one memory BAR with
 * the common configuration, ISR, device configuration, notification area
 * and MSI-X table, queues as lib/virtio/virtq.h consumers. Queue kicks
 * arrive on eventfds (KVM_IOEVENTFD on the notify addresses), interrupts
 * leave through irqfds (vmm/irq.h): the device's own thread never exits.
 *
 * BAR 0 (VDEV_BAR_SIZE bytes):
 *   0x0000 common configuration    0x1000 ISR status
 *   0x2000 device configuration    0x3000 notify, queue q at 0x3000 + 4q
 *   0x4000 MSI-X table (nq + 1)    0x5000 MSI-X pending bits
 */
#ifndef PK_VMM_VIRTIO_PCI_H
#define PK_VMM_VIRTIO_PCI_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "lib/virtio/virtq.h"
#include "pci.h"

struct vm;

#define VDEV_BAR_SIZE 0x8000u
#define VDEV_COMMON 0x0000u
#define VDEV_ISR 0x1000u
#define VDEV_DEVCFG 0x2000u
#define VDEV_NOTIFY 0x3000u
#define VDEV_NOTIFY_MULT 4u
#define VDEV_MSIX_TABLE 0x4000u
#define VDEV_MSIX_PBA 0x5000u
#define VDEV_MAXQ 17		    /* virtio-net: 8 queue pairs and the control queue */
#define VDEV_MSIX_N (VDEV_MAXQ + 1) /* the most: one per queue, one for config */

struct vdev;
struct vdev_ops {
	/* device configuration bytes [off, off + len) into data (len <= 8,
	 * inside cfg_len) */
	void (*cfg_read)(struct vdev *d, unsigned off, uint8_t *data, unsigned len);
	/* DRIVER_OK was set / the driver reset the device (lock held) */
	void (*ready)(struct vdev *d);
	void (*reset)(struct vdev *d);
};

struct vqueue {
	uint16_t size, msix;
	bool enabled;
	uint64_t desc, avail, used;
	struct virtq_dev vq; /* valid while enabled */
	int kick_fd;	     /* eventfd: KVM_IOEVENTFD on the notify address */
};

struct vdev {
	struct pci_func pci;
	struct vm *vm;
	const struct vdev_ops *ops;
	/* everything below: written by vCPU threads (BAR 0, config space)
	 * and read by --stats under the write lock; the device's I/O threads
	 * hold it for reading, each working on queues no other thread touches
	 * (or under the device's own per-queue lock) */
	pthread_rwlock_t lock;
	uint64_t features; /* offered */
	uint64_t guest_features;
	uint32_t dfsel, gfsel;
	uint16_t qsel, config_msix, qmax;
	unsigned nq, cfg_len;
	unsigned nmsix;		/* MSI-X entries: nq + 1 (vdev_init) */
	_Atomic uint8_t status; /* NEEDS_RESET is set by I/O threads (vdev_needs_reset) */
	atomic_uint isr;
	struct vqueue q[VDEV_MAXQ];
	uint32_t msix[VDEV_MSIX_N][4]; /* addr lo, addr hi, data, vector control */
	atomic_uint msix_pending;      /* bit per vector: fired while masked */
	unsigned gsi[VDEV_MSIX_N];
	int irq_fd[VDEV_MSIX_N];
	uint64_t kicks_by_exit; /* notify writes that reached us as MMIO exits */
	uint64_t needs_reset;	/* times a broken ring stopped the device (by the thread that set
				   NEEDS_RESET) */
};

/* Build config space (ids, capabilities, MSI-X), register on bus 0 at
 * slot dev, make the eventfds, ioeventfds and irqfds. d->features, nq,
 * qmax, cfg_len, ops and vm are set by the caller first. 0 or a negative
 * errno (message printed). Setup only. */
int vdev_init(struct vdev *d, uint8_t slot, uint16_t device_id, uint8_t class_code,
	      uint8_t subclass);
/* Is the driver done with setup (DRIVER_OK, no NEEDS_RESET)? lock held (either way) */
bool vdev_live(const struct vdev *d);
/* The driver broke a ring rule (vq->why): say so once and stop the device
 * until it resets (spec 2.1.2 DEVICE_NEEDS_RESET). lock held (either way) */
void vdev_needs_reset(struct vdev *d, unsigned q);
/* Interrupt for queue q (its MSI-X vector), or the pending bit while the
 * vector is masked. lock held (either way) */
void vdev_interrupt(struct vdev *d, unsigned q);

#endif
