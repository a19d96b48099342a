/* SPDX-License-Identifier: MIT */
/*
 * guest/linux/sys_fs.c - read/write and the file calls. Every user buffer
 * is checked against the program's map first (EFAULT); files go through
 * the vfs (guest/fs/vfs.h) with absolute normalised paths; the offset is
 * the description's (fd.h).
 */
#include "guest/fs/vfs.h"
#include "guest/kernel/console.h"
#include "lib/heap/heap.h"
#include "lib/kstring/kstring.h"
#include "fd.h"
#include "linux.h"

/* The console takes kernel buffers (its hypercall wants a physical
 * address; program memory is lower-half virtual): bounce in chunks. */
static long console_out(const void *buf, uint64_t n)
{
	char tmp[1024];
	for (uint64_t done = 0; done < n;) {
		uint64_t k = n - done < sizeof(tmp) ? n - done : sizeof(tmp);
		if (linux_copy_in(tmp, (uint64_t)buf + done, k))
			return done ? (long)done : -EFAULT;
		console_write(tmp, k);
		done += k;
	}
	return (long)n;
}

static long file_rw(struct lfile *f, void *buf, uint64_t n, int write, int64_t at)
{
	if (!linux_uaccess_ok((uint64_t)buf, n, !write))
		return -EFAULT;
	int acc = f->flags & O_ACCMODE;
	if ((write && acc == O_RDONLY) || (!write && acc == O_WRONLY))
		return -EBADF;
	switch (f->kind) {
	case LF_CONSOLE_IN:
		return 0; /* stdin: nothing to read, EOF */
	case LF_CONSOLE_OUT:
		return console_out(buf, n);
	case LF_PIPE_R:
		return at >= 0 ? -ESPIPE : lpipe_read(f->pipe, buf, n, f->flags & O_NONBLOCK);
	case LF_PIPE_W:
		return at >= 0 ? -ESPIPE : lpipe_write(f->pipe, buf, n, f->flags & O_NONBLOCK);
	case LF_FILE:
		break;
	}
	if ((f->mode & S_IFMT) == S_IFDIR)
		return -EISDIR;
	if (at >= 0)
		return write ? vfs_pwrite(f->vf, buf, n, (uint64_t)at)
			     : vfs_pread(f->vf, buf, n, (uint64_t)at);
	/* the description's offset: one call at a time moves it */
	spin_lock(&f->lock);
	uint64_t off = f->off;
	if (write && (f->flags & O_APPEND)) {
		struct vfs_stat st;
		if (vfs_fstat(f->vf, &st) == 0)
			off = st.size;
	}
	spin_unlock(&f->lock);
	long rc = write ? vfs_pwrite(f->vf, buf, n, off) : vfs_pread(f->vf, buf, n, off);
	if (rc > 0) {
		spin_lock(&f->lock);
		f->off = off + (uint64_t)rc;
		spin_unlock(&f->lock);
	}
	return rc;
}

static long fd_rw(long fd, uint64_t buf, uint64_t n, int write, int64_t at)
{
	struct lfile *f = lfd_get((int)fd);
	if (!f)
		return -EBADF;
	if (n > 0x7ffff000)
		n = 0x7ffff000; /* Linux's MAX_RW_COUNT */
	long rc = file_rw(f, (void *)buf, n, write, at);
	lfile_put(f);
	return rc;
}

static long sys_read(long fd, uint64_t buf, uint64_t n)
{
	return fd_rw(fd, buf, n, 0, -1);
}
LINUX_SYS(0, read, sys_read, "dpd");

static long sys_write(long fd, uint64_t buf, uint64_t n)
{
	return fd_rw(fd, buf, n, 1, -1);
}
LINUX_SYS(1, write, sys_write, "dpd");

static long sys_pread64(long fd, uint64_t buf, uint64_t n, long off)
{
	return off < 0 ? -EINVAL : fd_rw(fd, buf, n, 0, off);
}
LINUX_SYS(17, pread64, sys_pread64, "dpdd");

