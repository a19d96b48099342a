/* SPDX-License-Identifier: MIT */
/*
 * vmm/hcall_fs_path.c - the name calls (proto/fs.h PK_HC_FS_PATHOP):
 * mkdir, unlink, rmdir, rename inside one share. Both paths are copied
 * once and checked (share_path_in); each is resolved to its parent
 * directory beneath the share (share_parent) and the call acts on the
 * last name in that directory without following it. A read-only share
 * refuses every one of them with -EROFS before the host is asked.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hcall.h"
#include "kvm.h"
#include "share.h"

static int64_t hc_fs_pathop(struct vcpu *v, struct pk_hc_fs_pathop *req, int *stop)
{
	(void)stop;
	struct vm *vm = v->vm;
	if (req->share >= vm->shares.n)
		return -ENOENT;
	struct share *s = &vm->shares.v[req->share];
	static const char *const what[] = {0, "mkdir", "unlink", "rmdir", "rename"};
	if (req->op < PK_FS_OP_MKDIR || req->op > PK_FS_OP_RENAME)
		return -EINVAL;
	char path[PK_FS_PATH_MAX + 1], to[PK_FS_PATH_MAX + 1];
	int rc = share_path_in(vm, req->path, req->path_len, path);
	if (rc == 0 && req->op == PK_FS_OP_RENAME)
		rc = share_path_in(vm, req->to, req->to_len, to);
	if (rc < 0)
		return rc;
	if (s->ro) {
		char msg[48];
		snprintf(msg, sizeof(msg), "%s in a read-only share of", what[req->op]);
		return share_refuse(vm, msg, path, req->path_len, EROFS);
	}
	/* the share's root itself is neither created, removed nor moved */
	if (!req->path_len || (req->op == PK_FS_OP_RENAME && !req->to_len))
		return req->op == PK_FS_OP_MKDIR ? -EEXIST : -EBUSY;
	const char *name, *to_name = 0;
	int dirfd = share_parent(s, path, &name), to_dirfd = -1;
	if (dirfd < 0)
		return share_refuse(vm, "lookup of", path, req->path_len, -dirfd);
	if (req->op == PK_FS_OP_RENAME && (to_dirfd = share_parent(s, to, &to_name)) < 0) {
		close(dirfd);
		return share_refuse(vm, "lookup of", to, req->to_len, -to_dirfd);
	}
	switch (req->op) {
	case PK_FS_OP_MKDIR:
		rc = mkdirat(dirfd, name, req->mode & 0777);
		break;
	case PK_FS_OP_UNLINK:
		rc = unlinkat(dirfd, name, 0);
		break;
	case PK_FS_OP_RMDIR:
		rc = unlinkat(dirfd, name, AT_REMOVEDIR);
		break;
	default:
		rc = (int)syscall(SYS_renameat2, dirfd, name, to_dirfd, to_name, 0u);
		break;
	}
	rc = rc < 0 ? -errno : 0;
	close(dirfd);
	if (to_dirfd >= 0)
		close(to_dirfd);
	return rc;
}
HCALL_ANSWER(PK_HC_FS_PATHOP, struct pk_hc_fs_pathop, hc_fs_pathop);
