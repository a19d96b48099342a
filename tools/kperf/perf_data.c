/* SPDX-License-Identifier: MIT */
/* tools/kperf/perf_data.c - record file and console-log parsing (perf_data.h). */
#include "perf_data.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/blob/blob.h"

static int fail(char *err, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, n, fmt, ap);
	va_end(ap);
	return -1;
}

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return 0;
	size_t c = *cap ? *cap * 2 : 256;
	while (c < need)
		c *= 2;
	void *q = realloc(*p, c * elem);
	if (!q)
		return -1;
	*p = q;
	*cap = c;
	return 0;
}

const char *kp_source_name(unsigned source)
{
	static const char *const n[PK_PERF_SRC_COUNT] = {[PK_PERF_SRC_PMU] = "pmu",
							 [PK_PERF_SRC_TIMER] = "timer",
							 [PK_PERF_SRC_VMM] = "vmm"};
	return source < PK_PERF_SRC_COUNT && n[source] ? n[source] : "?";
}

const char *kp_event_name(unsigned event)
{
	static const char *const n[PK_PERF_EV_COUNT] = {
		"cycles",     "instructions", "ref-cycles",    "LLC-references",
		"LLC-misses", "branches",     "branch-misses",
	};
	if (event == PK_PERF_EV_RAW)
		return "raw";
	return event < PK_PERF_EV_COUNT ? n[event] : "?";
}

/* 1 + the index of the latest task record for id (it names what follows
 * it), 0 for none. */
static size_t tname_latest(const struct kp_data *d, uint64_t task)
{
	size_t tn = d->ntn;
	while (tn && d->tnames[tn - 1].task != task)
		tn--;
	return tn;
}

int kp_parse_records(struct kp_data *d, const uint8_t *p, size_t len, char *err, size_t errlen)
{
	size_t off = 0;
	while (off < len) {
		struct pk_perf_rec h;
		if (len - off < sizeof(h))
			return fail(err, errlen, "truncated record header at offset %zu", off);
		memcpy(&h, p + off, sizeof(h));
		if (h.size < sizeof(h) || (h.size & 7))
			return fail(err, errlen, "bad record size %u at offset %zu (corrupt?)",
				    h.size, off);
		if (h.size > len - off)
			return fail(err, errlen,
				    "record at offset %zu needs %u bytes, %zu left (truncated)",
				    off, h.size, len - off);
		const uint8_t *r = p + off;
		if (h.type == PK_PERF_REC_SAMPLE) {
			struct pk_perf_sample s;
			if (h.size < sizeof(s))
				return fail(err, errlen, "sample at offset %zu too short", off);
			memcpy(&s, r, sizeof(s));
			if (s.depth > PK_PERF_MAX_DEPTH || sizeof(s) + s.depth * 8u != h.size)
				return fail(err, errlen,
					    "sample at offset %zu: depth %u does not fit size %u",
					    off, s.depth, h.size);
			if (s.source == 0 || s.source >= PK_PERF_SRC_COUNT)
				return fail(err, errlen, "sample at offset %zu: unknown source %u",
					    off, s.source);
			if (grow((void **)&d->s, &d->cap_s, d->ns + 1, sizeof(*d->s)) ||
			    grow((void **)&d->frames, &d->cap_f, d->nframes + s.depth, 8))
				return fail(err, errlen, "out of memory");
			if (s.depth) /* frames may still be NULL */
				memcpy(d->frames + d->nframes, r + sizeof(s), s.depth * 8u);
			size_t tn = tname_latest(d, s.task);
			d->s[d->ns++] =
				(struct kp_sample){s.tsc,   s.task,  s.rip,	 h.cpu, s.source,
						   s.flags, s.depth, d->nframes, tn};
			d->nframes += s.depth;
			d->sources |= 1u << s.source;
		} else if (h.type == PK_PERF_REC_COUNT) {
			struct pk_perf_count c;
			if (h.size < sizeof(c))
				return fail(err, errlen, "count record at offset %zu too short",
					    off);
			memcpy(&c, r, sizeof(c));
			if (grow((void **)&d->c, &d->cap_c, d->nc + 1, sizeof(*d->c)))
				return fail(err, errlen, "out of memory");
			struct kp_count *k = &d->c[d->nc++];
			k->cpu = h.cpu;
			k->event = c.event;
			memcpy(k->name, c.name, sizeof(c.name));
			k->name[32] = 0;
			k->raw = c.raw;
			k->value = c.value;
			k->cycles = c.tsc_cycles;
		} else if (h.type == PK_PERF_REC_TASK) {
			struct pk_perf_task t;
			if (h.size < sizeof(t))
				return fail(err, errlen, "task record at offset %zu too short",
					    off);
			memcpy(&t, r, sizeof(t));
			if (grow((void **)&d->tnames, &d->cap_tn, d->ntn + 1, sizeof(*d->tnames)))
				return fail(err, errlen, "out of memory");
			struct kp_tname *k = &d->tnames[d->ntn++];
			k->task = t.task;
			memcpy(k->name, t.name, sizeof(t.name));
			k->name[32] = 0;
		} else if (h.type == PK_PERF_REC_MARK) {
			struct pk_perf_mark m;
			if (h.size < sizeof(m))
				return fail(err, errlen, "marker record at offset %zu too short",
					    off);
			memcpy(&m, r, sizeof(m));
			if (grow((void **)&d->m, &d->cap_m, d->nm + 1, sizeof(*d->m)))
				return fail(err, errlen, "out of memory");
			struct kp_mark *k = &d->m[d->nm++];
			*k = (struct kp_mark){m.tsc, m.task, h.cpu, tname_latest(d, m.task), ""};
			memcpy(k->name, m.name, sizeof(m.name));
			k->name[32] = 0;
		} else if (h.type == PK_PERF_REC_LOST) {
			struct pk_perf_lost l;
			if (h.size < sizeof(l))
				return fail(err, errlen, "lost record at offset %zu too short",
					    off);
			memcpy(&l, r, sizeof(l));
			d->lost += l.count;
		} else {
			d->unknown++; /* a newer writer's record type: skipped */
		}
		off += h.size;
	}
	return 0;
}

