/* SPDX-License-Identifier: MIT */
/*
 * guest/fs/initrd.c - a read-only file system over a cpio newc archive in
 * memory (the boot module: QEMU -initrd, a GRUB module2). The archive is
 * parsed once at mount into an index (one entry per file or directory,
 * hashed by path, with child/sibling links for listing); file contents
 * are read straight out of the archive. Directories the archive leaves
 * implicit ("a/b/c" without "a/b") are made; symlinks, device nodes and
 * FIFOs are skipped with a count, names with ".." refuse the archive.
 * After the mount nothing changes, so no call takes a lock.
 */
#include "guest/arch/trap.h"
#include "guest/kernel/console.h"
#include "lib/kstring/kstring.h"
#include "lib/heap/heap.h"
#include "lib/cpio/cpio.h"
#include "fs.h"
#include "fs_errno.h"

struct ientry {
	char *name; /* normalised path relative to the root; "" = root */
	uint32_t namelen;
	uint32_t mode;
	uint32_t parent, child, sibling, hnext; /* indices; IR_NONE = none */
	uint32_t mtime;
	const uint8_t *data;
	uint64_t size;
};
#define IR_NONE 0xffffffffu

struct initrd {
	struct ientry *e;
	uint32_t n, cap;
	uint32_t *hash; /* bucket heads */
	uint32_t nbuckets;
	uint32_t skipped;
};

static uint32_t ir_hash(const char *s, size_t n)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for (size_t i = 0; i < n; i++)
		h = (h ^ (uint8_t)s[i]) * 16777619u;
	return h;
}

static uint32_t ir_find(const struct initrd *ir, const char *name, size_t n)
{
	for (uint32_t i = ir->hash[ir_hash(name, n) & (ir->nbuckets - 1)]; i != IR_NONE;
	     i = ir->e[i].hnext)
		if (ir->e[i].namelen == n && !memcmp(ir->e[i].name, name, n))
			return i;
	return IR_NONE;
}

/* A new entry for name (whose parent already exists), linked in. */
static uint32_t ir_add(struct initrd *ir, const char *name, size_t n, uint32_t mode)
{
	if (ir->n == ir->cap) {
		uint32_t cap = ir->cap ? ir->cap * 2 : 64;
		struct ientry *e = krealloc(ir->e, (size_t)cap * sizeof(*e));
		if (!e)
			return IR_NONE;
		ir->e = e;
		ir->cap = cap;
	}
	char *copy = kmalloc(n + 1);
	if (!copy)
		return IR_NONE;
	memcpy(copy, name, n);
	copy[n] = 0;
	uint32_t idx = ir->n++, parent = IR_NONE;
	if (n) {
		size_t slash = n;
		while (slash && name[slash - 1] != '/')
			slash--;
		parent = ir_find(ir, name, slash ? slash - 1 : 0);
	}
	struct ientry *e = &ir->e[idx];
	*e = (struct ientry){.name = copy,
			     .namelen = (uint32_t)n,
			     .mode = mode,
			     .parent = parent,
			     .child = IR_NONE,
			     .sibling = IR_NONE};
	if (parent != IR_NONE) {
		e->sibling = ir->e[parent].child;
		ir->e[parent].child = idx;
	}
	uint32_t b = ir_hash(name, n) & (ir->nbuckets - 1);
	e->hnext = ir->hash[b];
	ir->hash[b] = idx;
	return idx;
}

/* name's directory chain, made where missing: 0, or -1 (no memory, or a
 * file where a directory must be) */
static int ir_parents(struct initrd *ir, const char *name, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (name[i] != '/')
			continue;
		uint32_t d = ir_find(ir, name, i);
		if (d == IR_NONE && ir_add(ir, name, i, S_IFDIR | 0755) == IR_NONE)
			return -1;
		if (d != IR_NONE && (ir->e[d].mode & S_IFMT) != S_IFDIR)
			return -1;
	}
	return 0;
}

