/* SPDX-License-Identifier: MIT */
/*
 * guest/app/tests_fs.c - the VFS and its in-kernel file systems
 * (guest/fs/): the mount table's longest-prefix rule, ramfs semantics
 * (create, sparse writes, truncate, listing, rename, unlink while open,
 * the byte cap), and an initrd built here from a small cpio archive. Each
 * test mounts its own instance under /ktest-..., so it runs under the vmm
 * and on a PC alike.
 */
#include "lib/cpio/cpio.h"
#include "guest/fs/fs.h"
#include "guest/fs/fs_errno.h"
#include "lib/kstring/kstring.h"
#include "lib/printf/printf.h"
#include "lib/sched/sched.h"
#include "ktest.h"

static long t_write(const char *path, const char *text)
{
	struct vfs_file *f;
	int rc = vfs_open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644, &f);
	if (rc < 0)
		return rc;
	long n = vfs_pwrite(f, text, strlen(text), 0);
	vfs_close(f);
	return n;
}

/* names in a directory, "." and ".." included, read 40 bytes at a time */
static int t_count(const char *path, const char *want, int *found)
{
	struct vfs_file *d;
	int rc = vfs_open(path, O_RDONLY | O_DIRECTORY, 0, &d);
	if (rc < 0)
		return rc;
	uint8_t buf[40];
	uint64_t cookie = 0;
	long n;
	int count = 0;
	*found = 0;
	while ((n = vfs_getdents64(d, buf, sizeof(buf), &cookie)) > 0)
		for (long off = 0; off < n;) {
			uint16_t reclen;
			memcpy(&reclen, buf + off + 16, 2);
			*found += !strcmp((const char *)buf + off + 19, want);
			count++;
			off += reclen;
		}
	vfs_close(d);
	return n < 0 ? (int)n : count;
}

TEST(fs_ramfs_files)
{
	void *r = ramfs_new(1 << 20);
	EXPECT(r);
	EXPECT_EQ(vfs_mount("/ktest-ram", &ramfs_ops, r, false), 0);
	EXPECT_EQ(vfs_mount("/ktest-ram", &ramfs_ops, r, false), -EBUSY);
	EXPECT_EQ(vfs_mkdir("/ktest-ram/d", 0755), 0);
	EXPECT_EQ(vfs_mkdir("/ktest-ram/d", 0755), -EEXIST);
	EXPECT_EQ(t_write("/ktest-ram/d/a.txt", "hello"), 5);
	struct vfs_file *f;
	EXPECT_EQ(vfs_open("/ktest-ram/d/a.txt", O_RDWR, 0, &f), 0);
	/* a write past the end leaves a hole that reads as zeros */
	EXPECT_EQ(vfs_pwrite(f, "!", 1, 9), 1);
	char buf[16];
	memset(buf, 'x', sizeof(buf));
	EXPECT_EQ(vfs_pread(f, buf, sizeof(buf), 0), 10);
	EXPECT(!memcmp(buf, "hello\0\0\0\0!", 10));
	EXPECT_EQ(vfs_pread(f, buf, 4, 10), 0);
	EXPECT_EQ(vfs_ftruncate(f, 2), 0);
	struct vfs_stat st;
	EXPECT_EQ(vfs_fstat(f, &st), 0);
	EXPECT_EQ(st.size, 2);
	EXPECT_EQ(st.mode & S_IFMT, S_IFREG);
	/* unlinked while open: still readable through f, gone by name */
	EXPECT_EQ(vfs_unlink("/ktest-ram/d/a.txt", 0), 0);
	EXPECT_EQ(vfs_stat("/ktest-ram/d/a.txt", &st), -ENOENT);
	EXPECT_EQ(vfs_pread(f, buf, 4, 0), 2);
	vfs_close(f);
	/* access modes and kinds */
	EXPECT_EQ(t_write("/ktest-ram/b", "bb"), 2);
	EXPECT_EQ(vfs_open("/ktest-ram/b", O_RDONLY, 0, &f), 0);
	EXPECT_EQ(vfs_pwrite(f, "x", 1, 0), -EBADF);
	EXPECT_EQ(vfs_ftruncate(f, 0), -EINVAL);
	vfs_close(f);
	EXPECT_EQ(vfs_open("/ktest-ram/b", O_RDONLY | O_DIRECTORY, 0, &f), -ENOTDIR);
	EXPECT_EQ(vfs_open("/ktest-ram/d", O_WRONLY, 0, &f), -EISDIR);
	EXPECT_EQ(vfs_open("/ktest-ram/b", O_WRONLY | O_CREAT | O_EXCL, 0644, &f), -EEXIST);
	EXPECT_EQ(vfs_open("/ktest-ram/no/such", O_WRONLY | O_CREAT, 0644, &f), -ENOENT);
	EXPECT_EQ(vfs_open("/ktest-ram/b/x", O_WRONLY | O_CREAT, 0644, &f), -ENOTDIR);
	/* unnormalised paths are refused, not guessed at */
	EXPECT_EQ(vfs_stat("/ktest-ram/../ktest-ram/b", &st), -EINVAL);
	EXPECT_EQ(vfs_stat("/ktest-ram//b", &st), -EINVAL);
	EXPECT_EQ(vfs_stat("ktest-ram/b", &st), -EINVAL);
}

