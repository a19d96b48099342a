/* SPDX-License-Identifier: MIT */
/*
 * vmm/sandbox.h - what the vmm may still do once setup is over
 * (docs/vmm-security.md): no_new_privs, seccomp-BPF allow-lists per thread
 * role with KVM ioctls filtered by request number, RLIMIT_NOFILE, an
 * optional uid/gid drop. `--no-sandbox` turns all of it off.
 *
 * The order (main.c): sandbox_setup() once, after everything privileged is
 * open and before the first thread starts, installs the process-wide base
 * filter (the union of every role, plus thread creation and the debug
 * sockets' setup) that every later thread inherits; each thread then calls
 * sandbox_thread_enter(ROLE) first thing, which stacks its own, narrower
 * filter on top (the kernel runs both; the stricter answer wins). The main
 * thread enters SB_MAIN after it has started the others. So no thread ever
 * runs guest-influenced code without a filter.
 */
#ifndef PK_VMM_SANDBOX_H
#define PK_VMM_SANDBOX_H

#include <stdbool.h>

struct vm;

enum sandbox_role {
	SB_MAIN,  /* waits for the end, writes --perf, joins, reports */
	SB_VCPU,  /* KVM_RUN loop, hypercalls, --out files, perf samples */
	SB_PERF,  /* the --perf-freq timer: sleeps and kicks vCPU threads */
	SB_DEBUG, /* gdb stub and monitor: sockets, vCPU register ioctls */
	SB_BASE,  /* the process-wide union (internal) */
	SB_NROLES
};

/* Close every inherited fd above 2: first thing in main. */
void sandbox_close_inherited(void);
/* After setup, before any thread: no_new_privs, the SIGSYS reporter, the
 * --user drop, RLIMIT_NOFILE, the per-role filters compiled, the base
 * filter loaded. 0 or a negative errno (message printed). A no-op with
 * --no-sandbox (except --user, which is honoured either way). */
int sandbox_setup(struct vm *vm);
/* At the start of each thread (vCPU: before its KVM_RUN loop). 0, or a
 * negative errno; a thread that cannot confine itself stops the VM. */
int sandbox_thread_enter(enum sandbox_role r);
/* Before sandbox_setup: the host directory dirfd (an O_PATH fd is
 * enough) stays reachable once Landlock confines the process (landlock.c),
 * read-only or writable. Everything else is out of reach. */
int sandbox_fs_allow(int dirfd, bool writable);
/* sandbox_setup's Landlock step: 0 applied, 1 not available (said under
 * -v), or a negative errno (message printed). */
int sandbox_landlock(int verbose);
/* Is the sandbox on (false with --no-sandbox or before setup)? */
int sandbox_active(void);
/* --sandbox-selftest=forbidden-syscall|forbidden-vcpu: make a syscall no
 * role allows (getppid) from role r when the self-test asks for it;
 * =landlock: open a host file outside every registered directory from a
 * vCPU thread and say what happened. */
void sandbox_selftest(const struct vm *vm, enum sandbox_role r);

#endif
