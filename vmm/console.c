/* SPDX-License-Identifier: MIT */
/*
 * vmm/console.c - the guest's console on the host terminal: the
 * console_write hypercall, COM1 (so an unmodified guest's console works)
 * and the sanitizer every guest byte bound for
 * stdout/stderr goes through (abort messages too). A C0
 * control byte other than \n \r \t, and DEL, is shown as the text \xNN,
 * so a guest cannot drive the terminal with escape sequences (ECMA-48
 * ESC/CSI/OSC all start with a C0 byte). Bytes >= 0x80 pass: UTF-8 text
 * stays readable. --raw-console turns the escaping off.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "proto/pc.h"

#include "hcall.h"
#include "io.h"
#include "kvm.h"

VMM_OPTION(raw_console, .name = "raw-console", VMM_FLAG(raw_console),
	   .help = "guest console bytes unescaped (default: control bytes but\n"
		   "\\n \\r \\t are shown as \\xNN)");

static int console_byte_safe(uint8_t c)
{
	return (c >= 0x20 && c != 0x7f) || c == '\n' || c == '\r' || c == '\t';
}

void console_emit(const struct vm *vm, FILE *f, const void *buf, size_t n)
{
	const uint8_t *p = buf;
	if (vm->opts->raw_console) {
		fwrite(p, 1, n, f);
		return;
	}
	size_t run = 0; /* start of the pending run of safe bytes */
	for (size_t i = 0; i < n; i++) {
		if (console_byte_safe(p[i]))
			continue;
		fwrite(p + run, 1, i - run, f);
		fprintf(f, "\\x%02x", p[i]);
		run = i + 1;
	}
	fwrite(p + run, 1, n - run, f);
}

/* stdout gets its buffer here, in main. glibc would make it at the first
 * guest console line instead, in that vCPU thread: an fstat, an isatty and
 * a malloc, the thread's first, which creates its malloc arena (an mmap of
 * 64 MiB of address space and an mprotect): 1.4-2 ms of a nested boot
 * (docs/benchmarks.md "boot"). The same modes as glibc's own choice: line
 * buffered on a terminal, fully buffered otherwise. */
void console_init(void)
{
	static char buf[BUFSIZ];
	setvbuf(stdout, buf, isatty(STDOUT_FILENO) ? _IOLBF : _IOFBF, sizeof(buf));
}

static int64_t hc_console_write(struct vcpu *v, struct pk_hc_console_write *req, int *stop)
{
	(void)stop;
	if (req->len > PK_HC_CONSOLE_MAX)
		return PK_HC_EINVAL;
	/* the vmm's copy, on this vCPU thread's stack: no allocation per call */
	uint8_t copy[PK_HC_CONSOLE_MAX];
	if (mem_copy_in(&v->vm->mem, req->data, req->len, copy) < 0)
		return PK_HC_EFAULT;
	console_emit(v->vm, stdout, copy, req->len);
	fflush(stdout);
	return 0;
}
HCALL(PK_HC_CONSOLE_WRITE, struct pk_hc_console_write, hc_console_write);

/* A 16550 at COM1 just enough for output: THR writes are console bytes,
 * the line status register (base + 5) says "transmitter empty" (THRE and
 * TEMT, bits 5-6), every other register reads 0 and ignores writes. */
static int com1_pio(struct vcpu *v, uint16_t port, bool out, uint8_t *data, unsigned size,
		    unsigned count)
{
	size_t n = (size_t)size * count;
	if (!out) {
		memset(data, port == PK_PORT_COM1 + 5 ? 0x60 : 0, n);
		return -1;
	}
	if (port == PK_PORT_COM1) {
		console_emit(v->vm, stdout, data, n);
		if (memchr(data, '\n', n))
			fflush(stdout);
	}
	return -1;
}
PIO_RANGE(PK_PORT_COM1, PK_PORT_COM1 + 7, com1_pio);
