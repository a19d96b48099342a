/* SPDX-License-Identifier: MIT */
/*
 * vmm/sandbox.c - no_new_privs, per-role seccomp filters, rlimits and the
 * uid drop (sandbox.h; the model and the lists: docs/vmm-security.md).
 *
 * The filters are compiled once with libseccomp in sandbox_setup (one BPF
 * program per role, exported into memory) so a thread entering its role
 * makes two system calls and allocates nothing.
 *
 * Actions:
 *  - a call that is on no list: SECCOMP_RET_TRAP. The kernel sends SIGSYS
 *    to the thread; sb_sigsys names the call and the role on stderr and
 *    exits VMM_EXIT_SANDBOX (126). A missing entry is a bug of ours, and a
 *    message that names it is what the person debugging it needs.
 *  - calls only a hijacked thread makes (exec, ptrace, another process's
 *    memory, new processes or threads after setup, executable mappings,
 *    kernel modules, namespaces, credentials): SECCOMP_RET_KILL_PROCESS.
 *    No userspace code runs after such a call, not even our handler,
 *    whose data an attacker who got that far may have rewritten; the kernel
 *    logs it (audit, dmesg) and the exit status is 128+SIGSYS (159).
 */
#include "cli.h"
#include "sandbox.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <seccomp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#include "kvm.h"

static int sb_opt_off(const char *arg, struct vmm_opts *o)
{
	(void)arg;
	o->no_sandbox = true;
	return 0;
}
VMM_OPTION(no_sandbox, .name = "no-sandbox", .parse = sb_opt_off,
	   .help = "no seccomp filter, no_new_privs or rlimits (debugging)");

static int sb_opt_user(const char *arg, struct vmm_opts *o)
{
	char *end;
	errno = 0;
	unsigned long u = strtoul(arg, &end, 10), g = u;
	if (!errno && *end == ':' && end[1] != '-' && end[1]) {
		const char *gs = end + 1;
		g = strtoul(gs, &end, 10);
		if (end == gs)
			errno = EINVAL;
	}
	if (errno || *end || end == arg || *arg == '-' || !u || !g || u >= 0xffffffffu ||
	    g >= 0xffffffffu) {
		fprintf(stderr, "vmm: --user %s: expected UID[:GID], numeric and not 0\n", arg);
		return -1;
	}
	o->drop_user = true;
	o->uid = (uint32_t)u;
	o->gid = (uint32_t)g;
	return 0;
}
VMM_OPTION(user, .name = "user", .arg = "UID[:GID]", .parse = sb_opt_user,
	   .help = "when started as root: drop to UID/GID after setup");

/* test-only (tests/vmm/sandbox.sh), so not in the usage text */
static int sb_opt_selftest(const char *arg, struct vmm_opts *o)
{
	if (strcmp(arg, "forbidden-syscall") && strcmp(arg, "forbidden-vcpu") &&
	    strcmp(arg, "log")) {
		fprintf(stderr,
			"vmm: --sandbox-selftest %s: expected forbidden-syscall, forbidden-vcpu "
			"or log\n",
			arg);
		return -1;
	}
	o->selftest = arg;
	return 0;
}
VMM_OPTION(selftest, .name = "sandbox-selftest", .arg = "MODE", .parse = sb_opt_selftest);

#define M (1u << SB_MAIN)
#define V (1u << SB_VCPU)
#define P (1u << SB_PERF)
#define D (1u << SB_DEBUG)
#define B (1u << SB_BASE) /* setup-only: the base filter, before each role narrows it */
#define ALL (M | V | P | D)

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
	{SCMP_SYS(writev), M | V | D},
	{SCMP_SYS(clock_gettime), ALL},
	{SCMP_SYS(clock_nanosleep), ALL},
	{SCMP_SYS(nanosleep), ALL},
	{SCMP_SYS(sched_yield), ALL},
	{SCMP_SYS(getpid), ALL},
	{SCMP_SYS(gettid), ALL},
	{SCMP_SYS(tgkill), ALL},
	{SCMP_SYS(fstat), ALL},
	{SCMP_SYS(close), M | V | D},
	/* main: the stop/signal wait, --perf FILE, -v's smaps (pre-opened),
	 * gdb_notify_exit */
	{SCMP_SYS(ppoll), M | D},
	{SCMP_SYS(poll), M | D},
	{SCMP_SYS(read), M | D},
	{SCMP_SYS(fcntl), M | D},
	{SCMP_SYS(sendto), M | D},
	{SCMP_SYS(lseek), M | V},
	/* vCPU: --out files (outdir.c; openat only when openat2 is ENOSYS),
	 * crash-dump symbols through the pre-opened ELF (libelf: pread) */
	{SCMP_SYS(openat2), V},
	{SCMP_SYS(openat), V},
	{SCMP_SYS(ftruncate), V},
	{SCMP_SYS(pread64), M | V},
	/* glibc's qsort (the symbol table of a crash dump, lib/elfsym) asks
	 * sysinfo for the machine's memory before it picks its buffer */
	{SCMP_SYS(sysinfo), M | V | D},
	/* debug: serving the gdb and monitor sockets */
	{SCMP_SYS(accept), D},
	{SCMP_SYS(accept4), D},
	{SCMP_SYS(recvfrom), D},
	{SCMP_SYS(recvmsg), D},
	{SCMP_SYS(sendmsg), D},
	{SCMP_SYS(getsockopt), D},
	{SCMP_SYS(shutdown), D},
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
	{SCMP_SYS(unlinkat), B},
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
	{KVM_GET_VCPU_EVENTS, V},     /* re-injecting the guest's own int3 */
	{KVM_SET_VCPU_EVENTS, V},
	{KVM_SET_REGS, D},
	{KVM_SET_SREGS, D},
	{KVM_GET_FPU, D},
	{KVM_SET_FPU, D},
	{KVM_GET_XSAVE, D},
	{KVM_SET_XSAVE, D},
	{TCGETS, M | V | D}, /* stdio's isatty() on the first stdout write */
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

