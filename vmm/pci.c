/* SPDX-License-Identifier: MIT */
/*
 * vmm/pci.c - bus 0 (pci.h). Config space accesses go through the shared
 * address register at 0xCF8 (dword writes only; PCI 3.0 3.2.2.3.2) and
 * the data window 0xCFC-0xCFF; one lock covers the pair, as the register
 * is one for all vCPUs. Memory BARs dispatch from one MMIO window.
 */
#include "pci.h"

#include <pthread.h>
#include <string.h>

#include "lib/virtio/virtio_pci.h"
#include "hcall.h"
#include "io.h"

#define PCI_SLOTS 32
static struct pci_func *pci_slot[PCI_SLOTS];
static struct pci_func pci_host; /* 00.0 */
static uint64_t pci_next_bar = PCI_MMIO_BASE;
static uint32_t pci_addr_reg;
static pthread_mutex_t pci_lock = PTHREAD_MUTEX_INITIALIZER;

void pci_set16(struct pci_func *f, unsigned off, uint16_t v)
{
	memcpy(&f->cfg[off], &v, 2);
}

void pci_set32(struct pci_func *f, unsigned off, uint32_t v)
{
	memcpy(&f->cfg[off], &v, 4);
}

static void pci_host_init(void)
{
	struct pci_func *h = &pci_host;
	memset(h, 0, sizeof(*h));
	/* Red Hat's id for a generic host bridge (as QEMU's gpex) */
	pci_set16(h, PCI_VENDOR_ID, 0x1b36);
	pci_set16(h, PCI_DEVICE_ID, 0x0008);
	pci_set32(h, PCI_REVISION, 0x06000000); /* class 06 bridge, 00 host */
	pci_slot[0] = h;
}

void pci_reset_bus(void)
{
	memset(pci_slot, 0, sizeof(pci_slot));
	pci_next_bar = PCI_MMIO_BASE;
	pci_addr_reg = 0;
}

int pci_register(struct pci_func *f)
{
	if (!pci_slot[0])
		pci_host_init();
	if (f->dev == 0 || f->dev >= PCI_SLOTS || pci_slot[f->dev])
		return -1;
	for (unsigned b = 0; b < 6; b++) {
		uint32_t sz = f->bar_size[b];
		if (!sz)
			continue;
		if (sz < 4096 || (sz & (sz - 1)))
			return -1;
		uint64_t a = (pci_next_bar + sz - 1) & ~(uint64_t)(sz - 1);
		if (a + sz > PCI_MMIO_BASE + PCI_MMIO_SIZE)
			return -1;
		pci_next_bar = a + sz;
		pci_set32(f, PCI_BAR0 + 4 * b, (uint32_t)a); /* 32-bit, non-prefetchable */
		uint32_t m = ~(sz - 1);
		memcpy(&f->wmask[PCI_BAR0 + 4 * b], &m, 4);
	}
	/* command: memory decoding, bus mastering, INTx disable */
	uint16_t cm = PCI_CMD_MEM | PCI_CMD_MASTER | PCI_CMD_INTX_DISABLE;
	memcpy(&f->wmask[PCI_COMMAND], &cm, 2);
	pci_slot[f->dev] = f;
	return 0;
}

uint64_t pci_bar_addr(const struct pci_func *f, unsigned bar)
{
	uint16_t cmd;
	uint32_t a;
	memcpy(&cmd, &f->cfg[PCI_COMMAND], 2);
	memcpy(&a, &f->cfg[PCI_BAR0 + 4 * bar], 4);
	if (!(cmd & PCI_CMD_MEM) || !f->bar_size[bar])
		return 0;
	return a & ~0xfull;
}

uint32_t pci_cfg_read(unsigned dev, unsigned off, unsigned len)
{
	struct pci_func *f = dev < PCI_SLOTS ? pci_slot[dev] : 0;
	if (!f || off >= 256 || len > 4 || off + len > 256)
		return 0xffffffffu; /* no device: master abort reads all-ones */
	uint32_t v = 0;
	memcpy(&v, &f->cfg[off], len);
	return v;
}

