/* SPDX-License-Identifier: MIT */
/*
 * vmm/hcall_fs.c - the file hypercalls on handles and on opening
 * (proto/fs.h): share_info, open (and stat by path), close, fstat,
 * ftruncate, fsync. The data calls are in hcall_fs_io.c, the name calls
 * in hcall_fs_path.c; the rules for all of them in share.h.
 *
 * Every request is the dispatcher's copy; a path is copied out of guest
 * RAM once into a buffer here, checked (share_path_check) and only that
 * copy is used, so a second vCPU rewriting it after the check changes
 * nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hcall.h"
#include "kvm.h"
#include "share.h"

/* The guest's share index, or NULL. */
static struct share *fs_share(struct vm *vm, uint32_t index)
{
	return index < vm->shares.n ? &vm->shares.v[index] : 0;
}

static void fs_stat_fill(struct pk_fs_stat *o, const struct stat *st)
{
	*o = (struct pk_fs_stat){
		.ino = st->st_ino,
		.size = (uint64_t)st->st_size,
		.blocks = (uint64_t)st->st_blocks,
		.mode = (uint32_t)(st->st_mode & (S_IFMT | 07777)),
		.nlink = (uint32_t)st->st_nlink,
		.blksize = (uint32_t)st->st_blksize,
		.atime_ns = (int64_t)st->st_atim.tv_sec * 1000000000 + st->st_atim.tv_nsec,
		.mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec,
		.ctime_ns = (int64_t)st->st_ctim.tv_sec * 1000000000 + st->st_ctim.tv_nsec,
	};
}

/* A struct pk_fs_stat to guest RAM at gpa (0 = not wanted). */
static int fs_stat_out(struct vm *vm, uint64_t gpa, const struct stat *st)
{
	if (!gpa)
		return 0;
	struct pk_fs_stat o;
	fs_stat_fill(&o, st);
	return mem_copy_out(&vm->mem, gpa, sizeof(o), &o) < 0 ? -EFAULT : 0;
}

/* What may be opened: regular files and directories, nothing else (a
 * FIFO could block a vCPU, a device node has side effects on open). */
static int fs_kind_ok(const struct stat *st)
{
	if (S_ISREG(st->st_mode) || S_ISDIR(st->st_mode))
		return 0;
	return S_ISLNK(st->st_mode) ? -ELOOP : -EACCES;
}

static int64_t hc_fs_share_info(struct vcpu *v, struct pk_hc_fs_share_info *req, int *stop)
{
	(void)stop;
	struct shares *sh = &v->vm->shares;
	req->count = sh->n;
	req->flags = 0;
	struct share *s = fs_share(v->vm, req->index);
	if (!s)
		return -ENOENT;
	req->flags = s->ro ? PK_FS_SHARE_RO : 0;
	char path[PK_FS_GUEST_PATH_MAX] = {0};
	memcpy(path, s->guest, sizeof(path) - 1);
	return mem_copy_out(&v->vm->mem, req->path, sizeof(path), path) < 0 ? -EFAULT : 0;
}
HCALL_ANSWER_OUT(PK_HC_FS_SHARE_INFO, struct pk_hc_fs_share_info, hc_fs_share_info, flags);

/* The flags the host sees: access mode, creation and O_DIRECTORY from the
 * guest; never a truncation at open (it is done after fstat), never a
 * followed last component, never blocking (a FIFO swapped in by a host
 * process), never a controlling tty. */
#define FS_GUEST_FLAGS (O_ACCMODE | O_CREAT | O_EXCL | O_DIRECTORY)
#define FS_HOST_FLAGS (O_NOFOLLOW | O_NONBLOCK | O_NOCTTY)

