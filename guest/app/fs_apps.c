/* SPDX-License-Identifier: MIT */
/*
 * guest/app/fs_apps.c - small tools over the VFS (guest/fs/vfs.h), for
 * tests and for looking around before a real program runs:
 *   run=ls file=DIR          one line per entry: type, size, name
 *   run=cat file=PATH        the contents, then the summary line
 *   run=fsum file=PATH       only the summary: "fsum: PATH: N bytes fnv1a64 X"
 *   run=fscopy file=A dest=B copy A to B (created or truncated), then the
 *                            summary of B as read back
 *   run=fsread file=PATH     read it whole, timed: bytes, microseconds, MiB/s
 * Reads go in 1 MiB chunks (one hypercall each on a vmm share).
 */
#include "proto/perf.h"
#include "guest/fs/fs_errno.h"
#include "guest/fs/vfs.h"
#include "guest/arch/cpu.h"
#include "guest/arch/tsc.h"
#include "guest/kernel/console.h"
#include "guest/kernel/param.h"
#include "lib/cmdline/cmdline.h"
#include "lib/kstring/kstring.h"
#include "lib/printf/printf.h"
#include "lib/heap/heap.h"
#include "app.h"

PK_PARAM(file, "run=ls/cat/fsum/fscopy/fsread: the path to work on");
PK_PARAM(dest, "run=fscopy: the path to copy to");

#define FS_CHUNK (1u << 20)

static int fs_arg(const char *cmdline, const char *key, char *out, size_t cap, const char *app)
{
	if (cmdline_get(cmdline, key, out, cap) <= 0) {
		kprintf("%s: needs %s=PATH\n", app, key);
		return -1;
	}
	return 0;
}

static int fs_fail(const char *app, const char *path, long rc)
{
	kprintf("%s: %s: error %ld\n", app, path, rc);
	return PK_EXIT_TESTS_FAILED;
}

/* Read path whole: its size and FNV-1a, the bytes to the console if echo. */
static int fs_sum(const char *app, const char *path, int echo)
{
	struct vfs_file *f;
	int rc = vfs_open(path, O_RDONLY, 0, &f);
	if (rc < 0)
		return fs_fail(app, path, rc);
	uint8_t *buf = kmalloc(FS_CHUNK);
	uint64_t off = 0, h = PK_PERF_FNV_INIT;
	long n = buf ? 0 : -ENOMEM;
	while (buf && (n = vfs_pread(f, buf, FS_CHUNK, off)) > 0) {
		h = pk_perf_fnv1a(h, buf, (uint64_t)n);
		if (echo)
			console_write((const char *)buf, (size_t)n);
		off += (uint64_t)n;
	}
	kfree(buf);
	vfs_close(f);
	if (n < 0)
		return fs_fail(app, path, n);
	kprintf("%s: %s: %lu bytes fnv1a64 %016lx\n", app, path, off, h);
	return PK_EXIT_OK;
}

static int cat_run(const char *cmdline)
{
	char path[256];
	return fs_arg(cmdline, "file", path, sizeof(path), "cat") ? PK_EXIT_BAD_CMDLINE
								  : fs_sum("cat", path, 1);
}
APP("cat", cat_run, "print file=PATH and its size and FNV-1a (VFS)");

static int fsum_run(const char *cmdline)
{
	char path[256];
	return fs_arg(cmdline, "file", path, sizeof(path), "fsum") ? PK_EXIT_BAD_CMDLINE
								   : fs_sum("fsum", path, 0);
}
APP("fsum", fsum_run, "size and FNV-1a of file=PATH (VFS)");

