/* SPDX-License-Identifier: MIT */
/* guest/app/tests_heap.c - in-guest tests of the kernel heap (lib/heap/heap.h):
 * the API's corner cases, and an alloc/free storm on every CPU where each
 * CPU frees what its neighbour allocated (remote frees, reclaimed later).
 * Linked into the image together with the heap once the frame allocator
 * provides pages_alloc (guest/CMakeLists.txt, guest_heap). */
#include "guest/arch/cpu.h"
#include "guest/arch/smp.h"
#include "lib/kstring/kstring.h"
#include "lib/heap/heap.h"
#include "ktest.h"

TEST(heap_api)
{
	void *a = kmalloc(0), *b = kmalloc(0);
	EXPECT(a && b && a != b);
	kfree(a);
	kfree(b);
	kfree(0);
	struct kheap_stats s0, s1;
	kheap_stats(&s0);
	EXPECT(kcalloc((size_t)1 << 40, (size_t)1 << 40) == 0); /* overflow */
	EXPECT(kmalloc((size_t)1 << 50) == 0);			/* exhaustion */
	kheap_stats(&s1);
	EXPECT_EQ(s1.oom, s0.oom + 2);
	for (size_t align = 16; align <= 8192; align <<= 1) {
		void *p = kaligned_alloc(align, 100);
		EXPECT_MSG(p && (uint64_t)p % align == 0, "align %lu: %p", align, p);
		kfree(p);
	}
	uint8_t *p = kmalloc(10);
	for (int i = 0; i < 10; i++)
		p[i] = (uint8_t)i;
	p = krealloc(p, 100000); /* into a large run */
	EXPECT(p != 0);
	for (int i = 0; i < 10; i++)
		EXPECT_EQ(p[i], i);
	EXPECT(kusable_size(p) >= 100000);
	EXPECT(krealloc(p, 0) == 0);
	uint8_t *z = kcalloc(300, 3);
	EXPECT(z != 0);
	for (int i = 0; i < 900; i++)
		EXPECT_EQ(z[i], 0);
	kfree(z);
}

#define STORM_BLOCKS 1000
#define STORM_ROUNDS 4
static uint8_t *(*storm_slot)[STORM_BLOCKS]; /* [cpu][block], from kcalloc */
static volatile uint32_t storm_arrived;

static uint32_t storm_cpus(void)
{
	uint32_t n = 0;
	for (uint32_t c = 0; c < smp_cpu_count; c++)
		n += smp_cpu_online(c) ? 1 : 0;
	return n;
}

/* every online CPU waits here; a generation count makes it reusable */
static int storm_barrier(uint32_t ncpu, uint32_t gen)
{
	__atomic_fetch_add(&storm_arrived, 1, __ATOMIC_ACQ_REL);
	for (uint64_t spins = 0; __atomic_load_n(&storm_arrived, __ATOMIC_ACQUIRE) < ncpu * gen;
	     spins++) {
		if (spins > 2000000000ull)
			return -1;
		cpu_relax();
	}
	return 0;
}

TEST(heap_storm_init)
{
	storm_arrived = 0;
	storm_slot = kcalloc(smp_cpu_count, sizeof(*storm_slot));
	EXPECT(storm_slot != 0);
}

TEST_PERCPU(heap_storm_cross_cpu)
{
	if (!storm_slot)
		SKIP("heap_storm_init failed");
	uint32_t ncpu = storm_cpus(), me = t->cpu, gen = 0;
	uint32_t next = me;
	do /* the next online CPU frees what this one allocated */
		next = (next + 1) % smp_cpu_count;
	while (!smp_cpu_online(next));
	uint64_t s = 0x9e3779b97f4a7c15ull * (me + 1);
	for (int round = 0; round < STORM_ROUNDS; round++) {
		for (int i = 0; i < STORM_BLOCKS; i++) {
			s ^= s << 13;
			s ^= s >> 7;
			s ^= s << 17;
			size_t n = i % 50 == 0 ? 4000 : 16 + s % 240; /* ~one segment per CPU */
			uint8_t *p = kmalloc(n);
			EXPECT_MSG(p != 0, "cpu %u: kmalloc(%lu) failed", me, n);
			memcpy(p, &n, sizeof(n));
			memset(p + sizeof(n), (int)(me + 1), n - sizeof(n));
			storm_slot[me][i] = p;
		}
		EXPECT_MSG(storm_barrier(ncpu, ++gen) == 0, "barrier timeout");
		for (int i = 0; i < STORM_BLOCKS; i++) {
			uint8_t *p = storm_slot[next][i];
			size_t n;
			memcpy(&n, p, sizeof(n));
			EXPECT_MSG(n >= 16 && n <= 4000 && p[n - 1] == (uint8_t)(next + 1) &&
					   kusable_size(p) >= n,
				   "cpu %u: block %d of cpu %u corrupted", me, i, next);
			kfree(p); /* a remote free: next's heap owns the page */
		}
		EXPECT_MSG(storm_barrier(ncpu, ++gen) == 0, "barrier timeout");
	}
}

TEST(heap_storm_done)
{
	kfree(storm_slot);
	storm_slot = 0;
	uint8_t *p = kmalloc(64); /* the heap still works after the storm */
	EXPECT(p != 0);
	kfree(p);
}
