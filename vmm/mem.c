/* SPDX-License-Identifier: MIT */
/*
 * vmm/mem.c - guest RAM in one host mapping, huge-page backed when the
 * host allows.
 *
 * The host zeroes a huge page on its first touch, so a boot pays for every
 * whole 2 MiB (or 1 GiB) page it touches, not for the bytes it uses: a
 * probe boot touches 288 KiB in four 2 MiB pages. auto therefore boots on
 * 4 KiB pages and turns the 2 MiB chunks the boot touched into huge pages
 * afterwards, off the boot path (mem_collapse, MADV_COLLAPSE, Linux 6.1):
 * the main thread does it once every vCPU is online plus a short delay,
 * while the guest runs, and later faults get THP directly. On a kernel
 * without MADV_COLLAPSE auto takes hugetlb 2 MiB, then THP at fault time,
 * then 4 KiB. 1 GiB pages only when asked for (--hugepages 1G): tens of
 * milliseconds of zeroing for the GiB the kernel boots in.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "vmm.h"

#ifndef MAP_HUGE_SHIFT
#define MAP_HUGE_SHIFT 26
#endif
#define MAP_HUGE_2M (21 << MAP_HUGE_SHIFT)
#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25 /* Linux 6.1 uapi/asm-generic/mman-common.h */
#endif
#define CHUNK (2ull << 20)
#define MAP_HUGE_1G (30 << MAP_HUGE_SHIFT)

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

static void *mem_map_hugetlb(uint64_t size, int flag)
{
	void *p = mmap(0, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | flag, -1, 0);
	return p == MAP_FAILED ? 0 : p;
}

/* advice: MADV_HUGEPAGE (THP at fault time) or MADV_NOHUGEPAGE (4 KiB
 * until mem_collapse) */
