/* SPDX-License-Identifier: MIT */
/*
 * guest/app/http.c - run=http (a -DPK_LWIP=ON build): a static HTTP/1.1
 * responder on TCP port 80 for wrk, over lwIP's raw API, in the shape of
 * run=kv (guest/app/kv.c): inside the stack, listening in every CPU's
 * instance (PK_NET_APP), each connection served on the CPU its flow is
 * steered to. GET and HEAD of / or
 * /index.html answer http_size bytes (default 1024; bench/net/http_body.py
 * writes the same bytes for nginx), other paths 404, other methods 405;
 * keep-alive by default (HTTP/1.1), pipelining in order. Every response is
 * built once at start, so a request costs a parse and one tcp_write.
 *
 * Bounded (lib/http): a connection holds at most HTTP_HEAD bytes of
 * unparsed input in a fixed buffer and HTTP_QUEUE responses; beyond that it
 * stops acknowledging (tcp_recved), so the client's own window holds it
 * back. A malformed head gets 400, an oversized one 431, a body we cannot
 * frame (Transfer-Encoding) 501, a body over HTTP_MAX_BODY 413, each then
 * the connection closed (FIN first, the rest of its input discarded
 * until the client's FIN). A connection that makes no progress for
 * http_idle seconds (default 10; a half-open or slowloris client) is
 * aborted by lwIP's poll timer. Options: ip= (else DHCP), http_size=,
 * http_idle=, http_secs= (exit after that long, default 0: until the vmm
 * stops). At the end:
 *   HTTP port=80 conns=N closed=N requests=N errors=N idle=N
 */
#include <stddef.h>

#include "proto/exit.h"
#include "guest/arch/cpu.h"
#include "guest/arch/tsc.h"
#include "guest/drivers/virtio_net.h"
#include "guest/kernel/console.h"
#include "guest/kernel/param.h"
#include "guest/net/lwip_app.h"
#include "guest/net/lwip_port.h"
#include "guest/net/net_inst.h"
#include "lib/cmdline/cmdline.h"
#include "lib/heap/heap.h"
#include "lib/http/http.h"
#include "lib/kstring/kstring.h"
#include "lib/sched/sched.h"
#include "app.h"
#include "lwip/tcp.h"

PK_PARAM(http_size, "http: bytes of the page run=http serves (default 1024, at most 1 MiB)");
PK_PARAM(http_idle, "http: close a connection idle this many seconds (default 10)");
PK_PARAM(http_secs, "http: exit 0 after this many seconds (default 0: until stopped)");

#define HTTP_PORT 80
#define HTTP_HEAD 8192		 /* the largest request head accepted */
#define HTTP_QUEUE 64		 /* responses waiting to be sent per connection */
#define HTTP_MAX_BODY (1u << 20) /* request bodies discarded up to this */
#define HTTP_MAX_PAGE (1u << 20)
#define HTTP_POLL_TICKS (1000 / (2 * TCP_TMR_INTERVAL)) /* lwIP poll ticks in a second */
_Static_assert(HTTP_POLL_TICKS * 2 * TCP_TMR_INTERVAL == 1000, "a whole number of ticks a second");

/* the canned responses, built once (http_build) */
enum { R_OK, R_OK_HEAD, R_404, R_404_HEAD, R_405, R_400, R_413, R_431, R_501, R_N };
struct http_canned {
	const char *p;
	size_t len;
};
static struct http_canned canned[R_N][2]; /* [response][keep-alive] */

struct http_conn {
	struct lwip_app_conn base; /* first (lwip_app.h) */
	struct pbuf *pend;	   /* received, not yet moved into in[] */
	size_t pend_off;
	size_t inlen;  /* bytes in in[], the start of a head */
	uint64_t skip; /* body bytes still to discard */
	const struct http_canned *q[HTTP_QUEUE];
	unsigned qhead, qn;
	size_t qoff; /* bytes of q[qhead] already written */
	int peer_closed, closing, lingering;
	unsigned idle; /* poll ticks without progress */
	uint8_t in[HTTP_HEAD];
};

/* counters per CPU in one block on the heap (a static would be each
 * stack copy's own, out of reach of the summing at the end); st is this
 * copy's row */
struct http_stats {
	uint64_t conns, closed, requests, errors, idle;
	unsigned idle_ticks;
} __attribute__((aligned(64)));
struct http_shared {
	size_t size;
	unsigned idle;
	struct http_stats cpu[PK_NET_MAX_INST];
};
static struct http_stats *st;

