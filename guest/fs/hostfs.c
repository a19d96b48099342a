/* SPDX-License-Identifier: MIT */
/*
 * guest/fs/hostfs.c - the vmm's shares (`vmm --share HOST:GUEST[:ro]`)
 * through the file hypercalls of proto/fs.h; one mount per share.
 *
 * A call fills a request in this CPU's slot with interrupts off and makes
 * the (synchronous) hypercall: nothing else can run on this CPU in
 * between, so the slot needs no lock and no CPU ever spins while another
 * waits for the vmm. The request structs live in .bss (below 4 GiB, as
 * the port's 32-bit EAX needs); the path copies, segment list and bounce
 * buffers in a kmalloc'd scratch per CPU (direct-mapped, so physically
 * contiguous). Data buffers are the caller's own memory: each call
 * translates up to PK_FS_IO_MAX bytes of it, page by page through the
 * kernel's page tables, into a list of physical runs, so a 1 MiB read is
 * one exit wherever its pages are. The walk and the hypercall run with
 * interrupts off: a CPU that unmaps that memory meanwhile (a program's
 * munmap on another thread) frees its frames only after every CPU took
 * its TLB shootdown IPI (guest/mm/paging_tlb.c), so the frames the vmm
 * writes stay the buffer's until the call returns; memory unmapped
 * before the walk ends the run there (-EFAULT when nothing is left).
 */
#include "guest/arch/cpu.h"
#include "guest/arch/percpu.h"
#include "guest/arch/spinlock.h"
#include "guest/arch/trap.h"
#include "guest/kernel/bootinfo.h"
#include "guest/kernel/console.h"
#include "guest/kernel/hypercall.h"
#include "lib/kstring/kstring.h"
#include "lib/heap/heap.h"
#include "guest/mm/paging.h"
#include "proto/fs.h"
#include "fs.h"
#include "fs_errno.h"

#define HFS_DENTS 4096 /* bytes of records per getdents call */
/* Read-ahead (docs/programs.md "Host files: what a program sees"): a
 * read smaller than HFS_RA_SMALL is served from a per-open-file window of
 * up to HFS_RA_WINDOW bytes, filled by one exit, instead of an exit of
 * its own (64 B reads were 50x their native time). */
#define HFS_RA_WINDOW (64 * 1024)
#define HFS_RA_SMALL (16 * 1024)
#define HFS_SHARES_MAX 64 /* share_info is asked 0, 1, ... until -ENOENT */

union hfs_req {
	struct pk_hc_hdr hdr;
	struct pk_hc_fs_share_info info;
	struct pk_hc_fs_open open;
	struct pk_hc_fs_close close;
	struct pk_hc_fs_io io;
	struct pk_hc_fs_fstat fstat;
	struct pk_hc_fs_getdents dents;
	struct pk_hc_fs_ftruncate trunc;
	struct pk_hc_fs_fsync fsync;
	struct pk_hc_fs_pathop pathop;
};

struct hfs_scratch {
	struct pk_fs_seg segs[PK_FS_SEG_MAX];
	struct pk_fs_stat st;
	char path[PK_FS_PATH_MAX], to[PK_FS_PATH_MAX];
	char dents[HFS_DENTS];
	char guest[PK_FS_GUEST_PATH_MAX];
};

static union hfs_req hfs_reqs[PK_MAX_CPUS] __attribute__((aligned(64)));
static struct hfs_scratch *hfs_scratch[PK_MAX_CPUS];

struct hfs_mount {
	uint32_t share;
};

/* One open file's read-ahead window (vfs_file.node), made on its first
 * small read. Valid while gen is hfs_write_gen: every write, truncate
 * or path change made through the guest bumps that, so no window shows
 * data older than the guest's own last write to any share. */
