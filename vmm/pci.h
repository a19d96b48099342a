/* SPDX-License-Identifier: MIT */
/*
 * vmm/pci.h - a PCI bus 0 for the guest: configuration mechanism #1
 * (ports 0xCF8/0xCFC, PCI Local Bus 3.0 3.2.2.3.2), a host bridge at 00.0,
 * and the functions device modules register (vmm/virtio_pci.c). Memory
 * BARs live in one MMIO window the firmware-less guest finds already
 * assigned (docs/network.md, "The vmm's PCI bus").
 */
#ifndef PK_VMM_PCI_H
#define PK_VMM_PCI_H

#include <stdbool.h>
#include <stdint.h>

struct vcpu;

/* The window memory BARs are placed in: above guest RAM's low part
 * (MEM_HOLE_START), far below the IOAPIC/LAPIC pages. */
#define PCI_MMIO_BASE 0xc0000000ull
#define PCI_MMIO_SIZE 0x10000000ull

struct pci_func;
/* An access of len (1..8) bytes at offset off of memory BAR `bar`. */
typedef int pci_bar_fn(struct pci_func *f, unsigned bar, uint64_t off, bool write, uint8_t *data,
		       unsigned len);
/* After a config-space write of len bytes at off (the bytes are stored). */
typedef void pci_cfg_fn(struct pci_func *f, unsigned off, unsigned len);

struct pci_func {
	uint8_t dev;	      /* device number on bus 0, function 0 */
	uint8_t cfg[256];     /* config space as the guest reads it */
	uint8_t wmask[256];   /* bits a guest write may change */
	uint32_t bar_size[6]; /* 0: no BAR; a power of two >= 4096 */
	pci_bar_fn *bar_io;
	pci_cfg_fn *cfg_written;
	void *opaque;
};

/* Add f at bus 0 device f->dev: assigns each memory BAR an address in
 * the window (written into cfg) and makes BAR bits above the size
 * writable. 0, or -1 when the slot is taken or the window is full. */
int pci_register(struct pci_func *f);
/* The address memory BAR `bar` decodes now (0 when memory decoding is off). */
uint64_t pci_bar_addr(const struct pci_func *f, unsigned bar);
/* Little-endian helpers for building config space. */
void pci_set16(struct pci_func *f, unsigned off, uint16_t v);
void pci_set32(struct pci_func *f, unsigned off, uint32_t v);
/* Config-space accesses by (device, offset), as the port handler makes
 * them; exported for the unit test and the fuzz target. */
uint32_t pci_cfg_read(unsigned dev, unsigned off, unsigned len);
void pci_cfg_write(unsigned dev, unsigned off, unsigned len, uint32_t v);
/* Forget every function (tests). */
void pci_reset_bus(void);

#endif