static void conn_free(struct lwip_app_conn *b)
{
	struct http_conn *c = (struct http_conn *)b;
	if (c->pend)
		pbuf_free(c->pend);
	kfree(c);
	st->closed++;
}

static void conn_queue(struct http_conn *c, int which, int keep)
{
	c->q[(c->qhead + c->qn) % HTTP_QUEUE] = &canned[which][keep];
	c->qn++;
	if (!keep)
		c->closing = 1;
}

/* Hand queued responses to lwIP. Copied (TCP_WRITE_FLAG_COPY, into lwIP's
 * heap): a reference to the static buffer would need a PBUF_ROM from a
 * pool of MEMP_NUM_PBUF (16), which ten busy connections exhaust, and a
 * write refused for that waits for the next ACK or the 1 s poll. */
static void conn_flush(struct http_conn *c)
{
	while (c->qn) {
		const struct http_canned *r = c->q[c->qhead];
		size_t n = r->len - c->qoff, room = tcp_sndbuf(c->base.pcb);
		if (n > room)
			n = room;
		if (n > 0xffff)
			n = 0xffff;
		u8_t more = c->qn > 1 || n < r->len - c->qoff ? TCP_WRITE_FLAG_MORE : 0;
		more |= TCP_WRITE_FLAG_COPY;
		if (!n || tcp_write(c->base.pcb, r->p + c->qoff, (u16_t)n, more) != ERR_OK)
			break;
		c->qoff += n;
		if (c->qoff == r->len)
			c->qhead = (c->qhead + 1) % HTTP_QUEUE, c->qn--, c->qoff = 0;
	}
	tcp_output(c->base.pcb);
}

/* Answer the complete heads in in[]; 0 when it must wait (for bytes or
 * for queue room). */
static int conn_parse(struct http_conn *c)
{
	size_t start = 0;
	int progress = 0;
	while (!c->closing && c->qn < HTTP_QUEUE) {
		if (c->skip) {
			size_t n = c->inlen - start < c->skip ? c->inlen - start : (size_t)c->skip;
			start += n, c->skip -= n;
			if (c->skip)
				break;
		}
		struct http_req r;
		enum http_rc rc = http_parse(c->in + start, c->inlen - start, HTTP_HEAD, &r);
		if (rc == HTTP_MORE)
			break;
		progress = 1;
		if (rc != HTTP_OK) {
			st->errors++;
			conn_queue(c,
				   rc == HTTP_TOO_BIG	 ? R_431
				   : rc == HTTP_NOT_IMPL ? R_501
							 : R_400,
				   0);
			break;
		}
		st->requests++;
		start += r.used;
		if (r.content_length > HTTP_MAX_BODY) {
			st->errors++;
			conn_queue(c, R_413, 0);
			break;
		}
		c->skip = r.content_length;
		const uint8_t *t = c->in + start - r.used + r.target;
		int page = (r.target_len == 1 && t[0] == '/') ||
			   (r.target_len == 11 && !memcmp(t, "/index.html", 11));
		int head = r.method == HTTP_HEAD;
		if (r.method == HTTP_OTHER)
			conn_queue(c, R_405, r.keep_alive);
		else
			conn_queue(c,
				   page ? (head ? R_OK_HEAD : R_OK) : (head ? R_404_HEAD : R_404),
				   r.keep_alive);
	}
	if (start) {
		memmove(c->in, c->in + start, c->inlen - start);
		c->inlen -= start;
	}
	return progress;
}

/* Move pending bytes into in[] and answer what is complete, until neither
 * makes progress; *closed when the connection went. */
