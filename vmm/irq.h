/* SPDX-License-Identifier: MIT */
/*
 * vmm/irq.h - MSI interrupts from device threads without a VM exit: each
 * vector is a GSI whose route (KVM_SET_GSI_ROUTING, an MSI address/data
 * pair as the guest programmed it) KVM keeps, and an eventfd bound to the
 * GSI with KVM_IRQFD, so a device thread injects by writing the eventfd.
 * The routing table holds only these MSI routes: the vmm drives no IOAPIC
 * or PIC pin.
 */
#ifndef PK_VMM_IRQ_H
#define PK_VMM_IRQ_H

#include <stdint.h>

struct vm;

#define IRQ_GSI_BASE 24 /* above the IOAPIC's 24 pins */
#define IRQ_MAX_MSI 64

/* A new GSI with its eventfd (KVM_IRQFD): 0 and *gsi, *fd, or a negative
 * errno with a message. Setup only (before the sandbox). */
int irq_msi_alloc(struct vm *vm, unsigned *gsi, int *fd);
/* Point gsi at the MSI (address, data) the guest wrote; addr 0 removes
 * the route. 0 or a negative errno (KVM_SET_GSI_ROUTING). */
int irq_msi_route(struct vm *vm, unsigned gsi, uint64_t addr, uint32_t data);
/* Inject: one eventfd write. */
void irq_msi_fire(int fd);

#endif
