/* SPDX-License-Identifier: MIT */
/*
 * guest/linux/sys_net.c - the Linux socket calls (AF_INET, SOCK_STREAM and
 * SOCK_DGRAM) on include/perfkern/net.h: a socket fd is an lfile of kind
 * LF_SOCK holding a pk_sock plus what Linux keeps per socket and the stack
 * does not (SO_RCVTIMEO, SO_SNDTIMEO). Blocking calls suspend the thread
 * (net.c waits for the socket's events); O_NONBLOCK / SOCK_NONBLOCK /
 * MSG_DONTWAIT give EAGAIN. Every user pointer is checked before it is
 * used (EFAULT). docs/programs.md lists the calls; the socket options are
 * in sys_sockopt.c.
 */
#include "include/perfkern/net.h"

#include "guest/kernel/bootinfo.h"
#include "guest/kernel/console.h"
#include "lib/cmdline/cmdline.h"
#include "lib/heap/heap.h"
#include "lib/kstring/kstring.h"
#include "fd.h"
#include "linux.h"

#include "sys_net.h"

struct pk_sock *lsock_handle(struct lfile *f)
{
	return f->kind == LF_SOCK ? f->sock->s : 0;
}

void lsock_close(struct lsock *ls)
{
	pk_sock_close(ls->s);
	kfree(ls);
}

/* fd's description when it is a socket: EBADF, ENOTSOCK otherwise. */
struct lfile *sock_get(long fd, long *err)
{
	struct lfile *f = lfd_get((int)fd);
	if (!f) {
		*err = -EBADF;
		return 0;
	}
	if (f->kind != LF_SOCK) {
		lfile_put(f);
		*err = -ENOTSOCK;
		return 0;
	}
	return f;
}

static int nonblock(struct lfile *f)
{
	return (__atomic_load_n(&f->flags, __ATOMIC_RELAXED) & O_NONBLOCK) != 0;
}

/* A user sockaddr_in into a: 0, -EFAULT, -EINVAL (short), -EAFNOSUPPORT. */
static int addr_in(uint64_t uaddr, uint64_t len, struct pk_sockaddr *a)
{
	if (len < sizeof(struct ksockaddr_in) || len > 128)
		return -EINVAL;
	struct ksockaddr_in k;
	if (linux_copy_in(&k, uaddr, sizeof(k)))
		return -EFAULT;
	if (k.family != AF_INET)
		return -EAFNOSUPPORT;
	a->ip = __builtin_bswap32(k.addr);
	a->port = __builtin_bswap16(k.port);
	return 0;
}

/* a out to a user (sockaddr *, socklen_t *) pair, as accept(2) and
 * getsockname(2) do: at most *ulen bytes, *ulen := the full size. */
static int addr_out(uint64_t uaddr, uint64_t ulen, const struct pk_sockaddr *a)
{
	if (!uaddr)
		return 0;
	int len;
	if (linux_copy_in(&len, ulen, sizeof(len)))
		return -EFAULT;
	if (len < 0)
		return -EINVAL;
	size_t k = (size_t)len < sizeof(struct ksockaddr_in) ? (size_t)len
							     : sizeof(struct ksockaddr_in);
	struct ksockaddr_in s = {
		AF_INET, __builtin_bswap16(a->port), __builtin_bswap32(a->ip), {0}};
	int full = (int)sizeof(s);
	return linux_copy_out(uaddr, &s, k) || linux_copy_out(ulen, &full, sizeof(full)) ? -EFAULT
											 : 0;
}

/* The checks accept(2) and friends make before they wait. */
static int addr_out_ok(uint64_t uaddr, uint64_t ulen)
{
	if (!uaddr)
		return 0;
	int len;
	if (!linux_uaccess_ok(ulen, 4, 1) || linux_copy_in(&len, ulen, sizeof(len)))
		return -EFAULT;
	if (len < 0)
		return -EINVAL;
	return linux_uaccess_ok(uaddr, (uint64_t)len < 16 ? (uint64_t)len : 16, 1) ? 0 : -EFAULT;
}