static long sys_pwrite64(long fd, uint64_t buf, uint64_t n, long off)
{
	return off < 0 ? -EINVAL : fd_rw(fd, buf, n, 1, off);
}
LINUX_SYS(18, pwrite64, sys_pwrite64, "dpdd");

struct iovec {
	uint64_t base, len;
};
static long fd_rwv(long fd, uint64_t iov, long cnt, int write)
{
	if (cnt < 0 || cnt > 1024)
		return -EINVAL;
	if (!linux_uaccess_ok(iov, (uint64_t)cnt * sizeof(struct iovec), 0))
		return -EFAULT;
	long total = 0;
	for (long i = 0; i < cnt; i++) {
		struct iovec v;
		if (linux_copy_in(&v, iov + (uint64_t)i * sizeof(v), sizeof(v)))
			return total ? total : -EFAULT;
		if (!v.len)
			continue;
		long rc = fd_rw(fd, v.base, v.len, write, -1);
		if (rc < 0)
			return total ? total : rc;
		total += rc;
		if ((uint64_t)rc < v.len)
			break;
	}
	return total;
}

static long sys_readv(long fd, uint64_t iov, long cnt)
{
	return fd_rwv(fd, iov, cnt, 0);
}
LINUX_SYS(19, readv, sys_readv, "dpd");

static long sys_writev(long fd, uint64_t iov, long cnt)
{
	return fd_rwv(fd, iov, cnt, 1);
}
LINUX_SYS(20, writev, sys_writev, "dpd");

static long sys_openat(long dirfd, uint64_t upath, long flags, long mode)
{
	char path[256];
	int rc = linux_upath(dirfd, upath, path, sizeof(path));
	if (rc)
		return rc;
	struct vfs_file *vf;
	rc = vfs_open(path, (int)(flags & ~O_CLOEXEC), (uint32_t)mode, &vf);
	if (rc)
		return rc;
	struct vfs_stat st = {0};
	vfs_fstat(vf, &st);
	if ((flags & O_DIRECTORY) && (st.mode & S_IFMT) != S_IFDIR) {
		vfs_close(vf);
		return -ENOTDIR;
	}
	struct lfile *f = lfile_new(LF_FILE, (int)flags);
	if (!f) {
		vfs_close(vf);
		return -ENOMEM;
	}
	f->vf = vf;
	f->mode = st.mode;
	if ((st.mode & S_IFMT) == S_IFDIR) { /* a base for openat(dirfd, ...) */
		size_t l = strlen(path) + 1;
		f->path = kmalloc(l);
		if (f->path)
			memcpy(f->path, path, l);
	}
	int fd = lfd_install(f, 0, (flags & O_CLOEXEC) != 0);
	if (fd < 0)
		lfile_put(f);
	return fd;
}
LINUX_SYS(257, openat, sys_openat, "dsxx");

static long sys_open(uint64_t upath, long flags, long mode)
{
	return sys_openat(AT_FDCWD, upath, flags, mode);
}
LINUX_SYS(2, open, sys_open, "sxx");

#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2
static long sys_lseek(long fd, long off, long whence)
{
	struct lfile *f = lfd_get((int)fd);
	if (!f)
		return -EBADF;
	long rc;
	if (f->kind != LF_FILE) {
		rc = -ESPIPE;
	} else {
		struct vfs_stat st = {0};
		spin_lock(&f->lock);
		int64_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? (int64_t)f->off : -1;
		spin_unlock(&f->lock);
		if (whence == SEEK_END)
			base = vfs_fstat(f->vf, &st) == 0 ? (int64_t)st.size : -1;
		if (base < 0 || whence > SEEK_END || base + off < 0) {
			rc = -EINVAL;
		} else {
			spin_lock(&f->lock);
			f->off = (uint64_t)(base + off);
			spin_unlock(&f->lock);
			rc = base + off;
		}
	}
	lfile_put(f);
	return rc;
}
LINUX_SYS(8, lseek, sys_lseek, "ddd");

