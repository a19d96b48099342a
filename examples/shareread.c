/* SPDX-License-Identifier: MIT */
/*
 * examples/shareread.c - small reads from a file, and what they see of
 * writes made meanwhile (docs/programs.md "Host files: what a program
 * sees"). `shareread FILE` reads FILE 64 bytes at a time and prints its
 * size and FNV-1a hash; `shareread -w FILE` then checks that reads through
 * one descriptor see what a write, a truncation and an append through
 * another one of the same program changed, at once. FILE must be at least
 * 4 KiB; -w changes it. Exit 0 when every check held.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
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
	if (writes && writes_seen(path))
		return 1;
	return bad ? 1 : 0;
}
