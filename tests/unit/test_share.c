/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_share.c - `--share` (vmm/share.c, vmm/hcall_fs*.c)
 * without /dev/kvm: the spec and path checks as pure functions, then the
 * file hypercalls through the real dispatcher over fake guest RAM against
 * a temporary share planted the way an attacker with write access to it
 * would: symlinks out (absolute and relative), a FIFO, a hard link to a
 * file outside, names that climb out, writes to a read-only share, caps.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <pthread.h>
#include <unistd.h>

#include "check_run.h"
#include "tmpdir.h"
#include "vmm/hcall.h"
#include "vmm/kvm.h"

/* ---- pure ---------------------------------------------------------------- */

START_TEST(spec_parse)
{
	struct share_spec s;
	char err[128];
	ck_assert_int_eq(share_parse_spec("/srv/data:/data", &s, err, sizeof(err)), 0);
	ck_assert_str_eq(s.host, "/srv/data");
	ck_assert_str_eq(s.guest, "/data");
	ck_assert(!s.ro);
	ck_assert_int_eq(share_parse_spec("a:b:/x/y:ro", &s, err, sizeof(err)), 0);
	ck_assert_str_eq(s.host, "a:b"); /* HOST may hold ':' */
	ck_assert_str_eq(s.guest, "/x/y");
	ck_assert(s.ro);
	ck_assert_int_eq(share_parse_spec("root:/", &s, err, sizeof(err)), 0);
	ck_assert_str_eq(s.guest, "/");
	static const char *const bad[] = {
		"nocolon",     ":/data",     "dir:",	  "dir:data", "dir:/data/", "dir://data",
		"dir:/a/../b", "dir:/a/./b", "dir:/a//b", "dir::ro",  "dir:ro",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = 0;
		ck_assert_msg(share_parse_spec(bad[i], &s, err, sizeof(err)) < 0, "%s accepted",
			      bad[i]);
		ck_assert_msg(err[0], "%s: no reason given", bad[i]);
	}
	char longg[400] = "d:/";
	memset(longg + 3, 'g', 300);
	ck_assert_int_lt(share_parse_spec(longg, &s, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(err, "255"));
}
END_TEST

START_TEST(guest_clash)
{
	ck_assert(share_guest_clash("/a", "/a"));
	ck_assert(share_guest_clash("/a", "/a/b"));
	ck_assert(share_guest_clash("/a/b/c", "/a/b"));
	ck_assert(share_guest_clash("/", "/anything"));
	ck_assert(!share_guest_clash("/a", "/ab"));
	ck_assert(!share_guest_clash("/ab", "/a"));
	ck_assert(!share_guest_clash("/a/b", "/a/c"));
}
END_TEST

START_TEST(path_check)
{
	ck_assert_int_eq(share_path_check("", 0), 0);
	ck_assert_int_eq(share_path_check("a", 1), 0);
	ck_assert_int_eq(share_path_check("a/b.c/..d", 9), 0);
	static const char *const bad[] = {"..",	    ".",    "/a",  "a/", "a//b",
					  "a/../b", "../x", "a/.", "./a"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(share_path_check(bad[i], strlen(bad[i])) == -EINVAL, "%s", bad[i]);
	ck_assert_int_eq(share_path_check("a\0b", 3), -EINVAL); /* NUL inside */
	char name[300];
	memset(name, 'n', sizeof(name));
	ck_assert_int_eq(share_path_check(name, 256), -ENAMETOOLONG);
	ck_assert_int_eq(share_path_check(name, 255), 0);
	static char big[PK_FS_PATH_MAX + 2];
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = i % 2 ? '/' : 'x';
	ck_assert_int_eq(share_path_check(big, PK_FS_PATH_MAX + 1), -ENAMETOOLONG);
}
END_TEST

/* ---- the calls over fake guest RAM --------------------------------------- */

#define G_REQ 0x1000ull
#define G_PATH 0x2000ull
#define G_TO 0x4000ull
#define G_STAT 0x6000ull
#define G_SEGS 0x7000ull
#define G_BUF 0x10000ull
#define G_RAM (4ull << 20)

static char parent[64], dir[96];
static struct vm vm;
static struct vcpu vc;
static struct vmm_opts opts;
static char spec_rw[128], spec_ro[128];

static void put(const char *rel, const char *text)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/%s", parent, rel);
	FILE *f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static void sh_setup(void)
{
	ck_assert_ptr_nonnull(check_tmpdir(parent, sizeof(parent), "pk-share"));
	snprintf(dir, sizeof(dir), "%s/sh", parent);
	ck_assert_int_eq(mkdir(dir, 0755), 0);
	char p[256], q[256];
	snprintf(p, sizeof(p), "%s/sub", dir);
	ck_assert_int_eq(mkdir(p, 0755), 0);
	put("victim.txt", "VICTIM");
	put("sh/hello.txt", "hello, share\n");
	put("sh/sub/inner.txt", "inner");
	snprintf(p, sizeof(p), "%s/abs", dir);
	ck_assert_int_eq(symlink("/etc", p), 0);
	snprintf(p, sizeof(p), "%s/rel", dir);
	ck_assert_int_eq(symlink("../victim.txt", p), 0);
	snprintf(p, sizeof(p), "%s/fifo", dir);
	ck_assert_int_eq(mkfifo(p, 0644), 0);
	snprintf(p, sizeof(p), "%s/hard", dir);
	snprintf(q, sizeof(q), "%s/victim.txt", parent);
	ck_assert_int_eq(link(q, p), 0);

	memset(&vm, 0, sizeof(vm));
	memset(&vc, 0, sizeof(vc));
	memset(&opts, 0, sizeof(opts));
	snprintf(spec_rw, sizeof(spec_rw), "%s:/data", dir);
	snprintf(spec_ro, sizeof(spec_ro), "%s:/ro:ro", dir);
	opts.shares[0] = spec_rw;
	opts.shares[1] = spec_ro;
	opts.nshares = 2;
	opts.share_max_handles = 8;
	opts.share_max_bytes = 1 << 20;
	vm.opts = &opts;
	ck_assert_int_eq(mem_alloc(&vm.mem, G_RAM, HP_OFF), 0);
	vc.vm = &vm;
	ck_assert_int_eq(share_open_all(&vm), 0);
	ck_assert_uint_eq(vm.shares.n, 2);
}

static void sh_teardown(void)
{
	for (unsigned i = 0; i < vm.shares.n; i++)
		close(vm.shares.v[i].fd);
	free(vm.shares.h);
	mem_free(&vm.mem);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", parent);
	ck_assert_int_eq(system(cmd), 0);
}

/* Put req into guest RAM, make call nr, read it back: its ret. */
static int64_t call(unsigned nr, void *req, size_t size)
{
	ck_assert_int_eq(mem_copy_out(&vm.mem, G_REQ, size, req), 0);
	ck_assert_int_eq(hcall_dispatch(&vc, nr, (uint32_t)G_REQ), -1);
	ck_assert_int_eq(mem_copy_in(&vm.mem, G_REQ, size, req), 0);
	return ((struct pk_hc_hdr *)req)->ret;
}

static void gput(uint64_t gpa, const void *p, size_t n)
{
	ck_assert_int_eq(mem_copy_out(&vm.mem, gpa, n, p), 0);
}

/* open share/path: the handle, or the negative errno */
static int64_t fs_open(uint32_t share, const char *path, uint32_t flags)
{
	gput(G_PATH, path, strlen(path));
	struct pk_hc_fs_open o = {.share = share,
				  .flags = flags,
				  .path = G_PATH,
				  .path_len = (uint32_t)strlen(path),
				  .mode = 0644,
				  .stat = G_STAT};
	int64_t rc = call(PK_HC_FS_OPEN, &o, sizeof(o));
	return rc < 0 || (flags & PK_FS_OPEN_STAT) ? rc : (int64_t)o.handle;
}

static int64_t fs_io(unsigned nr, uint32_t h, uint64_t gpa, uint64_t len, uint64_t off)
{
	struct pk_fs_seg seg = {gpa, len};
	gput(G_SEGS, &seg, sizeof(seg));
	struct pk_hc_fs_io io = {.handle = h, .nseg = 1, .segs = G_SEGS, .off = off};
	return call(nr, &io, sizeof(io));
}

static int64_t fs_close(uint32_t h)
{
	struct pk_hc_fs_close c = {.handle = h};
	return call(PK_HC_FS_CLOSE, &c, sizeof(c));
}

static int64_t fs_pathop(uint32_t op, uint32_t share, const char *path, const char *to)
{
	gput(G_PATH, path, strlen(path));
	if (to)
		gput(G_TO, to, strlen(to));
	struct pk_hc_fs_pathop r = {.op = op,
				    .share = share,
				    .path = G_PATH,
				    .path_len = (uint32_t)strlen(path),
				    .mode = 0755,
				    .to = G_TO,
				    .to_len = to ? (uint32_t)strlen(to) : 0};
	return call(PK_HC_FS_PATHOP, &r, sizeof(r));
}

static const char *host_file(const char *rel)
{
	static char buf[256];
	char p[256];
	snprintf(p, sizeof(p), "%s/%s", parent, rel);
	FILE *f = fopen(p, "r");
	if (!f)
		return "";
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = 0;
	fclose(f);
	return buf;
}

START_TEST(share_info)
{
	char gp[PK_FS_GUEST_PATH_MAX];
	struct pk_hc_fs_share_info si = {.index = 1, .path = G_PATH};
	ck_assert_int_eq(call(PK_HC_FS_SHARE_INFO, &si, sizeof(si)), 0);
	ck_assert_uint_eq(si.count, 2);
	ck_assert_uint_eq(si.flags, PK_FS_SHARE_RO);
	ck_assert_int_eq(mem_copy_in(&vm.mem, G_PATH, sizeof(gp), gp), 0);
	ck_assert_str_eq(gp, "/ro");
	si = (struct pk_hc_fs_share_info){.index = 2, .path = G_PATH};
	ck_assert_int_eq(call(PK_HC_FS_SHARE_INFO, &si, sizeof(si)), -ENOENT);
	si = (struct pk_hc_fs_share_info){.index = 0, .path = G_RAM - 8};
	ck_assert_int_eq(call(PK_HC_FS_SHARE_INFO, &si, sizeof(si)), -EFAULT);
}
END_TEST

START_TEST(read_and_stat)
{
	int64_t h = fs_open(1, "hello.txt", O_RDONLY);
	ck_assert_int_ge(h, 0);
	struct pk_fs_stat st;
	ck_assert_int_eq(mem_copy_in(&vm.mem, G_STAT, sizeof(st), &st), 0);
	ck_assert_uint_eq(st.size, 13);
	ck_assert(S_ISREG(st.mode));
	ck_assert_int_eq(fs_io(PK_HC_FS_PREAD, (uint32_t)h, G_BUF, 64, 0), 13);
	ck_assert_mem_eq(mem_ptr(&vm.mem, G_BUF, 13), "hello, share\n", 13);
	/* two segments, from offset 7: "share" + "\n" */
	struct pk_fs_seg seg[2] = {{G_BUF + 100, 5}, {G_BUF + 300, 10}};
	gput(G_SEGS, seg, sizeof(seg));
	struct pk_hc_fs_io io = {.handle = (uint32_t)h, .nseg = 2, .segs = G_SEGS, .off = 7};
	ck_assert_int_eq(call(PK_HC_FS_PREAD, &io, sizeof(io)), 6);
	ck_assert_mem_eq(mem_ptr(&vm.mem, G_BUF + 100, 5), "share", 5);
	ck_assert_mem_eq(mem_ptr(&vm.mem, G_BUF + 300, 1), "\n", 1);
	ck_assert_int_eq(fs_io(PK_HC_FS_PREAD, (uint32_t)h, G_BUF, 64, 13), 0); /* EOF */
	struct pk_hc_fs_fstat fs = {.handle = (uint32_t)h, .stat = G_STAT + 64};
	ck_assert_int_eq(call(PK_HC_FS_FSTAT, &fs, sizeof(fs)), 0);
	ck_assert_int_eq(fs_close((uint32_t)h), 0);
	ck_assert_int_eq(fs_close((uint32_t)h), -EBADF);
	ck_assert_int_eq(fs_io(PK_HC_FS_PREAD, (uint32_t)h, G_BUF, 64, 0), -EBADF);
	/* stat by path keeps nothing open */
	ck_assert_int_eq(fs_open(0, "sub", PK_FS_OPEN_STAT), 0);
	ck_assert_int_eq(mem_copy_in(&vm.mem, G_STAT, sizeof(st), &st), 0);
	ck_assert(S_ISDIR(st.mode));
	ck_assert_uint_eq(vm.shares.open, 0);
	ck_assert_int_eq(fs_open(0, "nosuch", PK_FS_OPEN_STAT), -ENOENT);
	ck_assert_int_eq(fs_open(0, "sub/inner.txt", O_RDONLY), 0);
}
END_TEST

START_TEST(escapes_refused)
{
	/* lexical: never reaches the host */
	ck_assert_int_eq(fs_open(0, "../victim.txt", O_RDONLY), -EINVAL);
	ck_assert_int_eq(fs_open(0, "/etc/passwd", O_RDONLY), -EINVAL);
	ck_assert_int_eq(fs_open(0, "sub/../../victim.txt", O_RDONLY), -EINVAL);
	/* symlinks: last component and inside the path, absolute and relative */
	ck_assert_int_eq(fs_open(0, "rel", O_RDONLY), -ELOOP);
	ck_assert_int_eq(fs_open(0, "abs/passwd", O_RDONLY), -ELOOP);
	ck_assert_int_eq(fs_open(0, "abs", PK_FS_OPEN_STAT), -ELOOP);
	ck_assert_int_eq(fs_open(0, "rel", O_WRONLY | O_TRUNC), -ELOOP);
	ck_assert_int_eq(fs_pathop(PK_FS_OP_MKDIR, 0, "abs/newdir", 0), -ELOOP);
	ck_assert_int_eq(fs_pathop(PK_FS_OP_UNLINK, 0, "abs/passwd", 0), -ELOOP);
	/* a FIFO is never opened (it would block or be a device-like thing) */
	ck_assert_int_eq(fs_open(0, "fifo", O_RDONLY), -EACCES);
	ck_assert_int_eq(fs_open(0, "fifo", O_WRONLY), -EACCES);
	/* a hard link to a file outside: readable, never writable */
	ck_assert_int_eq(fs_open(0, "hard", O_WRONLY | O_TRUNC), -EMLINK);
	ck_assert_str_eq(host_file("victim.txt"), "VICTIM");
	/* out-of-RAM path and stat pointers, a huge path length */
	struct pk_hc_fs_open o = {.share = 0, .path = G_RAM - 2, .path_len = 9};
	ck_assert_int_eq(call(PK_HC_FS_OPEN, &o, sizeof(o)), -EFAULT);
	o = (struct pk_hc_fs_open){.share = 0, .path = G_PATH, .path_len = 1u << 30};
	ck_assert_int_eq(call(PK_HC_FS_OPEN, &o, sizeof(o)), -ENAMETOOLONG);
	o = (struct pk_hc_fs_open){.share = 0, .path = G_PATH, .path_len = 0, .stat = G_RAM};
	ck_assert_int_eq(call(PK_HC_FS_OPEN, &o, sizeof(o)), -EFAULT);
	o = (struct pk_hc_fs_open){.share = 7, .path = G_PATH};
	ck_assert_int_eq(call(PK_HC_FS_OPEN, &o, sizeof(o)), -ENOENT);
	ck_assert_uint_eq(vm.shares.open, 0);
	ck_assert_uint_gt(atomic_load(&vm.shares.refused), 5);
}
END_TEST

START_TEST(readonly_share)
{
	ck_assert_int_eq(fs_open(1, "hello.txt", O_WRONLY), -EROFS);
	ck_assert_int_eq(fs_open(1, "hello.txt", O_RDWR), -EROFS);
	ck_assert_int_eq(fs_open(1, "hello.txt", O_RDONLY | O_TRUNC), -EROFS);
	ck_assert_int_eq(fs_open(1, "new.txt", O_RDONLY | O_CREAT), -EROFS);
	ck_assert_int_eq(fs_pathop(PK_FS_OP_MKDIR, 1, "d", 0), -EROFS);
	ck_assert_int_eq(fs_pathop(PK_FS_OP_UNLINK, 1, "hello.txt", 0), -EROFS);
	ck_assert_int_eq(fs_pathop(PK_FS_OP_RMDIR, 1, "sub", 0), -EROFS);
	ck_assert_int_eq(fs_pathop(PK_FS_OP_RENAME, 1, "hello.txt", "x"), -EROFS);
	ck_assert_str_eq(host_file("sh/hello.txt"), "hello, share\n");
	/* a read-only handle cannot write, truncate */
	int64_t h = fs_open(1, "hello.txt", O_RDONLY);
	ck_assert_int_ge(h, 0);
	gput(G_BUF, "XXXX", 4);
	ck_assert_int_eq(fs_io(PK_HC_FS_PWRITE, (uint32_t)h, G_BUF, 4, 0), -EBADF);
	struct pk_hc_fs_ftruncate t = {.handle = (uint32_t)h, .size = 0};
	ck_assert_int_eq(call(PK_HC_FS_FTRUNCATE, &t, sizeof(t)), -EINVAL);
	ck_assert_str_eq(host_file("sh/hello.txt"), "hello, share\n");
}
END_TEST

START_TEST(write_and_names)
{
	int64_t h = fs_open(0, "out.txt", O_WRONLY | O_CREAT | O_EXCL);
	ck_assert_int_ge(h, 0);
	gput(G_BUF, "written by the guest", 20);
	ck_assert_int_eq(fs_io(PK_HC_FS_PWRITE, (uint32_t)h, G_BUF, 20, 0), 20);
	ck_assert_int_eq(fs_io(PK_HC_FS_PREAD, (uint32_t)h, G_BUF, 4, 0), -EBADF);
	struct pk_hc_fs_fsync fy = {.handle = (uint32_t)h};
	ck_assert_int_eq(call(PK_HC_FS_FSYNC, &fy, sizeof(fy)), 0);
	struct pk_hc_fs_ftruncate t = {.handle = (uint32_t)h, .size = 7};
	ck_assert_int_eq(call(PK_HC_FS_FTRUNCATE, &t, sizeof(t)), 0);
	t.size = SHARE_FILE_END_MAX + 1;
	ck_assert_int_eq(call(PK_HC_FS_FTRUNCATE, &t, sizeof(t)), -EFBIG);
	ck_assert_int_eq(fs_io(PK_HC_FS_PWRITE, (uint32_t)h, G_BUF, 4, SHARE_FILE_END_MAX), -EFBIG);
	ck_assert_int_eq(fs_close((uint32_t)h), 0);
	ck_assert_str_eq(host_file("sh/out.txt"), "written");
	ck_assert_int_eq(fs_open(0, "out.txt", O_WRONLY | O_CREAT | O_EXCL), -EEXIST);
	ck_assert_int_eq(fs_pathop(PK_FS_OP_MKDIR, 0, "sub/d", 0), 0);
	ck_assert_int_eq(fs_pathop(PK_FS_OP_RENAME, 0, "out.txt", "sub/d/moved.txt"), 0);
	ck_assert_str_eq(host_file("sh/sub/d/moved.txt"), "written");
	ck_assert_int_eq(fs_pathop(PK_FS_OP_RMDIR, 0, "sub/d", 0), -ENOTEMPTY);
	ck_assert_int_eq(fs_pathop(PK_FS_OP_UNLINK, 0, "sub/d/moved.txt", 0), 0);
	ck_assert_int_eq(fs_pathop(PK_FS_OP_RMDIR, 0, "sub/d", 0), 0);
	ck_assert_int_eq(fs_pathop(PK_FS_OP_RMDIR, 0, "", 0), -EBUSY);
	ck_assert_int_eq(fs_pathop(PK_FS_OP_RENAME, 0, "hello.txt", "../escaped"), -EINVAL);
	ck_assert_int_eq(fs_pathop(9, 0, "hello.txt", 0), -EINVAL);
	/* O_TRUNC after the checks: a writable open truncates */
	h = fs_open(0, "hello.txt", O_RDWR | O_TRUNC);
	ck_assert_int_ge(h, 0);
	ck_assert_str_eq(host_file("sh/hello.txt"), "");
	/* segments outside RAM, too many, too long in total */
	ck_assert_int_eq(fs_io(PK_HC_FS_PREAD, (uint32_t)h, G_RAM - 2, 4, 0), -EFAULT);
	ck_assert_int_eq(fs_io(PK_HC_FS_PWRITE, (uint32_t)h, G_BUF, PK_FS_IO_MAX + 1, 0), -EINVAL);
	struct pk_hc_fs_io io = {.handle = (uint32_t)h, .nseg = PK_FS_SEG_MAX + 1, .segs = G_SEGS};
	ck_assert_int_eq(call(PK_HC_FS_PREAD, &io, sizeof(io)), -EINVAL);
	struct pk_fs_seg two[2] = {{G_BUF, PK_FS_IO_MAX}, {G_BUF, ~0ull}};
	gput(G_SEGS, two, sizeof(two));
	io = (struct pk_hc_fs_io){.handle = (uint32_t)h, .nseg = 2, .segs = G_SEGS};
	ck_assert_int_eq(call(PK_HC_FS_PWRITE, &io, sizeof(io)), -EINVAL);
}
END_TEST

START_TEST(caps)
{
	/* --share-max-handles 8 */
	for (int i = 0; i < 8; i++)
		ck_assert_int_eq(fs_open(0, "hello.txt", O_RDONLY), i);
	ck_assert_int_eq(fs_open(0, "hello.txt", O_RDONLY), -EMFILE);
	ck_assert_int_eq(fs_close(3), 0);
	ck_assert_int_eq(fs_open(0, "hello.txt", O_RDONLY), 3);
	for (uint32_t i = 0; i < 8; i++)
		ck_assert_int_eq(fs_close(i), 0);
	ck_assert_int_eq(fs_close(1u << 31), -EBADF);
	/* --share-max-bytes 1M: one full write, then nothing more */
	int64_t h = fs_open(0, "big", O_WRONLY | O_CREAT);
	ck_assert_int_ge(h, 0);
	ck_assert_int_eq(fs_io(PK_HC_FS_PWRITE, (uint32_t)h, G_BUF, PK_FS_IO_MAX, 0), PK_FS_IO_MAX);
	ck_assert_int_eq(fs_io(PK_HC_FS_PWRITE, (uint32_t)h, G_BUF, 1, 0), -EDQUOT);
}
END_TEST

START_TEST(getdents)
{
	int64_t h = fs_open(0, "", O_RDONLY | O_DIRECTORY);
	ck_assert_int_ge(h, 0);
	unsigned seen = 0, hello = 0;
	uint64_t cookie = 0;
	for (int round = 0; round < 100; round++) {
		/* a small buffer: several calls, each resuming at the cookie */
		struct pk_hc_fs_getdents g = {
			.handle = (uint32_t)h, .buf = G_BUF, .len = 64, .cookie = cookie};
		int64_t n = call(PK_HC_FS_GETDENTS, &g, sizeof(g));
		ck_assert_int_ge(n, 0);
		if (!n)
			break;
		const uint8_t *p = mem_ptr(&vm.mem, G_BUF, (uint64_t)n);
		for (int64_t off = 0; off < n;) {
			uint16_t reclen;
			memcpy(&reclen, p + off + 16, 2);
			hello += !strcmp((const char *)p + off + 19, "hello.txt");
			seen++;
			off += reclen;
		}
		cookie = g.cookie;
	}
	/* . .. hello.txt sub abs rel fifo hard */
	ck_assert_uint_eq(seen, 8);
	ck_assert_uint_eq(hello, 1);
	int64_t f = fs_open(0, "hello.txt", O_RDONLY);
	struct pk_hc_fs_getdents g = {.handle = (uint32_t)f, .buf = G_BUF, .len = 64};
	ck_assert_int_eq(call(PK_HC_FS_GETDENTS, &g, sizeof(g)), -ENOTDIR);
	g = (struct pk_hc_fs_getdents){.handle = (uint32_t)h, .buf = G_BUF, .len = 1u << 30};
	ck_assert_int_eq(call(PK_HC_FS_GETDENTS, &g, sizeof(g)), -EINVAL);
	g = (struct pk_hc_fs_getdents){.handle = (uint32_t)h, .buf = G_RAM - 8, .len = 64};
	ck_assert_int_eq(call(PK_HC_FS_GETDENTS, &g, sizeof(g)), -EFAULT);
	ck_assert_int_eq(fs_io(PK_HC_FS_PREAD, (uint32_t)h, G_BUF, 4, 0), -EISDIR);
}
END_TEST

/* vCPUs racing on the handle table: each thread opens, reads and closes
 * while one closes whatever handle numbers it guesses and another reads
 * through them. A read that succeeds returns the file's bytes, never
 * another file's; when everything is closed no slot is left in use. */
#define RACE_THREADS 4
#define RACE_ROUNDS 3000

struct race {
	unsigned id;
	unsigned bad;  /* reads that returned foreign bytes */
	unsigned good; /* reads that returned the file */
};

static int64_t race_call(uint64_t base, unsigned nr, void *req, size_t size)
{
	if (mem_copy_out(&vm.mem, base, size, req) < 0)
		return -999;
	struct vcpu v = {.vm = &vm, .index = (unsigned)(base >> 16)};
	hcall_dispatch(&v, nr, (uint32_t)base);
	mem_copy_in(&vm.mem, base, size, req);
	return ((struct pk_hc_hdr *)req)->ret;
}

static void *race_thread(void *arg)
{
	struct race *r = arg;
	uint64_t base = 0x100000ull + r->id * 0x10000ull; /* req, path, segs, buf */
	mem_copy_out(&vm.mem, base + 0x100, 9, "hello.txt");
	for (unsigned i = 0; i < RACE_ROUNDS; i++) {
		uint32_t h = i % 8;
		if (r->id == 0) { /* the closer: any number, any time */
			struct pk_hc_fs_close c = {.handle = h};
			race_call(base, PK_HC_FS_CLOSE, &c, sizeof(c));
			continue;
		}
		if (r->id == 1 || i % 2) { /* open + close, or read a guessed handle */
			struct pk_hc_fs_open o = {
				.share = r->id % 2, .path = base + 0x100, .path_len = 9};
			if (r->id != 1 && race_call(base, PK_HC_FS_OPEN, &o, sizeof(o)) == 0)
				h = o.handle;
		}
		struct pk_fs_seg seg = {base + 0x1000, 64};
		mem_copy_out(&vm.mem, base + 0x200, sizeof(seg), &seg);
		memset(mem_ptr(&vm.mem, base + 0x1000, 64), 0, 64);
		struct pk_hc_fs_io io = {.handle = h, .nseg = 1, .segs = base + 0x200};
		int64_t n = race_call(base, PK_HC_FS_PREAD, &io, sizeof(io));
		if (n > 0 &&
		    (n != 13 || memcmp(mem_ptr(&vm.mem, base + 0x1000, 13), "hello, share\n", 13)))
			r->bad++;
		r->good += n == 13;
		if (r->id != 1 && i % 2) {
			struct pk_hc_fs_close c = {.handle = h};
			race_call(base, PK_HC_FS_CLOSE, &c, sizeof(c));
		}
	}
	return 0;
}

START_TEST(handle_races)
{
	/* only hello.txt exists under every name the threads may reach */
	pthread_t t[RACE_THREADS];
	struct race r[RACE_THREADS];
	for (unsigned i = 0; i < RACE_THREADS; i++) {
		r[i] = (struct race){.id = i};
		ck_assert_int_eq(pthread_create(&t[i], 0, race_thread, &r[i]), 0);
	}
	unsigned bad = 0, good = 0;
	for (unsigned i = 0; i < RACE_THREADS; i++) {
		pthread_join(t[i], 0);
		bad += r[i].bad;
		good += r[i].good;
	}
	ck_assert_uint_eq(bad, 0);
	ck_assert_uint_gt(good, RACE_ROUNDS / 4); /* the race really ran reads */
	for (uint32_t h = 0; h < vm.shares.max_handles; h++)
		share_handle_close(&vm.shares, h);
	ck_assert_uint_eq(vm.shares.open, 0);
	for (uint32_t h = 0; h < vm.shares.max_handles; h++)
		ck_assert_int_eq(vm.shares.h[h].fd, -1);
}
END_TEST

/* setup errors: a missing directory, a file, overlapping guest paths */
START_TEST(setup_errors)
{
	struct vm v2;
	struct vmm_opts o2;
	memset(&v2, 0, sizeof(v2));
	memset(&o2, 0, sizeof(o2));
	o2.share_max_handles = 4;
	v2.opts = &o2;
	char a[160], b[160];
	snprintf(a, sizeof(a), "%s/nosuch:/x", parent);
	o2.shares[0] = a;
	o2.nshares = 1;
	ck_assert_int_eq(share_open_all(&v2), -ENOENT);
	memset(&v2.shares, 0, sizeof(v2.shares));
	snprintf(a, sizeof(a), "%s/victim.txt:/x", parent);
	ck_assert_int_eq(share_open_all(&v2), -ENOTDIR);
	memset(&v2.shares, 0, sizeof(v2.shares));
	snprintf(a, sizeof(a), "%s:/x", dir);
	snprintf(b, sizeof(b), "%s:/x/y:ro", dir);
	o2.shares[1] = b;
	o2.nshares = 2;
	ck_assert_int_eq(share_open_all(&v2), -EINVAL);
	close(v2.shares.v[0].fd);
}
END_TEST

static Suite *share_suite(void)
{
	Suite *s = suite_create("share");
	TCase *p = tcase_create("pure");
	tcase_add_test(p, spec_parse);
	tcase_add_test(p, guest_clash);
	tcase_add_test(p, path_check);
	suite_add_tcase(s, p);
	TCase *c = tcase_create("calls");
	tcase_add_checked_fixture(c, sh_setup, sh_teardown);
	tcase_add_test(c, share_info);
	tcase_add_test(c, read_and_stat);
	tcase_add_test(c, escapes_refused);
	tcase_add_test(c, readonly_share);
	tcase_add_test(c, write_and_names);
	tcase_add_test(c, caps);
	tcase_add_test(c, getdents);
	tcase_add_test(c, setup_errors);
	tcase_add_test(c, handle_races);
	suite_add_tcase(s, c);
	return s;
}

int main(void)
{
	return check_run(share_suite());
}