/* struct stat of x86-64 Linux (arch/x86/include/uapi/asm/stat.h) */
struct kstat {
	uint64_t dev, ino, nlink;
	uint32_t mode, uid, gid, pad0;
	uint64_t rdev;
	int64_t size, blksize, blocks;
	int64_t atime, atime_ns, mtime, mtime_ns, ctime, ctime_ns;
	int64_t unused[3];
};
_Static_assert(sizeof(struct kstat) == 144, "x86-64 struct stat");

static int stat_of(struct lfile *f, struct vfs_stat *st)
{
	memset(st, 0, sizeof(*st));
	st->blksize = 4096;
	st->nlink = 1;
	switch (f->kind) {
	case LF_FILE:
		return vfs_fstat(f->vf, st);
	case LF_PIPE_R:
	case LF_PIPE_W:
		st->mode = S_IFIFO | 0600;
		return 0;
	default:
		st->mode = S_IFCHR | 0620;
		return 0;
	}
}

static int kstat_out(uint64_t buf, const struct vfs_stat *st)
{
	struct kstat ks, *k = &ks;
	memset(k, 0, sizeof(*k));
	k->dev = 1;
	k->ino = st->ino;
	k->nlink = st->nlink;
	k->mode = st->mode;
	k->size = (int64_t)st->size;
	k->blksize = st->blksize;
	k->blocks = (int64_t)st->blocks;
	k->atime = st->atime_ns / 1000000000, k->atime_ns = st->atime_ns % 1000000000;
	k->mtime = st->mtime_ns / 1000000000, k->mtime_ns = st->mtime_ns % 1000000000;
	k->ctime = st->ctime_ns / 1000000000, k->ctime_ns = st->ctime_ns % 1000000000;
	return linux_copy_out(buf, k, sizeof(*k));
}

#define AT_EMPTY_PATH 0x1000
/* The vfs_stat of (dirfd, path, flags): a path, or the fd itself. */
static int stat_at(long dirfd, uint64_t upath, long flags, struct vfs_stat *st)
{
	char p[256];
	if (flags & AT_EMPTY_PATH) {
		long l = linux_ustr(upath, p, sizeof(p));
		if (l < 0)
			return (int)l;
		if (l == 0) {
			struct lfile *f = lfd_get((int)dirfd);
			if (!f)
				return -EBADF;
			int rc = stat_of(f, st);
			lfile_put(f);
			return rc;
		}
	}
	int rc = linux_upath(dirfd, upath, p, sizeof(p));
	if (rc)
		return rc;
	memset(st, 0, sizeof(*st));
	return vfs_stat(p, st);
}

static long sys_fstat(long fd, uint64_t buf)
{
	if (!linux_uaccess_ok(buf, sizeof(struct kstat), 1))
		return -EFAULT;
	struct lfile *f = lfd_get((int)fd);
	if (!f)
		return -EBADF;
	struct vfs_stat st;
	int rc = stat_of(f, &st);
	lfile_put(f);
	return rc ? rc : kstat_out(buf, &st);
}
LINUX_SYS(5, fstat, sys_fstat, "dp");

static long sys_newfstatat(long dirfd, uint64_t upath, uint64_t buf, long flags)
{
	if (!linux_uaccess_ok(buf, sizeof(struct kstat), 1))
		return -EFAULT;
	struct vfs_stat st;
	int rc = stat_at(dirfd, upath, flags, &st);
	return rc ? rc : kstat_out(buf, &st);
}
LINUX_SYS(262, newfstatat, sys_newfstatat, "dspx");

static long sys_stat(uint64_t upath, uint64_t buf)
{
	return sys_newfstatat(AT_FDCWD, upath, buf, 0);
}
LINUX_SYS(4, stat, sys_stat, "sp");
LINUX_SYS(6, lstat, sys_stat, "sp");

