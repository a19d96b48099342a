/* SPDX-License-Identifier: MIT */
/*
 * guest/drivers/virtio_net.c - virtio-net (spec 5.1.5 "Device
 * Initialization", 5.1.6 "Device Operation") with one queue pair per
 * instance (VIRTIO_NET_F_MQ, spec 5.1.6.5.5, enabled through the control
 * queue). Receive buffers are 2 KiB each, posted as one device-writable
 * descriptor (header + frame, spec 5.1.6.3.1 without MRG_RXBUF); transmit
 * copies each frame behind a zeroed header into one of the pair's transmit
 * buffers. Frames that arrive on the wrong instance's queue move to the
 * right one's software queue (virtio_net.h, lib/net/steer.h).
 */
#include "virtio_net.h"

#include "lib/virtio/virtio_pci.h"
#include "guest/arch/apic.h"
#include "guest/arch/cpu.h"
#include "guest/arch/layout.h"
#include "guest/arch/percpu.h"
#include "guest/arch/spinlock.h"
#include "guest/arch/trap.h"
#include "guest/arch/tsc.h"
#include "guest/kernel/console.h"
#include "lib/heap/pages.h"
#include "lib/kstring/kstring.h"
#include "lib/net/steer.h"
#include "lib/printf/printf.h"
#include "lib/sched/sched.h"
#include "virtio_pci.h"

#define VNET_BUF 2048u
#define VNET_QMAX 256u
#define VNET_SOFT 128u /* frames waiting in one instance's software queue */
#define VNET_HDR sizeof(struct virtio_net_hdr)

struct vnet_pair {
	struct virtio_queue rx, tx;
	uint8_t *rxbuf, *txbuf;
	struct spinlock txlock;	    /* tx ring and txfree: instances may share a pair */
	uint16_t txfree[VNET_QMAX]; /* free transmit buffer indices (a stack) */
	unsigned ntxfree;
};

struct vnet_inst {
	struct sched_irq_event ev; /* the task in vnet_wait */
	/* the software queue: frames other instances took off their queues
	 * for this one; producers under lock, the owner consumes lock-free */
	struct spinlock slock;
	uint8_t *sbuf; /* VNET_SOFT slots of VNET_BUF */
	uint16_t slen[VNET_SOFT];
	unsigned shead, stail; /* consumer / producer counters */
} __attribute__((aligned(64)));

static struct {
	struct virtio_pci vp;
	struct vnet_pair pair[VNET_MAX_PAIRS];
	struct vnet_inst inst[PK_MAX_CPUS];
	struct virtio_queue ctrl;
	unsigned npairs, ninst;
	uint8_t mac[6];
	uint64_t irqs; /* atomic: every CPU's handler */
	uint64_t rx_dropped, steered;
	bool up, msix;
} vn;

/* Pair i's two vectors go to CPU i only, so the CPU says whose they are. */
static void vnet_irq(struct trap_frame *f)
{
	(void)f;
	unsigned cpu = this_cpu()->index;
	__atomic_fetch_add(&vn.irqs, 1, __ATOMIC_RELAXED);
	if (cpu < vn.ninst)
		sched_irq_signal(&vn.inst[cpu].ev); /* irq-safe: two flags, no lock */
}

static bool vnet_match(const struct pci_dev *d)
{
	if (d->vendor != VIRTIO_PCI_VENDOR)
		return false;
	/* modern id, or the transitional one with subsystem id = device type
	 * (spec 4.1.2.1) */
	return d->device == VIRTIO_PCI_DEVICE_NET ||
	       (d->device == VIRTIO_PCI_LEGACY_NET && d->subsys == VIRTIO_ID_NET);
}

static void vnet_post_rx(struct vnet_pair *p, uint8_t *buf)
{
	struct virtq_buf b = {(uint64_t)buf - PK_DIRECT_MAP_BASE, VNET_BUF, true};
	virtq_drv_add(&p->rx.q, &b, 1, buf);
}