static int ir_index(struct initrd *ir, const uint8_t *buf, size_t len)
{
	/* pass 1: count, so the hash is sized once (and the archive checked
	 * whole before anything is mounted) */
	size_t off = 0;
	struct cpio_entry ce;
	const char *why = 0;
	uint32_t count = 0;
	int rc;
	while ((rc = cpio_next(buf, len, &off, &ce, &why)) == 1)
		count++;
	if (rc < 0) {
		kprintf("initrd: %s at byte %lu\n", why, off);
		return -EINVAL;
	}
	ir->nbuckets = 64;
	while (ir->nbuckets < 2 * count && ir->nbuckets < (1u << 24))
		ir->nbuckets *= 2;
	ir->hash = kmalloc(ir->nbuckets * sizeof(uint32_t));
	if (!ir->hash)
		return -ENOMEM;
	memset(ir->hash, 0xff, ir->nbuckets * sizeof(uint32_t));
	if (ir_add(ir, "", 0, S_IFDIR | 0755) == IR_NONE)
		return -ENOMEM;
	char name[4096];
	for (off = 0; cpio_next(buf, len, &off, &ce, &why) == 1;) {
		int n = cpio_name_norm(ce.name, ce.namelen, name, sizeof(name));
		if (n < 0) {
			kprintf("initrd: member '%.*s' climbs out of the archive or is too long\n",
				(int)(ce.namelen > 64 ? 64 : ce.namelen), ce.name);
			return -EINVAL;
		}
		uint32_t type = ce.mode & S_IFMT;
		if (type != S_IFREG && type != S_IFDIR) {
			ir->skipped++;
			continue;
		}
		if (ir_parents(ir, name, (size_t)n) < 0) {
			kprintf("initrd: '%s': a parent is not a directory\n", name);
			return -EINVAL;
		}
		uint32_t i = ir_find(ir, name, (size_t)n);
		if (i != IR_NONE && (ir->e[i].mode & S_IFMT) != type) {
			kprintf("initrd: '%s' is both a file and a directory\n", name);
			return -EINVAL;
		}
		if (i == IR_NONE && (i = ir_add(ir, name, (size_t)n, ce.mode)) == IR_NONE)
			return -ENOMEM;
		/* a later member of the same name replaces the earlier one */
		ir->e[i].mode = type | (ce.mode & 07777);
		ir->e[i].mtime = ce.mtime;
		ir->e[i].data = type == S_IFREG ? ce.data : 0;
		ir->e[i].size = type == S_IFREG ? ce.size : 0;
	}
	return 0;
}

static struct ientry *ir_entry(struct vfs_file *f)
{
	return f->node;
}

static void ir_fill(const struct initrd *ir, const struct ientry *e, struct vfs_stat *st)
{
	*st = (struct vfs_stat){
		.ino = (uint64_t)(e - ir->e) + 1,
		.size = e->size,
		.blocks = (e->size + 511) / 512,
		.mode = e->mode,
		.nlink = (e->mode & S_IFMT) == S_IFDIR ? 2 : 1,
		.blksize = 4096,
		.atime_ns = (int64_t)e->mtime * 1000000000,
		.mtime_ns = (int64_t)e->mtime * 1000000000,
		.ctime_ns = (int64_t)e->mtime * 1000000000,
	};
}

static int ir_open(struct mount *m, const char *rel, int flags, uint32_t mode, struct vfs_file *f)
{
	(void)flags;
	(void)mode;
	struct initrd *ir = m->ctx;
	uint32_t i = ir_find(ir, rel, strlen(rel));
	if (i == IR_NONE)
		return -ENOENT;
	f->node = &ir->e[i];
	f->mode = ir->e[i].mode;
	return 0;
}

static int ir_stat(struct mount *m, const char *rel, struct vfs_stat *st)
{
	struct initrd *ir = m->ctx;
	uint32_t i = ir_find(ir, rel, strlen(rel));
	if (i == IR_NONE)
		return -ENOENT;
	ir_fill(ir, &ir->e[i], st);
	return 0;
}