void pci_cfg_write(unsigned dev, unsigned off, unsigned len, uint32_t v)
{
	struct pci_func *f = dev < PCI_SLOTS ? pci_slot[dev] : 0;
	if (!f || off >= 256 || len > 4 || off + len > 256)
		return;
	for (unsigned i = 0; i < len; i++) {
		uint8_t b = (uint8_t)(v >> (8 * i)), m = f->wmask[off + i];
		f->cfg[off + i] = (uint8_t)((f->cfg[off + i] & ~m) | (b & m));
	}
	if (f->cfg_written)
		f->cfg_written(f, off, len);
}

/* One access of size bytes at port; the config cycle the address
 * register selects: enabled, bus 0, function 0 (no multi-function
 * devices here). */
static void pci_port(uint16_t port, bool out, uint8_t *data, unsigned size)
{
	if (port == PCI_CONF_ADDR && size == 4) {
		if (out)
			memcpy(&pci_addr_reg, data, 4);
		else
			memcpy(data, &pci_addr_reg, 4);
		return;
	}
	unsigned k = port - PCI_CONF_DATA;
	uint32_t a = pci_addr_reg;
	unsigned bus = a >> 16 & 0xff, dev = a >> 11 & 31, fn = a >> 8 & 7;
	bool hit = port >= PCI_CONF_DATA && k + size <= 4 && (a & PCI_CONF_ENABLE) && bus == 0 &&
		   fn == 0;
	unsigned off = (a & 0xfc) + k;
	if (out) {
		uint32_t v = 0;
		memcpy(&v, data, size);
		if (hit)
			pci_cfg_write(dev, off, size, v);
	} else {
		uint32_t v = hit ? pci_cfg_read(dev, off, size) : 0xffffffffu;
		memcpy(data, &v, size);
	}
}

static int pci_pio(struct vcpu *v, uint16_t port, bool out, uint8_t *data, unsigned size,
		   unsigned count)
{
	(void)v;
	pthread_mutex_lock(&pci_lock);
	if (!pci_slot[0])
		pci_host_init();
	for (unsigned i = 0; i < count; i++)
		pci_port(port, out, data + (size_t)i * size, size);
	pthread_mutex_unlock(&pci_lock);
	return -1;
}
PIO_RANGE(PCI_CONF_ADDR, PCI_CONF_DATA + 3, pci_pio);

static int pci_mmio(struct vcpu *v, uint64_t gpa, bool write, uint8_t *data, unsigned len)
{
	struct pci_func *hit = 0;
	unsigned bar = 0;
	uint64_t off = 0;
	/* the BARs under the lock (another vCPU may be moving one) */
	pthread_mutex_lock(&pci_lock);
	for (unsigned d = 1; d < PCI_SLOTS && !hit; d++) {
		struct pci_func *f = pci_slot[d];
		for (unsigned b = 0; f && b < 6 && !hit; b++) {
			uint64_t a = pci_bar_addr(f, b);
			if (a && gpa >= a && gpa - a < f->bar_size[b] &&
			    len <= f->bar_size[b] - (gpa - a))
				hit = f, bar = b, off = gpa - a;
		}
	}
	pthread_mutex_unlock(&pci_lock);
	if (hit)
		return hit->bar_io(hit, bar, off, write, data, len);
	guest_warn(v, "PCI window: %s of %u bytes at 0x%llx decodes to no BAR",
		   write ? "write" : "read", len, (unsigned long long)gpa);
	if (!write)
		memset(data, 0xff, len);
	return -1;
}
MMIO_RANGE(PCI_MMIO_BASE, PCI_MMIO_BASE + PCI_MMIO_SIZE - 1, pci_mmio);
