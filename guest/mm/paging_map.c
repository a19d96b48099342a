/* SPDX-License-Identifier: MIT */
/*
 * guest/mm/paging_map.c - editing the kernel's 4-level tables: map with
 * the largest pages that fit, unmap and protect with large pages split at
 * the range edges, lookups. Intermediate entries are always present +
 * writable + executable, so the leaf alone decides the permissions
 * (SDM Vol 3A 5.6: the effective rights are the AND/OR over all levels).
 */
#include "guest/kernel/console.h"
#include "guest/arch/cpu.h"
#include "guest/arch/layout.h"
#include "guest/arch/mmio.h"
#include "guest/kernel/platform.h"
#include "lib/kstring/kstring.h"
#include "lib/heap/pages.h"
#include "paging.h"
#include "paging_impl.h"

struct paging_stats paging_stats;

#define TABLE_ENTRY (PTE_P | PTE_W | PTE_A)

static uint64_t level_size(int l)
{
	return 1ull << (12 + 9 * (l - 1));
}

static unsigned level_index(uint64_t va, int l)
{
	return (unsigned)(va >> (12 + 9 * (l - 1))) & 511;
}

static uint64_t *entry_table(uint64_t e)
{
	return phys_to_virt(e & PTE_ADDR);
}

static int entry_is_leaf(uint64_t e, int l)
{
	return l == 1 || (e & PTE_PS);
}

/* Physical address a leaf at level l maps (bit 12 is PAT in large leaves). */
static uint64_t leaf_addr(uint64_t e, int l)
{
	return e & PTE_ADDR & ~(level_size(l) - 1);
}

static uint64_t leaf_make(uint64_t pa, unsigned flags, int l)
{
	/* A/D preset: no locked update on first use (PG_TRACK_DIRTY: D is the CPU's) */
	uint64_t e = pa | PTE_P | PTE_A | (flags & PG_TRACK_DIRTY ? 0 : PTE_D);
	if (flags & PG_WRITE)
		e |= PTE_W;
	if (!(flags & PG_EXEC))
		e |= paging_nx_bit;
	if (flags & PG_UC)
		e |= PTE_PCD | PTE_PWT;
	else if (flags & PG_WT)
		e |= PTE_PWT;
	if (l > 1)
		e |= PTE_PS;
	return e;
}

static unsigned leaf_flags(uint64_t e)
{
	unsigned f = 0;
	if (e & PTE_W)
		f |= PG_WRITE;
	if (!(e & PTE_NX))
		f |= PG_EXEC;
	if ((e & (PTE_PCD | PTE_PWT)) == (PTE_PCD | PTE_PWT))
		f |= PG_UC;
	else if (e & PTE_PWT)
		f |= PG_WT;
	return f;
}

static int canonical(uint64_t va)
{
	return (uint64_t)((int64_t)(va << 16) >> 16) == va;
}

static uint64_t *table_alloc(void)
{
	uint64_t *t = pages_alloc(PAGE_4K, PAGE_4K);
	if (!t)
		return 0;
	/* before the switch only the early direct map (4 GiB) is writable */
	if (!paging_ready && (uint64_t)t - PK_DIRECT_MAP_BASE >= (4ull << 30)) {
		kprintf("paging: page table at 0x%lx is beyond the early direct map\n",
			(uint64_t)t - PK_DIRECT_MAP_BASE);
		platform_exit(PK_EXIT_PANIC);
	}
	memset(t, 0, PAGE_4K);
	paging_stats.table_pages++;
	return t;
}

static uint64_t table_phys(const uint64_t *t)
{
	return (uint64_t)t - PK_DIRECT_MAP_BASE;
}

/* Does the table of level-l entries map nothing at all? */
static int table_empty(const uint64_t *t, int l)
{
	for (unsigned i = 0; i < 512; i++) {
		if (!t[i])
			continue;
		if (entry_is_leaf(t[i], l) || !table_empty(entry_table(t[i]), l - 1))
			return 0;
	}
	return 1;
}

/* Tables unlinked but not yet free (paging_lock): another CPU's
 * paging-structure caches may still point at them until the shootdown
 * after the unlink has run everywhere (SDM Vol 3A 4.10.3.1, 4.10.4.1: an
 * INVLPG or a CR3 load drops those caches whatever the address). Linked
 * through word 0: a 4 KiB-aligned pointer has P (bit 0) clear, so a stale
 * walk through a parked table still finds nothing present. */
static uint64_t *tables_parked;

/* Unlinked table t of level-l entries and its subtables: parked. */
static void table_free(uint64_t *t, int l)
{
	for (unsigned i = 0; l > 1 && i < 512; i++)
		if (t[i] && !entry_is_leaf(t[i], l))
			table_free(entry_table(t[i]), l - 1);
	memset(t, 0, 8 * 512);
	t[0] = (uint64_t)tables_parked;
	tables_parked = t;
	paging_stats.table_pages--;
}

/* After a shootdown that followed the unlinks: hand parked tables back.
 * Any shootdown will do, not just the parker's own: each one starts after
 * the lock was released, so after every unlink made before it. */
