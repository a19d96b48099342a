/* SPDX-License-Identifier: MIT */
/*
 * guest/drivers/virtio_pci.c - the virtio-pci modern transport (virtio 1.2
 * spec 4.1.4 capabilities, 4.1.5 device initialization, 3.1 the driver's
 * steps). Registers are little-endian MMIO in the BARs the capabilities
 * name; 64-bit fields are written as two 32-bit halves, low first
 * (4.1.3.1).
 */
#include "virtio_pci.h"

#include "lib/virtio/virtio_pci.h"
#include "guest/arch/mmio.h"
#include "guest/kernel/console.h"
#include "lib/kstring/kstring.h"
#include "lib/heap/pages.h"

static inline uint8_t rd8(volatile uint8_t *b, unsigned off)
{
	return *(volatile uint8_t *)(b + off);
}
static inline uint16_t rd16(volatile uint8_t *b, unsigned off)
{
	return *(volatile uint16_t *)(b + off);
}
static inline uint32_t rd32(volatile uint8_t *b, unsigned off)
{
	return *(volatile uint32_t *)(b + off);
}
static inline void wr8(volatile uint8_t *b, unsigned off, uint8_t v)
{
	*(volatile uint8_t *)(b + off) = v;
}
static inline void wr16(volatile uint8_t *b, unsigned off, uint16_t v)
{
	*(volatile uint16_t *)(b + off) = v;
}
static inline void wr32(volatile uint8_t *b, unsigned off, uint32_t v)
{
	*(volatile uint32_t *)(b + off) = v;
}
static void wr64(volatile uint8_t *b, unsigned off, uint64_t v)
{
	wr32(b, off, (uint32_t)v);
	wr32(b, off + 4, (uint32_t)(v >> 32));
}

static void vp_status(struct virtio_pci *v, uint8_t bits)
{
	wr8(v->common, VCOMMON_STATUS, (uint8_t)(rd8(v->common, VCOMMON_STATUS) | bits));
}

/* The BAR a capability points into, mapped over [offset, offset + len). */
static volatile uint8_t *vp_map(const struct pci_dev *d, unsigned cap, uint32_t *len)
{
	uint8_t bar = pci_read8(d, cap + VCAP_BAR);
	uint32_t off = pci_read32(d, cap + VCAP_OFFSET);
	*len = pci_read32(d, cap + VCAP_LENGTH);
	uint64_t base = pci_bar_addr(d, bar);
	if (!base || *len == 0)
		return 0;
	return pci_map_bar(base + off, *len);
}

int virtio_pci_open(struct virtio_pci *v, const struct pci_dev *d)
{
	memset(v, 0, sizeof(*v));
	v->pci = *d;
	pci_enable(d);
	uint32_t len;
	for (unsigned cap = pci_cap_find(d, PCI_CAP_ID_VENDOR, 0); cap;
	     cap = pci_cap_find(d, PCI_CAP_ID_VENDOR, cap)) {
		uint8_t type = pci_read8(d, cap + VCAP_TYPE);
		/* the first capability of each type is the preferred one (4.1.4) */
		if (type == VIRTIO_PCI_CAP_COMMON && !v->common) {
			v->common = vp_map(d, cap, &len);
			if (len < VCOMMON_SIZE)
				v->common = 0;
		} else if (type == VIRTIO_PCI_CAP_ISR && !v->isr)
			v->isr = vp_map(d, cap, &len);
		else if (type == VIRTIO_PCI_CAP_DEVICE && !v->devcfg)
			v->devcfg = vp_map(d, cap, &v->devcfg_len);
		else if (type == VIRTIO_PCI_CAP_NOTIFY && !v->notify) {
			v->notify = vp_map(d, cap, &len);
			v->notify_mult = pci_read32(d, cap + VCAP_NOTIFY_MULT);
		}
	}
	if (!v->common || !v->notify || !v->isr) {
		kprintf("virtio: 00:%02x.%u has no modern common/notify/ISR capability "
			"(a legacy-only device): not driven\n",
			d->dev, d->fn);
		return -1;
	}
	unsigned mc = pci_cap_find(d, PCI_CAP_ID_MSIX, 0);
	if (mc) {
		uint16_t ctrl = pci_read16(d, mc + MSIX_CTRL);
		uint32_t t = pci_read32(d, mc + MSIX_TABLE);
		uint64_t base = pci_bar_addr(d, t & 7);
		v->msix_n = (ctrl & 0x7ffu) + 1;
		if (base) {
			v->msix_cap = mc;
			v->msix_table = pci_map_bar(base + (t & ~7u), v->msix_n * MSIX_ENTRY_SIZE);
		}
	}
	/* 3.1.1: reset, then wait for the reset to finish (4.1.4.3.2) */
	wr8(v->common, VCOMMON_STATUS, 0);
	for (int i = 0; i < 1000000 && rd8(v->common, VCOMMON_STATUS); i++)
		__asm__ volatile("pause");
	vp_status(v, VIRTIO_STATUS_ACK | VIRTIO_STATUS_DRIVER);
	return 0;
}

