/* SPDX-License-Identifier: MIT */
/*
 * guest/linux/sys_poll.c - poll, ppoll, select, pselect6 and epoll over
 * every kind of fd: sockets (their events, include/perfkern/net.h), pipes,
 * the console and files (always ready). A wait suspends the thread: it
 * watches each socket with one sched_irq_event of its own CPU, which the
 * stack signals when one turns ready. Pipes have no watch list, so a set
 * with a pipe that is not ready re-checks every millisecond.
 *
 * epoll is level-triggered; EPOLLET reports a socket again only after
 * its events changed (a stack notify) since the last report, EPOLLONESHOT
 * disables the item after one report until EPOLL_CTL_MOD. An epoll set
 * holds no reference: a file leaves every set when its last fd closes, as
 * on Linux.
 */
#include "include/perfkern/net.h"

#include "guest/net/net_inst.h"
#include "lib/heap/heap.h"
#include "lib/kstring/kstring.h"
#include "fd.h"
#include "linux.h"

#define POLLIN 0x001
#define POLLPRI 0x002
#define POLLOUT 0x004
#define POLLERR 0x008
#define POLLHUP 0x010
#define POLLNVAL 0x020
#define POLLRDNORM 0x040
#define POLLWRNORM 0x100
#define EPOLLRDHUP 0x2000
#define EPOLLEXCLUSIVE (1u << 28)
#define EPOLLWAKEUP (1u << 29)
#define EPOLLONESHOT (1u << 30)
#define EPOLLET (1u << 31)
#define POLL_MAX 4096 /* fds in one poll */

static unsigned file_events(struct lfile *f)
{
	unsigned ev;
	switch (f->kind) {
	case LF_CONSOLE_IN:
		ev = POLLIN; /* reads EOF at once */
		break;
	case LF_CONSOLE_OUT:
		ev = POLLOUT;
		break;
	case LF_PIPE_R:
		ev = lpipe_events(f->pipe, 0);
		break;
	case LF_PIPE_W:
		ev = lpipe_events(f->pipe, 1);
		break;
	case LF_SOCK:
		ev = pk_sock_events(lsock_handle(f));
		break;
	case LF_EPOLL:
		ev = 0; /* a nested epoll never reports */
		break;
	default:
		ev = POLLIN | POLLOUT;
	}
	/* the *NORM twins of IN and OUT, which some programs ask for */
	return ev | (ev & POLLIN ? POLLRDNORM : 0) | (ev & POLLOUT ? POLLWRNORM : 0);
}

/* --- the one wait --- */

/* Until scan(ctx) > 0, the timeout (ns, UINT64_MAX: none) or a cancel. */
static long wait_files(struct lfile *const *f, const unsigned *want, unsigned n, uint64_t timeout,
		       int (*scan)(void *ctx), void *ctx)
{
	int r = scan(ctx);
	if (r || timeout == 0) {
		/* cooperative: a program that polls without ever waiting must
		 * still let this CPU's other tasks (the stack's) run */
		sched_yield();
		return r;
	}
	struct sched_irq_event ev;
	sched_irq_event_init(&ev, sched_cpu_self());
	struct pk_sock_watch wl[16], *w = wl;
	unsigned nsock = 0, pipes = 0;
	for (unsigned i = 0; i < n; i++)
		if (f[i] && f[i]->kind == LF_SOCK)
			nsock++;
		else if (f[i] && (f[i]->kind == LF_PIPE_R || f[i]->kind == LF_PIPE_W))
			pipes++;
	if (nsock > 16 && !(w = kmalloc(nsock * sizeof(*w))))
		return -ENOMEM;
	for (unsigned i = 0, k = 0; i < n; i++)
		if (f[i] && f[i]->kind == LF_SOCK) {
			w[k] = (struct pk_sock_watch){&ev, want[i], 0};
			pk_sock_watch(lsock_handle(f[i]), &w[k++]);
		}
	uint64_t start = linux_now_ns();
	for (;;) {
		r = scan(ctx);
		if (r)
			break;
		uint64_t now = linux_now_ns(), left = UINT64_MAX;
		if (timeout != UINT64_MAX) {
			if (now - start >= timeout)
				break;
			left = timeout - (now - start);
		}
		if (pipes && left > 1000000)
			left = 1000000;
		if (sched_irq_wait(&ev, left) == SCHED_ECANCELED) {
			r = -EINTR;
			break;
		}
	}
	for (unsigned i = 0, k = 0; i < n; i++)
		if (f[i] && f[i]->kind == LF_SOCK)
			pk_sock_unwatch(lsock_handle(f[i]), &w[k++]);
	if (w != wl)
		kfree(w);
	return r;
}