/* struct statx (include/uapi/linux/stat.h) */
struct kstatx_ts {
	int64_t sec;
	uint32_t nsec, pad;
};
struct kstatx {
	uint32_t mask, blksize;
	uint64_t attributes;
	uint32_t nlink, uid, gid;
	uint16_t mode, pad1;
	uint64_t ino, size, blocks, attributes_mask;
	struct kstatx_ts atime, btime, ctime, mtime;
	uint32_t rdev_major, rdev_minor, dev_major, dev_minor;
	uint64_t spare[14];
};
_Static_assert(sizeof(struct kstatx) == 256, "struct statx");

static long sys_statx(long dirfd, uint64_t upath, long flags, long mask, uint64_t buf)
{
	(void)mask;
	if (!linux_uaccess_ok(buf, sizeof(struct kstatx), 1))
		return -EFAULT;
	struct vfs_stat st;
	int rc = stat_at(dirfd, upath, flags, &st);
	if (rc)
		return rc;
	struct kstatx kx, *x = &kx;
	memset(x, 0, sizeof(*x));
	x->mask = 0x7ff; /* STATX_BASIC_STATS */
	x->blksize = st.blksize;
	x->nlink = st.nlink;
	x->mode = (uint16_t)st.mode;
	x->ino = st.ino;
	x->size = st.size;
	x->blocks = st.blocks;
	x->atime = (struct kstatx_ts){st.atime_ns / 1000000000,
				      (uint32_t)(st.atime_ns % 1000000000), 0};
	x->mtime = (struct kstatx_ts){st.mtime_ns / 1000000000,
				      (uint32_t)(st.mtime_ns % 1000000000), 0};
	x->ctime = (struct kstatx_ts){st.ctime_ns / 1000000000,
				      (uint32_t)(st.ctime_ns % 1000000000), 0};
	x->dev_major = 1;
	return linux_copy_out(buf, x, sizeof(*x));
}
LINUX_SYS(332, statx, sys_statx, "dsxxp");

#define DENTS_BOUNCE 4096 /* bytes of records per call, at most */
static long sys_getdents64(long fd, uint64_t buf, uint64_t n)
{
	if (!linux_uaccess_ok(buf, n, 1))
		return -EFAULT;
	struct lfile *f = lfd_get((int)fd);
	if (!f)
		return -EBADF;
	long rc = -ENOTDIR;
	if (f->kind == LF_FILE) {
		spin_lock(&f->lock);
		uint64_t cookie = f->dir_cookie;
		spin_unlock(&f->lock);
		/* records into a bounce first: the buffer may go away meanwhile
		 * (a smaller n gives fewer records per call, as Linux allows) */
		uint64_t bn = n < DENTS_BOUNCE ? n : DENTS_BOUNCE;
		void *bounce = kmalloc(bn ? bn : 1);
		rc = bounce ? vfs_getdents64(f->vf, bounce, bn, &cookie) : -ENOMEM;
		if (rc > 0 && linux_copy_out(buf, bounce, (size_t)rc))
			rc = -EFAULT; /* the position stays: nothing was returned */
		else if (rc >= 0) {
			spin_lock(&f->lock);
			f->dir_cookie = cookie;
			spin_unlock(&f->lock);
		}
		kfree(bounce);
	}
	lfile_put(f);
	return rc;
}
LINUX_SYS(217, getdents64, sys_getdents64, "dpd");

static long sys_getcwd(uint64_t buf, uint64_t n)
{
	const char *c = linux_cwd();
	uint64_t l = strlen(c) + 1;
	if (n < l)
		return -ERANGE;
	return linux_copy_out(buf, c, l) ? -EFAULT : (long)l;
}
LINUX_SYS(79, getcwd, sys_getcwd, "pd");

