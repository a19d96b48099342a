/* SPDX-License-Identifier: MIT */
/*
 * vmm/share.c - `--share HOST:GUEST[:ro]`: the specs, the directory fds,
 * the guest-path checks and the handle table (share.h).
 *
 * Why a lexical check before openat2: RESOLVE_BENEATH already refuses
 * "..", absolute paths and symlinks that leave the share, but the guest
 * never has a reason to send those (its VFS normalises paths), so they
 * are refused before any host lookup, and the host's answer for an
 * escape (EXDEV) never reaches the guest as "that exists somewhere".
 * Why the parent is opened first: RESOLVE_NO_SYMLINKS covers every
 * component, but a look at the last one before opening it (fstatat,
 * AT_SYMLINK_NOFOLLOW) needs a directory fd that is already confined;
 * mkdirat/unlinkat/renameat2 act on a name in that directory and never
 * follow it.
 */
#include "share.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cli.h"
#include "kvm.h"
#include "sandbox.h"

static int share_err(char *err, size_t errlen, const char *msg)
{
	snprintf(err, errlen, "%s", msg);
	return -1;
}

int share_parse_spec(const char *arg, struct share_spec *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	size_t n = strlen(arg);
	if (n >= 3 && !strcmp(arg + n - 3, ":ro")) {
		out->ro = true;
		n -= 3;
	}
	/* GUEST never contains ':' (it is ours to define), HOST may */
	const char *colon = 0;
	for (size_t i = 0; i < n; i++)
		if (arg[i] == ':')
			colon = arg + i;
	if (!colon)
		return share_err(err, errlen, "expected HOST:GUEST or HOST:GUEST:ro");
	size_t hn = (size_t)(colon - arg), gn = n - hn - 1;
	const char *g = colon + 1;
	if (!hn)
		return share_err(err, errlen, "the host directory is empty");
	if (hn >= sizeof(out->host))
		return share_err(err, errlen, "the host directory path is too long");
	if (!gn || g[0] != '/')
		return share_err(err, errlen, "the guest path must be absolute (start with '/')");
	if (gn >= sizeof(out->guest))
		return share_err(err, errlen, "the guest path is longer than 255 bytes");
	if (gn > 1 && (g[gn - 1] == '/' || share_path_check(g + 1, gn - 1) < 0))
		return share_err(err, errlen,
				 "the guest path must be normalised (no '//', '.', '..' or "
				 "trailing '/')");
	memcpy(out->host, arg, hn);
	memcpy(out->guest, g, gn);
	return 0;
}

bool share_guest_clash(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);
	if (na > nb) {
		const char *t = a;
		a = b;
		b = t;
		size_t tn = na;
		na = nb;
		nb = tn;
	}
	/* a is the shorter: b equals it or lies beneath it */
	if (strncmp(a, b, na))
		return false;
	return nb == na || a[na - 1] == '/' || b[na] == '/';
}

/* --share: the syntax now (one line naming the problem, exit 2); the
 * directory and overlaps at setup (share_open_all), still before KVM */
static int share_opt(const char *arg, struct vmm_opts *o)
{
	static struct share_spec spec; /* 4 KiB: not on the stack */
	char err[128];
	if (share_parse_spec(arg, &spec, err, sizeof(err)) < 0) {
		fprintf(stderr, "vmm: --share %s: %s\n", arg, err);
		return -1;
	}
	if (o->nshares == SHARE_MAX) {
		fprintf(stderr, "vmm: --share %s: at most %d shares\n", arg, SHARE_MAX);
		return -1;
	}
	o->shares[o->nshares++] = arg;
	return 0;
}
VMM_OPTION(share, .name = "share", .arg = "HOST:GUEST[:ro]", .parse = share_opt,
	   .help = "host directory HOST at guest path GUEST, read-only with :ro\n"
		   "(repeatable; docs/files.md)");

VMM_OPTION(share_max_handles, .name = "share-max-handles", .arg = "N",
	   VMM_UINT(share_max_handles, 1, SHARE_MAX_HANDLES_LIMIT, "1..65536"),
	   .help = "files open in shares at once (default 256)");

