/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_virtq.c - the split virtqueue of lib/virtio: the
 * guest's producer (virtq_drv) against the vmm's consumer (virtq_dev) over
 * a fake guest RAM, then hostile rings written by hand: descriptor loops,
 * buffers outside RAM, wrapping addresses, huge lengths, indices past the
 * ring, chains longer than the queue. Each must end the walk with the
 * queue broken and a reason, never a hang or an access outside RAM (ASan
 * watches the latter).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "lib/virtio/virtio_pci.h"
#include "lib/virtio/virtq.h"
#include "lib/virtio/vnet_ctrl.h"

#define RAM_SIZE (1u << 20)
#define RING_GPA 0x1000u
#define BUF_GPA 0x80000u

static uint8_t *ram;

static void *fake_map(void *ctx, uint64_t gpa, uint64_t len)
{
	(void)ctx;
	if (gpa > RAM_SIZE || len > RAM_SIZE - gpa)
		return 0;
	return ram + gpa;
}

struct pair {
	struct virtq_layout l;
	struct virtq_drv drv;
	struct virtq_dev dev;
	uint16_t next_free[VIRTQ_MAX_SIZE], chain_len[VIRTQ_MAX_SIZE];
	void *cookie[VIRTQ_MAX_SIZE];
};
static struct pair P;

static void setup_size(uint16_t size)
{
	free(ram);
	ram = calloc(1, RAM_SIZE);
	ck_assert_ptr_nonnull(ram);
	ck_assert_int_eq(virtq_layout(size, &P.l), 0);
	virtq_drv_init(&P.drv, size, ram + RING_GPA, &P.l, P.next_free, P.chain_len, P.cookie);
	ck_assert_int_eq(virtq_dev_init(&P.dev, fake_map, 0, size, RING_GPA + P.l.desc,
					RING_GPA + P.l.avail, RING_GPA + P.l.used),
			 0);
}

static struct virtq_desc *desc(unsigned i)
{
	return (struct virtq_desc *)(ram + RING_GPA + P.l.desc) + i;
}

static void avail_put(uint16_t slot, uint16_t head, uint16_t idx)
{
	uint16_t *a = (uint16_t *)(ram + RING_GPA + P.l.avail);
	a[2 + slot] = head;
	a[1] = idx;
}

/* one chain by hand at head 0, then pop: the queue must break with why */
static void expect_broken(const char *why_part)
{
	struct virtq_chain c;
	unsigned n = virtq_dev_pending(&P.dev);
	if (n)
		ck_assert_int_eq(virtq_dev_pop(&P.dev, &c, 16, 65536), -1);
	ck_assert(P.dev.broken);
	ck_assert_ptr_nonnull(P.dev.why);
	ck_assert_msg(strstr(P.dev.why, why_part), "why: %s", P.dev.why);
	/* broken stays broken: nothing more is read or written */
	ck_assert_int_eq(virtq_dev_pending(&P.dev), 0);
	ck_assert_int_eq(virtq_dev_pop(&P.dev, &c, 16, 65536), -1);
	ck_assert(!virtq_dev_publish(&P.dev));
}

START_TEST(layout)
{
	struct virtq_layout l;
	ck_assert_int_eq(virtq_layout(256, &l), 0);
	ck_assert_uint_eq(l.avail, 4096);
	ck_assert_uint_eq(l.used, 4096 + 6 + 512 + 2); /* 4-aligned */
	ck_assert_uint_eq(l.total, l.used + 6 + 2048);
	ck_assert_int_eq(virtq_layout(0, &l), -1);
	ck_assert_int_eq(virtq_layout(3, &l), -1);
	ck_assert_int_eq(virtq_layout(65536, &l), -1);
}
END_TEST