struct hfs_ra {
	struct spinlock lock; /* held across the fill's hypercall */
	uint64_t off;	      /* file offset of buf[0] */
	uint32_t len;	      /* bytes valid */
	uint64_t gen;
	uint8_t buf[HFS_RA_WINDOW];
};
static uint64_t hfs_write_gen = 1;

static void hfs_written(void)
{
	__atomic_fetch_add(&hfs_write_gen, 1, __ATOMIC_ACQ_REL);
}

/* This CPU's scratch, made on its first call (with interrupts on). Tasks
 * are pinned and switch only when they yield, which no hostfs call does,
 * so the scratch stays this caller's until it returns. */
static struct hfs_scratch *hfs_cpu_scratch(void)
{
	uint32_t cpu = this_cpu()->index;
	if (!hfs_scratch[cpu])
		hfs_scratch[cpu] = kmalloc(sizeof(struct hfs_scratch));
	return hfs_scratch[cpu];
}

/* This CPU's request slot, zeroed, with interrupts off (*irq restores
 * them): from here to the hypercall's answer nothing else runs here. */
static union hfs_req *hfs_req_begin(uint64_t *irq)
{
	*irq = irq_save();
	union hfs_req *r = &hfs_reqs[this_cpu()->index];
	memset(r, 0, sizeof(*r));
	return r;
}

/* Both: NULL without memory. */
static struct hfs_scratch *hfs_enter(union hfs_req **req, uint64_t *irq)
{
	struct hfs_scratch *s = hfs_cpu_scratch();
	if (s)
		*req = hfs_req_begin(irq);
	return s;
}

static uint64_t hfs_pa(const void *p)
{
	return kvirt_to_phys(p);
}

/* rel (NUL-terminated, checked by the VFS) into s->path / s->to */
static uint32_t hfs_path(char *dst, const char *rel)
{
	size_t n = strlen(rel);
	if (n > PK_FS_PATH_MAX)
		n = PK_FS_PATH_MAX; /* the VFS refused longer ones */
	memcpy(dst, rel, n);
	return (uint32_t)n;
}

static void hfs_stat_conv(const struct pk_fs_stat *h, struct vfs_stat *st)
{
	*st = (struct vfs_stat){.ino = h->ino,
				.size = h->size,
				.blocks = h->blocks,
				.mode = h->mode,
				.nlink = h->nlink,
				.blksize = h->blksize,
				.atime_ns = h->atime_ns,
				.mtime_ns = h->mtime_ns,
				.ctime_ns = h->ctime_ns};
}

static uint32_t hfs_share(const struct mount *m)
{
	return ((const struct hfs_mount *)m->ctx)->share;
}

/* open or (st != 0, flags |= PK_FS_OPEN_STAT) stat */
static int hfs_open_call(struct mount *m, const char *rel, uint32_t flags, uint32_t mode,
			 uint32_t *handle, struct vfs_stat *st)
{
	union hfs_req *r;
	uint64_t irq;
	struct hfs_scratch *s = hfs_enter(&r, &irq);
	if (!s)
		return -ENOMEM;
	r->open = (struct pk_hc_fs_open){.share = hfs_share(m),
					 .flags = flags,
					 .path = hfs_pa(s->path),
					 .path_len = hfs_path(s->path, rel),
					 .mode = mode,
					 .stat = hfs_pa(&s->st)};
	int rc = (int)hypercall(PK_HC_FS_OPEN, r);
	if (rc == 0 && st)
		hfs_stat_conv(&s->st, st);
	if (rc == 0 && handle)
		*handle = r->open.handle;
	irq_restore(irq);
	return rc;
}

static int hfs_open(struct mount *m, const char *rel, int flags, uint32_t mode, struct vfs_file *f)
{
	struct vfs_stat st;
	if (flags & 3) /* opened for writing (O_TRUNC, O_CREAT): old windows go */
		hfs_written();
	int rc = hfs_open_call(m, rel, (uint32_t)flags & ~PK_FS_OPEN_STAT, mode, &f->handle, &st);
	if (rc == 0)
		f->mode = st.mode;
	return rc;
}

