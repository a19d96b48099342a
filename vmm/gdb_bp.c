/* SPDX-License-Identifier: MIT */
/*
 * vmm/gdb_bp.c - gdb's Z/z breakpoints: type 0 plants int3 in guest RAM
 * (found through the vCPU's page tables; KVM_GUESTDBG_USE_SW_BP makes
 * the #BP exit to us), types 1-4 take one of DR0-DR3 (pause.c loads
 * them into every vCPU with KVM_SET_GUEST_DEBUG).
 */
#include <errno.h>
#include <string.h>

#include "gdb.h"
#include "kvm.h"

static int bp_sw_insert(struct vcpu *v, uint64_t va)
{
	struct vm_dbg *d = v->vm->dbg;
	struct dbg_swbp *free_slot = 0;
	for (int i = 0; i < DBG_MAX_SWBP; i++) {
		if (d->sw[i].used && d->sw[i].va == va)
			return 0;
		if (!d->sw[i].used && !free_slot)
			free_slot = &d->sw[i];
	}
	uint64_t pa;
	if (!free_slot)
		return -ENOSPC;
	if (dbg_translate(v, va, &pa) < 0)
		return -EFAULT;
	uint8_t *h = mem_ptr(&v->vm->mem, pa, 1);
	if (!h)
		return -EFAULT;
	*free_slot = (struct dbg_swbp){.va = va, .pa = pa, .orig = *h, .used = true};
	*h = 0xcc; /* int3 */
	return 0;
}

static int bp_sw_remove(struct vm *vm, uint64_t va)
{
	struct vm_dbg *d = vm->dbg;
	for (int i = 0; i < DBG_MAX_SWBP; i++)
		if (d->sw[i].used && d->sw[i].va == va) {
			uint8_t *h = mem_ptr(&vm->mem, d->sw[i].pa, 1);
			if (h)
				*h = d->sw[i].orig;
			d->sw[i].used = false;
			return 0;
		}
	return -ENOENT;
}

/* Z1-Z4 -> a DR0-DR3 slot; lengths 1/2/4/8, naturally aligned (18.2.5) */
static int bp_hw_set(struct vm *vm, bool insert, enum dbg_hw_type t, uint64_t addr, uint64_t len)
{
	struct vm_dbg *d = vm->dbg;
	if (t == HW_EXEC)
		len = 1;
	if ((len != 1 && len != 2 && len != 4 && len != 8) || (addr & (len - 1)))
		return -EINVAL;
	for (int n = 0; n < 4; n++) {
		struct dbg_hw_slot *s = &d->hw[n];
		if (insert && s->type == HW_NONE) {
			*s = (struct dbg_hw_slot){.type = t, .addr = addr, .len = (unsigned)len};
			return 0;
		}
		if (!insert && s->type == t && s->addr == addr && s->len == len) {
			s->type = HW_NONE;
			return 0;
		}
	}
	return insert ? -ENOSPC : -ENOENT;
}

int gdb_bp_set(struct vcpu *v, unsigned type, uint64_t addr, uint64_t kind, bool insert)
{
	static const enum dbg_hw_type types[] = {HW_NONE, HW_EXEC, HW_WRITE, HW_READ, HW_ACCESS};
	if (type == 0)
		return insert ? bp_sw_insert(v, addr) : bp_sw_remove(v->vm, addr);
	if (type > 4)
		return -EINVAL;
	return bp_hw_set(v->vm, insert, types[type], addr, kind);
}

void gdb_bp_clear_all(struct vm *vm)
{
	struct vm_dbg *d = vm->dbg;
	for (int i = 0; i < DBG_MAX_SWBP; i++)
		if (d->sw[i].used)
			bp_sw_remove(vm, d->sw[i].va);
	memset(d->hw, 0, sizeof(d->hw));
}
