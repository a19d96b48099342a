/* SPDX-License-Identifier: MIT */
/*
 * guest/arch/setjmp.h - the kernel's one setjmp/longjmp (isr.S), used by
 * trap_probe (a fault resumes at arch_longjmp) and by a Linux thread's
 * exit (guest/linux/thread.c). No signal mask, no shadow stack: only the
 * callee-saved registers, rsp and the return address (SysV psABI 3.2.1).
 */
#ifndef PK_ARCH_SETJMP_H
#define PK_ARCH_SETJMP_H

#include <stdint.h>

struct arch_jmp {
	uint64_t rbx, rbp, r12, r13, r14, r15, rsp, rip; /* isr.S's offsets */
};

/* 0 when called; v (never 0 from a longjmp in this kernel) when a
 * longjmp came back here. The caller's frame must still be live then. */
int arch_setjmp(struct arch_jmp *j) __attribute__((returns_twice));
void arch_longjmp(struct arch_jmp *j, int v) __attribute__((noreturn));

#endif
