/* SPDX-License-Identifier: MIT */
/*
 * guest/fs/vfs.c - the mount table and the vfs_* calls (vfs.h): pick the
 * mount by the longest prefix that ends at a component boundary, apply
 * what is the same for every file system (read-only mounts, the access
 * mode of an open file, directory vs file), hand the rest to the mount's
 * ops with the path relative to it.
 *
 * The table only grows; an entry is complete before the count that makes
 * it visible is published (release/acquire), so lookups take no lock.
 */
#include "fs.h"

#include "guest/arch/spinlock.h"
#include "guest/kernel/console.h"
#include "lib/kstring/kstring.h"
#include "lib/heap/heap.h"
#include "fs_errno.h"

static struct mount mounts[VFS_MOUNTS_MAX];
static unsigned mount_count;
static struct spinlock mount_lock = SPINLOCK_INIT;

static int vfs_add(const char *path, const struct fs_ops *ops, void *ctx, void *(*make)(void),
		   bool ro)
{
	size_t n = strlen(path);
	if (!n || path[0] != '/' || n >= VFS_MOUNT_PATH_MAX || (n > 1 && path[n - 1] == '/'))
		return -EINVAL;
	int rc = 0;
	spin_lock(&mount_lock);
	for (unsigned i = 0; i < mount_count && !rc; i++)
		if (!strcmp(mounts[i].path, path))
			rc = -EBUSY;
	if (!rc && mount_count == VFS_MOUNTS_MAX)
		rc = -ENOSPC;
	if (!rc) {
		struct mount *m = &mounts[mount_count];
		memcpy(m->path, path, n + 1);
		m->len = n;
		m->ops = ops;
		m->ctx = ctx;
		m->make = make;
		m->ro = ro;
		__atomic_store_n(&mount_count, mount_count + 1, __ATOMIC_RELEASE);
	}
	spin_unlock(&mount_lock);
	return rc;
}

int vfs_mount(const char *path, const struct fs_ops *ops, void *ctx, bool ro)
{
	return vfs_add(path, ops, ctx, 0, ro);
}

int vfs_mount_lazy(const char *path, const struct fs_ops *ops, void *(*make)(void), bool ro)
{
	return vfs_add(path, ops, 0, make, ro);
}

/* A lazy mount's file system, made once under the table's lock (two CPUs
 * may reach it at once); 0 while it cannot be made. */
static void *vfs_ctx(struct mount *m)
{
	void *c = __atomic_load_n(&m->ctx, __ATOMIC_ACQUIRE);
	if (c || !m->make)
		return c;
	spin_lock(&mount_lock);
	if (!(c = m->ctx) && (c = m->make()))
		__atomic_store_n(&m->ctx, c, __ATOMIC_RELEASE);
	spin_unlock(&mount_lock);
	return c;
}

struct mount *vfs_lookup(const char *path, const char **rel)
{
	unsigned n = __atomic_load_n(&mount_count, __ATOMIC_ACQUIRE);
	struct mount *best = 0;
	for (unsigned i = 0; i < n; i++) {
		struct mount *m = &mounts[i];
		if (best && m->len <= best->len)
			continue;
		if (m->len == 1) { /* "/" holds everything */
			best = m;
			continue;
		}
		if (!strncmp(path, m->path, m->len) && (path[m->len] == 0 || path[m->len] == '/'))
			best = m;
	}
	if (best) {
		const char *r = path + (best->len == 1 ? 1 : best->len);
		*rel = *r == '/' ? r + 1 : r;
	}
	return best;
}

void vfs_print_mounts(void)
{
	unsigned n = __atomic_load_n(&mount_count, __ATOMIC_ACQUIRE);
	kprintf("mounts:");
	for (unsigned i = 0; i < n; i++)
		kprintf("%s %s %s%s", i ? "," : "", mounts[i].path, mounts[i].ops->name,
			mounts[i].ro ? " ro" : "");
	kprintf("%s\n", n ? "" : " none");
}

/* The caller normalises; a path that is not normalised anyway is refused
 * rather than guessed at, so no ".." ever reaches a file system. */
static int vfs_path_ok(const char *p)
{
	if (!p || p[0] != '/')
		return -EINVAL;
	size_t start = 1, i = 1;
	for (;; i++) {
		if (p[i] && p[i] != '/')
			continue;
		size_t len = i - start;
		if ((p[i] == '/' && !len) || (len == 1 && p[start] == '.') ||
		    (len == 2 && p[start] == '.' && p[start + 1] == '.'))
			return -EINVAL;
		if (len > 255)
			return -ENAMETOOLONG;
		if (!p[i])
			break;
		start = i + 1;
	}
	return i >= 4096 ? -ENAMETOOLONG : 0;
}

static struct mount *vfs_resolve(const char *path, const char **rel, int *rc)
{
	*rc = vfs_path_ok(path);
	if (*rc < 0)
		return 0;
	struct mount *m = vfs_lookup(path, rel);
	if (!m)
		*rc = -ENOENT;
	else if (m->make && !vfs_ctx(m))
		*rc = -ENOMEM, m = 0;
	return m;
}

static bool vfs_writes(int flags)
{
	return (flags & O_ACCMODE) != O_RDONLY || (flags & (O_CREAT | O_TRUNC));
}

