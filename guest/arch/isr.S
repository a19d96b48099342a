/* SPDX-License-Identifier: MIT */
/*
 * guest/arch/isr.S - the 256 interrupt entry stubs and the common path.
 *
 * Kernel code may use any vector register, so the common path saves the
 * complete extended state (XSAVE of every XCR0 component, FXSAVE on CPUs
 * without XSAVE) below the general-purpose registers and restores it
 * before IRETQ: an interrupt can never corrupt the interrupted code's
 * YMM/ZMM state, and handlers are ordinary C.
 */
#include "layout.h"

/* Vectors for which the CPU pushes an error code (SDM Vol 3A 7.3 table 7-1):
 * #DF 8, #TS 10, #NP 11, #SS 12, #GP 13, #PF 14, #AC 17, #CP 21, #VC 29, #SX 30 */
	.altmacro
.macro VEC_STUB vec, target
	.balign 16
	.if (\vec == 8) || (\vec == 10) || (\vec == 11) || (\vec == 12) || (\vec == 13) || (\vec == 14) || (\vec == 17) || (\vec == 21) || (\vec == 29) || (\vec == 30)
	.else
	pushq $0
	.endif
	pushq $\vec
	jmp \target
.endm

	.text
	.balign 16
	.globl isr_stubs
isr_stubs: /* stub for vector v is at isr_stubs + 16 * v */
	.set vec, 0
	.rept 256
	VEC_STUB %vec, isr_common
	.set vec, vec + 1
	.endr
	.noaltmacro

isr_common:
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	cld
	movq %rsp, %rbx /* struct trap_frame *, callee-saved across the call */

	movl fpu_xsave_size(%rip), %eax
	subq %rax, %rsp
	andq $-64, %rsp /* XSAVE needs 64-byte alignment (SDM Vol 1 13.4) */
	movq %rsp, %rdi
	call fpu_save
	/* fake frame so backtraces from a handler continue into the
	 * interrupted code: [rbp] = its rbp, [rbp+8] = its rip */
	pushq 17*8(%rbx) /* frame->rip */
	pushq 8*8(%rbx)  /* frame->rbp */
	movq %rsp, %rbp
	movq %rbx, %rdi
	call trap_dispatch
	addq $16, %rsp

	movq %rsp, %rdi
	call fpu_restore
	movq %rbx, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
	addq $16, %rsp /* vector, error code */
	iretq

/*
 * fpu_save(area %rdi) / fpu_restore(area %rdi): the whole extended state,
 * XSAVE of every XCR0 component (FXSAVE on CPUs without XSAVE), to or from
 * a 64-byte aligned area of fpu_xsave_size bytes. Clobber rax and rdx
 * only. The interrupt path above and the Linux syscall entry
 * (guest/linux/entry.S) both use them.
 */
	.globl fpu_save
fpu_save:
	cmpb $0, fpu_use_xsave(%rip)
	je 1f
	/* XSAVE leaves the header's reserved bytes alone but XRSTOR faults
	 * on non-zero ones (SDM Vol 1 13.4.2): clear bytes 512..575 first */
	xorl %eax, %eax
	movq %rax, 512(%rdi)
	movq %rax, 520(%rdi)
	movq %rax, 528(%rdi)
	movq %rax, 536(%rdi)
	movq %rax, 544(%rdi)
	movq %rax, 552(%rdi)
	movq %rax, 560(%rdi)
	movq %rax, 568(%rdi)
	movl $-1, %eax
	movl $-1, %edx
	xsave64 (%rdi)
	ret
1:	fxsave64 (%rdi)
	ret

	.globl fpu_restore
fpu_restore:
	cmpb $0, fpu_use_xsave(%rip)
	je 1f
	movl $-1, %eax
	movl $-1, %edx
	xrstor64 (%rdi)
	ret
1:	fxrstor64 (%rdi)
	ret

/*
 * Early exception stubs: until idt_init() runs, any exception lands in
 * early_exception() (early.c), which names it on COM1 and exits instead of
 * letting the CPU triple-fault silently.
 */
	.altmacro
	.balign 16
	.globl early_stubs
early_stubs:
	.set vec, 0
	.rept 32
	VEC_STUB %vec, early_common
	.set vec, vec + 1
	.endr
	.noaltmacro
early_common:
	movq 0(%rsp), %rdi  /* vector */
	movq 8(%rsp), %rsi  /* error code */
	movq 16(%rsp), %rdx /* rip */
	andq $-16, %rsp
	call early_exception
1:	cli
	hlt
	jmp 1b

/*
 * int arch_setjmp(struct arch_jmp *j) / void arch_longjmp(j, int v): the
 * one setjmp of the kernel (guest/arch/setjmp.h). setjmp saves the
 * callee-saved registers, the caller's rsp after the return and the
 * return address, and returns 0; longjmp puts them back and returns v
 * from that setjmp again. trap_dispatch resumes a faulting trap_probe()
 * at arch_longjmp (RDI = the probe's jmp, RSI = 1), a Linux thread's exit
 * leaves program code through it (guest/linux/thread.c).
 */
	.globl arch_setjmp, arch_longjmp
arch_setjmp:
	movq %rbx, 0(%rdi)
	movq %rbp, 8(%rdi)
	movq %r12, 16(%rdi)
	movq %r13, 24(%rdi)
	movq %r14, 32(%rdi)
	movq %r15, 40(%rdi)
	leaq 8(%rsp), %rax /* caller's rsp after our return */
	movq %rax, 48(%rdi)
	movq (%rsp), %rax
	movq %rax, 56(%rdi) /* return address */
	xorl %eax, %eax
	ret

arch_longjmp:
	movq 0(%rdi), %rbx
	movq 8(%rdi), %rbp
	movq 16(%rdi), %r12
	movq 24(%rdi), %r13
	movq 32(%rdi), %r14
	movq 40(%rdi), %r15
	movq 48(%rdi), %rsp
	movl %esi, %eax
	jmp *56(%rdi)

/*
 * void cpu_idle_halt(void): enable interrupts and halt until one arrives.
 * STI delays interrupt recognition by one instruction (SDM Vol 3A 6.8.3),
 * so a wake IPI that is already pending ends the HLT instead of slipping
 * in before it. Some nested hypervisors lose that shadow, delivering the
 * interrupt with RIP on the HLT: trap_dispatch moves such a frame past
 * cpu_idle_hlt, so the wakeup is never slept through either way.
 */
	.globl cpu_idle_halt, cpu_idle_hlt
cpu_idle_halt:
	sti
cpu_idle_hlt:
	hlt
	ret

	.section .note.GNU-stack, "", @progbits