START_TEST(roundtrip)
{
	setup_size(8);
	/* three chains: out-only, out+in, in-only */
	static int tok[3];
	struct virtq_buf a[1] = {{BUF_GPA, 100, false}};
	struct virtq_buf b[2] = {{BUF_GPA + 0x1000, 12, false}, {BUF_GPA + 0x2000, 1500, true}};
	struct virtq_buf c3[1] = {{BUF_GPA + 0x3000, 64, true}};
	ck_assert_int_ge(virtq_drv_add(&P.drv, a, 1, &tok[0]), 0);
	ck_assert_int_ge(virtq_drv_add(&P.drv, b, 2, &tok[1]), 0);
	ck_assert_int_ge(virtq_drv_add(&P.drv, c3, 1, &tok[2]), 0);
	ck_assert_uint_eq(P.drv.nfree, 4);
	ck_assert(virtq_drv_publish(&P.drv));

	ck_assert_uint_eq(virtq_dev_pending(&P.dev), 3);
	struct virtq_chain c;
	ck_assert_int_eq(virtq_dev_pop(&P.dev, &c, 16, 65536), 1);
	ck_assert_uint_eq(c.nseg, 1);
	ck_assert_uint_eq(c.rlen, 100);
	ck_assert_uint_eq(c.wlen, 0);
	ck_assert_ptr_eq(c.seg[0].host, ram + BUF_GPA);
	ck_assert_int_eq(virtq_dev_push(&P.dev, c.head, 0), 0);
	ck_assert_int_eq(virtq_dev_pop(&P.dev, &c, 16, 65536), 1);
	ck_assert_uint_eq(c.nseg, 2);
	ck_assert_uint_eq(c.rlen, 12);
	ck_assert_uint_eq(c.wlen, 1500);
	ck_assert(!c.seg[0].write && c.seg[1].write);
	memset(c.seg[1].host, 0xab, 60);
	ck_assert_int_eq(virtq_dev_push(&P.dev, c.head, 60), 0);
	ck_assert_int_eq(virtq_dev_pop(&P.dev, &c, 16, 65536), 1);
	ck_assert_uint_eq(c.wlen, 64);
	ck_assert_int_eq(virtq_dev_push(&P.dev, c.head, 64), 0);
	ck_assert_int_eq(virtq_dev_pop(&P.dev, &c, 16, 65536), 0); /* empty */
	/* nothing visible before publish */
	uint32_t len;
	ck_assert_ptr_null(virtq_drv_get(&P.drv, &len));
	ck_assert(virtq_dev_publish(&P.dev));
	ck_assert_ptr_eq(virtq_drv_get(&P.drv, &len), &tok[0]);
	ck_assert_uint_eq(len, 0);
	ck_assert_ptr_eq(virtq_drv_get(&P.drv, &len), &tok[1]);
	ck_assert_uint_eq(len, 60);
	ck_assert_uint_eq(ram[BUF_GPA + 0x2000 + 59], 0xab);
	ck_assert_ptr_eq(virtq_drv_get(&P.drv, &len), &tok[2]);
	ck_assert_ptr_null(virtq_drv_get(&P.drv, &len));
	ck_assert_uint_eq(P.drv.nfree, 8);
	ck_assert(!P.drv.broken && !P.dev.broken);
}
END_TEST

/* 70000 chains through a 4-entry queue: both 16-bit indices wrap */
START_TEST(indices_wrap)
{
	setup_size(4);
	static int tok;
	for (unsigned it = 0; it < 70000; it++) {
		unsigned k = 1 + it % 3; /* 1..3 chains in flight */
		for (unsigned j = 0; j < k; j++) {
			struct virtq_buf b = {BUF_GPA + 64 * j, 64, true};
			ck_assert_int_ge(virtq_drv_add(&P.drv, &b, 1, &tok), 0);
		}
		virtq_drv_publish(&P.drv);
		ck_assert_uint_eq(virtq_dev_pending(&P.dev), k);
		struct virtq_chain c;
		while (virtq_dev_pop(&P.dev, &c, 4, 4096) == 1)
			virtq_dev_push(&P.dev, c.head, (uint32_t)c.wlen);
		virtq_dev_publish(&P.dev);
		uint32_t len;
		for (unsigned j = 0; j < k; j++) {
			ck_assert_ptr_eq(virtq_drv_get(&P.drv, &len), &tok);
			ck_assert_uint_eq(len, 64);
		}
		ck_assert_ptr_null(virtq_drv_get(&P.drv, &len));
	}
	ck_assert_uint_eq(P.drv.nfree, 4);
	ck_assert(P.dev.popped > 65536 + 4);
	ck_assert(!P.dev.broken);
}
END_TEST

