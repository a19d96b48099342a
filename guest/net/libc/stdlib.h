/* SPDX-License-Identifier: MIT */
/* guest/net/libc/stdlib.h - the one <stdlib.h> function lwIP uses
 * (netif_find's atoi), implemented in guest/net/lwip_port.c. Only on the
 * include path of third-party code built with the kernel. */
#ifndef PK_NET_LIBC_STDLIB_H
#define PK_NET_LIBC_STDLIB_H

int atoi(const char *s);

#endif