static long sys_chdir(uint64_t upath)
{
	char p[256];
	int rc = linux_upath(AT_FDCWD, upath, p, sizeof(p));
	if (rc)
		return rc;
	struct vfs_stat st;
	rc = vfs_stat(p, &st);
	if (rc)
		return rc;
	if ((st.mode & S_IFMT) != S_IFDIR)
		return -ENOTDIR;
	return linux_set_cwd(p);
}
LINUX_SYS(80, chdir, sys_chdir, "s");

static long sys_mkdirat(long dirfd, uint64_t upath, long mode)
{
	char p[256];
	int rc = linux_upath(dirfd, upath, p, sizeof(p));
	return rc ? rc : vfs_mkdir(p, (uint32_t)mode);
}
LINUX_SYS(258, mkdirat, sys_mkdirat, "dsx");

static long sys_mkdir(uint64_t upath, long mode)
{
	return sys_mkdirat(AT_FDCWD, upath, mode);
}
LINUX_SYS(83, mkdir, sys_mkdir, "sx");

#define AT_REMOVEDIR 0x200
static long sys_unlinkat(long dirfd, uint64_t upath, long flags)
{
	char p[256];
	int rc = linux_upath(dirfd, upath, p, sizeof(p));
	return rc ? rc : vfs_unlink(p, (flags & AT_REMOVEDIR) != 0);
}
LINUX_SYS(263, unlinkat, sys_unlinkat, "dsx");

static long sys_unlink(uint64_t upath)
{
	return sys_unlinkat(AT_FDCWD, upath, 0);
}
LINUX_SYS(87, unlink, sys_unlink, "s");

static long sys_rmdir(uint64_t upath)
{
	return sys_unlinkat(AT_FDCWD, upath, AT_REMOVEDIR);
}
LINUX_SYS(84, rmdir, sys_rmdir, "s");

static long sys_renameat(long ofd, uint64_t oldp, long nfd, uint64_t newp)
{
	char a[256], b[256];
	int rc = linux_upath(ofd, oldp, a, sizeof(a));
	if (!rc)
		rc = linux_upath(nfd, newp, b, sizeof(b));
	return rc ? rc : vfs_rename(a, b);
}
LINUX_SYS(264, renameat, sys_renameat, "dsds");

static long sys_rename(uint64_t oldp, uint64_t newp)
{
	return sys_renameat(AT_FDCWD, oldp, AT_FDCWD, newp);
}
LINUX_SYS(82, rename, sys_rename, "ss");

static long sys_ftruncate(long fd, long len)
{
	if (len < 0)
		return -EINVAL;
	struct lfile *f = lfd_get((int)fd);
	if (!f)
		return -EBADF;
	long rc = f->kind == LF_FILE ? vfs_ftruncate(f->vf, (uint64_t)len) : -EINVAL;
	lfile_put(f);
	return rc;
}
LINUX_SYS(77, ftruncate, sys_ftruncate, "dd");

static long sys_fsync(long fd)
{
	struct lfile *f = lfd_get((int)fd);
	if (!f)
		return -EBADF;
	long rc = f->kind == LF_FILE ? vfs_fsync(f->vf) : 0;
	lfile_put(f);
	return rc;
}
LINUX_SYS(74, fsync, sys_fsync, "d");
LINUX_SYS(75, fdatasync, sys_fsync, "d");

static long sys_faccessat(long dirfd, uint64_t upath, long mode)
{
	(void)mode;
	struct vfs_stat st;
	return stat_at(dirfd, upath, 0, &st);
}
LINUX_SYS(269, faccessat, sys_faccessat, "dsx");

static long sys_access(uint64_t upath, long mode)
{
	return sys_faccessat(AT_FDCWD, upath, mode);
}
LINUX_SYS(21, access, sys_access, "sx");

static long sys_readlink(uint64_t upath)
{
	char p[256];
	long l = linux_ustr(upath, p, sizeof(p));
	return l < 0 ? l : -EINVAL; /* no symlinks: every path is "not a link" */
}
LINUX_SYS(89, readlink, sys_readlink, "s");