static int share_opt_bytes(const char *arg, struct vmm_opts *o)
{
	int64_t v = cli_parse_size(arg);
	if (v < 0) {
		fprintf(stderr, "vmm: --share-max-bytes %s: not a size (e.g. 64M, 1G)\n", arg);
		return -1;
	}
	o->share_max_bytes = (uint64_t)v;
	return 0;
}
VMM_OPTION(share_max_bytes, .name = "share-max-bytes", .arg = "SIZE", .parse = share_opt_bytes,
	   .help = "bytes written into shares per run (default 1G)");

int share_path_check(const char *p, size_t n)
{
	if (n > PK_FS_PATH_MAX)
		return -ENAMETOOLONG;
	size_t start = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && p[i] == 0)
			return -EINVAL;
		if (i < n && p[i] != '/')
			continue;
		size_t len = i - start;
		if (n && (!len || (len == 1 && p[start] == '.') ||
			  (len == 2 && p[start] == '.' && p[start + 1] == '.')))
			return -EINVAL;
		if (len > PK_FS_NAME_MAX)
			return -ENAMETOOLONG;
		start = i + 1;
	}
	return 0;
}

int share_open_all(struct vm *vm)
{
	const struct vmm_opts *o = vm->opts;
	struct shares *sh = &vm->shares;
	sh->max_handles = o->share_max_handles;
	sh->max_bytes = o->share_max_bytes;
	pthread_mutex_init(&sh->lock, 0);
	char err[128];
	for (unsigned i = 0; i < o->nshares; i++) {
		struct share_spec spec;
		if (share_parse_spec(o->shares[i], &spec, err, sizeof(err)) < 0) {
			fprintf(stderr, "vmm: --share %s: %s\n", o->shares[i], err);
			return -EINVAL;
		}
		for (unsigned j = 0; j < sh->n; j++)
			if (share_guest_clash(sh->v[j].guest, spec.guest)) {
				fprintf(stderr,
					"vmm: --share %s: guest path %s %s %s of an earlier "
					"--share "
					"(shares do not nest)\n",
					o->shares[i], spec.guest,
					strcmp(sh->v[j].guest, spec.guest) ? "overlaps" : "is",
					sh->v[j].guest);
				return -EINVAL;
			}
		/* O_PATH: the fd only anchors lookups, it reads and lists nothing */
		int fd = open(spec.host, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0) {
			int e = errno;
			fprintf(stderr, "vmm: --share %s: host directory %s: %s\n", o->shares[i],
				spec.host, e == ENOTDIR ? "not a directory" : strerror(e));
			return -e;
		}
		struct share *s = &sh->v[sh->n++];
		s->fd = fd;
		s->host = o->shares[i]; /* the whole spec: it names the host dir */
		memcpy(s->guest, spec.guest, sizeof(s->guest));
		s->ro = spec.ro;
		sh->any_rw |= !spec.ro;
		/* Landlock (landlock.c): this directory stays reachable once the
		 * process is confined, writable unless :ro */
		int rc = sandbox_fs_allow(fd, !spec.ro);
		if (rc < 0)
			return rc;
	}
	if (!sh->n)
		return 0;
	sh->h = calloc(sh->max_handles ? sh->max_handles : 1, sizeof(*sh->h));
	if (!sh->h) {
		fprintf(stderr, "vmm: --share: no memory for %u handles\n", sh->max_handles);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < sh->max_handles; i++) {
		sh->h[i].fd = -1;
		pthread_mutex_init(&sh->h[i].dirpos, 0);
	}
	return 0;
}

int share_path_in(struct vm *vm, uint64_t gpa, uint64_t n, char *buf)
{
	if (n > PK_FS_PATH_MAX)
		return -ENAMETOOLONG;
	if (mem_copy_in(&vm->mem, gpa, n, buf) < 0)
		return -EFAULT;
	buf[n] = 0;
	int rc = share_path_check(buf, (size_t)n);
	if (rc < 0)
		share_refuse(vm, "path", buf, (size_t)n, -rc);
	return rc;
}

