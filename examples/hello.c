/* SPDX-License-Identifier: MIT */
/* examples/hello.c - argv, the environment, stdio, malloc, exit status:
 * prints its arguments and GREETING, exits with the argument count. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	const char *g = getenv("GREETING");
	printf("hello from %s\n", g ? g : "nobody");
	for (int i = 1; i < argc; i++)
		printf("argv[%d] = %s\n", i, argv[i]);
	char *buf = malloc(1 << 20); /* brk or mmap, whichever the libc picks */
	memset(buf, 'x', 1 << 20);
	printf("malloc ok: %d\n", buf[12345] == 'x');
	free(buf);
	return argc - 1;
}