START_TEST(loop_two)
{
	setup_size(8);
	*desc(0) = (struct virtq_desc){BUF_GPA, 16, VIRTQ_DESC_F_NEXT, 1};
	*desc(1) = (struct virtq_desc){BUF_GPA, 16, VIRTQ_DESC_F_NEXT, 0};
	avail_put(0, 0, 1);
	expect_broken("loop");
}
END_TEST

START_TEST(loop_self_empty)
{
	/* zero-length descriptors add no buffer: only the walk bound stops it */
	setup_size(256);
	*desc(5) = (struct virtq_desc){0, 0, VIRTQ_DESC_F_NEXT, 5};
	avail_put(0, 5, 1);
	expect_broken("loop");
}
END_TEST

START_TEST(chain_longer_than_queue)
{
	/* every descriptor of the table chained, the last back to the first */
	setup_size(32);
	for (unsigned i = 0; i < 32; i++)
		*desc(i) = (struct virtq_desc){0, 0, VIRTQ_DESC_F_NEXT, (uint16_t)((i + 1) % 32)};
	avail_put(0, 0, 1);
	expect_broken("loop");
}
END_TEST

START_TEST(too_many_buffers)
{
	setup_size(32);
	for (unsigned i = 0; i < 20; i++)
		*desc(i) = (struct virtq_desc){BUF_GPA, 8, i < 19 ? VIRTQ_DESC_F_NEXT : 0,
					       (uint16_t)(i + 1)};
	avail_put(0, 0, 1);
	expect_broken("too many buffers");
}
END_TEST

START_TEST(buffer_outside_ram)
{
	setup_size(8);
	*desc(0) = (struct virtq_desc){RAM_SIZE - 4, 16, 0, 0};
	avail_put(0, 0, 1);
	expect_broken("outside guest RAM");
}
END_TEST

START_TEST(address_wraps)
{
	setup_size(8);
	*desc(0) = (struct virtq_desc){~0ull - 4, 16, 0, 0};
	avail_put(0, 0, 1);
	expect_broken("wraps");
}
END_TEST

START_TEST(huge_length)
{
	setup_size(8);
	*desc(0) = (struct virtq_desc){0, 0xffffffffu, 0, 0};
	avail_put(0, 0, 1);
	expect_broken("longer than the device accepts");
}
END_TEST

START_TEST(total_length)
{
	/* each buffer fits, their sum does not */
	setup_size(8);
	*desc(0) = (struct virtq_desc){BUF_GPA, 40000, VIRTQ_DESC_F_NEXT, 1};
	*desc(1) = (struct virtq_desc){BUF_GPA, 40000, 0, 0};
	avail_put(0, 0, 1);
	expect_broken("longer than the device accepts");
}
END_TEST

START_TEST(avail_idx_jump)
{
	setup_size(8);
	avail_put(0, 0, 9);
	ck_assert_uint_eq(virtq_dev_pending(&P.dev), 0);
	expect_broken("avail idx");
}
END_TEST

START_TEST(head_past_queue)
{
	setup_size(8);
	avail_put(0, 8, 1);
	expect_broken("avail ring entry");
}
END_TEST

START_TEST(next_past_queue)
{
	setup_size(8);
	*desc(0) = (struct virtq_desc){BUF_GPA, 8, VIRTQ_DESC_F_NEXT, 0xffff};
	avail_put(0, 0, 1);
	expect_broken("next index");
}
END_TEST

START_TEST(readable_after_writable)
{
	setup_size(8);
	*desc(0) = (struct virtq_desc){BUF_GPA, 8, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 1};
	*desc(1) = (struct virtq_desc){BUF_GPA, 8, 0, 0};
	avail_put(0, 0, 1);
	expect_broken("readable descriptor after");
}
END_TEST

START_TEST(indirect_refused)
{
	setup_size(8);
	*desc(0) = (struct virtq_desc){BUF_GPA, 16, VIRTQ_DESC_F_INDIRECT, 0};
	avail_put(0, 0, 1);
	expect_broken("indirect");
}
END_TEST