static int ls_run(const char *cmdline)
{
	char path[256] = "/";
	cmdline_get(cmdline, "file", path, sizeof(path));
	struct vfs_file *d;
	int rc = vfs_open(path, O_RDONLY | O_DIRECTORY, 0, &d);
	if (rc < 0)
		return fs_fail("ls", path, rc);
	static uint8_t buf[4096];
	uint64_t cookie = 0;
	long n;
	unsigned count = 0;
	while ((n = vfs_getdents64(d, buf, sizeof(buf), &cookie)) > 0) {
		for (long off = 0; off < n;) {
			uint16_t reclen;
			memcpy(&reclen, buf + off + 16, 2);
			const char *name = (const char *)buf + off + 19;
			char full[512];
			struct vfs_stat st = {0};
			pk_snprintf(full, sizeof(full), "%s%s%s", path, path[1] ? "/" : "", name);
			if (strcmp(name, ".") && strcmp(name, ".."))
				vfs_stat(full, &st);
			kprintf("%c %8lu %s\n", buf[off + 18] == FS_DT_DIR ? 'd' : 'f', st.size,
				name);
			count++;
			off += reclen;
		}
	}
	vfs_close(d);
	if (n < 0)
		return fs_fail("ls", path, n);
	kprintf("ls: %s: %u entries\n", path, count);
	return PK_EXIT_OK;
}
APP("ls", ls_run, "list the directory file=DIR (default /) through the VFS");

static int fscopy_run(const char *cmdline)
{
	char from[256], to[256];
	if (fs_arg(cmdline, "file", from, sizeof(from), "fscopy") ||
	    fs_arg(cmdline, "dest", to, sizeof(to), "fscopy"))
		return PK_EXIT_BAD_CMDLINE;
	struct vfs_file *a, *b;
	int rc = vfs_open(from, O_RDONLY, 0, &a);
	if (rc < 0)
		return fs_fail("fscopy", from, rc);
	rc = vfs_open(to, O_WRONLY | O_CREAT | O_TRUNC, 0644, &b);
	if (rc < 0) {
		vfs_close(a);
		return fs_fail("fscopy", to, rc);
	}
	uint8_t *buf = kmalloc(FS_CHUNK);
	uint64_t off = 0;
	long n = buf ? 0 : -ENOMEM, w = 0;
	while (buf && (n = vfs_pread(a, buf, FS_CHUNK, off)) > 0) {
		if ((w = vfs_pwrite(b, buf, (size_t)n, off)) != n)
			break;
		off += (uint64_t)n;
	}
	kfree(buf);
	int sync = vfs_fsync(b);
	vfs_close(a);
	vfs_close(b);
	if (n < 0 || w < 0 || (n > 0 && w != n) || sync < 0)
		return fs_fail("fscopy", n < 0 ? from : to,
			       n < 0	  ? n
			       : w < 0	  ? w
			       : sync < 0 ? sync
					  : -EIO);
	return fs_sum("fscopy", to, 0);
}
APP("fscopy", fscopy_run, "copy file=A to dest=B through the VFS, then sum B");

static int fsread_run(const char *cmdline)
{
	char path[256];
	if (fs_arg(cmdline, "file", path, sizeof(path), "fsread"))
		return PK_EXIT_BAD_CMDLINE;
	struct vfs_file *f;
	int rc = vfs_open(path, O_RDONLY, 0, &f);
	if (rc < 0)
		return fs_fail("fsread", path, rc);
	uint8_t *buf = kmalloc(FS_CHUNK);
	uint64_t off = 0, t0 = rdtsc();
	long n = buf ? 0 : -ENOMEM;
	while (buf && (n = vfs_pread(f, buf, FS_CHUNK, off)) > 0)
		off += (uint64_t)n;
	uint64_t us = tsc_cycles_to_us(rdtsc() - t0);
	kfree(buf);
	vfs_close(f);
	if (n < 0)
		return fs_fail("fsread", path, n);
	kprintf("fsread: %s: %lu bytes in %lu us (%lu MiB/s)\n", path, off, us,
		us ? (off >> 20) * 1000000 / us : 0);
	return PK_EXIT_OK;
}
APP("fsread", fsread_run, "read file=PATH in 1 MiB chunks, timed (VFS)");
