/* SPDX-License-Identifier: MIT */
/*
 * guest/app/tests_hostfs.c - the VFS over vmm shares (guest/fs/hostfs.c):
 * the same semantics as ramfs through the file hypercalls, and data
 * buffers that are virtually contiguous but physically scattered (as a
 * program's memory is), which hostfs must split into segments. Needs
 * `vmm --share DIR:/ktest-share --share DIR2:/ktest-share-ro:ro` (the
 * nested suite's share-ktests check); SKIP elsewhere.
 */
#include "guest/fs/fs.h"
#include "guest/fs/fs_errno.h"
#include "guest/mm/paging.h"
#include "lib/heap/heap.h"
#include "lib/heap/pages.h"
#include "lib/kstring/kstring.h"
#include "ktest.h"

static int t_hostfs(const char *path)
{
	const char *rel;
	struct mount *m = vfs_lookup(path, &rel);
	return m && !strcmp(m->path, path) && !strcmp(m->ops->name, "hostfs");
}

TEST(fs_hostfs_semantics)
{
	if (!t_hostfs("/ktest-share"))
		SKIP("no vmm share at /ktest-share");
	struct vfs_file *f;
	struct vfs_stat st;
	vfs_unlink("/ktest-share/d/moved", 0); /* a previous run's */
	vfs_unlink("/ktest-share/d", 1);
	EXPECT_EQ(vfs_mkdir("/ktest-share/d", 0755), 0);
	EXPECT_EQ(vfs_mkdir("/ktest-share/d", 0755), -EEXIST);
	EXPECT_EQ(vfs_open("/ktest-share/d/a", O_RDWR | O_CREAT | O_TRUNC, 0644, &f), 0);
	EXPECT_EQ(vfs_pwrite(f, "hello", 5, 0), 5);
	EXPECT_EQ(vfs_pwrite(f, "!", 1, 9), 1); /* a hole of zeros */
	char buf[16];
	memset(buf, 'x', sizeof(buf));
	EXPECT_EQ(vfs_pread(f, buf, sizeof(buf), 0), 10);
	EXPECT(!memcmp(buf, "hello\0\0\0\0!", 10));
	EXPECT_EQ(vfs_ftruncate(f, 2), 0);
	EXPECT_EQ(vfs_fstat(f, &st), 0);
	EXPECT_EQ(st.size, 2);
	EXPECT_EQ(st.mode & S_IFMT, S_IFREG);
	EXPECT_EQ(vfs_fsync(f), 0);
	vfs_close(f);
	EXPECT_EQ(vfs_stat("/ktest-share/d", &st), 0);
	EXPECT_EQ(st.mode & S_IFMT, S_IFDIR);
	EXPECT_EQ(vfs_open("/ktest-share/d/a", O_WRONLY | O_CREAT | O_EXCL, 0644, &f), -EEXIST);
	EXPECT_EQ(vfs_open("/ktest-share/d", O_WRONLY, 0, &f), -EISDIR);
	EXPECT_EQ(vfs_open("/ktest-share/d/a", O_RDONLY | O_DIRECTORY, 0, &f), -ENOTDIR);
	EXPECT_EQ(vfs_open("/ktest-share/no/such", O_RDONLY, 0, &f), -ENOENT);
	EXPECT_EQ(vfs_unlink("/ktest-share/d", 1), -ENOTEMPTY);
	EXPECT_EQ(vfs_rename("/ktest-share/d/a", "/tmp/a"), -EXDEV);
	EXPECT_EQ(vfs_rename("/ktest-share/d/a", "/ktest-share/d/moved"), 0);
	EXPECT_EQ(vfs_stat("/ktest-share/d/a", &st), -ENOENT);
	/* a listing in 40-byte steps: . .. moved */
	EXPECT_EQ(vfs_open("/ktest-share/d", O_RDONLY | O_DIRECTORY, 0, &f), 0);
	uint8_t d[40];
	uint64_t cookie = 0;
	long n;
	int count = 0, moved = 0;
	while ((n = vfs_getdents64(f, d, sizeof(d), &cookie)) > 0)
		for (long off = 0; off < n; off += d[off + 16] | d[off + 17] << 8) {
			moved += !strcmp((const char *)d + off + 19, "moved");
			count++;
		}
	vfs_close(f);
	EXPECT_EQ(n, 0);
	EXPECT_EQ(count, 3);
	EXPECT_EQ(moved, 1);
	EXPECT_EQ(vfs_unlink("/ktest-share/d/moved", 0), 0);
	EXPECT_EQ(vfs_unlink("/ktest-share/d", 1), 0);
}