/* --- poll, ppoll --- */

struct kpollfd {
	int32_t fd;
	int16_t events, revents;
};

struct pollset {
	struct kpollfd *p;
	struct lfile **f;
	unsigned *want;
	unsigned n;
};

static int poll_scan(void *ctx)
{
	struct pollset *ps = ctx;
	int ready = 0;
	for (unsigned i = 0; i < ps->n; i++) {
		unsigned ev = 0;
		if (ps->p[i].fd >= 0)
			ev = ps->f[i] ? file_events(ps->f[i]) & (ps->want[i] | POLLERR | POLLHUP)
				      : POLLNVAL;
		ps->p[i].revents = (int16_t)ev;
		ready += ev != 0;
	}
	return ready;
}

static long do_poll(uint64_t ufds, uint64_t nfds, uint64_t timeout)
{
	if (nfds > POLL_MAX)
		return -EINVAL;
	if (!linux_uaccess_ok(ufds, nfds * sizeof(struct kpollfd), 1))
		return -EFAULT;
	struct pollset ps = {0, 0, 0, (unsigned)nfds};
	size_t bytes = nfds * (sizeof(struct kpollfd) + sizeof(struct lfile *) + sizeof(unsigned));
	uint8_t *mem = kmalloc(bytes ? bytes : 1);
	if (!mem)
		return -ENOMEM;
	ps.f = (struct lfile **)mem;
	ps.p = (struct kpollfd *)(ps.f + nfds);
	ps.want = (unsigned *)(ps.p + nfds);
	if (linux_copy_in(ps.p, ufds, nfds * sizeof(struct kpollfd))) {
		kfree(mem);
		return -EFAULT;
	}
	for (unsigned i = 0; i < nfds; i++) {
		ps.f[i] = ps.p[i].fd >= 0 ? lfd_get(ps.p[i].fd) : 0;
		ps.want[i] = (uint16_t)ps.p[i].events;
	}
	long r = wait_files(ps.f, ps.want, ps.n, timeout, poll_scan, &ps);
	for (unsigned i = 0; i < nfds; i++) {
		if (ps.f[i])
			lfile_put(ps.f[i]);
		if (r < 0)
			ps.p[i].revents = 0;
	}
	if (linux_copy_out(ufds, ps.p, nfds * sizeof(struct kpollfd)))
		r = -EFAULT;
	kfree(mem);
	return r;
}

static long sys_poll(uint64_t ufds, uint64_t nfds, long ms)
{
	return do_poll(ufds, nfds, ms < 0 ? UINT64_MAX : (uint64_t)ms * 1000000u);
}
LINUX_SYS(7, poll, sys_poll, "pdd");

struct ktimespec {
	int64_t sec, nsec;
};

/* A user timespec as ns (NULL: UINT64_MAX), -EFAULT or -EINVAL. */
static int timespec_ns(uint64_t uts, uint64_t *ns)
{
	if (!uts) {
		*ns = UINT64_MAX;
		return 0;
	}
	struct ktimespec ts;
	if (linux_copy_in(&ts, uts, sizeof(ts)))
		return -EFAULT;
	if (ts.sec < 0 || ts.nsec < 0 || ts.nsec >= 1000000000)
		return -EINVAL;
	*ns = (uint64_t)ts.sec * 1000000000ull + (uint64_t)ts.nsec;
	return 0;
}

static long sys_ppoll(uint64_t ufds, uint64_t nfds, uint64_t uts, uint64_t sigmask, uint64_t sz)
{
	(void)sigmask, (void)sz; /* no signal is ever delivered */
	uint64_t ns;
	int r = timespec_ns(uts, &ns);
	return r ? r : do_poll(ufds, nfds, ns);
}
LINUX_SYS(271, ppoll, sys_ppoll, "pdppd");

/* --- select, pselect6: through poll --- */

