/* SPDX-License-Identifier: MIT */
/*
 * guest/app/sockecho.c - run=sockecho: a TCP echo server written on
 * include/perfkern/net.h, the way a kernel app uses sockets: one task
 * accepts, one task per connection receives and sends back, each call
 * suspending its task. It never calls lwIP (it is outside the stack).
 * Options: sockecho_port= (default 7), sockecho_limit= (connections open
 * at once, 0: no limit), sockecho_idle_ms= (close a connection idle that
 * long, 0: never), sockecho_conns= (exit 0 once that many connections
 * closed and none is open, default 1; 0: only QUIT), and a connection
 * whose first bytes are QUIT ends it (exit 0), sockecho_secs= (that long without a new connection:
 * give up, exit 1; default 120).
 *   SOCKECHO port=P conns=N closed=N idle_closed=N bytes=N
 */
#include "include/perfkern/net.h"

#include "proto/exit.h"
#include "guest/kernel/console.h"
#include "guest/kernel/param.h"
#include "guest/linux/errno.h"
#include "lib/cmdline/cmdline.h"
#include "lib/kstring/kstring.h"
#include "lib/sched/sched.h"
#include "app.h"

PK_PARAM(sockecho_port, "sockecho: TCP port (default 7)");
PK_PARAM(sockecho_limit, "sockecho: connections open at once (default 0: no limit)");
PK_PARAM(sockecho_idle_ms, "sockecho: close a connection idle this long (default 0: never)");
PK_PARAM(sockecho_conns,
	 "sockecho: exit 0 once this many connections closed and none is open (default 1; 0: at "
	 "QUIT only)");
PK_PARAM(
	sockecho_secs,
	"sockecho: give up after this many seconds without a new connection, exit 1 (default 120)");

static struct {
	uint64_t conns, closed, idle_closed, bytes;
	uint64_t idle_ns;
	int quit; /* a connection began with QUIT */
} st;

static void *sockecho_conn(void *arg)
{
	struct pk_sock *c = arg;
	char buf[4096];
	pk_sock_setopt(c, PK_SO_NODELAY, 1);
	for (int first = 1;; first = 0) {
		long n = pk_sock_recv(c, buf, sizeof(buf), 0, st.idle_ns, 0);
		if (first && n >= 4 && !memcmp(buf, "QUIT", 4)) {
			st.quit = 1;
			break;
		}
		if (n == -EAGAIN) { /* idle too long */
			st.idle_closed++;
			break;
		}
		if (n <= 0) /* the peer closed, or reset */
			break;
		/* waits while the send buffer is full: a client that does not
		 * read stops this task, and through its window, itself */
		if (pk_sock_send(c, buf, (size_t)n, 0, PK_NET_FOREVER, 0) != n)
			break;
		st.bytes += (uint64_t)n;
	}
	pk_sock_close(c);
	st.closed++;
	return 0;
}

struct sockecho_job {
	struct pk_sock *l;
	uint64_t want, end_ns, now_ns;
	int rc;
};

static void *sockecho_accept(void *arg)
{
	struct sockecho_job *j = arg;
	uint64_t waited_ns = 0;
	while (!st.quit && (!j->want || st.closed < j->want || st.closed < st.conns)) {
		struct pk_sock *c;
		struct pk_sockaddr peer;
		int r = pk_sock_accept(j->l, 100 * 1000 * 1000, &c, &peer);
		if (r == -EAGAIN) { /* the timeout: look at the clock */
			waited_ns += 100 * 1000 * 1000;
			if (waited_ns >= j->end_ns) {
				kprintf("sockecho: gave up after %lu s\n", j->end_ns / 1000000000u);
				j->rc = PK_EXIT_TESTS_FAILED;
				break;
			}
			continue;
		}
		if (r < 0) {
			kprintf("sockecho: accept: error %d\n", r);
			j->rc = PK_EXIT_TESTS_FAILED;
			break;
		}
		st.conns++;
		if (!sched_spawn(sockecho_conn, c, "sockecho-conn")) {
			pk_sock_close(c);
			st.closed++;
		}
	}
	return 0;
}

static int sockecho_run(const char *cmdline)
{
	unsigned port = (unsigned)cmdline_get_uint(cmdline, "sockecho_port", 7);
	int limit = (int)cmdline_get_uint(cmdline, "sockecho_limit", 0);
	st.idle_ns = cmdline_get_uint(cmdline, "sockecho_idle_ms", 0) * 1000000u;
	if (!st.idle_ns)
		st.idle_ns = PK_NET_FOREVER;
	struct sockecho_job j = {0, cmdline_get_uint(cmdline, "sockecho_conns", 1),
				 cmdline_get_uint(cmdline, "sockecho_secs", 120) * 1000000000u, 0,
				 PK_EXIT_OK};
	if (port == 0 || port > 65535) {
		kprintf("sockecho: sockecho_port=%u is not a port\n", port);
		return PK_EXIT_BAD_CMDLINE;
	}
	int r = pk_listen((uint16_t)port, 16, limit, &j.l);
	if (r < 0) {
		kprintf("sockecho: cannot listen on TCP port %u: error %d%s\n", port, r,
			r == -ENETDOWN ? " (no network: a kernel with lwIP and a virtio-net device)"
				       : "");
		return PK_EXIT_TESTS_FAILED;
	}
	kprintf("sockecho: listening on port %u, limit %d\n", port, limit);
	struct task *t = sched_spawn(sockecho_accept, &j, "sockecho");
	if (!t)
		return PK_EXIT_TESTS_FAILED;
	sched_join(t);
	pk_sock_close(j.l);
	sched_sleep(200 * 1000 * 1000); /* the last FINs out */
	kprintf("SOCKECHO port=%u conns=%lu closed=%lu idle_closed=%lu bytes=%lu\n", port, st.conns,
		st.closed, st.idle_closed, st.bytes);
	return j.rc;
}
APP("sockecho", sockecho_run,
    "TCP echo on include/perfkern/net.h: a task per connection (sockecho_port=, sockecho_limit=)");
