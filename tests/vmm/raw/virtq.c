/* SPDX-License-Identifier: MIT */
/*
 * tests/vmm/raw/virtq.c - attack=virtq for the raw attack guest (attack.c):
 * it drives the vmm's virtio-net device (`--net user`) with bare port and
 * MMIO accesses, no perfkern driver. Each round (vCPU 0) resets the device,
 * sets it up with 8-entry rings in guest RAM (two queue pairs and the
 * control queue when the device offers VIRTIO_NET_F_MQ, as it does with 2
 * vCPUs), and by turns targets pair 0's transmit queue, pair 1's and the
 * control queue with a chain that is valid or hostile by turns (a
 * descriptor loop, a buffer past the end of RAM, a 4 GiB length, an avail
 * idx far ahead, a next past the queue, an indirect descriptor; on the
 * control queue also VQ_PAIRS_SET with 0 or too many pairs), with and
 * without EVENT_IDX by turns, kicks and waits for the device's answer: a
 * used element or DEVICE_NEEDS_RESET. A control command that is answered
 * must be acked right (OK for 1..max pairs, ERR otherwise). Meanwhile
 * vCPU 1 rewrites the target queue's first descriptor and avail idx under
 * the device. At the end the device must still work: after a reset and
 * VQ_PAIRS_SET 2 it carries an ARP request sent on pair 1 to slirp's
 * gateway (10.0.2.2), and the reply comes back on pair 0's receive queue
 * (ARP goes to queue 0, lib/net/steer.h).
 */
#include <stddef.h>
#include <stdint.h>

#include "lib/virtio/virtio_pci.h"
#include "lib/virtio/virtq.h"

void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
extern uint64_t ram_end;
extern uint64_t raw_tsc_khz;

#define QSIZE 8
/* the vmm's BAR 0 layout (vmm/virtio_pci.h): common config at 0, device
 * configuration at 0x2000, queue q kicked at 0x3000 + 4q */
#define VDEV_DEVCFG 0x2000u
#define VDEV_NOTIFY(q) (0x3000u + 4u * (q))
#define NSLOT 5 /* rings: rx0 tx0 rx1 tx1 control */

static inline void vq_outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" ::"a"(v), "Nd"(port) : "memory");
}
static inline uint32_t vq_inl(uint16_t port)
{
	uint32_t v;
	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port) : "memory");
	return v;
}
static inline uint64_t vq_rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

static uint32_t cfg_read(unsigned dev, unsigned off)
{
	vq_outl(PCI_CONF_ADDR, PCI_CONF_ENABLE | dev << 11 | (off & 0xfc));
	return vq_inl(PCI_CONF_DATA);
}

static volatile uint8_t *bar; /* BAR 0, identity-mapped by bar_map */
static _Alignas(4096) uint64_t bar_pd[512];

/* The vmm's boot tables identity-map GiB 0 only (and the direct map may
 * stop at the end of RAM): map the 2 MiB around the BAR uncached, through
 * a page directory of our own in the identity PDPT (GPA 0x2000, boot.c). */
static void bar_map(uint64_t a)
{
	uint64_t gib = a >> 30, base = a & ~((2ull << 20) - 1);
	volatile uint64_t *pdpt = (volatile uint64_t *)(uintptr_t)0x2000;
	bar_pd[(a >> 21) & 511] = base | 0x83 | 0x18; /* P W PS, PCD PWT */
	pdpt[gib] = (uintptr_t)bar_pd | 3;
	uint64_t cr3;
	__asm__ volatile("mov %%cr3, %0; mov %0, %%cr3" : "=r"(cr3)::"memory");
	bar = (volatile uint8_t *)(uintptr_t)a;
}

#define W8(o, v) (*(volatile uint8_t *)(bar + (o)) = (uint8_t)(v))
#define W16(o, v) (*(volatile uint16_t *)(bar + (o)) = (uint16_t)(v))
#define W32(o, v) (*(volatile uint32_t *)(bar + (o)) = (uint32_t)(v))
#define R8(o) (*(volatile uint8_t *)(bar + (o)))