static void vnet_log(const struct vnet_info *info)
{
	char list[192];
	size_t n = 0;
	list[0] = 0;
	for (unsigned bit = 0; bit < 64 && n + 20 < sizeof(list); bit++) {
		if (!(info->features >> bit & 1))
			continue;
		const char *name = virtio_feature_name(bit);
		if (name)
			n += (size_t)pk_snprintf(list + n, sizeof(list) - n, "%s%s", n ? " " : "",
						 name);
		else
			n += (size_t)pk_snprintf(list + n, sizeof(list) - n, "%sbit%u",
						 n ? " " : "", bit);
	}
	kprintf("virtio-net: 00:%02x.%u negotiated %s; queue pairs %u (device max %u, %u "
		"instances%s); queues rx %u tx %u; interrupts %s; mac "
		"%02x:%02x:%02x:%02x:%02x:%02x\n",
		vn.vp.pci.dev, vn.vp.pci.fn, list, info->pairs, info->max_pairs, info->instances,
		info->instances > info->pairs ? ", the rest steered in software" : "",
		info->rx_size, info->tx_size,
		info->msix ? (info->pairs > 1 ? "MSI-X per queue, pair i on CPU i" : "MSI-X")
			   : "none (polling)",
		info->mac[0], info->mac[1], info->mac[2], info->mac[3], info->mac[4], info->mac[5]);
}

/* spec 5.1.6.5.5: tell the device how many pairs to use (it uses pair 0
 * only until then). One command, polled: 0, or -1 when refused. */
static int vnet_ctrl_pairs(unsigned pairs)
{
	struct virtio_queue *q = &vn.ctrl;
	uint8_t *m = pages_alloc(PAGE_SIZE, PAGE_SIZE);
	if (!m)
		return -1;
	struct virtio_net_ctrl_hdr *h = (void *)m;
	h->class_ = VNET_CTRL_MQ;
	h->cmd = VNET_CTRL_MQ_VQ_PAIRS_SET;
	uint16_t v = (uint16_t)pairs;
	memcpy(m + 64, &v, 2);
	m[128] = 0xff; /* the device overwrites it with OK or ERR */
	uint64_t phys = (uint64_t)m - PK_DIRECT_MAP_BASE;
	struct virtq_buf b[3] = {{phys, 2, false}, {phys + 64, 2, false}, {phys + 128, 1, true}};
	int rc = -1;
	if (virtq_drv_add(&q->q, b, 3, m) >= 0) {
		virtq_drv_publish(&q->q);
		*q->notify = (uint16_t)q->index;	 /* 4.1.5.2; polled, so always kicked */
		uint64_t end = rdtsc() + tsc_khz * 1000; /* 1 s */
		uint32_t len;
		void *got = 0;
		while (!(got = virtq_drv_get(&q->q, &len)) && rdtsc() < end)
			cpu_relax();
		rc = got == m && __atomic_load_n(&m[128], __ATOMIC_ACQUIRE) == VNET_CTRL_OK ? 0
											    : -1;
	}
	if (rc < 0)
		kprintf("virtio-net: the device refused VQ_PAIRS_SET %u (ack 0x%x): one pair\n",
			pairs, m[128]);
	pages_free(m, PAGE_SIZE);
	return rc;
}

static int vnet_pair_init(unsigned i, bool msix)
{
	struct vnet_pair *p = &vn.pair[i];
	uint16_t none = VIRTIO_MSI_NO_VECTOR;
	if (virtio_pci_queue(&vn.vp, &p->rx, VNET_RXQ_OF(i), VNET_QMAX,
			     msix ? (uint16_t)(2 * i) : none) < 0 ||
	    virtio_pci_queue(&vn.vp, &p->tx, VNET_TXQ_OF(i), VNET_QMAX,
			     msix ? (uint16_t)(2 * i + 1) : none) < 0)
		return -1;
	unsigned rxn = p->rx.q.size, txn = p->tx.q.size;
	p->rxbuf = pages_alloc(rxn * VNET_BUF, PAGE_SIZE);
	p->txbuf = pages_alloc(txn * VNET_BUF, PAGE_SIZE);
	if (!p->rxbuf || !p->txbuf) {
		kprintf("virtio-net: pair %u: no memory for %u + %u buffers\n", i, rxn, txn);
		return -1;
	}
	for (unsigned k = 0; k < rxn; k++)
		vnet_post_rx(p, p->rxbuf + k * VNET_BUF);
	for (unsigned k = 0; k < txn; k++)
		p->txfree[k] = (uint16_t)k;
	p->ntxfree = txn;
	return 0;
}

