/* SPDX-License-Identifier: MIT */
/*
 * lib/lpath/lpath.h - the absolute, lexically normalised form of a path
 * that the vfs contract asks the syscall layer for (guest/fs/vfs.h): no
 * "." or ".." components, no empty ones, no trailing '/'. ".." at the root
 * stays at the root, so no spelling reaches above "/". Pure; the host
 * unit tests build it.
 */
#ifndef PK_LIB_LPATH_H
#define PK_LIB_LPATH_H

#include <stddef.h>

/* path (absolute, or relative to base, itself absolute) into out (max
 * bytes with the NUL): 0, -2 (ENOENT: empty path) or -36 (ENAMETOOLONG). */
int lpath_resolve(const char *base, const char *path, char *out, size_t max);

#endif
