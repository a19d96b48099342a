/* SPDX-License-Identifier: MIT */
/*
 * guest/fs/fs.h - what a file system gives the VFS (vfs.c), and the
 * mount table. A file system sees paths RELATIVE to its mount's root:
 * "" is the root itself, "a/b" has no leading or trailing '/' (the same
 * convention as the host-file ABI, proto/fs.h). Every op may be called
 * from any CPU at once; each file system does its own locking (ramfs: a
 * spinlock, never held across a hypercall; initrd: immutable; hostfs:
 * an open file's read-ahead window lock, held across the hypercall that
 * refills it, never yielding).
 */
#ifndef PK_FS_FS_H
#define PK_FS_FS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vfs.h"

struct mount;

struct vfs_file {
	const struct fs_ops *ops;
	struct mount *mnt;
	void *node;	 /* the file system's own (ramfs/initrd node) */
	uint32_t handle; /* hostfs: the vmm's handle */
	int flags;	 /* O_* given to vfs_open */
	uint32_t mode;	 /* S_IFREG or S_IFDIR | permission bits */
};

struct fs_ops {
	const char *name;
	/* fill f->node / f->handle / f->mode; the VFS has checked the flags
	 * against a read-only mount already */
	int (*open)(struct mount *m, const char *rel, int flags, uint32_t mode, struct vfs_file *f);
	int (*stat)(struct mount *m, const char *rel, struct vfs_stat *st);
	long (*pread)(struct vfs_file *f, void *buf, size_t n, uint64_t off);
	long (*pwrite)(struct vfs_file *f, const void *buf, size_t n, uint64_t off);
	int (*fstat)(struct vfs_file *f, struct vfs_stat *st);
	long (*getdents64)(struct vfs_file *f, void *buf, size_t n, uint64_t *cookie);
	int (*ftruncate)(struct vfs_file *f, uint64_t size);
	int (*fsync)(struct vfs_file *f);
	int (*mkdir)(struct mount *m, const char *rel, uint32_t mode);
	int (*unlink)(struct mount *m, const char *rel, int is_dir);
	int (*rename)(struct mount *m, const char *from, const char *to);
	void (*close)(struct vfs_file *f);
};

#define VFS_MOUNT_PATH_MAX 256
#define VFS_MOUNTS_MAX 32

struct mount {
	char path[VFS_MOUNT_PATH_MAX]; /* "/" or "/a/b" */
	size_t len;
	const struct fs_ops *ops;
	void *ctx;	     /* the file system instance */
	void *(*make)(void); /* vfs_mount_lazy: makes ctx at the first use */
	bool ro;
};

/* Add a mount (boot, or tests). A path already mounted or a full table:
 * -EBUSY / -ENOSPC. Mounts are never removed. */
int vfs_mount(const char *path, const struct fs_ops *ops, void *ctx, bool ro);
/* The same, but the file system is made by make() when a path below it is
 * first used: a boot that never touches it does not pay for it (the /tmp
 * RAM fs). Until then, and if make() fails (it is retried), the mount is
 * listed and paths below it fail with -ENOMEM. */
int vfs_mount_lazy(const char *path, const struct fs_ops *ops, void *(*make)(void), bool ro);
/* The mount for path and path's part below it (rel), or NULL. */
struct mount *vfs_lookup(const char *path, const char **rel);
/* Print the mount table ("mounts: / initrd ro, /tmp ramfs"). */
void vfs_print_mounts(void);

/* One struct linux_dirent64 into buf at *used (8-byte records): 0, or -1
 * when it does not fit (nothing written). */
int fs_dirent_put(void *buf, size_t n, size_t *used, uint64_t ino, uint64_t next, uint8_t type,
		  const char *name, size_t namelen);

/* Positions 0 and 1 of a listing ("." and ".."), from *pos: 0, or 1 when
 * buf is full (*pos stays at the record that did not fit). */
int fs_dirent_dots(void *buf, size_t n, size_t *used, uint64_t *pos, uint64_t self_ino,
		   uint64_t parent_ino);

/* The file systems. initrd_mount parses a cpio newc archive in place (it
 * must stay mapped and unchanged); ramfs_new makes an empty one holding at
 * most max_bytes of file data; hostfs_mount_shares mounts every vmm share
 * (none off the vmm). 0 / number mounted, or a negative errno. */
int initrd_mount(const char *path, const void *archive, size_t len);
void *ramfs_new(uint64_t max_bytes);
extern const struct fs_ops ramfs_ops;
int hostfs_mount_shares(void);

/* Boot: mount what there is (fs_init.c). */
void fs_init(void);

#endif
