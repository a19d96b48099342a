/* SPDX-License-Identifier: MIT */
/*
 * vmm/outdir.c - the guest's files beneath --out (outdir.h).
 *
 * Why openat2 and then fstat: RESOLVE_BENEATH keeps the lookup under the
 * directory fd and RESOLVE_NO_SYMLINKS refuses a planted `hello.txt ->
 * ../victim` at any step, but a FIFO, a device node, a directory or a
 * hard link to a file elsewhere are none of those, so the opened file is
 * checked (fstat: regular, one link) before it is truncated: no O_TRUNC at
 * open, or a hard-linked victim would be emptied before we looked.
 * O_NONBLOCK makes a FIFO without a reader fail (ENXIO) instead of hanging
 * the vCPU; O_NOCTTY keeps a planted tty from becoming ours.
 */
#include "cli.h"
#include "outdir.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "proto/hypercall.h"
#include "kvm.h"
#include "perf.h"
#include "sandbox.h"

VMM_OPTION(out, .name = "out", .arg = "DIR", VMM_STRING(out_dir),
	   .help = "where result_write blobs go (docs/vmm-security.md)");

VMM_OPTION(out_max_files, .name = "out-max-files", .arg = "N",
	   VMM_UINT(out_max_files, 0, 1000000, "0..1000000"),
	   .help = "at most N result files per run (default 1024)");

static int outdir_opt_bytes(const char *arg, struct vmm_opts *o)
{
	int64_t v = cli_parse_size(arg);
	if (v < 0) {
		fprintf(stderr, "vmm: --out-max-bytes %s: not a size (e.g. 64M, 1G)\n", arg);
		return -1;
	}
	o->out_max_bytes = (uint64_t)v;
	return 0;
}
VMM_OPTION(out_max_bytes, .name = "out-max-bytes", .arg = "SIZE", .parse = outdir_opt_bytes,
	   .help = "at most SIZE result bytes per run (default 1G)");

/* stdout/stderr redirected to a regular file may grow by this much during
 * a run before RLIMIT_FSIZE stops it: a 4 GiB console log is a runaway. */
#define OUTDIR_CONSOLE_MAX (4ull << 30)