TEST(fs_ramfs_names)
{
	void *r = ramfs_new(1 << 20);
	EXPECT_EQ(vfs_mount("/ktest-names", &ramfs_ops, r, false), 0);
	EXPECT_EQ(vfs_mkdir("/ktest-names/d", 0755), 0);
	char name[32];
	for (int i = 0; i < 12; i++) {
		pk_snprintf(name, sizeof(name), "/ktest-names/d/file-%02d", i);
		EXPECT_EQ(t_write(name, "x"), 1);
	}
	int found;
	/* 40-byte buffers: one record per call, resumed by the cookie */
	EXPECT_EQ(t_count("/ktest-names/d", "file-07", &found), 14);
	EXPECT_EQ(found, 1);
	EXPECT_EQ(vfs_rename("/ktest-names/d/file-07", "/ktest-names/moved"), 0);
	EXPECT_EQ(t_count("/ktest-names/d", "file-07", &found), 13);
	EXPECT_EQ(found, 0);
	EXPECT_EQ(t_count("/ktest-names", "moved", &found), 4);
	EXPECT_EQ(found, 1);
	EXPECT_EQ(vfs_unlink("/ktest-names/d", 1), -ENOTEMPTY);
	EXPECT_EQ(vfs_unlink("/ktest-names/d", 0), -EISDIR);
	EXPECT_EQ(vfs_unlink("/ktest-names/moved", 1), -ENOTDIR);
	EXPECT_EQ(vfs_rename("/ktest-names/d", "/ktest-names/d/sub"), -EINVAL);
	EXPECT_EQ(vfs_rename("/ktest-names/moved", "/tmp/elsewhere"), -EXDEV);
	EXPECT_EQ(vfs_unlink("/ktest-names", 1), -EBUSY);
	/* the byte cap */
	void *small = ramfs_new(4096);
	EXPECT_EQ(vfs_mount("/ktest-small", &ramfs_ops, small, false), 0);
	struct vfs_file *f;
	EXPECT_EQ(vfs_open("/ktest-small/big", O_WRONLY | O_CREAT, 0644, &f), 0);
	static char page[4096];
	EXPECT_EQ(vfs_pwrite(f, page, sizeof(page), 0), 4096);
	EXPECT_EQ(vfs_pwrite(f, page, 1, 4096), -ENOSPC);
	vfs_close(f);
}

/* A cpio newc member into buf at *len (tests/unit/test_cpio.c has the
 * hostile ones; this is the happy path on the kernel's side). */
static void t_cpio_add(char *buf, size_t *len, const char *name, uint32_t mode, const char *data)
{
	size_t ns = strlen(name) + 1, ds = strlen(data);
	pk_snprintf(buf + *len, CPIO_HDR_SIZE + 1,
		    "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X", 1u, mode, 0u, 0u,
		    1u, 0u, (unsigned)ds, 0u, 0u, 0u, 0u, (unsigned)ns, 0u);
	*len += CPIO_HDR_SIZE;
	memcpy(buf + *len, name, ns);
	*len = (*len + ns + 3) & ~(size_t)3;
	memcpy(buf + *len, data, ds);
	*len = (*len + ds + 3) & ~(size_t)3;
}

