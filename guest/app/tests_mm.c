/* SPDX-License-Identifier: MIT */
/*
 * guest/app/tests_mm.c - in-guest tests of guest/mm: W^X on the kernel
 * image, guard pages, the frame allocator under all CPUs at once, and TLB
 * shootdowns seen from other CPUs. Expected faults are caught with
 * trap_probe() (trap.h): the faulting function is abandoned and the probe
 * reports vector, error code and CR2.
 */
#include "guest/arch/cpu.h"
#include "guest/arch/cpufeat.h"
#include "guest/arch/desc.h"
#include "guest/arch/layout.h"
#include "guest/arch/percpu.h"
#include "guest/arch/smp.h"
#include "guest/arch/trap.h"
#include "guest/arch/tsc.h"
#include "guest/mm/frames.h"
#include "lib/mmu/mmu_walk.h"
#include "lib/heap/pages.h"
#include "guest/mm/paging.h"
#include "guest/arch/paging.h"
#include "guest/arch/mmio.h"
#include "ktest.h"

#define PF 14
#define PF_PRESENT 0x1 /* #PF error code bits, SDM Vol 3A 5.7 */
#define PF_WRITE 0x2
#define PF_FETCH 0x10

/* An address window nothing else maps (PML4 slot 384). */
#define TEST_VA 0xffffc00000000000ull

extern char __kernel_start[], __rodata_start[], __data_start[], __ksyms_start[];
void kernel_main(uint32_t protocol, uint64_t ptr);

static void do_rewrite(void *arg)
{
	volatile uint8_t *p = arg;
	*p = *p; /* harmless if it were allowed */
}

static void do_read(void *arg)
{
	(void)*(volatile uint64_t *)arg;
}

static void do_call(void *arg)
{
	((void (*)(void))arg)();
}

/* `ret` in writable data: executing it must fault when NX is on. */
static uint8_t data_ret[64] __attribute__((aligned(64))) = {0xc3};
static const uint64_t rodata_word = 0x1234;

TEST_PERCPU(wx_text_not_writable)
{
	struct fault_probe p;
	uint8_t *text = (uint8_t *)kernel_main;
	uint8_t before = *text;
	EXPECT_EQ(trap_probe(do_rewrite, text, &p), PF);
	EXPECT_EQ(p.cr2, (uint64_t)text);
	EXPECT_EQ(p.error & (PF_PRESENT | PF_WRITE), PF_PRESENT | PF_WRITE);
	EXPECT_EQ(*text, before);
	EXPECT_EQ(trap_probe(do_rewrite, (void *)&rodata_word, &p), PF);
	EXPECT_EQ(p.cr2, (uint64_t)&rodata_word);
	EXPECT(read_cr0() & (1u << 16)); /* CR0.WP: else supervisor writes ignore R/W */
}

TEST_PERCPU(wx_data_not_executable)
{
	if (!cpu_has(CPUF_NX))
		SKIP("this CPU has no NX (XD) bit");
	EXPECT(rdmsr(MSR_EFER) & EFER_NXE);
	struct fault_probe p;
	EXPECT_EQ(trap_probe(do_call, data_ret, &p), PF);
	EXPECT_EQ(p.cr2, (uint64_t)data_ret);
	EXPECT_EQ(p.rip, (uint64_t)data_ret);
	EXPECT_EQ(p.error & (PF_PRESENT | PF_FETCH), PF_PRESENT | PF_FETCH);
	/* the direct-map alias of kernel text is NX too */
	void *alias = phys_to_virt((uint64_t)kernel_main - PK_KERNEL_VMA);
	EXPECT_EQ(trap_probe(do_call, alias, &p), PF);
	EXPECT_EQ(p.error & PF_FETCH, PF_FETCH);
}

struct wx_scan {
	int bad;
	uint64_t bad_va, text_runs, data_runs;
};

static const uint64_t *scan_read(void *ctx, uint64_t phys)
{
	(void)ctx;
	return phys < direct_map_limit ? phys_to_virt(phys) : 0;
}

static void scan_run(void *ctx, const struct mmu_run *r)
{
	struct wx_scan *s = ctx;
	if (r->bad_table || (r->write && !r->nx)) {
		if (!s->bad++)
			s->bad_va = r->va;
	}
	if (r->va >= (uint64_t)__kernel_start && r->va < (uint64_t)__rodata_start)
		s->text_runs += !r->write && !r->nx;
	if (r->va >= (uint64_t)__data_start && r->va < (uint64_t)__ksyms_start)
		s->data_runs += r->write && r->nx;
}

