/* SPDX-License-Identifier: MIT */
/*
 * guest/linux/vm.c - the program's memory map: image, stacks, brk and
 * mmap regions in the lower half of the one address space, each backed by
 * physically contiguous frames from the frame allocator (2 MiB aligned,
 * so 2 MiB pages, when the size allows) or not backed at all (PROT_NONE
 * reservations: glibc reserves 64 MiB per malloc arena that way, and
 * frames appear when mprotect makes a part accessible). The table of
 * regions is what every user pointer is checked against (EFAULT).
 */
#include "guest/arch/spinlock.h"
#include "guest/arch/trap.h"
#include "guest/kernel/console.h"
#include "lib/kstring/kstring.h"
#include "lib/heap/pages.h"
#include "guest/mm/paging.h"
#include "fd.h"
#include "linux.h"

struct vma {
	uint64_t start, end;
	int prot;
	uint8_t *kern; /* direct-map address of start's frame, NULL: not backed */
};
#define VMA_MAX 4096
static struct vma vmas[VMA_MAX];
static unsigned nvma;
static struct spinlock vm_lock = SPINLOCK_INIT;
static uint64_t brk_start, brk_cur, brk_mapped;

#define PG 4096ull
static uint64_t pg_up(uint64_t v)
{
	return (v + PG - 1) & ~(PG - 1);
}

static unsigned pg_flags(int prot)
{
	return (prot & LINUX_PROT_WRITE ? PG_WRITE : 0) | (prot & LINUX_PROT_EXEC ? PG_EXEC : 0);
}

