/* SPDX-License-Identifier: MIT */
/*
 * lib/virtio/vnet_ctrl.c - virtio-net's control queue, device side
 * (vnet_ctrl.h; virtio 1.2 spec 5.1.6.5, 5.1.6.5.5).
 */
#include "vnet_ctrl.h"

#include <string.h>

#include "virtio_pci.h"

/* the longest command understood, header included: more is refused */
#define CTRL_MAX 64u

uint32_t vnet_ctrl_exec(struct vnet_ctrl *s, const struct virtq_chain *c)
{
	uint8_t cmd[CTRL_MAX];
	size_t n = 0;
	bool too_long = c->rlen > CTRL_MAX;
	for (unsigned i = 0; i < c->nseg && !too_long; i++) {
		const struct virtq_seg *g = &c->seg[i];
		if (g->write)
			break;
		memcpy(cmd + n, g->host, g->len); /* the one read of these bytes */
		n += g->len;
	}
	__asm__ volatile("" ::: "memory");
	uint8_t ack = VNET_CTRL_ERR;
	if (!too_long && n == 4 && cmd[0] == VNET_CTRL_MQ && cmd[1] == VNET_CTRL_MQ_VQ_PAIRS_SET) {
		uint16_t v;
		memcpy(&v, cmd + 2, 2);
		/* spec 5.1.6.5.5.1: between 1 and max_virtqueue_pairs */
		if (v >= VNET_CTRL_MQ_PAIRS_MIN && v <= s->max_pairs) {
			s->pairs = v;
			ack = VNET_CTRL_OK;
		}
	}
	if (ack == VNET_CTRL_OK)
		s->ok++;
	else
		s->refused++;
	for (unsigned i = c->nseg; i-- > 0;)
		if (c->seg[i].write) {
			uint8_t *last = (uint8_t *)c->seg[i].host + c->seg[i].len - 1;
			*last = ack;
			return 1;
		}
	return 0;
}
