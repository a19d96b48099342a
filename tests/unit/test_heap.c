/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_heap.c - the heap (lib/heap/heap*.c) on the host: every
 * size class and alignment, realloc content, usable sizes, calloc
 * overflow, random operations against a shadow model, cross-thread frees.
 *
 * Three builds (tests/CMakeLists.txt): unit.heap calls the k* API under
 * ASan/UBSan (the heap is not the process's malloc there); unit.heap-debug
 * adds KHEAP_DEBUG and its misuse reports; heap.libkheap is built without
 * sanitizers, links build/lib/libkheap.so and tests it through malloc & co.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <check.h>
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "check_run.h"
#include "lib/heap/heap.h"

/* sizes the compiler must not see (-Walloc-size-larger-than) */
static volatile size_t big_max = SIZE_MAX, big_half = SIZE_MAX / 2, big_33 = (size_t)1 << 33;

#ifdef TEST_VIA_LIBC /* the real libkheap.so through the C API */
#include <malloc.h>
#define kmalloc malloc
#define kfree free
#define kcalloc calloc
#define krealloc realloc
#define kaligned_alloc aligned_alloc
#define kusable_size(p) malloc_usable_size((void *)(p))
static void stats(struct kheap_stats *s)
{
	void (*fn)(struct kheap_stats *) =
		(void (*)(struct kheap_stats *))dlsym(RTLD_DEFAULT, "kheap_get_stats");
	ck_assert_msg(fn, "libkheap.so is not the process's allocator");
	fn(s);
}
#else
#define stats kheap_stats
#endif

static const size_t class_sizes[] = {
	16,    32,    48,    64,    80,	   96,	  112,	 128,	144,   160,   176,   192,
	208,   224,   240,   256,   320,   384,	  448,	 512,	640,   768,   896,   1024,
	1280,  1536,  1792,  2048,  2560,  3072,  3584,	 4096,	5120,  6144,  7168,  8192,
	10240, 12288, 14336, 16384, 20480, 24576, 28672, 32768, 40960, 49152, 57344, 65536};

static void fill(void *p, size_t n, unsigned seed)
{
	unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		b[i] = (unsigned char)(seed + i * 7);
}

static int check_fill(const void *p, size_t n, unsigned seed)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		if (b[i] != (unsigned char)(seed + i * 7))
			return 0;
	return 1;
}

START_TEST(every_class)
{
	for (size_t c = 0; c < sizeof(class_sizes) / sizeof(class_sizes[0]); c++) {
		size_t sz = class_sizes[c];
		size_t probes[] = {sz - 1, sz, sz + 1};
		for (int k = 0; k < 3; k++) {
			size_t n = probes[k];
			void *v[40];
			for (int i = 0; i < 40; i++) {
				v[i] = kmalloc(n);
				ck_assert_ptr_nonnull(v[i]);
				ck_assert_uint_eq((uintptr_t)v[i] % 16, 0);
				ck_assert_uint_ge(kusable_size(v[i]), n);
				if (n % 64 == 0 && n <= 65536)
					ck_assert_msg(
						(uintptr_t)v[i] % 64 == 0,
						"size %zu (a cache-line class) not 64-aligned", n);
				fill(v[i], n, (unsigned)(i + c));
			}
			for (int i = 0; i < 40; i++) {
				ck_assert_msg(check_fill(v[i], n, (unsigned)(i + c)),
					      "block of %zu overwritten", n);
				for (int j = 0; j < i; j++)
					if (v[i] == v[j])
						ck_abort_msg("size %zu: block handed out twice", n);
			}
			for (int i = 0; i < 40; i++)
				kfree(v[i]);
		}
	}
	/* large objects */
	for (size_t n = 65537; n < (8u << 20); n = n * 3 + 11) {
		void *p = kmalloc(n);
		ck_assert_ptr_nonnull(p);
		ck_assert_uint_ge(kusable_size(p), n);
		fill(p, n, 3);
		ck_assert(check_fill(p, n, 3));
		kfree(p);
	}
}
END_TEST

START_TEST(zero_and_null)
{
	void *a = kmalloc(0), *b = kmalloc(0);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	ck_assert_ptr_ne(a, b);
	kfree(a);
	kfree(b);
	kfree(0);
	ck_assert_uint_eq(kusable_size(0), 0);
	void *p = kmalloc(100);
	ck_assert_ptr_null(krealloc(p, 0)); /* frees, as glibc */
	p = krealloc(0, 50);
	ck_assert_ptr_nonnull(p);
	kfree(p);
}
END_TEST

