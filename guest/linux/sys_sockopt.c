/* SPDX-License-Identifier: MIT */
/*
 * guest/linux/sys_sockopt.c - setsockopt(2)/getsockopt(2) on socket fds:
 * the options the stack has (SO_REUSEADDR, SO_KEEPALIVE, TCP_NODELAY, the
 * receive and send timeouts, SO_ERROR, ...) mapped onto
 * include/perfkern/net.h, the ones it has no use for accepted and ignored.
 */
#include "lib/kstring/kstring.h"
#include "linux.h"
#include "sys_net.h"

/* The pk option for (level, name), or 0: accepted and ignored, or -1. */
static int opt_of(long level, long name)
{
	if (level == SOL_SOCKET)
		switch (name) {
		case SO_REUSEADDR:
			return PK_SO_REUSEADDR;
		case SO_KEEPALIVE:
			return PK_SO_KEEPALIVE;
		case SO_REUSEPORT:
		case SO_BROADCAST:
		case SO_SNDBUF:
		case SO_RCVBUF:
		case SO_LINGER:
			return 0; /* the stack's buffers are its own */
		}
	if (level == IPPROTO_TCP)
		return name == TCP_NODELAY ? PK_SO_NODELAY : name >= 2 && name <= 6 ? 0 : -1;
	if (level == IPPROTO_IP)
		return 0; /* IP_TOS and friends: accepted, ignored */
	return -1;
}

static uint64_t timeval_ns(const struct ktimeval *tv)
{
	if (tv->sec == 0 && tv->usec == 0)
		return PK_NET_FOREVER; /* 0 means no timeout */
	return (uint64_t)tv->sec * 1000000000ull + (uint64_t)tv->usec * 1000ull;
}

static long sys_setsockopt(long fd, long level, long name, uint64_t uval, uint64_t len)
{
	long err;
	struct lfile *f = sock_get(fd, &err);
	if (!f)
		return err;
	long r = 0;
	if (level == SOL_SOCKET && (name == SO_RCVTIMEO || name == SO_SNDTIMEO)) {
		struct ktimeval tv;
		if (len < sizeof(tv))
			r = -EINVAL;
		else if (linux_copy_in(&tv, uval, sizeof(tv)))
			r = -EFAULT;
		else {
			if (tv.sec < 0 || tv.usec < 0 || tv.usec >= 1000000)
				r = -EINVAL;
			else if (name == SO_RCVTIMEO)
				f->sock->rcvtimeo = timeval_ns(&tv);
			else
				f->sock->sndtimeo = timeval_ns(&tv);
		}
		lfile_put(f);
		return r;
	}
	int opt = opt_of(level, name), v;
	if (opt < 0)
		r = -ENOPROTOOPT;
	else if (len < 4)
		r = -EINVAL;
	else if (linux_copy_in(&v, uval, sizeof(v)))
		r = -EFAULT;
	else if (opt)
		r = pk_sock_setopt(f->sock->s, opt, v);
	lfile_put(f);
	return r;
}
LINUX_SYS(54, setsockopt, sys_setsockopt, "dddpd");

static long sys_getsockopt(long fd, long level, long name, uint64_t uval, uint64_t ulen)
{
	long err;
	struct lfile *f = sock_get(fd, &err);
	if (!f)
		return err;
	long r = 0;
	int v = 0, len;
	if (!linux_uaccess_ok(ulen, 4, 1) || linux_copy_in(&len, ulen, sizeof(len)))
		r = -EFAULT;
	else if (len < 0)
		r = -EINVAL;
	if (r)
		goto out;
	if (level == SOL_SOCKET && (name == SO_RCVTIMEO || name == SO_SNDTIMEO)) {
		uint64_t ns = name == SO_RCVTIMEO ? f->sock->rcvtimeo : f->sock->sndtimeo;
		struct ktimeval tv = {0, 0};
		if (ns != PK_NET_FOREVER)
			tv = (struct ktimeval){(int64_t)(ns / 1000000000u),
					       (int64_t)(ns % 1000000000u / 1000)};
		size_t k = (size_t)len < sizeof(tv) ? (size_t)len : sizeof(tv);
		int klen = (int)k;
		if (linux_copy_out(uval, &tv, k) || linux_copy_out(ulen, &klen, sizeof(klen)))
			r = -EFAULT;
		goto out;
	}
	if (level == SOL_SOCKET && name == SO_TYPE)
		v = f->sock->type;
	else if (level == SOL_SOCKET && name == SO_DOMAIN)
		v = AF_INET;
	else if (level == SOL_SOCKET && name == SO_PROTOCOL)
		v = f->sock->type == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP;
	else if (level == SOL_SOCKET && name == SO_ACCEPTCONN)
		v = f->sock->listening;
	else if (level == SOL_SOCKET && name == SO_ERROR) {
		r = pk_sock_getopt(f->sock->s, PK_SO_ERROR, &v);
		v = -v; /* a positive errno */
	} else if (level == SOL_SOCKET && (name == SO_SNDBUF || name == SO_RCVBUF))
		v = 65536;
	else {
		int opt = opt_of(level, name);
		if (opt < 0)
			r = -ENOPROTOOPT;
		else if (opt)
			r = pk_sock_getopt(f->sock->s, opt, &v);
	}
	if (r)
		goto out;
	size_t k = len < 4 ? (size_t)len : 4;
	int klen = (int)k;
	if (linux_copy_out(uval, &v, k) || linux_copy_out(ulen, &klen, sizeof(klen)))
		r = -EFAULT;
out:
	lfile_put(f);
	return r;
}
LINUX_SYS(55, getsockopt, sys_getsockopt, "dddpp");