static void tables_release(void)
{
	uint64_t f = spin_lock_irqsave(&paging_lock);
	uint64_t *t = tables_parked;
	tables_parked = 0;
	spin_unlock_irqrestore(&paging_lock, f);
	while (t) {
		uint64_t *next = (uint64_t *)t[0];
		t[0] = 0;
		pages_free(t, PAGE_4K);
		t = next;
	}
}

/* Replace the large leaf *e (level 2 or 3) by a table of 512 smaller
 * leaves with the same attributes (SDM Vol 3A 5.10.2.3: the caller then
 * invalidates, so no CPU keeps both sizes for long). */
static int leaf_split(uint64_t *e, int l)
{
	uint64_t *t = table_alloc();
	if (!t)
		return PG_ENOMEM;
	uint64_t old = *e, base = leaf_addr(old, l);
	uint64_t attrs = (old & 0xfffull & ~PTE_PS) | (old & PTE_NX);
	if (l - 1 == 1) {
		if (old & PTE_PAT_LARGE)
			attrs |= PTE_PAT_4K;
	} else {
		attrs |= PTE_PS | (old & PTE_PAT_LARGE);
	}
	for (unsigned i = 0; i < 512; i++)
		t[i] = (base + i * level_size(l - 1)) | attrs;
	__atomic_store_n(e, table_phys(t) | TABLE_ENTRY, __ATOMIC_RELEASE);
	paging_stats.splits++;
	return 0;
}

/* The entry for va at `level`, creating tables and splitting large pages
 * above it on the way; NULL when out of memory. */
static uint64_t *walk_create(uint64_t va, int level, int *structural)
{
	uint64_t *t = paging_root;
	for (int l = 4; l > level; l--) {
		uint64_t *e = &t[level_index(va, l)];
		if (!(*e & PTE_P)) {
			uint64_t *n = table_alloc();
			if (!n)
				return 0;
			__atomic_store_n(e, table_phys(n) | TABLE_ENTRY, __ATOMIC_RELEASE);
		} else if (entry_is_leaf(*e, l)) {
			if (leaf_split(e, l) < 0)
				return 0;
			*structural = 1;
		}
		t = entry_table(*e);
	}
	return &t[level_index(va, level)];
}

enum range_op { OP_CHECK, OP_UNMAP, OP_PROTECT };

/* Apply op to every page in [va, va+size): OP_CHECK fails with PG_ENOENT
 * on a hole; the others split large leaves that straddle the edges. */
static int range_apply(uint64_t va, uint64_t size, enum range_op op, unsigned flags,
		       int *structural)
{
	uint64_t v = va;
	while (v - va < size) {
		uint64_t *t = paging_root;
		for (int l = 4;; l--) {
			uint64_t *e = &t[level_index(v, l)];
			uint64_t span = level_size(l), next = (v & ~(span - 1)) + span;
			if (!(*e & PTE_P)) {
				if (op == OP_CHECK)
					return PG_ENOENT;
				v = next;
				break;
			}
			if (entry_is_leaf(*e, l)) {
				int whole = (v & (span - 1)) == 0 && size - (v - va) >= span;
				if (whole || op == OP_CHECK) {
					if (op == OP_UNMAP)
						__atomic_store_n(e, 0, __ATOMIC_RELEASE);
					else if (op == OP_PROTECT)
						*e = leaf_make(leaf_addr(*e, l), flags, l);
					v = next;
					break;
				}
				int rc = leaf_split(e, l);
				if (rc < 0)
					return rc;
				*structural = 1;
			}
			t = entry_table(*e);
		}
		if (v == 0)
			break; /* wrapped past the top of the address space */
	}
	return 0;
}

int paging_map_locked(uint64_t va, uint64_t pa, uint64_t size, unsigned flags, int *structural)
{
	uint64_t off = 0;
	int rc = 0;
	while (off < size) {
		uint64_t v = va + off, p = pa + off, rem = size - off;
		int l = 1;
		if (!(flags & (PG_MAX_4K | PG_MAX_2M)) && paging_have_1g &&
		    !((v | p) & (PAGE_1G_SIZE - 1)) && rem >= PAGE_1G_SIZE)
			l = 3;
		else if (!(flags & PG_MAX_4K) && !((v | p) & (PAGE_2M_SIZE - 1)) &&
			 rem >= PAGE_2M_SIZE)
			l = 2;
		uint64_t *e = walk_create(v, l, structural);
		if (!e) {
			rc = PG_ENOMEM;
			break;
		}
		if (*e & PTE_P) {
			/* an emptied table left by earlier unmaps can make way */
			if (l == 1 || entry_is_leaf(*e, l) ||
			    !table_empty(entry_table(*e), l - 1)) {
				rc = PG_EEXIST;
				break;
			}
			uint64_t *old = entry_table(*e);
			__atomic_store_n(e, 0, __ATOMIC_RELEASE);
			table_free(old, l - 1);
			*structural = 1;
		}
		__atomic_store_n(e, leaf_make(p, flags, l), __ATOMIC_RELEASE);
		off += level_size(l);
	}
	if (rc && off)
		range_apply(va, off, OP_UNMAP, 0, structural);
	return rc;
}