int virtio_pci_negotiate(struct virtio_pci *v, uint64_t want, uint64_t need)
{
	uint64_t dev = 0;
	for (uint32_t sel = 0; sel < 2; sel++) {
		wr32(v->common, VCOMMON_DFSELECT, sel);
		dev |= (uint64_t)rd32(v->common, VCOMMON_DF) << (32 * sel);
	}
	uint64_t f = dev & (want | need);
	if ((f & need) != need) {
		kprintf("virtio: 00:%02x.%u lacks features 0x%lx the driver needs (device offers "
			"0x%lx)\n",
			v->pci.dev, v->pci.fn, need & ~f, dev);
		vp_status(v, VIRTIO_STATUS_FAILED);
		return -1;
	}
	for (uint32_t sel = 0; sel < 2; sel++) {
		wr32(v->common, VCOMMON_GFSELECT, sel);
		wr32(v->common, VCOMMON_GF, (uint32_t)(f >> (32 * sel)));
	}
	vp_status(v, VIRTIO_STATUS_FEATURES_OK);
	if (!(rd8(v->common, VCOMMON_STATUS) & VIRTIO_STATUS_FEATURES_OK)) {
		kprintf("virtio: 00:%02x.%u refused features 0x%lx (FEATURES_OK cleared)\n",
			v->pci.dev, v->pci.fn, f);
		vp_status(v, VIRTIO_STATUS_FAILED);
		return -1;
	}
	v->features = f;
	return 0;
}

bool virtio_pci_msix_route(struct virtio_pci *v, unsigned entry, uint8_t vector, uint32_t apic_id)
{
	if (!v->msix_table || entry >= v->msix_n)
		return false;
	volatile uint8_t *e = v->msix_table + entry * MSIX_ENTRY_SIZE;
	/* the MSI address/data format of SDM Vol 3A 11.11.1/11.11.2: fixed
	 * delivery, edge, physical destination apic_id (< 256 here) */
	wr32(e, MSIX_ENTRY_ADDR_LO, 0xfee00000u | (apic_id & 0xff) << 12);
	wr32(e, MSIX_ENTRY_ADDR_HI, 0);
	wr32(e, MSIX_ENTRY_DATA, vector);
	wr32(e, MSIX_ENTRY_CTRL, 0); /* unmasked */
	uint16_t ctrl = pci_read16(&v->pci, v->msix_cap + MSIX_CTRL);
	ctrl = (uint16_t)((ctrl | MSIX_CTRL_ENABLE) & ~MSIX_CTRL_MASKALL);
	pci_write16(&v->pci, v->msix_cap + MSIX_CTRL, ctrl);
	return true;
}

