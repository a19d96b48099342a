/* SPDX-License-Identifier: MIT */
/*
 * guest/linux/thread.c - the program's threads: each a scheduler task
 * pinned to one CPU (round robin, at most LINUX_THREADS_PER_CPU per CPU),
 * entered at CPL 0 with the syscall MSRs of its CPU set; clone/clone3 for
 * pthread_create, exit with CLONE_CHILD_CLEARTID's futex wake, the FS base
 * (TLS) per thread, and the whole program's exit.
 */
#include "guest/arch/cpu.h"
#include "guest/arch/cpufeat.h"
#include "guest/arch/fpu.h"
#include "guest/arch/layout.h"
#include "guest/arch/percpu.h"
#include "guest/arch/smp.h"
#include "guest/arch/spinlock.h"
#include "guest/kernel/console.h"
#include "guest/kernel/platform.h"
#include "guest/perf/perf.h"
#include "lib/kstring/kstring.h"
#include "lib/heap/heap.h"
#include "lib/sched/sched.h"
#include "linux.h"

/* SDM Vol 3A 5.8.8 (and Vol 4 MSR tables) */
#define MSR_STAR 0xc0000081
#define MSR_LSTAR 0xc0000082
#define MSR_FMASK 0xc0000084
#define MSR_FS_BASE 0xc0000100
#define EFER_SCE 1u
/* RFLAGS bits SYSCALL clears: TF 8, IF 9, DF 10, NT 14, AC 18 (SDM Vol 1 3.4.3) */
#define SYSCALL_FMASK ((1u << 8) | (1u << 9) | (1u << 10) | (1u << 14) | (1u << 18))

#define THREAD_KSTACK (64 * 1024) /* syscall frames + vfs calls + XSAVE areas */

static int self_key = -1;
static int next_tid = 1;
static uint8_t cpu_threads[PK_MAX_CPUS];
static unsigned next_cpu;
static struct spinlock threads_lock = SPINLOCK_INIT;
static uint8_t cpu_msrs_done[PK_MAX_CPUS];
static int live_threads;

struct lthread *linux_self(void)
{
	return self_key < 0 ? 0 : sched_local_get(self_key);
}

/* SYSCALL lands in linux_syscall_entry with CS = STAR[47:32] (SEL_CODE64)
 * and SS = that + 8 (SEL_DATA): the kernel's own selectors, so nothing
 * about the CPU's mode changes (SDM Vol 2B SYSCALL). Once per CPU. */
static void syscall_msrs_init(void)
{
	unsigned cpu = this_cpu()->index;
	if (cpu_msrs_done[cpu])
		return;
	wrmsr(MSR_STAR, (uint64_t)SEL_CODE64 << 32);
	wrmsr(MSR_LSTAR, (uint64_t)linux_syscall_entry);
	wrmsr(MSR_FMASK, SYSCALL_FMASK);
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
	cpu_msrs_done[cpu] = 1;
}

void linux_fs_set(const void *owner, uint64_t fs)
{
	struct percpu *c = this_cpu();
	if (c->prog_fs_owner == owner)
		return;
	/* CR4.FSGSBASE (early.c sets it when CPUID 7.EBX[0]): WRFSBASE, a
	 * few cycles; else the MSR (SDM Vol 3A 3.4.4) */
	if (cpu_has(CPUF_FSGSBASE))
		__asm__ volatile("wrfsbase %0" ::"r"(fs));
	else
		wrmsr(MSR_FS_BASE, fs);
	c->prog_fs_owner = (void *)owner;
}

void linux_fs_load(struct lthread *t)
{
	linux_fs_set(t, t->fs);
}

int linux_thread_pick_cpu(void)
{
	spin_lock(&threads_lock);
	unsigned n = smp_online_count, cpu = 0;
	int found = 0;
	for (unsigned i = 0; i < n && !found; i++) {
		cpu = (next_cpu + i) % n;
		found = cpu_threads[cpu] < LINUX_THREADS_PER_CPU;
	}
	if (found) {
		cpu_threads[cpu]++;
		next_cpu = cpu + 1;
		live_threads++;
	}
	spin_unlock(&threads_lock);
	return found ? (int)cpu : -EAGAIN;
}

void linux_thread_release_cpu(unsigned cpu)
{
	spin_lock(&threads_lock);
	cpu_threads[cpu]--;
	live_threads--;
	int last = live_threads == 0;
	spin_unlock(&threads_lock);
	if (last && perf_active()) /* the last thread left without exit_group: 0 */
		future_set(&linux_exit_future, 0);
	else if (last)
		linux_exit_group(0);
}

