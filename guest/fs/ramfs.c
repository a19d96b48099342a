/* SPDX-License-Identifier: MIT */
/*
 * guest/fs/ramfs.c - a writable file system in kernel memory (a PC has no
 * host to write to: outputs go here, e.g. /tmp). A tree of nodes, file
 * data in one kmalloc'd buffer per file grown by doubling, at most
 * max_bytes of buffers per instance (-ENOSPC past it). One spinlock per
 * instance covers the tree and the data; nothing under it blocks or makes
 * a hypercall. An unlinked file stays readable through open files until
 * the last close (Linux semantics).
 */
#include "guest/arch/spinlock.h"
#include "guest/arch/trap.h"
#include "lib/kstring/kstring.h"
#include "lib/heap/heap.h"
#include "fs.h"
#include "fs_errno.h"

struct rnode {
	struct rnode *parent, *child, *sibling;
	char *name;
	size_t namelen;
	uint32_t mode;
	uint64_t ino;
	uint8_t *data;
	uint64_t size, cap;
	unsigned opens;
	bool gone; /* unlinked: freed at the last close */
};

struct ramfs {
	struct spinlock lock;
	struct rnode root;
	uint64_t bytes, max;
	uint64_t next_ino;
};

void *ramfs_new(uint64_t max_bytes)
{
	struct ramfs *r = kcalloc(1, sizeof(*r));
	if (!r)
		return 0;
	r->lock = (struct spinlock)SPINLOCK_INIT;
	r->root.mode = S_IFDIR | 0777;
	r->root.ino = 1;
	r->root.name = (char *)"";
	r->next_ino = 2;
	r->max = max_bytes;
	return r;
}

static struct rnode *rf_child(struct rnode *d, const char *name, size_t n)
{
	for (struct rnode *c = d->child; c; c = c->sibling)
		if (c->namelen == n && !memcmp(c->name, name, n))
			return c;
	return 0;
}

/* Walk rel from the root; with parent_of set stop before the last
 * component and point *last at it. NULL (and *err) when a step is
 * missing or not a directory. */
static struct rnode *rf_walk(struct ramfs *r, const char *rel, int parent_of, const char **last,
			     int *err)
{
	struct rnode *n = &r->root;
	const char *p = rel;
	while (*p) {
		const char *e = p;
		while (*e && *e != '/')
			e++;
		if (parent_of && !*e) {
			*last = p;
			return n;
		}
		if ((n->mode & S_IFMT) != S_IFDIR) {
			*err = -ENOTDIR;
			return 0;
		}
		n = rf_child(n, p, (size_t)(e - p));
		if (!n) {
			*err = -ENOENT;
			return 0;
		}
		p = *e ? e + 1 : e;
	}
	if (parent_of) {
		*err = -EEXIST; /* the root has no parent here */
		return 0;
	}
	return n;
}

static void rf_free(struct ramfs *r, struct rnode *n)
{
	r->bytes -= n->cap;
	kfree(n->data);
	kfree(n->name);
	kfree(n);
}

static void rf_detach(struct rnode *n)
{
	struct rnode **pp = &n->parent->child;
	while (*pp != n)
		pp = &(*pp)->sibling;
	*pp = n->sibling;
	n->sibling = 0;
	n->parent = 0;
}

static void rf_attach(struct rnode *d, struct rnode *n)
{
	n->parent = d;
	n->sibling = d->child;
	d->child = n;
}

static struct rnode *rf_new(struct ramfs *r, struct rnode *d, const char *name, uint32_t mode)
{
	size_t len = strlen(name);
	struct rnode *n = kcalloc(1, sizeof(*n));
	char *copy = kmalloc(len + 1);
	if (!n || !copy) {
		kfree(n);
		kfree(copy);
		return 0;
	}
	memcpy(copy, name, len + 1);
	n->name = copy;
	n->namelen = len;
	n->mode = mode;
	n->ino = r->next_ino++;
	rf_attach(d, n);
	return n;
}

/* Make room for size bytes in n (the cap counts against max_bytes). */
static int rf_reserve(struct ramfs *r, struct rnode *n, uint64_t size)
{
	if (size <= n->cap)
		return 0;
	uint64_t cap = n->cap ? n->cap : 64;
	while (cap < size)
		cap = cap > (1ull << 62) ? size : cap * 2;
	if (cap - n->cap > r->max - r->bytes)
		cap = size; /* no doubling past the cap: exactly what is needed */
	if (cap - n->cap > r->max - r->bytes)
		return -ENOSPC;
	uint8_t *d = krealloc(n->data, (size_t)cap);
	if (!d)
		return -ENOSPC;
	r->bytes += cap - n->cap;
	n->data = d;
	n->cap = cap;
	return 0;
}

