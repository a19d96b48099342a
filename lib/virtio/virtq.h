/* SPDX-License-Identifier: MIT */
/*
 * lib/virtio/virtq.h - split virtqueues (virtio 1.2 spec section 2.7),
 * both ends, in one dual-use module: the vmm's virtio-net device consumes
 * rings with virtq_dev_* (virtq_dev.c), the guest's driver produces them
 * with virtq_drv_* (virtq_drv.c), and the host unit tests run the two
 * against each other over fake guest RAM (tests/unit/test_virtq.c).
 *
 * Freestanding: no libc beyond memcpy/memset, no allocation. Little-endian
 * only (x86-64): the spec's le16/le32/le64 fields are plain integers here.
 *
 * The device side is written for a hostile driver (docs/network.md,
 * "The ring is hostile"): every index, descriptor and length is copied out
 * of guest RAM once into a local, checked, and only the copy is used. A
 * ring that breaks a rule (a loop, a descriptor outside RAM, an index past
 * the ring, a length that overflows) marks the queue broken with a reason
 * and the device stops touching it until the driver resets the device
 * (spec 2.1.2, DEVICE_NEEDS_RESET). Nothing the guest writes can make the
 * walk run longer than the queue size.
 */
#ifndef PK_LIB_VIRTQ_H
#define PK_LIB_VIRTQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* spec 2.7.5 */
#define VIRTQ_DESC_F_NEXT 1u
#define VIRTQ_DESC_F_WRITE 2u
#define VIRTQ_DESC_F_INDIRECT 4u
/* spec 2.7.6 / 2.7.8: interrupt / notification suppression flags */
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1u
#define VIRTQ_USED_F_NO_NOTIFY 1u
/* spec 2.7: Queue Size is at most 32768 and a power of two (split rings) */
#define VIRTQ_MAX_SIZE 32768u
/* Segments one chain may have in the device's walk (no INDIRECT_DESC is
 * offered, so a chain is in the table itself; virtio-net needs <= 3) */
#define VIRTQ_CHAIN_MAX 64u

struct virtq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};
_Static_assert(sizeof(struct virtq_desc) == 16, "spec 2.7.5");

struct virtq_used_elem {
	uint32_t id; /* head of the chain */
	uint32_t len;
};
_Static_assert(sizeof(struct virtq_used_elem) == 8, "spec 2.7.8");

/* Where the three parts sit in one driver allocation (spec 2.7: the
 * descriptor table 16-aligned, the avail ring 2-aligned, the used ring
 * 4-aligned; the modern transport takes the three addresses apart). */
struct virtq_layout {
	uint64_t desc, avail, used, total; /* byte offsets / total bytes */
};
/* 0, or -1 when size is not a power of two in 1..VIRTQ_MAX_SIZE. */
static inline int virtq_layout(unsigned size, struct virtq_layout *l)
{
	if (size == 0 || size > VIRTQ_MAX_SIZE || (size & (size - 1)))
		return -1;
	l->desc = 0;
	l->avail = 16ull * size;
	uint64_t avail_end = l->avail + 6 + 2ull * size; /* flags, idx, ring, used_event */
	l->used = (avail_end + 3) & ~3ull;
	l->total = l->used + 6 + 8ull * size; /* flags, idx, ring, avail_event */
	return 0;
}

/* Offsets inside the avail and used rings (spec 2.7.6, 2.7.8). */
#define VIRTQ_AVAIL_FLAGS 0u
#define VIRTQ_AVAIL_IDX 2u
#define VIRTQ_AVAIL_RING(i) (4u + 2u * (unsigned)(i))
#define VIRTQ_USED_FLAGS 0u
#define VIRTQ_USED_IDX 2u
#define VIRTQ_USED_RING(i) (4u + 8u * (unsigned)(i))
/* With VIRTIO_F_EVENT_IDX (spec 2.7.10): the driver's used_event after
 * the avail ring, the device's avail_event after the used ring. */
#define VIRTQ_USED_EVENT(size) VIRTQ_AVAIL_RING(size)
#define VIRTQ_AVAIL_EVENT(size) VIRTQ_USED_RING(size)

/* Has idx moved past `event` in the step old -> new (spec 2.7.10.1,
 * vring_need_event)? The one rule both sides use to decide whether the
 * other wants a notification or an interrupt. */
static inline bool virtq_need_event(uint16_t event, uint16_t new_idx, uint16_t old)
{
	return (uint16_t)(new_idx - event - 1) < (uint16_t)(new_idx - old);
}

/* ---- device side (virtq_dev.c) ---- */

/* Host pointer for guest-physical [gpa, gpa + len) when all of it is
 * guest RAM, else NULL (the vmm passes mem_ptr, tests a fake RAM). */
typedef void *virtq_map_fn(void *ctx, uint64_t gpa, uint64_t len);

struct virtq_seg {
	uint64_t gpa;
	void *host; /* the checked mapping of [gpa, gpa + len) */
	uint32_t len;
	bool write; /* device-writable */
};

