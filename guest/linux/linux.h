/* SPDX-License-Identifier: MIT */
/*
 * guest/linux/linux.h - the Linux personality's insides: the one program
 * (prog.c), its threads (thread.c), its memory map (vm.c), files (fd.c,
 * sys_fs.c, pipe.c) and the syscall table (syscall.c). docs/programs.md
 * tells the story.
 *
 * A program thread is a scheduler task that runs the program's code at CPL
 * 0 on the program's stack. `syscall` (LSTAR = linux_syscall_entry) saves
 * its registers as a struct linux_regs at the top of the task's own stack,
 * calls linux_syscall() and returns with a jump, never SYSRET.
 */
#ifndef PK_LINUX_LINUX_H
#define PK_LINUX_LINUX_H

#include <stddef.h>
#include <stdint.h>

#include "errno.h"
#include "guest/arch/setjmp.h"
#include "lib/sched/sched.h"

/* What entry.S pushes, lowest address first. */
struct linux_regs {
	uint64_t r15, r14, r13, r12, rbp, rbx, r9, r8, r10, rdx, rsi, rdi;
	uint64_t rax; /* IN: the call number; OUT: the result */
	uint64_t rflags, rip, rsp;
};
_Static_assert(sizeof(struct linux_regs) == 128, "entry.S");

/* entry.S */
void linux_syscall_entry(void);
/* Start running program code from *frame (its registers; fpu: an XSAVE
 * area, 64-byte aligned, right below frame). Never returns: the thread
 * leaves through arch_longjmp (its exit_jmp). */
void linux_user_enter(struct linux_regs *frame, void *fpu) __attribute__((noreturn));
/* A clean x87/SSE/AVX state (FNINIT, MXCSR 0x1f80) saved into area. */
void linux_fpu_init(void *area);

/* --- threads (thread.c) --- */
struct lthread {
	int tid;
	unsigned cpu;
	uint64_t fs;		  /* FS base (arch_prctl ARCH_SET_FS, clone CLONE_SETTLS) */
	uint64_t clear_tid;	  /* set_tid_address / CLONE_CHILD_CLEARTID: user int * */
	struct linux_regs *regs;  /* the current syscall's saved registers */
	struct arch_jmp exit_jmp; /* where SYS_exit leaves program code */
	struct linux_regs start;  /* registers to start with */
	const void *start_fpu;	  /* XSAVE image to start with (NULL: clean) */
	struct task *task;
	uint64_t syscalls;
	char name[16];	     /* prctl PR_SET_NAME; the task's name */
	uint64_t kstack_top; /* where entry.S builds this thread's syscall frame */
};
#define LINUX_THREADS_PER_CPU 2 /* at most two threads per core (docs/programs.md) */

/* The calling program thread, or NULL in kernel code. */
struct lthread *linux_self(void);
/* Make a task on `cpu` for t (t->start filled); 0 or -EAGAIN/-ENOMEM. */
int linux_thread_spawn(struct lthread *t, unsigned cpu);
/* The CPU for a new thread (round robin, at most two per CPU), or -EAGAIN. */
int linux_thread_pick_cpu(void);
void linux_thread_release_cpu(unsigned cpu);
/* FS base of t into this CPU (wrfsbase with CR4.FSGSBASE, else the MSR). */
void linux_fs_load(struct lthread *t);
/* FS base fs into this CPU on behalf of owner (a thread, a native-API
 * task): a no-op while owner is still the last to have loaded it. */
void linux_fs_set(const void *owner, uint64_t fs);
/* run=prog awaits it when perf= is on (thread.c). */
extern struct future linux_exit_future;
/* Exit the whole program with status (exit_group, a fatal signal). */
void linux_exit_group(int status) __attribute__((noreturn));
/* futex wake of n waiters on uaddr (CLONE_CHILD_CLEARTID, FUTEX_WAKE). */
long linux_futex_wake(uint64_t uaddr, int n, uint32_t bitset);

/* --- the memory map (vm.c) --- */
#define LINUX_PROT_READ 1
#define LINUX_PROT_WRITE 2
#define LINUX_PROT_EXEC 4
#define LINUX_MMAP_BASE 0x20000000000ull  /* 2 TiB: anonymous/file mmap */
#define LINUX_MMAP_TOP 0x700000000000ull  /* up to 112 TiB */
#define LINUX_STACK_TOP 0x7ffff0000000ull /* the main thread's stack ends here */
#define LINUX_STACK_SIZE (8ull << 20)	  /* RLIMIT_STACK */
#define LINUX_BRK_MAX (1ull << 30)	  /* the heap grows at most this far */