static int range_ok(uint64_t va, uint64_t size)
{
	return size && !((va | size) & (PAGE_4K - 1)) && canonical(va) &&
	       canonical(va + size - 1) && va + size - 1 >= va;
}

int paging_map(uint64_t va, uint64_t pa, uint64_t size, unsigned flags)
{
	if (!range_ok(va, size) || (pa & (PAGE_4K - 1)) || pa + size < pa)
		return PG_EINVAL;
	int structural = 0;
	uint64_t f = spin_lock_irqsave(&paging_lock);
	int rc = paging_map_locked(va, pa, size, flags, &structural);
	spin_unlock_irqrestore(&paging_lock, f);
	if (structural) {
		paging_shootdown(va, size);
		tables_release();
	}
	return rc;
}

int paging_unmap(uint64_t va, uint64_t size)
{
	if (!range_ok(va, size))
		return PG_EINVAL;
	int structural = 0;
	uint64_t f = spin_lock_irqsave(&paging_lock);
	int rc = range_apply(va, size, OP_UNMAP, 0, &structural);
	spin_unlock_irqrestore(&paging_lock, f);
	paging_shootdown(va, size);
	return rc;
}

int paging_protect(uint64_t va, uint64_t size, unsigned flags)
{
	if (!range_ok(va, size))
		return PG_EINVAL;
	int structural = 0;
	uint64_t f = spin_lock_irqsave(&paging_lock);
	int rc = range_apply(va, size, OP_CHECK, 0, &structural);
	if (!rc)
		rc = range_apply(va, size, OP_PROTECT, flags, &structural);
	spin_unlock_irqrestore(&paging_lock, f);
	if (!rc || structural)
		paging_shootdown(va, size);
	return rc;
}

int paging_query(uint64_t va, uint64_t *pa, unsigned *flags, uint64_t *page_size)
{
	if (!canonical(va))
		return PG_EINVAL;
	uint64_t f = spin_lock_irqsave(&paging_lock);
	uint64_t *t = paging_root;
	int rc = PG_ENOENT;
	for (int l = 4; l >= 1; l--) {
		uint64_t e = t[level_index(va, l)];
		if (!(e & PTE_P))
			break;
		if (entry_is_leaf(e, l)) {
			uint64_t sz = level_size(l);
			if (pa)
				*pa = leaf_addr(e, l) + (va & (sz - 1));
			if (flags)
				*flags = leaf_flags(e);
			if (page_size)
				*page_size = sz;
			rc = 0;
			break;
		}
		t = entry_table(e);
	}
	spin_unlock_irqrestore(&paging_lock, f);
	return rc;
}

/* The leaf mapping va: its entry (NULL in a hole) and *span, the bytes
 * from va to the end of that leaf or hole. Under paging_lock. */
static uint64_t *leaf_at(uint64_t va, uint64_t *span)
{
	uint64_t *t = paging_root;
	for (int l = 4; l >= 1; l--) {
		uint64_t *e = &t[level_index(va, l)];
		uint64_t sz = level_size(l);
		*span = sz - (va & (sz - 1));
		if (!(*e & PTE_P))
			return 0;
		if (entry_is_leaf(*e, l))
			return e;
		t = entry_table(*e);
	}
	return 0;
}

uint64_t paging_next_dirty(uint64_t va, uint64_t end, uint64_t *len)
{
	uint64_t f = spin_lock_irqsave(&paging_lock), start = end, span;
	*len = 0;
	while (va < end && canonical(va)) {
		uint64_t *e = leaf_at(va, &span);
		int dirty = e && (__atomic_load_n(e, __ATOMIC_RELAXED) & PTE_D);
		if (span > end - va)
			span = end - va;
		if (dirty && start == end)
			start = va;
		else if (!dirty && start != end)
			break; /* the run ended */
		if (dirty)
			*len += span;
		if (va + span < va)
			break;
		va += span;
	}
	spin_unlock_irqrestore(&paging_lock, f);
	return start;
}

void paging_set_dirty(uint64_t va, uint64_t size)
{
	uint64_t f = spin_lock_irqsave(&paging_lock), end = va + size, span;
	while (va < end && canonical(va)) {
		uint64_t *e = leaf_at(va, &span);
		if (e) /* an atomic OR: the CPU may set A or D at the same time */
			__atomic_fetch_or(e, PTE_D, __ATOMIC_RELAXED);
		if (va + span < va)
			break;
		va += span;
	}
	spin_unlock_irqrestore(&paging_lock, f);
}

int paging_guard(void *page)
{
	return paging_unmap((uint64_t)page, PAGE_4K);
}

int paging_unguard(void *page)
{
	uint64_t va = (uint64_t)page;
	if (va < PK_DIRECT_MAP_BASE || va >= PK_KERNEL_VMA)
		return PG_EINVAL;
	return paging_map(va, va - PK_DIRECT_MAP_BASE, PAGE_4K, PG_WRITE);
}
