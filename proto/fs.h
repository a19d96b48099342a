/* SPDX-License-Identifier: MIT */
/*
 * proto/fs.h - the file hypercalls: host directories shared into the guest
 * (`vmm --share HOST:GUEST[:ro]`, docs/files.md). Same transport as every
 * other call (proto/hypercall.h): the request struct's GPA in EAX of an
 * `outl` to PK_HC_PORT_BASE + nr; `ret` is 0, a byte count or -errno
 * (Linux values), written back first.
 *
 * The model, for both sides:
 *  - a share is a number 0..n-1; PK_HC_FS_SHARE_INFO tells the guest its
 *    guest path and whether it is read-only. The guest mounts each one.
 *  - a path is RELATIVE to its share's root: components separated by one
 *    '/', none empty, none "." or "..", no NUL, at most PK_FS_PATH_MAX
 *    bytes; the empty path (path_len 0) is the share's root directory.
 *    The vmm refuses anything else with -EINVAL before touching the host.
 *  - a handle is the vmm's table index for one open host file or
 *    directory, never a host fd; at most --share-max-handles are open.
 *  - data moves through a segment list (struct pk_fs_seg: guest-physical
 *    runs), so one call moves up to PK_FS_IO_MAX bytes wherever the
 *    guest's buffer is physically: no exit per 4 KiB page.
 *  - flags and modes are Linux's (O_*, S_IF*, AT_REMOVEDIR, d_type).
 *
 * Numbers 10..19 of enum pk_hc_nr. Structs are <= 64 bytes (the
 * dispatcher's request copy), fixed-width, sizes asserted below.
 */
#ifndef PK_PROTO_FS_H
#define PK_PROTO_FS_H

#include <stdint.h>

#include "hypercall.h"

#define PK_FS_PATH_MAX 4096	 /* bytes of a relative path (Linux PATH_MAX) */
#define PK_FS_NAME_MAX 255	 /* bytes of one component (Linux NAME_MAX) */
#define PK_FS_IO_MAX (1u << 20)	 /* bytes one pread/pwrite moves, at most */
#define PK_FS_SEG_MAX 256	 /* segments in one pread/pwrite (4 KiB pages: 1 MiB) */
#define PK_FS_DENTS_MAX 65536	 /* bytes of dirent records one getdents returns */
#define PK_FS_GUEST_PATH_MAX 256 /* bytes of a share's guest path, NUL included */

/* One guest-physical run of a data buffer. */
struct pk_fs_seg {
	uint64_t gpa;
	uint64_t len;
};

/* What fstat and open/stat report (Linux struct stat's useful part). */
struct pk_fs_stat {
	uint64_t ino;
	uint64_t size;
	uint64_t blocks; /* 512-byte units */
	uint32_t mode;	 /* S_IFREG or S_IFDIR | permission bits */
	uint32_t nlink;
	uint32_t blksize;
	uint32_t reserved;
	int64_t atime_ns, mtime_ns, ctime_ns;
};

/* PK_HC_FS_SHARE_INFO: share `index`'s guest mount point. -ENOENT when
 * index >= the number of shares (the guest asks 0, 1, ... until then). */
struct pk_hc_fs_share_info {
	struct pk_hc_hdr hdr;
	uint32_t index; /* IN */
	uint32_t reserved;
	uint64_t path;	/* IN: GPA of PK_FS_GUEST_PATH_MAX bytes; OUT: the guest path, NUL-ended */
	uint32_t flags; /* OUT: PK_FS_SHARE_RO */
	uint32_t count; /* OUT: how many shares there are */
};
#define PK_FS_SHARE_RO 1u

/* PK_HC_FS_OPEN: open share/path with Linux O_* flags (O_RDONLY, O_WRONLY,
 * O_RDWR, O_CREAT, O_EXCL, O_TRUNC, O_DIRECTORY; others are ignored, and
 * the final component is never followed if it is a symlink). `ret` is 0
 * and `handle` is set. With PK_FS_OPEN_STAT in `flags` nothing stays open
 * (no handle): only the stat is written, which is stat(2) on a path.
 * If `stat` is non-zero the vmm writes a struct pk_fs_stat there. */
struct pk_hc_fs_open {
	struct pk_hc_hdr hdr;
	uint32_t share;	   /* IN */
	uint32_t flags;	   /* IN: O_* | PK_FS_OPEN_STAT */
	uint64_t path;	   /* IN: GPA of the relative path (not NUL-terminated) */
	uint32_t path_len; /* IN: <= PK_FS_PATH_MAX */
	uint32_t mode;	   /* IN: permission bits for O_CREAT */
	uint64_t stat;	   /* IN: GPA of a struct pk_fs_stat to fill, or 0 */
	uint32_t handle;   /* OUT */
	uint32_t reserved;
};
#define PK_FS_OPEN_STAT 0x80000000u /* never a Linux O_ bit on x86-64 */

