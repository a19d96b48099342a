/* SPDX-License-Identifier: MIT */
/*
 * proto/perf.h - the perf record format shared by the guest (PMU / timer
 * sample rings, counting results), the vmm (`--perf FILE`: its own
 * signal-kick samples plus whatever the guest hands over with perf_flush)
 * and tools/kperf. Little-endian, fixed-width fields, asserted sizes.
 *
 * A record file (the vmm's FILE, or a "perf.data" blob a guest prints on
 * the serial line, lib/blob/blob.h framing) is:
 *   struct pk_perf_header
 *   records, each starting with struct pk_perf_rec { type, size }: size is
 *   the whole record in bytes, a multiple of 8, >= 8. Readers skip types
 *   they do not know (forward compatibility) and stop with an error on a
 *   size that is too small, unaligned or runs past the end.
 * The perf_flush hypercall carries records only (no header).
 *
 * Symbols: the header names the guest ELF by PK_PERF_ID_TEXT_FNV, the
 * FNV-1a 64 hash of its .text section contents (the guest hashes its own
 * text in memory, the vmm and kperf the section in the file; the image is
 * linked without a build-id). kperf warns when the hash does not match
 * the ELF it symbolises with. A program's run also names the program by
 * the same hash of its .text (prog_id, added in reserved space: readers
 * of older files see 0 there); kperf -p refuses a program that differs.
 *
 * Version history: 1 = this layout. New record types and header fields in
 * reserved space keep the version; anything else bumps it.
 */
#ifndef PK_PROTO_PERF_H
#define PK_PROTO_PERF_H

#include <stdint.h>

#define PK_PERF_MAGIC 0x31465245504b5000ull /* "\0PKPERF1" read little-endian */
#define PK_PERF_VERSION 1
#define PK_PERF_MAX_DEPTH 32 /* call-chain frames per sample, at most */

/* Where a sample came from (pk_perf_sample.source; header source bits). */
enum pk_perf_source {
	PK_PERF_SRC_PMU = 1,   /* guest: counter overflow PMI */
	PK_PERF_SRC_TIMER = 2, /* guest: LAPIC timer at N Hz (no PMU) */
	PK_PERF_SRC_VMM = 3,   /* vmm: signal kick + KVM_GET_REGS + frame walk */
	PK_PERF_SRC_COUNT
};

enum pk_perf_id_kind {
	PK_PERF_ID_NONE = 0,
	PK_PERF_ID_TEXT_FNV = 1, /* elf_id = FNV-1a 64 of the .text section bytes */
};

struct pk_perf_header {
	uint64_t magic;	      /* PK_PERF_MAGIC */
	uint32_t version;     /* PK_PERF_VERSION */
	uint32_t header_size; /* sizeof(struct pk_perf_header): records start here */
	uint32_t id_kind;     /* enum pk_perf_id_kind */
	uint32_t ncpus;	      /* CPUs (vCPUs) of the run */
	uint64_t elf_id;      /* see id_kind */
	uint64_t tsc_khz;     /* to turn sample TSC stamps into time; 0 = unknown */
	uint32_t sources;     /* bit (1 << enum pk_perf_source) per source present */
	uint32_t sample_hz;   /* requested rate of timer/vmm sampling, 0 = n/a */
	uint64_t start_tsc;   /* TSC (guest) or ns (vmm, see flags) at the start */
	uint32_t flags;	      /* PK_PERF_HDR_* */
	uint32_t reserved0;
	uint64_t prog_id; /* a Linux program's run: FNV-1a 64 of PROGRAM's .text
			     (as elf_id), 0 = no program or not known */
	uint64_t reserved[3];
};
#define PK_PERF_HDR_GUEST 1u /* written by the guest (serial blob) */

enum pk_perf_rec_type {
	PK_PERF_REC_SAMPLE = 1,
	PK_PERF_REC_COUNT = 2,
	PK_PERF_REC_LOST = 3,
	PK_PERF_REC_TASK = 4,
	PK_PERF_REC_MARK = 5,
};

struct pk_perf_rec {
	uint16_t type; /* enum pk_perf_rec_type */
	uint16_t size; /* bytes of the whole record, multiple of 8 */
	uint32_t cpu;  /* CPU (vCPU) index the record is about */
};