int vfs_open(const char *path, int flags, uint32_t mode, struct vfs_file **out)
{
	const char *rel;
	int rc;
	struct mount *m = vfs_resolve(path, &rel, &rc);
	if (!m)
		return rc;
	if ((flags & O_ACCMODE) == O_ACCMODE)
		return -EINVAL;
	if (m->ro && vfs_writes(flags))
		return -EROFS;
	struct vfs_file *f = kcalloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->ops = m->ops;
	f->mnt = m;
	f->flags = flags;
	rc = m->ops->open(m, rel, flags, mode, f);
	if (rc < 0) { /* the file system left nothing open */
		kfree(f);
		return rc;
	}
	if ((f->mode & S_IFMT) == S_IFDIR && (flags & O_ACCMODE) != O_RDONLY)
		rc = -EISDIR; /* (hostfs refused this already on the host) */
	else if ((f->mode & S_IFMT) != S_IFDIR && (flags & O_DIRECTORY))
		rc = -ENOTDIR;
	if (rc < 0) {
		m->ops->close(f);
		kfree(f);
		return rc;
	}
	*out = f;
	return 0;
}

static bool vfs_isdir(const struct vfs_file *f)
{
	return (f->mode & S_IFMT) == S_IFDIR;
}

long vfs_pread(struct vfs_file *f, void *buf, size_t n, uint64_t off)
{
	if ((f->flags & O_ACCMODE) == O_WRONLY)
		return -EBADF;
	if (vfs_isdir(f))
		return -EISDIR;
	if (off > INT64_MAX)
		return -EINVAL;
	return n ? f->ops->pread(f, buf, n, off) : 0;
}

long vfs_pwrite(struct vfs_file *f, const void *buf, size_t n, uint64_t off)
{
	if ((f->flags & O_ACCMODE) == O_RDONLY)
		return -EBADF;
	if (vfs_isdir(f))
		return -EISDIR;
	if (off > INT64_MAX || n > INT64_MAX - off)
		return -EFBIG;
	return n ? f->ops->pwrite(f, buf, n, off) : 0;
}

int vfs_fstat(struct vfs_file *f, struct vfs_stat *st)
{
	return f->ops->fstat(f, st);
}

int vfs_stat(const char *path, struct vfs_stat *st)
{
	const char *rel;
	int rc;
	struct mount *m = vfs_resolve(path, &rel, &rc);
	return m ? m->ops->stat(m, rel, st) : rc;
}

long vfs_getdents64(struct vfs_file *f, void *buf, size_t n, uint64_t *cookie)
{
	if (!vfs_isdir(f))
		return -ENOTDIR;
	return f->ops->getdents64(f, buf, n, cookie);
}

int vfs_ftruncate(struct vfs_file *f, uint64_t size)
{
	if (vfs_isdir(f))
		return -EISDIR;
	if ((f->flags & O_ACCMODE) == O_RDONLY)
		return -EINVAL; /* Linux: not open for writing */
	if (size > INT64_MAX)
		return -EFBIG;
	return f->ops->ftruncate(f, size);
}

int vfs_fsync(struct vfs_file *f)
{
	return f->ops->fsync ? f->ops->fsync(f) : 0;
}

/* Name ops: never on a read-only mount, never on a mount's root. */
static struct mount *vfs_resolve_name(const char *path, const char **rel, int *rc)
{
	struct mount *m = vfs_resolve(path, rel, rc);
	if (m && m->ro) {
		*rc = -EROFS;
		return 0;
	}
	return m;
}

int vfs_mkdir(const char *path, uint32_t mode)
{
	const char *rel;
	int rc;
	struct mount *m = vfs_resolve_name(path, &rel, &rc);
	if (!m)
		return rc;
	return *rel ? m->ops->mkdir(m, rel, mode) : -EEXIST;
}

int vfs_unlink(const char *path, int is_dir)
{
	const char *rel;
	int rc;
	struct mount *m = vfs_resolve_name(path, &rel, &rc);
	if (!m)
		return rc;
	return *rel ? m->ops->unlink(m, rel, is_dir) : -EBUSY;
}

int vfs_rename(const char *from, const char *to)
{
	const char *rel_from, *rel_to;
	int rc;
	struct mount *a = vfs_resolve_name(from, &rel_from, &rc);
	if (!a)
		return rc;
	struct mount *b = vfs_resolve_name(to, &rel_to, &rc);
	if (!b)
		return rc;
	if (a != b)
		return -EXDEV;
	if (!*rel_from || !*rel_to)
		return -EBUSY;
	return a->ops->rename(a, rel_from, rel_to);
}

void vfs_close(struct vfs_file *f)
{
	if (!f)
		return;
	f->ops->close(f);
	kfree(f);
}

int fs_dirent_put(void *buf, size_t n, size_t *used, uint64_t ino, uint64_t next, uint8_t type,
		  const char *name, size_t namelen)
{
	/* struct linux_dirent64: u64 ino, s64 off, u16 reclen, u8 type, name[] */
	size_t reclen = (19 + namelen + 1 + 7) & ~(size_t)7;
	if (reclen > n - *used)
		return -1;
	uint8_t *p = (uint8_t *)buf + *used;
	int64_t off = (int64_t)next;
	uint16_t rl = (uint16_t)reclen;
	memcpy(p, &ino, 8);
	memcpy(p + 8, &off, 8);
	memcpy(p + 16, &rl, 2);
	p[18] = type;
	memcpy(p + 19, name, namelen);
	memset(p + 19 + namelen, 0, reclen - 19 - namelen);
	*used += reclen;
	return 0;
}

int fs_dirent_dots(void *buf, size_t n, size_t *used, uint64_t *pos, uint64_t self_ino,
		   uint64_t parent_ino)
{
	for (; *pos < 2; ++*pos)
		if (fs_dirent_put(buf, n, used, *pos ? parent_ino : self_ino, *pos + 1, FS_DT_DIR,
				  "..", (size_t)*pos + 1) < 0)
			return 1;
	return 0;
}
