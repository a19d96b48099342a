/* SPDX-License-Identifier: MIT */
/*
 * guest/linux/syscall.c - the table every LINUX_SYS() entry lands in and
 * the one function entry.S calls. Unknown numbers are -ENOSYS, counted and
 * named once each; `strace` on the command line (vmm --strace) prints every
 * call as strace does.
 */
#include "guest/arch/cpu.h"
#include "guest/kernel/console.h"
#include "guest/kernel/param.h"
#include "linux.h"

extern const struct linux_sysdef __start_pk_linux_sys[], __stop_pk_linux_sys[];

int linux_strace;
uint64_t linux_enosys_count;
static uint8_t enosys_seen[LINUX_NR_MAX];

PK_PARAM(strace, "print every system call of the Linux program (like strace)");

static const struct linux_syscall *sys_table[LINUX_NR_MAX];
static int sys_table_ready;

/* The table is filled on first use from the linker section. */
const struct linux_syscall *linux_syscall_find(unsigned long nr)
{
	if (!sys_table_ready) {
		for (const struct linux_sysdef *d = __start_pk_linux_sys; d < __stop_pk_linux_sys;
		     d++)
			if (d->nr < LINUX_NR_MAX)
				sys_table[d->nr] = &d->call;
		__atomic_store_n(&sys_table_ready, 1, __ATOMIC_RELEASE);
	}
	return nr < LINUX_NR_MAX ? sys_table[nr] : 0;
}

static void strace_args(const struct linux_syscall *c, const long *a)
{
	for (unsigned i = 0; c->args[i] && i < 6; i++) {
		const char *sep = i ? ", " : "";
		char s[64];
		switch (c->args[i]) {
		case 'd':
			kprintf("%s%ld", sep, a[i]);
			break;
		case 's':
			if (linux_ustr((uint64_t)a[i], s, sizeof(s)) >= 0)
				kprintf("%s\"%s\"", sep, s);
			else
				kprintf("%s0x%lx", sep, a[i]);
			break;
		default:
			kprintf("%s0x%lx", sep, a[i]);
		}
	}
}

void linux_syscall(struct linux_regs *r)
{
	/* SYSCALL masked IF (FMASK); the call is ordinary kernel code from
	 * here, which must hear IPIs (TLB shootdowns wait for every CPU) */
	irq_enable();
	struct lthread *t = linux_self();
	t->regs = r;
	t->syscalls++;
	unsigned long nr = r->rax;
	long a[6] = {(long)r->rdi, (long)r->rsi, (long)r->rdx,
		     (long)r->r10, (long)r->r8,	 (long)r->r9};
	const struct linux_syscall *c = linux_syscall_find(nr);
	long ret;
	if (!c) {
		__atomic_fetch_add(&linux_enosys_count, 1, __ATOMIC_RELAXED);
		/* named once each under strace; quiet otherwise: the console is
		 * the program's stdout, and programs cope with ENOSYS */
		if (linux_strace && nr < LINUX_NR_MAX &&
		    !__atomic_exchange_n(&enosys_seen[nr], 1, __ATOMIC_RELAXED))
			kprintf("linux: system call %lu is not implemented: -ENOSYS\n", nr);
		ret = -ENOSYS;
		if (linux_strace)
			kprintf("[%d] syscall_%lu(0x%lx, 0x%lx, 0x%lx) = -38 (ENOSYS)\n", t->tid,
				nr, a[0], a[1], a[2]);
	} else {
		ret = c->fn(a[0], a[1], a[2], a[3], a[4], a[5]);
		if (linux_strace) {
			kprintf("[%d] %s(", t->tid, c->name);
			strace_args(c, a);
			if (ret < 0 && ret > -4096)
				kprintf(") = %ld\n", ret);
			else
				kprintf(") = 0x%lx\n", ret);
		}
	}
	r->rax = (uint64_t)ret;
	linux_fs_load(t); /* another thread may have run on this CPU meanwhile */
}
