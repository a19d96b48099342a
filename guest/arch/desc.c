/* SPDX-License-Identifier: MIT */
/*
 * guest/arch/desc.c - descriptor tables: one IDT shared by all CPUs, and a
 * GDT + TSS per CPU (the TSS holds that CPU's IST stacks, so each CPU needs
 * its own TSS descriptor). SDM Vol 3A 3.4.5 (segment descriptors),
 * 7.14 (64-bit IDT), 8.2.3 (TSS descriptor in 64-bit mode).
 */
#include "desc.h"

#include "lib/kstring/kstring.h"
#include "lib/heap/pages.h"
#include "guest/mm/paging.h"
#include "layout.h"
#include "percpu.h"
#include "trap.h"

struct idt_gate {
	uint16_t off_lo;
	uint16_t sel;
	uint8_t ist;
	uint8_t type; /* 0x8e: present, DPL 0, 64-bit interrupt gate */
	uint16_t off_mid;
	uint32_t off_hi;
	uint32_t reserved;
} __attribute__((packed));
_Static_assert(sizeof(struct idt_gate) == 16, "IDT gate");

struct desc_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

static struct idt_gate idt[256] __attribute__((aligned(16)));
extern const char isr_stubs[]; /* isr.S: 16 bytes per vector */

/* IST stacks per CPU: a fault on a broken stack (#DF), an NMI or a #MC
 * always gets a known-good stack. Each has a guard page below it (desc.h). */
uint8_t ist_bsp[IST_COUNT][IST_STRIDE] __attribute__((aligned(4096)));
static uint8_t *ist_block[PK_MAX_CPUS];

uint8_t *desc_ist_block(uint32_t cpu)
{
	return cpu == 0 ? &ist_bsp[0][0] : ist_block[cpu];
}

uint32_t desc_ist_prepare(uint32_t cpus)
{
	for (uint32_t c = 1; c < cpus; c++) {
		if (ist_block[c])
			continue;
		uint8_t *b = pages_alloc(IST_COUNT * IST_STRIDE, PAGE_SIZE);
		if (!b)
			return c;
		for (int i = 0; i < IST_COUNT; i++)
			paging_guard(b + i * IST_STRIDE);
		ist_block[c] = b;
	}
	return cpus;
}

void idt_init(void)
{
	for (unsigned v = 0; v < 256; v++) {
		uint64_t a = (uint64_t)(isr_stubs + 16 * v);
		idt[v] = (struct idt_gate){
			.off_lo = (uint16_t)a,
			.sel = SEL_CODE64,
			.ist = v >= 32 ? IST_IRQ : 0, /* layout.h: IST_IRQ */
			.type = 0x8e,
			.off_mid = (uint16_t)(a >> 16),
			.off_hi = (uint32_t)(a >> 32),
		};
	}
	idt[8].ist = IST_DF;
	idt[2].ist = IST_NMI;
	idt[18].ist = IST_MC;
}

void idt_load(void)
{
	struct desc_ptr p = {sizeof(idt) - 1, (uint64_t)idt};
	__asm__ volatile("lidt %0" ::"m"(p));
}

void desc_init_cpu(struct percpu *c)
{
	uint64_t tss = (uint64_t)&c->tss;
	uint64_t tss_limit = sizeof(c->tss) - 1;

	memset(&c->tss, 0, sizeof(c->tss));
	for (int i = 0; i < IST_COUNT; i++)
		c->tss.ist[i] = (uint64_t)desc_ist_block(c->index) + (uint64_t)(i + 1) * IST_STRIDE;
	c->tss.iomap_base = sizeof(c->tss); /* no I/O bitmap */

	c->gdt[0] = 0;
	c->gdt[SEL_CODE32 / 8] = PK_GDT_CODE32;
	c->gdt[SEL_CODE64 / 8] = PK_GDT_CODE64;
	c->gdt[SEL_DATA / 8] = PK_GDT_DATA;
	/* 16-byte available 64-bit TSS descriptor (type 9, present) */
	c->gdt[SEL_TSS / 8] = (tss_limit & 0xffff) | ((tss & 0xffffff) << 16) | (0x89ull << 40) |
			      ((tss_limit >> 16 & 0xf) << 48) | ((tss >> 24 & 0xff) << 56);
	c->gdt[SEL_TSS / 8 + 1] = tss >> 32;

	struct desc_ptr p = {sizeof(c->gdt) - 1, (uint64_t)c->gdt};
	__asm__ volatile("lgdt %0\n\t"
			 "pushq %1\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "movl %2, %%eax\n\t"
			 "movl %%eax, %%ds\n\t"
			 "movl %%eax, %%es\n\t"
			 "movl %%eax, %%ss\n\t"
			 "ltr %w3"
			 :
			 : "m"(p), "i"(SEL_CODE64), "i"(SEL_DATA), "r"((uint16_t)SEL_TSS)
			 : "rax", "memory");
	idt_load();
}
