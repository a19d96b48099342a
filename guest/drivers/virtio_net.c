/* SPDX-License-Identifier: MIT */
/*
 * guest/drivers/virtio_net.c - virtio-net, queue pair 0 (spec 5.1.5
 * "Device Initialization", 5.1.6 "Device Operation"). Receive buffers are
 * 2 KiB each, posted as one device-writable descriptor (header + frame,
 * spec 5.1.6.3.1 without MRG_RXBUF); transmit copies each frame behind a
 * zeroed header into one of the transmit buffers.
 */
#include "virtio_net.h"

#include "lib/virtio/virtio_pci.h"
#include "guest/arch/apic.h"
#include "guest/arch/cpu.h"
#include "guest/arch/tsc.h"
#include "guest/arch/layout.h"
#include "guest/arch/trap.h"
#include "guest/kernel/console.h"
#include "lib/kstring/kstring.h"
#include "lib/printf/printf.h"
#include "lib/heap/pages.h"
#include "lib/sched/sched.h"
#include "virtio_pci.h"

#define VNET_BUF 2048u
#define VNET_QMAX 256u
#define VNET_HDR sizeof(struct virtio_net_hdr)

static struct {
	struct virtio_pci vp;
	struct virtio_queue rx, tx;
	uint8_t *rxbuf, *txbuf;
	uint16_t txfree[VNET_QMAX]; /* free transmit buffer indices (a stack) */
	unsigned ntxfree;
	volatile uint64_t irqs;
	struct sched_irq_event ev; /* the task in vnet_wait */
	uint64_t rx_dropped;
	bool up, msix;
} vn;

