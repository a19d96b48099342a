/* SPDX-License-Identifier: MIT */
/*
 * guest/fs/vfs.h - the kernel's file API (the contract with the Linux
 * syscall layer, guest/linux/; docs/files.md). Paths are absolute and
 * already normalised by the caller (no "." or ".." components, no
 * duplicate '/'); the longest mount prefix picks the file system
 * (vfs.c), a path under no mount is -ENOENT, and no path leaves its mount.
 * Errors are negative Linux errno values. Offsets belong to the caller's
 * file description (pread/pwrite style). Callable from any CPU at once;
 * a call may block its task (a hostfs call is a synchronous hypercall).
 * Data buffers may be program memory that another CPU unmaps during the
 * call: a backend copies to and from them with probe_copy (a fault is
 * -EFAULT, guest/arch/trap.h) or, handing physical pages to the vmm,
 * translates and calls with interrupts off (hostfs.c), never a plain
 * memcpy.
 */
#ifndef PK_FS_VFS_H
#define PK_FS_VFS_H

#include <stddef.h>
#include <stdint.h>
struct vfs_file; /* opaque: one per open file (or directory) */
struct vfs_stat {
	uint64_t ino, size, blocks; /* blocks in 512-byte units */
	uint32_t mode;		    /* S_IFREG/S_IFDIR | permission bits (Linux values) */
	uint32_t nlink, blksize;
	int64_t atime_ns, mtime_ns, ctime_ns;
};
int vfs_open(const char *path, int flags /* Linux O_* values */, uint32_t mode,
	     struct vfs_file **out);
long vfs_pread(struct vfs_file *f, void *buf, size_t n, uint64_t off);
long vfs_pwrite(struct vfs_file *f, const void *buf, size_t n, uint64_t off);
int vfs_fstat(struct vfs_file *f, struct vfs_stat *st);
int vfs_stat(const char *path, struct vfs_stat *st);
/* Linux struct linux_dirent64 records into buf; *cookie is the position
 * (0 = start), advanced past what was returned; returns bytes, 0 at end. */
long vfs_getdents64(struct vfs_file *f, void *buf, size_t n, uint64_t *cookie);
int vfs_ftruncate(struct vfs_file *f, uint64_t size);
int vfs_fsync(struct vfs_file *f);
int vfs_mkdir(const char *path, uint32_t mode);
int vfs_unlink(const char *path, int is_dir /* rmdir */);
int vfs_rename(const char *from, const char *to);
void vfs_close(struct vfs_file *f);

#endif