/* Two frames mapped back to front at adjacent addresses in the lower half:
 * one buffer, two physical runs. */
#define T_VA 0x40000000000ull

static uint8_t *t_scatter(void **a, void **b)
{
	*a = pages_alloc(4096, 4096);
	*b = pages_alloc(4096, 4096);
	if (!*a || !*b)
		return 0;
	uint64_t pa = (uint64_t)*a - PK_DIRECT_MAP_BASE, pb = (uint64_t)*b - PK_DIRECT_MAP_BASE;
	if (paging_map(T_VA, pb, 4096, PG_WRITE) < 0)
		return 0;
	if (paging_map(T_VA + 4096, pa, 4096, PG_WRITE) < 0) {
		paging_unmap(T_VA, 4096);
		return 0;
	}
	return (uint8_t *)T_VA;
}

TEST(fs_hostfs_scattered_buffers)
{
	if (!t_hostfs("/ktest-share"))
		SKIP("no vmm share at /ktest-share");
	void *a, *b;
	uint8_t *buf = t_scatter(&a, &b);
	EXPECT(buf);
	for (int i = 0; i < 8192; i++)
		buf[i] = (uint8_t)(i * 7 + (i >> 12));
	struct vfs_file *f;
	EXPECT_EQ(vfs_open("/ktest-share/scatter.bin", O_RDWR | O_CREAT | O_TRUNC, 0644, &f), 0);
	/* across the page seam, at an odd offset: both runs in one call */
	EXPECT_EQ(vfs_pwrite(f, buf + 100, 8000, 3), 8000);
	static uint8_t back[8192];
	EXPECT_EQ(vfs_pread(f, back, sizeof(back), 3), 8000);
	EXPECT(!memcmp(back, buf + 100, 8000));
	/* and back into the scattered buffer */
	memset(buf, 0, 8192);
	EXPECT_EQ(vfs_pread(f, buf + 50, 8000, 3), 8000);
	EXPECT(!memcmp(buf + 50, back, 8000));
	vfs_close(f);
	EXPECT_EQ(vfs_unlink("/ktest-share/scatter.bin", 0), 0);
	paging_unmap(T_VA, 8192);
	pages_free(a, 4096);
	pages_free(b, 4096);
	/* 3 MiB + 5 through 1 MiB chunks, written and read back */
	size_t big = (3u << 20) + 5;
	uint8_t *p = kmalloc(big), *q = kmalloc(big);
	EXPECT(p && q);
	for (size_t i = 0; i < big; i++)
		p[i] = (uint8_t)(i ^ (i >> 9));
	EXPECT_EQ(vfs_open("/ktest-share/big.bin", O_RDWR | O_CREAT | O_TRUNC, 0644, &f), 0);
	EXPECT_EQ(vfs_pwrite(f, p, big, 0), (long)big);
	EXPECT_EQ(vfs_pread(f, q, big, 0), (long)big);
	EXPECT_EQ(vfs_pread(f, q, 16, big), 0);
	vfs_close(f);
	EXPECT(!memcmp(p, q, big));
	kfree(p);
	kfree(q);
	EXPECT_EQ(vfs_unlink("/ktest-share/big.bin", 0), 0);
}

TEST(fs_hostfs_readonly)
{
	if (!t_hostfs("/ktest-share-ro"))
		SKIP("no read-only vmm share at /ktest-share-ro");
	struct vfs_file *f;
	struct vfs_stat st;
	EXPECT_EQ(vfs_stat("/ktest-share-ro", &st), 0);
	EXPECT_EQ(st.mode & S_IFMT, S_IFDIR);
	EXPECT_EQ(vfs_open("/ktest-share-ro/new", O_WRONLY | O_CREAT, 0644, &f), -EROFS);
	EXPECT_EQ(vfs_mkdir("/ktest-share-ro/d", 0755), -EROFS);
	EXPECT_EQ(vfs_open("/ktest-share-ro", O_RDONLY | O_DIRECTORY, 0, &f), 0);
	uint8_t d[512];
	uint64_t cookie = 0;
	EXPECT(vfs_getdents64(f, d, sizeof(d), &cookie) > 0);
	vfs_close(f);
}
