/* SPDX-License-Identifier: MIT */
/*
 * guest/arch/trap.c - where every interrupt and exception lands.
 *
 * Exceptions are fatal unless a trap_probe() is armed on this CPU: the
 * handler prints the vector, error code, every register and a symbolised
 * frame-pointer backtrace, then exits with PK_EXIT_PANIC. Interrupts go to
 * the handler registered for their vector and are acknowledged at the LAPIC.
 */
#include "trap.h"

#include "lib/kstring/kstring.h"
#include "lib/printf/printf.h"
#include "apic.h"
#include "guest/kernel/console.h"
#include "cpu.h"
#include "guest/kernel/ksyms.h"
#include "layout.h"
#include "percpu.h"
#include "guest/kernel/platform.h"

static irq_handler_fn irq_handlers[256];
static trap_describe_fn trap_describer;
static const struct trap_program *trap_prog;

void trap_set_program(const struct trap_program *p)
{
	trap_prog = p;
}
static volatile uint64_t irq_unexpected;
volatile uint64_t irq_hlt_skipped;
extern char cpu_idle_hlt[]; /* isr.S */

static const char *const trap_names[32][2] = {
	{"#DE", "divide error"},
	{"#DB", "debug"},
	{"NMI", "non-maskable interrupt"},
	{"#BP", "breakpoint"},
	{"#OF", "overflow"},
	{"#BR", "bound range exceeded"},
	{"#UD", "invalid opcode"},
	{"#NM", "device not available"},
	{"#DF", "double fault"},
	{"#MF9", "coprocessor segment overrun"},
	{"#TS", "invalid TSS"},
	{"#NP", "segment not present"},
	{"#SS", "stack-segment fault"},
	{"#GP", "general protection"},
	{"#PF", "page fault"},
	{"#15", "reserved"},
	{"#MF", "x87 floating-point error"},
	{"#AC", "alignment check"},
	{"#MC", "machine check"},
	{"#XM", "SIMD floating-point exception"},
	{"#VE", "virtualization exception"},
	{"#CP", "control protection"},
	{"#22", "reserved"},
	{"#23", "reserved"},
	{"#24", "reserved"},
	{"#25", "reserved"},
	{"#26", "reserved"},
	{"#27", "reserved"},
	{"#HV", "hypervisor injection"},
	{"#VC", "VMM communication"},
	{"#SX", "security exception"},
	{"#31", "reserved"},
};

const char *trap_mnemonic(unsigned vector)
{
	return vector < 32 ? trap_names[vector][0] : "IRQ";
}

void irq_register(uint8_t vector, irq_handler_fn fn)
{
	irq_handlers[vector] = fn;
}

int trap_probe(void (*fn)(void *), void *arg, struct fault_probe *p)
{
	struct percpu *c = this_cpu();
	struct fault_probe *outer = c->probe;
	p->vector = -1;
	c->probe = p;
	/* a fault in fn comes back here with 1 (trap_exception) */
	if (arch_setjmp(&p->jmp) == 0)
		fn(arg);
	c->probe = outer;
	return p->vector;
}

struct copy_args {
	void *dst;
	const void *src;
	size_t n;
};

static void copy_run(void *arg)
{
	struct copy_args *a = arg;
	if (a->src)
		memcpy(a->dst, a->src, a->n);
	else
		memset(a->dst, 0, a->n);
}

int probe_copy(void *dst, const void *src, size_t n) /* src NULL: zero fill */
{
	struct copy_args a = {dst, src, n};
	struct fault_probe p;
	return n && trap_probe(copy_run, &a, &p) >= 0 ? -1 : 0;
}

int probe_zero(void *dst, size_t n)
{
	return probe_copy(dst, 0, n);
}

/* A frame pointer worth following: aligned and inside the stack in use,
 * so a corrupt chain ends the walk instead of faulting again. */
static int frame_ok(const struct percpu *c, uint64_t rbp)
{
	return (rbp & 7) == 0 && rbp >= c->stack_lo && rbp + 16 <= c->stack_hi;
}

/* One backtrace line; `lookup` is the address to symbolise (a return
 * address points after its call, so callers pass ret - 1). */
static void print_frame(const char *label, uint64_t addr, uint64_t lookup)
{
	uint64_t off = 0;
	const char *name = ksyms_lookup(lookup, &off);
	if (!name && trap_prog)
		name = trap_prog->symbol(lookup, &off);
	if (name)
		kprintf("  %s 0x%016lx %s+0x%lx\n", label, addr, name, off + (addr - lookup));
	else
		kprintf("  %s 0x%016lx ?\n", label, addr);
}

/* Walk the rbp chain; frames are numbered from `depth`. */
static void backtrace_chain(const struct percpu *c, uint64_t rbp, int depth)
{
	for (; depth < 32 && rbp; depth++) {
		if (!frame_ok(c, rbp)) {
			kprintf("  (frame pointer 0x%lx leaves the stack 0x%lx-0x%lx)\n", rbp,
				c->stack_lo, c->stack_hi);
			return;
		}
		const uint64_t *fp = (const uint64_t *)rbp;
		if (!fp[1])
			return;
		char label[8];
		pk_snprintf(label, sizeof(label), "#%-2d", depth);
		print_frame(label, fp[1], fp[1] - 1);
		rbp = fp[0];
	}
}

void trap_backtrace(uint64_t rip, uint64_t rbp)
{
	print_frame("#0 ", rip, rip);
	backtrace_chain(this_cpu(), rbp, 1);
}