static void vnet_irq(struct trap_frame *f)
{
	(void)f;
	vn.irqs++;
	sched_irq_signal(&vn.ev); /* the one irq-safe wakeup: two flags, no lock */
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

static void vnet_post_rx(uint8_t *buf)
{
	struct virtq_buf b = {(uint64_t)buf - PK_DIRECT_MAP_BASE, VNET_BUF, true};
	virtq_drv_add(&vn.rx.q, &b, 1, buf);
}

static void vnet_log(const struct vnet_info *info)
{
	char list[160];
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
	kprintf("virtio-net: 00:%02x.%u negotiated %s; queues rx %u tx %u; interrupts %s; "
		"mac %02x:%02x:%02x:%02x:%02x:%02x\n",
		vn.vp.pci.dev, vn.vp.pci.fn, list, info->rx_size, info->tx_size,
		info->msix ? "MSI-X" : "none (polling)", info->mac[0], info->mac[1], info->mac[2],
		info->mac[3], info->mac[4], info->mac[5]);
}

int vnet_init(struct vnet_info *info)
{
	struct pci_dev devs[32];
	unsigned n = pci_scan(devs, 32), i;
	for (i = 0; i < n && i < 32 && !vnet_match(&devs[i]); i++)
		;
	if (i >= n || i >= 32) {
		kprintf("virtio-net: no virtio-net device on PCI bus 0\n");
		return -1;
	}
	struct virtio_pci *vp = &vn.vp;
	if (virtio_pci_open(vp, &devs[i]) < 0)
		return -1;
	uint64_t want =
		1ull << VIRTIO_NET_F_MAC | 1ull << VIRTIO_NET_F_STATUS | 1ull << VIRTIO_F_EVENT_IDX;
	if (virtio_pci_negotiate(vp, want, 1ull << VIRTIO_F_VERSION_1) < 0)
		return -1;
	/* MSI-X entry 0 for receive, 1 for transmit, both to this CPU */
	uint32_t me = apic_id();
	sched_irq_event_init(&vn.ev, sched_cpu_self());
	bool msix = virtio_pci_msix_route(vp, 0, VEC_VIRTIO, me) &&
		    virtio_pci_msix_route(vp, 1, VEC_VIRTIO + 1, me);
	if (msix) {
		irq_register(VEC_VIRTIO, vnet_irq);
		irq_register(VEC_VIRTIO + 1, vnet_irq);
	}
	uint16_t none = VIRTIO_MSI_NO_VECTOR;
	if (virtio_pci_queue(vp, &vn.rx, VNET_RXQ, VNET_QMAX, msix ? 0 : none) < 0 ||
	    virtio_pci_queue(vp, &vn.tx, VNET_TXQ, VNET_QMAX, msix ? 1 : none) < 0)
		return -1;
	msix = msix && vn.rx.msix != none && vn.tx.msix != none;
	unsigned rxn = vn.rx.q.size, txn = vn.tx.q.size;
	vn.rxbuf = pages_alloc(rxn * VNET_BUF, PAGE_SIZE);
	vn.txbuf = pages_alloc(txn * VNET_BUF, PAGE_SIZE);
	if (!vn.rxbuf || !vn.txbuf) {
		kprintf("virtio-net: no memory for %u + %u buffers\n", rxn, txn);
		return -1;
	}
	for (unsigned k = 0; k < rxn; k++)
		vnet_post_rx(vn.rxbuf + k * VNET_BUF);
	for (unsigned k = 0; k < txn; k++)
		vn.txfree[k] = (uint16_t)k;
	vn.ntxfree = txn;
	if (vp->features >> VIRTIO_NET_F_MAC & 1 && vp->devcfg && vp->devcfg_len >= 6) {
		for (unsigned k = 0; k < 6; k++)
			info->mac[k] = vp->devcfg[VNET_CFG_MAC + k];
	} else {
		static const uint8_t local[6] = {0x02, 0x70, 0x6b,
						 0,    0,    1}; /* locally administered */
		memcpy(info->mac, local, 6);
	}
	virtio_pci_ready(vp);
	virtio_queue_kick(&vn.rx);
	info->msix = msix;
	vn.msix = msix;
	info->rx_size = rxn;
	info->tx_size = txn;
	info->features = vp->features;
	vn.up = true;
	vnet_log(info);
	return 0;
}

uint8_t *vnet_recv(uint32_t *len)
{
	if (!vn.up)
		return 0;
	for (;;) {
		uint32_t n;
		uint8_t *buf = virtq_drv_get(&vn.rx.q, &n);
		if (!buf)
			return 0;
		if (n >= VNET_HDR + 14 && n <= VNET_BUF) {
			*len = n - (uint32_t)VNET_HDR;
			return buf + VNET_HDR;
		}
		vn.rx_dropped++; /* a runt or a length past the buffer */
		vnet_post_rx(buf);
		virtio_queue_kick(&vn.rx);
	}
}

void vnet_rx_done(uint8_t *frame)
{
	vnet_post_rx(frame - VNET_HDR);
	virtio_queue_kick(&vn.rx);
}

/* Take back the transmit buffers the device is done with. */
static void vnet_tx_reap(void)
{
	uint32_t done;
	uint8_t *b;
	while ((b = virtq_drv_get(&vn.tx.q, &done)))
		vn.txfree[vn.ntxfree++] = (uint16_t)((uint64_t)(b - vn.txbuf) / VNET_BUF);
}

int vnet_flush(uint64_t us)
{
	if (!vn.up)
		return 0;
	uint64_t end = rdtsc() + us * tsc_khz / 1000;
	for (;;) {
		vnet_tx_reap();
		if (vn.ntxfree == vn.tx.q.size)
			return 0;
		if (rdtsc() > end)
			return -1;
		sched_sleep(50 * 1000);
	}
}

int vnet_send(const void *frame, uint32_t len)
{
	if (!vn.up || len > VNET_FRAME_MAX)
		return -1;
	uint8_t *b;
	vnet_tx_reap();
	if (!vn.ntxfree)
		return -1;
	b = vn.txbuf + (uint64_t)vn.txfree[--vn.ntxfree] * VNET_BUF;
	memset(b, 0, VNET_HDR);
	memcpy(b + VNET_HDR, frame, len);
	struct virtq_buf d = {(uint64_t)b - PK_DIRECT_MAP_BASE, (uint32_t)VNET_HDR + len, false};
	if (virtq_drv_add(&vn.tx.q, &d, 1, b) < 0) {
		vn.ntxfree++;
		return -1;
	}
	virtio_queue_kick(&vn.tx);
	return 0;
}

int vnet_wait(uint64_t ns)
{
	if (!vn.up)
		return -1;
	if (!vn.msix) /* no interrupt to wait for: poll every 200 us */
		ns = ns < 200 * 1000 ? ns : 200 * 1000;
	int r = sched_irq_wait(&vn.ev, ns);
	return r < 0 ? r : r ? 1 : 0;
}

uint64_t vnet_irqs(void)
{
	return vn.irqs;
}

uint64_t vnet_rx_dropped(void)
{
	return vn.rx_dropped;
}
