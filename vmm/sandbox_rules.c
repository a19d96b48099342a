/* SPDX-License-Identifier: MIT */
/*
 * vmm/sandbox_rules.c - what each thread role of the vmm may do: the
 * allow-lists, the KVM ioctls by request number, the calls only an exploit
 * makes, and their compilation into seccomp-BPF with libseccomp.
 *
 * This runs at build time, not in the vmm: vmm/sb_gen.c compiles every
 * role (trap and log flavours) into the C arrays of sandbox_bpf.c, which
 * the vmm loads as they are. The filters depend on nothing known only at
 * run time, and libseccomp's compiler cost tens of milliseconds of every
 * boot in an emulated L1 (docs/vmm-security.md, docs/benchmarks.md).
 *
 * Actions:
 *  - a call that is on no list: SECCOMP_RET_TRAP. The kernel sends SIGSYS
 *    to the thread; the vmm's handler (sandbox.c) names the call and the
 *    role on stderr and exits VMM_EXIT_SANDBOX (126). A missing entry is a
 *    bug of ours, and a message that names it is what the person debugging
 *    it needs.
 *  - calls only a hijacked thread makes (exec, ptrace, another process's
 *    memory, new processes or threads after setup, executable mappings,
 *    kernel modules, namespaces, credentials): SECCOMP_RET_KILL_PROCESS.
 *    No userspace code runs after such a call, not even our handler,
 *    whose data an attacker who got that far may have rewritten; the kernel
 *    logs it (audit, dmesg) and the exit status is 128+SIGSYS (159).
 */
#include "sandbox_rules.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#define M (1u << SB_MAIN)
#define V (1u << SB_VCPU)
#define P (1u << SB_PERF)
#define D (1u << SB_DEBUG)
#define N (1u << SB_NET)
#define B (1u << SB_BASE) /* setup-only: the base filter, before each role narrows it */
#define ALL (M | V | P | D | N)

/* Plain allow rules: the call with any arguments. */
static const struct sb_rule {
	int nr;
	unsigned roles;
} sb_allow[] = {
	/* every thread: glibc locks (futex), malloc (brk, munmap, madvise,
	 * mremap; mmap/mprotect below without PROT_EXEC), thread exit (exit,
	 * madvise of the stack), signal return (vCPU kicks, SIGSYS), stderr
	 * messages, clocks, pthread_kill (getpid, gettid, tgkill), _exit */
	{SCMP_SYS(futex), ALL},
	{SCMP_SYS(exit), ALL},
	{SCMP_SYS(exit_group), ALL},
	{SCMP_SYS(rt_sigreturn), ALL},
	{SCMP_SYS(rt_sigprocmask), ALL},
	{SCMP_SYS(restart_syscall), ALL},
	{SCMP_SYS(brk), ALL},
	{SCMP_SYS(munmap), ALL},
	{SCMP_SYS(madvise), ALL},
	{SCMP_SYS(mremap), M | V | D},
	{SCMP_SYS(write), ALL},
	{SCMP_SYS(writev), M | V | D | N},
	{SCMP_SYS(clock_gettime), ALL},
	{SCMP_SYS(clock_nanosleep), ALL},
	{SCMP_SYS(nanosleep), ALL},
	{SCMP_SYS(sched_yield), ALL},
	{SCMP_SYS(getpid), ALL},
	{SCMP_SYS(gettid), ALL},
	{SCMP_SYS(tgkill), ALL},
	{SCMP_SYS(fstat), ALL},
	{SCMP_SYS(close), M | V | D | N},
	/* main: the stop/signal wait, --perf FILE, -v's smaps (pre-opened),
	 * gdb_notify_exit */
	{SCMP_SYS(ppoll), M | D | N},
	{SCMP_SYS(poll), M | D | N},
	{SCMP_SYS(read), M | D | N},
	{SCMP_SYS(fcntl), M | D | N},
	{SCMP_SYS(sendto), M | D | N},
	{SCMP_SYS(lseek), M | V},
	/* main: which 2 MiB chunks the boot touched (mem_collapse) */
	{SCMP_SYS(mincore), M},
	/* vCPU: --out files (outdir.c; openat only when openat2 is ENOSYS),
	 * crash-dump symbols through the pre-opened ELF (libelf: pread) */
	{SCMP_SYS(openat2), V},
	{SCMP_SYS(openat), V},
	{SCMP_SYS(ftruncate), V},
	{SCMP_SYS(pread64), M | V},
	/* vCPU: --share (hcall_fs*.c): data through segment lists, listing,
	 * truncate/sync, the name calls beneath a share's directory fd */
	{SCMP_SYS(preadv), V},
	{SCMP_SYS(pwritev), V},
	{SCMP_SYS(getdents64), V},
	{SCMP_SYS(fsync), V},
	{SCMP_SYS(mkdirat), V},
	{SCMP_SYS(renameat2), V},
	/* glibc's qsort (the symbol table of a crash dump, lib/elfsym) asks
	 * sysinfo for the machine's memory before it picks its buffer */
	{SCMP_SYS(sysinfo), M | V | D},
	/* debug: serving the gdb and monitor sockets; net: the kick eventfds
	 * and the tap fd (read, readv, writev), and --net user's sockets,
	 * which libslirp opens per guest connection and per forwarded client
	 * (socket is filtered to AF_INET/AF_INET6 below) */
	{SCMP_SYS(accept), D | N},
	{SCMP_SYS(accept4), D | N},
	{SCMP_SYS(recvfrom), D | N},
	{SCMP_SYS(recvmsg), D | N},
	{SCMP_SYS(sendmsg), D | N},
	{SCMP_SYS(getsockopt), D | N},
	{SCMP_SYS(shutdown), D | N},
	{SCMP_SYS(readv), N},
	{SCMP_SYS(connect), N},
	{SCMP_SYS(bind), N},
	{SCMP_SYS(listen), N},
	{SCMP_SYS(getsockname), N},
	{SCMP_SYS(getpeername), N},
	{SCMP_SYS(setsockopt), N},
	{SCMP_SYS(getrandom), N},
	/* setup-only (base): starting threads (clone3/clone, stack guard via
	 * mprotect below, robust list, rseq, pinning), each thread loading its
	 * role filter, the debug sockets' creation */
	{SCMP_SYS(clone3), B},
	{SCMP_SYS(rt_sigaction), B}, /* SIGUSR1 (vcpu.c), glibc's first pthread_create */
	{SCMP_SYS(clone), B},
	{SCMP_SYS(set_robust_list), B},
	{SCMP_SYS(rseq), B},
	{SCMP_SYS(sched_setaffinity), B},
	{SCMP_SYS(sched_getaffinity), B},
	{SCMP_SYS(seccomp), B},
	{SCMP_SYS(socket), B},
	{SCMP_SYS(bind), B},
	{SCMP_SYS(listen), B},
	{SCMP_SYS(setsockopt), B},
	{SCMP_SYS(unlink), B},
	{SCMP_SYS(unlinkat), V | B}, /* vCPU: --share's unlink/rmdir */
	{SCMP_SYS(getuid), B},
	{SCMP_SYS(geteuid), B},
};

