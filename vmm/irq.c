/* SPDX-License-Identifier: MIT */
/* vmm/irq.c - MSI routes and irqfds (irq.h; api.rst KVM_IRQFD,
 * KVM_SET_GSI_ROUTING). */
#include "irq.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kvm.h"

static struct {
	pthread_mutex_t lock;
	unsigned n;
	uint64_t addr[IRQ_MAX_MSI];
	uint32_t data[IRQ_MAX_MSI];
} irq = {.lock = PTHREAD_MUTEX_INITIALIZER};

int irq_msi_alloc(struct vm *vm, unsigned *gsi, int *fd)
{
	if (irq.n >= IRQ_MAX_MSI) {
		fprintf(stderr, "vmm: more than %u MSI vectors\n", IRQ_MAX_MSI);
		return -ENOSPC;
	}
	int e = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (e < 0)
		return vmm_syserr("eventfd for an MSI vector");
	unsigned g = IRQ_GSI_BASE + irq.n;
	struct kvm_irqfd f = {.fd = (uint32_t)e, .gsi = g};
	if (ioctl(vm->vm_fd, KVM_IRQFD, &f) < 0) {
		int rc = vmm_syserr("KVM_IRQFD (GSI %u)", g);
		close(e);
		return rc;
	}
	irq.n++;
	*gsi = g;
	*fd = e;
	return 0;
}

int irq_msi_route(struct vm *vm, unsigned gsi, uint64_t addr, uint32_t data)
{
	if (gsi < IRQ_GSI_BASE || gsi - IRQ_GSI_BASE >= irq.n)
		return -EINVAL;
	pthread_mutex_lock(&irq.lock);
	irq.addr[gsi - IRQ_GSI_BASE] = addr;
	irq.data[gsi - IRQ_GSI_BASE] = data;
	/* the whole table each time (the ioctl replaces it) */
	struct {
		struct kvm_irq_routing r;
		struct kvm_irq_routing_entry e[IRQ_MAX_MSI];
	} t;
	memset(&t, 0, sizeof(t));
	for (unsigned i = 0; i < irq.n; i++) {
		if (!irq.addr[i])
			continue;
		struct kvm_irq_routing_entry *e = &t.e[t.r.nr++];
		e->gsi = IRQ_GSI_BASE + i;
		e->type = KVM_IRQ_ROUTING_MSI;
		e->u.msi.address_lo = (uint32_t)irq.addr[i];
		e->u.msi.address_hi = (uint32_t)(irq.addr[i] >> 32);
		e->u.msi.data = irq.data[i];
	}
	int rc = ioctl(vm->vm_fd, KVM_SET_GSI_ROUTING, &t) < 0
			 ? vmm_syserr("KVM_SET_GSI_ROUTING (GSI %u -> MSI 0x%llx/0x%x)", gsi,
				      (unsigned long long)addr, data)
			 : 0;
	pthread_mutex_unlock(&irq.lock);
	return rc;
}

void irq_msi_fire(int fd)
{
	uint64_t one = 1;
	if (write(fd, &one, sizeof(one)) < 0) {
		/* EAGAIN: the counter is saturated, an interrupt is due anyway */
	}
}