/* No page anywhere in the live tables is both writable and executable. */
TEST(wx_whole_address_space)
{
	if (!cpu_has(CPUF_NX))
		SKIP("this CPU has no NX (XD) bit");
	struct wx_scan s = {0, 0, 0, 0};
	int n = mmu_walk(read_cr3(), scan_read, 0, scan_run, &s);
	EXPECT(n > 0);
	EXPECT_MSG(!s.bad, "%d W+X or unreadable runs, first at 0x%lx", s.bad, s.bad_va);
	EXPECT(s.text_runs >= 1);
	EXPECT(s.data_runs >= 1);
	EXPECT_EQ(read_cr3() & 0x000ffffffffff000ull, paging_root_phys);
}

TEST_PERCPU(guard_pages_below_stacks)
{
	struct percpu *c = this_cpu();
	struct fault_probe p;
	uint64_t guard = c->stack_lo - STACK_GUARD;
	EXPECT_EQ(trap_probe(do_read, (void *)guard, &p), PF);
	EXPECT_EQ(p.cr2, guard);
	EXPECT_EQ(p.error & PF_PRESENT, 0);
	EXPECT_EQ(paging_query(guard, 0, 0, 0), PG_ENOENT);
	/* the stack itself is there, right above the guard */
	EXPECT_EQ(trap_probe(do_read, (void *)c->stack_lo, &p), -1);
	for (int i = 0; i < IST_COUNT; i++) {
		uint64_t ist = (uint64_t)desc_ist_block(c->index) + (uint64_t)i * IST_STRIDE;
		EXPECT_EQ(trap_probe(do_read, (void *)ist, &p), PF);
		EXPECT_EQ(trap_probe(do_read, (void *)(ist + STACK_GUARD), &p), -1);
		EXPECT_EQ(c->tss.ist[i], ist + IST_STRIDE);
	}
}

/* Every CPU allocates and frees at once; each block carries its owner's
 * pattern, so a page handed to two CPUs shows up as a foreign word. */
TEST_PERCPU(frames_storm_all_cpus)
{
	enum { SLOTS = 24, ROUNDS = 800 };
	void *blk[SLOTS] = {0};
	size_t len[SLOTS] = {0};
	uint64_t seed = 0x9e3779b97f4a7c15ull * (t->cpu + 1), got = 0;
	uint64_t tag = 0xf4a3e000000000ull | t->cpu;
	for (int r = 0; r < ROUNDS; r++) {
		seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
		unsigned s = (unsigned)(seed % SLOTS);
		if (blk[s]) {
			uint64_t *w = blk[s];
			for (size_t i = 0; i < len[s] / 8; i += 512)
				EXPECT_MSG(w[i] == (tag ^ i), "cpu %u: block %p word %zu is 0x%lx",
					   t->cpu, blk[s], i, w[i]);
			pages_free(blk[s], len[s]);
			blk[s] = 0;
			continue;
		}
		unsigned k = (unsigned)(seed >> 32) % 16;
		len[s] = k < 13 ? PAGE_SIZE * (1 + k % 4) : PAGE_2M;
		blk[s] = pages_alloc(len[s], k == 15 ? PAGE_2M : PAGE_SIZE);
		if (!blk[s])
			continue;
		got++;
		uint64_t *w = blk[s];
		for (size_t i = 0; i < len[s] / 8; i += 512)
			w[i] = tag ^ i;
	}
	for (unsigned s = 0; s < SLOTS; s++)
		if (blk[s])
			pages_free(blk[s], len[s]);
	EXPECT_MSG(got > ROUNDS / 4, "cpu %u: only %lu allocations succeeded", t->cpu, got);
}