static err_t conn_run(struct http_conn *c, int *closed)
{
	for (;;) {
		int moved = 0;
		while (!c->closing && c->pend && c->inlen < sizeof(c->in)) {
			size_t left = c->pend->tot_len - c->pend_off;
			size_t n =
				sizeof(c->in) - c->inlen < left ? sizeof(c->in) - c->inlen : left;
			pbuf_copy_partial(c->pend, c->in + c->inlen, (u16_t)n, (u16_t)c->pend_off);
			c->inlen += n, c->pend_off += n, moved = 1;
			tcp_recved(c->base.pcb, (u16_t)n);
			if (c->pend_off == c->pend->tot_len) {
				pbuf_free(c->pend);
				c->pend = 0, c->pend_off = 0;
			}
		}
		/* a scan of at most HTTP_HEAD bytes per received segment */
		int parsed = conn_parse(c);
		if (moved || parsed)
			c->idle = 0;
		if (!parsed && (!moved || c->closing))
			break;
	}
	conn_flush(c);
	*closed = 0;
	if (c->qn || !(c->closing || (c->peer_closed && !c->pend)))
		return ERR_OK;
	if (c->peer_closed) {
		*closed = 1;
		return lwip_app_conn_close(&c->base);
	}
	if (!c->lingering) {
		/* A close with unread input sends a RST, and the client's
		 * kernel may drop our answer with it: send FIN, discard what
		 * still comes until the client's FIN (or http_idle), as
		 * nginx's lingering_close does. */
		if (c->pend) {
			tcp_recved(c->base.pcb, (u16_t)(c->pend->tot_len - c->pend_off));
			pbuf_free(c->pend);
			c->pend = 0;
		}
		c->lingering = 1;
		if (tcp_shutdown(c->base.pcb, 0, 1) != ERR_OK) {
			*closed = 1;
			return lwip_app_conn_close(&c->base);
		}
	}
	return ERR_OK;
}

static err_t http_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	struct http_conn *c = arg;
	int closed;
	if (!c || err != ERR_OK) {
		if (p)
			pbuf_free(p);
		return ERR_OK;
	}
	if (!p) {
		c->peer_closed = 1;
		return conn_run(c, &closed);
	}
	if (c->closing) { /* answered an error already: discard the rest */
		tcp_recved(pcb, p->tot_len);
		pbuf_free(p);
		return ERR_OK;
	}
	if (c->pend) {
		/* tot_len is 16 bits: the window (32 segments) keeps the chain
		 * short, but never let it wrap */
		if ((uint32_t)c->pend->tot_len + p->tot_len > 0xffff)
			return ERR_MEM; /* lwIP keeps p and offers it again later */
		pbuf_cat(c->pend, p);
	} else {
		c->pend = p, c->pend_off = 0;
	}
	return conn_run(c, &closed);
}

static err_t http_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
	(void)pcb, (void)len;
	int closed;
	struct http_conn *c = arg;
	if (!c)
		return ERR_OK;
	c->idle = 0;
	return conn_run(c, &closed);
}

/* lwIP's poll timer, once a second (HTTP_POLL_TICKS of its slow timer,
 * which ticks every 2 * TCP_TMR_INTERVAL ms, lwipopts.h): drop idle
 * connections */
static err_t http_poll(void *arg, struct tcp_pcb *pcb)
{
	struct http_conn *c = arg;
	if (!c)
		return ERR_OK;
	if (++c->idle < st->idle_ticks) {
		int closed;
		return conn_run(c, &closed); /* e.g. sndbuf space came back */
	}
	st->idle++;
	tcp_arg(pcb, 0);
	conn_free(&c->base);
	tcp_abort(pcb);
	return ERR_ABRT;
}

static const struct lwip_app_ops http_ops = {
	.size = sizeof(struct http_conn),
	.zero = offsetof(struct http_conn, in), /* the head buffer needs none */
	.recv = http_recv,
	.sent = http_sent,
	.poll = http_poll,
	.poll_interval = HTTP_POLL_TICKS,
	.free = conn_free,
};

static err_t http_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
	(void)arg;
	err_t r;
	if (lwip_app_accept(&http_ops, pcb, err, &r))
		st->conns++;
	return r;
}

