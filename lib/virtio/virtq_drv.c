/* SPDX-License-Identifier: MIT */
/*
 * lib/virtio/virtq_drv.c - the driver's end of a split virtqueue (virtio
 * 1.2 spec 2.7.13 "Supplying Buffers to The Device", 2.7.14 "Receiving
 * Used Buffers"). The free list and each chain's length live in driver
 * memory, not in the shared descriptor table, so a device that rewrites
 * descriptors cannot make the driver free the wrong ones.
 */
#include "virtq.h"

void virtq_drv_init(struct virtq_drv *q, uint16_t size, void *ring, const struct virtq_layout *l,
		    uint16_t *next_free, uint16_t *chain_len, void **cookie)
{
	uint8_t *base = ring;
	q->size = size;
	q->desc = (volatile struct virtq_desc *)(base + l->desc);
	q->avail = (volatile uint16_t *)(base + l->avail);
	q->used = base + l->used;
	q->next_free = next_free;
	q->chain_len = chain_len;
	q->cookie = cookie;
	q->free_head = 0;
	q->nfree = size;
	q->avail_idx = q->last_used = q->avail_published = 0;
	q->event_idx = q->no_interrupt = false;
	q->broken = false;
	q->why = 0;
	for (unsigned i = 0; i < size; i++) {
		next_free[i] = (uint16_t)(i + 1);
		chain_len[i] = 0;
		cookie[i] = 0;
	}
}

int virtq_drv_add(struct virtq_drv *q, const struct virtq_buf *b, unsigned n, void *cookie)
{
	if (n == 0 || n > q->nfree || !cookie)
		return -1;
	uint16_t head = q->free_head, i = head;
	for (unsigned k = 0; k < n; k++) {
		uint16_t flags = (uint16_t)(b[k].write ? VIRTQ_DESC_F_WRITE : 0);
		if (k + 1 < n)
			flags |= VIRTQ_DESC_F_NEXT;
		q->desc[i].addr = b[k].phys;
		q->desc[i].len = b[k].len;
		q->desc[i].flags = flags;
		q->desc[i].next = q->next_free[i];
		if (k + 1 < n)
			i = q->next_free[i];
	}
	q->free_head = q->next_free[i];
	q->nfree = (uint16_t)(q->nfree - n);
	q->chain_len[head] = (uint16_t)n;
	q->cookie[head] = cookie;
	q->avail[VIRTQ_AVAIL_RING(q->avail_idx & (q->size - 1)) / 2] = head;
	q->avail_idx++;
	return head;
}

bool virtq_drv_publish(struct virtq_drv *q)
{
	/* descriptors and ring entries before the index (spec 2.7.13.3.1),
	 * the index before the device's flags are read */
	__atomic_store_n((uint16_t *)&q->avail[VIRTQ_AVAIL_IDX / 2], q->avail_idx,
			 __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	uint16_t old = q->avail_published;
	q->avail_published = q->avail_idx;
	if (q->event_idx) {
		uint16_t ev = *(volatile uint16_t *)(q->used + VIRTQ_AVAIL_EVENT(q->size));
		return virtq_need_event(ev, q->avail_idx, old);
	}
	uint16_t flags = *(volatile uint16_t *)(q->used + VIRTQ_USED_FLAGS);
	return !(flags & VIRTQ_USED_F_NO_NOTIFY);
}

void *virtq_drv_get(struct virtq_drv *q, uint32_t *len)
{
	if (q->broken)
		return 0;
	uint16_t idx = __atomic_load_n((uint16_t *)(q->used + VIRTQ_USED_IDX), __ATOMIC_ACQUIRE);
	if (idx == q->last_used)
		return 0;
	if ((uint16_t)(idx - q->last_used) > q->size) {
		q->broken = true;
		q->why = "used idx moved by more than the queue size";
		return 0;
	}
	volatile struct virtq_used_elem *e =
		(volatile struct virtq_used_elem *)(q->used +
						    VIRTQ_USED_RING(q->last_used & (q->size - 1)));
	uint32_t id = e->id, n = e->len;
	if (id >= q->size || !q->cookie[id]) {
		q->broken = true;
		q->why = "used element names a descriptor the driver never posted";
		return 0;
	}
	q->last_used++;
	void *cookie = q->cookie[id];
	q->cookie[id] = 0;
	/* give the chain back: its descriptors are linked in next_free */
	uint16_t last = (uint16_t)id;
	for (unsigned k = 1; k < q->chain_len[id]; k++)
		last = q->next_free[last];
	q->next_free[last] = q->free_head;
	q->free_head = (uint16_t)id;
	q->nfree = (uint16_t)(q->nfree + q->chain_len[id]);
	q->chain_len[id] = 0;
	*len = n;
	/* EVENT_IDX: interrupt again once the device uses the next one */
	if (q->event_idx && !q->no_interrupt)
		virtq_drv_set_interrupt(q, true);
	return cookie;
}

void virtq_drv_set_interrupt(struct virtq_drv *q, bool want)
{
	q->no_interrupt = !want;
	if (q->event_idx)
		/* used_event: the used idx whose publication interrupts us; a
		 * value half the index space away means "not soon" */
		__atomic_store_n((uint16_t *)&q->avail[VIRTQ_USED_EVENT(q->size) / 2],
				 (uint16_t)(want ? q->last_used : q->last_used - 0x8000),
				 __ATOMIC_RELEASE);
	else
		__atomic_store_n((uint16_t *)&q->avail[VIRTQ_AVAIL_FLAGS / 2],
				 (uint16_t)(want ? 0 : VIRTQ_AVAIL_F_NO_INTERRUPT),
				 __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}
