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

	.bss
	.balign 16
raw_stacks:
	.skip RAW_STACK * RAW_MAX_CPUS
	.section .note.GNU-stack, "", @progbits
