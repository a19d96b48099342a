/* SPDX-License-Identifier: MIT */
/*
 * guest/arch/boot.S - the three ways into the kernel (docs/boot.md).
 *
 *   pvh_entry      32-bit, paging off, EBX = hvm_start_info  (QEMU -kernel)
 *   mb2_entry      32-bit, paging off, EAX = magic, EBX = MBI (GRUB)
 *   boot_vmm_entry 64-bit on the VMM's page tables, RDI = pk_bootinfo,
 *                  RSI = cpu index (every vCPU starts here)
 *
 * All of them load the static early page tables below (identity map and
 * direct map of the first 4 GiB, kernel image at PK_KERNEL_VMA) and jump to
 * kernel_start64 in the higher half with EDI = protocol, RSI = pointer.
 * This file runs before any feature check: plain x86-64 instructions only.
 */
#include "proto/boot.h"
#include "proto/pc.h"
#include "lib/config.h"
#include "layout.h"

#define PA(x) ((x) - PK_KERNEL_VMA)

#define MB2_HEADER_MAGIC 0xe85250d6 /* multiboot2 spec 3.1.2 */

	.section .multiboot2, "a"
	.balign 8
mb2_header:
	.long MB2_HEADER_MAGIC
	.long 0 /* architecture: i386 protected mode */
	.long mb2_header_end - mb2_header
	.long -(MB2_HEADER_MAGIC + (mb2_header_end - mb2_header))
	/* entry address tag (spec 3.1.6): e_entry is the VMM's 64-bit stub */
	.balign 8
	.short 3, 0
	.long 12
	.long mb2_entry
	/* end tag */
	.balign 8
	.short 0, 0
	.long 8
mb2_header_end:

	/* Xen PVH: XEN_ELFNOTE_PHYS32_ENTRY (type 18), read by QEMU -kernel */
	.section .note.pvh, "a", @note
	.balign 4
	.long 4
	.long 4
	.long 18
	.asciz "Xen"
	.balign 4
	.long pvh_entry
	.balign 4

	.section .boot.text, "ax"
	.code32
	.globl pvh_entry
pvh_entry:
	cli
	cld
	movl $PK_BOOT_PVH, %edi
	movl %ebx, %esi
	jmp entry32

	.globl mb2_entry
mb2_entry:
	cli
	cld
	movl $PK_BOOT_MULTIBOOT2, %edi
	movl %ebx, %esi
	cmpl $0x36d76289, %eax /* multiboot2 spec 3.3: bootloader magic */
	je entry32
	movl $msg_bad_mb2, %ebx
	jmp die32

/* Common 32-bit path: EDI = protocol, ESI = loader structure. */
entry32:
	rdtsc
	movl %eax, boot_entry_tsc
	movl %edx, boot_entry_tsc + 4
	movl $PA(bsp_stack_top), %esp

	/* Long mode present? (SDM Vol 2A CPUID 80000001h EDX bit 29) */
	movl $0x80000000, %eax
	cpuid
	cmpl $0x80000001, %eax
	jb 1f
	movl $0x80000001, %eax
	cpuid
	btl $29, %edx
	jc 2f
1:	movl $msg_no_lm, %ebx
	jmp die32
2:
	/* CR4.PAE, CR3, EFER.LME, CR0.PG (SDM Vol 3A 10.8.5) */
	movl %cr4, %eax
	orl $(1 << 5), %eax
	movl %eax, %cr4
	movl $early_pml4, %eax
	movl %eax, %cr3
	movl $0xc0000080, %ecx
	rdmsr
	orl $(1 << 8), %eax
	wrmsr
	movl %cr0, %eax
	orl $((1 << 31) | (1 << 0)), %eax
	movl %eax, %cr0
	lgdt boot_gdt_ptr
	ljmp $SEL_CODE64, $entry64_from32

/* Print the NUL-terminated string at EBX on COM1 and exit through QEMU's
 * isa-debug-exit; on real hardware just halt with the message shown. */
die32:
	movw $PK_PORT_COM1, %dx
1:	movb (%ebx), %al
	testb %al, %al
	jz 3f
	movw $(PK_PORT_COM1 + 5), %dx
2:	inb %dx, %al
	testb $0x20, %al /* LSR.THRE */
	jz 2b
	movw $PK_PORT_COM1, %dx
	movb (%ebx), %al
	outb %al, %dx
	incl %ebx
	jmp 1b
3:	movl $PK_EXIT_UNSUPPORTED_CPU, %eax
	movw $PK_PORT_DEBUG_EXIT, %dx
	outl %eax, %dx
4:	hlt
	jmp 4b

	.code64
entry64_from32:
	movl %edi, %edi
	movl %esi, %esi
	jmp entry64_common

/* VMM entry: already in long mode on the VMM's tables (which identity-map
 * this page too), RDI = bootinfo phys, RSI = cpu index. */
	.globl boot_vmm_entry
boot_vmm_entry:
	cli
	cld
	testq %rsi, %rsi
	jnz 1f
	rdtsc
	movl %eax, boot_entry_tsc(%rip)
	movl %edx, boot_entry_tsc + 4(%rip)
1:	movq %rsi, %rdx /* cpu index */
	movq %rdi, %rsi /* bootinfo */
	movl $PK_BOOT_VMM, %edi
	leaq early_pml4(%rip), %rax
	movq %rax, %cr3
	lgdt boot_gdt_ptr(%rip)
	/* reload CS without a stack (every vCPU arrives here with RSP = 0):
	 * far jump through m16:32, the form Intel and AMD both accept */
	ljmpl *vmm_far_ptr(%rip)

