/* SPDX-License-Identifier: MIT */
/*
 * guest/arch/trampoline.S - where an AP starts after INIT-SIPI-SIPI
 * (SDM Vol 3A 9.4.4): real mode, CS = SIPI vector << 8, IP = 0, at a page
 * below 1 MiB. The BSP copies this blob there and fills in the three
 * parameters at the end; the code itself is position independent (it
 * derives its physical base from CS) so any free low page will do.
 *
 * 16-bit -> 32-bit protected mode -> long mode on the BSP's CR3 ->
 * ap_entry64 in the higher half.
 */
#include "layout.h"

	.section .rodata, "a"
	.balign 16
	.globl trampoline_start, trampoline_end, trampoline_params
	.code16
trampoline_start:
	cli
	cld
	movw %cs, %ax
	movw %ax, %ds
	movzwl %ax, %ebx
	shll $4, %ebx /* EBX = physical base of this page */

	/* patch the GDT base and the far-jump target for our location */
	leal (tr_gdt - trampoline_start)(%ebx), %eax
	movl %eax, (tr_gdt_ptr + 2 - trampoline_start)
	leal (tr_32 - trampoline_start)(%ebx), %eax
	movl %eax, (tr_far32 - trampoline_start)
	leal (tr_64 - trampoline_start)(%ebx), %eax
	movl %eax, (tr_far64 - trampoline_start)

	lgdtl (tr_gdt_ptr - trampoline_start)
	movl %cr0, %eax
	orl $1, %eax /* CR0.PE */
	movl %eax, %cr0
	ljmpl *(tr_far32 - trampoline_start)

	.code32
tr_32:
	movl $SEL_DATA, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	/* CR4.PAE, CR3, EFER (LME and the BSP's NXE), CR0.PG */
	movl %cr4, %eax
	orl $(1 << 5), %eax
	movl %eax, %cr4
	movl (tr_cr3 - trampoline_start)(%ebx), %eax
	movl %eax, %cr3
	movl $0xc0000080, %ecx
	movl (tr_efer - trampoline_start)(%ebx), %eax
	xorl %edx, %edx
	wrmsr
	movl %cr0, %eax
	orl $(1 << 31), %eax
	movl %eax, %cr0
	ljmpl *(tr_far64 - trampoline_start)(%ebx)

	.code64
tr_64:
	movabsq $ap_entry64, %rax
	jmp *%rax

	.balign 8
tr_gdt:
	.quad 0
	.quad PK_GDT_CODE32 /* SEL_CODE32 */
	.quad PK_GDT_CODE64 /* SEL_CODE64 */
	.quad PK_GDT_DATA /* SEL_DATA */
tr_gdt_ptr:
	.short tr_gdt_ptr - tr_gdt - 1
	.long 0
tr_far32:
	.long 0
	.short SEL_CODE32
tr_far64:
	.long 0
	.short SEL_CODE64
	.balign 8
trampoline_params:
tr_cr3:
	.long 0 /* filled by the BSP: must be below 4 GiB */
tr_efer:
	.long 0 /* filled by the BSP: EFER with LME (and NXE if used) */
trampoline_end:

	.section .note.GNU-stack, "", @progbits