struct virtq_chain {
	uint16_t head;
	unsigned nseg;
	uint64_t rlen, wlen; /* bytes readable / writable by the device */
	struct virtq_seg seg[VIRTQ_CHAIN_MAX];
};

struct virtq_dev {
	virtq_map_fn *map;
	void *ctx;
	uint64_t desc, avail, used; /* guest-physical, as the driver set them */
	uint16_t size;		    /* power of two, <= VIRTQ_MAX_SIZE */
	uint16_t last_avail;	    /* next avail slot the device consumes */
	uint16_t avail_idx;	    /* the driver's idx as last copied */
	uint16_t used_idx;	    /* the device's next used slot (shadow) */
	uint16_t used_published;    /* used idx last written to the guest */
	bool event_idx;		    /* VIRTIO_F_EVENT_IDX negotiated: events, not flags */
	bool broken;
	const char *why; /* the first rule the driver broke */
	uint64_t popped, pushed;
};

/* Check the ring addresses (each part inside guest RAM, aligned as spec
 * 2.7 says) and start at index 0. 0, or -1 with vq->why set. */
int virtq_dev_init(struct virtq_dev *vq, virtq_map_fn *map, void *ctx, uint16_t size, uint64_t desc,
		   uint64_t avail, uint64_t used);
/* Copy the driver's avail idx once: how many chains are waiting (0 ..
 * size). A jump of more than `size` breaks the ring. */
unsigned virtq_dev_pending(struct virtq_dev *vq);
/*
 * Take the next waiting chain (after virtq_dev_pending said there is one):
 * 1 = *c holds it (every segment mapped and checked, readable segments
 * first, at most max_seg of them, rlen + wlen <= max_len), 0 = nothing
 * waiting, -1 = the ring is broken (vq->why). The avail slot is consumed
 * either way; a broken ring stays broken.
 */
int virtq_dev_pop(struct virtq_dev *vq, struct virtq_chain *c, unsigned max_seg, uint64_t max_len);
/* Return a chain: write its used element (len = bytes written into its
 * writable segments). Not visible to the driver until virtq_dev_publish. */
int virtq_dev_push(struct virtq_dev *vq, uint16_t head, uint32_t len);
/* Make every pushed element visible (one store of used idx, after a
 * release fence) and say whether the driver wants an interrupt: its
 * used_event with EVENT_IDX, else its avail flags (copied once). */
bool virtq_dev_publish(struct virtq_dev *vq);
/* Ask the driver not to notify (or to notify again): used flags, or with
 * EVENT_IDX avail_event = the next avail idx the device has not seen.
 * After asking again, check virtq_dev_pending: a chain published before
 * the driver saw the request came without a kick. */
void virtq_dev_set_notify(struct virtq_dev *vq, bool want);

/* ---- driver side (virtq_drv.c) ---- */

struct virtq_buf {
	uint64_t phys; /* what the device sees */
	uint32_t len;
	bool write; /* device-writable */
};

struct virtq_drv {
	uint16_t size;
	volatile struct virtq_desc *desc;
	volatile uint16_t *avail; /* flags, idx, ring[size] */
	volatile uint8_t *used;	  /* flags, idx, elems[size] */
	uint16_t free_head, nfree;
	uint16_t avail_idx; /* shadow of what was published */
	uint16_t last_used;
	uint16_t *next_free;	  /* [size]: the free list, driver-private */
	uint16_t *chain_len;	  /* [size]: descriptors per in-flight head */
	void **cookie;		  /* [size]: the caller's token per in-flight head */
	uint16_t avail_published; /* avail idx the device last saw (EVENT_IDX) */
	bool event_idx;		  /* VIRTIO_F_EVENT_IDX negotiated: set after init */
	bool no_interrupt;	  /* virtq_drv_set_interrupt(false) */
	bool broken;		  /* the device returned an id it was never given */
	const char *why;
};

/* ring: layout.total zeroed bytes laid out by virtq_layout(size); the
 * three arrays of `size` entries are the driver's own memory. */
void virtq_drv_init(struct virtq_drv *q, uint16_t size, void *ring, const struct virtq_layout *l,
		    uint16_t *next_free, uint16_t *chain_len, void **cookie);
/* Post one chain (readable buffers first, then writable ones, as spec
 * 2.7.4.2 requires): the head, or -1 when there are not n free descriptors
 * or n is 0. Visible to the device at the next virtq_drv_publish. */
int virtq_drv_add(struct virtq_drv *q, const struct virtq_buf *b, unsigned n, void *cookie);
/* Publish the added chains; true when the device wants a notification. */
bool virtq_drv_publish(struct virtq_drv *q);
/* The next used chain's cookie and written length, or NULL when none (or
 * when the device returned a bad id: q->broken). */
void *virtq_drv_get(struct virtq_drv *q, uint32_t *len);
/* Ask the device not to interrupt (or to interrupt again). */
void virtq_drv_set_interrupt(struct virtq_drv *q, bool want);

#endif