static int hfs_stat(struct mount *m, const char *rel, struct vfs_stat *st)
{
	return hfs_open_call(m, rel, PK_FS_OPEN_STAT, 0, 0, st);
}

/* [buf, buf+n) as physical runs in s->segs: the bytes covered (<= n, at
 * most PK_FS_IO_MAX, fewer when the segments run out or a page is not
 * mapped); 0 if buf is not mapped (unmapped since the syscall layer
 * checked it). paging_query takes its lock with interrupts saved. */
static size_t hfs_segs(struct hfs_scratch *s, const void *buf, size_t n, int fill, uint32_t *nseg)
{
	uint64_t va = (uint64_t)buf, done = 0;
	uint32_t k = 0;
	if (n > PK_FS_IO_MAX)
		n = PK_FS_IO_MAX;
	while (done < n) {
		uint64_t pa, psz;
		unsigned fl;
		if (paging_query(va + done, &pa, &fl, &psz) < 0)
			break;
		uint64_t run = psz - ((va + done) & (psz - 1));
		if (run > n - done)
			run = n - done;
		/* the vmm writes these frames by address, past the dirty bits
		 * MADV_DONTNEED goes by (paging.h PG_TRACK_DIRTY) */
		if (fill)
			paging_set_dirty(va + done, run);
		if (k && s->segs[k - 1].gpa + s->segs[k - 1].len == pa) {
			s->segs[k - 1].len += run;
		} else {
			if (k == PK_FS_SEG_MAX)
				break;
			s->segs[k++] = (struct pk_fs_seg){pa, run};
		}
		done += run;
	}
	*nseg = k;
	return (size_t)done;
}

static long hfs_io(struct vfs_file *f, void *buf, size_t n, uint64_t off, unsigned nr)
{
	long total = 0;
	while (n) {
		struct hfs_scratch *s = hfs_cpu_scratch();
		if (!s)
			return total ? total : -ENOMEM;
		/* walk and call with interrupts off: see the top of the file */
		uint64_t irq;
		union hfs_req *r = hfs_req_begin(&irq);
		uint32_t nseg;
		size_t chunk = hfs_segs(s, buf, n, nr == PK_HC_FS_PREAD, &nseg);
		if (!chunk) {
			irq_restore(irq);
			return total ? total : -EFAULT;
		}
		r->io = (struct pk_hc_fs_io){
			.handle = f->handle, .nseg = nseg, .segs = hfs_pa(s->segs), .off = off};
		long got = (long)hypercall(nr, r);
		irq_restore(irq);
		if (got < 0)
			return total ? total : got;
		total += got;
		if ((size_t)got < chunk)
			break; /* end of file (or a short write): the caller sees it */
		buf = (uint8_t *)buf + got;
		n -= (size_t)got;
		off += (uint64_t)got;
	}
	return total;
}

/* A small read from the window, refilled from off when it does not hold
 * all of [off, off+n): the bytes copied, or a negative errno. */
static long hfs_ra_read(struct vfs_file *f, struct hfs_ra *ra, void *buf, size_t n, uint64_t off)
{
	spin_lock(&ra->lock);
	uint64_t gen = __atomic_load_n(&hfs_write_gen, __ATOMIC_ACQUIRE);
	if (ra->gen != gen || off < ra->off || off + n > ra->off + ra->len) {
		ra->len = 0;
		long got = hfs_io(f, ra->buf, HFS_RA_WINDOW, off, PK_HC_FS_PREAD);
		if (got < 0) {
			spin_unlock(&ra->lock);
			return got;
		}
		ra->off = off;
		ra->len = (uint32_t)got;
		ra->gen = gen; /* a write racing with the fill bumped it: next read refills */
	}
	uint64_t at = off - ra->off;
	size_t k = at < ra->len ? (size_t)(ra->len - at) : 0;
	if (k > n)
		k = n;
	/* buf is the caller's (program) memory: fault-safe (vfs.h) */
	long rc = probe_copy(buf, ra->buf + at, k) ? -EFAULT : (long)k;
	spin_unlock(&ra->lock);
	return rc;
}

