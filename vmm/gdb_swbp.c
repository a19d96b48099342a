/* SPDX-License-Identifier: MIT */
/*
 * vmm/gdb_swbp.c - the software breakpoint table, keyed by guest-PHYSICAL
 * address. An int3 is a byte in RAM, not in an address space: the kernel
 * reaches its text both at PK_KERNEL_VMA and through the direct map, so
 * a table keyed by virtual address would, after Z0 through one alias and
 * z0 through the other, leave the int3 behind. Pure (translation and RAM
 * come through struct swbp_mem), so tests/unit/test_gdb_bp.c runs it.
 */
#include <errno.h>

#include "gdb.h"

static struct dbg_swbp *swbp_find(struct dbg_swbp *t, uint64_t pa)
{
	for (int i = 0; i < DBG_MAX_SWBP; i++)
		if (t[i].used && t[i].pa == pa)
			return &t[i];
	return 0;
}

int swbp_insert(struct dbg_swbp *t, const struct swbp_mem *m, uint64_t va)
{
	uint64_t pa;
	if (m->translate(m->ctx, va, &pa) < 0)
		return -EFAULT;
	if (swbp_find(t, pa))
		return 0; /* Z packets are idempotent (gdb docs E.4 "Z0") */
	struct dbg_swbp *slot = 0;
	for (int i = 0; i < DBG_MAX_SWBP && !slot; i++)
		if (!t[i].used)
			slot = &t[i];
	if (!slot)
		return -ENOSPC;
	uint8_t *h = m->byte(m->ctx, pa);
	if (!h)
		return -EFAULT;
	*slot = (struct dbg_swbp){.va = va, .pa = pa, .orig = *h, .used = true};
	*h = 0xcc; /* int3 */
	return 0;
}

static void swbp_restore(struct dbg_swbp *b, const struct swbp_mem *m)
{
	uint8_t *h = m->byte(m->ctx, b->pa);
	if (h)
		*h = b->orig;
	b->used = false;
}

int swbp_remove(struct dbg_swbp *t, const struct swbp_mem *m, uint64_t va)
{
	uint64_t pa;
	struct dbg_swbp *b = 0;
	if (m->translate(m->ctx, va, &pa) == 0)
		b = swbp_find(t, pa);
	/* va no longer maps (the guest changed its tables): the address
	 * gdb inserted it at still names it */
	for (int i = 0; i < DBG_MAX_SWBP && !b; i++)
		if (t[i].used && t[i].va == va)
			b = &t[i];
	if (!b)
		return -ENOENT;
	swbp_restore(b, m);
	return 0;
}

void swbp_clear(struct dbg_swbp *t, const struct swbp_mem *m)
{
	for (int i = 0; i < DBG_MAX_SWBP; i++)
		if (t[i].used)
			swbp_restore(&t[i], m);
}

bool swbp_owns(const struct dbg_swbp *t, const struct swbp_mem *m, uint64_t va)
{
	bool any = false;
	for (int i = 0; i < DBG_MAX_SWBP; i++) {
		if (t[i].used && t[i].va == va)
			return true; /* the common case: no translation needed */
		any |= t[i].used;
	}
	uint64_t pa;
	return any && m->translate(m->ctx, va, &pa) == 0 &&
	       swbp_find((struct dbg_swbp *)t, pa) != 0;
}