static long do_select(long nfds, uint64_t ur, uint64_t uw, uint64_t ue, uint64_t timeout)
{
	if (nfds < 0 || nfds > LINUX_FD_MAX)
		return -EINVAL;
	size_t bytes = ((size_t)nfds + 63) / 64 * 8;
	uint64_t usets[3] = {ur, uw, ue};
	uint64_t sets[3][LINUX_FD_MAX / 64], out[3][LINUX_FD_MAX / 64];
	for (int k = 0; k < 3; k++)
		if (usets[k] && (!linux_uaccess_ok(usets[k], bytes, 1) ||
				 linux_copy_in(sets[k], usets[k], bytes)))
			return -EFAULT;
	static const unsigned asks[3] = {POLLIN, POLLOUT, POLLPRI};
	static const unsigned hits[3] = {POLLIN | POLLHUP | POLLERR, POLLOUT | POLLERR, POLLPRI};
	struct kpollfd p[LINUX_FD_MAX];
	struct lfile *f[LINUX_FD_MAX];
	unsigned want[LINUX_FD_MAX], n = 0;
	long r = 0;
	for (long fd = 0; fd < nfds; fd++) {
		unsigned w = 0;
		for (int k = 0; k < 3; k++)
			if (usets[k] && sets[k][fd / 64] >> (fd % 64) & 1)
				w |= asks[k];
		if (!w)
			continue;
		f[n] = lfd_get((int)fd);
		if (!f[n]) {
			r = -EBADF;
			break;
		}
		p[n] = (struct kpollfd){(int32_t)fd, (int16_t)w, 0};
		want[n++] = w;
	}
	struct pollset ps = {p, f, want, n};
	if (!r)
		r = wait_files(f, want, n, timeout, poll_scan, &ps);
	for (unsigned i = 0; i < n; i++)
		lfile_put(f[i]);
	if (r < 0)
		return r;
	memset(out, 0, sizeof(out));
	long count = 0;
	for (unsigned i = 0; i < n; i++)
		for (int k = 0; k < 3; k++)
			if ((want[i] & asks[k]) && ((uint16_t)p[i].revents & hits[k])) {
				out[k][p[i].fd / 64] |= 1ull << (p[i].fd % 64);
				count++;
			}
	for (int k = 0; k < 3; k++)
		if (usets[k] && linux_copy_out(usets[k], out[k], bytes))
			return -EFAULT;
	return count;
}

struct ktimeval {
	int64_t sec, usec;
};

static long sys_select(long nfds, uint64_t r, uint64_t w, uint64_t e, uint64_t utv)
{
	uint64_t ns = UINT64_MAX;
	if (utv) {
		struct ktimeval tv;
		if (linux_copy_in(&tv, utv, sizeof(tv)))
			return -EFAULT;
		if (tv.sec < 0 || tv.usec < 0)
			return -EINVAL;
		ns = (uint64_t)tv.sec * 1000000000ull + (uint64_t)tv.usec * 1000ull;
	}
	return do_select(nfds, r, w, e, ns);
}
LINUX_SYS(23, select, sys_select, "dpppp");

static long sys_pselect6(long nfds, uint64_t r, uint64_t w, uint64_t e, uint64_t uts, uint64_t sig)
{
	(void)sig;
	uint64_t ns;
	int rc = timespec_ns(uts, &ns);
	return rc ? rc : do_select(nfds, r, w, e, ns);
}
LINUX_SYS(270, pselect6, sys_pselect6, "dppppp");

/* --- epoll --- */

struct kepoll_event {
	uint32_t events;
	uint64_t data;
} __attribute__((packed)); /* x86-64's layout (12 bytes) */

struct epitem {
	int fd;
	struct lfile *f; /* no reference: lepoll_forget takes it out first */
	uint32_t events;
	uint64_t data;
	unsigned gen; /* EPOLLET: the socket's gen at the last report */
	int off;      /* EPOLLONESHOT fired */
	struct epitem *next;
};

struct lepoll {
	struct spinlock lock;
	struct epitem *items;
	unsigned n;
	struct lepoll *next; /* ep_all */
};

static struct lepoll *ep_all;
static struct spinlock ep_all_lock = SPINLOCK_INIT;

static long sys_epoll_create1(long flags)
{
	if (flags & ~O_CLOEXEC)
		return -EINVAL;
	struct lepoll *ep = kcalloc(1, sizeof(*ep));
	struct lfile *f = lfile_new(LF_EPOLL, O_RDWR);
	if (!ep || !f) {
		kfree(ep), kfree(f);
		return -ENOMEM;
	}
	ep->lock = (struct spinlock)SPINLOCK_INIT;
	f->ep = ep;
	spin_lock(&ep_all_lock);
	ep->next = ep_all;
	ep_all = ep;
	spin_unlock(&ep_all_lock);
	int fd = lfd_install(f, 0, (flags & O_CLOEXEC) != 0);
	if (fd < 0)
		lfile_put(f);
	return fd;
}
LINUX_SYS(291, epoll_create1, sys_epoll_create1, "x");