static long sock_install(struct pk_sock *s, int type, long flags)
{
	struct lsock *ls = kcalloc(1, sizeof(*ls));
	struct lfile *f = lfile_new(LF_SOCK, O_RDWR | (int)(flags & SOCK_NONBLOCK));
	if (!ls || !f) {
		kfree(ls), kfree(f);
		pk_sock_close(s);
		return -ENOMEM;
	}
	ls->s = s;
	ls->type = type;
	ls->rcvtimeo = ls->sndtimeo = PK_NET_FOREVER;
	f->sock = ls;
	int fd = lfd_install(f, 0, (flags & SOCK_CLOEXEC) != 0);
	if (fd < 0)
		lfile_put(f);
	return fd;
}

static long sys_socket(long domain, long type, long proto)
{
	if (domain != AF_INET)
		return -EAFNOSUPPORT; /* no AF_UNIX, no IPv6 */
	if (type & ~(0xf | SOCK_NONBLOCK | SOCK_CLOEXEC))
		return -EINVAL;
	int t = (int)(type & 0xf);
	if (t != SOCK_STREAM && t != SOCK_DGRAM)
		return -EPROTONOSUPPORT;
	if (proto != 0 && proto != (t == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP))
		return -EPROTONOSUPPORT;
	/* the first socket brings the network up: under `quiet` its log lines
	 * (virtio-net, lwip) stay out of the program's output, as the boot's
	 * do (console_quiet was cleared when the program started) */
	static int started;
	int hush = !__atomic_exchange_n(&started, 1, __ATOMIC_ACQ_REL) && !linux_strace &&
		   cmdline_has(boot_info.cmdline, "quiet");
	if (hush)
		console_quiet = 1;
	struct pk_sock *s;
	int r = pk_sock_open(t == SOCK_STREAM ? PK_SOCK_STREAM : PK_SOCK_DGRAM, &s);
	if (hush)
		console_quiet = 0;
	if (r < 0)
		return r == -ENETDOWN ? -EAFNOSUPPORT : r;
	return sock_install(s, t, type);
}
LINUX_SYS(41, socket, sys_socket, "ddd");

static long sys_socketpair(long domain, long type, long proto, uint64_t sv)
{
	(void)type, (void)proto, (void)sv;
	return domain == AF_UNIX ? -EAFNOSUPPORT : -EOPNOTSUPP;
}
LINUX_SYS(53, socketpair, sys_socketpair, "dddp");

/* bind(2) and connect(2): a socket fd and a user sockaddr_in */
static long sock_addr_call(long fd, uint64_t uaddr, uint64_t len, int connect)
{
	long err;
	struct lfile *f = sock_get(fd, &err);
	if (!f)
		return err;
	struct pk_sockaddr a;
	long r = addr_in(uaddr, len, &a);
	if (!r)
		r = connect ? pk_sock_connect(f->sock->s, &a, nonblock(f) ? 0 : f->sock->sndtimeo)
			    : pk_sock_bind(f->sock->s, &a);
	lfile_put(f);
	return r;
}

static long sys_bind(long fd, uint64_t uaddr, uint64_t len)
{
	return sock_addr_call(fd, uaddr, len, 0);
}
LINUX_SYS(49, bind, sys_bind, "dpd");

static long sys_listen(long fd, long backlog)
{
	long err;
	struct lfile *f = sock_get(fd, &err);
	if (!f)
		return err;
	if (backlog < 1)
		backlog = 1;
	if (backlog > 4096)
		backlog = 4096; /* SOMAXCONN */
	long r = f->sock->type != SOCK_STREAM ? -EOPNOTSUPP
					      : pk_sock_listen(f->sock->s, (int)backlog);
	if (!r)
		f->sock->listening = 1;
	lfile_put(f);
	return r;
}
LINUX_SYS(50, listen, sys_listen, "dd");

static long sys_accept4(long fd, uint64_t uaddr, uint64_t ulen, long flags)
{
	if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC))
		return -EINVAL;
	long err;
	struct lfile *f = sock_get(fd, &err);
	if (!f)
		return err;
	long r = addr_out_ok(uaddr, ulen);
	struct pk_sock *c = 0;
	struct pk_sockaddr peer;
	if (!r)
		r = pk_sock_accept(f->sock->s, nonblock(f) ? 0 : f->sock->rcvtimeo, &c, &peer);
	lfile_put(f);
	if (r < 0)
		return r;
	r = addr_out(uaddr, ulen, &peer); /* checked above: only a racing unmap fails */
	if (r < 0) {
		pk_sock_close(c);
		return r;
	}
	return sock_install(c, SOCK_STREAM, flags);
}
LINUX_SYS(288, accept4, sys_accept4, "dppx");