TEST(fs_initrd_and_mounts)
{
	static char arc[2048];
	size_t len = 0;
	memset(arc, 0, sizeof(arc));
	t_cpio_add(arc, &len, ".", 040755, "");
	t_cpio_add(arc, &len, "./bin/tool", 0100755, "#!tool\n"); /* bin/ implicit */
	t_cpio_add(arc, &len, "etc/motd", 0100644, "welcome\n");
	t_cpio_add(arc, &len, "link", 0120777, "bin/tool"); /* skipped */
	t_cpio_add(arc, &len, "TRAILER!!!", 0, "");
	EXPECT_EQ(initrd_mount("/ktest-ir", arc, len), 0);
	struct vfs_stat st;
	EXPECT_EQ(vfs_stat("/ktest-ir/bin", &st), 0);
	EXPECT_EQ(st.mode & S_IFMT, S_IFDIR);
	EXPECT_EQ(vfs_stat("/ktest-ir/bin/tool", &st), 0);
	EXPECT_EQ(st.size, 7);
	EXPECT_EQ(st.mode, 0100755);
	EXPECT_EQ(vfs_stat("/ktest-ir/link", &st), -ENOENT);
	struct vfs_file *f;
	EXPECT_EQ(vfs_open("/ktest-ir/etc/motd", O_RDONLY, 0, &f), 0);
	char buf[16];
	EXPECT_EQ(vfs_pread(f, buf, sizeof(buf), 0), 8);
	EXPECT(!memcmp(buf, "welcome\n", 8));
	EXPECT_EQ(vfs_pread(f, buf, sizeof(buf), 3), 5);
	vfs_close(f);
	int found;
	EXPECT_EQ(t_count("/ktest-ir", "etc", &found), 4); /* . .. bin etc */
	EXPECT_EQ(found, 1);
	/* read-only, whatever is asked */
	EXPECT_EQ(vfs_open("/ktest-ir/etc/motd", O_RDWR, 0, &f), -EROFS);
	EXPECT_EQ(vfs_open("/ktest-ir/new", O_WRONLY | O_CREAT, 0644, &f), -EROFS);
	EXPECT_EQ(vfs_mkdir("/ktest-ir/d", 0755), -EROFS);
	EXPECT_EQ(vfs_unlink("/ktest-ir/etc/motd", 0), -EROFS);
	/* a mount inside it wins for its own paths only (longest prefix) */
	void *r = ramfs_new(4096);
	EXPECT_EQ(vfs_mount("/ktest-ir/etc/over", &ramfs_ops, r, false), 0);
	EXPECT_EQ(t_write("/ktest-ir/etc/over/x", "x"), 1);
	EXPECT_EQ(vfs_stat("/ktest-ir/etc/motd", &st), 0);
	const char *rel;
	struct mount *m = vfs_lookup("/ktest-ir/etc/overx", &rel);
	EXPECT(m && !strcmp(m->path, "/ktest-ir"));
	EXPECT(!strcmp(rel, "etc/overx"));
	/* a hostile archive is refused whole, nothing mounted */
	len = 0;
	t_cpio_add(arc, &len, "../../escape", 0100644, "x");
	t_cpio_add(arc, &len, "TRAILER!!!", 0, "");
	EXPECT_EQ(initrd_mount("/ktest-bad", arc, len), -EINVAL);
	EXPECT_EQ(initrd_mount("/ktest-bad", arc, 100), -EINVAL);
	m = vfs_lookup("/ktest-bad", &rel);
	EXPECT(!m || strcmp(m->path, "/ktest-bad"));
	EXPECT_EQ(vfs_stat("/ktest-bad", &st), -ENOENT);
}

/* A lazy mount: listed at once, its file system made at the first path
 * below it and only then; a make that fails gives -ENOMEM and is tried
 * again at the next use. */
static int t_lazy_calls, t_lazy_fail;

static void *t_lazy_make(void)
{
	t_lazy_calls++;
	return t_lazy_fail ? 0 : ramfs_new(4096);
}