START_TEST(alignments)
{
	for (size_t align = 1; align <= (8u << 20); align <<= 1) {
		size_t sizes[] = {1, 24, 100, align, align + 1, 70000};
		for (int k = 0; k < 6; k++) {
			void *p = kaligned_alloc(align, sizes[k]);
			ck_assert_ptr_nonnull(p);
			ck_assert_msg((uintptr_t)p % align == 0, "align %zu size %zu: %p", align,
				      sizes[k], p);
			ck_assert_uint_ge(kusable_size(p), sizes[k]);
			fill(p, sizes[k], 9);
			ck_assert(check_fill(p, sizes[k], 9));
			kfree(p);
		}
	}
	errno = 0;
	ck_assert_ptr_null(kaligned_alloc(48, 10));
	ck_assert_ptr_null(kaligned_alloc(0, 10));
#ifdef TEST_VIA_LIBC
	ck_assert_int_eq(errno, EINVAL);
	void *p = (void *)1;
	ck_assert_int_eq(posix_memalign(&p, 24, 10), EINVAL);
	ck_assert_int_eq(posix_memalign(&p, 4096, 10), 0);
	ck_assert_uint_eq((uintptr_t)p % 4096, 0);
	free(p);
	ck_assert_int_eq(posix_memalign(&p, 64, big_max - 100), ENOMEM);
	p = memalign(48, 10); /* glibc rounds to 64 */
	ck_assert_uint_eq((uintptr_t)p % 64, 0);
	free(p);
	p = valloc(10);
	ck_assert_uint_eq((uintptr_t)p % 4096, 0);
	free(p);
	p = pvalloc(5000);
	ck_assert_uint_eq((uintptr_t)p % 4096, 0);
	ck_assert_uint_ge(malloc_usable_size(p), 8192);
	free(p);
#endif
}
END_TEST

START_TEST(realloc_content)
{
	size_t n = 1;
	unsigned char *p = kmalloc(n);
	fill(p, n, 5);
	/* grow through every class into large objects, keeping the content */
	while (n < (3u << 20)) {
		size_t m = n + n / 3 + 1;
		p = krealloc(p, m);
		ck_assert_ptr_nonnull(p);
		ck_assert_msg(check_fill(p, n, 5), "content lost growing %zu -> %zu", n, m);
		fill(p, m, 5);
		n = m;
	}
	while (n > 1) {
		size_t m = n / 2;
		p = krealloc(p, m);
		ck_assert_ptr_nonnull(p);
		ck_assert_uint_ge(kusable_size(p), m);
		ck_assert_msg(check_fill(p, m, 5), "content lost shrinking to %zu", m);
		n = m;
	}
	kfree(p);
	/* a failing realloc leaves the block alone */
	p = kmalloc(64);
	fill(p, 64, 1);
	errno = 0;
	ck_assert_ptr_null(krealloc(p, big_max - 4096));
	ck_assert_int_eq(errno, ENOMEM);
	ck_assert(check_fill(p, 64, 1));
	kfree(p);
}
END_TEST

START_TEST(calloc_and_oom)
{
	struct kheap_stats s0, s1;
	stats(&s0);
	errno = 0;
	ck_assert_ptr_null(kcalloc(big_half, 3));
	ck_assert_int_eq(errno, ENOMEM);
	errno = 0;
	ck_assert_ptr_null(kcalloc(big_33, big_33));
	ck_assert_int_eq(errno, ENOMEM);
	errno = 0;
	ck_assert_ptr_null(kmalloc(big_max));
	ck_assert_int_eq(errno, ENOMEM);
	ck_assert_ptr_null(kmalloc((size_t)1 << 50));
	stats(&s1);
	ck_assert_uint_ge(s1.oom, s0.oom + 4);
	/* calloc zeroes, also on recycled blocks and large runs */
	for (size_t n = 8; n < (4u << 20); n = n * 5 + 3) {
		unsigned char *d = kmalloc(n);
		memset(d, 0xab, n);
		kfree(d);
		unsigned char *z = kcalloc(n, 1);
		ck_assert_ptr_nonnull(z);
		size_t nz = 0; /* one assertion per block: each ck_assert costs a write() */
		while (nz < n && z[nz] == 0)
			nz++;
		ck_assert_msg(nz == n, "calloc(%zu) byte %zu not zero", n, nz);
		kfree(z);
	}
}
END_TEST

/* Pages of [p, p + n) that are resident */
static size_t resident_pages(const void *p, size_t n)
{
	const uintptr_t pg = 4096, a = (uintptr_t)p & ~(pg - 1);
	size_t np = ((uintptr_t)p + n - a + pg - 1) / pg, k = 0;
	unsigned char *vec = calloc(np, 1);
	ck_assert_int_eq(mincore((void *)a, np * pg, vec), 0);
	for (size_t i = 0; i < np; i++)
		k += vec[i] & 1;
	free(vec);
	return k;
}

/* Freed large runs are reused without new mappings (lib/heap/heap_large.c):
 * a big cached run is split for a smaller object and its tail serves the
 * next; neighbours freed merge back into one run; an object bigger than
 * any cached run grows the largest one, whose pages stay faulted in. */