/* Back [va, va+len) (page aligned, nothing mapped there) with zeroed
 * frames, mapped with prot; kind names it in errors. 0 or -ENOMEM/-EINVAL.
 * *kern gets a kernel pointer to the first byte (the direct map). */
int linux_vm_map(uint64_t va, uint64_t len, int prot, void **kern);
/* Free of the map: [va, va+len) is mapped nowhere (page aligned). */
int linux_vm_unmap(uint64_t va, uint64_t len);
/* Is [p, p+n) mapped program memory (writable when write)? The check
 * before every access to a user pointer (-EFAULT otherwise). */
int linux_uaccess_ok(uint64_t p, uint64_t n, int write);
/* Copies to and from program memory: checked against the map (as
 * linux_uaccess_ok) and fault-safe (probe_copy), so memory another thread
 * unmaps meanwhile gives -EFAULT, never a kernel fault. 0 or -EFAULT. The
 * only way kernel code touches program memory. */
int linux_copy_in(void *dst, uint64_t usrc, size_t n);
int linux_copy_out(uint64_t udst, const void *src, size_t n);
/* An aligned 32-bit word (futexes, clear_tid), atomically: 0 or -EFAULT. */
int linux_get_u32(uint64_t u, uint32_t *v);
int linux_put_u32(uint64_t u, uint32_t v);
/* Copy a NUL-terminated user string (at most max bytes with the NUL):
 * length, -EFAULT, -ENAMETOOLONG. */
long linux_ustr(uint64_t p, char *out, size_t max);
/* mprotect(2): 0, -ENOMEM (not all mapped), -EINVAL. */
long linux_vm_protect(uint64_t addr, uint64_t len, long prot);
/* Where brk(2) starts (the page after the image). */
void linux_vm_set_brk(uint64_t start);

/* --- syscalls --- */
typedef long (*linux_sys_fn)(long a0, long a1, long a2, long a3, long a4, long a5);
struct linux_syscall {
	const char *name;
	linux_sys_fn fn;
	const char *args; /* one char per argument for --strace: d x s p (dec, hex, string, ptr) */
};
#define LINUX_NR_MAX 512
/* syscall.c: every table file registers its calls (LINUX_SYS below). */
struct linux_sysdef {
	unsigned nr;
	struct linux_syscall call;
};
#define LINUX_SYS(nr_, name_, fn_, args_)                                                          \
	static const struct linux_sysdef linux_sysdef_##name_                                      \
		__attribute__((used, section("pk_linux_sys"), aligned(8))) = {                     \
			(nr_), {#name_, (linux_sys_fn)(void (*)(void))(fn_), (args_)}}

/* The call for nr, or NULL (ENOSYS). */
const struct linux_syscall *linux_syscall_find(unsigned long nr);
/* entry.S calls this; r->rax becomes the result. */
void linux_syscall(struct linux_regs *r);
extern int linux_strace; /* PK_PARAM strace / vmm --strace */
extern uint64_t linux_enosys_count;

/* --- files (fd.c) --- */
void linux_fd_init(void);
/* Normalise path against the cwd into out (absolute, no . / .. / //):
 * 0, -ENAMETOOLONG, -ENOENT (empty). */
int linux_path_resolve(const char *path, char *out, size_t max);

/* --- the program (prog.c) --- */
struct linux_program {
	const uint8_t *image; /* its ELF file (kernel memory) */
	size_t image_len;
	uint64_t brk_start;
	const char *name;
};
extern struct linux_program linux_prog;
/* The program symbol containing addr (from its ELF symtab), or NULL. */
const char *linux_prog_symbol(uint64_t addr, uint64_t *off);
/* FNV-1a of its .text (proto/perf.h prog_id, as kperf hashes it), or 0. */
uint64_t linux_prog_text_id(void);

/* The native API table (native.c; include/perfkern/perfkern.h). */
struct pk_api;
extern const struct pk_api linux_native_api;

/* CLOCK_MONOTONIC: ns since the TSC started (sys_proc.c). */
uint64_t linux_now_ns(void);

/* RDRAND (SDM Vol 2B RDRAND: retry while CF=0); 0 when it keeps failing. */
int linux_random(void *buf, size_t n);

#endif
