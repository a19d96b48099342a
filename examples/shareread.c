/* SPDX-License-Identifier: MIT */
/*
 * examples/shareread.c - small reads from a file, and what they see of
 * writes made meanwhile (docs/programs.md "Host files: what a program
 * sees"). `shareread FILE` reads FILE 64 bytes at a time and prints its
 * size and FNV-1a hash; `shareread -w FILE` then checks that reads through
 * one descriptor see what a write, a truncation and an append through
 * another one of the same program changed, at once, and that
 * MADV_DONTNEED makes anonymous memory read back as zero whoever wrote it:
 * the program, or a read() from FILE into it. FILE must be at least 64
 * KiB; -w changes it. Exit 0 when every check held.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static int bad;

static void check(const char *what, int ok)
{
	printf("shareread: %s: %s\n", what, ok ? "ok" : "WRONG");
	bad += !ok;
}

static int hash_file(const char *path)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return perror(path), 1;
	uint64_t h = 0xcbf29ce484222325ull, total = 0;
	char buf[64];
	ssize_t n;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < n; i++)
			h = (h ^ (uint8_t)buf[i]) * 0x100000001b3ull;
		total += (uint64_t)n;
	}
	close(fd);
	if (n < 0)
		return perror(path), 1;
	printf("shareread: %llu bytes in 64-byte reads, fnv %016llx\n", (unsigned long long)total,
	       (unsigned long long)h);
	return 0;
}

static int all_zero(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

/* MADV_DONTNEED on private anonymous memory: everything reads back as zero,
 * the pages the program wrote, those a read() from the file filled, and
 * those never touched; a write after it sticks. The kernel clears only
 * what was written (paging.h PG_TRACK_DIRTY): this is what must not miss
 * anything. 8 MiB + 4 KiB like a glibc thread stack. */
static int dontneed_zeroes(const char *path)
{
	size_t len = (8u << 20) + 4096;
	unsigned char *m = mmap(0, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int fd = open(path, O_RDONLY);
	if (m == MAP_FAILED || fd < 0)
		return perror("dontneed"), 1;
	for (size_t off = 0; off < len; off += 1 << 20)
		m[off + 123] = 0x5a;				 /* a byte in every MiB */
	ssize_t got = pread(fd, m + (3u << 20) + 100, 65536, 0); /* past the read-ahead window */
	check("a 64 KiB read into anonymous memory",
	      got == 65536 && !all_zero(m + (3u << 20), 65636));
	check("MADV_DONTNEED: all of it reads back as zero",
	      !madvise(m, len, MADV_DONTNEED) && all_zero(m, len));
	m[len - 1] = 7;
	check("a write after MADV_DONTNEED is kept", m[len - 1] == 7 && all_zero(m, len - 1));
	check("MADV_DONTNEED again", !madvise(m, len, MADV_DONTNEED) && all_zero(m, len));
	close(fd);
	munmap(m, len);
	return 0;
}

/* Reads through r after changes through w. */
static int writes_seen(const char *path)
{
	int r = open(path, O_RDONLY), w = open(path, O_RDWR);
	if (r < 0 || w < 0)
		return perror(path), 1;
	char a[64], b[64];
	if (read(r, a, sizeof(a)) != 64) /* the window now holds what follows */
		return printf("shareread: %s: shorter than 64 bytes\n", path), 1;
	if (pwrite(w, "perfkern", 8, 100) != 8)
		return perror("pwrite"), 1;
	check("a write through another fd, inside what was read ahead",
	      read(r, b, sizeof(b)) == 64 && !memcmp(b + 36, "perfkern", 8));
	if (ftruncate(w, 200))
		return perror("ftruncate"), 1;
	check("a truncation: reads end at the new size",
	      pread(r, b, sizeof(b), 150) == 50 && pread(r, b, sizeof(b), 200) == 0);
	if (pwrite(w, "tail", 4, 200) != 4)
		return perror("append"), 1;
	check("an append: the new bytes are read",
	      pread(r, b, 8, 196) == 8 && !memcmp(b + 4, "tail", 4));
	close(r);
	close(w);
	return 0;
}

int main(int argc, char **argv)
{
	int writes = argc == 3 && !strcmp(argv[1], "-w");
	if (argc != 2 + writes) {
		fprintf(stderr, "usage: shareread [-w] FILE\n");
		return 2;
	}
	const char *path = argv[argc - 1];
	if (hash_file(path))
		return 1;
	if (writes && (dontneed_zeroes(path) || writes_seen(path)))
		return 1;
	return bad ? 1 : 0;
}
