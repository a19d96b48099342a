/* tests/vmm/raw/entry.S - every vCPU enters here in 64-bit mode (the vmm's
 * contract, proto/boot.h): RDI = pk_bootinfo, RSI = vCPU index. A 16 KiB
 * stack each, then raw_main(bootinfo, index). */
#define RAW_STACK 16384
#define RAW_MAX_CPUS 8
	.section .text.entry, "ax"
	.globl _start
_start:
	cmp $RAW_MAX_CPUS, %rsi
	jae 1f
	lea 1(%rsi), %rax
	shl $14, %rax
	lea raw_stacks(%rip), %rsp
	add %rax, %rsp
	call raw_main
1:	cli
	hlt
	jmp 1b

	/* the vmm boots an image with this note as a raw guest, not as a
	 * Linux program (proto/boot.h PK_ELFNOTE_VMM_GUEST) */
	.section .note.perfkern, "a", @note
	.balign 4
	.long 9 /* namesz: "perfkern" and its NUL */
	.long 0 /* descsz */
	.long 1 /* PK_ELFNOTE_VMM_GUEST */
	.asciz "perfkern"
	.balign 4

	.bss
	.balign 16
raw_stacks:
	.skip RAW_STACK * RAW_MAX_CPUS
	.section .note.GNU-stack, "", @progbits