int virtio_pci_queue(struct virtio_pci *v, struct virtio_queue *vq, unsigned index,
		     unsigned max_size, uint16_t msix)
{
	wr16(v->common, VCOMMON_Q_SELECT, (uint16_t)index);
	unsigned size = rd16(v->common, VCOMMON_Q_SIZE);
	if (size == 0) {
		kprintf("virtio: 00:%02x.%u has no queue %u\n", v->pci.dev, v->pci.fn, index);
		return -1;
	}
	while (size > max_size) /* sizes are powers of two (2.7) */
		size /= 2;
	struct virtq_layout l;
	if (virtq_layout(size, &l) < 0) {
		kprintf("virtio: queue %u: size %u is not a power of two\n", index, size);
		return -1;
	}
	/* the rings, then the driver's own arrays, in one page run */
	uint64_t priv = size * (2 * sizeof(uint16_t) + sizeof(void *));
	uint64_t bytes = (l.total + 63 + priv + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	uint8_t *mem = pages_alloc(bytes, PAGE_SIZE);
	if (!mem) {
		kprintf("virtio: queue %u: no memory for %u entries\n", index, size);
		return -1;
	}
	memset(mem, 0, bytes);
	uint8_t *p = mem + ((l.total + 63) & ~63ull);
	void **cookie = (void **)p;
	uint16_t *next_free = (uint16_t *)(p + size * sizeof(void *));
	uint16_t *chain_len = next_free + size;
	virtq_drv_init(&vq->q, (uint16_t)size, mem, &l, next_free, chain_len, cookie);
	vq->q.event_idx = v->features >> VIRTIO_F_EVENT_IDX & 1;
	uint64_t phys = (uint64_t)mem - PK_DIRECT_MAP_BASE;
	wr16(v->common, VCOMMON_Q_SIZE, (uint16_t)size);
	wr16(v->common, VCOMMON_Q_MSIX, msix);
	if (msix != VIRTIO_MSI_NO_VECTOR && rd16(v->common, VCOMMON_Q_MSIX) != msix) {
		kprintf("virtio: queue %u: the device refused MSI-X entry %u\n", index, msix);
		msix = VIRTIO_MSI_NO_VECTOR;
	}
	vq->msix = msix;
	wr64(v->common, VCOMMON_Q_DESCLO, phys + l.desc);
	wr64(v->common, VCOMMON_Q_AVAILLO, phys + l.avail);
	wr64(v->common, VCOMMON_Q_USEDLO, phys + l.used);
	uint16_t noff = rd16(v->common, VCOMMON_Q_NOFF);
	vq->notify = (volatile uint16_t *)(v->notify + (uint64_t)noff * v->notify_mult);
	vq->index = index;
	wr16(v->common, VCOMMON_Q_ENABLE, 1);
	return 0;
}

void virtio_pci_ready(struct virtio_pci *v)
{
	if (v->msix_table)
		wr16(v->common, VCOMMON_MSIX, VIRTIO_MSI_NO_VECTOR); /* no config interrupts */
	vp_status(v, VIRTIO_STATUS_DRIVER_OK);
}

void virtio_queue_kick(struct virtio_queue *vq)
{
	if (virtq_drv_publish(&vq->q))
		*vq->notify = (uint16_t)vq->index; /* 4.1.5.2 */
}

const char *virtio_feature_name(unsigned bit)
{
	switch (bit) {
	case VIRTIO_NET_F_MAC:
		return "MAC";
	case VIRTIO_NET_F_MRG_RXBUF:
		return "MRG_RXBUF";
	case VIRTIO_NET_F_STATUS:
		return "STATUS";
	case VIRTIO_NET_F_CTRL_VQ:
		return "CTRL_VQ";
	case VIRTIO_NET_F_MQ:
		return "MQ";
	case VIRTIO_F_INDIRECT_DESC:
		return "INDIRECT_DESC";
	case VIRTIO_F_EVENT_IDX:
		return "EVENT_IDX";
	case VIRTIO_F_VERSION_1:
		return "VERSION_1";
	case VIRTIO_F_ACCESS_PLATFORM:
		return "ACCESS_PLATFORM";
	}
	return 0;
}