int share_openat(int dirfd, const char *path, int flags, unsigned mode)
{
	struct open_how how = {
		.flags = (uint64_t)(unsigned)flags | O_CLOEXEC,
		.mode = (flags & O_CREAT) ? mode : 0,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	/* no fallback to openat: without openat2 (Linux < 5.6) a multi-
	 * component path cannot be kept beneath the share */
	long fd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
	return fd < 0 ? -errno : (int)fd;
}

int share_parent(const struct share *s, char *buf, const char **name)
{
	char *slash = strrchr(buf, '/');
	if (!slash) {
		*name = buf;
		return share_openat(s->fd, ".", O_PATH | O_DIRECTORY, 0);
	}
	*slash = 0;
	*name = slash + 1;
	int fd = share_openat(s->fd, buf, O_PATH | O_DIRECTORY, 0);
	*slash = '/'; /* buf is the whole path again, for messages */
	return fd;
}

int share_refuse(struct vm *vm, const char *what, const char *path, size_t n, int err)
{
	atomic_fetch_add(&vm->shares.refused, 1);
	unsigned long w = atomic_fetch_add(&vm->hc_warnings, 1) + 1;
	if (w > 10 && !vm->opts->verbose)
		return -err;
	/* the guest chose these bytes: no escape sequences reach stderr */
	char shown[80];
	size_t i = 0;
	for (; path && i < n && i + 1 < sizeof(shown); i++)
		shown[i] = path[i] > 0x20 && path[i] < 0x7f ? path[i] : '?';
	shown[i] = 0;
	fprintf(stderr, "vmm: --share: %s%s%s%s%s: %s; refused (warning %lu)\n", what,
		path ? " '" : "", shown, n > i ? "..." : "", path ? "'" : "", strerror(err), w);
	return -err;
}

int share_handle_new(struct shares *sh, int fd, uint32_t share, bool dir, bool writable)
{
	pthread_mutex_lock(&sh->lock);
	int idx = -EMFILE;
	for (unsigned i = 0; i < sh->max_handles; i++)
		if (!sh->h[i].used) {
			struct share_handle *h = &sh->h[i];
			h->fd = fd;
			h->share = share;
			h->used = true;
			h->closing = false;
			h->dir = dir;
			h->writable = writable;
			h->refs = 0;
			sh->open++;
			idx = (int)i;
			break;
		}
	pthread_mutex_unlock(&sh->lock);
	return idx;
}

struct share_handle *share_handle_get(struct shares *sh, uint32_t handle)
{
	struct share_handle *h = 0;
	pthread_mutex_lock(&sh->lock);
	if (handle < sh->max_handles && sh->h[handle].used && !sh->h[handle].closing) {
		h = &sh->h[handle];
		h->refs++;
	}
	pthread_mutex_unlock(&sh->lock);
	return h;
}

/* Under sh->lock: the last user of a closing slot closes its fd. Until
 * then the fd number stays ours, so a call racing close() can never reach
 * a file another open() got the same number for. */
static void share_handle_release(struct shares *sh, struct share_handle *h)
{
	if (!h->closing || h->refs)
		return;
	close(h->fd);
	h->fd = -1;
	h->used = false;
	sh->open--;
}

void share_handle_put(struct shares *sh, struct share_handle *h)
{
	pthread_mutex_lock(&sh->lock);
	h->refs--;
	share_handle_release(sh, h);
	pthread_mutex_unlock(&sh->lock);
}

int share_handle_close(struct shares *sh, uint32_t handle)
{
	int rc = -EBADF;
	pthread_mutex_lock(&sh->lock);
	if (handle < sh->max_handles && sh->h[handle].used && !sh->h[handle].closing) {
		sh->h[handle].closing = true;
		share_handle_release(sh, &sh->h[handle]);
		rc = 0;
	}
	pthread_mutex_unlock(&sh->lock);
	return rc;
}

bool share_bytes_take(struct shares *sh, uint64_t n)
{
	unsigned long long cur = atomic_load(&sh->bytes);
	do {
		if (n > sh->max_bytes || cur > sh->max_bytes - n)
			return false;
	} while (!atomic_compare_exchange_weak(&sh->bytes, &cur, cur + n));
	return true;
}

void share_bytes_give(struct shares *sh, uint64_t n)
{
	atomic_fetch_sub(&sh->bytes, n);
}
