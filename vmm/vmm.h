/* SPDX-License-Identifier: MIT */
/*
 * vmm/vmm.h - the perfkern monitor's shared types. One concern per file:
 * cli.c (options), mem.c (guest RAM), load.c (ELF), boot.c (page tables,
 * GDT, bootinfo), cpuid.c, kvm.c (VM/vCPU setup), vcpu.c (run loop and
 * exits), hcall.c (hypercalls), main.c (the order of things).
 * Functions return 0 or a negative errno; messages name the input.
 */
#ifndef PK_VMM_H
#define PK_VMM_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/boot.h"
#include "proto/exit.h"

#define PK_MAX_CPUS_VMM 256
#define VMM_MONITOR_IDLE_DEFAULT                                                                   \
	300 /* s: a forgotten `nc -U` frees the monitor */ /* the kernel brings up at most         \
							      PK_MAX_CPUS */

#define VMM_MAX_ENV 256

enum hugepage_mode { HP_AUTO, HP_1G, HP_2M, HP_THP, HP_OFF };

struct vmm_opts {
	unsigned cpus;
	uint64_t mem;
	enum hugepage_mode hugepages;
	double timeout; /* seconds, 0 = none */
	bool stats;
	int verbose;
	unsigned long trace; /* single-step this many instructions of vCPU 0 */
	const char *out_dir;
	unsigned out_max_files; /* --out-max-files (outdir.h) */
	uint64_t out_max_bytes; /* --out-max-bytes */
	const char *shares[16]; /* --share HOST:GUEST[:ro] values (share.h: SHARE_MAX) */
	unsigned nshares;
	unsigned share_max_handles; /* --share-max-handles */
	uint64_t share_max_bytes;   /* --share-max-bytes */
	const char *gdb_path;	    /* --gdb PATH: Unix socket (NULL = none) */
	unsigned gdb_port;	    /* --gdb tcp:PORT (0 = none) */
	bool gdb_wait;		    /* --gdb-wait: vCPUs start stopped */
	const char *monitor;
	unsigned monitor_idle;	 /* --monitor-idle: seconds, 0 = never */
	const char *perf_file;	 /* --perf: record file (vmm/perf.c) */
	unsigned perf_hz;	 /* --perf-freq: vmm sampling rate, 0 = guest records only */
	bool no_sandbox;	 /* --no-sandbox: no seccomp, no_new_privs, rlimits (sandbox.h) */
	bool drop_user;		 /* --user UID[:GID] given */
	uint32_t uid, gid;	 /* the ids to drop to after setup */
	const char *selftest;	 /* hidden --sandbox-selftest=MODE (sandbox.c) */
	bool raw_console;	 /* --raw-console: guest bytes reach the terminal unescaped */
	const char *net;	 /* --net tap:IFNAME | user[,hostfwd=...] (net.h) */
	const char *elf;	 /* the ELF named on the command line */
	const char *const *rest; /* the words after it */
	int nrest;
	char cmdline[PK_CMDLINE_MAX]; /* after "--", for a kernel */
	const char *kernel;	      /* --kernel: what a PROGRAM runs on */
	const char *env[VMM_MAX_ENV]; /* --env K=V */
	unsigned nenv;
	bool strace;		    /* --strace */
	const char *kernel_cmdline; /* --kernel-cmdline: after run=prog */
};

/* The one error style (err.c): print "vmm: WHAT: strerror(errno)" for the
 * call that failed, WHAT naming the ioctl or file; returns -errno. */
