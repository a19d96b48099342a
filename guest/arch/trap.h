/* SPDX-License-Identifier: MIT */
/* guest/arch/trap.h - exceptions and interrupt dispatch. */
#ifndef PK_ARCH_TRAP_H
#define PK_ARCH_TRAP_H

#include <stddef.h>
#include <stdint.h>

#include "setjmp.h"

/* What isr.S leaves on the stack (pushed in reverse order). */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss; /* hardware frame (SDM Vol 3A 7.14.2) */
};
_Static_assert(__builtin_offsetof(struct trap_frame, rbp) == 8 * 8, "isr.S uses this");
_Static_assert(__builtin_offsetof(struct trap_frame, rip) == 17 * 8, "isr.S uses this");

typedef void (*irq_handler_fn)(struct trap_frame *f);

/* Install the IDT (once) and load it on this CPU. */
void idt_init(void);
void idt_load(void);

/* Route vector (>= 32) to fn; LAPIC EOI is sent by the dispatcher. */
void irq_register(uint8_t vector, irq_handler_fn fn);

/*
 * Run fn(arg) with exceptions caught: returns -1 if it completed, or the
 * exception vector it raised (fn is abandoned at the faulting instruction;
 * its callee-saved registers and stack are restored). Used by tests that
 * provoke #DE/#UD/#PF on purpose and by probe_copy. Not for NMI/#DF/#MC.
 * Nests (an armed probe is put back when the inner one ends); fn must not
 * yield (the probe is this CPU's).
 */
struct fault_probe {
	struct arch_jmp jmp; /* where a fault resumes (arch_longjmp) */
	int vector;
	uint64_t error, cr2, rip;
};
int trap_probe(void (*fn)(void *), void *arg, struct fault_probe *p);

/* memcpy that survives a bad address on either side (a page another CPU
 * unmapped meanwhile, a non-canonical pointer): 0, or -1 after a fault
 * with dst holding a prefix of the bytes. For copies to and from program
 * memory (guest/linux/ linux_copy_in/out, the file systems' data copies). */
int probe_copy(void *dst, const void *src, size_t n);
/* memset(dst, 0, n) the same way: 0, or -1 after a fault. */
int probe_zero(void *dst, size_t n);

/* Interrupts that arrived in cpu_idle_halt's STI shadow (should be 0 on
 * hardware; see isr.S). */
extern volatile uint64_t irq_hlt_skipped;

/* Print a frame-pointer backtrace starting at (rip, rbp). */
void trap_backtrace(uint64_t rip, uint64_t rbp);

/*
 * What a fatal exception's report says about the code that was running,
 * from the layer that knows (the scheduler registers it at boot; arch/
 * never calls upward): the task whose guard page `fault_addr` is in, and
 * the stack the backtrace may walk when `rsp` is on a task's stack.
 */
struct trap_context {
	const char *guard_owner;     /* task name, or NULL */
	uint64_t stack_lo, stack_hi; /* 0, 0: the CPU's own stack */
};
typedef void (*trap_describe_fn)(uint64_t fault_addr, uint64_t rsp, struct trap_context *out);
void trap_set_describer(trap_describe_fn fn);

/*
 * A Linux program's fault (guest/linux/prog.c): exit_status says the run's
 * exit status (128 + the signal Linux would send, after a line naming it)
 * when the frame is the program's, else -1; symbol names program code in
 * the report. NULL until a program runs.
 */
struct trap_program {
	int (*exit_status)(const struct trap_frame *f);
	const char *(*symbol)(uint64_t addr, uint64_t *off);
};
void trap_set_program(const struct trap_program *p);

/* Exception names: "#PF" and "page fault". */
const char *trap_mnemonic(unsigned vector);

#endif
