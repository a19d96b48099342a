/* SPDX-License-Identifier: MIT */
/*
 * guest/linux/vfs_none.c - the vfs (guest/fs/vfs.h) where none is linked
 * in: weak definitions that say "no such file" for every path, so the
 * syscall layer links and programs without files run. guest/fs/'s real
 * implementation overrides every one of them.
 */
#include "guest/fs/vfs.h"
#include "errno.h"

#define WEAK __attribute__((weak))

WEAK int vfs_open(const char *path, int flags, uint32_t mode, struct vfs_file **out)
{
	(void)path, (void)flags, (void)mode, (void)out;
	return -ENOENT;
}
WEAK long vfs_pread(struct vfs_file *f, void *buf, size_t n, uint64_t off)
{
	(void)f, (void)buf, (void)n, (void)off;
	return -EBADF;
}
WEAK long vfs_pwrite(struct vfs_file *f, const void *buf, size_t n, uint64_t off)
{
	(void)f, (void)buf, (void)n, (void)off;
	return -EBADF;
}
WEAK int vfs_fstat(struct vfs_file *f, struct vfs_stat *st)
{
	(void)f, (void)st;
	return -EBADF;
}
WEAK int vfs_stat(const char *path, struct vfs_stat *st)
{
	(void)st;
	/* "/" exists so that getcwd/chdir("/") behave */
	if (path[0] == '/' && !path[1]) {
		st->mode = 0040755;
		st->nlink = 2;
		return 0;
	}
	return -ENOENT;
}
WEAK long vfs_getdents64(struct vfs_file *f, void *buf, size_t n, uint64_t *cookie)
{
	(void)f, (void)buf, (void)n, (void)cookie;
	return -EBADF;
}
WEAK int vfs_ftruncate(struct vfs_file *f, uint64_t size)
{
	(void)f, (void)size;
	return -EBADF;
}
WEAK int vfs_fsync(struct vfs_file *f)
{
	(void)f;
	return -EBADF;
}
WEAK int vfs_mkdir(const char *path, uint32_t mode)
{
	(void)path, (void)mode;
	return -EROFS;
}
WEAK int vfs_unlink(const char *path, int is_dir)
{
	(void)path, (void)is_dir;
	return -ENOENT;
}
WEAK int vfs_rename(const char *from, const char *to)
{
	(void)from, (void)to;
	return -ENOENT;
}
WEAK void vfs_close(struct vfs_file *f)
{
	(void)f;
}
