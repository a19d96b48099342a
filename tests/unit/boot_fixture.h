/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/boot_fixture.h - fake loader memory for the boot-information
 * tests (test_memmap.c, test_bootparse.c). map() hands out exact-size heap
 * copies so ASan reports any read past the length the parser asked for.
 */
#ifndef PK_TESTS_BOOT_FIXTURE_H
#define PK_TESTS_BOOT_FIXTURE_H

#include <check.h>

#include "check_run.h"
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/bootparse/bootparse.h"

#define FAKE_BASE 0x100000ull
#define FAKE_SIZE 0x10000u
#define PVH_SI (FAKE_BASE + 0x0)
#define PVH_MAP (FAKE_BASE + 0x1000)
#define PVH_CMD (FAKE_BASE + 0x3000)
#define MBI (FAKE_BASE + 0x8000)
#define MAX_BLOCKS 8192

static _Alignas(4096) unsigned char fake[FAKE_SIZE];
static void *blocks[MAX_BLOCKS];
static int nblocks;
static int ctx_token; /* map() must get the ctx the caller passed */
#define CTX ((void *)&ctx_token)
static struct pk_bootinfo bi; /* 4 KiB: static rather than on the stack */
static const char *why;	      /* reason of the last failed call */

/* The call fails with exactly this reason. */
#define FAILS(call, msg)                                                                           \
	do {                                                                                       \
		ck_assert_int_eq((call), -1);                                                      \
		ck_assert_str_eq(why, (msg));                                                      \
	} while (0)

static inline const void *fake_map(uint64_t phys, uint64_t len, void *ctx)
{
	ck_assert_ptr_eq(ctx, CTX);
	ck_assert_msg(len > 0, "map() asked for 0 bytes");
	if (phys < FAKE_BASE || phys - FAKE_BASE > FAKE_SIZE ||
	    len > FAKE_SIZE - (phys - FAKE_BASE))
		return NULL;
	ck_assert_int_lt(nblocks, MAX_BLOCKS);
	void *b = malloc(len);
	ck_assert_ptr_nonnull(b);
	memcpy(b, fake + (phys - FAKE_BASE), len);
	blocks[nblocks++] = b;
	return b;
}

static inline void fake_setup(void)
{
	memset(fake, 0, sizeof(fake));
	nblocks = 0;
}

static inline void fake_teardown(void)
{
	while (nblocks)
		free(blocks[--nblocks]);
}

static inline void *at(uint64_t phys)
{
	return fake + (phys - FAKE_BASE);
}

struct run {
	uint64_t base, len;
	uint32_t type;
};

static inline void expect_map(const struct pk_bootinfo *bi, const struct run *r, uint32_t n)
{
	ck_assert_uint_eq(bi->memmap_count, n);
	for (uint32_t i = 0; i < n; i++) {
		const struct pk_memmap_entry *m = &bi->memmap[i];
		ck_assert_msg(m->base == r[i].base && m->length == r[i].len && m->type == r[i].type,
			      "entry %u: got %#llx+%#llx type %u, want %#llx+%#llx type %u", i,
			      (unsigned long long)m->base, (unsigned long long)m->length, m->type,
			      (unsigned long long)r[i].base, (unsigned long long)r[i].len,
			      r[i].type);
	}
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;
/* Deterministic xorshift for the fuzz tests. */
static inline uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

/* One Check suite over `tests`, with the fake memory reset around each. */
static inline int run_tests(const char *name, const TTest *const *tests, size_t n)
{
	Suite *s = suite_create(name);
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, fake_setup, fake_teardown);
	tcase_set_timeout(tc, 60);
	for (size_t i = 0; i < n; i++)
		_tcase_add_test(tc, tests[i], 0, 0, 0, 1);
	suite_add_tcase(s, tc);
	return check_run(s);
}

#endif