static long ir_pread(struct vfs_file *f, void *buf, size_t n, uint64_t off)
{
	const struct ientry *e = ir_entry(f);
	if (off >= e->size)
		return 0;
	if (n > e->size - off)
		n = (size_t)(e->size - off);
	return probe_copy(buf, e->data + off, n) ? -EFAULT : (long)n; /* vfs.h: buf may go */
}

static long ir_pwrite(struct vfs_file *f, const void *buf, size_t n, uint64_t off)
{
	(void)f, (void)buf, (void)n, (void)off;
	return -EROFS;
}

static int ir_fstat(struct vfs_file *f, struct vfs_stat *st)
{
	ir_fill(f->mnt->ctx, ir_entry(f), st);
	return 0;
}

/* positions: 0 ".", 1 "..", 2 + k the k-th child */
static long ir_getdents(struct vfs_file *f, void *buf, size_t n, uint64_t *cookie)
{
	const struct initrd *ir = f->mnt->ctx;
	const struct ientry *d = ir_entry(f);
	uint32_t self = (uint32_t)(d - ir->e);
	size_t used = 0;
	uint64_t pos = *cookie;
	int full = fs_dirent_dots(buf, n, &used, &pos, self + 1,
				  (d->parent != IR_NONE ? d->parent : self) + 1);
	uint32_t c = d->child;
	for (uint64_t k = 2; k < pos && c != IR_NONE; k++)
		c = ir->e[c].sibling;
	for (; !full && c != IR_NONE; c = ir->e[c].sibling, pos++) {
		const struct ientry *e = &ir->e[c];
		size_t s = e->namelen;
		while (s && e->name[s - 1] != '/')
			s--;
		uint8_t type = (e->mode & S_IFMT) == S_IFDIR ? FS_DT_DIR : FS_DT_REG;
		if (fs_dirent_put(buf, n, &used, c + 1, pos + 1, type, e->name + s,
				  e->namelen - s) < 0) {
			full = 1; /* pos stays at the record that did not fit */
			break;
		}
	}
	if (!used && full)
		return -EINVAL; /* Linux: the buffer holds not even one record */
	*cookie = pos;
	return (long)used;
}

static int ir_ftruncate(struct vfs_file *f, uint64_t size)
{
	(void)f, (void)size;
	return -EROFS;
}

static int ir_mkdir(struct mount *m, const char *rel, uint32_t mode)
{
	(void)m, (void)rel, (void)mode;
	return -EROFS;
}

static int ir_unlink(struct mount *m, const char *rel, int is_dir)
{
	(void)m, (void)rel, (void)is_dir;
	return -EROFS;
}

static int ir_rename(struct mount *m, const char *from, const char *to)
{
	(void)m, (void)from, (void)to;
	return -EROFS;
}

static void ir_close(struct vfs_file *f)
{
	(void)f;
}

static const struct fs_ops initrd_ops = {
	.name = "initrd",
	.open = ir_open,
	.stat = ir_stat,
	.pread = ir_pread,
	.pwrite = ir_pwrite,
	.fstat = ir_fstat,
	.getdents64 = ir_getdents,
	.ftruncate = ir_ftruncate,
	.mkdir = ir_mkdir,
	.unlink = ir_unlink,
	.rename = ir_rename,
	.close = ir_close,
};

int initrd_mount(const char *path, const void *archive, size_t len)
{
	struct initrd *ir = kcalloc(1, sizeof(*ir));
	if (!ir)
		return -ENOMEM;
	int rc = ir_index(ir, archive, len);
	if (rc == 0)
		rc = vfs_mount(path, &initrd_ops, ir, true);
	if (rc < 0) {
		for (uint32_t i = 0; i < ir->n; i++)
			kfree(ir->e[i].name);
		kfree(ir->e);
		kfree(ir->hash);
		kfree(ir);
		return rc;
	}
	kprintf("initrd: %u entries (%lu KiB) at %s%s\n", ir->n - 1, len >> 10, path,
		ir->skipped ? ", symlinks/devices skipped" : "");
	return 0;
}