/* every canned response, keep-alive and not; 0 on no memory */
static int http_build(size_t size)
{
	static const struct {
		int status;
		const char *reason, *extra, *body;
		int head;
	} def[R_N] = {
		[R_OK] = {200, "OK", "", 0, 0},
		[R_OK_HEAD] = {200, "OK", "", 0, 1},
		[R_404] = {404, "Not Found", "", "not found\n", 0},
		[R_404_HEAD] = {404, "Not Found", "", "not found\n", 1},
		[R_405] = {405, "Method Not Allowed", "Allow: GET, HEAD\r\n",
			   "method not allowed\n", 0},
		[R_400] = {400, "Bad Request", "", "bad request\n", 0},
		[R_413] = {413, "Content Too Large", "", "content too large\n", 0},
		[R_431] = {431, "Request Header Fields Too Large", "", "header too large\n", 0},
		[R_501] = {501, "Not Implemented", "", "not implemented\n", 0},
	};
	char *page = kmalloc(size ? size : 1);
	if (!page)
		return 0;
	for (size_t i = 0; i < size; i++) /* bench/net/http_body.py writes the same */
		page[i] = i % 64 == 63 ? '\n' : (char)('a' + (i % 64) % 26);
	for (int w = 0; w < R_N; w++)
		for (int keep = 0; keep < 2; keep++) {
			const char *body = def[w].body ? def[w].body : page;
			size_t blen = def[w].body ? strlen(def[w].body) : size;
			size_t cap = blen + 256;
			char *buf = kmalloc(cap);
			if (!buf)
				return 0;
			canned[w][keep].p = buf;
			canned[w][keep].len =
				http_response(buf, cap, def[w].status, def[w].reason, def[w].extra,
					      body, blen, def[w].head, keep);
			if (!canned[w][keep].len)
				return 0;
		}
	kfree(page);
	return 1;
}

/* On every instance, on its CPU (pk_net_app_each): its responses, its
 * counters, its listening pcb. */
static int http_listen(void *arg)
{
	struct http_shared *sh = arg;
	st = &sh->cpu[sched_cpu_self()];
	st->idle_ticks = sh->idle;
	if (!http_build(sh->size)) {
		kprintf("http: no memory for the responses\n");
		return -1;
	}
	return lwip_app_listen(HTTP_PORT, http_accept, "http") ? 0 : -1;
}
PK_NET_APP("http", http_listen);

static int http_run(const char *cmdline)
{
	uint32_t ip = 0;
	if (pk_net_cmdline_ip(cmdline, "http", &ip) < 0)
		return PK_EXIT_BAD_CMDLINE;
	uint64_t size = cmdline_get_uint(cmdline, "http_size", 1024);
	uint64_t idle = cmdline_get_uint(cmdline, "http_idle", 10);
	uint64_t secs = cmdline_get_uint(cmdline, "http_secs", 0);
	if (size > HTTP_MAX_PAGE || idle == 0 || idle > 3600) {
		kprintf("http: http_size=%lu (at most %u) or http_idle=%lu (1..3600 s) out of "
			"range\n",
			size, HTTP_MAX_PAGE, idle);
		return PK_EXIT_BAD_CMDLINE;
	}
	struct http_shared *sh = kcalloc(1, sizeof(*sh));
	if (!sh)
		return PK_EXIT_TESTS_FAILED;
	sh->size = size;
	sh->idle = (unsigned)idle;
	struct pk_net_cfg cfg = {ip, ip ? 0xffffff00u : 0, ip ? (ip & 0xffffff00u) | 2 : 0};
	if (pk_net_up(&cfg, 30ull * 1000 * 1000 * 1000) < 0 || pk_net_app_each("http", sh) < 0)
		return PK_EXIT_TESTS_FAILED;
	struct pk_net_cfg now;
	pk_net_ops_on(0)->addr(&now);
	unsigned n = pk_net_instances();
	kprintf("http: serving HTTP/1.1 on %u.%u.%u.%u:%u, %u CPUs\n", now.ip >> 24,
		now.ip >> 16 & 255, now.ip >> 8 & 255, now.ip & 255, HTTP_PORT, n);
	/* the instances' poll tasks serve; this one only keeps time */
	uint64_t end = secs ? rdtsc() + secs * tsc_khz * 1000 : 0;
	while (!end || rdtsc() < end)
		sched_sleep(100 * 1000 * 1000);
	pk_net_down(2000000);
	struct http_stats sum = {0};
	for (unsigned i = 0; i < n; i++) {
		sum.conns += sh->cpu[i].conns, sum.closed += sh->cpu[i].closed;
		sum.requests += sh->cpu[i].requests, sum.errors += sh->cpu[i].errors;
		sum.idle += sh->cpu[i].idle;
	}
	kprintf("HTTP port=%u conns=%lu closed=%lu requests=%lu errors=%lu idle=%lu cpus=%u\n",
		HTTP_PORT, sum.conns, sum.closed, sum.requests, sum.errors, sum.idle, n);
	return PK_EXIT_OK;
}
APP("http", http_run, "static HTTP/1.1 responder with keep-alive on TCP port 80 (lwIP; wrk)");