static long hfs_pread(struct vfs_file *f, void *buf, size_t n, uint64_t off)
{
	if (n >= HFS_RA_SMALL || !n)
		return hfs_io(f, buf, n, off, PK_HC_FS_PREAD);
	struct hfs_ra *ra = __atomic_load_n((struct hfs_ra **)&f->node, __ATOMIC_ACQUIRE);
	if (!ra) {
		struct hfs_ra *fresh = kmalloc(sizeof(*fresh));
		if (!fresh) /* no memory for a window: straight from the host */
			return hfs_io(f, buf, n, off, PK_HC_FS_PREAD);
		fresh->lock = (struct spinlock)SPINLOCK_INIT;
		fresh->off = fresh->len = 0;
		fresh->gen = 0;
		void *none = 0;
		if (__atomic_compare_exchange_n(&f->node, &none, fresh, 0, __ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE))
			ra = fresh;
		else
			kfree(fresh), ra = none; /* another reader of this file won */
	}
	return hfs_ra_read(f, ra, buf, n, off);
}

static long hfs_pwrite(struct vfs_file *f, const void *buf, size_t n, uint64_t off)
{
	/* the bump after the write is the one that matters: a fill that read
	 * the generation before it is stale from then on, one that read it
	 * after it sees the written bytes; the first only ends windows early */
	hfs_written();
	long rc = hfs_io(f, (void *)buf, n, off, PK_HC_FS_PWRITE);
	hfs_written();
	return rc;
}

static int hfs_fstat(struct vfs_file *f, struct vfs_stat *st)
{
	union hfs_req *r;
	uint64_t irq;
	struct hfs_scratch *s = hfs_enter(&r, &irq);
	if (!s)
		return -ENOMEM;
	r->fstat = (struct pk_hc_fs_fstat){.handle = f->handle, .stat = hfs_pa(&s->st)};
	int rc = (int)hypercall(PK_HC_FS_FSTAT, r);
	if (rc == 0)
		hfs_stat_conv(&s->st, st);
	irq_restore(irq);
	return rc;
}

static long hfs_getdents(struct vfs_file *f, void *buf, size_t n, uint64_t *cookie)
{
	union hfs_req *r;
	uint64_t irq;
	struct hfs_scratch *s = hfs_enter(&r, &irq);
	if (!s)
		return -ENOMEM;
	r->dents = (struct pk_hc_fs_getdents){.handle = f->handle,
					      .buf = hfs_pa(s->dents),
					      .len = n < HFS_DENTS ? n : HFS_DENTS,
					      .cookie = *cookie};
	long rc = (long)hypercall(PK_HC_FS_GETDENTS, r);
	if (rc > 0 && (size_t)rc <= n) {
		memcpy(buf, s->dents, (size_t)rc);
		*cookie = r->dents.cookie;
	} else if (rc > 0) {
		rc = -EIO; /* the vmm wrote more than it was given room for */
	}
	irq_restore(irq);
	return rc;
}

/* The one-field calls on a handle. */
static int hfs_handle_call(unsigned nr, uint32_t handle, uint64_t size)
{
	union hfs_req *r;
	uint64_t irq;
	if (!hfs_enter(&r, &irq))
		return -ENOMEM;
	if (nr == PK_HC_FS_FTRUNCATE)
		r->trunc = (struct pk_hc_fs_ftruncate){.handle = handle, .size = size};
	else
		r->close.handle = handle; /* close and fsync: the same layout */
	int rc = (int)hypercall(nr, r);
	irq_restore(irq);
	return rc;
}

