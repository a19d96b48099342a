/* SPDX-License-Identifier: MIT */
/* lib/printf/printf.h - freestanding printf formatting (host-compilable). */
#ifndef PK_LIB_PRINTF_H
#define PK_LIB_PRINTF_H

#include <stdarg.h>
#include <stddef.h>

/*
 * C99 vsnprintf semantics: writes at most size-1 characters plus a NUL
 * (nothing when size == 0) and returns the length the full output would
 * have. Supports %d %i %u %x %X %o %p %s %c %% with flags "-+ #0", width,
 * precision (also '*'), and the length modifiers hh h l ll z j t.
 * %p prints 0x followed by 16 hex digits. A NULL %s prints "(null)".
 */
int pk_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
int pk_snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