START_TEST(large_runs_split_merge_grow)
{
	const size_t M = 1u << 20;
	struct kheap_stats s0, s1;
	char *big = kmalloc(8 * M);
	ck_assert_ptr_nonnull(big);
	memset(big, 1, 8 * M);
	__asm__ volatile("" ::"r"(big) : "memory"); /* not a dead store before free */
	const uintptr_t at = (uintptr_t)big;	    /* an address only, from here on */
	kfree(big);
	stats(&s0);
	char *a = kmalloc(M);	  /* the head, 2 MiB */
	char *b = kmalloc(5 * M); /* the rest of the 8 MiB run */
	stats(&s1);
	ck_assert_uint_eq((uintptr_t)a, at);
	ck_assert_uint_eq((uintptr_t)b, at + 2 * M);
	ck_assert_uint_eq(s1.seg_alloc, s0.seg_alloc);
	kfree(a);
	kfree(b);
	char *c = kmalloc(7 * M); /* the two merged again */
	stats(&s1);
	ck_assert_uint_eq((uintptr_t)c, at);
	ck_assert_uint_eq(s1.seg_alloc, s0.seg_alloc);
	kfree(c);
	char *d = kmalloc(12 * M); /* grows the 8 MiB run: its pages are kept */
	ck_assert_ptr_nonnull(d);
	ck_assert_uint_ge(kusable_size(d), 12 * M);
	ck_assert_uint_ge(resident_pages(d, 8 * M - 4096), 2048 - 2);
	memset(d, 2, 12 * M);
	kfree(d);
}
END_TEST

/* Random operations against a shadow model of what every slot holds. */
START_TEST(random_vs_shadow)
{
	enum { SLOTS = 512, OPS = 60000 };
	static void *ptr[SLOTS];
	static size_t len[SLOTS];
	static unsigned seed[SLOTS];
	uint64_t s = 0x1234567;
	for (int op = 0; op < OPS; op++) {
		s ^= s << 13;
		s ^= s >> 7;
		s ^= s << 17;
		unsigned k = (unsigned)(s % SLOTS);
		unsigned what = (unsigned)(s >> 20) % 8;
		size_t n = (s >> 32) % ((s >> 29) % 16 == 0 ? 200000 : 1200);
		if (ptr[k]) {
			ck_assert_msg(check_fill(ptr[k], len[k], seed[k]),
				      "slot %u corrupted at op %d", k, op);
			if (what < 3) {
				kfree(ptr[k]);
				ptr[k] = 0;
				continue;
			}
			if (what < 5 && n) {
				void *q = krealloc(ptr[k], n);
				ck_assert_ptr_nonnull(q);
				size_t keep = n < len[k] ? n : len[k];
				ck_assert(check_fill(q, keep, seed[k]));
				ptr[k] = q;
				len[k] = n;
				seed[k] = (unsigned)op;
				fill(q, n, seed[k]);
				continue;
			}
			kfree(ptr[k]);
		}
		if (what == 5) {
			ptr[k] = kcalloc(1, n);
			ck_assert_ptr_nonnull(ptr[k]);
			size_t nz = 0;
			while (nz < n && ((unsigned char *)ptr[k])[nz] == 0)
				nz++;
			ck_assert_uint_eq(nz, n);
		} else if (what == 6) {
			size_t align = (size_t)16 << ((s >> 40) % 9);
			ptr[k] = kaligned_alloc(align, n);
			ck_assert_ptr_nonnull(ptr[k]);
			ck_assert_uint_eq((uintptr_t)ptr[k] % align, 0);
		} else {
			ptr[k] = kmalloc(n);
			ck_assert_ptr_nonnull(ptr[k]);
		}
		ck_assert_uint_ge(kusable_size(ptr[k]), n);
		len[k] = n;
		seed[k] = (unsigned)op;
		fill(ptr[k], n, seed[k]);
	}
	for (int k = 0; k < SLOTS; k++) {
		if (ptr[k])
			ck_assert(check_fill(ptr[k], len[k], seed[k]));
		kfree(ptr[k]);
		ptr[k] = 0;
	}
}
END_TEST

/* Producers allocate, consumers on other threads check and free. */
#define PC_RING 1024
#define PC_PER_PRODUCER 150000
struct pc {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	void *ring[PC_RING];
	size_t head, tail;
	int producers_left;
	int bad;
};

