/* SPDX-License-Identifier: MIT */
/*
 * proto/hypercall.h - the guest -> vmm call ABI (Solo5-hvt style).
 *
 * The guest fills one of the structs below in its own memory and executes
 * `outl %eax, $(PK_HC_PORT_BASE + nr)` with EAX = the struct's guest-
 * physical address (below 4 GiB). The vmm checks the number, the struct's
 * range and every embedded guest pointer + length against guest RAM, does
 * the call, writes the OUT fields (always `ret` first: 0 or -errno) and
 * resumes the vCPU. Unknown numbers and bad pointers get -ENOSYS / -EFAULT
 * in `ret` (when the struct itself is readable) and a counted warning on
 * the host; the host never crashes on guest input.
 *
 * Numbers are ABI: new calls are added at the end and bump the version.
 */
#ifndef PK_PROTO_HYPERCALL_H
#define PK_PROTO_HYPERCALL_H

#include <stdint.h>

#define PK_HC_ABI_VERSION 2
#define PK_HC_PORT_BASE 0x500
#define PK_HC_PORT_COUNT 0x100 /* ports BASE..BASE+255 are all hypercalls */

enum pk_hc_nr {
	PK_HC_CONSOLE_WRITE = 0,
	PK_HC_EXIT = 1,
	PK_HC_CPU_ONLINE = 2,
	PK_HC_TIME_INFO = 3,
	PK_HC_PERF_FLUSH = 4, /* hand the vmm perf records (proto/perf.h) */
	PK_HC_RESULT_WRITE = 5,
	PK_HC_ABORT = 6,
	PK_HC_PROG_INFO = 7, /* the Linux program the vmm was given (docs/programs.md) */
	PK_HC_PROG_READ = 8, /* its ELF file and argv/env, piece by piece */
	/* 9: reserved for programs */
	/* 10..19: host files, structs in proto/fs.h */
	PK_HC_FS_SHARE_INFO = 10,
	PK_HC_FS_OPEN = 11,
	PK_HC_FS_CLOSE = 12,
	PK_HC_FS_PREAD = 13,
	PK_HC_FS_PWRITE = 14,
	PK_HC_FS_FSTAT = 15,
	PK_HC_FS_GETDENTS = 16,
	PK_HC_FS_FTRUNCATE = 17,
	PK_HC_FS_FSYNC = 18,
	PK_HC_FS_PATHOP = 19,
	PK_HC_COUNT
};

#define PK_HC_ENOSYS (-38)
#define PK_HC_EFAULT (-14)
#define PK_HC_EINVAL (-22)
#define PK_HC_EIO (-5)

/* Every request starts with this (vmm writes it). */
struct pk_hc_hdr {
	int64_t ret; /* OUT: 0 or negative errno */
};

struct pk_hc_console_write {
	struct pk_hc_hdr hdr;
	uint64_t data; /* IN: guest-physical address of the bytes */
	uint64_t len;  /* IN: byte count (<= PK_HC_CONSOLE_MAX) */
};
#define PK_HC_CONSOLE_MAX 65536

struct pk_hc_exit {
	struct pk_hc_hdr hdr;
	uint64_t code; /* IN: the vmm's exit status (0-99 by convention) */
};

struct pk_hc_cpu_online {
	struct pk_hc_hdr hdr;
	uint32_t cpu; /* IN: cpu index (RSI at entry) */
	uint32_t reserved;
};

struct pk_hc_time_info {
	struct pk_hc_hdr hdr;
	uint64_t tsc_khz; /* OUT: guest TSC frequency */
	uint64_t host_ns; /* OUT: host CLOCK_MONOTONIC at the call */
	uint64_t boot_ns; /* OUT: ns since the vmm started */
};

struct pk_hc_result_write {
	struct pk_hc_hdr hdr;
	uint64_t name;	   /* IN: GPA of the blob name ([A-Za-z0-9._-], no '/') */
	uint64_t name_len; /* IN: <= PK_HC_NAME_MAX */
	uint64_t data;	   /* IN: GPA of the contents */
	uint64_t len;	   /* IN: <= PK_HC_RESULT_MAX */
};
#define PK_HC_NAME_MAX 64
#define PK_HC_RESULT_MAX (64u << 20)

