/* SPDX-License-Identifier: MIT */
/* guest/kernel/result.h - hand a named blob (benchmark CSV, test output) to
 * the host: the vmm's result_write hypercall (written to --out DIR), or a
 * framed, checksummed block on the console elsewhere (lib/blob.h). */
#ifndef PK_ARCH_RESULT_H
#define PK_ARCH_RESULT_H

#include <stddef.h>

/* name: [A-Za-z0-9._-]{1,64}. Returns 0 or a negative error. */
int result_write(const char *name, const void *data, size_t len);

#endif
