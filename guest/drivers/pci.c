/* SPDX-License-Identifier: MIT */
/*
 * guest/drivers/pci.c - bus 0 through configuration mechanism #1 (PCI
 * Local Bus 3.0 3.2.2.3.2): write the address (enable bit, bus, device,
 * function, dword offset) to 0xCF8, move data through 0xCFC-0xCFF. One
 * lock for the pair: the address register is shared by every CPU.
 */
#include "pci.h"

#include "lib/virtio/virtio_pci.h"
#include "guest/arch/cpu.h"
#include "guest/arch/mmio.h"
#include "guest/arch/paging.h"
#include "guest/arch/spinlock.h"
#include "guest/kernel/console.h"
#include "guest/mm/paging.h"

static struct spinlock pci_lock;

static uint32_t pci_addr(const struct pci_dev *d, unsigned off)
{
	return PCI_CONF_ENABLE | (uint32_t)d->bus << 16 | (uint32_t)d->dev << 11 |
	       (uint32_t)d->fn << 8 | (off & 0xfc);
}

uint32_t pci_read32(const struct pci_dev *d, unsigned off)
{
	uint64_t f = spin_lock_irqsave(&pci_lock);
	outl(PCI_CONF_ADDR, pci_addr(d, off));
	uint32_t v = inl(PCI_CONF_DATA);
	spin_unlock_irqrestore(&pci_lock, f);
	return v;
}

uint16_t pci_read16(const struct pci_dev *d, unsigned off)
{
	return (uint16_t)(pci_read32(d, off) >> (8 * (off & 2)));
}

uint8_t pci_read8(const struct pci_dev *d, unsigned off)
{
	return (uint8_t)(pci_read32(d, off) >> (8 * (off & 3)));
}

void pci_write32(const struct pci_dev *d, unsigned off, uint32_t v)
{
	uint64_t f = spin_lock_irqsave(&pci_lock);
	outl(PCI_CONF_ADDR, pci_addr(d, off));
	outl(PCI_CONF_DATA, v);
	spin_unlock_irqrestore(&pci_lock, f);
}

void pci_write16(const struct pci_dev *d, unsigned off, uint16_t v)
{
	uint64_t f = spin_lock_irqsave(&pci_lock);
	outl(PCI_CONF_ADDR, pci_addr(d, off));
	outw((uint16_t)(PCI_CONF_DATA + (off & 2)), v);
	spin_unlock_irqrestore(&pci_lock, f);
}

#define PCI_MAX_FOUND 64
static struct pci_dev pci_found[PCI_MAX_FOUND];
static unsigned pci_nfound;
static int pci_scanned;

static void pci_probe(uint8_t dev, uint8_t fn)
{
	struct pci_dev d = {.bus = 0, .dev = dev, .fn = fn};
	uint32_t id = pci_read32(&d, PCI_VENDOR_ID);
	if ((id & 0xffff) == 0xffff || pci_nfound == PCI_MAX_FOUND)
		return;
	d.vendor = (uint16_t)id;
	d.device = (uint16_t)(id >> 16);
	d.class_rev = pci_read32(&d, PCI_REVISION);
	uint32_t ss = pci_read32(&d, PCI_SUBSYS_VENDOR);
	d.subsys_vendor = (uint16_t)ss;
	d.subsys = (uint16_t)(ss >> 16);
	pci_found[pci_nfound++] = d;
	kprintf("pci: 00:%02x.%u %04x:%04x class %06x\n", dev, fn, d.vendor, d.device,
		d.class_rev >> 8);
}

unsigned pci_scan(struct pci_dev *out, unsigned max)
{
	if (!pci_scanned) {
		pci_scanned = 1;
		for (uint8_t dev = 0; dev < 32; dev++) {
			struct pci_dev d = {.dev = dev};
			if ((pci_read32(&d, PCI_VENDOR_ID) & 0xffff) == 0xffff)
				continue;
			/* functions 1-7 only behind a multi-function header */
			unsigned nfn = pci_read8(&d, PCI_HEADER_TYPE) & 0x80 ? 8 : 1;
			for (uint8_t fn = 0; fn < nfn; fn++)
				pci_probe(dev, fn);
		}
		if (!pci_nfound)
			kprintf("pci: no devices on bus 0 (no configuration mechanism #1)\n");
	}
	for (unsigned i = 0; i < pci_nfound && i < max; i++)
		out[i] = pci_found[i];
	return pci_nfound;
}

uint64_t pci_bar_addr(const struct pci_dev *d, unsigned bar)
{
	if (bar > 5)
		return 0;
	uint32_t lo = pci_read32(d, PCI_BAR0 + 4 * bar);
	if (lo & 1)
		return 0; /* I/O space */
	uint64_t a = lo & ~0xfull;
	if ((lo & 6) == PCI_BAR_MEM64 && bar < 5)
		a |= (uint64_t)pci_read32(d, PCI_BAR0 + 4 * (bar + 1)) << 32;
	return a;
}

unsigned pci_cap_find(const struct pci_dev *d, uint8_t id, unsigned from)
{
	if (!(pci_read16(d, PCI_STATUS) & PCI_STATUS_CAPS))
		return 0;
	unsigned p = from ? pci_read8(d, from + 1) : pci_read8(d, PCI_CAP_PTR);
	/* 48 capabilities fit in 192 bytes: a longer list is a loop */
	for (int n = 0; n < 48 && p >= 0x40; n++) {
		p &= 0xfc;
		if (pci_read8(d, p) == id)
			return p;
		p = pci_read8(d, p + 1);
	}
	return 0;
}

void pci_enable(const struct pci_dev *d)
{
	uint16_t cmd = pci_read16(d, PCI_COMMAND);
	pci_write16(d, PCI_COMMAND, (uint16_t)(cmd | PCI_CMD_MEM | PCI_CMD_MASTER));
}

volatile void *pci_map_bar(uint64_t phys, uint64_t len)
{
	if (phys + len <= (4ull << 30))
		return phys_to_virt_mmio(phys); /* the hole is UC there (paging.h) */
	uint64_t lo = phys & ~0xfffull, hi = (phys + len + 0xfff) & ~0xfffull;
	int rc = paging_map(PK_DIRECT_MAP_BASE + lo, lo, hi - lo, PG_WRITE | PG_UC | PG_MAX_4K);
	if (rc < 0 && rc != PG_EEXIST) {
		kprintf("pci: cannot map BAR memory at 0x%lx (+0x%lx): error %d\n", phys, len, rc);
		return 0;
	}
	return phys_to_virt_mmio(phys);
}
