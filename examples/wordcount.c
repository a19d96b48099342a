/* SPDX-License-Identifier: MIT */
/*
 * examples/wordcount.c - wc(1)'s lines, words and bytes of each FILE, and a
 * total; with -o OUT the same report is also written to OUT. Under the vmm
 * the files and OUT live in a --share:
 *
 *   vmm --share examples:/ex build/examples/wordcount.glibc -o /ex/wc.txt /ex/wordcount.c
 *
 * Plain POSIX I/O (open, read, write, close), so it runs as it is on Linux
 * and on perfkern.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

struct counts {
	unsigned long long lines, words, bytes;
};

static int count_file(const char *path, struct counts *c)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0) {
		fprintf(stderr, "wordcount: %s: %s\n", path, strerror(errno));
		return -1;
	}
	char buf[1 << 16];
	int in_word = 0;
	ssize_t n;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		c->bytes += (unsigned long long)n;
		for (ssize_t i = 0; i < n; i++) {
			unsigned char ch = (unsigned char)buf[i];
			c->lines += ch == '\n';
			if (isspace(ch))
				in_word = 0;
			else if (!in_word)
				in_word = 1, c->words++;
		}
	}
	int e = errno;
	close(fd);
	if (n < 0) {
		fprintf(stderr, "wordcount: %s: %s\n", path, strerror(e));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *out = 0;
	int i = 1;
	if (i + 1 < argc && !strcmp(argv[i], "-o")) {
		out = argv[i + 1];
		i += 2;
	}
	if (i >= argc) {
		fprintf(stderr, "usage: wordcount [-o OUT] FILE...\n");
		return 2;
	}
	char report[8192];
	size_t len = 0;
	struct counts total = {0, 0, 0};
	int rc = 0;
	for (; i < argc; i++) {
		struct counts c = {0, 0, 0};
		if (count_file(argv[i], &c) < 0) {
			rc = 1;
			continue;
		}
		total.lines += c.lines, total.words += c.words, total.bytes += c.bytes;
		len += (size_t)snprintf(report + len, sizeof(report) - len,
					"%8llu %8llu %8llu %s\n", c.lines, c.words, c.bytes,
					argv[i]);
		if (len >= sizeof(report))
			len = sizeof(report) - 1;
	}
	len += (size_t)snprintf(report + len, sizeof(report) - len, "%8llu %8llu %8llu total\n",
				total.lines, total.words, total.bytes);
	if (len >= sizeof(report))
		len = sizeof(report) - 1;
	fwrite(report, 1, len, stdout);
	if (out) {
		int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || write(fd, report, len) != (ssize_t)len || close(fd) < 0) {
			fprintf(stderr, "wordcount: %s: %s\n", out, strerror(errno));
			return 1;
		}
	}
	return rc;
}