/* How many pairs to drive: one per instance, no more than the device
 * offers, than VNET_MAX_PAIRS, or than two MSI-X entries each allow. */
static unsigned vnet_pairs_want(unsigned instances, unsigned max_pairs)
{
	unsigned n = instances < max_pairs ? instances : max_pairs;
	if (n > VNET_MAX_PAIRS)
		n = VNET_MAX_PAIRS;
	if (vn.vp.msix_table && n > vn.vp.msix_n / 2)
		n = vn.vp.msix_n / 2;
	return n ? n : 1;
}

int vnet_init(struct vnet_info *info, unsigned instances)
{
	struct pci_dev devs[32];
	unsigned n = pci_scan(devs, 32), i;
	for (i = 0; i < n && i < 32 && !vnet_match(&devs[i]); i++)
		;
	if (i >= n || i >= 32) {
		kprintf("virtio-net: no virtio-net device on PCI bus 0\n");
		return -1;
	}
	if (instances < 1)
		instances = 1;
	if (instances > PK_MAX_CPUS)
		instances = PK_MAX_CPUS;
	struct virtio_pci *vp = &vn.vp;
	if (virtio_pci_open(vp, &devs[i]) < 0)
		return -1;
	uint64_t want =
		1ull << VIRTIO_NET_F_MAC | 1ull << VIRTIO_NET_F_STATUS | 1ull << VIRTIO_F_EVENT_IDX;
	if (instances > 1) /* MQ needs the control queue (spec 5.1.3.1) */
		want |= 1ull << VIRTIO_NET_F_MQ | 1ull << VIRTIO_NET_F_CTRL_VQ;
	if (virtio_pci_negotiate(vp, want, 1ull << VIRTIO_F_VERSION_1) < 0)
		return -1;
	bool mq =
		(vp->features >> VIRTIO_NET_F_MQ & 1) && (vp->features >> VIRTIO_NET_F_CTRL_VQ & 1);
	unsigned max_pairs = 1;
	if (mq && vp->devcfg && vp->devcfg_len >= VNET_CFG_MAXQP + 2) {
		uint16_t m = *(volatile uint16_t *)(vp->devcfg + VNET_CFG_MAXQP);
		max_pairs = m >= VNET_CTRL_MQ_PAIRS_MIN && m <= VNET_CTRL_MQ_PAIRS_MAX ? m : 1;
	}
	unsigned pairs = mq ? vnet_pairs_want(instances, max_pairs) : 1;
	/* MSI-X entries 2i (receive) and 2i+1 (transmit) to CPU i's APIC; one
	 * IDT vector pair for all, since the CPU tells the pairs apart */
	bool msix = true;
	for (unsigned k = 0; k < pairs && msix; k++) {
		uint32_t apic = k ? percpu_area[k].apic_id : apic_id();
		msix = virtio_pci_msix_route(vp, 2 * k, VEC_VIRTIO, apic) &&
		       virtio_pci_msix_route(vp, 2 * k + 1, VEC_VIRTIO + 1, apic);
	}
	for (unsigned k = 0; k < instances; k++)
		sched_irq_event_init(&vn.inst[k].ev, k);
	if (msix) {
		irq_register(VEC_VIRTIO, vnet_irq);
		irq_register(VEC_VIRTIO + 1, vnet_irq);
	}
	for (unsigned k = 0; k < pairs; k++)
		if (vnet_pair_init(k, msix) < 0)
			return -1;
	if (mq && virtio_pci_queue(vp, &vn.ctrl, 2 * max_pairs, 64, VIRTIO_MSI_NO_VECTOR) < 0)
		return -1;
	for (unsigned k = 0; k < pairs; k++)
		msix = msix && vn.pair[k].rx.msix != VIRTIO_MSI_NO_VECTOR &&
		       vn.pair[k].tx.msix != VIRTIO_MSI_NO_VECTOR;
	if (instances > 1)
		for (unsigned k = 0; k < instances; k++) {
			vn.inst[k].sbuf = pages_alloc(VNET_SOFT * VNET_BUF, PAGE_SIZE);
			if (!vn.inst[k].sbuf) {
				kprintf("virtio-net: no memory for instance %u's queue\n", k);
				return -1;
			}
		}
	if (vp->features >> VIRTIO_NET_F_MAC & 1 && vp->devcfg && vp->devcfg_len >= 6) {
		for (unsigned k = 0; k < 6; k++)
			info->mac[k] = vp->devcfg[VNET_CFG_MAC + k];
	} else {
		static const uint8_t local[6] = {0x02, 0x70, 0x6b,
						 0,    0,    1}; /* locally administered */
		memcpy(info->mac, local, 6);
	}
	vn.npairs = pairs;
	vn.ninst = instances;
	virtio_pci_ready(vp);
	if (mq && pairs > 1 && vnet_ctrl_pairs(pairs) < 0)
		vn.npairs = pairs = 1;
	for (unsigned k = 0; k < pairs; k++)
		virtio_queue_kick(&vn.pair[k].rx);
	info->msix = msix;
	vn.msix = msix;
	info->rx_size = vn.pair[0].rx.q.size;
	info->tx_size = vn.pair[0].tx.q.size;
	info->features = vp->features;
	info->pairs = pairs;
	info->max_pairs = max_pairs;
	info->instances = instances;
	memcpy(vn.mac, info->mac, 6);
	vn.up = true;
	vnet_log(info);
	return 0;
}