static int parse_header(struct kp_data *d, const uint8_t *p, size_t len, size_t *hsize, char *err,
			size_t errlen)
{
	struct pk_perf_header h;
	if (len < sizeof(h))
		return fail(err, errlen, "%zu bytes, shorter than the %zu-byte header (truncated)",
			    len, sizeof(h));
	memcpy(&h, p, sizeof(h));
	if (h.magic != PK_PERF_MAGIC)
		return fail(err, errlen, "not a perfkern perf file (bad magic)");
	if (h.version != PK_PERF_VERSION)
		return fail(err, errlen, "format version %u, this kperf reads %u", h.version,
			    PK_PERF_VERSION);
	if (h.header_size < sizeof(h) || h.header_size > len || (h.header_size & 7))
		return fail(err, errlen, "bad header size %u", h.header_size);
	d->hdr = h;
	d->have_hdr = 1;
	*hsize = h.header_size;
	return 0;
}

int kp_parse_file(struct kp_data *d, const uint8_t *p, size_t len, char *err, size_t errlen)
{
	size_t hs = 0;
	if (parse_header(d, p, len, &hs, err, errlen) < 0)
		return -1;
	return kp_parse_records(d, p + hs, len - hs, err, errlen);
}

/* One line of a log, without CR/LF. */
static const char *next_line(const char **pos, const char *end, size_t *n)
{
	if (*pos >= end)
		return 0;
	const char *s = *pos, *e = memchr(s, '\n', (size_t)(end - s));
	if (!e)
		e = end;
	*pos = e < end ? e + 1 : end;
	*n = (size_t)(e - s);
	while (*n && s[*n - 1] == '\r')
		(*n)--;
	return s;
}

