/* SPDX-License-Identifier: MIT */
/* examples/segv.c - a program that dies of SIGSEGV in a named function
 * (or of SIGABRT with the argument "abort"):
 * the exit status is 128 + 11 natively and under the vmm, whose report
 * names crash_here from the program's own symbol table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__attribute__((noinline)) void crash_here(volatile int *p)
{
	*p = 42;
}

int main(int argc, char **argv)
{
	printf("about to crash\n");
	fflush(stdout);
	if (argc > 1 && !strcmp(argv[1], "abort"))
		abort(); /* raise(SIGABRT): exit 134 */
	crash_here((volatile int *)16);
	return 0;
}