/* KVM ioctls by request number and the role that issues them (grep
 * ioctl vmm/: vcpu.c, perf.c, pause.c for the vCPU thread; gdb_regs.c,
 * gdb_mem.c, monitor.c and pause_apply_debug for the debug threads). */
static const struct sb_ioctl {
	unsigned long req;
	unsigned roles;
} sb_ioctls[] = {
	{KVM_RUN, V},
	{KVM_GET_REGS, V | D},
	{KVM_GET_SREGS, V | D},
	{KVM_GET_LAPIC, V},	      /* crash dump: IRR/ISR */
	{KVM_SET_GUEST_DEBUG, V | D}, /* --trace on vCPU 0; gdb breakpoints */
	{KVM_SET_GSI_ROUTING, V},     /* the guest programs a virtio MSI-X entry (irq.c) */
	{FIONREAD, N},		      /* libslirp: bytes waiting on a UDP socket */
	{KVM_GET_VCPU_EVENTS, V},     /* re-injecting the guest's own int3 */
	{KVM_SET_VCPU_EVENTS, V},
	{KVM_SET_REGS, D},
	{KVM_SET_SREGS, D},
	{KVM_GET_FPU, D},
	{KVM_SET_FPU, D},
	{KVM_GET_XSAVE, D},
	{KVM_SET_XSAVE, D},
	{TCGETS, M | V | D | N}, /* stdio's isatty() on the first stdout write */
};