static int64_t hc_fs_open(struct vcpu *v, struct pk_hc_fs_open *req, int *stop)
{
	(void)stop;
	struct vm *vm = v->vm;
	req->handle = ~0u;
	struct share *s = fs_share(vm, req->share);
	if (!s)
		return -ENOENT;
	if (req->stat && !mem_ptr(&vm->mem, req->stat, sizeof(struct pk_fs_stat)))
		return -EFAULT;
	char path[PK_FS_PATH_MAX + 1];
	int rc = share_path_in(vm, req->path, req->path_len, path);
	if (rc < 0)
		return rc;
	uint32_t fl = req->flags;
	bool stat_only = fl & PK_FS_OPEN_STAT;
	int acc = (int)fl & O_ACCMODE;
	bool writing = !stat_only && (acc != O_RDONLY || (fl & (O_CREAT | O_TRUNC)));
	if (acc == O_ACCMODE)
		return -EINVAL;
	if (writing && s->ro)
		return share_refuse(vm, "write-open in a read-only share of", path, req->path_len,
				    EROFS);

	int dirfd;
	const char *name;
	if (req->path_len == 0) { /* the share's root */
		dirfd = share_openat(s->fd, ".", O_PATH | O_DIRECTORY, 0);
		name = ".";
		if (dirfd < 0)
			return dirfd;
	} else if ((dirfd = share_parent(s, path, &name)) < 0) {
		/* a missing directory is an answer; a symlink or an escape is not */
		return dirfd == -ENOENT || dirfd == -ENOTDIR
			       ? dirfd
			       : share_refuse(vm, "lookup of", path, req->path_len, -dirfd);
	}
	/* look first: what is not a file or directory is never opened */
	struct stat st;
	bool exists = fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
	if (!exists && (errno != ENOENT || stat_only || !(fl & O_CREAT))) {
		rc = -errno;
		goto out;
	}
	if (exists && (rc = fs_kind_ok(&st)) < 0) {
		share_refuse(vm, "open of a non-regular file", path, req->path_len, -rc);
		goto out;
	}
	if (stat_only) {
		rc = fs_stat_out(vm, req->stat, &st);
		goto out;
	}
	int fd = share_openat(dirfd, name, (int)(fl & FS_GUEST_FLAGS) | FS_HOST_FLAGS,
			      req->mode & 0777);
	if (fd < 0) {
		rc = fd;
		goto out;
	}
	/* the check that counts: on the open file itself */
	if (fstat(fd, &st) < 0)
		rc = -errno;
	else if ((rc = fs_kind_ok(&st)) == 0 && acc != O_RDONLY && st.st_nlink > 1)
		rc = -EMLINK; /* writing would change a file outside the share too */
	if (rc == 0 && (fl & O_TRUNC) && acc != O_RDONLY && S_ISREG(st.st_mode) &&
	    ftruncate(fd, 0) < 0)
		rc = -errno;
	if (rc == 0 && (fl & O_TRUNC) && acc != O_RDONLY)
		st.st_size = 0;
	if (rc == 0)
		rc = fs_stat_out(vm, req->stat, &st);
	if (rc == 0) {
		rc = share_handle_new(&vm->shares, fd, req->share, S_ISDIR(st.st_mode),
				      acc != O_RDONLY);
		if (rc >= 0) {
			req->handle = (uint32_t)rc;
			rc = 0;
		} else {
			share_refuse(vm, "open (--share-max-handles reached) of", path,
				     req->path_len, EMFILE);
		}
	}
	if (rc < 0)
		close(fd);
out:
	close(dirfd);
	return rc;
}
HCALL_ANSWER_OUT(PK_HC_FS_OPEN, struct pk_hc_fs_open, hc_fs_open, handle);

static int64_t hc_fs_close(struct vcpu *v, struct pk_hc_fs_close *req, int *stop)
{
	(void)stop;
	return share_handle_close(&v->vm->shares, req->handle);
}
HCALL_ANSWER(PK_HC_FS_CLOSE, struct pk_hc_fs_close, hc_fs_close);

static int64_t hc_fs_fstat(struct vcpu *v, struct pk_hc_fs_fstat *req, int *stop)
{
	(void)stop;
	struct shares *sh = &v->vm->shares;
	if (!req->stat)
		return -EFAULT;
	struct share_handle *h = share_handle_get(sh, req->handle);
	if (!h)
		return -EBADF;
	struct stat st;
	int rc = fstat(h->fd, &st) < 0 ? -errno : fs_stat_out(v->vm, req->stat, &st);
	share_handle_put(sh, h);
	return rc;
}
HCALL_ANSWER(PK_HC_FS_FSTAT, struct pk_hc_fs_fstat, hc_fs_fstat);

static int64_t hc_fs_ftruncate(struct vcpu *v, struct pk_hc_fs_ftruncate *req, int *stop)
{
	(void)stop;
	struct shares *sh = &v->vm->shares;
	struct share_handle *h = share_handle_get(sh, req->handle);
	if (!h)
		return -EBADF;
	int rc = 0;
	if (h->dir)
		rc = -EISDIR;
	else if (!h->writable)
		rc = -EINVAL; /* Linux: ftruncate on a read-only fd */
	else if (req->size > SHARE_FILE_END_MAX)
		rc = -EFBIG;
	else if (ftruncate(h->fd, (off_t)req->size) < 0)
		rc = -errno;
	share_handle_put(sh, h);
	return rc;
}
HCALL_ANSWER(PK_HC_FS_FTRUNCATE, struct pk_hc_fs_ftruncate, hc_fs_ftruncate);

static int64_t hc_fs_fsync(struct vcpu *v, struct pk_hc_fs_fsync *req, int *stop)
{
	(void)stop;
	struct shares *sh = &v->vm->shares;
	struct share_handle *h = share_handle_get(sh, req->handle);
	if (!h)
		return -EBADF;
	/* a read-only share's files were opened read-only: nothing to sync */
	int rc = h->writable && fsync(h->fd) < 0 ? -errno : 0;
	share_handle_put(sh, h);
	return rc;
}
HCALL_ANSWER(PK_HC_FS_FSYNC, struct pk_hc_fs_fsync, hc_fs_fsync);