TEST(frames_counters)
{
	struct frame_alloc before, after;
	frames_stats(&before);
	void *p = pages_alloc(PAGE_2M, PAGE_2M);
	EXPECT(p != 0);
	EXPECT_EQ((uint64_t)p & (PAGE_2M - 1), 0);
	frames_stats(&after);
	EXPECT_EQ(before.free_pages - after.free_pages, 512);
	pages_free(p, PAGE_2M);
	pages_free(p, PAGE_2M); /* double free: refused and counted, no corruption */
	frames_stats(&after);
	EXPECT_EQ(after.free_pages, before.free_pages);
	EXPECT_EQ(after.bad_frees, before.bad_frees + 1);
	EXPECT(pages_alloc(after.total_pages * PAGE_SIZE * 2, PAGE_SIZE) == 0);
	frames_stats(&after);
	EXPECT_EQ(after.bad_requests + after.fails, before.bad_requests + before.fails + 1);
	/* nothing below 1 MiB, nothing inside the kernel image */
	for (int i = 0; i < 64; i++) {
		void *q = pages_alloc(PAGE_SIZE, PAGE_SIZE);
		uint64_t pa = (uint64_t)q - PK_DIRECT_MAP_BASE;
		EXPECT(q != 0);
		EXPECT_MSG(pa >= (1u << 20), "got 0x%lx", pa);
		EXPECT_MSG(pa + PAGE_SIZE <= (uint64_t)__kernel_start - PK_KERNEL_VMA ||
				   pa >= (uint64_t)__ksyms_start - PK_KERNEL_VMA,
			   "0x%lx is inside the kernel image", pa);
		pages_free(q, PAGE_SIZE);
	}
}

TEST(paging_api)
{
	uint64_t pa_page = (uint64_t)pages_alloc(PAGE_SIZE, PAGE_SIZE) - PK_DIRECT_MAP_BASE;
	EXPECT(pa_page + PK_DIRECT_MAP_BASE != 0);
	EXPECT_EQ(paging_map(TEST_VA + 1, pa_page, PAGE_SIZE, PG_WRITE), PG_EINVAL);
	EXPECT_EQ(paging_map(0x0000800000000000ull, pa_page, PAGE_SIZE, 0), PG_EINVAL);
	EXPECT_EQ(paging_map(TEST_VA, pa_page, PAGE_SIZE, PG_WRITE), 0);
	EXPECT_EQ(paging_map(TEST_VA, pa_page, PAGE_SIZE, PG_WRITE), PG_EEXIST);
	uint64_t pa = 0, size = 0;
	unsigned fl = 0;
	EXPECT_EQ(paging_query(TEST_VA + 8, &pa, &fl, &size), 0);
	EXPECT_EQ(pa, pa_page + 8);
	EXPECT_EQ(fl, PG_WRITE);
	EXPECT_EQ(size, PAGE_SIZE);
	EXPECT_EQ(paging_protect(TEST_VA, 2 * PAGE_SIZE, 0), PG_ENOENT); /* half a hole */
	EXPECT_EQ(paging_protect(TEST_VA, PAGE_SIZE, 0), 0);
	struct fault_probe p;
	EXPECT_EQ(trap_probe(do_rewrite, (void *)TEST_VA, &p), PF);
	EXPECT_EQ(paging_unmap(TEST_VA, PAGE_SIZE), 0);
	EXPECT_EQ(paging_query(TEST_VA, 0, 0, 0), PG_ENOENT);
	pages_free(phys_to_virt(pa_page), PAGE_SIZE);
	/* guard a page in the middle of the direct map's 1 GiB/2 MiB pages */
	uint8_t *buf = pages_alloc(4 * PAGE_SIZE, PAGE_SIZE);
	EXPECT(buf != 0);
	EXPECT_EQ(paging_guard(buf + PAGE_SIZE), 0);
	EXPECT_EQ(trap_probe(do_read, buf + PAGE_SIZE, &p), PF);
	EXPECT_EQ(trap_probe(do_read, buf, &p), -1);
	EXPECT_EQ(trap_probe(do_read, buf + 2 * PAGE_SIZE, &p), -1);
	EXPECT_EQ(paging_unguard(buf + PAGE_SIZE), 0);
	EXPECT_EQ(trap_probe(do_read, buf + PAGE_SIZE, &p), -1);
	pages_free(buf, 4 * PAGE_SIZE);
}

/* ---- shootdowns: one CPU changes a mapping, the others must see it ---- */

struct sd_job {
	uint64_t va;
	int vector; /* what the access raised (-1: none) */
	uint64_t value;
	int write;
};

static void sd_touch(void *arg)
{
	struct sd_job *j = arg;
	struct fault_probe p;
	if (j->write) {
		j->vector = trap_probe(do_rewrite, (void *)j->va, &p);
	} else {
		j->vector = trap_probe(do_read, (void *)j->va, &p);
		if (j->vector < 0)
			j->value = *(volatile uint64_t *)j->va;
	}
}

static void sd_unmap(void *arg)
{
	struct sd_job *j = arg;
	j->vector = paging_unmap(j->va, PAGE_SIZE);
}

static void sd_protect_ro(void *arg)
{
	struct sd_job *j = arg;
	j->vector = paging_protect(j->va, PAGE_SIZE, 0);
}

