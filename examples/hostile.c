/* SPDX-License-Identifier: MIT */
/* examples/hostile.c - bad pointers to system calls (EFAULT, never a
 * kernel crash), a buffer unmapped by one thread while another thread's
 * read or write is using it (EFAULT, or the bytes moved before it went),
 * an mmap of 1 TiB (ENOMEM), threads until clone fails (EAGAIN), then
 * exits 0 when every answer was the right one. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
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

/* One pipe call in a thread, while main pulls the buffer away. */
struct pipe_call {
	int fd, write;
	void *buf;
	size_t n;
	long rc;
	int err;
};

static void *pipe_call(void *arg)
{
	struct pipe_call *c = arg;
	c->rc = c->write ? write(c->fd, c->buf, c->n) : read(c->fd, c->buf, c->n);
	c->err = errno;
	return 0;
}

/* The thread blocks in the call (an empty pipe to read, a full one to
 * write), main unmaps the buffer and then lets the call go on: the kernel
 * copies to or from memory that is gone. Linux answers the same way. */
static void unmap_during_calls(void)
{
	int p[2];
	if (pipe(p)) {
		bad++;
		return;
	}
	size_t len = 4 * 4096;
	void *buf = mmap(0, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct pipe_call c = {p[0], 0, buf, 4096, 0, 0};
	pthread_t t;
	if (buf == MAP_FAILED || pthread_create(&t, 0, pipe_call, &c)) {
		bad++;
		return;
	}
	usleep(50000); /* the reader is blocked on the empty pipe by now */
	munmap(buf, len);
	if (write(p[1], "x", 1) != 1)
		bad++;
	pthread_join(t, 0);
	errno = c.err;
	expect("read into a buffer unmapped meanwhile", c.rc, EFAULT);
	char x = 0; /* the byte stayed in the pipe */
	if (read(p[0], &x, 1) != 1 || x != 'x')
		bad++;

	/* a write bigger than the pipe: what fit went in before it blocked */
	size_t wlen = 64 * 4096;
	void *wbuf = mmap(0, wlen, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (wbuf == MAP_FAILED) {
		bad++;
		return;
	}
	memset(wbuf, 'w', wlen);
	c = (struct pipe_call){p[1], 1, wbuf, wlen, 0, 0};
	if (pthread_create(&t, 0, pipe_call, &c)) {
		bad++;
		return;
	}
	usleep(50000); /* the writer filled the pipe and blocks */
	munmap(wbuf, wlen);
	static char sink[64 * 4096];
	long got = read(p[0], sink, sizeof(sink)), more;
	pthread_join(t, 0);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	while ((more = read(p[0], sink, sizeof(sink))) > 0)
		got += more;
	int ok = c.rc > 0 && (size_t)c.rc < wlen && got == c.rc;
	printf("write from a buffer unmapped meanwhile: %s (wrote %ld of %zu, read back %ld)\n",
	       ok ? "ok" : "WRONG", c.rc, wlen, got);
	bad += !ok;
	close(p[0]);
	close(p[1]);
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
	unmap_during_calls();
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
