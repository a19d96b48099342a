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

int vmm_syserr(const char *fmt, ...)
{
	int e = errno ? errno : EIO;
	char what[200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	fprintf(stderr, "vmm: %s: %s\n", what, strerror(e));
	return -e;
}