static const char *const sb_role_names[SB_NROLES] = {"main", "vCPU", "perf", "debug", "setup"};

#define SB_MAX_NR 512
static struct {
	int on;
	int log_only; /* --sandbox-selftest=log: SCMP_ACT_LOG instead of the trap */
	struct sock_fprog prog[SB_NROLES];
	const char *names[SB_MAX_NR]; /* syscall names for the SIGSYS report */
} sb;
static _Thread_local enum sandbox_role sb_role = SB_BASE;

int sandbox_active(void)
{
	return sb.on;
}

void sandbox_close_inherited(void)
{
	/* whatever the parent leaked (a socket, a writable file) must not
	 * survive into a process that runs a hostile guest */
	if (syscall(SYS_close_range, 3u, ~0u, 0u) == 0)
		return;
	for (int fd = 3; fd < 1024; fd++) /* kernels before 5.9 */
		close(fd);
}

/* Async-signal-safe: no stdio, no allocation; the names were resolved in
 * sandbox_setup. */
static size_t sb_utoa(char *p, unsigned long v)
{
	char t[24];
	size_t n = 0;
	do
		t[n++] = (char)('0' + v % 10);
	while ((v /= 10));
	for (size_t i = 0; i < n; i++)
		p[i] = t[n - 1 - i];
	return n;
}

static size_t sb_cat(char *p, const char *s)
{
	size_t n = strlen(s);
	memcpy(p, s, n);
	return n;
}

static void sb_sigsys(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	char msg[256];
	size_t n = 0;
	unsigned nr = (unsigned)si->si_syscall;
	n += sb_cat(msg + n, "vmm: sandbox: the ");
	n += sb_cat(msg + n, sb_role_names[sb_role < SB_NROLES ? sb_role : SB_BASE]);
	n += sb_cat(msg + n, " thread made system call ");
	n += sb_utoa(msg + n, nr);
	n += sb_cat(msg + n, " (");
	n += sb_cat(msg + n, nr < SB_MAX_NR && sb.names[nr] ? sb.names[nr] : "?");
	n += sb_cat(msg + n, "), which its seccomp allow-list forbids; exiting with 126 "
			     "(--no-sandbox turns the sandbox off)\n");
	ssize_t w = write(2, msg, n);
	(void)w;
	_exit(VMM_EXIT_SANDBOX);
}

static int sb_add(scmp_filter_ctx c, uint32_t act, int nr, unsigned n, const struct scmp_arg_cmp *a)
{
	int rc = seccomp_rule_add_array(c, act, nr, n, a);
	if (rc < 0)
		fprintf(stderr, "vmm: sandbox: seccomp rule for syscall %d: %s\n", nr,
			strerror(-rc));
	return rc;
}

/* One role's filter, compiled and exported into sb.prog[r]. */
static int sb_compile(enum sandbox_role r)
{
	unsigned bit = 1u << r;
	/* the base is the union of every role plus setup */
	unsigned want = r == SB_BASE ? ALL | B : bit;
	uint32_t deflt = sb.log_only ? SCMP_ACT_LOG : SCMP_ACT_TRAP;
	uint32_t kill = sb.log_only ? SCMP_ACT_LOG : SCMP_ACT_KILL_PROCESS;
	scmp_filter_ctx c = seccomp_init(deflt);
	if (!c)
		return -ENOMEM;
	int rc = seccomp_attr_set(c, SCMP_FLTATR_CTL_NNP, 0); /* done once, by us */
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
		fprintf(stderr, "vmm: sandbox: compiling the %s filter failed: %s\n",
			sb_role_names[r], strerror(-rc));
		return rc;
	}
	sb.prog[r].len = (unsigned short)(len / sizeof(struct sock_filter));
	sb.prog[r].filter = f;
	return 0;
}