/* Below our own frame: the thread's syscall frames from here down. */
static __attribute__((noinline)) void thread_enter(struct lthread *t)
{
	uint64_t top = ((uint64_t)__builtin_frame_address(0) - 256) & ~63ull;
	struct linux_regs *frame = (struct linux_regs *)(top - sizeof(struct linux_regs));
	*frame = t->start;
	uint8_t *fpu = (uint8_t *)(((uint64_t)frame - fpu_xsave_size) & ~63ull);
	if (t->start_fpu) {
		memcpy(fpu, t->start_fpu, fpu_xsave_size);
		kfree((void *)t->start_fpu);
		t->start_fpu = 0;
	} else {
		linux_fpu_init(fpu);
	}
	t->regs = frame;
	t->kstack_top = (uint64_t)(frame + 1);
	linux_fs_load(t);
	linux_user_enter(frame, fpu);
}

static void *thread_main(void *arg)
{
	struct lthread *t = arg;
	sched_local_set(self_key, t);
	syscall_msrs_init();
	if (arch_setjmp(&t->exit_jmp) == 0)
		thread_enter(t);
	/* SYS_exit jumped here: the task ends, its stack goes back */
	if (this_cpu()->prog_fs_owner == t)
		this_cpu()->prog_fs_owner = 0;
	unsigned cpu = t->cpu;
	sched_local_set(self_key, 0);
	kfree(t);
	linux_thread_release_cpu(cpu);
	return 0;
}

int linux_thread_spawn(struct lthread *t, unsigned cpu)
{
	if (self_key < 0)
		self_key = sched_local_key();
	if (self_key < 0)
		return -ENOMEM;
	if (!t->tid)
		t->tid = __atomic_fetch_add(&next_tid, 1, __ATOMIC_RELAXED);
	t->cpu = cpu;
	if (!t->name[0])
		pk_strlcpy(t->name, "prog", sizeof(t->name));
	t->task = sched_spawn_ex(cpu, THREAD_KSTACK, thread_main, t, t->name);
	return t->task ? 0 : -ENOMEM;
}

struct future linux_exit_future = FUTURE_INIT;

void linux_exit_group(int status)
{
	/* with perf= on, run=prog's app (awaiting this on CPU 0) returns the
	 * status, so app_main's perf_end hands the records over first; this
	 * thread leaves program code meanwhile */
	struct lthread *t = linux_self();
	if (perf_active() && t) {
		future_set(&linux_exit_future, (void *)(intptr_t)(status & 0xff)); /* first wins */
		arch_longjmp(&t->exit_jmp, 1);
	}
	/* the status is the vmm's: no "perfkern: exit" line after the
	 * program's last output (unless --strace, where it ends the trace) */
	if (!linux_strace)
		console_quiet = 1;
	platform_exit(status & 0xff);
}

/* --- the calls --- */

static long sys_exit(long code)
{
	(void)code;
	struct lthread *t = linux_self();
	/* CLONE_CHILD_CLEARTID: pthread_join waits on that word */
	if (t->clear_tid && linux_put_u32(t->clear_tid, 0) == 0)
		linux_futex_wake(t->clear_tid, 1, ~0u);
	arch_longjmp(&t->exit_jmp, 1);
}
LINUX_SYS(60, exit, sys_exit, "d");

static long sys_exit_group(long code)
{
	linux_exit_group((int)code);
}
LINUX_SYS(231, exit_group, sys_exit_group, "d");

static long sys_set_tid_address(uint64_t p)
{
	struct lthread *t = linux_self();
	t->clear_tid = p;
	return t->tid;
}
LINUX_SYS(218, set_tid_address, sys_set_tid_address, "x");

static long sys_gettid(void)
{
	return linux_self()->tid;
}
LINUX_SYS(186, gettid, sys_gettid, "");

#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
static long sys_arch_prctl(long code, uint64_t addr)
{
	struct lthread *t = linux_self();
	if (code == ARCH_SET_FS) {
		/* canonical lower half only: WRFSBASE of anything else #GPs */
		if (addr >= 0x800000000000ull)
			return -EPERM;
		t->fs = addr;
		this_cpu()->prog_fs_owner = 0;
		linux_fs_load(t);
		return 0;
	}
	if (code == ARCH_GET_FS) {
		return linux_copy_out(addr, &t->fs, 8);
	}
	return -EINVAL;
}
LINUX_SYS(158, arch_prctl, sys_arch_prctl, "xx");

#define CLONE_VM 0x100
#define CLONE_FS 0x200
#define CLONE_FILES 0x400
#define CLONE_SIGHAND 0x800
#define CLONE_THREAD 0x10000
#define CLONE_SYSVSEM 0x40000
#define CLONE_SETTLS 0x80000
#define CLONE_PARENT_SETTID 0x100000
#define CLONE_CHILD_CLEARTID 0x200000
#define CLONE_DETACHED 0x400000
#define CLONE_CHILD_SETTID 0x1000000

