/* SPDX-License-Identifier: MIT */
/*
 * guest/kernel/console.h - the kernel's text output. Whole lines from
 * different CPUs never interleave: each kprintf is formatted first and
 * written under one lock.
 */
#ifndef PK_ARCH_CONSOLE_H
#define PK_ARCH_CONSOLE_H

#include <stdarg.h>
#include <stddef.h>

void console_write(const char *s, size_t n);
int kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int kvprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* The boot is done (main.c, before the app): the lines held since entry
 * are written, and every later one at once. console_holding = 0 before
 * the first line (console_sync) holds nothing. */
void console_boot_done(void);
extern int console_holding;

/* A CPU about to die takes the console over: if the lock is held (maybe by
 * itself, interrupted mid-line), wait briefly, then write anyway. */
void console_panic_takeover(void);

/* `quiet` on the command line: kprintf/kvprintf print nothing until it is
 * cleared (run=prog clears it before the program starts, so a program's
 * output is not buried in boot lines); console_write always prints, and a
 * panic clears it. */
extern volatile int console_quiet;

#endif