int outdir_open(struct vm *vm)
{
	struct outdir *d = &vm->out;
	d->fd = -1;
	d->path = vm->opts->out_dir;
	d->max_files = vm->opts->out_max_files;
	d->max_bytes = vm->opts->out_max_bytes;
	if (!d->path)
		return 0;
	/* O_PATH: the fd only anchors lookups, it can read or list nothing */
	d->fd = open(d->path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (d->fd < 0) {
		int e = errno;
		fprintf(stderr, "vmm: --out %s: %s\n", d->path,
			e == ENOTDIR ? "not a directory" : strerror(e));
		return -e;
	}
	/* the one host directory the vCPU threads may create files in */
	return sandbox_fs_allow(d->fd, true);
}

/* A name for messages: the guest chose these bytes, the terminal must not
 * see escape sequences in them. */
static void outdir_printable(char *dst, size_t cap, const char *s, size_t n)
{
	size_t i = 0;
	for (; i < n && i + 1 < cap; i++) {
		char c = s[i];
		dst[i] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
					 (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'
				 ? c
				 : '?';
	}
	dst[i] = 0;
}

static int outdir_refuse(struct vm *vm, const char *shown, const char *why, int err)
{
	unsigned long n = atomic_fetch_add(&vm->hc_warnings, 1) + 1;
	atomic_fetch_add(&vm->out.refused, 1);
	if (n <= 10 || vm->opts->verbose)
		fprintf(stderr, "vmm: --out %s: %s: %s; refused (warning %lu)\n", vm->out.path,
			shown, why, n);
	return -err;
}

/* Reserve one file and len bytes against the caps: 0 or -EDQUOT. */
static int outdir_reserve(struct outdir *d, size_t len, const char **why)
{
	if (atomic_fetch_add(&d->files, 1) >= d->max_files) {
		atomic_fetch_sub(&d->files, 1);
		*why = "file count cap reached (--out-max-files)";
		return -EDQUOT;
	}
	unsigned long long cur = atomic_load(&d->bytes);
	do {
		if (len > d->max_bytes || cur > d->max_bytes - len) {
			*why = "byte cap reached (--out-max-bytes)";
			atomic_fetch_sub(&d->files, 1); /* nothing was created */
			return -EDQUOT;
		}
	} while (!atomic_compare_exchange_weak(&d->bytes, &cur, cur + len));
	return 0;
}

static int outdir_create(int dirfd, const char *name)
{
	static atomic_int no_openat2;
	const int flags = O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;
	if (!atomic_load(&no_openat2)) {
		struct open_how how = {
			.flags = flags,
			.mode = 0644,
			.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
		};
		long fd = syscall(SYS_openat2, dirfd, name, &how, sizeof(how));
		if (fd >= 0 || errno != ENOSYS)
			return fd < 0 ? -errno : (int)fd;
		atomic_store(&no_openat2, 1); /* kernel < 5.6 */
	}
	/* name is one component (checked by the caller), so O_NOFOLLOW on the
	 * last one is all openat needs to stay beneath dirfd */
	int fd = openat(dirfd, name, flags, 0644);
	return fd < 0 ? -errno : fd;
}

static int outdir_write_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		if (w == 0)
			return -EIO;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int outdir_write(struct vm *vm, const char *name, size_t name_len, const void *data, size_t len)
{
	struct outdir *d = &vm->out;
	if (d->fd < 0)
		return 0; /* no --out: results are dropped, as documented */
	char shown[NAME_MAX + 1], path[NAME_MAX + 1];
	outdir_printable(shown, sizeof(shown), name, name_len);
	/* one path component, no NUL inside, not . or .. */
	if (!name_len || name_len > NAME_MAX || memchr(name, '/', name_len) ||
	    memchr(name, 0, name_len) || (name_len == 1 && name[0] == '.') ||
	    (name_len == 2 && !memcmp(name, "..", 2)))
		return outdir_refuse(vm, shown, "not a plain file name", EINVAL);
	memcpy(path, name, name_len);
	path[name_len] = 0;
	/* look before opening: a device node or FIFO is never opened at all
	 * (opening some devices has side effects); the fstat after the open
	 * is the check that counts, this one only narrows what reaches open */
	struct stat st;
	if (fstatat(d->fd, path, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISREG(st.st_mode)) {
		if (S_ISLNK(st.st_mode))
			return outdir_refuse(vm, shown, "a symlink, not followed", ELOOP);
		if (S_ISDIR(st.st_mode))
			return outdir_refuse(vm, shown, "a directory", EISDIR);
		if (S_ISFIFO(st.st_mode))
			return outdir_refuse(vm, shown, "a FIFO, not opened", ENXIO);
		return outdir_refuse(vm, shown, "not a regular file", EINVAL);
	}
	const char *why = 0;
	int rc = outdir_reserve(d, len, &why);
	if (rc < 0)
		return outdir_refuse(vm, shown, why, -rc);
	int fd = outdir_create(d->fd, path);
	if (fd < 0) {
		char msg[96];
		snprintf(msg, sizeof(msg), "%s",
			 fd == -ELOOP	 ? "a symlink, not followed"
			 : fd == -ENXIO	 ? "a FIFO or socket, not opened"
			 : fd == -EISDIR ? "a directory"
			 : fd == -EXDEV	 ? "outside --out"
					 : strerror(-fd));
		return outdir_refuse(vm, shown, msg, -fd);
	}
	if (fstat(fd, &st) < 0) {
		rc = -errno;
		close(fd);
		return outdir_refuse(vm, shown, strerror(-rc), -rc);
	}
	if (!S_ISREG(st.st_mode) || st.st_nlink != 1) {
		close(fd);
		return outdir_refuse(vm, shown,
				     !S_ISREG(st.st_mode) ? "not a regular file"
							  : "has other hard links, not replaced",
				     !S_ISREG(st.st_mode) ? EINVAL : EMLINK);
	}
	rc = ftruncate(fd, 0) < 0 ? -errno : outdir_write_all(fd, data, len);
	if (close(fd) < 0 && !rc)
		rc = -errno;
	if (rc < 0)
		return outdir_refuse(vm, shown, strerror(-rc), -rc);
	return 0;
}

int outdir_limit_fsize(struct vm *vm)
{
	/*
	 * RLIMIT_FSIZE bounds the offset a write may reach in ANY regular file
	 * this process writes, not only --out's, so it is the largest of what
	 * the vmm legitimately writes:
	 *  - one --out file: at most min(--out-max-bytes, PK_HC_RESULT_MAX);
	 *  - the --perf FILE (opened before the guest runs, written at exit):
	 *    at most PERF_FILE_MAX;
	 *  - stdout/stderr when redirected to a regular file (a test log): the
	 *    guest's console is unbounded by design, so these may grow by
	 *    OUTDIR_CONSOLE_MAX past their current size.
	 * The caps in outdir_write are the real limit for --out; this is the
	 * backstop that turns any runaway write into EFBIG.
	 */
	uint64_t lim = vm->out.max_bytes < PK_HC_RESULT_MAX ? vm->out.max_bytes : PK_HC_RESULT_MAX;
	if (vm->opts->perf_file && lim < PERF_FILE_MAX)
		lim = PERF_FILE_MAX;
	for (int fd = 1; fd <= 2; fd++) {
		struct stat st;
		if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
		    lim < (uint64_t)st.st_size + OUTDIR_CONSOLE_MAX)
			lim = (uint64_t)st.st_size + OUTDIR_CONSOLE_MAX;
	}
	/* SIGXFSZ would kill us (default action: core); ignored, the write
	 * fails with EFBIG and the caller reports it */
	struct sigaction sa = {.sa_handler = SIG_IGN};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGXFSZ, &sa, 0);
	struct rlimit rl;
	if (getrlimit(RLIMIT_FSIZE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < lim)
		return 0; /* already lower: never raise what the user set */
	rl.rlim_cur = lim;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < lim)
		rl.rlim_cur = rl.rlim_max;
	rl.rlim_max = rl.rlim_cur; /* and a compromised vmm cannot raise it */
	if (setrlimit(RLIMIT_FSIZE, &rl) < 0) {
		int e = errno;
		fprintf(stderr, "vmm: setrlimit(RLIMIT_FSIZE, %llu): %s\n", (unsigned long long)lim,
			strerror(e));
		return -e;
	}
	return 0;
}