/* 64-bit, identity mapped, our GDT and page tables. EDI = protocol,
 * RSI = pointer, RDX = cpu index (VMM only). */
entry64_common:
	movl $SEL_DATA, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	xorl %eax, %eax
	movl %eax, %fs
	movl %eax, %gs
	movabsq $kernel_start64, %rax
	jmp *%rax

	.section .boot.data, "aw"
	.balign 8
	.globl boot_entry_tsc
boot_entry_tsc:
	.quad 0
msg_no_lm:
	.asciz "perfkern: this CPU has no long mode (x86-64); cannot boot\r\n"
msg_bad_mb2:
	.asciz "perfkern: entered via multiboot2 but EAX lacks the bootloader magic\r\n"

/* Boot GDT, same selector layout as the per-CPU GDTs (proto/boot.h). */
	.balign 16
boot_gdt:
	.quad 0
	.quad PK_GDT_CODE32 /* SEL_CODE32: 32-bit code, flat */
	.quad PK_GDT_CODE64 /* SEL_CODE64: long mode code (L=1) */
	.quad PK_GDT_DATA /* SEL_DATA */
boot_gdt_end:
vmm_far_ptr:
	.long entry64_common
	.short SEL_CODE64
	.globl boot_gdt_ptr
boot_gdt_ptr:
	.short boot_gdt_end - boot_gdt - 1
	.quad boot_gdt

/*
 * Early page tables, fully static so every entry path (and the AP
 * trampoline) can just load CR3 (SDM Vol 3A 4.5, 2 MiB pages: PS=bit 7).
 *   PML4[0]   -> identity map 0..4 GiB (boot stub, trampoline, loader data)
 *   PML4[256] -> the same tables: direct map at PK_DIRECT_MAP_BASE
 *   PML4[511] -> PDPT[510] -> first GiB at PK_KERNEL_VMA
 * The kernel extends the direct map to all RAM in paging_early_init().
 */
	.balign 4096
	.globl early_pml4
early_pml4:
	.quad early_pdpt_low + 0x3
	.fill 255, 8, 0
	.quad early_pdpt_low + 0x3
	.fill 254, 8, 0
	.quad early_pdpt_high + 0x3
	.globl early_pdpt_low
early_pdpt_low:
	.quad early_pd + 0x0000 + 0x3
	.quad early_pd + 0x1000 + 0x3
	.quad early_pd + 0x2000 + 0x3
	.quad early_pd + 0x3000 + 0x3
	.fill 508, 8, 0
early_pdpt_high:
	.fill 510, 8, 0
	.quad early_pd + 0x3
	.quad 0
early_pd:
	.set i, 0
	.rept 2048
	.quad (i << 21) | 0x83 /* present, writable, 2 MiB */
	.set i, i + 1
	.endr

	.text
/* Higher half from here on. */
	.globl kernel_start64
kernel_start64:
	cmpl $PK_BOOT_VMM, %edi
	jne 1f
	testq %rdx, %rdx
	jnz vmm_ap_start
1:	movabsq $bsp_stack_top, %rsp
	xorl %ebp, %ebp
	pushq %rdi
	pushq %rsi
	call early_init /* baseline code: CPU check, SSE/AVX enable */
	popq %rsi
	popq %rdi
	call kernel_main
2:	cli
	hlt
	jmp 2b

/* A VMM vCPU other than 0: wait until the BSP opens the gate, then take the
 * common AP path exactly like a CPU woken by INIT-SIPI-SIPI. */
vmm_ap_start:
	pause
	cmpl $0, smp_gate_open(%rip)
	je vmm_ap_start
	jmp ap_entry64

/*
 * Every AP arrives here in 64-bit mode on the early tables. Claim a boot
 * stack by ticket (arrival order): the BSP filled ap_stack_tops[] from the
 * frame allocator before starting the APs (smp.c); no stack for a ticket
 * means a CPU beyond what was prepared, which parks. ap_main() then finds
 * the CPU's index by APIC ID, so indices stay in firmware (MADT) order
 * whatever the arrival.
 */
	.globl ap_entry64
ap_entry64:
	movl $SEL_DATA, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	movl $1, %eax
	lock xaddl %eax, smp_ap_ticket(%rip)
	cmpl $(PK_MAX_CPUS - 1), %eax
	jae 2f
	movl %eax, %edi
	leaq ap_stack_tops(%rip), %rcx
	movq (%rcx,%rax,8), %rsp
	testq %rsp, %rsp
	jz 2f
	xorl %ebp, %ebp
	pushq %rdi
	pushq %rdi
	call early_init_ap
	popq %rdi
	popq %rdi
	call ap_main
2:	cli /* more CPUs than prepared stacks: park (reported by the BSP) */
	hlt
	jmp 2b

/* The BSP's stack on a guard page (unmapped by guest/mm/paging.c); the
 * APs' stacks come from the frame allocator (smp.c), tops by ticket here. */
	.bss
	.balign 4096
	.globl kstacks, kstacks_end, bsp_stack, ap_stack_tops
kstacks:
	.skip STACK_GUARD
bsp_stack:
	.skip KSTACK_SIZE
bsp_stack_top:
kstacks_end:
	.balign 8
ap_stack_tops:
	.skip 8 * (PK_MAX_CPUS - 1)

	.section .note.GNU-stack, "", @progbits
