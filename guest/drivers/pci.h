/* SPDX-License-Identifier: MIT */
/*
 * guest/drivers/pci.h - PCI devices on bus 0, found through configuration
 * mechanism #1 (ports 0xCF8/0xCFC), which QEMU q35 and the perfkern vmm
 * both answer: no ECAM, no ACPI namespace needed (docs/network.md).
 */
#ifndef PK_DRIVERS_PCI_H
#define PK_DRIVERS_PCI_H

#include <stdbool.h>
#include <stdint.h>

struct pci_dev {
	uint8_t bus, dev, fn;
	uint16_t vendor, device, subsys_vendor, subsys;
	uint32_t class_rev; /* class << 8 | revision */
};

uint32_t pci_read32(const struct pci_dev *d, unsigned off);
uint16_t pci_read16(const struct pci_dev *d, unsigned off);
uint8_t pci_read8(const struct pci_dev *d, unsigned off);
void pci_write32(const struct pci_dev *d, unsigned off, uint32_t v);
void pci_write16(const struct pci_dev *d, unsigned off, uint16_t v);

/* Scan bus 0 once (later calls return the same table): the number of
 * functions found, at most max of them in out. Logs each one. */
unsigned pci_scan(struct pci_dev *out, unsigned max);
/* The physical address a memory BAR decodes (64-bit BARs read whole), or 0
 * when it is an I/O BAR or unassigned. */
uint64_t pci_bar_addr(const struct pci_dev *d, unsigned bar);
/* Offset of the first capability with this id at or after `from` in the
 * list (0 = from the start), or 0 when none. The walk is bounded. */
unsigned pci_cap_find(const struct pci_dev *d, uint8_t id, unsigned from);
/* Turn on memory decoding and bus mastering (DMA). */
void pci_enable(const struct pci_dev *d);
/* A virtual address for [phys, phys + len) of device memory, uncached:
 * the direct map below 4 GiB, a new UC mapping above it. NULL on failure. */
volatile void *pci_map_bar(uint64_t phys, uint64_t len);

#endif
