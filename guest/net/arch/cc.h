/* SPDX-License-Identifier: MIT */
/*
 * guest/net/arch/cc.h - lwIP's compiler/platform port for the freestanding
 * kernel (lwIP's src/include/lwip/arch.h says what may be defined here):
 * the C11 freestanding headers only, diagnostics through kprintf, a failed
 * assertion stops the kernel like any other bug.
 */
#ifndef PK_LWIP_ARCH_CC_H
#define PK_LWIP_ARCH_CC_H

#include <stddef.h>
#include <stdint.h>

/* no <inttypes.h> or <ctype.h> in a freestanding build: lwIP brings its
 * own format macros and character classes */
#define LWIP_NO_INTTYPES_H 1
#define LWIP_NO_CTYPE_H 1
#define LWIP_NO_LIMITS_H 1 /* GCC's limits.h wants the C library's behind it */
#define X8_F "02x"
#define U16_F "u"
#define S16_F "d"
#define X16_F "x"
#define U32_F "u"
#define S32_F "d"
#define X32_F "x"
#define SZT_F "zu"

#define BYTE_ORDER LITTLE_ENDIAN
#define LWIP_RAND() ((u32_t)pk_lwip_rand())
unsigned pk_lwip_rand(void);

int kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void pk_lwip_assert(const char *msg, const char *file, int line) __attribute__((noreturn));
#define LWIP_PLATFORM_DIAG(x)                                                                      \
	do {                                                                                       \
		kprintf x;                                                                         \
	} while (0)
#define LWIP_PLATFORM_ASSERT(x) pk_lwip_assert((x), __FILE__, __LINE__)

#endif