/*
 * From an exception frame the faulting function may not have a frame of
 * its own yet: at its first instruction, after only `push %rbp`, or in a
 * leaf that GCC built without one. Then its caller's return address is on
 * top of the stack, and the rbp chain starts one caller further up.
 */
static void trap_backtrace_frame(const struct trap_frame *f)
{
	const struct percpu *c = this_cpu();
	static const uint8_t prologue[4] = {0x55, 0x48, 0x89, 0xe5}; /* push rbp; mov rsp,rbp */
	uint64_t off = 0;
	print_frame("#0 ", f->rip, f->rip);
	if (!ksyms_lookup(f->rip, &off)) {
		backtrace_chain(c, f->rbp, 1);
		return;
	}
	const uint8_t *entry = (const uint8_t *)(f->rip - off);
	int framed = entry[0] == prologue[0] && entry[1] == prologue[1] &&
		     entry[2] == prologue[2] && entry[3] == prologue[3];
	uint64_t ret_slot = 0;
	if (!framed || off == 0)
		ret_slot = f->rsp;
	else if (off == 1)
		ret_slot = f->rsp + 8;
	if (ret_slot && frame_ok(c, ret_slot)) {
		uint64_t ret = *(const uint64_t *)ret_slot;
		if (ksyms_lookup(ret - 1, &off)) {
			print_frame("#1 ", ret, ret - 1);
			backtrace_chain(c, f->rbp, 2);
			return;
		}
	}
	backtrace_chain(c, f->rbp, 1);
}

void trap_set_describer(trap_describe_fn fn)
{
	trap_describer = fn;
}

static void __attribute__((noreturn)) trap_fatal(struct trap_frame *f)
{
	struct percpu *c = this_cpu();
	console_panic_takeover();
	kprintf("\nEXCEPTION %s %s (vector %lu) on cpu %u, error code 0x%lx\n",
		trap_mnemonic((unsigned)f->vector), trap_names[f->vector & 31][1], f->vector,
		c->index, f->error);
	int status = trap_prog ? trap_prog->exit_status(f) : -1;
	if (f->vector == 14)
		kprintf("  page fault at 0x%016lx: %s, %s%s\n", read_cr2(),
			f->error & 1 ? "protection violation" : "not present",
			f->error & 2 ? "write" : (f->error & 16 ? "instruction fetch" : "read"),
			f->error & 8 ? ", reserved bit set" : "");
	/* an overflowing task stack ends in its guard page: the first #PF
	 * cannot push its frame there either, so it shows up as #DF */
	struct trap_context tc = {0};
	if (trap_describer)
		trap_describer(f->vector == 14 || f->vector == 8 ? read_cr2() : 0, f->rsp, &tc);
	if (tc.guard_owner)
		kprintf("  stack overflow: task '%s' ran into the guard page below its stack\n",
			tc.guard_owner);
	/* inside a task the backtrace walks the task's stack */
	if (tc.stack_hi) {
		c->stack_lo = tc.stack_lo;
		c->stack_hi = tc.stack_hi;
	}
	print_frame("rip", f->rip, f->rip);
	kprintf("  rax %016lx rbx %016lx rcx %016lx rdx %016lx\n", f->rax, f->rbx, f->rcx, f->rdx);
	kprintf("  rsi %016lx rdi %016lx rbp %016lx rsp %016lx\n", f->rsi, f->rdi, f->rbp, f->rsp);
	kprintf("  r8  %016lx r9  %016lx r10 %016lx r11 %016lx\n", f->r8, f->r9, f->r10, f->r11);
	kprintf("  r12 %016lx r13 %016lx r14 %016lx r15 %016lx\n", f->r12, f->r13, f->r14, f->r15);
	kprintf("  rflags %016lx cs %04lx ss %04lx\n", f->rflags, f->cs, f->ss);
	kprintf("  cr0 %016lx cr2 %016lx cr3 %016lx cr4 %016lx\n", read_cr0(), read_cr2(),
		read_cr3(), read_cr4());
	kprintf("backtrace:\n");
	trap_backtrace_frame(f);
	platform_exit(status >= 0 ? status : PK_EXIT_PANIC);
}

static void trap_exception(struct trap_frame *f)
{
	struct percpu *c = this_cpu();
	struct fault_probe *p = c->probe;
	int probe_ok = f->vector != 2 && f->vector != 8 && f->vector != 18;
	if (p && probe_ok) {
		c->probe = 0;
		p->vector = (int)f->vector;
		p->error = f->error;
		p->cr2 = read_cr2();
		p->rip = f->rip;
		f->rip = (uint64_t)arch_longjmp;
		f->rdi = (uint64_t)&p->jmp;
		f->rsi = 1;
		return;
	}
	trap_fatal(f);
}

void trap_dispatch(struct trap_frame *f)
{
	unsigned v = (unsigned)f->vector;
	if (v < 32) {
		trap_exception(f);
		return;
	}
	/* Masked 8259 lines can still raise spurious IRQ7/15; neither they nor
	 * the LAPIC spurious vector take an EOI (SDM Vol 3A 11.9). */
	if (v == VEC_SPURIOUS || (v >= VEC_PIC_BASE && v < VEC_PIC_BASE + 16)) {
		irq_unexpected++;
		return;
	}
	/* an interrupt taken in the STI shadow (a hypervisor bug) would
	 * return onto the HLT and sleep through the wakeup it carried */
	if (f->rip == (uint64_t)cpu_idle_hlt) {
		f->rip++;
		irq_hlt_skipped++;
	}
	if (irq_handlers[v])
		irq_handlers[v](f);
	else
		irq_unexpected++;
	apic_eoi();
}
