/* SPDX-License-Identifier: MIT */
/*
 * vmm/sandbox.c - no_new_privs, per-role seccomp filters, rlimits and the
 * uid drop (sandbox.h; the model and the lists: docs/vmm-security.md).
 *
 * The filters were compiled at build time (the lists and the actions:
 * sandbox_rules.c; the BPF: the generated sandbox_bpf.c), so setting up
 * costs no compiler at boot, and a thread entering its role makes two
 * system calls and allocates nothing. A trapped call (SECCOMP_RET_TRAP)
 * reaches sb_sigsys, which names it and the role and exits 126.
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
#include "sandbox_rules.h"

VMM_OPTION(no_sandbox, .name = "no-sandbox", VMM_FLAG(no_sandbox),
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
	    strcmp(arg, "log") && strcmp(arg, "landlock")) {
		fprintf(stderr,
			"vmm: --sandbox-selftest %s: expected forbidden-syscall, forbidden-vcpu, "
			"landlock or log\n",
			arg);
		return -1;
	}
	o->selftest = arg;
	return 0;
}
VMM_OPTION(selftest, .name = "sandbox-selftest", .arg = "MODE", .parse = sb_opt_selftest);

static const char *const sb_role_names[SB_NROLES] = {"main",  "vCPU", "perf",
						     "debug", "net",  "setup"};

static struct {
	int ready;    /* sandbox_prepare done: threads can confine themselves */
	int on;	      /* sandbox_setup done: main is confined */
	int log_only; /* --sandbox-selftest=log: the logging flavour of every filter */
	int ll_fd;    /* the Landlock ruleset until sandbox_release_ruleset, or -1 */
	struct sock_fprog prog[SB_NROLES];
} sb = {.ll_fd = -1};
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

/* Async-signal-safe: no stdio, no allocation (the names are a table built
 * with the filters). */
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
	n += sb_cat(msg + n, nr < SB_MAX_NR && sb_syscall_names[nr] ? sb_syscall_names[nr] : "?");
	n += sb_cat(msg + n, "), which its seccomp allow-list forbids; exiting with 126 "
			     "(--no-sandbox turns the sandbox off)\n");
	ssize_t w = write(2, msg, n);
	(void)w;
	_exit(VMM_EXIT_SANDBOX);
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
	/* --net user: libslirp opens a socket per guest connection */
	rlim_t n = (rlim_t)hi + 1 + vm->ncpus + 16 + (vm->net ? 256 : 0);
	/* --share: every handle, plus a parent directory fd per vCPU in a call */
	if (vm->shares.n)
		n += vm->shares.max_handles + 2 * vm->ncpus;
	struct rlimit rl = {n, n};
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0) {
		int e = errno;
		fprintf(stderr, "vmm: sandbox: setrlimit(RLIMIT_NOFILE, %lu): %s\n",
			(unsigned long)n, strerror(e));
		return -e;
	}
	return 0;
}

int sandbox_prepare(struct vm *vm)
{
	const struct vmm_opts *o = vm->opts;
	if (o->no_sandbox || sb.ready)
		return 0;
	sb.log_only = o->selftest && !strcmp(o->selftest, "log");
	int rc = sandbox_landlock_ruleset(o->verbose, &sb.ll_fd);
	if (rc < 0)
		return rc;
	struct sigaction sa = {.sa_sigaction = sb_sigsys, .sa_flags = SA_SIGINFO};
	sigfillset(&sa.sa_mask);
	sigaction(SIGSYS, &sa, 0);
	for (int r = 0; r < SB_NROLES; r++)
		sb.prog[r] = sb_bpf[sb.log_only][r];
	sb.ready = 1;
	return 0;
}

int sandbox_setup(struct vm *vm, enum sandbox_role keep)
{
	const struct vmm_opts *o = vm->opts;
	if (o->drop_user) {
		int rc = sb_drop_user(o);
		if (rc < 0)
			return rc;
	}
	int rc = sandbox_prepare(vm); /* done already when main started vCPU threads */
	if (rc < 0 || !sb.ready)
		return rc; /* --no-sandbox: 0 */
	rc = sb_limit_nofile(vm);
	if (rc < 0)
		return rc;
	if ((rc = sandbox_landlock_restrict(sb.ll_fd)) < 0)
		return rc;
	if ((rc = sb_load(keep)) < 0)
		return rc;
	sb.on = 1;
	return 0;
}

int sandbox_thread_confine(enum sandbox_role r)
{
	if (!sb.ready)
		return 0;
	int rc = sandbox_landlock_restrict(sb.ll_fd);
	return rc < 0 ? rc : sb_load(r);
}

void sandbox_release_ruleset(void)
{
	if (sb.ll_fd >= 0)
		close(sb.ll_fd);
	sb.ll_fd = -1;
}

int sandbox_thread_enter(enum sandbox_role r)
{
	if (!sb.on || sb_role == r)
		return 0;
	return sb_load(r);
}

void sandbox_selftest(const struct vm *vm, enum sandbox_role r)
{
	const char *t = vm->opts->selftest;
	if (t && !strcmp(t, "landlock") && r == SB_VCPU) {
		/* what a hijacked vCPU thread would try: seccomp lets openat by,
		 * Landlock must not */
		int fd = openat(AT_FDCWD, "/proc/self/status", O_RDONLY | O_CLOEXEC);
		fprintf(stderr,
			"vmm: sandbox self-test: open /proc/self/status from the vCPU thread: %s\n",
			fd >= 0 ? "opened" : strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	bool want = t && ((!strcmp(t, "forbidden-syscall") && r == SB_MAIN) ||
			  (!strcmp(t, "forbidden-vcpu") && r == SB_VCPU));
	if (!want)
		return;
	fprintf(stderr, "vmm: sandbox self-test: getppid() from the %s thread\n", sb_role_names[r]);
	syscall(SYS_getppid);
	fprintf(stderr, "vmm: sandbox self-test: getppid() was allowed\n");
}
