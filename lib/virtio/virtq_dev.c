/* SPDX-License-Identifier: MIT */
/*
 * lib/virtio/virtq_dev.c - the device's end of a split virtqueue (virtio
 * 1.2 spec 2.7.7 "Device Operation"), for a driver that may be hostile.
 * The rules the driver can break and what happens: virtq.h.
 */
#include "virtq.h"

#include <string.h>

/* The one read of guest bytes: a copy, then a compiler barrier so the
 * compiler cannot re-read guest RAM in place of the local copy (a second
 * read could see another vCPU's change: a double fetch). */
static void vq_copy(void *dst, const void *src, size_t n)
{
	memcpy(dst, src, n);
	__asm__ volatile("" ::: "memory");
}

static int vq_break(struct virtq_dev *vq, const char *why)
{
	if (!vq->broken) {
		vq->broken = true;
		vq->why = why;
	}
	return -1;
}

int virtq_dev_init(struct virtq_dev *vq, virtq_map_fn *map, void *ctx, uint16_t size, uint64_t desc,
		   uint64_t avail, uint64_t used)
{
	memset(vq, 0, sizeof(*vq));
	vq->map = map;
	vq->ctx = ctx;
	vq->desc = desc;
	vq->avail = avail;
	vq->used = used;
	vq->size = size;
	struct virtq_layout l;
	if (virtq_layout(size, &l) < 0)
		return vq_break(vq, "queue size not a power of two in 1..32768");
	/* spec 2.7 table "Virtqueue Part Alignment" */
	if ((desc & 15) || (avail & 1) || (used & 3))
		return vq_break(vq, "ring part misaligned (desc 16, avail 2, used 4)");
	if (!map(ctx, desc, 16ull * size) || !map(ctx, avail, 6 + 2ull * size) ||
	    !map(ctx, used, 6 + 8ull * size))
		return vq_break(vq, "ring part outside guest RAM");
	return 0;
}

unsigned virtq_dev_pending(struct virtq_dev *vq)
{
	if (vq->broken)
		return 0;
	uint16_t idx;
	const uint16_t *p = vq->map(vq->ctx, vq->avail + VIRTQ_AVAIL_IDX, 2);
	idx = __atomic_load_n(p, __ATOMIC_ACQUIRE); /* ring entries read after it */
	uint16_t n = (uint16_t)(idx - vq->last_avail);
	if (n > vq->size) {
		vq_break(vq, "avail idx moved by more than the queue size");
		return 0;
	}
	vq->avail_idx = idx;
	return n;
}

/* Walk the chain at head: at most vq->size descriptors, so a loop or a
 * chain through the whole table ends here; each descriptor copied once. */
static int vq_walk(struct virtq_dev *vq, uint16_t head, struct virtq_chain *c, unsigned max_seg,
		   uint64_t max_len)
{
	const struct virtq_desc *table = vq->map(vq->ctx, vq->desc, 16ull * vq->size);
	c->head = head;
	c->nseg = 0;
	c->rlen = c->wlen = 0;
	if (max_seg > VIRTQ_CHAIN_MAX)
		max_seg = VIRTQ_CHAIN_MAX;
	uint16_t i = head;
	for (unsigned n = 0;; n++) {
		if (n >= vq->size)
			return vq_break(vq, "descriptor chain longer than the queue (a loop)");
		struct virtq_desc d;
		vq_copy(&d, &table[i], sizeof(d));
		if (d.flags & VIRTQ_DESC_F_INDIRECT)
			return vq_break(vq,
					"indirect descriptor (VIRTIO_F_INDIRECT_DESC not offered)");
		bool w = d.flags & VIRTQ_DESC_F_WRITE;
		if (!w && c->wlen)
			return vq_break(vq,
					"readable descriptor after a writable one (spec 2.7.4.2)");
		if (d.len) {
			if (c->nseg >= max_seg)
				return vq_break(vq, "descriptor chain has too many buffers");
			if (c->rlen + c->wlen + d.len > max_len)
				return vq_break(vq,
						"descriptor chain longer than the device accepts");
			if (d.addr + d.len < d.addr)
				return vq_break(vq, "descriptor address + length wraps");
			void *h = vq->map(vq->ctx, d.addr, d.len);
			if (!h)
				return vq_break(vq, "descriptor buffer outside guest RAM");
			c->seg[c->nseg++] = (struct virtq_seg){d.addr, h, d.len, w};
			if (w)
				c->wlen += d.len;
			else
				c->rlen += d.len;
		}
		if (!(d.flags & VIRTQ_DESC_F_NEXT))
			return 1;
		if (d.next >= vq->size)
			return vq_break(vq, "descriptor next index past the queue");
		i = d.next;
	}
}