/* perf_flush: data holds whole records of proto/perf.h (no file header).
 * The vmm appends them to its --perf FILE (dropped, ret 0, without one). */
struct pk_hc_perf_flush {
	struct pk_hc_hdr hdr;
	uint64_t data;	  /* IN: GPA of the records */
	uint64_t len;	  /* IN: bytes, <= PK_HC_PERF_MAX */
	uint32_t tsc_khz; /* IN: guest TSC rate (for the file header), 0 = unknown */
	uint32_t hz;	  /* IN: the guest's sampling rate, 0 = n/a */
	uint64_t elf_id;  /* IN: guest's proto/perf.h elf_id (FNV of .text), 0 = unknown */
};
#define PK_HC_PERF_MAX (16u << 20)

struct pk_hc_abort {
	struct pk_hc_hdr hdr;
	uint64_t msg;	  /* IN: GPA of a message */
	uint64_t msg_len; /* IN: <= PK_HC_CONSOLE_MAX */
};

/* prog_info: what `vmm PROGRAM ARGS...` handed over. image_len 0 = the
 * vmm was given a kernel, not a program. */
struct pk_hc_prog_info {
	struct pk_hc_hdr hdr;
	uint64_t image_len; /* OUT: bytes of PROGRAM's ELF file */
	uint64_t args_len;  /* OUT: bytes of the argument block (PK_PROG_ARGS) */
	uint32_t argc;	    /* OUT: strings of argv (argv[0] = PROGRAM as given) */
	uint32_t envc;	    /* OUT: strings of the environment (--env) after them */
	uint32_t flags;	    /* OUT: PK_PROG_F_* */
	uint32_t reserved;
};
#define PK_PROG_F_STRACE 1u /* vmm --strace */

/* prog_read: copy [offset, offset+len) of one of the two blobs into the
 * guest buffer at buf (clipped at the blob's end; done says how much). */
struct pk_hc_prog_read {
	struct pk_hc_hdr hdr;
	uint32_t what; /* IN: PK_PROG_IMAGE or PK_PROG_ARGS */
	uint32_t reserved;
	uint64_t offset; /* IN */
	uint64_t buf;	 /* IN: GPA of the destination */
	uint64_t len;	 /* IN: <= PK_HC_PROG_READ_MAX */
	uint64_t done;	 /* OUT: bytes written */
};
#define PK_PROG_IMAGE 0u /* the ELF file */
#define PK_PROG_ARGS 1u	 /* argc + envc NUL-terminated strings, back to back */
#define PK_HC_PROG_READ_MAX (64u << 20)
#define PK_HC_PROG_ARGS_MAX (256u << 10) /* the argument block's cap (Linux: ARG_MAX-ish) */

_Static_assert(sizeof(struct pk_hc_console_write) == 24, "ABI");
_Static_assert(sizeof(struct pk_hc_prog_info) == 40, "ABI");
_Static_assert(sizeof(struct pk_hc_prog_read) == 48, "ABI");
_Static_assert(sizeof(struct pk_hc_exit) == 16, "ABI");
_Static_assert(sizeof(struct pk_hc_cpu_online) == 16, "ABI");
_Static_assert(sizeof(struct pk_hc_time_info) == 32, "ABI");
_Static_assert(sizeof(struct pk_hc_result_write) == 40, "ABI");
_Static_assert(sizeof(struct pk_hc_abort) == 24, "ABI");
_Static_assert(sizeof(struct pk_hc_perf_flush) == 40, "ABI");

/* CPUID leaf 0x40000000: EBX,ECX,EDX = "perfkern vmm", EAX = max leaf. */
#define PK_VMM_CPUID_SIGNATURE "perfkern vmm"
/* CPUID leaf 0x40000001: EAX = the vmm's PK_HC_ABI_VERSION. The kernel
 * refuses to run on a vmm whose version differs (or that has none). */
#define PK_VMM_CPUID_ABI_LEAF 0x40000001u

#endif