/* Set n's size; new bytes read as zeros. */
static int rf_resize(struct ramfs *r, struct rnode *n, uint64_t size)
{
	int rc = rf_reserve(r, n, size);
	if (rc < 0)
		return rc;
	if (size > n->size)
		memset(n->data + n->size, 0, (size_t)(size - n->size));
	n->size = size;
	return 0;
}

static int rf_open(struct mount *m, const char *rel, int flags, uint32_t mode, struct vfs_file *f)
{
	struct ramfs *r = m->ctx;
	int rc = 0;
	const char *last = 0;
	spin_lock(&r->lock);
	struct rnode *n = rf_walk(r, rel, 0, &last, &rc);
	if (n && (flags & O_CREAT) && (flags & O_EXCL))
		rc = -EEXIST;
	if (!n && rc == -ENOENT && (flags & O_CREAT)) {
		rc = 0;
		struct rnode *d = rf_walk(r, rel, 1, &last, &rc);
		if (d && (d->mode & S_IFMT) != S_IFDIR)
			rc = -ENOTDIR;
		else if (d && !(n = rf_new(r, d, last, S_IFREG | (mode & 07777))))
			rc = -ENOMEM;
	}
	if (n && !rc && (flags & O_TRUNC) && (flags & O_ACCMODE) != O_RDONLY &&
	    (n->mode & S_IFMT) == S_IFREG)
		rf_resize(r, n, 0);
	if (n && !rc) {
		n->opens++;
		f->node = n;
		f->mode = n->mode;
	}
	spin_unlock(&r->lock);
	return n && !rc ? 0 : rc;
}

static void rf_fill(const struct rnode *n, struct vfs_stat *st)
{
	*st = (struct vfs_stat){
		.ino = n->ino,
		.size = n->size,
		.blocks = (n->cap + 511) / 512,
		.mode = n->mode,
		.nlink = (n->mode & S_IFMT) == S_IFDIR ? 2 : (n->gone ? 0 : 1),
		.blksize = 4096,
	};
}

static int rf_stat(struct mount *m, const char *rel, struct vfs_stat *st)
{
	struct ramfs *r = m->ctx;
	int rc = 0;
	spin_lock(&r->lock);
	struct rnode *n = rf_walk(r, rel, 0, 0, &rc);
	if (n)
		rf_fill(n, st);
	spin_unlock(&r->lock);
	return n ? 0 : rc;
}

static long rf_pread(struct vfs_file *f, void *buf, size_t len, uint64_t off)
{
	struct ramfs *r = f->mnt->ctx;
	struct rnode *n = f->node;
	spin_lock(&r->lock);
	long got = 0;
	if (off < n->size) {
		got = (long)(len < n->size - off ? len : n->size - off);
		if (probe_copy(buf, n->data + off, (size_t)got)) /* vfs.h: buf may go */
			got = -EFAULT;
	}
	spin_unlock(&r->lock);
	return got;
}

static long rf_pwrite(struct vfs_file *f, const void *buf, size_t len, uint64_t off)
{
	struct ramfs *r = f->mnt->ctx;
	struct rnode *n = f->node;
	spin_lock(&r->lock);
	int rc = off + len > n->size ? rf_resize(r, n, off + len) : 0;
	if (!rc && probe_copy(n->data + off, buf, len))
		rc = -EFAULT; /* the file grew; what was copied is in it, like Linux's */
	spin_unlock(&r->lock);
	return rc < 0 ? rc : (long)len;
}

static int rf_fstat(struct vfs_file *f, struct vfs_stat *st)
{
	struct ramfs *r = f->mnt->ctx;
	spin_lock(&r->lock);
	rf_fill(f->node, st);
	spin_unlock(&r->lock);
	return 0;
}

static long rf_getdents(struct vfs_file *f, void *buf, size_t len, uint64_t *cookie)
{
	struct ramfs *r = f->mnt->ctx;
	struct rnode *d = f->node;
	size_t used = 0;
	uint64_t pos = *cookie;
	spin_lock(&r->lock);
	int full =
		fs_dirent_dots(buf, len, &used, &pos, d->ino, d->parent ? d->parent->ino : d->ino);
	struct rnode *c = d->gone ? 0 : d->child;
	for (uint64_t k = 2; k < pos && c; k++)
		c = c->sibling;
	for (; !full && c; c = c->sibling, pos++)
		if (fs_dirent_put(buf, len, &used, c->ino, pos + 1,
				  (c->mode & S_IFMT) == S_IFDIR ? FS_DT_DIR : FS_DT_REG, c->name,
				  c->namelen) < 0) {
			full = 1; /* pos stays at the record that did not fit */
			break;
		}
	spin_unlock(&r->lock);
	if (!used && full)
		return -EINVAL;
	*cookie = pos;
	return (long)used;
}

