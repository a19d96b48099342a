/* SPDX-License-Identifier: MIT */
/*
 * guest/linux/entry.S - a Linux program's `syscall`, at CPL 0.
 *
 * SYSCALL (SDM Vol 2B; Vol 3A 5.8.8) puts RIP in RCX and RFLAGS in R11,
 * masks RFLAGS with IA32_FMASK (IF, DF, TF, AC, NT cleared: thread.c) and
 * jumps to IA32_LSTAR. CPL was 0 already, so nothing else changes: RSP is
 * still the program's, whose 128-byte red zone (psABI 3.2.2) must not be
 * touched. The stub parks RSP in %gs:PERCPU_PROG_URSP, switches to the
 * thread's syscall frame slot (%gs:PERCPU_PROG_KSTACK, set on every return
 * to the program), saves every register the Linux syscall ABI preserves
 * (all but RAX, RCX, R11), including the vector state: kernel C code may
 * use any vector register (guest/arch/fpu.h) and the program relies on
 * them across the call. It returns with popfq and an indirect jump, never
 * SYSRET (which would load CPL 3 selectors and drop to ring 3).
 */
#include "guest/arch/layout.h"

	.text
	.globl linux_syscall_entry
	.balign 16
linux_syscall_entry:
	movq %rsp, %gs:PERCPU_PROG_URSP
	movq %gs:PERCPU_PROG_KSTACK, %rsp
	pushq %gs:PERCPU_PROG_URSP /* rsp */
	pushq %rcx		   /* rip */
	pushq %r11		   /* rflags */
	pushq %rax
	pushq %rdi
	pushq %rsi
	pushq %rdx
	pushq %r10
	pushq %r8
	pushq %r9
	pushq %rbx
	pushq %rbp
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	cld
	movq %rsp, %rbx /* struct linux_regs *, callee-saved across the call */

	movl fpu_xsave_size(%rip), %eax
	subq %rax, %rsp
	andq $-64, %rsp /* XSAVE alignment (SDM Vol 1 13.4) */
	movq %rsp, %rdi
	call fpu_save /* guest/arch/isr.S */

	/* a frame for backtraces: [rbp] = the program's rbp, [rbp+8] = its rip */
	pushq 14*8(%rbx)
	pushq 4*8(%rbx)
	movq %rsp, %rbp
	movq %rbx, %rdi
	call linux_syscall
	addq $16, %rsp
	jmp linux_return

/* linux_user_enter(frame %rdi, fpu %rsi): the return path on its own */
	.globl linux_user_enter
linux_user_enter:
	movq %rdi, %rbx
	movq %rsi, %rsp
	/* fall through */

/* %rbx = struct linux_regs, %rsp = its XSAVE area */
linux_return:
	movq %rsp, %rdi
	call fpu_restore
	movq %rbx, %rsp
	/* the next syscall of this thread on this CPU builds its frame here
	 * (another thread may have run here since this one entered) */
	leaq 16*8(%rbx), %rax
	movq %rax, %gs:PERCPU_PROG_KSTACK
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbp
	popq %rbx
	popq %r9
	popq %r8
	popq %r10
	popq %rdx
	popq %rsi
	popq %rdi
	popq %rax
	/* Linux returns RCX = RIP and R11 = RFLAGS (SYSRET's view of them) */
	movq (%rsp), %r11
	movq 8(%rsp), %rcx
	popfq		/* may set IF: interrupts use IST_IRQ, never this stack */
	movq 8(%rsp), %rsp
	jmp *%rcx

/* linux_fpu_init(area): the state a new process starts with (x87 FNINIT
 * defaults, MXCSR 0x1f80: SysV psABI 3.2.1 "initial state") */
	.globl linux_fpu_init
linux_fpu_init:
	subq $8, %rsp
	fninit
	movl $0x1f80, (%rsp)
	ldmxcsr (%rsp)
	addq $8, %rsp
	jmp fpu_save

	.section .note.GNU-stack, "", @progbits