/* Never after setup: only an exploit makes these. */
static const int sb_kill[] = {
	SCMP_SYS(execve),
	SCMP_SYS(execveat),
	SCMP_SYS(ptrace),
	SCMP_SYS(process_vm_readv),
	SCMP_SYS(process_vm_writev),
	SCMP_SYS(fork),
	SCMP_SYS(vfork),
	SCMP_SYS(kexec_load),
	SCMP_SYS(kexec_file_load),
	SCMP_SYS(init_module),
	SCMP_SYS(finit_module),
	SCMP_SYS(delete_module),
	SCMP_SYS(bpf),
	SCMP_SYS(userfaultfd),
	SCMP_SYS(perf_event_open),
	SCMP_SYS(mount),
	SCMP_SYS(umount2),
	SCMP_SYS(pivot_root),
	SCMP_SYS(chroot),
	SCMP_SYS(unshare),
	SCMP_SYS(setns),
	SCMP_SYS(setuid),
	SCMP_SYS(setgid),
	SCMP_SYS(setreuid),
	SCMP_SYS(setregid),
	SCMP_SYS(setresuid),
	SCMP_SYS(setresgid),
	SCMP_SYS(setgroups),
	SCMP_SYS(capset),
	SCMP_SYS(personality),
	SCMP_SYS(pkey_mprotect),
	SCMP_SYS(keyctl),
	SCMP_SYS(add_key),
	SCMP_SYS(request_key),
	SCMP_SYS(memfd_create),
	SCMP_SYS(process_madvise),
	SCMP_SYS(pidfd_getfd),
};

static int sb_add(scmp_filter_ctx c, uint32_t act, int nr, unsigned n, const struct scmp_arg_cmp *a)
{
	/* libseccomp refuses a rule with the filter's default action (in the
	 * logging flavour the kill rules are just that): it is a no-op */
	uint32_t deflt = 0;
	if (seccomp_attr_get(c, SCMP_FLTATR_ACT_DEFAULT, &deflt) == 0 && act == deflt)
		return 0;
	int rc = seccomp_rule_add_array(c, act, nr, n, a);
	if (rc < 0)
		fprintf(stderr, "sb_gen: seccomp rule for syscall %d: %s\n", nr, strerror(-rc));
	return rc;
}

/* One role's filter, compiled by libseccomp and exported into *out
 * (malloc'd). log_only: SCMP_ACT_LOG instead of the trap and the kill. */