int virtq_dev_pop(struct virtq_dev *vq, struct virtq_chain *c, unsigned max_seg, uint64_t max_len)
{
	if (vq->broken)
		return -1;
	if (vq->last_avail == vq->avail_idx)
		return 0;
	const uint16_t *ring = vq->map(vq->ctx, vq->avail + VIRTQ_AVAIL_RING(0), 2ull * vq->size);
	uint16_t head;
	vq_copy(&head, &ring[vq->last_avail & (vq->size - 1)], sizeof(head));
	vq->last_avail++;
	if (head >= vq->size)
		return vq_break(vq, "avail ring entry past the queue");
	int rc = vq_walk(vq, head, c, max_seg, max_len);
	if (rc > 0)
		vq->popped++;
	return rc;
}

int virtq_dev_push(struct virtq_dev *vq, uint16_t head, uint32_t len)
{
	if (vq->broken)
		return -1;
	uint8_t *used = vq->map(vq->ctx, vq->used, 6 + 8ull * vq->size);
	struct virtq_used_elem e = {head, len};
	memcpy(used + VIRTQ_USED_RING(vq->used_idx & (vq->size - 1)), &e, sizeof(e));
	vq->used_idx++;
	vq->pushed++;
	return 0;
}

bool virtq_dev_publish(struct virtq_dev *vq)
{
	if (vq->broken || vq->used_idx == vq->used_published)
		return false;
	uint8_t *used = vq->map(vq->ctx, vq->used, 6 + 8ull * vq->size);
	/* elements before the index (spec 2.7.8.2), the index before the
	 * flags are read (so a driver re-enabling interrupts is not missed) */
	__atomic_store_n((uint16_t *)(used + VIRTQ_USED_IDX), vq->used_idx, __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	uint16_t old = vq->used_published;
	vq->used_published = vq->used_idx;
	if (vq->event_idx) {
		uint16_t ev;
		vq_copy(&ev, vq->map(vq->ctx, vq->avail + VIRTQ_USED_EVENT(vq->size), 2),
			sizeof(ev));
		return virtq_need_event(ev, vq->used_idx, old);
	}
	uint16_t flags;
	vq_copy(&flags, vq->map(vq->ctx, vq->avail + VIRTQ_AVAIL_FLAGS, 2), sizeof(flags));
	return !(flags & VIRTQ_AVAIL_F_NO_INTERRUPT);
}

void virtq_dev_set_notify(struct virtq_dev *vq, bool want)
{
	if (vq->broken)
		return;
	if (vq->event_idx) {
		/* kick when the driver publishes past what we have seen; "no
		 * kicks" is an event half the ring index space away */
		uint16_t *ev = vq->map(vq->ctx, vq->used + VIRTQ_AVAIL_EVENT(vq->size), 2);
		__atomic_store_n(ev, (uint16_t)(want ? vq->last_avail : vq->last_avail - 0x8000),
				 __ATOMIC_RELEASE);
	} else {
		uint16_t *flags = vq->map(vq->ctx, vq->used + VIRTQ_USED_FLAGS, 2);
		__atomic_store_n(flags, (uint16_t)(want ? 0 : VIRTQ_USED_F_NO_NOTIFY),
				 __ATOMIC_RELEASE);
	}
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}
