/* SPDX-License-Identifier: MIT */
/*
 * vmm/share.h - host directories shared into the guest (`--share
 * HOST:GUEST[:ro]`, proto/fs.h, docs/files.md).
 *
 * Each HOST is opened once during setup, before the guest runs, as an
 * O_PATH directory fd; every later access is relative to it through
 * openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS),
 * after a lexical check of the guest's (already copied) path. Only regular
 * files and directories are ever opened; a read-only share refuses every
 * writing call itself (-EROFS), before the host sees it. Open files are
 * slots of a vmm-side table (the guest's handle is the index), capped by
 * --share-max-handles; bytes written into shares per run are capped by
 * --share-max-bytes.
 */
#ifndef PK_VMM_SHARE_H
#define PK_VMM_SHARE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/fs.h"

struct vm;

#define SHARE_MAX 16 /* --share options per run */
#define SHARE_MAX_HANDLES_DEFAULT 256u
#define SHARE_MAX_HANDLES_LIMIT 65536u
#define SHARE_MAX_BYTES_DEFAULT (1ull << 30) /* 1 GiB written per run */
/* No write or truncate may take a shared file past this end (-EFBIG); the
 * vmm's RLIMIT_FSIZE allows it when a share is writable (outdir.c). */
#define SHARE_FILE_END_MAX (64ull << 30)

/* One parsed --share value (pure: share_parse_spec). */
struct share_spec {
	char host[4096];
	char guest[PK_FS_GUEST_PATH_MAX]; /* absolute, normalised */
	bool ro;
};

struct share {
	int fd;		  /* O_PATH|O_DIRECTORY fd of HOST */
	const char *host; /* for messages only: never opened again */
	char guest[PK_FS_GUEST_PATH_MAX];
	bool ro;
};

/* One open host file or directory (the guest's handle is its index). */
struct share_handle {
	int fd;
	uint32_t share;
	bool used, closing, dir, writable;
	unsigned refs;		/* calls using fd right now */
	pthread_mutex_t dirpos; /* getdents: lseek + getdents64 as one */
};

struct shares {
	struct share v[SHARE_MAX];
	unsigned n;
	unsigned max_handles;
	uint64_t max_bytes;
	atomic_ullong bytes;  /* written (reserved) so far */
	atomic_ulong refused; /* calls refused, for tests and stats */
	pthread_mutex_t lock; /* the handle table */
	struct share_handle *h;
	unsigned open; /* slots in use */
	bool any_rw;
};

/* ---- pure (tests/unit/test_share.c) ---- */
/* Parse "HOST:GUEST" or "HOST:GUEST:ro". GUEST must be absolute with no
 * empty, "." or ".." component and no trailing '/' (but "/" itself).
 * 0, or -1 with err naming the problem. */
int share_parse_spec(const char *arg, struct share_spec *out, char *err, size_t errlen);
/* Two guest paths that are equal or one inside the other (at a component
 * boundary: "/a" and "/a/b" clash, "/a" and "/ab" do not). */
bool share_guest_clash(const char *a, const char *b);
/* A guest-supplied relative path (n bytes, not NUL-terminated): 0, or
 * -EINVAL (empty/"."/".." component, NUL, leading or doubled '/') or
 * -ENAMETOOLONG. The empty path (n == 0) is valid: the share's root. */
int share_path_check(const char *p, size_t n);

/* ---- setup (main.c) ---- */
/* Parse and open every --share of vm->opts; prints "vmm: --share SPEC:
 * reason" and returns a negative errno on failure. */
int share_open_all(struct vm *vm);

/* ---- the hypercalls (vmm/hcall_fs*.c) ---- */
/* Copy the guest path [gpa, gpa+n) once into buf (PK_FS_PATH_MAX + 1
 * bytes, NUL-terminated) and check the copy: 0 or -EFAULT / -EINVAL /
 * -ENAMETOOLONG (a refusal is a counted warning). */
int share_path_in(struct vm *vm, uint64_t gpa, uint64_t n, char *buf);
/* openat2 beneath dirfd with the three RESOLVE_ flags: fd or -errno. */
int share_openat(int dirfd, const char *path, int flags, unsigned mode);
/* Open the parent directory of path (O_PATH, beneath the share) and point
 * *name at the last component inside buf (a NUL-terminated copy of path
 * that buf holds). fd or -errno; path must be non-empty and checked. */
int share_parent(const struct share *s, char *buf, const char **name);
/* A counted warning that a call was refused; returns -err. */
int share_refuse(struct vm *vm, const char *what, const char *path, size_t n, int err);
/* Handle table: a new slot for fd (-EMFILE past the cap), a reference to
 * an open slot (NULL: not open), the reference dropped, the slot closed. */
int share_handle_new(struct shares *sh, int fd, uint32_t share, bool dir, bool writable);
struct share_handle *share_handle_get(struct shares *sh, uint32_t handle);
void share_handle_put(struct shares *sh, struct share_handle *h);
int share_handle_close(struct shares *sh, uint32_t handle);
/* Reserve n bytes against --share-max-bytes (false: cap reached) / give
 * back what was not written. */
bool share_bytes_take(struct shares *sh, uint64_t n);
void share_bytes_give(struct shares *sh, uint64_t n);

#endif