TEST(fs_lazy_mount)
{
	struct vfs_stat st;
	const char *rel;
	t_lazy_fail = 1;
	EXPECT_EQ(vfs_mount_lazy("/ktest-lazy", &ramfs_ops, t_lazy_make, false), 0);
	struct mount *m = vfs_lookup("/ktest-lazy/x", &rel);
	EXPECT(m && !strcmp(m->path, "/ktest-lazy") && !m->ctx);
	EXPECT_EQ(t_lazy_calls, 0); /* a lookup alone makes nothing */
	EXPECT_EQ(vfs_stat("/ktest-lazy/x", &st), -ENOMEM);
	EXPECT_EQ(t_lazy_calls, 1);
	t_lazy_fail = 0;
	EXPECT_EQ(t_write("/ktest-lazy/x", "lazy"), 4);
	EXPECT_EQ(t_lazy_calls, 2);
	EXPECT_EQ(vfs_stat("/ktest-lazy/x", &st), 0);
	EXPECT_EQ(st.size, 4);
	EXPECT_EQ(t_lazy_calls, 2); /* made once */
	EXPECT(m->ctx != 0);
}

/* Every CPU at once on one ramfs: each index makes its own file, writes
 * it in pieces, reads it back, renames and unlinks it, while all of them
 * also append to one shared file at their own offsets. */
#define PAR_N 256

static void t_par_one(uint64_t i, void *arg)
{
	int *bad = arg;
	char path[48], moved[48], blk[64];
	pk_snprintf(path, sizeof(path), "/ktest-par/f%lu", i);
	pk_snprintf(moved, sizeof(moved), "/ktest-par/d/m%lu", i);
	memset(blk, (int)('a' + i % 26), sizeof(blk));
	struct vfs_file *f, *shared;
	if (vfs_open(path, O_RDWR | O_CREAT | O_EXCL, 0644, &f) < 0) {
		__atomic_add_fetch(bad, 1, __ATOMIC_RELAXED);
		return;
	}
	for (int k = 0; k < 8; k++)
		if (vfs_pwrite(f, blk, sizeof(blk), (uint64_t)k * sizeof(blk)) != sizeof(blk))
			__atomic_add_fetch(bad, 1, __ATOMIC_RELAXED);
	char back[64 * 8];
	if (vfs_pread(f, back, sizeof(back), 0) != sizeof(back) || back[511] != blk[0] ||
	    back[0] != blk[0])
		__atomic_add_fetch(bad, 1, __ATOMIC_RELAXED);
	vfs_close(f);
	if (vfs_open("/ktest-par/shared", O_WRONLY, 0, &shared) == 0) {
		if (vfs_pwrite(shared, blk, 8, i * 8) != 8)
			__atomic_add_fetch(bad, 1, __ATOMIC_RELAXED);
		vfs_close(shared);
	} else {
		__atomic_add_fetch(bad, 1, __ATOMIC_RELAXED);
	}
	if (vfs_rename(path, moved) < 0 || vfs_unlink(moved, 0) < 0)
		__atomic_add_fetch(bad, 1, __ATOMIC_RELAXED);
}

TEST(fs_ramfs_all_cpus)
{
	void *r = ramfs_new(8 << 20);
	EXPECT_EQ(vfs_mount("/ktest-par", &ramfs_ops, r, false), 0);
	EXPECT_EQ(vfs_mkdir("/ktest-par/d", 0755), 0);
	EXPECT_EQ(t_write("/ktest-par/shared", ""), 0);
	int bad = 0;
	EXPECT_EQ(sched_parallel_for(PAR_N, t_par_one, &bad), 0);
	EXPECT_EQ(bad, 0);
	int found;
	EXPECT_EQ(t_count("/ktest-par/d", "m7", &found), 2); /* all moved and removed */
	struct vfs_stat st;
	EXPECT_EQ(vfs_stat("/ktest-par/shared", &st), 0);
	EXPECT_EQ(st.size, PAR_N * 8);
	struct vfs_file *f;
	EXPECT_EQ(vfs_open("/ktest-par/shared", O_RDONLY, 0, &f), 0);
	static char all[PAR_N * 8];
	EXPECT_EQ(vfs_pread(f, all, sizeof(all), 0), sizeof(all));
	vfs_close(f);
	for (unsigned i = 0; i < PAR_N; i++)
		EXPECT_MSG(all[i * 8] == (char)('a' + i % 26) && all[i * 8 + 7] == all[i * 8],
			   "shared file: slot %u holds '%c'", i, all[i * 8]);
}