static long sys_accept(long fd, uint64_t uaddr, uint64_t ulen)
{
	return sys_accept4(fd, uaddr, ulen, 0);
}
LINUX_SYS(43, accept, sys_accept, "dpp");

static long sys_connect(long fd, uint64_t uaddr, uint64_t len)
{
	return sock_addr_call(fd, uaddr, len, 1);
}
LINUX_SYS(42, connect, sys_connect, "dpd");

static int flags_in(long flags, int *out)
{
	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	*out = (int)(flags & (MSG_PEEK | MSG_DONTWAIT | MSG_WAITALL));
	return 0;
}

/* send on f; to: NULL for a connected socket */
static long sock_send(struct lfile *f, const void *buf, uint64_t n, int flags,
		      const struct pk_sockaddr *to)
{
	uint64_t t = nonblock(f) ? 0 : f->sock->sndtimeo;
	if (f->sock->type == SOCK_STREAM)
		to = 0; /* Linux ignores the address on a connected stream */
	return pk_sock_send(f->sock->s, buf, n, flags, t, to);
}

static long sock_recv(struct lfile *f, void *buf, uint64_t n, int flags, struct pk_sockaddr *from)
{
	uint64_t t = nonblock(f) ? 0 : f->sock->rcvtimeo;
	return pk_sock_recv(f->sock->s, buf, n, flags, t, from);
}

/* Program memory never reaches the stack: the data goes through a kernel
 * buffer (linux_copy_in/out), so memory another thread unmaps meanwhile
 * is EFAULT, not a fault inside lwIP on the owner's CPU. */
#define SOCK_CHUNK 65536u

/* send(2) of user bytes: a stream in chunks (each sent whole unless the
 * timeout or O_NONBLOCK cut it short), a datagram whole. */
static long usend(struct lfile *f, uint64_t ubuf, uint64_t n, int flags,
		  const struct pk_sockaddr *to)
{
	if (f->sock->type == SOCK_DGRAM && n > 65507)
		return -EMSGSIZE;
	size_t cap = n < SOCK_CHUNK || f->sock->type == SOCK_DGRAM ? n : SOCK_CHUNK;
	uint8_t *b = kmalloc(cap ? cap : 1);
	if (!b)
		return -ENOMEM;
	long done = 0;
	do {
		size_t k = n - (uint64_t)done < cap ? n - (uint64_t)done : cap;
		if (linux_copy_in(b, ubuf + (uint64_t)done, k)) {
			done = done ? done : -EFAULT;
			break;
		}
		long r = sock_send(f, b, k, flags, to);
		if (r < 0) {
			done = done ? done : r;
			break;
		}
		done += r;
		if ((size_t)r < k)
			break;
	} while ((uint64_t)done < n);
	kfree(b);
	return done;
}

/* recv(2) into user memory: at most one chunk, except that MSG_WAITALL
 * on a stream goes on until n bytes, EOF or an error. */
static long urecv(struct lfile *f, uint64_t ubuf, uint64_t n, int flags, struct pk_sockaddr *from)
{
	size_t cap = n < SOCK_CHUNK ? n : SOCK_CHUNK;
	uint8_t *b = kmalloc(cap ? cap : 1);
	if (!b)
		return -ENOMEM;
	long done = 0;
	do {
		size_t k = n - (uint64_t)done < cap ? n - (uint64_t)done : cap;
		long r = sock_recv(f, b, k, flags, from);
		if (r < 0) {
			done = done ? done : r;
			break;
		}
		if (linux_copy_out(ubuf + (uint64_t)done, b, (size_t)r)) {
			done = -EFAULT;
			break;
		}
		done += r;
		if ((size_t)r < k || !(flags & MSG_WAITALL) || f->sock->type != SOCK_STREAM)
			break;
	} while ((uint64_t)done < n);
	kfree(b);
	return done;
}

long lsock_rw(struct lfile *f, void *buf, uint64_t n, int write)
{
	return write ? usend(f, (uint64_t)buf, n, 0, 0) : urecv(f, (uint64_t)buf, n, 0, 0);
}

