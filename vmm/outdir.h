/* SPDX-License-Identifier: MIT */
/*
 * vmm/outdir.h - host files only beneath one directory fd (`--out DIR`).
 * DIR is opened once during setup, before the guest runs; every file the
 * guest names is created relative to that fd with openat2(RESOLVE_BENEATH |
 * RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS), checked with fstat (a
 * regular file with one link) and only then truncated and written. The
 * number of files and the bytes written per run are capped.
 */
#ifndef PK_VMM_OUTDIR_H
#define PK_VMM_OUTDIR_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

struct vm;

#define OUTDIR_MAX_FILES_DEFAULT 1024u
#define OUTDIR_MAX_BYTES_DEFAULT (1ull << 30) /* 1 GiB */

struct outdir {
	int fd;		  /* O_PATH|O_DIRECTORY fd of --out, -1 without */
	const char *path; /* for messages only: never opened again */
	unsigned max_files;
	uint64_t max_bytes;
	atomic_uint files;    /* files created or rewritten so far */
	atomic_ullong bytes;  /* bytes reserved for writes so far */
	atomic_ulong refused; /* writes refused (for the unit test and stats) */
};

/* Setup: open vm->opts->out_dir (if any) as a directory fd. Prints
 * "vmm: --out DIR: <reason>" and returns a negative errno on failure. */
int outdir_open(struct vm *vm);
/* Create or replace NAME (name_len bytes, not NUL-terminated; a single
 * path component) beneath --out with len bytes of data. Both buffers are
 * vmm memory (already copied out of the guest). 0, or a negative errno
 * after a counted warning that names the file. Without --out: 0, dropped. */
int outdir_write(struct vm *vm, const char *name, size_t name_len, const void *data, size_t len);
/* After setup: RLIMIT_FSIZE for the largest file the vmm may legitimately
 * write, SIGXFSZ ignored so an oversized write fails with EFBIG. */
int outdir_limit_fsize(struct vm *vm);

#endif
