/* SPDX-License-Identifier: MIT */
/*
 * lib/sched/switch.S - the cooperative context switch, shared by the
 * kernel and the hosted (pthread) build.
 *
 * void sched_switch(uint64_t *save_rsp, uint64_t new_rsp)
 * Saves only what the SysV ABI makes callee-saved: rbx, rbp, r12-r15, the
 * MXCSR control bits and the x87 control word (ABI sec. 3.2.1, 3.2.3). No
 * vector register is callee-saved, so none is saved.
 *
 * Frame on a suspended task's stack (low to high):
 *   mxcsr(4) fpucw(2) pad(2) r15 r14 r13 r12 rbx rbp ret
 */
	.text
	.globl sched_switch
	.type sched_switch, @function
sched_switch:
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	subq $8, %rsp
	stmxcsr (%rsp)
	fnstcw 4(%rsp)
	movq %rsp, (%rdi)
	movq %rsi, %rsp
	ldmxcsr (%rsp)
	fldcw 4(%rsp)
	addq $8, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	/* jmp, not ret: the return stack predicts the caller we came from,
	 * which on a switch is always wrong; an indirect jump to the saved
	 * address is predicted from history (Boost.Context does the same) */
	popq %r11
	jmp *%r11
	.size sched_switch, . - sched_switch

/* First "return" of a new task: r12 = entry, r13 = argument (set up by
 * sched_stack_init). rbp = 0 ends backtraces here. */
	.globl sched_task_start
	.type sched_task_start, @function
sched_task_start:
	xorl %ebp, %ebp
	movq %r13, %rdi
	call *%r12
	movq %rax, %rdi
	call sched_task_exit
	ud2
	.size sched_task_start, . - sched_task_start

	.section .note.GNU-stack, "", @progbits
