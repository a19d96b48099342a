/* SPDX-License-Identifier: MIT */
/*
 * proto/exit.h - exit statuses: what the guest asks for (exit hypercall,
 * port 0xf4) and what the vmm adds of its own. A test, a script or a user
 * reading `$?` after `vmm guest.elf` sees exactly one of these meanings.
 *
 *   0-119   the guest's own code (PK_EXIT_* below are the kernel's)
 *   120-127 the vmm's (VMM_EXIT_*); a guest asking for one of these gets
 *           VMM_EXIT_GUEST_RESERVED instead, so it cannot pose as the vmm
 *   128-255 the guest's own again (128+signal for a killed program)
 */
#ifndef PK_PROTO_EXIT_H
#define PK_PROTO_EXIT_H

/* the kernel's codes */
#define PK_EXIT_OK 0
#define PK_EXIT_TESTS_FAILED 1
#define PK_EXIT_BAD_CMDLINE 2
#define PK_EXIT_UNSUPPORTED_CPU 3
#define PK_EXIT_PANIC 4
#define PK_EXIT_VMM_ABI 5 /* the vmm speaks another hypercall ABI version */
/* Off the vmm, the whole exit code as a proto/blob.h blob of this name
 * (int32, little-endian) on the serial line before isa-debug-exit, whose
 * QEMU status keeps only code mod 128 (tools/qemu_run.py reads it). */
#define PK_EXIT_BLOB "exit"

/* the vmm's codes */
#define VMM_EXIT_USAGE 2 /* bad flag or bad input file (like a bad cmdline) */
#define VMM_EXIT_RESERVED_LO 120
#define VMM_EXIT_HOST 120	    /* /dev/kvm, memory, ELF: could not start */
#define VMM_EXIT_CRASH 121	    /* triple fault / KVM_EXIT_SHUTDOWN */
#define VMM_EXIT_KVM 122	    /* KVM internal error, failed entry, unhandled exit */
#define VMM_EXIT_ABORT 123	    /* guest called abort */
#define VMM_EXIT_TIMEOUT 124	    /* --timeout expired */
#define VMM_EXIT_SIGNAL 125	    /* SIGINT/SIGTERM */
#define VMM_EXIT_SANDBOX 126	    /* a syscall outside the seccomp allow-list */
#define VMM_EXIT_GUEST_RESERVED 127 /* the guest asked for a code in 120-127 */
#define VMM_EXIT_RESERVED_HI 127

#endif
