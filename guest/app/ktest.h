/* SPDX-License-Identifier: MIT */
/*
 * guest/app/ktest.h - the in-guest test framework (kvm-unit-tests style
 * output). A TEST() lands in the linker section pk_tests; run=tests runs
 * them all (test=SUBSTRING filters by name) and prints
 *   PASS name | FAIL name: reason (file:line) | SKIP name: reason
 * then exactly one line "N passed, N failed, N skipped". Exit code 0 only
 * when nothing failed. TEST_PERCPU() runs the body on every online CPU;
 * it fails if any CPU fails.
 */
#ifndef PK_APP_KTEST_H
#define PK_APP_KTEST_H

#include <stdint.h>

struct ktest_ctx {
	uint32_t cpu;
	int failed, skipped;
	const char *file;
	int line;
	char reason[160];
};

struct ktest {
	const char *name;
	void (*fn)(struct ktest_ctx *t);
	uint32_t flags;
	uint32_t line; /* tests run in source order: (file, line) */
	const char *file;
};
#define KTEST_PERCPU 1u

#define KTEST_DEFINE(tname, tflags)                                                                \
	static void ktest_fn_##tname(struct ktest_ctx *t);                                         \
	static const struct ktest ktest_##tname                                                    \
		__attribute__((used, section("pk_tests"), aligned(8))) = {                         \
			#tname, ktest_fn_##tname, tflags, __LINE__, __FILE__};                     \
	static void ktest_fn_##tname(struct ktest_ctx *t)

#define TEST(name) KTEST_DEFINE(name, 0)
#define TEST_PERCPU(name) KTEST_DEFINE(name, KTEST_PERCPU)

void ktest_fail(struct ktest_ctx *t, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void ktest_skip(struct ktest_ctx *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Each check ends the test body on failure (first failure is reported). */
#define EXPECT(cond)                                                                               \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			ktest_fail(t, __FILE__, __LINE__, "%s", #cond);                            \
			return;                                                                    \
		}                                                                                  \
	} while (0)

#define EXPECT_MSG(cond, ...)                                                                      \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			ktest_fail(t, __FILE__, __LINE__, __VA_ARGS__);                            \
			return;                                                                    \
		}                                                                                  \
	} while (0)

#define EXPECT_EQ(a, b)                                                                            \
	do {                                                                                       \
		uint64_t ea_ = (uint64_t)(a), eb_ = (uint64_t)(b);                                 \
		if (ea_ != eb_) {                                                                  \
			ktest_fail(t, __FILE__, __LINE__, "%s == %s: 0x%lx != 0x%lx", #a, #b, ea_, \
				   eb_);                                                           \
			return;                                                                    \
		}                                                                                  \
	} while (0)

#define SKIP(...)                                                                                  \
	do {                                                                                       \
		ktest_skip(t, __VA_ARGS__);                                                        \
		return;                                                                            \
	} while (0)

#endif
