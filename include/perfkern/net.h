/* SPDX-License-Identifier: MIT */
/*
 * include/perfkern/net.h - sockets on the executors (docs/netstack.md
 * "Sockets"): TCP and UDP over the kernel's lwIP stack, as awaitable calls
 * that suspend the calling task (never spin the CPU), with timeouts, a
 * connection limit per listener and backpressure.
 *
 * Kernel apps call the pk_sock_* functions below; a Linux program reaches
 * the same functions through the native table (perfkern.h, struct pk_api
 * net_*) or through the Linux socket system calls (docs/programs.md).
 *
 * Conventions:
 * - Results are >= 0, or a negative Linux errno (-EAGAIN = -11, ...).
 * - timeout_ns: 0 never waits (-EAGAIN, connect: -EINPROGRESS),
 *   PK_NET_FOREVER waits as long as it takes; a wait that times out
 *   returns -EAGAIN (connect: -ETIMEDOUT).
 * - Addresses and ports are in host byte order.
 * - A socket belongs to the stack instance of one CPU. A call from a task
 *   on another CPU runs there (a short task on the owner) and suspends the
 *   caller meanwhile; a task on the owner calls straight in.
 * - Backpressure: pk_sock_send waits while the stack's send buffer is
 *   full; received bytes open the peer's window only as pk_sock_recv
 *   takes them, so a fast sender is held back by its own TCP window.
 */
#ifndef PERFKERN_NET_H
#define PERFKERN_NET_H

#include <stddef.h>
#include <stdint.h>

#define PK_NET_FOREVER UINT64_MAX

#define PK_SOCK_STREAM 1 /* TCP (Linux SOCK_STREAM) */
#define PK_SOCK_DGRAM 2	 /* UDP (Linux SOCK_DGRAM) */

/* Readiness (pk_sock_events), the Linux poll(2) bits. */
#define PK_POLLIN 0x001
#define PK_POLLOUT 0x004
#define PK_POLLERR 0x008
#define PK_POLLHUP 0x010
#define PK_POLLRDHUP 0x2000

/* recv/send flags, Linux's values */
#define PK_MSG_PEEK 0x02
#define PK_MSG_DONTWAIT 0x40
#define PK_MSG_WAITALL 0x100

/* Options (pk_sock_setopt/getopt) */
#define PK_SO_NODELAY 1	  /* TCP_NODELAY: Nagle off */
#define PK_SO_KEEPALIVE 2 /* SO_KEEPALIVE */
#define PK_SO_REUSEADDR 3 /* SO_REUSEADDR: bind over TIME_WAIT connections */
#define PK_SO_CONNLIMIT 4 /* a listener: most connections open at once (0: none) */
#define PK_SO_ERROR 5	  /* getopt: the pending error (-errno, then cleared), or 0 */
#define PK_SO_RCVBUF 6	  /* getopt: bytes waiting to be received */
#define PK_SO_SNDBUF 7	  /* getopt: room in the send buffer */

#define PK_SHUT_RD 0
#define PK_SHUT_WR 1
#define PK_SHUT_RDWR 2

struct pk_sockaddr {
	uint32_t ip; /* host order; 0: any */
	uint16_t port;
};

struct pk_sock; /* opaque */

#if !defined(__STDC_HOSTED__) || !__STDC_HOSTED__ || defined(PK_KERNEL)
/* --- kernel apps (guest/net/net.c) --- */
/* A new socket (PK_SOCK_STREAM or PK_SOCK_DGRAM); brings the network up on
 * first use (DHCP). 0, -ENETDOWN (no device or no stack), -ENOBUFS. */
int pk_sock_open(int type, struct pk_sock **out);
int pk_sock_bind(struct pk_sock *s, const struct pk_sockaddr *a); /* -EADDRINUSE ... */
/* Listen with at most backlog connections waiting for accept (more are
 * refused with a reset). */
int pk_sock_listen(struct pk_sock *s, int backlog);
/* The next connection (*out, its peer into *peer when not NULL). */
int pk_sock_accept(struct pk_sock *s, uint64_t timeout_ns, struct pk_sock **out,
		   struct pk_sockaddr *peer);
int pk_sock_connect(struct pk_sock *s, const struct pk_sockaddr *to, uint64_t timeout_ns);
/* Bytes received (0: the peer closed), -EAGAIN after the timeout. UDP:
 * one datagram, its sender into *from. */
long pk_sock_recv(struct pk_sock *s, void *buf, size_t n, int flags, uint64_t timeout_ns,
		  struct pk_sockaddr *from);
/* TCP: every byte unless the timeout (or PK_MSG_DONTWAIT) cuts it short
 * (then what was queued, or -EAGAIN); -EPIPE after a shutdown or reset.
 * UDP: one datagram to *to (or the connected peer). */
long pk_sock_send(struct pk_sock *s, const void *buf, size_t n, int flags, uint64_t timeout_ns,
		  const struct pk_sockaddr *to);
int pk_sock_shutdown(struct pk_sock *s, int how);
/* Close and free s (never waits: a TCP close finishes in the stack). */
void pk_sock_close(struct pk_sock *s);
int pk_sock_name(struct pk_sock *s, int peer, struct pk_sockaddr *out);
int pk_sock_setopt(struct pk_sock *s, int opt, int val);
int pk_sock_getopt(struct pk_sock *s, int opt, int *val);
/* PK_POLL* true now; any CPU, never waits. */
unsigned pk_sock_events(const struct pk_sock *s);
/* Wait until one of s[i] has one of want[i] (POLLERR and POLLHUP always
 * count): got[i] gets the events, the result is how many sockets are
 * ready (0 on timeout). */
int pk_sock_poll(struct pk_sock *const *s, const unsigned *want, unsigned *got, unsigned n,
		 uint64_t timeout_ns);

/* Shorthands: a listening TCP socket on port (every address) with
 * backlog and a connection limit (0: none); a connected one. */
int pk_listen(uint16_t port, int backlog, int conn_limit, struct pk_sock **out);
int pk_connect(uint32_t ip, uint16_t port, uint64_t timeout_ns, struct pk_sock **out);
#endif

#endif
