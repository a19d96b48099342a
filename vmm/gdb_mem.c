/* SPDX-License-Identifier: MIT */
/*
 * vmm/gdb_mem.c - guest virtual memory for the debugger: translate with
 * the vCPU's live CR3 (lib/mmu/mmu_translate.c, the same source the
 * host tests check) and touch RAM only through mem_ptr.
 */
#include <string.h>
#include <sys/ioctl.h>

#include "lib/mmu/mmu_translate.h"
#include "dbg.h"
#include "kvm.h"

#define CR0_PG (1ull << 31)

const uint64_t *dbg_read_table(void *ctx, uint64_t phys)
{
	struct vm *vm = ctx;
	return mem_ptr(&vm->mem, phys & ~0xfffull, 4096);
}

int dbg_translate(struct vcpu *v, uint64_t va, uint64_t *pa)
{
	struct kvm_sregs s;
	if (ioctl(v->fd, KVM_GET_SREGS, &s) < 0)
		return -1;
	if (!(s.cr0 & CR0_PG)) {
		*pa = va;
		return 0;
	}
	uint64_t ps;
	return mmu_translate(s.cr3, va, dbg_read_table, v->vm, pa, &ps);
}

long dbg_mem_access(struct vcpu *v, uint64_t va, void *buf, uint64_t len, bool write)
{
	struct kvm_sregs s;
	if (ioctl(v->fd, KVM_GET_SREGS, &s) < 0)
		return -1;
	uint8_t *b = buf;
	uint64_t done = 0;
	while (done < len) {
		uint64_t a = va + done, pa, ps = 4096;
		if (!(s.cr0 & CR0_PG))
			pa = a;
		else if (mmu_translate(s.cr3, a, dbg_read_table, v->vm, &pa, &ps) < 0)
			break;
		/* stay within the page that maps a */
		uint64_t chunk = ps - (a & (ps - 1));
		if (chunk > len - done)
			chunk = len - done;
		uint8_t *h = mem_ptr(&v->vm->mem, pa, chunk);
		if (!h)
			break;
		if (write)
			memcpy(h, b + done, chunk);
		else
			memcpy(b + done, h, chunk);
		done += chunk;
	}
	return done ? (long)done : -1;
}