int kp_parse_log(struct kp_data *d, const char *text, size_t len, char *err, size_t errlen)
{
	const char *pos = text, *end = text + len, *l;
	size_t n, blobs = 0;
	while ((l = next_line(&pos, end, &n))) {
		char name[PK_BLOB_NAME_MAX + 1];
		uint64_t blen;
		uint32_t crc;
		if (blob_head_parse(l, n, name, &blen, &crc) < 0 || strncmp(name, "perf.", 5) != 0)
			continue;
		if (blen > PK_BLOB_LEN_MAX)
			return fail(err, errlen, "blob %s: length %llu too large", name,
				    (unsigned long long)blen);
		uint8_t *buf = malloc(blen + 4);
		if (!buf)
			return fail(err, errlen, "out of memory");
		size_t got = 0;
		int ended = 0;
		while ((l = next_line(&pos, end, &n))) {
			if (blob_is_end(l, n, name)) {
				ended = 1;
				break;
			}
			if (got + n / 4 * 3 > blen + 3) {
				free(buf);
				return fail(err, errlen, "blob %s: more data than its %llu bytes",
					    name, (unsigned long long)blen);
			}
			long k = blob_unbase64(l, n, buf + got);
			if (k < 0) {
				free(buf);
				return fail(err, errlen, "blob %s: bad base64 line (corrupt log?)",
					    name);
			}
			got += (size_t)k;
		}
		int rc = 0;
		if (!ended)
			rc = fail(err, errlen, "blob %s: no PKBLOB-END line (truncated log?)",
				  name);
		else if (got != blen)
			rc = fail(err, errlen, "blob %s: %zu bytes, header says %llu", name, got,
				  (unsigned long long)blen);
		else if (blob_crc32(0, buf, got) != crc)
			rc = fail(err, errlen, "blob %s: CRC-32 mismatch (corrupt log)", name);
		else if (got >= 8 && !memcmp(buf, &(uint64_t){PK_PERF_MAGIC}, 8))
			rc = kp_parse_file(d, buf, got, err, errlen);
		else
			rc = kp_parse_records(d, buf, got, err, errlen);
		free(buf);
		if (rc < 0)
			return -1;
		blobs++;
	}
	if (!blobs)
		return fail(err, errlen, "no perf.* blobs in the log");
	if (!d->have_hdr)
		return fail(err, errlen, "perf blobs but no perf header blob");
	return 0;
}

int kp_load(const char *path, struct kp_data *d, char *err, size_t errlen)
{
	memset(d, 0, sizeof(*d));
	FILE *f = fopen(path, "rb");
	if (!f)
		return fail(err, errlen, "%s", strerror(errno));
	uint8_t *buf = 0;
	size_t len = 0, cap = 0;
	for (;;) {
		if (grow((void **)&buf, &cap, len + 65536, 1)) {
			fclose(f);
			free(buf);
			return fail(err, errlen, "out of memory");
		}
		size_t r = fread(buf + len, 1, cap - len, f);
		len += r;
		if (r == 0)
			break;
	}
	int bad = ferror(f);
	fclose(f);
	int rc = bad ? fail(err, errlen, "read error") : kp_parse(d, buf, len, err, errlen);
	free(buf);
	return rc;
}

int kp_parse(struct kp_data *d, const uint8_t *p, size_t len, char *err, size_t errlen)
{
	memset(d, 0, sizeof(*d));
	int rc;
	if (len >= 8 && !memcmp(p, &(uint64_t){PK_PERF_MAGIC}, 8))
		rc = kp_parse_file(d, p, len, err, errlen);
	else if (len == 0)
		rc = fail(err, errlen, "empty file");
	else
		rc = kp_parse_log(d, (const char *)p, len, err, errlen);
	if (rc < 0)
		kp_free(d);
	return rc;
}

const char *kp_task_name(const struct kp_data *d, const struct kp_sample *s)
{
	return s->tname && s->tname <= d->ntn ? d->tnames[s->tname - 1].name : "";
}

const char *kp_mark_task(const struct kp_data *d, const struct kp_mark *m)
{
	return m->tname && m->tname <= d->ntn ? d->tnames[m->tname - 1].name : "";
}

double kp_mark_ms(const struct kp_data *d, const struct kp_mark *m)
{
	if (!d->hdr.tsc_khz)
		return -1;
	uint64_t t0 = m->tsc;
	for (size_t i = 0; i < d->nm; i++)
		if (d->m[i].tsc < t0)
			t0 = d->m[i].tsc;
	for (size_t i = 0; i < d->ns; i++)
		if (d->s[i].source != PK_PERF_SRC_VMM && d->s[i].tsc < t0)
			t0 = d->s[i].tsc;
	return (double)(m->tsc - t0) / (double)d->hdr.tsc_khz;
}

void kp_free(struct kp_data *d)
{
	free(d->m);
	free(d->tnames);
	free(d->s);
	free(d->c);
	free(d->frames);
	memset(d, 0, sizeof(*d));
}