static int hfs_ftruncate(struct vfs_file *f, uint64_t size)
{
	int rc = hfs_handle_call(PK_HC_FS_FTRUNCATE, f->handle, size);
	hfs_written();
	return rc;
}

static int hfs_fsync(struct vfs_file *f)
{
	return hfs_handle_call(PK_HC_FS_FSYNC, f->handle, 0);
}

static void hfs_close(struct vfs_file *f)
{
	hfs_handle_call(PK_HC_FS_CLOSE, f->handle, 0);
	kfree(f->node); /* the read-ahead window, if any */
	f->node = 0;
}

static int hfs_pathop(struct mount *m, uint32_t op, const char *rel, const char *to, uint32_t mode)
{
	union hfs_req *r;
	uint64_t irq;
	struct hfs_scratch *s = hfs_enter(&r, &irq);
	if (!s)
		return -ENOMEM;
	r->pathop = (struct pk_hc_fs_pathop){.op = op,
					     .share = hfs_share(m),
					     .path = hfs_pa(s->path),
					     .path_len = hfs_path(s->path, rel),
					     .mode = mode,
					     .to = hfs_pa(s->to),
					     .to_len = to ? hfs_path(s->to, to) : 0};
	int rc = (int)hypercall(PK_HC_FS_PATHOP, r);
	irq_restore(irq);
	hfs_written(); /* a rename may put other bytes under a path */
	return rc;
}

static int hfs_mkdir(struct mount *m, const char *rel, uint32_t mode)
{
	return hfs_pathop(m, PK_FS_OP_MKDIR, rel, 0, mode);
}

static int hfs_unlink(struct mount *m, const char *rel, int is_dir)
{
	return hfs_pathop(m, is_dir ? PK_FS_OP_RMDIR : PK_FS_OP_UNLINK, rel, 0, 0);
}

static int hfs_rename(struct mount *m, const char *from, const char *to)
{
	return hfs_pathop(m, PK_FS_OP_RENAME, from, to, 0);
}

static const struct fs_ops hostfs_ops = {
	.name = "hostfs",
	.open = hfs_open,
	.stat = hfs_stat,
	.pread = hfs_pread,
	.pwrite = hfs_pwrite,
	.fstat = hfs_fstat,
	.getdents64 = hfs_getdents,
	.ftruncate = hfs_ftruncate,
	.fsync = hfs_fsync,
	.mkdir = hfs_mkdir,
	.unlink = hfs_unlink,
	.rename = hfs_rename,
	.close = hfs_close,
};

int hostfs_mount_shares(void)
{
	if (!platform_vmm || !(boot_info.flags & PK_BOOTF_VMM_SHARES))
		return 0; /* no --share: nothing to ask the vmm (a VM exit) */
	int mounted = 0;
	for (uint32_t i = 0; i < HFS_SHARES_MAX; i++) {
		union hfs_req *r;
		uint64_t irq;
		struct hfs_scratch *s = hfs_enter(&r, &irq);
		if (!s)
			return -ENOMEM;
		r->info = (struct pk_hc_fs_share_info){.index = i, .path = hfs_pa(s->guest)};
		int rc = (int)hypercall(PK_HC_FS_SHARE_INFO, r);
		bool ro = r->info.flags & PK_FS_SHARE_RO;
		char path[PK_FS_GUEST_PATH_MAX];
		memcpy(path, s->guest, sizeof(path));
		path[sizeof(path) - 1] = 0;
		irq_restore(irq);
		if (rc < 0)
			break; /* -ENOENT past the last share */
		struct hfs_mount *hm = kmalloc(sizeof(*hm));
		if (!hm)
			return -ENOMEM;
		hm->share = i;
		rc = vfs_mount(path, &hostfs_ops, hm, ro);
		if (rc < 0) {
			kprintf("hostfs: share %u at %s: not mounted (%d)\n", i, path, rc);
			kfree(hm);
			continue;
		}
		mounted++;
	}
	return mounted;
}
