/* SPDX-License-Identifier: MIT */
/*
 * vmm/landlock.c - the file-system half of the sandbox: Landlock (Linux
 * 5.13+; Documentation/userspace-api/landlock.rst) limits every thread to
 * the directories the vmm registered before the guest ran (--out, and the
 * host directories a guest may reach), whatever seccomp lets through.
 * A vCPU thread may call openat2 for --out files; with Landlock, a
 * hijacked one still cannot open anything outside them.
 *
 * Best effort, like seccomp's allow-list is not: a kernel without Landlock
 * (or with it disabled at boot) runs with seccomp alone, and -v says so.
 */
#include <errno.h>
#include <linux/landlock.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox.h"

#define LL_MAX_DIRS 64

static struct {
	int fd;
	bool writable;
} ll_dirs[LL_MAX_DIRS];
static unsigned ll_ndirs;

int sandbox_fs_allow(int dirfd, bool writable)
{
	if (ll_ndirs == LL_MAX_DIRS) {
		fprintf(stderr, "vmm: sandbox: more than %d host directories\n", LL_MAX_DIRS);
		return -E2BIG;
	}
	ll_dirs[ll_ndirs].fd = dirfd;
	ll_dirs[ll_ndirs].writable = writable;
	ll_ndirs++;
	return 0;
}

/* Every right Landlock ABI v1 knows (EXECUTE .. MAKE_SYM), and REFER (v2):
 * what it handles is denied unless a rule grants it. */
#define LL_V1_ALL ((LANDLOCK_ACCESS_FS_MAKE_SYM << 1) - 1)
#define LL_READ (LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR)
#define LL_WRITE                                                                                   \
	(LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_MAKE_REG |                             \
	 LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE |                            \
	 LANDLOCK_ACCESS_FS_REMOVE_DIR)

int sandbox_landlock_ruleset(int verbose, int *fd)
{
	*fd = -1;
	long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
	if (abi < 1) {
		if (verbose)
			fprintf(stderr,
				"vmm: sandbox: no Landlock in this kernel (%s): file access "
				"is limited by seccomp only\n",
				strerror(errno));
		return 0;
	}
	uint64_t all = LL_V1_ALL, refer = 0;
#ifdef LANDLOCK_ACCESS_FS_REFER
	if (abi >= 2)
		refer = LANDLOCK_ACCESS_FS_REFER; /* renames inside a writable directory */
#endif
	all |= refer;
	struct landlock_ruleset_attr attr = {.handled_access_fs = all};
	int rs = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);
	if (rs < 0) {
		int e = errno;
		fprintf(stderr, "vmm: sandbox: landlock_create_ruleset: %s\n", strerror(e));
		return -e;
	}
	int rc = 0;
	for (unsigned i = 0; i < ll_ndirs && !rc; i++) {
		struct landlock_path_beneath_attr pb = {
			.allowed_access = LL_READ | (ll_dirs[i].writable ? LL_WRITE | refer : 0),
			.parent_fd = ll_dirs[i].fd,
		};
		if (syscall(SYS_landlock_add_rule, rs, LANDLOCK_RULE_PATH_BENEATH, &pb, 0) < 0) {
			rc = -errno;
			fprintf(stderr, "vmm: sandbox: landlock_add_rule (directory fd %d): %s\n",
				ll_dirs[i].fd, strerror(-rc));
		}
	}
	if (rc) {
		close(rs);
		return rc;
	}
	if (verbose)
		fprintf(stderr,
			"vmm: sandbox: Landlock ABI %ld: file access only beneath %u registered "
			"director%s\n",
			abi, ll_ndirs, ll_ndirs == 1 ? "y" : "ies");
	*fd = rs;
	return 0;
}

int sandbox_landlock_restrict(int fd)
{
	if (fd < 0)
		return 0; /* no Landlock here: seccomp alone */
	/* Landlock wants no_new_privs (or CAP_SYS_ADMIN) before it restricts */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    syscall(SYS_landlock_restrict_self, fd, 0) < 0) {
		int e = errno;
		fprintf(stderr, "vmm: sandbox: landlock_restrict_self: %s\n", strerror(e));
		return -e;
	}
	return 0;
}