START_TEST(init_checks)
{
	setup_size(8);
	struct virtq_dev d;
	ck_assert_int_eq(virtq_dev_init(&d, fake_map, 0, 6, 0x1000, 0x2000, 0x3000), -1);
	ck_assert_int_eq(virtq_dev_init(&d, fake_map, 0, 8, 0x1008, 0x2000, 0x3000), -1);
	ck_assert_msg(strstr(d.why, "misaligned"), "%s", d.why);
	ck_assert_int_eq(virtq_dev_init(&d, fake_map, 0, 8, 0x1000, 0x2001, 0x3000), -1);
	ck_assert_int_eq(virtq_dev_init(&d, fake_map, 0, 8, 0x1000, 0x2000, 0x3002), -1);
	ck_assert_int_eq(virtq_dev_init(&d, fake_map, 0, 256, RAM_SIZE - 4096 + 16, 0x2000, 0x3000),
			 -1);
	ck_assert_msg(strstr(d.why, "outside"), "%s", d.why);
	ck_assert_int_eq(virtq_dev_init(&d, fake_map, 0, 8, 0x1000, 0x2000, ~0ull - 8), -1);
	ck_assert_int_eq(virtq_dev_init(&d, fake_map, 0, 8, 0x1000, 0x2000, 0x3000), 0);
	ck_assert(!d.broken);
}
END_TEST

START_TEST(suppression)
{
	setup_size(8);
	static int tok;
	struct virtq_buf b = {BUF_GPA, 64, true};
	virtq_dev_set_notify(&P.dev, false);
	virtq_drv_add(&P.drv, &b, 1, &tok);
	ck_assert(!virtq_drv_publish(&P.drv)); /* the device polls: no kick */
	virtq_dev_set_notify(&P.dev, true);
	virtq_drv_add(&P.drv, &b, 1, &tok);
	ck_assert(virtq_drv_publish(&P.drv));
	virtq_drv_set_interrupt(&P.drv, false);
	ck_assert_uint_eq(virtq_dev_pending(&P.dev), 2);
	struct virtq_chain c;
	ck_assert_int_eq(virtq_dev_pop(&P.dev, &c, 4, 4096), 1);
	virtq_dev_push(&P.dev, c.head, 1);
	ck_assert(!virtq_dev_publish(&P.dev)); /* the driver polls: no interrupt */
	virtq_drv_set_interrupt(&P.drv, true);
	ck_assert_int_eq(virtq_dev_pop(&P.dev, &c, 4, 4096), 1);
	virtq_dev_push(&P.dev, c.head, 1);
	ck_assert(virtq_dev_publish(&P.dev));
	ck_assert(!virtq_dev_publish(&P.dev)); /* nothing new: no interrupt */
}
END_TEST

START_TEST(need_event_rule)
{
	ck_assert(virtq_need_event(5, 6, 5));		/* crossed 5 -> 6 */
	ck_assert(!virtq_need_event(5, 5, 4));		/* not yet past 5 */
	ck_assert(virtq_need_event(5, 9, 2));		/* crossed in a batch */
	ck_assert(!virtq_need_event(5, 9, 6));		/* crossed before this step */
	ck_assert(virtq_need_event(0xffff, 0, 0xfffe)); /* across the wrap */
	ck_assert(!virtq_need_event(3, 3, 3));		/* no step */
}
END_TEST

/* VIRTIO_F_EVENT_IDX on both ends: kicks and interrupts follow
 * avail_event / used_event, and the device's re-check after arming finds
 * what was published without a kick */