static int rf_ftruncate(struct vfs_file *f, uint64_t size)
{
	struct ramfs *r = f->mnt->ctx;
	spin_lock(&r->lock);
	int rc = rf_resize(r, f->node, size);
	spin_unlock(&r->lock);
	return rc;
}

static int rf_mkdir(struct mount *m, const char *rel, uint32_t mode)
{
	struct ramfs *r = m->ctx;
	int rc = 0;
	const char *last;
	spin_lock(&r->lock);
	struct rnode *d = rf_walk(r, rel, 1, &last, &rc);
	if (d && (d->mode & S_IFMT) != S_IFDIR)
		rc = -ENOTDIR;
	else if (d && rf_child(d, last, strlen(last)))
		rc = -EEXIST;
	else if (d && !rf_new(r, d, last, S_IFDIR | (mode & 07777)))
		rc = -ENOMEM;
	spin_unlock(&r->lock);
	return rc;
}

/* Take n out of the tree; freed now or at its last close. */
static void rf_remove(struct ramfs *r, struct rnode *n)
{
	rf_detach(n);
	n->gone = true;
	if (!n->opens)
		rf_free(r, n);
}

static int rf_unlink(struct mount *m, const char *rel, int is_dir)
{
	struct ramfs *r = m->ctx;
	int rc = 0;
	spin_lock(&r->lock);
	struct rnode *n = rf_walk(r, rel, 0, 0, &rc);
	bool dir = n && (n->mode & S_IFMT) == S_IFDIR;
	if (n && is_dir && !dir)
		rc = -ENOTDIR;
	else if (n && !is_dir && dir)
		rc = -EISDIR;
	else if (n && dir && n->child)
		rc = -ENOTEMPTY;
	else if (n)
		rf_remove(r, n);
	spin_unlock(&r->lock);
	return rc;
}

static int rf_rename(struct mount *m, const char *from, const char *to)
{
	struct ramfs *r = m->ctx;
	int rc = 0;
	const char *last;
	spin_lock(&r->lock);
	struct rnode *n = rf_walk(r, from, 0, 0, &rc);
	struct rnode *d = n ? rf_walk(r, to, 1, &last, &rc) : 0;
	struct rnode *old = d ? rf_child(d, last, strlen(last)) : 0;
	char *name = d ? kmalloc(strlen(last) + 1) : 0;
	if (d && (d->mode & S_IFMT) != S_IFDIR)
		rc = -ENOTDIR;
	else if (d && !name)
		rc = -ENOMEM;
	for (struct rnode *a = d; d && !rc && a; a = a->parent)
		if (a == n)
			rc = -EINVAL; /* a directory into itself */
	if (!rc && old && old != n) {
		bool ndir = (n->mode & S_IFMT) == S_IFDIR, odir = (old->mode & S_IFMT) == S_IFDIR;
		if (ndir != odir)
			rc = odir ? -EISDIR : -ENOTDIR;
		else if (odir && old->child)
			rc = -ENOTEMPTY;
		else
			rf_remove(r, old);
	}
	if (!rc && d && old != n) {
		rf_detach(n);
		memcpy(name, last, strlen(last) + 1);
		kfree(n->name);
		n->name = name;
		n->namelen = strlen(name);
		name = 0;
		rf_attach(d, n);
	}
	spin_unlock(&r->lock);
	kfree(name);
	return rc;
}

static void rf_close(struct vfs_file *f)
{
	struct ramfs *r = f->mnt->ctx;
	struct rnode *n = f->node;
	spin_lock(&r->lock);
	if (!--n->opens && n->gone)
		rf_free(r, n);
	spin_unlock(&r->lock);
}

const struct fs_ops ramfs_ops = {
	.name = "ramfs",
	.open = rf_open,
	.stat = rf_stat,
	.pread = rf_pread,
	.pwrite = rf_pwrite,
	.fstat = rf_fstat,
	.getdents64 = rf_getdents,
	.ftruncate = rf_ftruncate,
	.mkdir = rf_mkdir,
	.unlink = rf_unlink,
	.rename = rf_rename,
	.close = rf_close,
};
