/* SPDX-License-Identifier: MIT */
/* tools/kperf/perf_report.c - aggregation and folding (perf_report.h). */
#include "perf_report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *kp_sym_name(const struct elf_syms *s, uint64_t addr)
{
	const char *n = s ? elf_syms_lookup(s, addr, 0) : 0;
	return n ? n : "[unknown]";
}

static int key_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int row_cmp(const void *a, const void *b)
{
	const struct kp_row *x = a, *y = b;
	if (x->samples != y->samples)
		return x->samples > y->samples ? -1 : 1;
	return strcmp(x->key, y->key);
}

/* Count equal keys: keys[] is consumed (freed or moved into rows). */
static int count_keys(char **keys, size_t nk, struct kp_row **rows, size_t *n)
{
	qsort(keys, nk, sizeof(*keys), key_cmp);
	struct kp_row *r = calloc(nk ? nk : 1, sizeof(*r));
	if (!r) {
		for (size_t i = 0; i < nk; i++)
			free(keys[i]);
		return -1;
	}
	size_t m = 0;
	for (size_t i = 0; i < nk; i++) {
		if (m && !strcmp(r[m - 1].key, keys[i])) {
			r[m - 1].samples++;
			free(keys[i]);
		} else {
			r[m++] = (struct kp_row){keys[i], 1};
		}
	}
	*rows = r;
	*n = m;
	return 0;
}

int kp_aggregate(const struct kp_data *d, const struct elf_syms *s, enum kp_sort sort,
		 unsigned source, struct kp_row **rows, size_t *n, uint64_t *total)
{
	char **keys = calloc(d->ns ? d->ns : 1, sizeof(*keys));
	if (!keys)
		return -1;
	size_t nk = 0;
	for (size_t i = 0; i < d->ns; i++) {
		const struct kp_sample *x = &d->s[i];
		if (source && x->source != source)
			continue;
		const char *sym = kp_sym_name(s, x->rip);
		char buf[256];
		if (sort == KP_SORT_CPU)
			snprintf(buf, sizeof(buf), "%u\t%s", x->cpu, sym);
		else if (sort == KP_SORT_TASK && kp_task_name(d, x)[0])
			/* by name, as perf's comm: threads of one name share rows */
			snprintf(buf, sizeof(buf), "%s\t%s", kp_task_name(d, x), sym);
		else if (sort == KP_SORT_TASK && !x->task)
			snprintf(buf, sizeof(buf), "[executor]\t%s", sym); /* no task ran */
		else if (sort == KP_SORT_TASK)
			snprintf(buf, sizeof(buf), "%#lx\t%s", (unsigned long)x->task, sym);
		else
			snprintf(buf, sizeof(buf), "%s", sym);
		if (!(keys[nk] = strdup(buf)))
			break;
		nk++;
	}
	*total = nk;
	int rc = count_keys(keys, nk, rows, n);
	free(keys);
	if (!rc)
		qsort(*rows, *n, sizeof(**rows), row_cmp);
	return rc;
}

int kp_fold(const struct kp_data *d, const struct elf_syms *s, unsigned source,
	    struct kp_row **rows, size_t *n)
{
	char **keys = calloc(d->ns ? d->ns : 1, sizeof(*keys));
	if (!keys)
		return -1;
	size_t nk = 0;
	for (size_t i = 0; i < d->ns; i++) {
		const struct kp_sample *x = &d->s[i];
		if (source && x->source != source)
			continue;
		char buf[4096];
		size_t used = 0;
		buf[0] = 0;
		/* frames are return addresses: ret - 1 lies in the calling function */
		for (unsigned k = x->depth; k-- > 0;) {
			const char *f = kp_sym_name(s, d->frames[x->frames + k] - 1);
			int w = snprintf(buf + used, sizeof(buf) - used, "%s;", f);
			if (w < 0 || (size_t)w >= sizeof(buf) - used)
				break;
			used += (size_t)w;
		}
		snprintf(buf + used, sizeof(buf) - used, "%s", kp_sym_name(s, x->rip));
		if (!(keys[nk] = strdup(buf)))
			break;
		nk++;
	}
	int rc = count_keys(keys, nk, rows, n);
	free(keys);
	return rc;
}

void kp_rows_free(struct kp_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(rows[i].key);
	free(rows);
}