/* First vma whose end is above va (binary search; nvma if none). */
static unsigned vma_find(uint64_t va)
{
	unsigned lo = 0, hi = nvma;
	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;
		if (vmas[mid].end <= va)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int vma_insert(struct vma v)
{
	if (nvma == VMA_MAX)
		return -ENOMEM;
	unsigned i = vma_find(v.start);
	memmove(&vmas[i + 1], &vmas[i], (nvma - i) * sizeof(vmas[0]));
	vmas[i] = v;
	nvma++;
	return 0;
}

/* Cut the vma containing va so that one starts at va. */
static int vma_split(uint64_t va)
{
	unsigned i = vma_find(va);
	if (i == nvma || vmas[i].start >= va)
		return 0;
	struct vma hi = vmas[i];
	hi.start = va;
	if (hi.kern)
		hi.kern += va - vmas[i].start;
	vmas[i].end = va;
	return vma_insert(hi);
}

static int range_free(uint64_t va, uint64_t len)
{
	unsigned i = vma_find(va);
	return i == nvma || vmas[i].start >= va + len;
}

/* Back [va, va+len) with zeroed frames and map it (vm_lock held). */
static int vm_back(uint64_t va, uint64_t len, int prot, uint8_t **kern)
{
	size_t align =
		(len >= PAGE_2M && !(va & (PAGE_2M - 1)) && !(len & (PAGE_2M - 1))) ? PAGE_2M : PG;
	uint8_t *k = pages_alloc(len, align);
	if (!k)
		return -ENOMEM;
	memset(k, 0, len);
	/* PROT_NONE pages stay mapped read-only (uaccess refuses them) */
	int rc = paging_map(va, (uint64_t)k - PK_DIRECT_MAP_BASE, len, pg_flags(prot));
	if (rc) {
		pages_free(k, len);
		return rc == PG_EEXIST ? -EEXIST : -ENOMEM;
	}
	*kern = k;
	return 0;
}

static int vm_map_locked(uint64_t va, uint64_t len, int prot, int backed, void **kern)
{
	if ((va | len) & (PG - 1) || !len || va + len < va || va + len > LINUX_STACK_TOP ||
	    va < 0x200000)
		return -EINVAL;
	if (!range_free(va, len))
		return -EEXIST;
	uint8_t *k = 0;
	if (backed) {
		int rc = vm_back(va, len, prot, &k);
		if (rc)
			return rc;
	}
	int rc = vma_insert((struct vma){va, va + len, prot, k});
	if (rc && k) {
		paging_unmap(va, len);
		pages_free(k, len);
	}
	if (kern)
		*kern = k;
	return rc;
}

int linux_vm_map(uint64_t va, uint64_t len, int prot, void **kern)
{
	spin_lock(&vm_lock);
	int rc = vm_map_locked(va, len, prot, 1, kern);
	spin_unlock(&vm_lock);
	return rc;
}

static int vm_unmap_locked(uint64_t va, uint64_t len)
{
	if ((va | len) & (PG - 1) || va + len < va)
		return -EINVAL;
	if (vma_split(va) || vma_split(va + len))
		return -ENOMEM;
	unsigned i = vma_find(va);
	while (i < nvma && vmas[i].start < va + len) {
		struct vma *v = &vmas[i];
		if (v->kern) {
			paging_unmap(v->start, v->end - v->start); /* shoots the TLBs down */
			pages_free(v->kern, v->end - v->start);
		}
		memmove(v, v + 1, (nvma - i - 1) * sizeof(*v));
		nvma--;
	}
	return 0;
}

int linux_vm_unmap(uint64_t va, uint64_t len)
{
	spin_lock(&vm_lock);
	int rc = vm_unmap_locked(va, len);
	spin_unlock(&vm_lock);
	return rc;
}

int linux_uaccess_ok(uint64_t p, uint64_t n, int write)
{
	if (!n)
		return 1;
	if (p + n < p || p + n > LINUX_STACK_TOP)
		return 0;
	int ok = 1;
	spin_lock(&vm_lock);
	unsigned i = vma_find(p);
	uint64_t at = p;
	while (at < p + n) {
		if (i == nvma || vmas[i].start > at || !vmas[i].kern ||
		    !(vmas[i].prot & (write ? LINUX_PROT_WRITE : LINUX_PROT_READ))) {
			ok = 0;
			break;
		}
		at = vmas[i++].end;
	}
	spin_unlock(&vm_lock);
	return ok;
}

int linux_copy_in(void *dst, uint64_t usrc, size_t n)
{
	if (!linux_uaccess_ok(usrc, n, 0) || probe_copy(dst, (const void *)usrc, n))
		return -EFAULT;
	return 0;
}

int linux_copy_out(uint64_t udst, const void *src, size_t n)
{
	if (!linux_uaccess_ok(udst, n, 1) || probe_copy((void *)udst, src, n))
		return -EFAULT;
	return 0;
}

struct u32_op {
	uint32_t *p, v;
	int store;
};

static void u32_run(void *arg)
{
	struct u32_op *o = arg;
	if (o->store)
		__atomic_store_n(o->p, o->v, __ATOMIC_RELEASE);
	else
		o->v = __atomic_load_n(o->p, __ATOMIC_SEQ_CST);
}

/* One aligned 32-bit access (a futex word): atomic, and fault-safe. */
static int u32_access(uint64_t u, uint32_t *v, int store)
{
	if ((u & 3) || !linux_uaccess_ok(u, 4, store))
		return -EFAULT;
	struct u32_op o = {(uint32_t *)u, *v, store};
	struct fault_probe fp;
	if (trap_probe(u32_run, &o, &fp) >= 0)
		return -EFAULT;
	*v = o.v;
	return 0;
}

int linux_get_u32(uint64_t u, uint32_t *v)
{
	return u32_access(u, v, 0);
}

int linux_put_u32(uint64_t u, uint32_t v)
{
	return u32_access(u, &v, 1);
}

long linux_ustr(uint64_t p, char *out, size_t max)
{
	size_t i = 0;
	while (i < max) {
		/* page by page: a string may end right before unmapped memory */
		size_t k = PG - ((p + i) & (PG - 1));
		if (k > max - i)
			k = max - i;
		if (linux_copy_in(out + i, p + i, k))
			return -EFAULT;
		for (size_t e = i + k; i < e; i++)
			if (!out[i])
				return (long)i;
	}
	return -ENAMETOOLONG;
}

void linux_vm_set_brk(uint64_t start)
{
	brk_start = brk_cur = brk_mapped = pg_up(start);
}

/* brk(2): the heap above the image, grown in 2 MiB steps (one frame run
 * and, aligned, one large page each); it never shrinks its mapping. */
static long sys_brk(uint64_t want)
{
	spin_lock(&vm_lock);
	if (want >= brk_start && want - brk_start <= LINUX_BRK_MAX) {
		while (want > brk_mapped) {
			uint64_t step = PAGE_2M - (brk_mapped & (PAGE_2M - 1));
			if (vm_map_locked(brk_mapped, step, LINUX_PROT_READ | LINUX_PROT_WRITE, 1,
					  0))
				break;
			brk_mapped += step;
		}
		if (want <= brk_mapped)
			brk_cur = want;
	}
	long rc = (long)brk_cur;
	spin_unlock(&vm_lock);
	return rc;
}
LINUX_SYS(12, brk, sys_brk, "x");

#define MAP_SHARED 0x01
#define MAP_PRIVATE 0x02
#define MAP_FIXED 0x10
#define MAP_ANONYMOUS 0x20
#define MAP_FIXED_NOREPLACE 0x100000

/* A free range of len bytes in the mmap area, 2 MiB aligned when large. */
static uint64_t vm_gap(uint64_t len)
{
	uint64_t align = len >= PAGE_2M ? PAGE_2M : PG;
	uint64_t at = LINUX_MMAP_BASE;
	for (unsigned i = vma_find(at); i <= nvma; i++) {
		uint64_t end = i < nvma ? vmas[i].start : LINUX_MMAP_TOP;
		at = (at + align - 1) & ~(align - 1);
		if (end > at && end - at >= len)
			return at;
		if (i < nvma && vmas[i].end > at)
			at = vmas[i].end;
	}
	return 0;
}

static long sys_mmap(uint64_t addr, uint64_t len, long prot, long flags, long fd, uint64_t off)
{
	if (!len || len > LINUX_MMAP_TOP || (off & (PG - 1)) || (addr & (PG - 1)))
		return -EINVAL;
	len = pg_up(len);
	int anon = flags & MAP_ANONYMOUS;
	if (!(flags & (MAP_SHARED | MAP_PRIVATE)))
		return -EINVAL;
	/* one process: a shared anonymous mapping is a private one; a shared
	 * file mapping would need the vfs to see our writes */
	if (!anon && (flags & MAP_SHARED) && (prot & LINUX_PROT_WRITE))
		return -ENODEV;
	spin_lock(&vm_lock);
	uint64_t va;
	long rc = 0;
	if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
		va = addr;
		if (!range_free(va, len)) {
			if (flags & MAP_FIXED_NOREPLACE)
				rc = -EEXIST;
			else
				rc = vm_unmap_locked(va, len);
		}
	} else {
		va = vm_gap(len);
		if (!va)
			rc = -ENOMEM;
	}
	void *k = 0;
	if (!rc)
		rc = vm_map_locked(va, len, (int)prot, prot != 0 || !anon, &k);
	spin_unlock(&vm_lock);
	if (rc)
		return rc == -EEXIST && !(flags & MAP_FIXED_NOREPLACE) ? -ENOMEM : rc;
	if (!anon) {
		/* MAP_PRIVATE of a file: a copy, read now (kernel pointer k) */
		long got = linux_fd_pread((int)fd, k, len, off);
		if (got < 0) {
			linux_vm_unmap(va, len);
			return got;
		}
	}
	return (long)va;
}
LINUX_SYS(9, mmap, sys_mmap, "xxxxdx");

