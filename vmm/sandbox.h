/* SPDX-License-Identifier: MIT */
/*
 * vmm/sandbox.h - what the vmm may still do once setup is over
 * (docs/vmm-security.md): no_new_privs, seccomp-BPF allow-lists per thread
 * role with KVM ioctls filtered by request number, RLIMIT_NOFILE, an
 * optional uid/gid drop. `--no-sandbox` turns all of it off.
 *
 * The order (main.c): sandbox_prepare() builds the filters and the
 * Landlock ruleset early. The vCPU threads start while main still sets up
 * (a boot's critical path): each confines itself with Landlock and the
 * vCPU filter alone (sandbox_thread_confine), then waits at a gate.
 * sandbox_setup() once, after everything privileged is open, confines
 * main with Landlock and the process-wide base filter (the union of every
 * role, plus thread creation and the debug sockets' setup) that every
 * later thread inherits; each of those calls sandbox_thread_enter(ROLE)
 * first thing, which stacks its own, narrower filter on top (the kernel
 * runs both; the stricter answer wins). Only then does main open the gate,
 * and it enters SB_MAIN after it has started the others. So no thread ever
 * runs guest-influenced code without a filter. With --user the vCPU
 * threads start after the uid drop instead (glibc makes every thread take
 * part in setresuid, which their filter kills).
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
	SB_NET,	  /* the virtio-net I/O thread: eventfds, the tap fd, slirp's sockets */
	SB_BASE,  /* the process-wide union (internal) */
	SB_NROLES
};

/* Close every inherited fd above 2: first thing in main. */
void sandbox_close_inherited(void);
/* After setup, before any thread: no_new_privs, the SIGSYS reporter, the
 * --user drop, RLIMIT_NOFILE, the per-role filters compiled, main's filter
 * loaded. keep is that filter: SB_BASE while main still starts threads
 * (each inherits it and narrows it to its role), else SB_MAIN at once,
 * which allows main what base-then-main would with one load fewer.
 * 0 or a negative errno (message printed). A no-op with --no-sandbox
 * (except --user, which is honoured either way). */
int sandbox_setup(struct vm *vm, enum sandbox_role keep);
/* At the start of each thread (vCPU: before its KVM_RUN loop); nothing
 * to do for a thread already in role r. 0, or a negative errno; a thread
 * that cannot confine itself stops the VM. */
int sandbox_thread_enter(enum sandbox_role r);
/* Before sandbox_setup: the host directory dirfd (an O_PATH fd is
 * enough) stays reachable once Landlock confines the process (landlock.c),
 * read-only or writable. Everything else is out of reach. */
int sandbox_fs_allow(int dirfd, bool writable);
/* Landlock (landlock.c): the ruleset over the registered directories
 * into *fd (-1 when the kernel has none, said under -v), 0 or a negative
 * errno (message printed); then each confinement applies it to the
 * calling thread. */
int sandbox_landlock_ruleset(int verbose, int *fd);
int sandbox_landlock_restrict(int fd);
/* Before the VM thread starts vCPU threads (once --out and --share are
 * registered): the SIGSYS reporter, the filters and the Landlock ruleset,
 * so that a thread started before sandbox_setup can confine itself. */
int sandbox_prepare(struct vm *vm); /* once; sandbox_setup calls it if need be */
/* What a thread started before sandbox_setup does first: no_new_privs,
 * Landlock and its role's filter alone (every role's list is a subset of
 * the base, so the base would add nothing). 0 or a negative errno. */
int sandbox_thread_confine(enum sandbox_role r);
/* Once every thread that confines itself has: close the ruleset. */
void sandbox_release_ruleset(void);
/* Is the sandbox on (false with --no-sandbox or before setup)? */
int sandbox_active(void);
/* --sandbox-selftest=forbidden-syscall|forbidden-vcpu: make a syscall no
 * role allows (getppid) from role r when the self-test asks for it;
 * =landlock: open a host file outside every registered directory from a
 * vCPU thread and say what happened. */
void sandbox_selftest(const struct vm *vm, enum sandbox_role r);

#endif
