/* SPDX-License-Identifier: MIT */
/*
 * guest/app/bench_pages.c - run=bench-pages: memory latency by page size.
 *
 * One physical buffer (pages_mib=N MiB, default 1024; halved until it can
 * be allocated) holds a random cyclic permutation of its 64-byte lines
 * (Sattolo's algorithm: one cycle through every line, so the chase visits
 * the whole buffer and no prefetcher can guess the next line). The same
 * frames are mapped at one virtual window with 4 KiB, 2 MiB and (with
 * pdpe1gb) 1 GiB pages in turn, and a pointer chase of loads=N dependent
 * loads is timed with the TSC, median of reps=N. Only the page size
 * changes between variants: TLB reach and page-walk depth are what is
 * measured. One line per variant:
 *   pages: page=2M buffer_mib=1024 loads=4000000 ns_per_load=83.10 cycles_per_load=215.7
 */
#include "guest/kernel/console.h"
#include "guest/arch/cpu.h"
#include "guest/arch/cpufeat.h"
#include "guest/arch/layout.h"
#include "guest/arch/mmio.h"
#include "guest/arch/tsc.h"
#include "guest/kernel/param.h"
#include "lib/cmdline/cmdline.h"
#include "lib/heap/pages.h"
#include "guest/mm/paging.h"
#include "app.h"

#define BENCH_VA 0xffffc80000000000ull /* PML4 slot 400: nothing else there */
#define LINE 64

static uint64_t rng_state = 0x2545f4914f6cdd1dull;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* line i's first word = byte offset of the next line in one big cycle */
static void bench_build_cycle(uint8_t *buf, uint64_t lines)
{
	for (uint64_t i = 0; i < lines; i++)
		*(uint64_t *)(buf + i * LINE) = i * LINE;
	for (uint64_t i = lines - 1; i > 0; i--) {
		uint64_t j = rng() % i; /* j < i: Sattolo, a single cycle */
		uint64_t *a = (uint64_t *)(buf + i * LINE), *b = (uint64_t *)(buf + j * LINE);
		uint64_t t = *a;
		*a = *b;
		*b = t;
	}
}

static uint64_t __attribute__((noinline))
bench_chase(const uint8_t *base, uint64_t loads, uint64_t *pos)
{
	uint64_t off = *pos;
	uint64_t t0 = rdtsc_ordered();
	for (uint64_t i = 0; i < loads; i++)
		off = *(const volatile uint64_t *)(base + off);
	uint64_t dt = rdtsc_ordered() - t0;
	*pos = off;
	return dt;
}

PK_PARAM(pages_mib, "bench-pages: working set in MiB (power of two >= 4)");
PK_PARAM(loads, "bench-pages: dependent loads per measurement");
PK_PARAM(reps, "bench-pages: repeats, 1..15");

static int bench_pages_run(const char *cmdline)
{
	uint64_t mib = cmdline_get_uint(cmdline, "pages_mib", 1024),
		 loads = cmdline_get_uint(cmdline, "loads", 4000000);
	uint64_t reps = cmdline_get_uint(cmdline, "reps", 3);
	if (mib < 4 || (mib & (mib - 1)) || !loads || !reps || reps > 15) {
		kprintf("bench-pages: pages_mib must be a power of two >= 4, loads > 0, "
			"reps 1..15\n");
		return PK_EXIT_BAD_CMDLINE;
	}
	/* a 1 GiB-aligned GiB when 1 GiB pages exist (the buffer is its start) */
	int have_1g = cpu_has(CPUF_PDPE1GB);
	uint64_t bytes = mib << 20, block = 0;
	uint8_t *mem = 0;
	for (; bytes >= (4ull << 20) && !mem; bytes >>= 1) {
		block = have_1g && bytes <= PAGE_1G ? PAGE_1G : bytes;
		mem = pages_alloc(block, block < PAGE_1G ? block : PAGE_1G);
		if (!mem && block != bytes) {
			block = bytes; /* no whole GiB free: no 1 GiB variant */
			mem = pages_alloc(block, block < PAGE_1G ? block : PAGE_1G);
		}
		if (mem)
			break;
	}
	if (!mem) {
		kprintf("bench-pages: cannot allocate even 4 MiB\n");
		return PK_EXIT_TESTS_FAILED;
	}
	uint64_t pa = (uint64_t)mem - PK_DIRECT_MAP_BASE, lines = bytes / LINE;
	kprintf("bench-pages: %lu MiB buffer at 0x%lx (%lu lines), %lu loads x %lu reps\n",
		bytes >> 20, pa, lines, loads, reps);
	uint64_t t0 = rdtsc();
	bench_build_cycle(mem, lines);
	kprintf("bench-pages: cycle built in %lu ms\n", tsc_cycles_to_us(rdtsc() - t0) / 1000);

	static const struct {
		const char *name;
		uint64_t page;
		unsigned flags;
	} variants[] = {{"4K", 4096, PG_MAX_4K}, {"2M", PAGE_2M, PG_MAX_2M}, {"1G", PAGE_1G, 0}};
	int rc = PK_EXIT_OK;
	for (unsigned v = 0; v < 3; v++) {
		uint64_t map = bytes;
		if (variants[v].page == PAGE_1G) {
			if (!have_1g || block < PAGE_1G) {
				kprintf("pages: page=1G skipped: %s\n",
					have_1g ? "no free 1 GiB-aligned GiB" : "no pdpe1gb");
				continue;
			}
			map = PAGE_1G;
		}
		int e = paging_map(BENCH_VA, pa, map, PG_WRITE | variants[v].flags);
		uint64_t got = 0;
		if (e || paging_query(BENCH_VA, 0, 0, &got) || got != variants[v].page) {
			kprintf("bench-pages: mapping with %s pages failed (%d, page %lu)\n",
				variants[v].name, e, got);
			rc = PK_EXIT_TESTS_FAILED;
			paging_unmap(BENCH_VA, map);
			continue;
		}
		const uint8_t *base = (const uint8_t *)BENCH_VA;
		uint64_t pos = 0, best[15];
		bench_chase(base, loads / 4 + 1, &pos); /* warm caches and TLB */
		for (uint64_t r = 0; r < reps; r++) {
			uint64_t c = bench_chase(base, loads, &pos);
			uint64_t i = r;
			for (; i > 0 && best[i - 1] > c; i--) /* insertion sort */
				best[i] = best[i - 1];
			best[i] = c;
		}
		uint64_t med = best[reps / 2];
		uint64_t ps_per_load = med * 1000000 / tsc_khz * 1000 / loads; /* picoseconds */
		uint64_t ccl = med * 10 / loads;
		kprintf("pages: page=%s buffer_mib=%lu loads=%lu ns_per_load=%lu.%02lu "
			"cycles_per_load=%lu.%lu\n",
			variants[v].name, bytes >> 20, loads, ps_per_load / 1000,
			ps_per_load % 1000 / 10, ccl / 10, ccl % 10);
		paging_unmap(BENCH_VA, map);
	}
	pages_free(mem, block);
	return rc;
}
APP("bench-pages", bench_pages_run, "pointer-chase latency, 4K vs 2M vs 1G pages");
