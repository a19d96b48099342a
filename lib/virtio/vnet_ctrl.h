/* SPDX-License-Identifier: MIT */
/*
 * lib/virtio/vnet_ctrl.h - the device's end of virtio-net's control queue
 * (virtio 1.2 spec 5.1.6.5): one command per chain, a readable {class,
 * command} header and data, then a writable ack byte. Only the
 * multiqueue command VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET (5.1.6.5.5) is
 * understood; everything else is answered VIRTIO_NET_ERR. Host only (the
 * vmm's virtio-net, unit.virtq, fuzz.virtq): the chain comes out of
 * virtq_dev_pop already checked, and its readable bytes are copied once
 * into a local before they are looked at.
 */
#ifndef PK_LIB_VIRTIO_VNET_CTRL_H
#define PK_LIB_VIRTIO_VNET_CTRL_H

#include <stdint.h>

#include "virtq.h"

struct vnet_ctrl {
	unsigned max_pairs; /* what the device offers */
	unsigned pairs;	    /* in use: 1 after a reset, then as the driver sets */
	uint64_t ok, refused;
};

/* Run the command in chain c; the ack goes into its last writable byte.
 * Returns the used length for virtq_dev_push (1 when an ack was written,
 * 0 when the chain had no writable byte). */
uint32_t vnet_ctrl_exec(struct vnet_ctrl *s, const struct virtq_chain *c);

#endif