static long sys_epoll_create(long size)
{
	return size <= 0 ? -EINVAL : sys_epoll_create1(0);
}
LINUX_SYS(213, epoll_create, sys_epoll_create, "d");

static void item_free(struct epitem *it)
{
	__atomic_sub_fetch(&it->f->in_epoll, 1, __ATOMIC_ACQ_REL);
	kfree(it);
}

void lepoll_close(struct lepoll *ep)
{
	spin_lock(&ep_all_lock);
	for (struct lepoll **p = &ep_all; *p; p = &(*p)->next)
		if (*p == ep) {
			*p = ep->next;
			break;
		}
	spin_unlock(&ep_all_lock);
	for (struct epitem *it = ep->items, *n; it; it = n) {
		n = it->next;
		item_free(it);
	}
	kfree(ep);
}

void lepoll_forget(struct lfile *f)
{
	spin_lock(&ep_all_lock);
	for (struct lepoll *ep = ep_all; ep; ep = ep->next) {
		spin_lock(&ep->lock);
		for (struct epitem **p = &ep->items; *p;)
			if ((*p)->f == f) {
				struct epitem *it = *p;
				*p = it->next;
				ep->n--;
				item_free(it);
			} else
				p = &(*p)->next;
		spin_unlock(&ep->lock);
	}
	spin_unlock(&ep_all_lock);
}

static unsigned sock_gen(struct lfile *f)
{
	return f->kind == LF_SOCK ? __atomic_load_n(&lsock_handle(f)->gen, __ATOMIC_ACQUIRE) : 0;
}

#define EPOLL_CTL_ADD 1
#define EPOLL_CTL_DEL 2
#define EPOLL_CTL_MOD 3

static long sys_epoll_ctl(long epfd, long op, long fd, uint64_t uev)
{
	if (op < EPOLL_CTL_ADD || op > EPOLL_CTL_MOD)
		return -EINVAL;
	struct kepoll_event e = {0, 0};
	if (op != EPOLL_CTL_DEL) {
		if (linux_copy_in(&e, uev, sizeof(e)))
			return -EFAULT;
	}
	struct lfile *ef = lfd_get((int)epfd);
	if (!ef)
		return -EBADF;
	struct lfile *f = lfd_get((int)fd);
	long r = 0;
	if (!f)
		r = -EBADF;
	else if (ef->kind != LF_EPOLL || f == ef)
		r = -EINVAL;
	else if (f->kind == LF_FILE)
		r = -EPERM; /* as Linux: regular files and directories cannot be polled */
	if (r)
		goto out;
	struct lepoll *ep = ef->ep;
	struct epitem *nit = op == EPOLL_CTL_ADD ? kmalloc(sizeof(*nit)) : 0;
	if (op == EPOLL_CTL_ADD && !nit) {
		r = -ENOMEM;
		goto out;
	}
	spin_lock(&ep->lock);
	struct epitem **p = &ep->items;
	while (*p && ((*p)->fd != fd || (*p)->f != f))
		p = &(*p)->next;
	if (op == EPOLL_CTL_ADD) {
		if (*p)
			r = -EEXIST;
		else {
			*nit = (struct epitem){(int)fd,		f, e.events, e.data,
					       sock_gen(f) - 1, 0, ep->items};
			ep->items = nit;
			ep->n++;
			__atomic_add_fetch(&f->in_epoll, 1, __ATOMIC_ACQ_REL);
			nit = 0;
		}
	} else if (!*p)
		r = -ENOENT;
	else if (op == EPOLL_CTL_DEL) {
		struct epitem *it = *p;
		*p = it->next;
		ep->n--;
		item_free(it);
	} else {
		(*p)->events = e.events;
		(*p)->data = e.data;
		(*p)->gen = sock_gen(f) - 1;
		(*p)->off = 0;
	}
	spin_unlock(&ep->lock);
	kfree(nit);
out:
	if (f)
		lfile_put(f);
	lfile_put(ef);
	return r;
}
LINUX_SYS(233, epoll_ctl, sys_epoll_ctl, "dddp");

struct epsnap {
	struct lfile **f;
	unsigned *want;
	struct epitem *it; /* copies of the items */
	unsigned n;
	struct kepoll_event *out;
	unsigned max, nout;
};