static long sys_sendto(long fd, uint64_t buf, uint64_t n, long flags, uint64_t uaddr, uint64_t alen)
{
	int fl;
	long r = flags_in(flags, &fl);
	if (r)
		return r;
	if (n > 0x7ffff000)
		n = 0x7ffff000;
	if (!linux_uaccess_ok(buf, n, 0)) /* before anything waits; usend copies */
		return -EFAULT;
	struct pk_sockaddr a;
	if (uaddr && (r = addr_in(uaddr, alen, &a)) < 0)
		return r;
	long err;
	struct lfile *f = sock_get(fd, &err);
	if (!f)
		return err;
	r = usend(f, buf, n, fl, uaddr ? &a : 0);
	lfile_put(f);
	return r;
}
LINUX_SYS(44, sendto, sys_sendto, "dpdxpd");

static long sys_recvfrom(long fd, uint64_t buf, uint64_t n, long flags, uint64_t uaddr,
			 uint64_t ulen)
{
	int fl;
	long r = flags_in(flags, &fl);
	if (r)
		return r;
	if (n > 0x7ffff000)
		n = 0x7ffff000;
	if (!linux_uaccess_ok(buf, n, 1))
		return -EFAULT;
	if ((r = addr_out_ok(uaddr, ulen)) < 0)
		return r;
	long err;
	struct lfile *f = sock_get(fd, &err);
	if (!f)
		return err;
	struct pk_sockaddr from = {0, 0};
	r = urecv(f, buf, n, fl, &from);
	lfile_put(f);
	if (r >= 0 && uaddr) {
		long e = addr_out(uaddr, ulen, &from);
		if (e < 0)
			return e;
	}
	return r;
}
LINUX_SYS(45, recvfrom, sys_recvfrom, "dpdxpp");

struct kmsghdr {
	uint64_t name;
	uint32_t namelen, pad0;
	uint64_t iov, iovlen, control, controllen;
	int32_t flags, pad1;
};
struct kiovec {
	uint64_t base, len;
};

/* The msghdr and a kernel copy of its iovecs (*iov, kfree it), each
 * buffer checked (write: they receive) and the total into *total. */
static long msg_in(uint64_t umsg, struct kmsghdr *m, struct kiovec **iov, uint64_t *total,
		   int write)
{
	if (linux_copy_in(m, umsg, sizeof(*m)))
		return -EFAULT;
	if (m->iovlen > 1024)
		return -EMSGSIZE;
	*iov = kmalloc(m->iovlen ? m->iovlen * sizeof(struct kiovec) : 1);
	if (!*iov)
		return -ENOMEM;
	*total = 0;
	if (linux_copy_in(*iov, m->iov, m->iovlen * sizeof(struct kiovec)))
		goto fault;
	for (uint64_t i = 0; i < m->iovlen; i++) {
		struct kiovec v = (*iov)[i];
		if (v.len > 0x7ffff000 || !linux_uaccess_ok(v.base, v.len, write))
			goto fault;
		*total += v.len;
	}
	return 0;
fault:
	kfree(*iov);
	return -EFAULT;
}

static long sys_sendmsg(long fd, uint64_t umsg, long flags)
{
	int fl;
	struct kmsghdr m;
	struct kiovec *iov;
	uint64_t n;
	long r = flags_in(flags, &fl);
	if (r || (r = msg_in(umsg, &m, &iov, &n, 0)) < 0)
		return r;
	struct pk_sockaddr a;
	long err;
	struct lfile *f = 0;
	if (m.name && (r = addr_in(m.name, m.namelen, &a)) < 0)
		goto out;
	if (!(f = sock_get(fd, &err))) {
		r = err;
		goto out;
	}
	r = 0;
	if (f->sock->type == SOCK_DGRAM) { /* one datagram: gather it */
		uint8_t *b = n <= 65507 ? kmalloc(n ? n : 1) : 0;
		if (!b)
			r = n > 65507 ? -EMSGSIZE : -ENOMEM;
		for (uint64_t i = 0, at = 0; b && i < m.iovlen; at += iov[i++].len)
			if (linux_copy_in(b + at, iov[i].base, iov[i].len))
				r = -EFAULT;
		if (b && !r)
			r = sock_send(f, b, n, fl, m.name ? &a : 0);
		kfree(b);
	} else
		for (uint64_t i = 0; i < m.iovlen; i++) {
			if (!iov[i].len)
				continue;
			long k = usend(f, iov[i].base, iov[i].len, fl, 0);
			if (k < 0) {
				r = r ? r : k;
				break;
			}
			r += k;
			if ((uint64_t)k < iov[i].len)
				break;
		}
out:
	if (f)
		lfile_put(f);
	kfree(iov);
	return r;
}
LINUX_SYS(46, sendmsg, sys_sendmsg, "dpx");

