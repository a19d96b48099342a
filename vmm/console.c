/* SPDX-License-Identifier: MIT */
/*
 * vmm/console.c - the guest's console on the host terminal: the
 * console_write hypercall and the sanitizer every guest byte bound for
 * stdout/stderr goes through (COM1 in vcpu.c, abort messages). A C0
 * control byte other than \n \r \t, and DEL, is shown as the text \xNN,
 * so a guest cannot drive the terminal with escape sequences (ECMA-48
 * ESC/CSI/OSC all start with a C0 byte). Bytes >= 0x80 pass: UTF-8 text
 * stays readable. --raw-console turns the escaping off.
 */
#include <stdio.h>
#include <stdlib.h>

#include "hcall.h"
#include "kvm.h"

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

static int64_t hc_console_write(struct vcpu *v, struct pk_hc_console_write *req, int *stop)
{
	(void)stop;
	if (req->len > PK_HC_CONSOLE_MAX)
		return PK_HC_EINVAL;
	uint8_t *copy = malloc(req->len ? req->len : 1);
	if (!copy)
		return PK_HC_EIO;
	int64_t ret = PK_HC_EFAULT;
	if (mem_copy_in(&v->vm->mem, req->data, req->len, copy) == 0) {
		console_emit(v->vm, stdout, copy, req->len);
		fflush(stdout);
		ret = 0;
	}
	free(copy);
	return ret;
}
HCALL(PK_HC_CONSOLE_WRITE, struct pk_hc_console_write, hc_console_write);