int sb_compile(enum sandbox_role r, int log_only, struct sock_fprog *out)
{
	unsigned bit = 1u << r;
	/* the base is the union of every role plus setup */
	unsigned want = r == SB_BASE ? ALL | B : bit;
	uint32_t deflt = log_only ? SCMP_ACT_LOG : SCMP_ACT_TRAP;
	uint32_t kill = log_only ? SCMP_ACT_LOG : SCMP_ACT_KILL_PROCESS;
	scmp_filter_ctx c = seccomp_init(deflt);
	if (!c)
		return -ENOMEM;
	int rc = seccomp_attr_set(c, SCMP_FLTATR_CTL_NNP, 0); /* done once, by us */
	/* level 2: the syscall numbers as a binary tree, not one long chain.
	 * The same verdicts; ~18% more instructions, yet each load costs a
	 * third (the kernel runs the filter once per syscall number to build
	 * its allow cache, and a tree answers in a few steps), and a checked
	 * call such as KVM_RUN's ioctl runs fewer. docs/vmm-security.md */
	if (!rc)
		rc = seccomp_attr_set(c, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	for (size_t i = 0; !rc && i < sizeof(sb_allow) / sizeof(sb_allow[0]); i++)
		if (sb_allow[i].roles & want)
			rc = sb_add(c, SCMP_ACT_ALLOW, sb_allow[i].nr, 0, 0);
	for (size_t i = 0; !rc && i < sizeof(sb_ioctls) / sizeof(sb_ioctls[0]); i++)
		if (sb_ioctls[i].roles & want) {
			struct scmp_arg_cmp a = SCMP_A1(SCMP_CMP_EQ, sb_ioctls[i].req);
			rc = sb_add(c, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1, &a);
		}
	/* memory: never executable (the vmm maps no code after exec) */
	static const int mem[] = {SCMP_SYS(mmap), SCMP_SYS(mprotect)};
	for (size_t i = 0; !rc && i < 2; i++) {
		struct scmp_arg_cmp nx = SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0);
		struct scmp_arg_cmp x = SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, PROT_EXEC);
		rc = sb_add(c, SCMP_ACT_ALLOW, mem[i], 1, &nx);
		if (!rc)
			rc = sb_add(c, kill, mem[i], 1, &x);
	}
	/* fstatat: glibc's fstat is fstatat(fd, "", AT_EMPTY_PATH); the vCPU
	 * role's look before opening an --out file is fstatat(dirfd, name,
	 * AT_SYMLINK_NOFOLLOW) */
	if (!rc) {
		struct scmp_arg_cmp a = SCMP_A3(SCMP_CMP_EQ, AT_EMPTY_PATH);
		rc = sb_add(c, SCMP_ACT_ALLOW, SCMP_SYS(newfstatat), 1, &a);
	}
	if (!rc && (want & V)) {
		struct scmp_arg_cmp a = SCMP_A3(SCMP_CMP_EQ, AT_SYMLINK_NOFOLLOW);
		rc = sb_add(c, SCMP_ACT_ALLOW, SCMP_SYS(newfstatat), 1, &a);
	}
	/* libelf's elf_begin checks the ELF fd (crash-dump symbols) */
	for (int cmd = F_GETFD; !rc && r == SB_VCPU && cmd <= F_GETFL; cmd += F_GETFL - F_GETFD) {
		struct scmp_arg_cmp a = SCMP_A1(SCMP_CMP_EQ, (scmp_datum_t)cmd);
		rc = sb_add(c, SCMP_ACT_ALLOW, SCMP_SYS(fcntl), 1, &a);
	}
	/* each accepted debug client gets a send timeout (dbg_sock.c), and
	 * the gdb stub's TCP clients TCP_NODELAY: nothing else */
	if (!rc && r == SB_DEBUG) {
		struct scmp_arg_cmp a[2] = {SCMP_A1(SCMP_CMP_EQ, IPPROTO_TCP),
					    SCMP_A2(SCMP_CMP_EQ, TCP_NODELAY)};
		rc = sb_add(c, SCMP_ACT_ALLOW, SCMP_SYS(setsockopt), 2, a);
		struct scmp_arg_cmp b[2] = {SCMP_A1(SCMP_CMP_EQ, SOL_SOCKET),
					    SCMP_A2(SCMP_CMP_EQ, SO_SNDTIMEO)};
		if (!rc)
			rc = sb_add(c, SCMP_ACT_ALLOW, SCMP_SYS(setsockopt), 2, b);
	}
	/* each new thread turns no_new_privs on (a no-op, inherited) and
	 * loads its role filter: only the base allows that */
	if (!rc && r == SB_BASE) {
		struct scmp_arg_cmp a = SCMP_A0(SCMP_CMP_EQ, PR_SET_NO_NEW_PRIVS);
		rc = sb_add(c, SCMP_ACT_ALLOW, SCMP_SYS(prctl), 1, &a);
	}
	/* net: libslirp's sockets are Internet sockets (the base allows any
	 * socket for the debug sockets' setup; this role narrows it), and
	 * its lazy read of /etc/resolv.conf for the DNS forwarder fails with
	 * EACCES (no DNS forwarding then) instead of killing the thread */
	if (!rc && r == SB_NET) {
		for (int fam = 0; !rc && fam < 2; fam++) {
			struct scmp_arg_cmp a = SCMP_A0(SCMP_CMP_EQ, fam ? AF_INET6 : AF_INET);
			rc = sb_add(c, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1, &a);
		}
		if (!rc)
			rc = sb_add(c, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(openat), 0, 0);
	}
	/* main: monitor.c's atexit unlink of its socket fails quietly (the
	 * next run replaces a stale socket); deleting files is not ours */
	if (!rc && r == SB_MAIN) {
		rc = sb_add(c, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(unlink), 0, 0);
		if (!rc)
			rc = sb_add(c, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(unlinkat), 0, 0);
	}
	for (size_t i = 0; !rc && i < sizeof(sb_kill) / sizeof(sb_kill[0]); i++)
		rc = sb_add(c, kill, sb_kill[i], 0, 0);
	if (!rc && r != SB_BASE) {
		/* threads exist: a new one (or a process) after setup is an attack */
		rc = sb_add(c, kill, SCMP_SYS(clone), 0, 0);
		if (!rc)
			rc = sb_add(c, kill, SCMP_SYS(clone3), 0, 0);
	}
	/* export the BPF into memory: a memfd, read back */
	int fd = -1;
	if (!rc && (fd = (int)syscall(SYS_memfd_create, "pk-seccomp", 1u /* MFD_CLOEXEC */)) < 0)
		rc = -errno;
	if (!rc)
		rc = seccomp_export_bpf(c, fd);
	seccomp_release(c);
	off_t len = rc ? 0 : lseek(fd, 0, SEEK_END);
	if (!rc && (len <= 0 || len % sizeof(struct sock_filter)))
		rc = -EINVAL;
	struct sock_filter *f = rc ? 0 : malloc((size_t)len);
	if (!rc && (!f || pread(fd, f, (size_t)len, 0) != len))
		rc = f ? -EIO : -ENOMEM;
	if (fd >= 0)
		close(fd);
	if (rc) {
		free(f);
		fprintf(stderr, "sb_gen: compiling the filter of role %d failed: %s\n", (int)r,
			strerror(-rc));
		return rc;
	}
	out->len = (unsigned short)(len / sizeof(struct sock_filter));
	out->filter = f;
	return 0;
}