static void *mem_map_thp(uint64_t size, uint64_t *mapped, int advice)
{
	/* over-map by 2 MiB so the guest's RAM starts on a huge-page boundary */
	uint64_t len = size + (2ull << 20);
	uint8_t *p = mmap(0, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return 0;
	uint8_t *a = (uint8_t *)align_up((uint64_t)p, 2ull << 20);
	if (a > p)
		munmap(p, (size_t)(a - p));
	uint8_t *end = p + len, *aend = a + size;
	if (end > aend)
		munmap(aend, (size_t)(end - aend));
	if (madvise(a, size, advice) < 0) {
		munmap(a, size);
		return 0;
	}
	*mapped = size;
	return a;
}

int mem_alloc(struct guest_mem *m, uint64_t size, enum hugepage_mode mode)
{
	memset(m, 0, sizeof(*m));
	m->size = size;
	m->low = size < MEM_HOLE_START ? size : MEM_HOLE_START;
	m->high = size - m->low;
	uint64_t mapped = 0;
	void *p = 0;
	if (mode == HP_AUTO && (p = mem_map_thp(size, &mapped, MADV_NOHUGEPAGE))) {
		/* madvise of length 0 succeeds exactly when the kernel knows the
		 * advice (before 6.1: EINVAL, and auto goes on as it did) */
		if (madvise(p, 0, MADV_COLLAPSE) == 0) {
			m->backing = "4K until booted, then THP";
			m->collapse_pending = true;
		} else {
			munmap(p, mapped);
			p = 0;
		}
	}
	if (!p && mode == HP_1G) {
		mapped = align_up(size, 1ull << 30);
		if ((p = mem_map_hugetlb(mapped, MAP_HUGE_1G)))
			m->backing = "hugetlb 1G";
	}
	if (!p && (mode == HP_AUTO || mode == HP_2M)) {
		mapped = align_up(size, 2ull << 20);
		if ((p = mem_map_hugetlb(mapped, MAP_HUGE_2M)))
			m->backing = "hugetlb 2M";
	}
	if (!p && (mode == HP_AUTO || mode == HP_THP)) {
		if ((p = mem_map_thp(size, &mapped, MADV_HUGEPAGE)))
			m->backing = "THP";
	}
	if (!p && (mode == HP_AUTO || mode == HP_OFF)) {
		mapped = size;
		p = mmap(0, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (p == MAP_FAILED) {
			p = 0;
		} else {
			m->backing = "4K";
			/* really 4 KiB: with THP "always" the host would otherwise
			 * zero a 2 MiB page on every first touch */
			madvise(p, size, MADV_NOHUGEPAGE);
		}
	}
	/* anonymous memory of 4 KiB or THP pages can take a file mapping over
	 * part of it (load.c maps a kernel's read-only segments); hugetlb not */
	m->file_maps = p && strncmp(m->backing, "hugetlb", 7) != 0;
	if (!p) {
		int err = errno;
		static const char *const names[] = {"any page size", "hugetlb 1G", "hugetlb 2M",
						    "THP", "4K pages"};
		fprintf(stderr, "vmm: cannot allocate %llu MiB of guest memory with %s: %s%s\n",
			(unsigned long long)(size >> 20), names[mode], strerror(err),
			mode == HP_1G || mode == HP_2M
				? " (reserve pages in /proc/sys/vm/nr_hugepages or use --hugepages "
				  "auto)"
				: "");
		return -ENOMEM;
	}
	m->host = p;
	m->mapped = mapped;
	return 0;
}

void mem_free(struct guest_mem *m)
{
	if (m->host)
		munmap(m->host, m->mapped);
	m->host = 0;
}

void mem_collapse(struct guest_mem *m)
{
	if (!m->collapse_pending)
		return;
	m->collapse_pending = false;
	/* from now on a first touch gets a huge page directly */
	if (madvise(m->host, m->mapped, MADV_HUGEPAGE) < 0)
		return;
	unsigned char vec[CHUNK / 4096];
	for (uint64_t off = 0; off + CHUNK <= m->mapped; off += CHUNK) {
		if (mincore(m->host + off, CHUNK, vec) < 0)
			break;
		bool touched = false;
		for (size_t i = 0; i < sizeof(vec) && !touched; i++)
			touched = vec[i] & 1;
		if (!touched)
			continue; /* collapsing it would zero 2 MiB nobody asked for */
		if (off < m->file_hi && off + CHUNK > m->file_lo)
			continue; /* the kernel's file pages (load.c): not anonymous */
		m->chunks_touched++;
		if (madvise(m->host + off, CHUNK, MADV_COLLAPSE) == 0)
			m->chunks_collapsed++;
		else
			m->collapse_errno = errno;
	}
}

void *mem_ptr(const struct guest_mem *m, uint64_t gpa, uint64_t len)
{
	if (gpa < m->low)
		return len <= m->low - gpa ? m->host + gpa : 0;
	if (gpa >= MEM_HIGH_START && gpa - MEM_HIGH_START < m->high) {
		uint64_t off = gpa - MEM_HIGH_START;
		return len <= m->high - off ? m->host + m->low + off : 0;
	}
	return 0;
}

int mem_copy_in(const struct guest_mem *m, uint64_t gpa, uint64_t len, void *dst)
{
	const void *p = mem_ptr(m, gpa, len);
	if (!p)
		return -EFAULT;
	memcpy(dst, p, len);
	return 0;
}

int mem_copy_out(const struct guest_mem *m, uint64_t gpa, uint64_t len, const void *src)
{
	void *p = mem_ptr(m, gpa, len);
	if (!p)
		return -EFAULT;
	memcpy(p, src, len);
	return 0;
}

const uint64_t *mem_read_table(void *guest_mem, uint64_t phys)
{
	return mem_ptr(guest_mem, phys & ~0xfffull, 4096);
}

int mem_smaps(const struct guest_mem *m, int fd, uint64_t *kernel_page_kb, uint64_t *anon_huge_kb)
{
	FILE *f = fd >= 0 ? fdopen(fd, "r") : fopen("/proc/self/smaps", "r");
	if (!f)
		return -errno;
	char line[256];
	int in = 0, found = 0;
	uint64_t base = (uint64_t)m->host, end = base + m->mapped;
	*anon_huge_kb = 0;
	/* every mapping inside guest RAM (a kernel's read-only segments are
	 * file mappings of their own, load.c); the page size of the first */
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 &&
		    strchr(line, '-') < strchr(line, ' ')) {
			in = lo < end && hi > base;
			found += in;
			continue;
		}
		if (!in)
			continue;
		unsigned long v;
		if (found == 1 && sscanf(line, "KernelPageSize: %lu kB", &v) == 1)
			*kernel_page_kb = v;
		else if (sscanf(line, "AnonHugePages: %lu kB", &v) == 1)
			*anon_huge_kb += v;
	}
	fclose(f);
	return found ? 0 : -ENOENT;
}
