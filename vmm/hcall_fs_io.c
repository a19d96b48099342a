/* SPDX-License-Identifier: MIT */
/*
 * vmm/hcall_fs_io.c - the data calls (proto/fs.h): pread, pwrite through
 * a segment list, getdents.
 *
 * The segment list is copied out of guest RAM once and every segment is
 * checked against guest RAM on that copy (mem_ptr) before one
 * preadv/pwritev moves the data: one exit and one host system call per
 * PK_FS_IO_MAX bytes, wherever the guest's pages are.
 *
 * File contents go between the host kernel and guest RAM without a copy
 * in vmm memory: pwritev reads each guest byte once and the vmm decides
 * nothing on them (no check can be raced), preadv writes guest RAM only
 * inside the checked segments. A guest rewriting its buffer during a
 * pwrite gets some mix of old and new bytes in its own file, nothing else.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "hcall.h"
#include "kvm.h"
#include "share.h"

/* The checked iovecs of a request and their total (<= PK_FS_IO_MAX). */
static int fs_iov(struct vm *vm, const struct pk_hc_fs_io *req, struct iovec *iov, uint64_t *total)
{
	if (!req->nseg || req->nseg > PK_FS_SEG_MAX)
		return -EINVAL;
	struct pk_fs_seg seg[PK_FS_SEG_MAX];
	if (mem_copy_in(&vm->mem, req->segs, (uint64_t)req->nseg * sizeof(seg[0]), seg) < 0)
		return -EFAULT;
	uint64_t sum = 0;
	for (uint32_t i = 0; i < req->nseg; i++) {
		if (seg[i].len > PK_FS_IO_MAX - sum)
			return -EINVAL;
		sum += seg[i].len;
		iov[i].iov_base = mem_ptr(&vm->mem, seg[i].gpa, seg[i].len);
		iov[i].iov_len = seg[i].len;
		if (!iov[i].iov_base && seg[i].len)
			return -EFAULT;
	}
	*total = sum;
	return 0;
}

static int64_t fs_io(struct vcpu *v, struct pk_hc_fs_io *req, bool write)
{
	struct vm *vm = v->vm;
	struct shares *sh = &vm->shares;
	struct iovec iov[PK_FS_SEG_MAX];
	uint64_t total;
	int rc = fs_iov(vm, req, iov, &total);
	if (rc < 0)
		return rc;
	if (req->off > SHARE_FILE_END_MAX)
		return write ? -EFBIG : 0;
	if (write && total > SHARE_FILE_END_MAX - req->off)
		return -EFBIG;
	struct share_handle *h = share_handle_get(sh, req->handle);
	if (!h)
		return -EBADF;
	int64_t ret;
	if (h->dir) {
		ret = -EISDIR;
	} else if (write && !h->writable) {
		ret = -EBADF; /* Linux: write on an fd not open for writing */
	} else if (write && !share_bytes_take(sh, total)) {
		ret = share_refuse(vm, "write (--share-max-bytes reached)", 0, 0, EDQUOT);
	} else {
		ssize_t n;
		do
			n = write ? pwritev(h->fd, iov, (int)req->nseg, (off_t)req->off)
				  : preadv(h->fd, iov, (int)req->nseg, (off_t)req->off);
		while (n < 0 && errno == EINTR);
		ret = n < 0 ? -errno : n;
		if (write)
			share_bytes_give(sh, total - (n > 0 ? (uint64_t)n : 0));
	}
	share_handle_put(sh, h);
	return ret;
}

static int64_t hc_fs_pread(struct vcpu *v, struct pk_hc_fs_io *req, int *stop)
{
	(void)stop;
	return fs_io(v, req, false);
}
HCALL_ANSWER(PK_HC_FS_PREAD, struct pk_hc_fs_io, hc_fs_pread);

static int64_t hc_fs_pwrite(struct vcpu *v, struct pk_hc_fs_io *req, int *stop)
{
	(void)stop;
	return fs_io(v, req, true);
}
HCALL_ANSWER(PK_HC_FS_PWRITE, struct pk_hc_fs_io, hc_fs_pwrite);

/* Linux's struct linux_dirent64 (getdents64(2)) */
struct fs_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	uint16_t d_reclen;
	uint8_t d_type;
	char d_name[];
};

static int64_t hc_fs_getdents(struct vcpu *v, struct pk_hc_fs_getdents *req, int *stop)
{
	(void)stop;
	struct vm *vm = v->vm;
	struct shares *sh = &vm->shares;
	if (!req->len || req->len > PK_FS_DENTS_MAX)
		return -EINVAL;
	if (!mem_ptr(&vm->mem, req->buf, req->len))
		return -EFAULT;
	if (req->cookie > INT64_MAX)
		return -EINVAL;
	struct share_handle *h = share_handle_get(sh, req->handle);
	if (!h)
		return -EBADF;
	int64_t ret;
	char *buf = h->dir ? malloc(req->len) : 0;
	if (!h->dir) {
		ret = -ENOTDIR;
	} else if (!buf) {
		ret = -ENOMEM;
	} else {
		/* one position per handle: two vCPUs listing the same handle
		 * must not interleave their seek and read */
		pthread_mutex_lock(&h->dirpos);
		long n = -1;
		if (lseek(h->fd, (off_t)req->cookie, SEEK_SET) >= 0)
			n = syscall(SYS_getdents64, h->fd, buf, (size_t)req->len);
		ret = n < 0 ? -errno : n;
		pthread_mutex_unlock(&h->dirpos);
	}
	/* the records came from the host kernel; walk them anyway, so a
	 * cookie is only ever a d_off it gave */
	for (int64_t off = 0; ret > 0 && off < ret;) {
		struct fs_dirent64 d;
		memcpy(&d, buf + off, sizeof(d));
		if (d.d_reclen < sizeof(d) || d.d_reclen > ret - off) {
			ret = -EIO;
			break;
		}
		req->cookie = (uint64_t)d.d_off;
		off += d.d_reclen;
	}
	if (ret > 0 && mem_copy_out(&vm->mem, req->buf, (uint64_t)ret, buf) < 0)
		ret = -EFAULT;
	free(buf);
	share_handle_put(sh, h);
	return ret;
}
HCALL_ANSWER_OUT(PK_HC_FS_GETDENTS, struct pk_hc_fs_getdents, hc_fs_getdents, cookie);
