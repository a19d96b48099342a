/* SPDX-License-Identifier: MIT */
/* guest/arch/serial.h - COM1 16550 UART, polled (baseline code: usable
 * before the CPU feature check). */
#ifndef PK_ARCH_SERIAL_H
#define PK_ARCH_SERIAL_H

#include <stddef.h>

void serial_init(void);
void serial_write(const char *s, size_t n);
void serial_puts(const char *s);

#endif
