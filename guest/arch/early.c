/* SPDX-License-Identifier: MIT */
/*
 * guest/arch/early.c - the first C on every CPU. Compiled for baseline
 * x86-64 with general registers only (-mgeneral-regs-only), because the
 * CPU has not been checked yet: the rest of the kernel is built for
 * PK_MARCH (x86-64-v3 by default) and may use AVX2/FMA/BMI2 anywhere.
 *
 * BSP: probe CPUID, refuse a CPU that lacks what the build uses with one
 * clear line and exit code PK_EXIT_UNSUPPORTED_CPU, then enable the vector
 * state. APs: enable the same state (the BSP already checked).
 */
#include "cpu.h"
#include "cpufeat.h"
#include "fpu.h"
#include "layout.h"
#include "serial.h"

#ifndef PK_MARCH_STR
#error "build passes -DPK_MARCH_STR=\"...\""
#endif

uint64_t cpufeat_have_mask;
uint32_t cpuid_max_basic;
uint32_t fpu_xsave_size = 512; /* FXSAVE area (SDM Vol 1 10.5.1) */
uint8_t fpu_use_xsave;
uint64_t fpu_xcr0;

#define CPUF_NAME(name, leaf, sub, reg, bit) #name,
static const char *const cpufeat_names[] = {CPUF_LIST(CPUF_NAME)};
#undef CPUF_NAME

#define CPUF_ROW(name, leaf, sub, reg, bit) {leaf, sub, reg, bit},
static const struct {
	uint32_t leaf, sub;
	uint8_t reg, bit;
} cpufeat_rows[] = {CPUF_LIST(CPUF_ROW)};
#undef CPUF_ROW

const char *cpufeat_name(unsigned i)
{
	return i < CPUF_COUNT ? cpufeat_names[i] : 0;
}

/* XCR0 components (SDM Vol 1 13.1): x87, SSE, AVX, and the three
 * AVX-512 parts (opmask, ZMM_Hi256, Hi16_ZMM). */
#define XCR0_X87 (1u << 0)
#define XCR0_SSE (1u << 1)
#define XCR0_AVX (1u << 2)
#define XCR0_AVX512 (7u << 5)

static uint64_t cpufeat_probe(void)
{
	uint32_t max_basic = cpuid_max_basic = cpuid(0, 0).eax;
	uint32_t max_ext = cpuid(0x80000000, 0).eax;
	uint64_t have = 0;

	/* rows come grouped by leaf: one CPUID per leaf (each is a VM exit) */
	struct cpuid_regs r = {0, 0, 0, 0};
	uint32_t cached_leaf = ~0u, cached_sub = ~0u;
	for (unsigned i = 0; i < CPUF_COUNT; i++) {
		uint32_t leaf = cpufeat_rows[i].leaf;
		if (leaf < 0x80000000 ? leaf > max_basic : leaf > max_ext)
			continue;
		if (leaf != cached_leaf || cpufeat_rows[i].sub != cached_sub) {
			r = cpuid(leaf, cpufeat_rows[i].sub);
			cached_leaf = leaf;
			cached_sub = cpufeat_rows[i].sub;
		}
		uint32_t regs[4] = {r.eax, r.ebx, r.ecx, r.edx};
		if ((regs[cpufeat_rows[i].reg] >> cpufeat_rows[i].bit) & 1)
			have |= 1ULL << i;
	}
	/* AVX and AVX-512 are only usable when XCR0 can enable their state
	 * (SDM Vol 1 14.3, 15.2): treat them as absent otherwise. */
	uint32_t xcr0_ok = (have & CPUF_BIT(XSAVE)) && max_basic >= 0xd ? cpuid(0xd, 0).eax : 0;
	if ((xcr0_ok & (XCR0_SSE | XCR0_AVX)) != (XCR0_SSE | XCR0_AVX))
		have &= ~(CPUF_BIT(AVX) | CPUF_BIT(AVX2) | CPUF_BIT(FMA) | CPUF_BIT(F16C));
	if ((xcr0_ok & XCR0_AVX512) != XCR0_AVX512)
		have &= ~(CPUF_BIT(AVX512F) | CPUF_BIT(AVX512DQ) | CPUF_BIT(AVX512CD) |
			  CPUF_BIT(AVX512BW) | CPUF_BIT(AVX512VL));
	return have;
}

static __attribute__((noreturn)) void early_exit(uint32_t code);

/* Early IDT (SDM Vol 3A 7.14.1 gate layout): 32 exception gates to the
 * stubs in isr.S, until idt_init() installs the real table. */
struct early_gate {
	uint16_t off_lo, sel;
	uint8_t ist, type;
	uint16_t off_mid;
	uint32_t off_hi, reserved;
} __attribute__((packed));
static struct early_gate early_idt[32];
extern const char early_stubs[];

