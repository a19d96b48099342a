/* SPDX-License-Identifier: MIT */
/*
 * guest/drivers/virtio_net.h - the virtio-net driver (virtio 1.2 spec 5.1)
 * over the virtio-pci transport: one receive and one transmit queue
 * (queue pair 0), no offloads, MSI-X interrupts when the device has them,
 * else polling. Frames are plain Ethernet without FCS.
 */
#ifndef PK_DRIVERS_VIRTIO_NET_H
#define PK_DRIVERS_VIRTIO_NET_H

#include <stdbool.h>
#include <stdint.h>

struct vnet_info {
	uint8_t mac[6];
	bool msix; /* interrupts by MSI-X (else the caller polls) */
	unsigned rx_size, tx_size;
	uint64_t features;
};

/* Find the first virtio-net function on bus 0 and bring it up. 0, or -1
 * with the reason printed (no device, refused features, no memory). */
int vnet_init(struct vnet_info *info);
/* The next received frame (points into a receive buffer) and its length,
 * or NULL when none is waiting. Give it back with vnet_rx_done. */
uint8_t *vnet_recv(uint32_t *len);
void vnet_rx_done(uint8_t *frame);
/* Copy one frame out (at most 1514 bytes): 0, or -1 when it is too long
 * or every transmit buffer is in flight. */
int vnet_send(const void *frame, uint32_t len);
/* Wait until the device has sent every queued frame (their buffers are
 * back), at most `us` microseconds: 0, or -1 when some are still out.
 * Before exiting: the host stops the device with the VM. */
int vnet_flush(uint64_t us);
/* In a task on the CPU that ran vnet_init: suspend until a receive or
 * transmit interrupt came since the last wait, or ns passed (UINT64_MAX:
 * none; without MSI-X at most 200 us, the poll interval). 1 interrupted,
 * 0 timed out, negative on cancel or a wrong CPU. Check the rings first:
 * an interrupt that came before the check makes this return at once. */
int vnet_wait(uint64_t ns);
/* Interrupts taken and frames dropped as malformed (the device's). */
uint64_t vnet_irqs(void);
uint64_t vnet_rx_dropped(void);

#endif
