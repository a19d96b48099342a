/* SPDX-License-Identifier: MIT */
/*
 * guest/linux/pipe.c - pipe2(2) inside the one process: a 64 KiB ring
 * (Linux's default pipe size) with a lock; a reader of an empty pipe and
 * a writer of a full one suspend on a future until the other side moves
 * (never spinning); EOF once every writer closed, EPIPE once every reader.
 */
#include "lib/kstring/kstring.h"
#include "lib/heap/heap.h"
#include "lib/sched/sched.h"
#include "fd.h"
#include "linux.h"

#define PIPE_SIZE 65536u

struct pwait {
	struct future f;
	struct pwait *next;
};

struct lpipe {
	struct spinlock lock;
	uint32_t head, count;
	int readers, writers;
	struct pwait *rwait, *wwait;
	uint8_t buf[PIPE_SIZE];
};

static void wake_all(struct pwait **q)
{
	for (struct pwait *w = *q, *n; w; w = n) {
		n = w->next;
		future_set(&w->f, 0);
	}
	*q = 0;
}

/* Suspend until woken; called with the lock held, returns with it held. */
static void pipe_wait(struct lpipe *p, struct pwait **q)
{
	struct pwait w = {FUTURE_INIT, *q};
	*q = &w;
	spin_unlock(&p->lock);
	sched_await(&w.f);
	spin_lock(&p->lock);
}

long lpipe_read(struct lpipe *p, void *buf, uint64_t n, int nonblock)
{
	spin_lock(&p->lock);
	while (p->count == 0 && p->writers > 0) {
		if (nonblock) {
			spin_unlock(&p->lock);
			return -EAGAIN;
		}
		pipe_wait(p, &p->rwait);
	}
	uint64_t done = 0;
	while (done < n && p->count) {
		uint32_t k = PIPE_SIZE - p->head < p->count ? PIPE_SIZE - p->head : p->count;
		if (k > n - done)
			k = (uint32_t)(n - done);
		/* the data stays in the pipe when the reader's buffer is gone */
		if (linux_copy_out((uint64_t)buf + done, p->buf + p->head, k)) {
			if (!done)
				done = (uint64_t)-EFAULT;
			break;
		}
		p->head = (p->head + k) % PIPE_SIZE;
		p->count -= k;
		done += k;
	}
	wake_all(&p->wwait);
	spin_unlock(&p->lock);
	return (long)done;
}

long lpipe_write(struct lpipe *p, const void *buf, uint64_t n, int nonblock)
{
	uint64_t done = 0;
	spin_lock(&p->lock);
	while (done < n) {
		if (p->readers == 0) {
			spin_unlock(&p->lock);
			return done ? (long)done
				    : -EPIPE; /* no SIGPIPE: nothing delivers signals */
		}
		if (p->count == PIPE_SIZE) {
			if (nonblock) {
				spin_unlock(&p->lock);
				return done ? (long)done : -EAGAIN;
			}
			wake_all(&p->rwait);
			pipe_wait(p, &p->wwait);
			continue;
		}
		uint32_t tail = (p->head + p->count) % PIPE_SIZE;
		uint32_t k = PIPE_SIZE - p->count;
		if (k > PIPE_SIZE - tail)
			k = PIPE_SIZE - tail;
		if (k > n - done)
			k = (uint32_t)(n - done);
		if (linux_copy_in(p->buf + tail, (uint64_t)buf + done, k)) {
			wake_all(&p->rwait);
			spin_unlock(&p->lock);
			return done ? (long)done : -EFAULT;
		}
		p->count += k;
		done += k;
	}
	wake_all(&p->rwait);
	spin_unlock(&p->lock);
	return (long)done;
}

void lpipe_close(struct lpipe *p, int writer)
{
	spin_lock(&p->lock);
	if (writer)
		p->writers--;
	else
		p->readers--;
	wake_all(&p->rwait);
	wake_all(&p->wwait);
	int gone = p->readers == 0 && p->writers == 0;
	spin_unlock(&p->lock);
	if (gone)
		kfree(p);
}

static long sys_pipe2(uint64_t ufds, long flags)
{
	if (flags & ~(O_CLOEXEC | O_NONBLOCK))
		return -EINVAL;
	if (!linux_uaccess_ok(ufds, 8, 1))
		return -EFAULT;
	struct lpipe *p = kcalloc(1, sizeof(*p));
	struct lfile *r = lfile_new(LF_PIPE_R, O_RDONLY | (int)(flags & O_NONBLOCK));
	struct lfile *w = lfile_new(LF_PIPE_W, O_WRONLY | (int)(flags & O_NONBLOCK));
	if (!p || !r || !w) {
		kfree(p), kfree(r), kfree(w);
		return -ENOMEM;
	}
	p->readers = p->writers = 1;
	r->pipe = w->pipe = p;
	int cloexec = (flags & O_CLOEXEC) != 0;
	int a = lfd_install(r, 0, cloexec);
	if (a < 0) {
		lfile_put(r), lfile_put(w);
		return a;
	}
	int b = lfd_install(w, 0, cloexec);
	if (b < 0) {
		lfile_put(w);
		linux_fd_close(a);
		return b;
	}
	int fds[2] = {a, b};
	if (linux_copy_out(ufds, fds, sizeof(fds))) { /* unmapped meanwhile */
		linux_fd_close(a);
		linux_fd_close(b);
		return -EFAULT;
	}
	return 0;
}
LINUX_SYS(293, pipe2, sys_pipe2, "pd");

static long sys_pipe(uint64_t ufds)
{
	return sys_pipe2(ufds, 0);
}
LINUX_SYS(22, pipe, sys_pipe, "p");
