/* SPDX-License-Identifier: MIT */
/* guest/app/ktest.c - runs the registered in-guest tests. */
#include "ktest.h"

#include "guest/arch/trap.h"

#include "guest/kernel/console.h"
#include "guest/arch/layout.h"
#include "guest/arch/percpu.h"
#include "guest/arch/smp.h"
#include "guest/kernel/param.h"
#include "lib/cmdline/cmdline.h"
#include "lib/kstring/kstring.h"
#include "lib/printf/printf.h"
#include "app.h"

extern const struct ktest __start_pk_tests[], __stop_pk_tests[];

/* A per-CPU test body that does not finish within this is a failure. */
#define KTEST_CPU_TIMEOUT_MS 20000

void ktest_fail(struct ktest_ctx *t, const char *file, int line, const char *fmt, ...)
{
	if (t->failed)
		return;
	va_list ap;
	va_start(ap, fmt);
	pk_vsnprintf(t->reason, sizeof(t->reason), fmt, ap);
	va_end(ap);
	t->failed = 1;
	t->file = file;
	t->line = line;
}

void ktest_skip(struct ktest_ctx *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	pk_vsnprintf(t->reason, sizeof(t->reason), fmt, ap);
	va_end(ap);
	t->skipped = 1;
}

struct ktest_job {
	const struct ktest *test;
	struct ktest_ctx ctx;
};
static struct ktest_job ktest_jobs[PK_MAX_CPUS];

static void ktest_run_job(void *arg)
{
	struct ktest_job *j = arg;
	j->ctx.cpu = this_cpu()->index;
	j->test->fn(&j->ctx);
}

/* Run one test (on every CPU if per-CPU); fill *out with the verdict. */
static void ktest_run_one(const struct ktest *test, struct ktest_ctx *out)
{
	memset(out, 0, sizeof(*out));
	if (!(test->flags & KTEST_PERCPU)) {
		out->cpu = 0;
		test->fn(out);
		return;
	}
	uint32_t n = smp_cpu_count;
	for (uint32_t cpu = 0; cpu < n; cpu++) {
		memset(&ktest_jobs[cpu], 0, sizeof(ktest_jobs[cpu]));
		ktest_jobs[cpu].test = test;
		if (cpu != 0 && smp_cpu_online(cpu))
			smp_call(cpu, ktest_run_job, &ktest_jobs[cpu]);
	}
	ktest_run_job(&ktest_jobs[0]); /* the BSP does its share meanwhile */
	int skipped_all = 1;
	for (uint32_t cpu = 0; cpu < n && !out->failed; cpu++) {
		struct ktest_ctx *c = &ktest_jobs[cpu].ctx;
		if (cpu != 0 && !smp_cpu_online(cpu))
			continue;
		if (cpu != 0 && smp_call_wait(cpu, KTEST_CPU_TIMEOUT_MS) < 0) {
			out->failed = 1;
			out->file = __FILE__;
			out->line = __LINE__;
			pk_snprintf(out->reason, sizeof(out->reason),
				    "cpu %u did not finish within %u ms", cpu,
				    KTEST_CPU_TIMEOUT_MS);
			return;
		}
		if (c->failed) {
			*out = *c;
			char tmp[sizeof(out->reason)];
			pk_snprintf(tmp, sizeof(tmp), "cpu %u: %s", cpu, c->reason);
			pk_strlcpy(out->reason, tmp, sizeof(out->reason));
		} else if (!c->skipped) {
			skipped_all = 0;
		} else if (!out->reason[0]) {
			pk_snprintf(out->reason, sizeof(out->reason), "%s", c->reason);
		}
	}
	if (!out->failed && skipped_all)
		out->skipped = 1;
}

static int name_contains(const char *name, const char *part)
{
	size_t n = strlen(part);
	for (; *name; name++)
		if (strncmp(name, part, n) == 0)
			return 1;
	return 0;
}

static int ktest_before(const struct ktest *a, const struct ktest *b)
{
	int c = strcmp(a->file, b->file);
	return c < 0 || (c == 0 && a->line < b->line);
}

PK_PARAM(test, "run=tests: only the tests whose name contains this");

static int ktest_run_all(const char *cmdline)
{
	char filter[64] = "";
	cmdline_get(cmdline, "test", filter, sizeof(filter));
	/* The linker keeps sections in object order but the compiler may emit
	 * a file's tests in any order: sort by (file, line) for a stable run. */
	static const struct ktest *order[512];
	size_t n = 0;
	for (const struct ktest *test = __start_pk_tests; test < __stop_pk_tests; test++) {
		if (n == sizeof(order) / sizeof(order[0])) {
			kprintf("FAIL ktest: more than %zu tests registered\n", n);
			return PK_EXIT_TESTS_FAILED;
		}
		size_t i = n++;
		for (; i > 0 && ktest_before(test, order[i - 1]); i--)
			order[i] = order[i - 1];
		order[i] = test;
	}
	unsigned passed = 0, failed = 0, skipped = 0;
	for (size_t k = 0; k < n; k++) {
		const struct ktest *test = order[k];
		if (filter[0] && !name_contains(test->name, filter))
			continue;
		struct ktest_ctx r;
		ktest_run_one(test, &r);
		if (r.failed) {
			failed++;
			kprintf("FAIL %s: %s (%s:%d)\n", test->name, r.reason, r.file, r.line);
		} else if (r.skipped) {
			skipped++;
			kprintf("SKIP %s: %s\n", test->name, r.reason);
		} else {
			passed++;
			kprintf("PASS %s\n", test->name);
		}
	}
	if (irq_hlt_skipped)
		kprintf("ktest: note: %lu interrupts hit the HLT after STI (platform lost the "
			"interrupt shadow; worked around)\n",
			(unsigned long)irq_hlt_skipped);
	kprintf("%u passed, %u failed, %u skipped\n", passed, failed, skipped);
	return failed ? PK_EXIT_TESTS_FAILED : PK_EXIT_OK;
}
APP("tests", ktest_run_all, "in-guest test suite (test=SUBSTRING filters)");