/* the queues' rings and buffers (identity-mapped: GPA = VA) */
static _Alignas(4096) uint8_t ring[NSLOT][4096];
static _Alignas(4096) uint8_t bufs[2][QSIZE][2048];
static struct virtq_layout lay;
static uint64_t rounds, answered, resets, timeouts, bad_acks;
static unsigned max_pairs = 1, ctrlq;	    /* from the device; ctrlq 0: no MQ */
static volatile unsigned target = VNET_TXQ; /* the queue under attack (vCPU 1 too) */

/* queue index -> ring slot: pairs 0 and 1, the control queue last */
static unsigned slot(unsigned q)
{
	return q < 4 ? q : 4;
}
static volatile struct virtq_desc *desc(unsigned q)
{
	return (volatile struct virtq_desc *)&ring[slot(q)][lay.desc];
}
static volatile uint16_t *avail(unsigned q)
{
	return (volatile uint16_t *)&ring[slot(q)][lay.avail];
}
static volatile uint16_t *used_idx(unsigned q)
{
	return (volatile uint16_t *)&ring[slot(q)][lay.used + VIRTQ_USED_IDX];
}

static void queue_setup(unsigned q)
{
	memset(ring[slot(q)], 0, sizeof(ring[0]));
	uint64_t base = (uintptr_t)ring[slot(q)];
	W16(VCOMMON_Q_SELECT, q);
	W16(VCOMMON_Q_SIZE, QSIZE);
	W16(VCOMMON_Q_MSIX, VIRTIO_MSI_NO_VECTOR); /* the raw guest polls */
	W32(VCOMMON_Q_DESCLO, base + lay.desc);
	W32(VCOMMON_Q_DESCHI, 0);
	W32(VCOMMON_Q_AVAILLO, base + lay.avail);
	W32(VCOMMON_Q_AVAILHI, 0);
	W32(VCOMMON_Q_USEDLO, base + lay.used);
	W32(VCOMMON_Q_USEDHI, 0);
	W16(VCOMMON_Q_ENABLE, 1);
}

/* reset + the driver's steps (spec 3.1.1), receive buffers posted */
static void dev_init(void)
{
	W8(VCOMMON_STATUS, 0);
	for (int i = 0; i < 100000 && R8(VCOMMON_STATUS); i++)
		__asm__ volatile("pause");
	W8(VCOMMON_STATUS, VIRTIO_STATUS_ACK | VIRTIO_STATUS_DRIVER);
	W32(VCOMMON_GFSELECT, 0);
	uint32_t mq = ctrlq ? 1u << VIRTIO_NET_F_MQ | 1u << VIRTIO_NET_F_CTRL_VQ : 0;
	W32(VCOMMON_GF, (rounds & 1 ? 1u << VIRTIO_F_EVENT_IDX : 0) | mq); /* both ring modes */
	W32(VCOMMON_GFSELECT, 1);
	W32(VCOMMON_GF, 1); /* VERSION_1 */
	W8(VCOMMON_STATUS, VIRTIO_STATUS_ACK | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
	queue_setup(VNET_RXQ);
	queue_setup(VNET_TXQ);
	if (ctrlq) {
		queue_setup(VNET_RXQ_OF(1));
		queue_setup(VNET_TXQ_OF(1));
		queue_setup(ctrlq);
	}
	for (unsigned i = 0; i < QSIZE; i++) {
		desc(VNET_RXQ)[i] =
			(struct virtq_desc){(uintptr_t)bufs[0][i], 2048, VIRTQ_DESC_F_WRITE, 0};
		avail(VNET_RXQ)[2 + i] = (uint16_t)i;
	}
	avail(VNET_RXQ)[1] = QSIZE;
	W8(VCOMMON_STATUS, VIRTIO_STATUS_ACK | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK |
				   VIRTIO_STATUS_DRIVER_OK);
	W16(VDEV_NOTIFY(VNET_RXQ), VNET_RXQ);
}

/* an ARP request for 10.0.2.2 from 10.0.2.15 behind the 12-byte header */
static uint32_t arp_frame(uint8_t *b)
{
	static const uint8_t f[42] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x08, 0x06,
		0x00, 0x01, 0x08, 0x00, 6,    4,    0x00, 0x01, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56,
		10,   0,    2,	  15,	0,    0,    0,	  0,	0,    0,    10,	  0,	2,    2};
	memset(b, 0, 12 + 60);
	memcpy(b + 12, f, sizeof(f));
	return 12 + 60;
}

