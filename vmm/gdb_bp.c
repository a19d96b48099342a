/* SPDX-License-Identifier: MIT */
/*
 * vmm/gdb_bp.c - gdb's Z/z breakpoints: type 0 plants int3 in guest RAM
 * (found through the vCPU's page tables, kept by physical address in
 * gdb_swbp.c; KVM_GUESTDBG_USE_SW_BP makes the #BP exit to us), types 1-4 take one of DR0-DR3
 * (pause.c loads them into every vCPU with KVM_SET_GUEST_DEBUG).
 */
#include <errno.h>
#include <string.h>

#include "gdb.h"
#include "kvm.h"

static int bp_translate(void *ctx, uint64_t va, uint64_t *pa)
{
	return dbg_translate(ctx, va, pa);
}

static uint8_t *bp_byte(void *ctx, uint64_t pa)
{
	struct vcpu *v = ctx;
	return mem_ptr(&v->vm->mem, pa, 1);
}

/* translation through vCPU v's live CR3, like gdb_mem.c */
static struct swbp_mem bp_mem(struct vcpu *v)
{
	return (struct swbp_mem){.ctx = v, .translate = bp_translate, .byte = bp_byte};
}

bool gdb_bp_owns(struct vcpu *v, uint64_t pc)
{
	struct swbp_mem m = bp_mem(v);
	return swbp_owns(v->vm->dbg->sw, &m, pc);
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
	struct swbp_mem m = bp_mem(v);
	if (type == 0)
		return insert ? swbp_insert(v->vm->dbg->sw, &m, addr)
			      : swbp_remove(v->vm->dbg->sw, &m, addr);
	if (type > 4)
		return -EINVAL;
	return bp_hw_set(v->vm, insert, types[type], addr, kind);
}

void gdb_bp_clear_all(struct vm *vm)
{
	struct vm_dbg *d = vm->dbg;
	/* restoring needs RAM only, no translation: any vCPU will do */
	struct swbp_mem m = bp_mem(&vm->vcpus[0]);
	swbp_clear(d->sw, &m);
	memset(d->hw, 0, sizeof(d->hw));
}