START_TEST(event_idx_pair)
{
	setup_size(8);
	P.drv.event_idx = P.dev.event_idx = true;
	static int tok;
	struct virtq_buf b = {BUF_GPA, 64, true};
	struct virtq_chain c;
	uint32_t len;
	virtq_drv_add(&P.drv, &b, 1, &tok);
	ck_assert(virtq_drv_publish(&P.drv)); /* avail_event 0: 0 -> 1 crosses it */
	ck_assert_uint_eq(virtq_dev_pending(&P.dev), 1);
	ck_assert_int_eq(virtq_dev_pop(&P.dev, &c, 4, 4096), 1);
	virtq_dev_push(&P.dev, c.head, 1);
	ck_assert(virtq_dev_publish(&P.dev)); /* used_event 0: interrupt */
	/* the device has not asked again: no kick for the next chain */
	virtq_drv_add(&P.drv, &b, 1, &tok);
	ck_assert(!virtq_drv_publish(&P.drv));
	/* it asks (avail_event = 1, its next unseen) after the driver went
	 * past: no kick for the third either, but the re-check sees both */
	virtq_dev_set_notify(&P.dev, true);
	virtq_drv_add(&P.drv, &b, 1, &tok);
	ck_assert(!virtq_drv_publish(&P.drv));
	ck_assert_uint_eq(virtq_dev_pending(&P.dev), 2);
	while (virtq_dev_pop(&P.dev, &c, 4, 4096) == 1)
		virtq_dev_push(&P.dev, c.head, 1);
	/* the driver reaped nothing since: used_event is still 0, no interrupt */
	ck_assert(!virtq_dev_publish(&P.dev));
	/* armed after draining: the next chain kicks */
	virtq_dev_set_notify(&P.dev, true);
	virtq_drv_add(&P.drv, &b, 1, &tok);
	ck_assert(virtq_drv_publish(&P.drv));
	/* the driver reaps one (used_event = 1, already crossed): the next
	 * publish does not interrupt; after it reaps the rest (used_event =
	 * 3) the next one does */
	ck_assert_ptr_eq(virtq_drv_get(&P.drv, &len), &tok);
	ck_assert_uint_eq(virtq_dev_pending(&P.dev), 1);
	ck_assert_int_eq(virtq_dev_pop(&P.dev, &c, 4, 4096), 1);
	virtq_dev_push(&P.dev, c.head, 1);
	ck_assert(!virtq_dev_publish(&P.dev));
	for (int k = 0; k < 3; k++)
		ck_assert_ptr_eq(virtq_drv_get(&P.drv, &len), &tok);
	virtq_drv_add(&P.drv, &b, 1, &tok);
	virtq_drv_publish(&P.drv);
	ck_assert_uint_eq(virtq_dev_pending(&P.dev), 1);
	ck_assert_int_eq(virtq_dev_pop(&P.dev, &c, 4, 4096), 1);
	virtq_dev_push(&P.dev, c.head, 1);
	ck_assert(virtq_dev_publish(&P.dev));
	/* interrupts off: used_event far away */
	virtq_drv_set_interrupt(&P.drv, false);
	while (virtq_drv_get(&P.drv, &len))
		;
	virtq_drv_add(&P.drv, &b, 1, &tok);
	virtq_drv_publish(&P.drv);
	virtq_dev_pending(&P.dev);
	ck_assert_int_eq(virtq_dev_pop(&P.dev, &c, 4, 4096), 1);
	virtq_dev_push(&P.dev, c.head, 1);
	ck_assert(!virtq_dev_publish(&P.dev));
	/* on again once everything is reaped (used_event = last_used) */
	while (virtq_drv_get(&P.drv, &len))
		;
	virtq_drv_set_interrupt(&P.drv, true);
	virtq_drv_add(&P.drv, &b, 1, &tok);
	virtq_drv_publish(&P.drv);
	virtq_dev_pending(&P.dev);
	ck_assert_int_eq(virtq_dev_pop(&P.dev, &c, 4, 4096), 1);
	virtq_dev_push(&P.dev, c.head, 1);
	ck_assert(virtq_dev_publish(&P.dev));
	ck_assert(!P.drv.broken && !P.dev.broken);
}
END_TEST

START_TEST(driver_rejects_bad_device)
{
	setup_size(8);
	static int tok;
	struct virtq_buf b = {BUF_GPA, 64, true};
	ck_assert_int_eq(virtq_drv_add(&P.drv, &b, 0, &tok), -1);
	ck_assert_int_eq(virtq_drv_add(&P.drv, &b, 1, 0), -1);
	for (int i = 0; i < 8; i++)
		ck_assert_int_ge(virtq_drv_add(&P.drv, &b, 1, &tok), 0);
	ck_assert_int_eq(virtq_drv_add(&P.drv, &b, 1, &tok), -1); /* full */
	virtq_drv_publish(&P.drv);
	/* a used element naming a descriptor that is not a posted head */
	uint8_t *used = ram + RING_GPA + P.l.used;
	struct virtq_used_elem e = {9, 1};
	memcpy(used + VIRTQ_USED_RING(0), &e, sizeof(e));
	uint16_t idx = 1;
	memcpy(used + VIRTQ_USED_IDX, &idx, 2);
	uint32_t len;
	ck_assert_ptr_null(virtq_drv_get(&P.drv, &len));
	ck_assert(P.drv.broken);
	/* and a used idx far ahead */
	setup_size(8);
	idx = 100;
	memcpy(ram + RING_GPA + P.l.used + VIRTQ_USED_IDX, &idx, 2);
	ck_assert_ptr_null(virtq_drv_get(&P.drv, &len));
	ck_assert(P.drv.broken);
}
END_TEST