int virtq_attack_setup(void)
{
	virtq_layout(QSIZE, &lay);
	for (unsigned dev = 1; dev < 32; dev++)
		if (cfg_read(dev, PCI_VENDOR_ID) ==
		    (VIRTIO_PCI_DEVICE_NET << 16 | VIRTIO_PCI_VENDOR)) {
			uint64_t a = cfg_read(dev, PCI_BAR0) & ~0xfu;
			if (a >= (1ull << 30) && a < (4ull << 30))
				bar_map(a);
		}
	if (!bar)
		return -1;
	W32(VCOMMON_DFSELECT, 0);
	uint32_t f = *(volatile uint32_t *)(bar + VCOMMON_DF);
	uint16_t m = *(volatile uint16_t *)(bar + VDEV_DEVCFG + VNET_CFG_MAXQP);
	if ((f >> VIRTIO_NET_F_MQ & 1) && (f >> VIRTIO_NET_F_CTRL_VQ & 1) && m >= 2 && m <= 8) {
		max_pairs = m;
		ctrlq = 2u * m;
	}
	return 0;
}

/* a control command on descriptors 0-2: {class, cmd}, le16 pairs, ack */
static void ctrl_chain(volatile struct virtq_desc *d, uint16_t pairs)
{
	uint8_t *b = bufs[1][0];
	b[0] = VNET_CTRL_MQ, b[1] = VNET_CTRL_MQ_VQ_PAIRS_SET;
	memcpy(b + 64, &pairs, 2);
	b[128] = 0xee;
	d[0] = (struct virtq_desc){(uintptr_t)b, 2, VIRTQ_DESC_F_NEXT, 1};
	d[1] = (struct virtq_desc){(uintptr_t)b + 64, 2, VIRTQ_DESC_F_NEXT, 2};
	d[2] = (struct virtq_desc){(uintptr_t)b + 128, 1, VIRTQ_DESC_F_WRITE, 0};
}

/* the pairs value of control round r: 1..max (OK) or 0 / too many (ERR) */
static uint16_t ctrl_pairs(uint64_t r)
{
	static const uint16_t v[4] = {1, 2, 0, 9999};
	return v[(r / 3) % 4];
}

/* the hostile variant of round r, on queue q's descriptors 0 and 1 (a
 * transmit queue, or the control queue) */
static void tx_chain(unsigned q, uint64_t r)
{
	volatile struct virtq_desc *d = desc(q);
	if (q == ctrlq && ctrlq) {
		ctrl_chain(d, ctrl_pairs(r));
	} else {
		uint32_t len = arp_frame(bufs[1][0]);
		d[0] = (struct virtq_desc){(uintptr_t)bufs[1][0], len, 0, 0};
	}
	uint16_t idx = 1;
	switch ((r / 3) % 7) {
	case 1: /* a loop */
		d[0].flags = VIRTQ_DESC_F_NEXT, d[0].next = 1;
		d[1] = (struct virtq_desc){(uintptr_t)bufs[1][1], 16, VIRTQ_DESC_F_NEXT, 0};
		break;
	case 2: /* past the end of RAM */
		d[0].addr = ram_end + 4096;
		break;
	case 3: /* 4 GiB - 1 */
		d[0].len = 0xffffffffu;
		break;
	case 4: /* avail idx far ahead */
		idx = 200;
		break;
	case 5:
		d[0].flags = VIRTQ_DESC_F_NEXT, d[0].next = 0xffff;
		break;
	case 6:
		d[0].flags = VIRTQ_DESC_F_INDIRECT;
		break;
	}
	avail(q)[2] = 0;
	__asm__ volatile("" ::: "memory");
	avail(q)[1] = idx;
}

/* until the device used the chain or asked for a reset: 0, or 1 after ms */
static int wait_answer(unsigned q, uint16_t old, uint64_t ms)
{
	uint64_t t0 = vq_rdtsc(), lim = ms * (raw_tsc_khz ? raw_tsc_khz : 1000000);
	while (vq_rdtsc() - t0 < lim) {
		if (R8(VCOMMON_STATUS) & VIRTIO_STATUS_NEEDS_RESET) {
			resets++;
			return 0;
		}
		if (*used_idx(q) != old)
			return 0;
		__asm__ volatile("pause");
	}
	return 1;
}