/* A copy of frame for instance t's software queue; dropped when full. */
static void vnet_soft_put(unsigned t, const uint8_t *frame, uint32_t len)
{
	struct vnet_inst *d = &vn.inst[t];
	spin_lock(&d->slock);
	unsigned head = __atomic_load_n(&d->shead, __ATOMIC_ACQUIRE);
	bool full = d->stail - head >= VNET_SOFT;
	if (!full) {
		unsigned s = d->stail % VNET_SOFT;
		memcpy(d->sbuf + s * VNET_BUF, frame, len);
		d->slen[s] = (uint16_t)len;
		__atomic_store_n(&d->stail, d->stail + 1, __ATOMIC_RELEASE);
	}
	spin_unlock(&d->slock);
	if (full) {
		__atomic_fetch_add(&vn.rx_dropped, 1, __ATOMIC_RELAXED);
		return;
	}
	__atomic_fetch_add(&vn.steered, 1, __ATOMIC_RELAXED);
	sched_irq_signal(&d->ev);
}

/* The next frame off pair inst's receive queue that belongs to inst;
 * the others go where the steering rule says. */
static uint8_t *vnet_recv_pair(unsigned inst, uint32_t *len)
{
	struct vnet_pair *p = &vn.pair[inst];
	for (;;) {
		uint32_t n;
		uint8_t *buf = virtq_drv_get(&p->rx.q, &n);
		if (!buf)
			return 0;
		if (n < VNET_HDR + 14 || n > VNET_BUF) {
			vn.rx_dropped++; /* a runt or a length past the buffer */
		} else {
			uint8_t *f = buf + VNET_HDR;
			uint32_t flen = n - (uint32_t)VNET_HDR;
			unsigned t = vn.ninst > 1 ? net_steer(f, flen, vn.ninst) : inst;
			if (t == NET_STEER_ALL)
				for (unsigned k = 0; k < vn.ninst; k++)
					if (k != inst)
						vnet_soft_put(k, f, flen);
			if (t == inst || t == NET_STEER_ALL) {
				*len = flen;
				return f;
			}
			vnet_soft_put(t, f, flen);
		}
		vnet_post_rx(p, buf);
		virtio_queue_kick(&p->rx);
	}
}