/* Random descriptor tables: whatever the bytes, the walk ends and every
 * segment it returns lies inside RAM (a small in-test fuzzer; the real one
 * is fuzz/virtq.c). */
START_TEST(random_rings)
{
	srand(1234);
	for (int round = 0; round < 2000; round++) {
		setup_size(16);
		uint8_t *t = ram + RING_GPA;
		for (uint64_t i = 0; i < P.l.total; i++)
			t[i] = (uint8_t)rand();
		/* small addresses half the time so some chains are valid */
		for (unsigned i = 0; i < 16; i++)
			if (rand() & 1) {
				desc(i)->addr = (uint64_t)(rand() % RAM_SIZE);
				desc(i)->len = (uint32_t)(rand() % 4096);
				desc(i)->next %= 20;
				desc(i)->flags &= 3;
			}
		unsigned n = virtq_dev_pending(&P.dev);
		struct virtq_chain c;
		for (unsigned k = 0; k < n; k++) {
			int rc = virtq_dev_pop(&P.dev, &c, 8, 16384);
			if (rc < 0)
				break;
			ck_assert_int_eq(rc, 1);
			for (unsigned s = 0; s < c.nseg; s++) {
				ck_assert(c.seg[s].gpa + c.seg[s].len <= RAM_SIZE);
				ck_assert_ptr_eq(c.seg[s].host, ram + c.seg[s].gpa);
			}
			ck_assert(c.rlen + c.wlen <= 16384);
			virtq_dev_push(&P.dev, c.head, 0);
		}
		virtq_dev_publish(&P.dev);
	}
}
END_TEST

/* one control command through the driver's producer and the device's
 * consumer: the ack byte, and the used length */
static uint8_t ctrl_cmd(struct vnet_ctrl *st, const uint8_t *cmd, unsigned n, unsigned split,
			uint32_t *used)
{
	setup_size(8);
	uint8_t *b = ram + BUF_GPA;
	memcpy(b, cmd, n);
	b[0x800] = 0xee;
	struct virtq_buf bufs[3] = {{BUF_GPA, split, false},
				    {BUF_GPA + split, n - split, false},
				    {BUF_GPA + 0x800, 1, true}};
	if (split == n)
		bufs[1] = bufs[2];
	ck_assert_int_ge(virtq_drv_add(&P.drv, bufs, split == n ? 2 : 3, b), 0);
	virtq_drv_publish(&P.drv);
	struct virtq_chain c;
	ck_assert_uint_eq(virtq_dev_pending(&P.dev), 1);
	ck_assert_int_eq(virtq_dev_pop(&P.dev, &c, 16, 4096), 1);
	*used = vnet_ctrl_exec(st, &c);
	return b[0x800];
}

