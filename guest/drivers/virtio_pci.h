/* SPDX-License-Identifier: MIT */
/*
 * guest/drivers/virtio_pci.h - the virtio-pci modern transport (virtio 1.2
 * spec 4.1) for the guest's virtio drivers: capabilities, feature
 * negotiation, split queues (lib/virtio/virtq.h) and MSI-X. The same code
 * runs under the perfkern vmm and QEMU q35 (docs/network.md).
 */
#ifndef PK_DRIVERS_VIRTIO_PCI_H
#define PK_DRIVERS_VIRTIO_PCI_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/virtio/virtq.h"
#include "pci.h"

struct virtio_pci {
	struct pci_dev pci;
	volatile uint8_t *common, *isr, *devcfg, *notify;
	uint32_t notify_mult, devcfg_len;
	unsigned msix_cap;	      /* config-space offset, 0 = no MSI-X */
	unsigned msix_n;	      /* table entries */
	volatile uint8_t *msix_table; /* NULL = no MSI-X */
	uint64_t features;	      /* negotiated */
};

struct virtio_queue {
	struct virtq_drv q;
	unsigned index;
	volatile uint16_t *notify; /* where a kick writes the queue index */
	uint16_t msix;		   /* the MSI-X entry it signals, or NO_VECTOR */
};

/* Find the capabilities, map them, reset the device and say ACKNOWLEDGE
 * and DRIVER (spec 3.1.1 steps 1-3). 0, or -1 with a line printed. */
int virtio_pci_open(struct virtio_pci *v, const struct pci_dev *d);
/* Steps 4-6: offer `want` & what the device has; `need` must all be
 * there. The negotiated set is v->features. 0 or -1 (status FAILED). */
int virtio_pci_negotiate(struct virtio_pci *v, uint64_t want, uint64_t need);
/* Step 7 for queue `index`: at most max_size entries (the device's size if
 * smaller), rings from page memory, MSI-X entry `msix` (VIRTIO_MSI_NO_VECTOR
 * for none). 0 or -1. */
int virtio_pci_queue(struct virtio_pci *v, struct virtio_queue *vq, unsigned index,
		     unsigned max_size, uint16_t msix);
/* Step 8. */
void virtio_pci_ready(struct virtio_pci *v);
/* Point MSI-X entry `entry` at `vector` on the CPU with `apic_id` and
 * enable MSI-X: true when the device has the entry (call before the
 * queues are set up, which name the entries). */
bool virtio_pci_msix_route(struct virtio_pci *v, unsigned entry, uint8_t vector, uint32_t apic_id);
/* Kick the device if the queue's published chains want it. */
void virtio_queue_kick(struct virtio_queue *vq);
/* A readable name for a feature bit ("VERSION_1", "MAC"), or NULL. */
const char *virtio_feature_name(unsigned bit);

#endif
