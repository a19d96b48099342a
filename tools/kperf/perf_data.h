/* SPDX-License-Identifier: MIT */
/*
 * tools/kperf/perf_data.h - reading perf records (proto/perf.h) from a
 * vmm --perf file or from a console log holding framed "perf.*" blobs
 * (lib/blob/blob.h). Every length is checked: bad input gives an error
 * string naming the offset and the reason, never a crash.
 */
#ifndef PK_KPERF_PERF_DATA_H
#define PK_KPERF_PERF_DATA_H

#include <stddef.h>
#include <stdint.h>

#include "proto/perf.h"

struct kp_sample {
	uint64_t tsc, task, rip;
	uint32_t cpu;
	uint8_t source, flags;
	uint16_t depth;
	size_t frames; /* index of frames[0] in kp_data.frames */
	size_t tname;  /* 1 + index in kp_data.tnames of the task's name, 0 = none */
};

/* A PK_PERF_REC_TASK: one entry per (task, name) as the records gave them. */
struct kp_tname {
	uint64_t task;
	char name[33];
};

/* A PK_PERF_REC_MARK. */
struct kp_mark {
	uint64_t tsc, task;
	uint32_t cpu;
	size_t tname; /* as kp_sample.tname */
	char name[33];
};

struct kp_count {
	uint32_t cpu, event;
	char name[33];
	uint64_t raw, value, cycles;
};

struct kp_data {
	struct pk_perf_header hdr;
	int have_hdr;
	struct kp_sample *s;
	size_t ns, cap_s;
	struct kp_count *c;
	size_t nc, cap_c;
	uint64_t *frames;
	size_t nframes, cap_f;
	struct kp_tname *tnames;
	size_t ntn, cap_tn;
	struct kp_mark *m;
	size_t nm, cap_m;
	uint64_t lost, unknown;
	unsigned sources; /* bit per source seen in samples */
};

/* The name a sample's task had ("" when no task record named it). */
const char *kp_task_name(const struct kp_data *d, const struct kp_sample *s);
/* The same for a marker. */
const char *kp_mark_task(const struct kp_data *d, const struct kp_mark *m);
/* Milliseconds from the first guest-stamped record (sample or marker) to
 * m, or -1 when the recording has no TSC rate. */
double kp_mark_ms(const struct kp_data *d, const struct kp_mark *m);

/* Load path (binary record file or text log). 0, or -1 with err filled. */
int kp_load(const char *path, struct kp_data *d, char *err, size_t errlen);
/* What kp_load does with the file's bytes: a record file (by its magic)
 * or a log. 0, or -1 with err filled and nothing left allocated. */
int kp_parse(struct kp_data *d, const uint8_t *p, size_t len, char *err, size_t errlen);
/* The pieces, for tests: a whole record file; records only; a log. */
int kp_parse_file(struct kp_data *d, const uint8_t *p, size_t len, char *err, size_t errlen);
int kp_parse_records(struct kp_data *d, const uint8_t *p, size_t len, char *err, size_t errlen);
int kp_parse_log(struct kp_data *d, const char *text, size_t len, char *err, size_t errlen);
void kp_free(struct kp_data *d);

const char *kp_source_name(unsigned source);
const char *kp_event_name(unsigned event);

#endif
