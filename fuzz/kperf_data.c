/* SPDX-License-Identifier: MIT */
/*
 * fuzz/kperf_data.c - kperf's input parser (tools/kperf/perf_data.c:
 * kp_parse, what kp_load runs on a file's bytes: a record file, or a
 * console log with framed PKBLOB perf blobs decoded by lib/blob/blob.c),
 * then the report and folded-stack aggregation over what it accepted,
 * against a small symbol table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/kperf/perf_data.h"
#include "tools/kperf/perf_report.h"
#include "lib/elfsym/elfsym.h"

static struct elf_syms syms;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!syms.n) {
		/* the kernel window's addresses, as in a real recording */
		static const uint64_t addr[] = {0xffffffff80200000, 0xffffffff80201000,
						0xffffffff80208000};
		static const uint64_t len[] = {0x1000, 0x7000, 0x100};
		static const char *const name[] = {"kernel_main", "perfcheck_hot_a", "sched;odd"};
		if (elf_syms_from(&syms, addr, len, name, 3) < 0)
			abort();
	}
	uint8_t *buf = malloc(size ? size : 1); /* exact size: ASan sees overreads */
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	struct kp_data d;
	char err[256] = "";
	if (kp_parse(&d, buf, size, err, sizeof(err)) < 0) {
		if (!err[0]) {
			fprintf(stderr, "kperf_data fuzz: refusal without a reason\n");
			abort();
		}
		free(buf);
		return 0;
	}
	for (size_t i = 0; i < d.ns; i++)
		if (d.s[i].frames + d.s[i].depth > d.nframes) {
			fprintf(stderr, "kperf_data fuzz: sample %zu frames past the array\n", i);
			abort();
		}
	struct kp_row *rows = 0;
	size_t n = 0;
	uint64_t total = 0;
	unsigned source = size ? data[0] % PK_PERF_SRC_COUNT : 0;
	if (kp_aggregate(&d, &syms, (enum kp_sort)(size % 3), source, &rows, &n, &total) == 0) {
		uint64_t sum = 0;
		for (size_t i = 0; i < n; i++)
			sum += rows[i].samples;
		if (sum != total) {
			fprintf(stderr, "kperf_data fuzz: rows sum to %lu, total %lu\n",
				(unsigned long)sum, (unsigned long)total);
			abort();
		}
	}
	kp_rows_free(rows, n);
	rows = 0;
	n = 0;
	if (kp_fold(&d, &syms, source, &rows, &n) == 0)
		kp_rows_free(rows, n);
	kp_free(&d);
	free(buf);
	return 0;
}
