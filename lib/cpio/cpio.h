/* SPDX-License-Identifier: MIT */
/*
 * lib/cpio/cpio.h - the "newc" cpio format (what `cpio -H newc`, the Linux
 * initramfs and tools/mkiso.sh's FILES= write; magic 070701, or 070702
 * with a checksum that is not checked). Pure C over a buffer, for the
 * kernel's initrd (initrd.c) and the host unit test (tests/unit/
 * test_cpio.c). The archive is hostile: every field is checked against
 * the buffer before it is used, and a bad archive is an error with a
 * reason, never a read past its end.
 */
#ifndef PK_FS_CPIO_H
#define PK_FS_CPIO_H

#include <stddef.h>
#include <stdint.h>

#define CPIO_HDR_SIZE 110 /* "070701" + 13 fields of 8 hex digits */

struct cpio_entry {
	const char *name; /* as archived (not NUL-terminated here), namelen bytes */
	size_t namelen;
	uint32_t ino, mode, nlink, mtime;
	const uint8_t *data;
	uint64_t size;
};

/* The entry at *off in [buf, buf+len): 1 and *off moved past it, 0 at the
 * "TRAILER!!!" entry, -1 with *why for a malformed archive. */
int cpio_next(const uint8_t *buf, size_t len, size_t *off, struct cpio_entry *e, const char **why);

/* A member name as a path relative to the archive root, into out (cap
 * bytes, NUL-terminated): leading "./" and "/" dropped, "." components
 * dropped, doubled '/' folded. Returns its length (0 = the root itself),
 * or -1 for a name with a ".." component, a NUL inside, or too long. */
int cpio_name_norm(const char *name, size_t n, char *out, size_t cap);

#endif