/* PK_HC_FS_CLOSE */
struct pk_hc_fs_close {
	struct pk_hc_hdr hdr;
	uint32_t handle; /* IN */
	uint32_t reserved;
};

/* PK_HC_FS_PREAD / PK_HC_FS_PWRITE: at file offset `off`, through the
 * `nseg` segments at `segs` (their total <= PK_FS_IO_MAX). `ret` is the
 * byte count moved (short at end of file; 0 = EOF) or -errno. */
struct pk_hc_fs_io {
	struct pk_hc_hdr hdr;
	uint32_t handle; /* IN */
	uint32_t nseg;	 /* IN: 1..PK_FS_SEG_MAX */
	uint64_t segs;	 /* IN: GPA of nseg struct pk_fs_seg */
	uint64_t off;	 /* IN: file offset */
};

/* PK_HC_FS_FSTAT */
struct pk_hc_fs_fstat {
	struct pk_hc_hdr hdr;
	uint32_t handle; /* IN */
	uint32_t reserved;
	uint64_t stat; /* IN: GPA of a struct pk_fs_stat, filled by the vmm */
};

/* PK_HC_FS_GETDENTS: Linux struct linux_dirent64 records of a directory
 * handle into buf (physically contiguous, len <= PK_FS_DENTS_MAX), from
 * position `cookie` (0 = start; otherwise a value this call returned).
 * `ret` is the bytes written, 0 at the end; `cookie` is the position after
 * the last record. d_off in each record is that record's next position. */
struct pk_hc_fs_getdents {
	struct pk_hc_hdr hdr;
	uint32_t handle; /* IN */
	uint32_t reserved;
	uint64_t buf;	 /* IN: GPA */
	uint64_t len;	 /* IN */
	uint64_t cookie; /* IN/OUT */
};

/* PK_HC_FS_FTRUNCATE */
struct pk_hc_fs_ftruncate {
	struct pk_hc_hdr hdr;
	uint32_t handle; /* IN */
	uint32_t reserved;
	uint64_t size; /* IN */
};

/* PK_HC_FS_FSYNC */
struct pk_hc_fs_fsync {
	struct pk_hc_hdr hdr;
	uint32_t handle; /* IN */
	uint32_t reserved;
};

/* PK_HC_FS_PATHOP: the calls on names. MKDIR (mode), UNLINK, RMDIR and
 * RENAME (path -> to, both in `share`: across shares the guest answers
 * -EXDEV itself). The last component is never followed. */
struct pk_hc_fs_pathop {
	struct pk_hc_hdr hdr;
	uint32_t op;	   /* IN: PK_FS_OP_* */
	uint32_t share;	   /* IN */
	uint64_t path;	   /* IN: GPA */
	uint32_t path_len; /* IN */
	uint32_t mode;	   /* IN: MKDIR's permission bits */
	uint64_t to;	   /* IN: GPA (RENAME) */
	uint32_t to_len;   /* IN (RENAME) */
	uint32_t reserved;
};
#define PK_FS_OP_MKDIR 1u
#define PK_FS_OP_UNLINK 2u
#define PK_FS_OP_RMDIR 3u
#define PK_FS_OP_RENAME 4u

_Static_assert(sizeof(struct pk_fs_seg) == 16, "ABI");
_Static_assert(sizeof(struct pk_fs_stat) == 64, "ABI");
_Static_assert(sizeof(struct pk_hc_fs_share_info) == 32, "ABI");
_Static_assert(sizeof(struct pk_hc_fs_open) == 48, "ABI");
_Static_assert(sizeof(struct pk_hc_fs_close) == 16, "ABI");
_Static_assert(sizeof(struct pk_hc_fs_io) == 32, "ABI");
_Static_assert(sizeof(struct pk_hc_fs_fstat) == 24, "ABI");
_Static_assert(sizeof(struct pk_hc_fs_getdents) == 40, "ABI");
_Static_assert(sizeof(struct pk_hc_fs_ftruncate) == 24, "ABI");
_Static_assert(sizeof(struct pk_hc_fs_fsync) == 16, "ABI");
_Static_assert(sizeof(struct pk_hc_fs_pathop) == 48, "ABI");
_Static_assert(__builtin_offsetof(struct pk_hc_fs_open, handle) == 40, "ABI");
_Static_assert(__builtin_offsetof(struct pk_hc_fs_getdents, cookie) == 32, "ABI");
_Static_assert(__builtin_offsetof(struct pk_hc_fs_share_info, flags) == 24, "ABI");

#endif