static int on_cpu(uint32_t cpu, void (*fn)(void *), void *arg)
{
	smp_call(cpu, fn, arg);
	return smp_call_wait(cpu, 5000);
}

/* Map, let every CPU cache the translation, change it from CPU `actor`,
 * then every other CPU must fault. */
static void shootdown_case(struct ktest_ctx *t, unsigned slot, uint64_t map_size,
			   void (*change)(void *), int write_after)
{
	uint32_t n = smp_cpu_count, actor = 1;
	uint8_t *mem = pages_alloc(map_size, map_size);
	EXPECT(mem != 0);
	uint64_t pa = (uint64_t)mem - PK_DIRECT_MAP_BASE;
	uint64_t va = TEST_VA + (slot + 1) * PAGE_1G; /* own window: a failed case leaks */
	uint64_t off = map_size > PAGE_SIZE ? PAGE_SIZE : 0, target = va + off;
	*(volatile uint64_t *)(mem + off) = 0x5d5d5d5d;
	EXPECT_EQ(paging_map(va, pa, map_size, PG_WRITE), 0);
	static struct sd_job jobs[PK_MAX_CPUS];
	for (uint32_t c = 0; c < n; c++) {
		jobs[c] = (struct sd_job){target, 0, 0, 0};
		EXPECT_EQ(on_cpu(c, sd_touch, &jobs[c]), 0);
		EXPECT_MSG(jobs[c].vector == -1, "cpu %u faulted (%d) before the change", c,
			   jobs[c].vector);
		EXPECT_EQ(jobs[c].value, 0x5d5d5d5d);
	}
	uint64_t shots = paging_stats.shootdowns;
	struct sd_job ch = {target, 0, 0, 0};
	EXPECT_EQ(on_cpu(actor, change, &ch), 0);
	EXPECT_EQ(ch.vector, 0);
	for (uint32_t c = 0; c < n; c++) {
		jobs[c] = (struct sd_job){target, 0, 0, write_after};
		EXPECT_EQ(on_cpu(c, sd_touch, &jobs[c]), 0);
		EXPECT_MSG(jobs[c].vector == PF, "cpu %u still reached the old mapping (%d)", c,
			   jobs[c].vector);
	}
	EXPECT(paging_stats.shootdowns > shots);
	if (map_size > PAGE_SIZE) { /* the rest of the split large page is intact */
		struct sd_job nb = {va, 0, 0, 0};
		EXPECT_EQ(on_cpu(n - 1, sd_touch, &nb), 0);
		EXPECT_EQ(nb.vector, -1);
	}
	EXPECT_EQ(paging_unmap(va, map_size), 0);
	pages_free(mem, map_size);
}

/* PG_TRACK_DIRTY: the CPU sets D on the first write (SDM Vol 3A 4.8), the
 * walk finds exactly the written pages; paging_set_dirty marks one the CPU
 * did not write; a mapping without the flag is "written" from the start;
 * a 2 MiB page is one unit. */