int vmm_syserr(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* One error line (fmt ends in \n) the same way: to stderr, or into the
 * calling thread's deferred buffer (below). */
void vmm_errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A thread that works ahead of the main thread (VM creation while the
 * ELF loads) keeps its errors for later: a bad ELF is still the one
 * message a user sees, as if KVM had not been touched. NULL ends it. */
struct vmm_errbuf {
	size_t len;
	char text[1024];
};
void vmm_err_defer(struct vmm_errbuf *b);
void vmm_err_flush(struct vmm_errbuf *b);

/* pthread_create on a 1 MiB stack (thread.c says why); 0 or an errno */
int vmm_thread_start(pthread_t *t, void *(*fn)(void *), void *arg);

/* A count that threads raise and others wait for (thread.c): the hand-offs
 * of the boot's start-up (guest RAM mapped, vCPU threads confined, the
 * gate to KVM_RUN open) */
struct vmm_count {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned n;
};
#define VMM_COUNT_INIT                                                                             \
	{                                                                                          \
		PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0                             \
	}
void vmm_count_add(struct vmm_count *c);
void vmm_count_wait(struct vmm_count *c, unsigned n); /* until it is n or more */

/* Parse argv; 0 = run, 1 = printed help/version (exit 0), -1 = error
 * printed (exit VMM_EXIT_USAGE). */
int cli_parse(int argc, char **argv, struct vmm_opts *o);
/* "512M", "2G", "4096K", "1048576": bytes, or -1 if malformed/overflow. */
int64_t cli_parse_size(const char *s);

/* Guest RAM: one host mapping; GPA [0, low) and, above 4 GiB, [4G, 4G+high). */
#define MEM_HOLE_START 0xc0000000ull /* 3 GiB: LAPIC/IOAPIC MMIO live above */
#define MEM_HIGH_START 0x100000000ull
struct guest_mem {
	uint8_t *host;
	uint64_t size, low, high;
	uint64_t mapped; /* bytes actually mapped (huge-page rounded) */
	const char
		*backing; /* "hugetlb 1G", "hugetlb 2M", "THP", "4K", "4K until booted, then THP" */
	bool collapse_pending;	   /* auto: 4 KiB now, mem_collapse after boot */
	bool file_maps;		   /* 4 KiB/THP: a file may be mapped in (load.c) */
	uint64_t file_lo, file_hi; /* guest RAM offsets that a file maps (or 0, 0) */
	unsigned chunks_touched, chunks_collapsed; /* what mem_collapse found and did */
	int collapse_errno;			   /* why the last chunk that failed did */
};
int mem_alloc(struct guest_mem *m, uint64_t size, enum hugepage_mode mode);
void mem_free(struct guest_mem *m);
/* After boot (--hugepages auto): every 2 MiB chunk the guest has touched
 * becomes one huge page (MADV_COLLAPSE), and later first touches get THP.
 * Once; a no-op for the other modes. Runs while the guest does: KVM maps
 * the chunks 2 MiB again at their next nested-page fault. */
void mem_collapse(struct guest_mem *m);
/* What the kernel says backs guest RAM (/proc/self/smaps): the page size
 * of the mapping and how much of it THP made huge. fd: smaps opened
 * before the sandbox (consumed), or -1 to open it here. */
int mem_smaps(const struct guest_mem *m, int fd, uint64_t *kernel_page_kb, uint64_t *anon_huge_kb);
/* THE check for guest addresses: host pointer for [gpa, gpa+len) when the
 * whole range is guest RAM, else NULL. Every guest pointer goes through it. */
void *mem_ptr(const struct guest_mem *m, uint64_t gpa, uint64_t len);
/* The 4 KiB page-table page at phys for the shared walkers (guest/mm/
 * mmu_translate.h, mmu_walk.h: mmu_read_fn with ctx = the guest_mem), or
 * NULL when it is not guest RAM. */
const uint64_t *mem_read_table(void *guest_mem, uint64_t phys);
/* The one way guest bytes enter vmm memory: copy [gpa, gpa+len) to dst
 * (one read of each byte; the copy is then checked and used, guest RAM is
 * never read again) / write src back. 0 or -EFAULT when not all RAM. */
int mem_copy_in(const struct guest_mem *m, uint64_t gpa, uint64_t len, void *dst);
int mem_copy_out(const struct guest_mem *m, uint64_t gpa, uint64_t len, const void *src);

/* ELF loading (load.c): checks every field; err names the reason. */
struct elf_image {
	uint64_t entry;
	uint64_t lo, hi; /* physical range the segments occupy */
	bool has_symbols;
};
int elf_load(const char *path, struct guest_mem *m, uint64_t reserved_end, struct elf_image *img,
	     char *err, size_t errlen);
/* The same checks and copy on an ELF already in memory (elf_load reads the
 * file and calls it; fuzz/elf_load.c feeds it). libelf may convert the
 * buffer in place, so it is the caller's own copy. */
int elf_load_image(void *file, size_t len, struct guest_mem *m, uint64_t reserved_end,
		   struct elf_image *img, char *err, size_t errlen);
/* The same where the segments' bytes are still in the file: segfd >= 0
 * (elf_read_headers) reads each PT_LOAD from it straight into guest RAM,
 * once the headers passed: one copy instead of two, and no buffer pages
 * faulted in while KVM_CREATE_VM holds the mm on the other thread. */
int elf_load_image_fd(void *file, size_t len, int segfd, struct guest_mem *m, uint64_t reserved_end,
		      struct elf_image *img, char *err, size_t errlen);
/* Read a regular file of at most max bytes into a malloc'd buffer of its
 * length (*buf, *len; the caller frees): all of it, except for a perfkern
 * kernel only what checking it uses (headers, PT_NOTE, section headers;
 * the rest reads as zeros), and then *segfd is its open fd (the caller
 * closes it) for elf_load_image_fd to read the PT_LOADs from; else -1.
 * 0 or -errno with err naming the reason. */
int elf_read_headers(const char *path, uint64_t max, uint8_t **buf, size_t *len, int *segfd,
		     char *err, size_t errlen);
/* Symbol containing addr (for crash dumps), or NULL. */
const char *elf_symbol(const char *path, uint64_t addr, uint64_t *off, char *buf, size_t len);
/* The same through an fd opened before the sandbox (pread only). */
const char *elf_symbol_fd(int fd, uint64_t addr, uint64_t *off, char *buf, size_t len);

/* Boot structures in low guest memory (boot.c). */
#define BOOT_PML4 0x1000ull
#define BOOT_GDT 0xa000ull
#define BOOT_INFO 0xb000ull
#define BOOT_RESERVED_END 0x10000ull /* nothing of the ELF may land below */
/* GiB 0 is all the boot page tables map twice, identity and behind
 * PK_KERNEL_VMA (boot.c): every byte of the ELF image must load below it. */
#define BOOT_MAPPED_END (1ull << 30)
int boot_setup(struct guest_mem *m, const struct vmm_opts *o, uint64_t tsc_khz, bool gb_pages);
/* stdout's buffer, made by main before any guest output (console.c) */
void console_init(void);

#endif