START_TEST(ctrl_pairs_set)
{
	struct vnet_ctrl st = {.max_pairs = 4, .pairs = 1};
	uint32_t used;
	uint8_t ok2[4] = {VNET_CTRL_MQ, VNET_CTRL_MQ_VQ_PAIRS_SET, 2, 0};
	ck_assert_uint_eq(ctrl_cmd(&st, ok2, 4, 4, &used), VNET_CTRL_OK);
	ck_assert_uint_eq(used, 1);
	ck_assert_uint_eq(st.pairs, 2);
	/* the header and the data in separate buffers, as Linux sends them */
	uint8_t ok4[4] = {VNET_CTRL_MQ, VNET_CTRL_MQ_VQ_PAIRS_SET, 4, 0};
	ck_assert_uint_eq(ctrl_cmd(&st, ok4, 4, 2, &used), VNET_CTRL_OK);
	ck_assert_uint_eq(st.pairs, 4);
	/* 0 pairs, more than offered, 0x8001: refused, nothing changes */
	static const uint16_t bad[] = {0, 5, 0x8001, 0xffff};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint8_t c[4] = {VNET_CTRL_MQ, VNET_CTRL_MQ_VQ_PAIRS_SET, (uint8_t)bad[i],
				(uint8_t)(bad[i] >> 8)};
		ck_assert_uint_eq(ctrl_cmd(&st, c, 4, 2, &used), VNET_CTRL_ERR);
		ck_assert_uint_eq(st.pairs, 4);
	}
	/* another class, another command, short or long data: refused */
	uint8_t rx[3] = {0 /* VIRTIO_NET_CTRL_RX */, 0, 1};
	ck_assert_uint_eq(ctrl_cmd(&st, rx, 3, 2, &used), VNET_CTRL_ERR);
	uint8_t rss[4] = {VNET_CTRL_MQ, 1 /* RSS_CONFIG */, 1, 0};
	ck_assert_uint_eq(ctrl_cmd(&st, rss, 4, 2, &used), VNET_CTRL_ERR);
	uint8_t shortc[3] = {VNET_CTRL_MQ, VNET_CTRL_MQ_VQ_PAIRS_SET, 1};
	ck_assert_uint_eq(ctrl_cmd(&st, shortc, 3, 2, &used), VNET_CTRL_ERR);
	uint8_t longc[200] = {VNET_CTRL_MQ, VNET_CTRL_MQ_VQ_PAIRS_SET, 1, 0};
	ck_assert_uint_eq(ctrl_cmd(&st, longc, 200, 2, &used), VNET_CTRL_ERR);
	ck_assert_uint_eq(st.pairs, 4);
	ck_assert_uint_eq(st.ok, 2);
	ck_assert_uint_eq(st.refused, 8);
}
END_TEST

START_TEST(ctrl_no_ack_byte)
{
	/* no writable buffer: nothing is written, the used length is 0 */
	setup_size(8);
	struct vnet_ctrl st = {.max_pairs = 2, .pairs = 1};
	uint8_t *b = ram + BUF_GPA;
	b[0] = VNET_CTRL_MQ, b[1] = VNET_CTRL_MQ_VQ_PAIRS_SET, b[2] = 2, b[3] = 0;
	struct virtq_buf buf = {BUF_GPA, 4, false};
	ck_assert_int_ge(virtq_drv_add(&P.drv, &buf, 1, b), 0);
	virtq_drv_publish(&P.drv);
	struct virtq_chain c;
	ck_assert_uint_eq(virtq_dev_pending(&P.dev), 1);
	ck_assert_int_eq(virtq_dev_pop(&P.dev, &c, 16, 4096), 1);
	ck_assert_uint_eq(vnet_ctrl_exec(&st, &c), 0);
	ck_assert_uint_eq(st.pairs, 2); /* the command itself was fine */
	ck_assert_uint_eq(memcmp(b, "\x04\x00\x02\x00", 4), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("virtq");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, layout);
	tcase_add_test(tc, roundtrip);
	tcase_add_test(tc, indices_wrap);
	tcase_add_test(tc, loop_two);
	tcase_add_test(tc, loop_self_empty);
	tcase_add_test(tc, chain_longer_than_queue);
	tcase_add_test(tc, too_many_buffers);
	tcase_add_test(tc, buffer_outside_ram);
	tcase_add_test(tc, address_wraps);
	tcase_add_test(tc, huge_length);
	tcase_add_test(tc, total_length);
	tcase_add_test(tc, avail_idx_jump);
	tcase_add_test(tc, head_past_queue);
	tcase_add_test(tc, next_past_queue);
	tcase_add_test(tc, readable_after_writable);
	tcase_add_test(tc, indirect_refused);
	tcase_add_test(tc, init_checks);
	tcase_add_test(tc, suppression);
	tcase_add_test(tc, need_event_rule);
	tcase_add_test(tc, event_idx_pair);
	tcase_add_test(tc, driver_rejects_bad_device);
	tcase_add_test(tc, random_rings);
	tcase_add_test(tc, ctrl_pairs_set);
	tcase_add_test(tc, ctrl_no_ack_byte);
	suite_add_tcase(s, tc);
	return check_run(s);
}