uint8_t *vnet_recv(unsigned inst, uint32_t *len)
{
	if (!vn.up || inst >= vn.ninst)
		return 0;
	if (inst < vn.npairs) {
		uint8_t *f = vnet_recv_pair(inst, len);
		if (f)
			return f;
	}
	struct vnet_inst *d = &vn.inst[inst];
	if (!d->sbuf || d->shead == __atomic_load_n(&d->stail, __ATOMIC_ACQUIRE))
		return 0;
	unsigned s = d->shead % VNET_SOFT;
	*len = d->slen[s];
	return d->sbuf + s * VNET_BUF;
}

void vnet_rx_done(unsigned inst, uint8_t *frame)
{
	struct vnet_inst *d = &vn.inst[inst];
	if (d->sbuf && frame >= d->sbuf && frame < d->sbuf + VNET_SOFT * VNET_BUF) {
		__atomic_store_n(&d->shead, d->shead + 1, __ATOMIC_RELEASE);
		return;
	}
	struct vnet_pair *p = &vn.pair[inst];
	vnet_post_rx(p, frame - VNET_HDR);
	virtio_queue_kick(&p->rx);
}

/* Take back the transmit buffers the device is done with (txlock held). */
static void vnet_tx_reap(struct vnet_pair *p)
{
	uint32_t done;
	uint8_t *b;
	while ((b = virtq_drv_get(&p->tx.q, &done)))
		p->txfree[p->ntxfree++] = (uint16_t)((uint64_t)(b - p->txbuf) / VNET_BUF);
}

int vnet_flush(uint64_t us)
{
	if (!vn.up)
		return 0;
	uint64_t end = rdtsc() + us * tsc_khz / 1000;
	for (;;) {
		bool all = true;
		for (unsigned k = 0; k < vn.npairs; k++) {
			struct vnet_pair *p = &vn.pair[k];
			spin_lock(&p->txlock);
			vnet_tx_reap(p);
			all = all && p->ntxfree == p->tx.q.size;
			spin_unlock(&p->txlock);
		}
		if (all)
			return 0;
		if (rdtsc() > end)
			return -1;
		sched_sleep(50 * 1000);
	}
}

int vnet_send(unsigned inst, const void *frame, uint32_t len)
{
	if (!vn.up || len > VNET_FRAME_MAX || inst >= vn.ninst)
		return -1;
	struct vnet_pair *p = &vn.pair[inst % vn.npairs];
	int rc = -1;
	spin_lock(&p->txlock); /* uncontended unless instances share the pair */
	vnet_tx_reap(p);
	if (p->ntxfree) {
		unsigned k = p->txfree[--p->ntxfree];
		uint8_t *b = p->txbuf + (uint64_t)k * VNET_BUF;
		memset(b, 0, VNET_HDR);
		memcpy(b + VNET_HDR, frame, len);
		struct virtq_buf d = {(uint64_t)b - PK_DIRECT_MAP_BASE, (uint32_t)VNET_HDR + len,
				      false};
		if (virtq_drv_add(&p->tx.q, &d, 1, b) < 0) {
			p->ntxfree++;
		} else {
			virtio_queue_kick(&p->tx);
			rc = 0;
		}
	}
	spin_unlock(&p->txlock);
	return rc;
}

int vnet_wait(unsigned inst, uint64_t ns)
{
	if (!vn.up || inst >= vn.ninst)
		return -1;
	if (!vn.msix) /* no interrupt to wait for: poll every 200 us */
		ns = ns < 200 * 1000 ? ns : 200 * 1000;
	int r = sched_irq_wait(&vn.inst[inst].ev, ns);
	return r < 0 ? r : r ? 1 : 0;
}

void vnet_wake(unsigned inst)
{
	if (vn.up && inst < vn.ninst)
		sched_irq_signal(&vn.inst[inst].ev);
}

void vnet_mac(uint8_t mac[6])
{
	memcpy(mac, vn.mac, 6);
}

uint64_t vnet_irqs(void)
{
	return vn.irqs;
}

uint64_t vnet_rx_dropped(void)
{
	return __atomic_load_n(&vn.rx_dropped, __ATOMIC_RELAXED);
}

uint64_t vnet_steered(void)
{
	return __atomic_load_n(&vn.steered, __ATOMIC_RELAXED);
}
