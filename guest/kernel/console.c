/* SPDX-License-Identifier: MIT */
/*
 * guest/kernel/console.c - kprintf over the platform console. On the PC
 * platform (QEMU, bare metal) and under the perfkern vmm that is COM1; the
 * vmm also understands COM1, so one path serves both for now.
 */
#include "console.h"

#include "lib/printf/printf.h"
#include "guest/arch/cpu.h"
#include "hypercall.h"
#include "guest/arch/serial.h"
#include "guest/arch/spinlock.h"
#include "lib/kstring/kstring.h"

#define KPRINTF_BUF 512

static struct spinlock console_lock = SPINLOCK_INIT;
static volatile int console_panicking;
volatile int console_quiet;

/* The boot's lines under the vmm are held here and reach the host in one
 * hypercall when the boot is done (console_boot_done), not one VM exit
 * each (a userspace exit: ~0.3 ms in the nested harness); a full buffer,
 * a panic or an exit writes them at once. console_sync keeps every line
 * immediate, for a boot that hangs before its end. */
#define BOOT_HOLD 2048
static char boot_hold[BOOT_HOLD];
static size_t boot_held;
int console_holding = 1;

/* Under the vmm one hypercall carries a whole line (one exit instead of
 * two per character on COM1); elsewhere COM1. */
static void console_out(const char *s, size_t n)
{
	if (platform_vmm) {
		struct pk_hc_console_write req = {.data = kvirt_to_phys(s), .len = n};
		if (hypercall(PK_HC_CONSOLE_WRITE, &req) == 0)
			return;
	}
	serial_write(s, n);
}

/* console_lock held (or the console taken over) */
static void console_flush_held(void)
{
	if (boot_held)
		console_out(boot_hold, boot_held);
	boot_held = 0;
}

void console_write(const char *s, size_t n)
{
	if (console_panicking) {
		console_flush_held();
		console_out(s, n);
		return;
	}
	uint64_t f = spin_lock_irqsave(&console_lock);
	if (console_holding && platform_vmm && n <= BOOT_HOLD) {
		if (boot_held + n > BOOT_HOLD)
			console_flush_held();
		memcpy(boot_hold + boot_held, s, n);
		boot_held += n;
	} else {
		console_flush_held();
		console_out(s, n);
	}
	spin_unlock_irqrestore(&console_lock, f);
}

void console_boot_done(void)
{
	uint64_t f = spin_lock_irqsave(&console_lock);
	console_holding = 0;
	console_flush_held();
	spin_unlock_irqrestore(&console_lock, f);
}

int kvprintf(const char *fmt, va_list ap)
{
	char buf[KPRINTF_BUF];
	int n = pk_vsnprintf(buf, sizeof(buf), fmt, ap);
	if (console_quiet)
		return n;
	size_t len = n < 0 ? 0 : (size_t)n;
	if (len >= sizeof(buf)) { /* say so rather than silently cut a line */
		len = sizeof(buf) - 1;
		buf[len - 4] = '.';
		buf[len - 3] = '.';
		buf[len - 2] = '.';
		buf[len - 1] = '\n';
	}
	console_write(buf, len);
	return n;
}

int kprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = kvprintf(fmt, ap);
	va_end(ap);
	return n;
}

void console_panic_takeover(void)
{
	/* ~ a few ms of polling at any clock rate, then stop respecting it */
	for (long i = 0; i < 10000000 && console_lock.next != console_lock.owner; i++)
		cpu_relax();
	console_panicking = 1;
	console_quiet = 0;
}
