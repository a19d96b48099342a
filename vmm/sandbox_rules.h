/* SPDX-License-Identifier: MIT */
/*
 * vmm/sandbox_rules.h - the seccomp filters of the vmm's thread roles
 * (sandbox.h), compiled at build time: sb_gen (sb_gen.c) runs sb_compile
 * (sandbox_rules.c, libseccomp) for every role and writes sandbox_bpf.c,
 * which defines the two tables below for the vmm.
 */
#ifndef PK_VMM_SANDBOX_RULES_H
#define PK_VMM_SANDBOX_RULES_H

#include <linux/filter.h>

#include "sandbox.h"

#define SB_MAX_NR 512 /* syscall numbers the SIGSYS report can name */

/* [log_only][role]: the filter of each role, in its trapping flavour and
 * in the logging one of --sandbox-selftest=log */
extern const struct sock_fprog sb_bpf[2][SB_NROLES];
/* syscall number -> name (NULL where the number is unused) */
extern const char *const sb_syscall_names[SB_MAX_NR];

/* Build time only (sb_gen): role r's filter into *out (malloc'd BPF).
 * 0 or a negative errno, message printed. */
int sb_compile(enum sandbox_role r, int log_only, struct sock_fprog *out);

#endif