static int sb_load(enum sandbox_role r)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &sb.prog[r]) < 0) {
		int e = errno;
		fprintf(stderr, "vmm: sandbox: loading the %s thread's seccomp filter: %s\n",
			sb_role_names[r], strerror(e));
		return -e;
	}
	sb_role = r;
	return 0;
}

/* --user UID[:GID]: after this the process holds no root credentials and
 * cannot get them back (checked, not assumed). */
static int sb_drop_user(const struct vmm_opts *o)
{
	if (geteuid() != 0) {
		fprintf(stderr,
			"vmm: --user %u:%u: only root can change user (running as uid %u)\n",
			o->uid, o->gid, geteuid());
		return -EPERM;
	}
	if (setgroups(0, 0) < 0 || setresgid(o->gid, o->gid, o->gid) < 0 ||
	    setresuid(o->uid, o->uid, o->uid) < 0) {
		int e = errno;
		fprintf(stderr, "vmm: --user %u:%u: %s\n", o->uid, o->gid, strerror(e));
		return -e;
	}
	uid_t ru, eu, su;
	gid_t rg, eg, sg;
	if (setresuid(0, 0, 0) == 0 || setresgid(0, 0, 0) == 0 || getresuid(&ru, &eu, &su) < 0 ||
	    getresgid(&rg, &eg, &sg) < 0 || ru != o->uid || eu != o->uid || su != o->uid ||
	    rg != o->gid || eg != o->gid || sg != o->gid || getgroups(0, 0) != 0) {
		fprintf(stderr, "vmm: --user %u:%u: root could be regained; refusing to run\n",
			o->uid, o->gid);
		return -EPERM;
	}
	return 0;
}

/* RLIMIT_NOFILE: what is open now plus what the run opens later (an --out
 * file per vCPU at a time, a gdb and a monitor connection, slack). */
static int sb_limit_nofile(const struct vm *vm)
{
	int hi = 2;
	DIR *d = opendir("/proc/self/fd");
	if (d) {
		struct dirent *e;
		while ((e = readdir(d)))
			if (atoi(e->d_name) > hi)
				hi = atoi(e->d_name);
		closedir(d);
	} else {
		hi = 1024; /* no /proc: be generous rather than break the run */
	}
	rlim_t n = (rlim_t)hi + 1 + vm->ncpus + 16;
	struct rlimit rl = {n, n};
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0) {
		int e = errno;
		fprintf(stderr, "vmm: sandbox: setrlimit(RLIMIT_NOFILE, %lu): %s\n",
			(unsigned long)n, strerror(e));
		return -e;
	}
	return 0;
}

int sandbox_setup(struct vm *vm)
{
	const struct vmm_opts *o = vm->opts;
	if (o->drop_user) {
		int rc = sb_drop_user(o);
		if (rc < 0)
			return rc;
	}
	if (o->no_sandbox)
		return 0;
	sb.log_only = o->selftest && !strcmp(o->selftest, "log");
	int rc = sb_limit_nofile(vm);
	if (rc < 0)
		return rc;
	for (unsigned nr = 0; nr < SB_MAX_NR; nr++)
		sb.names[nr] = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, (int)nr);
	struct sigaction sa = {.sa_sigaction = sb_sigsys, .sa_flags = SA_SIGINFO};
	sigfillset(&sa.sa_mask);
	sigaction(SIGSYS, &sa, 0);
	for (int r = 0; r < SB_NROLES; r++)
		if ((rc = sb_compile((enum sandbox_role)r)) < 0)
			return rc;
	if ((rc = sb_load(SB_BASE)) < 0)
		return rc;
	sb.on = 1;
	return 0;
}

int sandbox_thread_enter(enum sandbox_role r)
{
	if (!sb.on)
		return 0;
	return sb_load(r);
}

void sandbox_selftest(const struct vm *vm, enum sandbox_role r)
{
	const char *t = vm->opts->selftest;
	bool want = t && ((!strcmp(t, "forbidden-syscall") && r == SB_MAIN) ||
			  (!strcmp(t, "forbidden-vcpu") && r == SB_VCPU));
	if (!want)
		return;
	fprintf(stderr, "vmm: sandbox self-test: getppid() from the %s thread\n", sb_role_names[r]);
	syscall(SYS_getppid);
	fprintf(stderr, "vmm: sandbox self-test: getppid() was allowed\n");
}