int64_t virtq_attack_call(void)
{
	/* pair 0's transmit queue, pair 1's, the control queue, by turns */
	static const unsigned pick[3] = {VNET_TXQ, VNET_TXQ_OF(1), 0};
	unsigned q = ctrlq ? pick[rounds % 3] : VNET_TXQ;
	if (!q)
		q = ctrlq;
	dev_init();
	target = q;
	tx_chain(q, ctrlq ? rounds : rounds * 3);
	W16(VDEV_NOTIFY(q), q);
	int late = wait_answer(q, 0, 200);
	rounds++;
	answered += !late;
	timeouts += late;
	return late;
}

/* vCPU 1: the first transmit descriptor and the avail idx flip between
 * what the device accepts and what it must refuse */
void virtq_attack_flip(void)
{
	static uint64_t n;
	unsigned q = target;
	volatile struct virtq_desc *d = desc(q);
	n++;
	d[0].addr = n & 1 ? (uintptr_t)bufs[1][0] : 0xfffffffff000ull;
	d[0].len = n & 2 ? 72 : 0x7fffffffu;
	d[0].next = (uint16_t)(n & 4 ? 0 : 3);
	if (n % 64 == 0)
		avail(q)[1] = (uint16_t)(avail(q)[1] + 0x4000);
}

/* after the races: a clean reset must bring back a working device */
int64_t virtq_attack_finish(uint64_t *stats)
{
	stats[0] = rounds, stats[1] = answered, stats[2] = resets, stats[3] = timeouts;
	/* with nobody rewriting the ring: each command's ack is right */
	static const uint16_t cmds[] = {0, 9999, 1, 2, 3};
	for (unsigned i = 0; ctrlq && i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		dev_init();
		ctrl_chain(desc(ctrlq), cmds[i]);
		avail(ctrlq)[2] = 0;
		__asm__ volatile("" ::: "memory");
		avail(ctrlq)[1] = 1;
		W16(VDEV_NOTIFY(ctrlq), ctrlq);
		uint8_t want = cmds[i] >= 1 && cmds[i] <= max_pairs ? VNET_CTRL_OK : VNET_CTRL_ERR;
		if (wait_answer(ctrlq, 0, 2000) || ((volatile uint8_t *)bufs[1][0])[128] != want)
			bad_acks++;
	}
	if (bad_acks)
		return 2; /* a control command answered wrong, or not at all */
	for (int attempt = 0; attempt < 5; attempt++) {
		dev_init();
		unsigned txq = VNET_TXQ;
		if (ctrlq) { /* two pairs in use, then send on pair 1 */
			ctrl_chain(desc(ctrlq), 2);
			avail(ctrlq)[2] = 0;
			__asm__ volatile("" ::: "memory");
			avail(ctrlq)[1] = 1;
			W16(VDEV_NOTIFY(ctrlq), ctrlq);
			if (wait_answer(ctrlq, 0, 2000) ||
			    ((volatile uint8_t *)bufs[1][0])[128] != VNET_CTRL_OK)
				continue;
			txq = VNET_TXQ_OF(1);
		}
		volatile struct virtq_desc *d = desc(txq);
		d[0] = (struct virtq_desc){(uintptr_t)bufs[1][1], arp_frame(bufs[1][1]), 0, 0};
		avail(txq)[2] = 0;
		__asm__ volatile("" ::: "memory");
		avail(txq)[1] = 1;
		W16(VDEV_NOTIFY(txq), txq);
		if (wait_answer(VNET_RXQ, 0, 2000))
			continue;
		/* used element 0 names an RX buffer holding an ARP reply */
		volatile uint32_t *e = (volatile uint32_t *)&ring[0][lay.used + VIRTQ_USED_RING(0)];
		if (e[0] < QSIZE && e[1] >= 12 + 42) {
			const uint8_t *f = bufs[0][e[0]] + 12;
			if (f[12] == 0x08 && f[13] == 0x06 && f[20] == 0 && f[21] == 2)
				return 0;
		}
	}
	return 1;
}
