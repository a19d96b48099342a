/* SPDX-License-Identifier: MIT */
/*
 * vmm/err.c - the vmm's one error style: the function whose system call
 * failed prints one line naming the call (an ioctl, a file) and the
 * reason, and returns -errno; its callers pass the number up and print
 * nothing more, so every failure is one line that says what broke.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "vmm.h"

/* A thread whose errors must wait (vmm_err_defer): they collect here. */
static _Thread_local struct vmm_errbuf *err_deferred;

void vmm_err_defer(struct vmm_errbuf *b)
{
	if (b)
		b->len = 0, b->text[0] = 0;
	err_deferred = b;
}

void vmm_err_flush(struct vmm_errbuf *b)
{
	if (b->len)
		fputs(b->text, stderr);
	b->len = 0;
}

void vmm_errorf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct vmm_errbuf *b = err_deferred;
	if (!b) {
		vfprintf(stderr, fmt, ap);
	} else if (b->len < sizeof(b->text) - 1) {
		int n = vsnprintf(b->text + b->len, sizeof(b->text) - b->len, fmt, ap);
		if (n > 0)
			b->len += (size_t)n;
		if (b->len > sizeof(b->text) - 1)
			b->len = sizeof(b->text) - 1;
	}
	va_end(ap);
}

int vmm_syserr(const char *fmt, ...)
{
	int e = errno ? errno : EIO;
	char what[200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	vmm_errorf("vmm: %s: %s\n", what, strerror(e));
	return -e;
}