/* One sample: where a CPU was, and who called it. frames[] holds return
 * addresses, innermost caller first; size = sizeof + depth * 8. */
struct pk_perf_sample {
	struct pk_perf_rec h;
	uint64_t tsc;	/* guest TSC (guest sources) or vmm ns since start (vmm) */
	uint64_t task;	/* running task id (0 = the CPU's executor / unknown) */
	uint64_t rip;	/* interrupted instruction */
	uint8_t source; /* enum pk_perf_source */
	uint8_t flags;	/* PK_PERF_SAMPLE_* */
	uint16_t depth; /* entries in frames[], <= PK_PERF_MAX_DEPTH */
	uint32_t reserved;
	uint64_t frames[];
};
#define PK_PERF_SAMPLE_USER 1u	    /* CPL 3 at the sample (unused by perfkern) */
#define PK_PERF_SAMPLE_TRUNCATED 2u /* the chain went on past PK_PERF_MAX_DEPTH */

/* Counting mode: one event's count over a region (or the whole run) on
 * one CPU. name is the region ("cpu" for whole-CPU counts), NUL-padded. */
struct pk_perf_count {
	struct pk_perf_rec h;
	char name[32];
	uint32_t event; /* enum pk_perf_event, or PK_PERF_EV_RAW */
	uint32_t reserved;
	uint64_t raw;	     /* the raw event-select code when event == RAW */
	uint64_t value;	     /* events counted */
	uint64_t tsc_cycles; /* TSC cycles the counter was enabled */
};

/* A task's name (sched task name: a program thread's PR_SET_NAME, else
 * "prog"): written before the first sample of that task on a CPU and again
 * whenever its name changed, so the samples after it carry that name
 * (`kperf report --sort task`). A task id may be reused once the task is
 * gone: the latest record for an id names the samples that follow it. */
struct pk_perf_task {
	struct pk_perf_rec h;
	uint64_t task; /* pk_perf_sample.task */
	char name[32]; /* NUL-padded */
};
/* A marker: code on CPU h.cpu passed a named point at tsc (guest TSC),
 * e.g. a program's phase boundary (the native API's mark(), guest/perf
 * perf_mark). Written in every perf= mode; kperf report lists them after
 * the profile, with their time since the first guest record. */
struct pk_perf_mark {
	struct pk_perf_rec h;
	uint64_t tsc;
	uint64_t task; /* pk_perf_sample.task of the caller (0 = executor) */
	char name[32]; /* NUL-padded */
};
/* Samples a ring had to drop (full, or more CPUs than rings). */
struct pk_perf_lost {
	struct pk_perf_rec h;
	uint64_t count;
};

/* Generic events (lib/pmu_event/pmu_event.c maps them per vendor). */
enum pk_perf_event {
	PK_PERF_EV_CYCLES = 0,
	PK_PERF_EV_INSTRUCTIONS = 1,
	PK_PERF_EV_REF_CYCLES = 2,
	PK_PERF_EV_LLC_REFS = 3,
	PK_PERF_EV_LLC_MISSES = 4,
	PK_PERF_EV_BRANCHES = 5,
	PK_PERF_EV_BRANCH_MISSES = 6,
	PK_PERF_EV_COUNT,
	PK_PERF_EV_RAW = 0xff,
};

_Static_assert(sizeof(struct pk_perf_header) == 96, "perf ABI");
_Static_assert(sizeof(struct pk_perf_rec) == 8, "perf ABI");
_Static_assert(sizeof(struct pk_perf_sample) == 40, "perf ABI");
_Static_assert(sizeof(struct pk_perf_count) == 72, "perf ABI");
_Static_assert(sizeof(struct pk_perf_lost) == 16, "perf ABI");
_Static_assert(sizeof(struct pk_perf_task) == 48, "perf ABI");
_Static_assert(sizeof(struct pk_perf_mark) == 56, "perf ABI");

/* FNV-1a 64 (the elf_id hash), one definition for guest, vmm and kperf. */
static inline uint64_t pk_perf_fnv1a(uint64_t h, const void *data, uint64_t len)
{
	const uint8_t *p = (const uint8_t *)data;
	for (uint64_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}
#define PK_PERF_FNV_INIT 0xcbf29ce484222325ull

#endif