static int ep_scan(void *ctx)
{
	struct epsnap *s = ctx;
	s->nout = 0;
	for (unsigned i = 0; i < s->n && s->nout < s->max; i++) {
		unsigned ev = file_events(s->f[i]) & (s->want[i] | POLLERR | POLLHUP);
		if (!ev)
			continue;
		if ((s->it[i].events & EPOLLET) && sock_gen(s->f[i]) == s->it[i].gen)
			continue; /* nothing new since the last report */
		s->out[s->nout++] = (struct kepoll_event){ev, s->it[i].data};
		s->it[i].off = 1; /* reported (below: ET's gen, ONESHOT's off) */
	}
	return (int)s->nout;
}

/* Take a reference unless the count already fell to 0 (being freed: its
 * lepoll_forget waits for the set's lock we hold). */
static int ref_if_live(struct lfile *f)
{
	int r = __atomic_load_n(&f->refs, __ATOMIC_ACQUIRE);
	while (r > 0)
		if (__atomic_compare_exchange_n(&f->refs, &r, r + 1, 0, __ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE))
			return 1;
	return 0;
}

static long do_epoll_wait(long epfd, uint64_t uev, long max, uint64_t timeout)
{
	if (max <= 0 || max > 65536)
		return -EINVAL;
	if (!linux_uaccess_ok(uev, (uint64_t)max * sizeof(struct kepoll_event), 1))
		return -EFAULT;
	struct lfile *ef = lfd_get((int)epfd);
	if (!ef)
		return -EBADF;
	if (ef->kind != LF_EPOLL) {
		lfile_put(ef);
		return -EINVAL;
	}
	struct lepoll *ep = ef->ep;
	struct epsnap s = {0, 0, 0, 0, 0, (unsigned)max, 0};
	long r = 0;
	for (;;) { /* the set's size may change between the look and the lock */
		unsigned cap = __atomic_load_n(&ep->n, __ATOMIC_RELAXED) + 4;
		size_t bytes = cap * (sizeof(*s.f) + sizeof(*s.want) + sizeof(*s.it)) +
			       (size_t)max * sizeof(*s.out);
		uint8_t *mem = kmalloc(bytes);
		if (!mem) {
			r = -ENOMEM;
			break;
		}
		s.f = (struct lfile **)mem;
		s.it = (struct epitem *)(s.f + cap);
		s.want = (unsigned *)(s.it + cap);
		s.out = (struct kepoll_event *)(s.want + cap);
		spin_lock(&ep->lock);
		if (ep->n > cap) {
			spin_unlock(&ep->lock);
			kfree(mem);
			continue;
		}
		s.n = 0;
		for (struct epitem *it = ep->items; it; it = it->next)
			if (!it->off && ref_if_live(it->f)) {
				s.f[s.n] = it->f;
				s.it[s.n] = *it;
				s.it[s.n].off = 0;
				s.want[s.n++] = it->events & ~(EPOLLET | EPOLLONESHOT |
							       EPOLLWAKEUP | EPOLLEXCLUSIVE);
			}
		spin_unlock(&ep->lock);
		break;
	}
	if (!r)
		r = wait_files(s.f, s.want, s.n, timeout, ep_scan, &s);
	if (r > 0) { /* what was reported: ET remembers the gen, ONESHOT turns off */
		spin_lock(&ep->lock);
		for (unsigned i = 0; i < s.n; i++) {
			if (!s.it[i].off)
				continue;
			for (struct epitem *it = ep->items; it; it = it->next)
				if (it->fd == s.it[i].fd && it->f == s.f[i]) {
					it->gen = sock_gen(s.f[i]);
					if (it->events & EPOLLONESHOT)
						it->off = 1;
				}
		}
		spin_unlock(&ep->lock);
		if (linux_copy_out(uev, s.out, (size_t)r * sizeof(*s.out)))
			r = -EFAULT;
	}
	for (unsigned i = 0; i < s.n; i++)
		lfile_put(s.f[i]);
	kfree(s.f);
	lfile_put(ef);
	return r;
}

static long sys_epoll_wait(long epfd, uint64_t uev, long max, long ms)
{
	return do_epoll_wait(epfd, uev, max, ms < 0 ? UINT64_MAX : (uint64_t)ms * 1000000u);
}
LINUX_SYS(232, epoll_wait, sys_epoll_wait, "dpdd");

static long sys_epoll_pwait(long epfd, uint64_t uev, long max, long ms, uint64_t sig, long sz)
{
	(void)sig, (void)sz;
	return sys_epoll_wait(epfd, uev, max, ms);
}
LINUX_SYS(281, epoll_pwait, sys_epoll_pwait, "dpddpd");