static void early_idt_install(void)
{
	for (unsigned v = 0; v < 32; v++) {
		uint64_t a = (uint64_t)(early_stubs + 16 * v);
		early_idt[v] =
			(struct early_gate){(uint16_t)a,	 SEL_CODE64,	      0, 0x8e,
					    (uint16_t)(a >> 16), (uint32_t)(a >> 32), 0};
	}
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) p = {sizeof(early_idt) - 1, (uint64_t)early_idt};
	__asm__ volatile("lidt %0" ::"m"(p));
}

static void early_hex(uint64_t v)
{
	char buf[19] = "0x";
	for (int i = 0; i < 16; i++)
		buf[2 + i] = "0123456789abcdef"[(v >> (60 - 4 * i)) & 0xf];
	buf[18] = 0;
	serial_puts(buf);
}

void early_exception(uint64_t vector, uint64_t error, uint64_t rip);
void early_exception(uint64_t vector, uint64_t error, uint64_t rip)
{
	serial_puts("perfkern: exception during early boot: vector ");
	early_hex(vector);
	serial_puts(" error ");
	early_hex(error);
	serial_puts(" rip ");
	early_hex(rip);
	serial_puts(" cr2 ");
	early_hex(read_cr2());
	serial_puts("\n");
	early_exit(PK_EXIT_PANIC);
}

static __attribute__((noreturn)) void early_exit(uint32_t code)
{
	outl(0xf4, code); /* QEMU isa-debug-exit and the perfkern vmm */
	for (;;)
		__asm__ volatile("cli; hlt");
}

/* CR0/CR4/XCR0/EFER for this CPU (SDM Vol 3A 2.5, 13.1-13.3). */
static void cpu_enable_state(void)
{
	uint64_t cr0 = read_cr0();
	cr0 &= ~(1ull << 2);				 /* EM: no x87 emulation */
	cr0 |= (1ull << 1) | (1ull << 5) | (1ull << 16); /* MP, NE, WP */
	write_cr0(cr0);

	uint64_t cr4 = read_cr4();
	cr4 |= (1ull << 7) | (1ull << 9) | (1ull << 10); /* PGE, OSFXSR, OSXMMEXCPT */
	if (cpu_has(CPUF_XSAVE))
		cr4 |= 1ull << 18; /* OSXSAVE */
	if (cpu_has(CPUF_FSGSBASE))
		cr4 |= 1ull << 16; /* FSGSBASE: cheap rdgsbase for per-CPU data */
	write_cr4(cr4);

	if (cpu_has(CPUF_XSAVE)) {
		uint64_t xcr0 = XCR0_X87 | XCR0_SSE;
		if (cpu_has(CPUF_AVX))
			xcr0 |= XCR0_AVX;
		if (cpu_has(CPUF_AVX512F))
			xcr0 |= XCR0_AVX512;
		xsetbv(0, xcr0);
		/* Read it back: a hypervisor can drop the write (QEMU TCG's SVM
		 * does not intercept XSETBV, so nested KVM reloads its own idea
		 * of XCR0 on every entry). What did not stick is not usable. */
		uint32_t lo, hi;
		__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
		fpu_xcr0 = ((uint64_t)hi << 32) | lo;
		if (!(fpu_xcr0 & XCR0_AVX))
			cpufeat_have_mask &=
				~(CPUF_BIT(AVX) | CPUF_BIT(AVX2) | CPUF_BIT(FMA) | CPUF_BIT(F16C));
		if ((fpu_xcr0 & XCR0_AVX512) != XCR0_AVX512)
			cpufeat_have_mask &=
				~(CPUF_BIT(AVX512F) | CPUF_BIT(AVX512DQ) | CPUF_BIT(AVX512CD) |
				  CPUF_BIT(AVX512BW) | CPUF_BIT(AVX512VL));
		/* EBX: size for the components enabled right now (Vol 2A CPUID 0Dh) */
		fpu_xsave_size = cpuid(0xd, 0).ebx;
		fpu_use_xsave = 1;
	}
	if (cpu_has(CPUF_NX))
		wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);

	uint32_t mxcsr = 0x1f80; /* all exceptions masked, round to nearest */
	__asm__ volatile("fninit; ldmxcsr %0" ::"m"(mxcsr));
}

void early_init(uint32_t protocol, uint64_t ptr)
{
	(void)protocol;
	(void)ptr;
	early_idt_install();
	cpufeat_have_mask = cpufeat_probe();
	cpu_enable_state(); /* may withdraw AVX if XCR0 refuses it */

	uint64_t missing = cpufeat_need_mask & ~cpufeat_have_mask;
	if (missing) {
		serial_puts("perfkern: this CPU lacks");
		for (unsigned i = 0; i < CPUF_COUNT; i++) {
			if (missing & (1ULL << i)) {
				serial_puts(" ");
				serial_puts(cpufeat_names[i]);
			}
		}
		serial_puts(", which this build uses (PK_MARCH=" PK_MARCH_STR
			    "); rebuild with -DPK_MARCH=x86-64 (make PK_MARCH=x86-64)\n");
		early_exit(PK_EXIT_UNSUPPORTED_CPU);
	}
}

void early_init_ap(void)
{
	early_idt_install();
	cpu_enable_state();
}
