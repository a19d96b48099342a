/* SPDX-License-Identifier: MIT */
/* guest/net/libc/string.h - the <string.h> lwIP's sources include, mapped
 * onto the kernel's own functions (guest/lib/kstring.h). Only on the
 * include path of third-party code built with the kernel. */
#ifndef PK_NET_LIBC_STRING_H
#define PK_NET_LIBC_STRING_H

#include "lib/kstring/kstring.h"

#endif