static void *producer(void *arg)
{
	struct pc *pc = arg;
	uint64_t s = (uintptr_t)&s;
	for (int i = 0; i < PC_PER_PRODUCER; i++) {
		s = s * 6364136223846793005ull + 1442695040888963407ull;
		size_t n = 16 + (s >> 40) % ((s >> 35) % 64 == 0 ? 100000 : 600);
		unsigned char *p = kmalloc(n);
		if (!p) {
			pc->bad = 1;
			break;
		}
		memcpy(p, &n, sizeof(n));
		p[n - 1] = (unsigned char)n;
		pthread_mutex_lock(&pc->mu);
		while (pc->head - pc->tail == PC_RING)
			pthread_cond_wait(&pc->cv, &pc->mu);
		pc->ring[pc->head++ % PC_RING] = p;
		pthread_cond_broadcast(&pc->cv);
		pthread_mutex_unlock(&pc->mu);
	}
	pthread_mutex_lock(&pc->mu);
	pc->producers_left--;
	pthread_cond_broadcast(&pc->cv);
	pthread_mutex_unlock(&pc->mu);
	return 0;
}

static void *consumer(void *arg)
{
	struct pc *pc = arg;
	for (;;) {
		pthread_mutex_lock(&pc->mu);
		while (pc->head == pc->tail && pc->producers_left)
			pthread_cond_wait(&pc->cv, &pc->mu);
		if (pc->head == pc->tail) {
			pthread_mutex_unlock(&pc->mu);
			return 0;
		}
		unsigned char *p = pc->ring[pc->tail++ % PC_RING];
		pthread_cond_broadcast(&pc->cv);
		pthread_mutex_unlock(&pc->mu);
		size_t n;
		memcpy(&n, p, sizeof(n));
		if (n < 16 || n > 100016 || p[n - 1] != (unsigned char)n || kusable_size(p) < n)
			__atomic_store_n(&pc->bad, 1, __ATOMIC_RELAXED);
		kfree(p);
	}
}

START_TEST(threads_cross_free)
{
	static struct pc pc = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};
	pc.producers_left = 2;
	pthread_t t[4];
	pthread_create(&t[0], 0, producer, &pc);
	pthread_create(&t[1], 0, producer, &pc);
	pthread_create(&t[2], 0, consumer, &pc);
	pthread_create(&t[3], 0, consumer, &pc);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], 0);
	ck_assert_int_eq(pc.bad, 0);
	ck_assert_uint_eq(pc.head, 2 * PC_PER_PRODUCER);
}
END_TEST

static void *short_thread(void *arg)
{
	void **keep = arg;
	for (int i = 0; i < 1000; i++)
		kfree(kmalloc(100 + i));
	*keep = kmalloc(200); /* outlives the thread: freed by main */
	return 0;
}

/* Exited threads' heaps are adopted by later threads, not leaked. */
START_TEST(thread_exit_recycles)
{
	struct kheap_stats s0, s1;
	kfree(kmalloc(1));
	stats(&s0);
	for (int i = 0; i < 40; i++) {
		void *keep = 0;
		pthread_t t;
		pthread_create(&t, 0, short_thread, &keep);
		pthread_join(t, 0);
		ck_assert_ptr_nonnull(keep);
		kfree(keep);
	}
	stats(&s1);
	ck_assert_msg(s1.heaps - s0.heaps <= 2, "40 sequential threads made %llu heaps",
		      (unsigned long long)(s1.heaps - s0.heaps));
}
END_TEST

#ifdef KHEAP_DEBUG
START_TEST(debug_double_free)
{
	void *p = kmalloc(40);
	void *q = kmalloc(40); /* keeps the page from being retired */
	kfree(p);
	kfree(p); /* reported, abort() */
	kfree(q);
}
END_TEST

START_TEST(debug_double_free_large)
{
	void *p = kmalloc(1 << 20);
	kfree(p);
	kfree(p);
}
END_TEST

START_TEST(debug_foreign)
{
	static char not_ours[64];
	kfree(not_ours + 16);
}
END_TEST

START_TEST(debug_interior)
{
	char *p = kmalloc(100);
	kfree(p + 16);
}
END_TEST
#endif

int main(void)
{
	Suite *s = suite_create("heap");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, every_class);
	tcase_add_test(tc, zero_and_null);
	tcase_add_test(tc, alignments);
	tcase_add_test(tc, realloc_content);
	tcase_add_test(tc, calloc_and_oom);
	tcase_add_test(tc, large_runs_split_merge_grow);
	tcase_add_test(tc, random_vs_shadow);
	tcase_add_test(tc, threads_cross_free);
	tcase_add_test(tc, thread_exit_recycles);
	suite_add_tcase(s, tc);
#ifdef KHEAP_DEBUG
	TCase *dbg = tcase_create("debug");
	tcase_add_test_raise_signal(dbg, debug_double_free, SIGABRT);
	tcase_add_test_raise_signal(dbg, debug_double_free_large, SIGABRT);
	tcase_add_test_raise_signal(dbg, debug_foreign, SIGABRT);
	tcase_add_test_raise_signal(dbg, debug_interior, SIGABRT);
	suite_add_tcase(s, dbg);
#endif
	return check_run(s);
}
