/* SPDX-License-Identifier: MIT */
/* examples/segv.c - a program that dies of SIGSEGV in a named function:
 * the exit status is 128 + 11 natively and under the vmm, whose report
 * names crash_here from the program's own symbol table. */
#include <stdio.h>

__attribute__((noinline)) void crash_here(volatile int *p)
{
	*p = 42;
}

int main(void)
{
	printf("about to crash\n");
	fflush(stdout);
	crash_here((volatile int *)16);
	return 0;
}
