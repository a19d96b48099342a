/* SPDX-License-Identifier: MIT */
/*
 * fuzz/virtq.c - the device side of the split virtqueue (lib/virtio/
 * virtq_dev.c) over fake guest RAM (fake_vm.h), the code between the
 * vmm's virtio-net device and a hostile driver. The rings are whatever the
 * input says: descriptors, avail ring and index, flags, and the index the
 * "driver" moves to between batches.
 *
 * Input: log2 queue size (1 byte, mod 9), max buffers per chain (low 6
 * bits of 1 byte; the top bit turns VIRTIO_F_EVENT_IDX on), max
 * chain bytes (4), then the ring bytes copied to guest RAM at RING_GPA
 * (descriptor table, avail ring, used ring as virtq_layout places them);
 * the input's last 8 bytes are four avail idx values the driver publishes
 * between batches.
 * Beyond "no crash": every chain popped has at most max_seg buffers and
 * max_len bytes, each buffer lies inside guest RAM and its host pointer is
 * the one mem_ptr gives, readable buffers come first, a broken queue
 * stays broken and pops nothing, and no batch pops more than the size.
 * Every chain is also run as a virtio-net control command
 * (lib/virtio/vnet_ctrl.c, the device's control queue): the pairs in use
 * stay within 1..max_pairs, and an ack is written only into a writable
 * buffer.
 */
#include <stdlib.h>
#include <string.h>

#include "fake_vm.h"
#include "lib/virtio/virtq.h"
#include "lib/virtio/vnet_ctrl.h"
#include "vmm/kvm.h"

#define FUZZ_RAM (4ull << 20)
#define RING_GPA 0x10000ull

static struct vm vm;
static struct vcpu vcpu;
static struct vmm_opts opts;

static void *fuzz_map(void *ctx, uint64_t gpa, uint64_t len)
{
	return mem_ptr(ctx, gpa, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!vm.mem.host)
		fake_vm_init(&vm, &vcpu, &opts, FUZZ_RAM);
	if (size < 6)
		return 0;
	uint16_t qsize = (uint16_t)(1u << (data[0] % 9));
	unsigned max_seg = 1 + (data[1] & 0x3f);
	bool event_idx = data[1] & 0x80; /* VIRTIO_F_EVENT_IDX: used_event decides */
	uint32_t max_len;
	memcpy(&max_len, data + 2, 4);
	data += 6;
	size -= 6;
	uint16_t idx[4] = {0};
	if (size >= 8) {
		memcpy(idx, data + size - 8, 8);
		size -= 8;
	}
	struct virtq_layout l;
	virtq_layout(qsize, &l);
	uint8_t *ring = mem_ptr(&vm.mem, RING_GPA, l.total);
	memset(ring, 0, l.total);
	memcpy(ring, data, size < l.total ? size : l.total);
	struct virtq_dev vq;
	if (virtq_dev_init(&vq, fuzz_map, &vm.mem, qsize, RING_GPA + l.desc, RING_GPA + l.avail,
			   RING_GPA + l.used) < 0)
		abort(); /* aligned, inside RAM: must be accepted */
	vq.event_idx = event_idx;
	static struct virtq_chain c;
	struct vnet_ctrl ctrl = {.max_pairs = 1 + (max_len & 7), .pairs = 1};
	for (int batch = 0; batch < 5; batch++) {
		bool was_broken = vq.broken;
		unsigned n = virtq_dev_pending(&vq), popped = 0;
		if (n > qsize)
			abort();
		int rc;
		while ((rc = virtq_dev_pop(&vq, &c, max_seg, max_len)) == 1) {
			if (was_broken || ++popped > qsize || c.nseg > max_seg ||
			    c.rlen + c.wlen > max_len || c.head >= qsize)
				abort();
			bool seen_write = false;
			for (unsigned s = 0; s < c.nseg; s++) {
				if (c.seg[s].host != mem_ptr(&vm.mem, c.seg[s].gpa, c.seg[s].len) ||
				    !c.seg[s].host || (seen_write && !c.seg[s].write))
					abort();
				seen_write |= c.seg[s].write;
			}
			uint32_t acked = vnet_ctrl_exec(&ctrl, &c);
			if (acked > 1 || (acked && !c.wlen) || ctrl.pairs < 1 ||
			    ctrl.pairs > ctrl.max_pairs)
				abort();
			virtq_dev_push(&vq, c.head, (uint32_t)c.wlen);
		}
		if (rc < 0 && !vq.broken)
			abort();
		virtq_dev_publish(&vq);
		virtq_dev_set_notify(&vq, batch & 1);
		if (batch < 4) /* the driver moves on */
			memcpy(ring + l.avail + VIRTQ_AVAIL_IDX, &idx[batch], 2);
	}
	return 0;
}