static long sys_recvmsg(long fd, uint64_t umsg, long flags)
{
	int fl;
	struct kmsghdr m;
	struct kiovec *iov;
	uint64_t n;
	long r = flags_in(flags, &fl);
	if (r || (r = msg_in(umsg, &m, &iov, &n, 1)) < 0)
		return r;
	long err;
	struct lfile *f = 0;
	struct pk_sockaddr from = {0, 0};
	if (!linux_uaccess_ok(umsg, sizeof(m), 1) ||
	    (m.name && !linux_uaccess_ok(m.name, m.namelen < 16 ? m.namelen : 16, 1))) {
		r = -EFAULT;
		goto out;
	}
	if (!(f = sock_get(fd, &err))) {
		r = err;
		goto out;
	}
	r = 0;
	if (f->sock->type == SOCK_DGRAM) { /* one datagram, scattered */
		if (n > 65535)
			n = 65535;
		uint8_t *b = kmalloc(n ? n : 1);
		r = b ? sock_recv(f, b, n, fl, &from) : -ENOMEM;
		for (uint64_t i = 0, at = 0; r > 0 && i < m.iovlen && at < (uint64_t)r; i++) {
			uint64_t k = (uint64_t)r - at < iov[i].len ? (uint64_t)r - at : iov[i].len;
			if (linux_copy_out(iov[i].base, b + at, k))
				r = -EFAULT;
			at += k;
		}
		kfree(b);
	} else
		for (uint64_t i = 0; i < m.iovlen; i++) {
			if (!iov[i].len)
				continue;
			/* the first piece may wait, the rest take what is there */
			long k = urecv(f, iov[i].base, iov[i].len, r ? fl | MSG_DONTWAIT : fl,
				       &from);
			if (k < 0) {
				r = r ? r : k;
				break;
			}
			r += k;
			if ((uint64_t)k < iov[i].len)
				break;
		}
	if (r < 0)
		goto out;
	struct kmsghdr *um = (struct kmsghdr *)umsg;
	struct ksockaddr_in sa = {
		AF_INET, __builtin_bswap16(from.port), __builtin_bswap32(from.ip), {0}};
	uint32_t salen = sizeof(sa);
	uint64_t zero = 0;
	int32_t mflags = 0;
	if ((m.name && (linux_copy_out(m.name, &sa, m.namelen < 16 ? m.namelen : 16) ||
			linux_copy_out((uint64_t)&um->namelen, &salen, sizeof(salen)))) ||
	    linux_copy_out((uint64_t)&um->controllen, &zero,
			   sizeof(zero)) || /* no ancillary data */
	    linux_copy_out((uint64_t)&um->flags, &mflags, sizeof(mflags)))
		r = -EFAULT;
out:
	if (f)
		lfile_put(f);
	kfree(iov);
	return r;
}
LINUX_SYS(47, recvmsg, sys_recvmsg, "dpx");

static long sys_shutdown(long fd, long how)
{
	long err;
	struct lfile *f = sock_get(fd, &err);
	if (!f)
		return err;
	long r = pk_sock_shutdown(f->sock->s, (int)how);
	lfile_put(f);
	return r;
}
LINUX_SYS(48, shutdown, sys_shutdown, "dd");

static long sock_name(long fd, uint64_t uaddr, uint64_t ulen, int peer)
{
	long err;
	struct lfile *f = sock_get(fd, &err);
	if (!f)
		return err;
	struct pk_sockaddr a;
	long r = addr_out_ok(uaddr, ulen);
	if (!r && !uaddr)
		r = -EFAULT;
	if (!r)
		r = pk_sock_name(f->sock->s, peer, &a);
	lfile_put(f);
	return r ? r : addr_out(uaddr, ulen, &a);
}

static long sys_getsockname(long fd, uint64_t uaddr, uint64_t ulen)
{
	return sock_name(fd, uaddr, ulen, 0);
}
LINUX_SYS(51, getsockname, sys_getsockname, "dpp");

static long sys_getpeername(long fd, uint64_t uaddr, uint64_t ulen)
{
	return sock_name(fd, uaddr, ulen, 1);
}
LINUX_SYS(52, getpeername, sys_getpeername, "dpp");