TEST(paging_dirty_tracking)
{
	uint64_t va = TEST_VA + 41 * PAGE_1G, n = 0, end = va + 4 * PAGE_SIZE;
	uint8_t *mem = pages_alloc(4 * PAGE_2M, PAGE_2M);
	EXPECT(mem != 0);
	uint64_t pa = (uint64_t)mem - PK_DIRECT_MAP_BASE;
	EXPECT_EQ(paging_map(va, pa, 4 * PAGE_SIZE, PG_WRITE | PG_TRACK_DIRTY), 0);
	EXPECT_EQ(paging_next_dirty(va, end, &n), end);
	EXPECT_EQ(n, 0);
	*(volatile uint8_t *)(va + 2 * PAGE_SIZE + 5) = 1;
	EXPECT_EQ(paging_next_dirty(va, end, &n), va + 2 * PAGE_SIZE);
	EXPECT_EQ(n, PAGE_SIZE);
	paging_set_dirty(va + 3 * PAGE_SIZE, PAGE_SIZE);
	EXPECT_EQ(paging_next_dirty(va, end, &n), va + 2 * PAGE_SIZE);
	EXPECT_EQ(n, 2 * PAGE_SIZE);
	/* a hole after the mapping ends the run; the window is clipped */
	EXPECT_EQ(paging_next_dirty(va, end + PAGE_2M, &n), va + 2 * PAGE_SIZE);
	EXPECT_EQ(n, 2 * PAGE_SIZE);
	EXPECT_EQ(paging_next_dirty(va + 3 * PAGE_SIZE + 8, end, &n), va + 3 * PAGE_SIZE + 8);
	EXPECT_EQ(n, PAGE_SIZE - 8);
	EXPECT_EQ(paging_unmap(va, 4 * PAGE_SIZE), 0);
	/* no flag: written from the start */
	EXPECT_EQ(paging_map(va, pa, PAGE_SIZE, PG_WRITE), 0);
	EXPECT_EQ(paging_next_dirty(va, va + PAGE_SIZE, &n), va);
	EXPECT_EQ(n, PAGE_SIZE);
	EXPECT_EQ(paging_unmap(va, PAGE_SIZE), 0);
	/* 2 MiB pages: one byte dirties the page */
	uint64_t big = va + PAGE_2M;
	EXPECT_EQ(paging_map(big, pa + PAGE_2M, 2 * PAGE_2M, PG_WRITE | PG_TRACK_DIRTY), 0);
	uint64_t size = 0;
	EXPECT_EQ(paging_query(big, 0, 0, &size), 0);
	EXPECT_EQ(size, PAGE_2M);
	EXPECT_EQ(paging_next_dirty(big, big + 2 * PAGE_2M, &n), big + 2 * PAGE_2M);
	*(volatile uint8_t *)(big + PAGE_2M + (1u << 20)) = 1;
	EXPECT_EQ(paging_next_dirty(big, big + 2 * PAGE_2M, &n), big + PAGE_2M);
	EXPECT_EQ(n, PAGE_2M);
	EXPECT_EQ(paging_unmap(big, 2 * PAGE_2M), 0);
	pages_free(mem, 4 * PAGE_2M);
}

/* An emptied page table makes way for a large page: it is unlinked, kept
 * until the shootdown has run on every CPU, then freed (table_pages goes
 * back down), and every CPU reads through the new large page. */
TEST(paging_emptied_table_freed_after_shootdown)
{
	uint64_t va = TEST_VA + 40 * PAGE_1G; /* a window of its own */
	uint8_t *big = pages_alloc(PAGE_2M, PAGE_2M);
	EXPECT(big != 0);
	uint64_t pa = (uint64_t)big - PK_DIRECT_MAP_BASE;
	*(volatile uint64_t *)(big + PAGE_SIZE) = 0x7777;
	EXPECT_EQ(paging_map(va + PAGE_SIZE, pa + PAGE_SIZE, PAGE_SIZE, PG_WRITE), 0);
	uint64_t with_pt = paging_stats.table_pages;
	EXPECT_EQ(paging_unmap(va + PAGE_SIZE, PAGE_SIZE), 0);
	uint64_t shots = paging_stats.shootdowns;
	EXPECT_EQ(paging_map(va, pa, PAGE_2M, PG_WRITE), 0);
	EXPECT_EQ(paging_stats.table_pages, with_pt - 1);
	if (smp_cpu_count > 1)
		EXPECT(paging_stats.shootdowns > shots);
	uint64_t size = 0;
	EXPECT_EQ(paging_query(va + PAGE_SIZE, 0, 0, &size), 0);
	EXPECT_EQ(size, PAGE_2M);
	static struct sd_job jobs[PK_MAX_CPUS];
	for (uint32_t c = 0; c < smp_cpu_count; c++) {
		jobs[c] = (struct sd_job){va + PAGE_SIZE, 0, 0, 0};
		EXPECT_EQ(on_cpu(c, sd_touch, &jobs[c]), 0);
		EXPECT_MSG(jobs[c].vector == -1 && jobs[c].value == 0x7777,
			   "cpu %u: vector %d value 0x%lx", c, jobs[c].vector, jobs[c].value);
	}
	EXPECT_EQ(paging_unmap(va, PAGE_2M), 0);
	pages_free(big, PAGE_2M);
}

TEST(shootdown_unmap_4k)
{
	if (smp_cpu_count < 2)
		SKIP("needs 2 CPUs, have %u", smp_cpu_count);
	shootdown_case(t, 0, PAGE_SIZE, sd_unmap, 0);
}

TEST(shootdown_unmap_inside_2m_page)
{
	if (smp_cpu_count < 2)
		SKIP("needs 2 CPUs, have %u", smp_cpu_count);
	shootdown_case(t, 1, PAGE_2M, sd_unmap, 0);
}

TEST(shootdown_protect_readonly)
{
	if (smp_cpu_count < 2)
		SKIP("needs 2 CPUs, have %u", smp_cpu_count);
	shootdown_case(t, 2, PAGE_SIZE, sd_protect_ro, 1);
}
