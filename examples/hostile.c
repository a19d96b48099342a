/* SPDX-License-Identifier: MIT */
/* examples/hostile.c - bad pointers to system calls (EFAULT, never a
 * kernel crash), an mmap of 1 TiB (ENOMEM), threads until clone fails
 * (EAGAIN), then exits 0 when every answer was the right one. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

static int bad;
static void expect(const char *what, long rc, int err)
{
	int ok = rc == -1 && errno == err;
	printf("%s: %s (rc %ld errno %d)\n", what, ok ? "ok" : "WRONG", rc, errno);
	bad += !ok;
}

static void *idle(void *arg)
{
	(void)arg;
	pause(); /* -ENOSYS in perfkern returns at once: then sleep */
	for (;;)
		sleep(100);
	return 0;
}

int main(void)
{
	expect("write from NULL", syscall(SYS_write, 1, (void *)0, 10), EFAULT);
	expect("write from kernel", syscall(SYS_write, 1, (void *)0xffffffff80200000ul, 10),
	       EFAULT);
	expect("getcwd into unmapped", syscall(SYS_getcwd, (void *)0x100000000000ul, 100), EFAULT);
	expect("uname to NULL", syscall(SYS_uname, (void *)8), EFAULT);
	expect("clock_gettime bad", syscall(SYS_clock_gettime, 1, (void *)0x10), EFAULT);
	expect("open bad path", syscall(SYS_open, (void *)0x1234, 0), EFAULT);
	void *p = mmap(0, 1ull << 40, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	expect("mmap 1 TiB", p == MAP_FAILED ? -1 : 0, ENOMEM);
	int n = 0;
	pthread_t t;
	while (n < 1000 && pthread_create(&t, 0, idle, 0) == 0)
		n++;
	printf("threads: %d created before clone failed\n", n);
	if (n >= 1000)
		bad++;
	printf("hostile: %s\n", bad ? "FAILED" : "all refused cleanly");
	fflush(stdout);
	_exit(bad ? 1 : 0);
}