static long clone_thread(uint64_t flags, uint64_t stack, uint64_t ptid, uint64_t ctid, uint64_t tls)
{
	const uint64_t need = CLONE_VM | CLONE_THREAD | CLONE_SIGHAND;
	const uint64_t known = need | CLONE_FS | CLONE_FILES | CLONE_SYSVSEM | CLONE_SETTLS |
			       CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID | CLONE_DETACHED |
			       CLONE_CHILD_SETTID | 0xff /* exit signal */;
	if ((flags & need) != need || (flags & ~known)) {
		kprintf("linux: clone(0x%lx): only threads (CLONE_VM|CLONE_THREAD|CLONE_SIGHAND); "
			"perfkern runs one process, there is no fork\n",
			flags);
		return -ENOSYS;
	}
	if (((flags & CLONE_PARENT_SETTID) && !linux_uaccess_ok(ptid, 4, 1)) ||
	    ((flags & (CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID)) &&
	     !linux_uaccess_ok(ctid, 4, 1)))
		return -EFAULT;
	int cpu = linux_thread_pick_cpu();
	if (cpu < 0) {
		kprintf("linux: clone: every CPU runs %d program threads already (%u CPUs): "
			"-EAGAIN\n",
			LINUX_THREADS_PER_CPU, smp_online_count);
		return -EAGAIN;
	}
	struct lthread *me = linux_self();
	struct lthread *t = kcalloc(1, sizeof(*t));
	if (!t) {
		linux_thread_release_cpu((unsigned)cpu);
		return -ENOMEM;
	}
	t->start = *me->regs; /* the child resumes after the same syscall, with 0 */
	t->start.rax = 0;
	if (stack)
		t->start.rsp = stack;
	/* the child starts with the parent's vector state (a copy: the
	 * parent's XSAVE area is reused by its next syscall) */
	void *fpu = kaligned_alloc(64, fpu_xsave_size);
	if (!fpu) {
		kfree(t);
		linux_thread_release_cpu((unsigned)cpu);
		return -ENOMEM;
	}
	memcpy(fpu, (const void *)(((uint64_t)me->regs - fpu_xsave_size) & ~63ull), fpu_xsave_size);
	t->start_fpu = fpu;
	t->fs = flags & CLONE_SETTLS ? tls : me->fs;
	if (flags & CLONE_CHILD_CLEARTID)
		t->clear_tid = ctid;
	/* the ids are in place before the child can look at them */
	int tid = t->tid = __atomic_fetch_add(&next_tid, 1, __ATOMIC_RELAXED);
	uint32_t utid = (uint32_t)tid;
	int rc = 0;
	if (((flags & CLONE_PARENT_SETTID) && linux_copy_out(ptid, &utid, 4)) ||
	    ((flags & CLONE_CHILD_SETTID) && linux_copy_out(ctid, &utid, 4)))
		rc = -EFAULT; /* unmapped since the check above */
	if (!rc)
		rc = linux_thread_spawn(t, (unsigned)cpu); /* t is the child's from here */
	if (rc) {
		kfree(fpu);
		kfree(t);
		linux_thread_release_cpu((unsigned)cpu);
		return rc;
	}
	return tid;
}

static long sys_clone(uint64_t flags, uint64_t stack, uint64_t ptid, uint64_t ctid, uint64_t tls)
{
	return clone_thread(flags, stack, ptid, ctid, tls);
}
LINUX_SYS(56, clone, sys_clone, "xxxxx");

struct clone_args { /* Linux include/uapi/linux/sched.h */
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
};
static long sys_clone3(uint64_t uargs, uint64_t size)
{
	struct clone_args a = {0};
	if (size < 64)
		return -EINVAL;
	if (linux_copy_in(&a, uargs, 64))
		return -EFAULT;
	uint64_t sp = a.stack ? a.stack + a.stack_size : 0; /* clone3 names the lowest byte */
	return clone_thread(a.flags | (a.exit_signal & 0xff), sp, a.parent_tid, a.child_tid, a.tls);
}
LINUX_SYS(435, clone3, sys_clone3, "xd");

#define PR_SET_NAME 15
#define PR_GET_NAME 16
static long sys_prctl(long op, uint64_t arg)
{
	struct lthread *t = linux_self();
	if (op == PR_SET_NAME) {
		char n[16];
		long l = linux_ustr(arg, n, sizeof(n));
		if (l == -ENAMETOOLONG) { /* Linux keeps the first 15 bytes */
			n[15] = 0;
		} else if (l < 0) {
			return l;
		}
		memcpy(t->name, n, sizeof(n));
		sched_set_name(t->name); /* kperf report --sort task names it */
		return 0;
	}
	if (op == PR_GET_NAME) {
		return linux_copy_out(arg, t->name, 16);
	}
	return -EINVAL;
}
LINUX_SYS(157, prctl, sys_prctl, "dx");

static long sys_fork(void)
{
	kprintf("linux: fork/vfork: perfkern runs exactly one process (no fork, no execve)\n");
	return -ENOSYS;
}
LINUX_SYS(57, fork, sys_fork, "");
LINUX_SYS(58, vfork, sys_fork, "");

static long sys_execve(void)
{
	kprintf("linux: execve: perfkern runs exactly one process (no fork, no execve)\n");
	return -ENOSYS;
}
LINUX_SYS(59, execve, sys_execve, "s");
