/* SPDX-License-Identifier: MIT */
/*
 * guest/drivers/virtio_net.h - the virtio-net driver (virtio 1.2 spec 5.1)
 * over the virtio-pci transport: one queue pair per network instance when
 * the device offers VIRTIO_NET_F_MQ (up to VNET_MAX_PAIRS), else one pair
 * for all; no offloads; MSI-X interrupts per queue aimed at the CPU that
 * owns the queue, else polling. Frames are plain Ethernet without FCS.
 *
 * Instances: instance i runs on CPU i (guest/net/net_inst.h) and calls
 * these functions with its own index only. Instance i < pairs owns pair i:
 * it takes pair i's received frames, checks each against the steering rule
 * (lib/net/steer.h) and hands a frame that belongs to another instance to
 * that instance's software queue (copied), ARP replies to all of them.
 * Instances without a pair of their own (more CPUs than pairs) receive
 * only through their software queue and send on pair i % pairs under that
 * pair's lock.
 */
#ifndef PK_DRIVERS_VIRTIO_NET_H
#define PK_DRIVERS_VIRTIO_NET_H

#include <stdbool.h>
#include <stdint.h>

#define VNET_MAX_PAIRS 8

struct vnet_info {
	uint8_t mac[6];
	bool msix; /* interrupts by MSI-X (else the caller polls) */
	unsigned rx_size, tx_size;
	unsigned pairs;	    /* queue pairs in use (1 without MQ) */
	unsigned max_pairs; /* what the device offers (max_virtqueue_pairs) */
	unsigned instances; /* as asked for */
	uint64_t features;
};

/* Find the first virtio-net function on bus 0 and bring it up for
 * `instances` instances (CPUs 0 .. instances-1, at least 1): one pair per
 * instance where the device has them. On CPU 0. 0, or -1 with the reason
 * printed (no device, refused features, no memory). */
int vnet_init(struct vnet_info *info, unsigned instances);
/* The MAC address vnet_init reported. */
void vnet_mac(uint8_t mac[6]);
/* The next frame for instance `inst` (points into a receive buffer) and
 * its length, or NULL when none is waiting. Give each back with
 * vnet_rx_done, in the order received. */
uint8_t *vnet_recv(unsigned inst, uint32_t *len);
void vnet_rx_done(unsigned inst, uint8_t *frame);
/* Copy one frame out (at most 1514 bytes) on inst's pair: 0, or -1 when it
 * is too long or every transmit buffer is in flight. */
int vnet_send(unsigned inst, const void *frame, uint32_t len);
/* Wait until the device has sent every queued frame on every pair (their
 * buffers are back), at most `us` microseconds: 0, or -1 when some are
 * still out. Before exiting: the host stops the device with the VM. */
int vnet_flush(uint64_t us);
/* In a task on instance inst's CPU: suspend until an interrupt for it (or
 * a frame handed over by another instance) came since the last wait, or ns
 * passed (UINT64_MAX: none; without MSI-X at most 200 us, the poll
 * interval). 1 woken, 0 timed out, negative on cancel or a wrong CPU.
 * Check the rings first: a wakeup that came before makes this return at
 * once. */
int vnet_wait(unsigned inst, uint64_t ns);
/* Make inst's vnet_wait return (from any CPU, e.g. to stop its task). */
void vnet_wake(unsigned inst);
/* Interrupts taken, frames dropped as malformed or because a software
 * queue was full, frames handed between instances. */
uint64_t vnet_irqs(void);
uint64_t vnet_rx_dropped(void);
uint64_t vnet_steered(void);

#endif