static long sys_munmap(uint64_t addr, uint64_t len)
{
	if (!len)
		return -EINVAL;
	return linux_vm_unmap(addr, pg_up(len));
}
LINUX_SYS(11, munmap, sys_munmap, "xx");

long linux_vm_protect(uint64_t addr, uint64_t len, long prot)
{
	if (addr & (PG - 1))
		return -EINVAL;
	len = pg_up(len);
	if (!len)
		return 0;
	spin_lock(&vm_lock);
	long rc = 0;
	/* every page must be mapped (Linux: ENOMEM otherwise) */
	uint64_t at = addr;
	for (unsigned i = vma_find(addr); at < addr + len; i++) {
		if (i == nvma || vmas[i].start > at) {
			rc = -ENOMEM;
			break;
		}
		at = vmas[i].end;
	}
	if (!rc && (vma_split(addr) || vma_split(addr + len)))
		rc = -ENOMEM;
	for (unsigned i = vma_find(addr); !rc && i < nvma && vmas[i].start < addr + len; i++) {
		struct vma *v = &vmas[i];
		if (!v->kern && prot) {
			rc = vm_back(v->start, v->end - v->start, (int)prot, &v->kern);
		} else if (v->kern) {
			int pr = paging_protect(v->start, v->end - v->start, pg_flags((int)prot));
			rc = pr ? -ENOMEM : 0;
		}
		if (!rc)
			v->prot = (int)prot;
	}
	spin_unlock(&vm_lock);
	return rc;
}
LINUX_SYS(10, mprotect, linux_vm_protect, "xxx");

#define MREMAP_MAYMOVE 1
static long sys_mremap(uint64_t old, uint64_t old_len, uint64_t new_len, long flags)
{
	if (old & (PG - 1) || !new_len || (flags & ~MREMAP_MAYMOVE))
		return -EINVAL;
	old_len = pg_up(old_len);
	new_len = pg_up(new_len);
	if (!linux_uaccess_ok(old, old_len, 0))
		return -EFAULT;
	if (new_len <= old_len) {
		if (new_len < old_len)
			linux_vm_unmap(old + new_len, old_len - new_len);
		return (long)old;
	}
	spin_lock(&vm_lock);
	int prot = vmas[vma_find(old)].prot;
	long rc = range_free(old + old_len, new_len - old_len)
			  ? vm_map_locked(old + old_len, new_len - old_len, prot, 1, 0)
			  : -ENOMEM;
	spin_unlock(&vm_lock);
	if (!rc)
		return (long)old; /* grown in place */
	if (!(flags & MREMAP_MAYMOVE))
		return -ENOMEM;
	long nva = sys_mmap(0, new_len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (nva < 0)
		return nva;
	/* old and nva may go (munmap by another thread) while this copies */
	if (probe_copy((void *)nva, (const void *)old, old_len)) {
		linux_vm_unmap((uint64_t)nva, new_len);
		return -EFAULT;
	}
	linux_vm_unmap(old, old_len);
	return nva;
}
LINUX_SYS(25, mremap, sys_mremap, "xxxx");

#define MADV_DONTNEED 4
static long sys_madvise(uint64_t addr, uint64_t len, long advice)
{
	if (addr & (PG - 1))
		return -EINVAL;
	len = pg_up(len);
	if (!linux_uaccess_ok(addr, len, 0))
		return -ENOMEM;
	/* private anonymous memory reads back as zero after DONTNEED */
	if (advice == MADV_DONTNEED && linux_uaccess_ok(addr, len, 1) &&
	    probe_zero((void *)addr, len))
		return -ENOMEM; /* unmapped meanwhile, as Linux says for a hole */
	return 0;
}
LINUX_SYS(28, madvise, sys_madvise, "xxd");
