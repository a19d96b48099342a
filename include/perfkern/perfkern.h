/* SPDX-License-Identifier: MIT */
/*
 * include/perfkern/perfkern.h - the native perfkern API for a Linux
 * program running on perfkern (docs/programs.md "The native API").
 *
 * The kernel puts the address of a struct pk_api in the program's auxv
 * under AT_PERFKERN; on Linux the entry is absent and pk_api() returns
 * NULL, so one binary runs on both. The functions are the kernel's own,
 * called directly: no system call, no mode switch (the program runs at
 * CPL 0 in the kernel's address space).
 *
 * Rules: call them from a program thread (main or a pthread). A blocking
 * call (chan_send on a full channel, chan_recv on an empty one, sleep_ns,
 * yield) suspends the calling thread like a futex wait does. The function
 * given to parallel_for runs on every CPU, also on kernel tasks that are
 * not program threads: it must not make system calls or touch errno, and
 * has a 16 KiB stack. A task made with spawn is such a kernel task too
 * (no system calls, no errno; a 64 KiB stack) that may call this table
 * (channels, yield, sleep, parallel_for, spawn, await, mark); it sees the
 * spawning thread's FS base (TLS reads work, TLS writes race with it).
 *
 * Compatibility: members are only ever appended and version stays 1, so
 * a program built against an older header keeps working; a program that
 * uses a newer member checks PK_API_HAS(api, member) first (the kernel's
 * table is `size` bytes long).
 */
#ifndef PERFKERN_PERFKERN_H
#define PERFKERN_PERFKERN_H

#include <stdint.h>

#define AT_PERFKERN 0x504b /* "PK": an auxv type Linux does not use */
#define PK_API_VERSION 1

/* A counted region (kernel option perf=count): the PMU events between
 * region_begin and region_end become one count record named name, which
 * kperf reports (docs/profiling.md). Without perf=count a no-op. */
struct pk_region {
	const char *name;
	uint64_t start[4];
	uint64_t tsc;
	int live;
};

struct pk_api {
	uint32_t version; /* PK_API_VERSION */
	uint32_t size;	  /* sizeof(struct pk_api) of the kernel */
	unsigned (*cpu_count)(void);
	unsigned (*cpu_self)(void);
	uint64_t (*tsc_khz)(void);
	void (*yield)(void);
	int (*sleep_ns)(uint64_t ns);
	/* bounded MPSC/MPMC channels of pointers: 0 or a negative errno
	 * (-EPIPE once closed and drained) */
	void *(*chan_new)(unsigned capacity);
	int (*chan_send)(void *chan, void *item);
	int (*chan_recv)(void *chan, void **item);
	void (*chan_close)(void *chan);
	void (*chan_free)(void *chan);
	/* fn(i, arg) for every i in [0, n), spread over all CPUs; returns
	 * when all are done (0, or -EAGAIN: it all ran on this CPU) */
	int (*parallel_for)(uint64_t n, void (*fn)(uint64_t i, void *arg), void *arg);
	struct pk_region (*region_begin)(const char *name);
	void (*region_end)(struct pk_region *r);
	/* --- appended: check PK_API_HAS(api, spawn) --- */
	/* Run fn(arg) as a kernel task on `cpu` (PK_CPU_ANY: round robin over
	 * the CPUs); name (NULL: "native") is what kperf --sort task shows.
	 * The handle, or NULL (no memory, no such CPU). Every task is awaited
	 * exactly once: await returns fn's result and frees the task. */
	void *(*spawn)(int cpu, void *(*fn)(void *arg), void *arg, const char *name);
	void *(*await)(void *task);
	/* A kperf marker record (name, CPU, task, time) under any perf= mode
	 * (kperf report lists them); a no-op without one. */
	void (*mark)(const char *name);
};

#define PK_CPU_ANY (-1)
/* Does the kernel's table have this member (a newer header than kernel)? */
#define PK_API_HAS(api, member)                                                                    \
	((api)->size >= __builtin_offsetof(struct pk_api, member) + sizeof((api)->member))

#if defined(__STDC_HOSTED__) && __STDC_HOSTED__ && !defined(PK_KERNEL)
#include <sys/auxv.h>
/* The table, or NULL when not running on perfkern. */
static inline const struct pk_api *pk_api(void)
{
	const struct pk_api *a = (const struct pk_api *)getauxval(AT_PERFKERN);
	return a && a->version == PK_API_VERSION ? a : 0;
}
#endif

#endif
