/* SPDX-License-Identifier: MIT */
/*
 * guest/app/kv.c - run=kv (a -DPK_LWIP=ON build): a key-value server on
 * TCP port 6379 speaking RESP2 (lib/resp, guest/app/kv_store.c) over
 * lwIP's raw API on every CPU's stack instance (guest/net/net_inst.h): this
 * file is in the stack, so each copy has its own listener, connections and
 * counters; the keys live in kv_store.c's shards, one per CPU, which every
 * instance shares. Each connection keeps the bytes of
 * its current request (kmalloc, growing to the request's size) and its
 * pending replies. Flow control: received bytes are acknowledged to the
 * peer (tcp_recved) only while fewer than KV_OUT_HIGH reply bytes wait, so
 * a pipelining client that does not read is held back by its own window
 * and the server never queues more than a window of its input. A protocol
 * error is answered and the connection closed; so is running out of memory.
 * Options: ip= (else DHCP), kv_max_value= (bytes, default 512 MiB),
 * kv_secs= (exit after that long, default 0: until SHUTDOWN).
 *   KV port=6379 conns=N closed=N requests=N errors=N keys=N
 */
#include "proto/exit.h"
#include "guest/arch/cpu.h"
#include "guest/arch/tsc.h"
#include "guest/drivers/virtio_net.h"
#include "guest/kernel/console.h"
#include "guest/kernel/param.h"
#include "guest/net/lwip_app.h"
#include "guest/net/net_inst.h"
#include "lib/printf/printf.h"
#include "lib/cmdline/cmdline.h"
#include "lib/heap/heap.h"
#include "lib/kstring/kstring.h"
#include "lib/net/echo.h"
#include "lib/sched/sched.h"
#include "app.h"
#include "kv_store.h"
#include "lwip/netif.h"
#include "lwip/tcp.h"

PK_PARAM(kv_max_value, "kv: largest bulk string accepted, bytes (default 512 MiB)");
PK_PARAM(kv_secs, "kv: exit 0 after this many seconds (default 0: until SHUTDOWN)");

#define KV_PORT 6379
#define KV_MAX_ARGS 1024
#define KV_OUT_HIGH (256 * 1024) /* replies waiting: stop reading */

struct kv_conn {
	struct lwip_app_conn base; /* first (lwip_app.h) */
	uint8_t *in;
	size_t inlen, incap;
	uint32_t unacked; /* received, not yet tcp_recved */
	int peer_closed, closing;
	struct resp_parser rp;
	struct resp_arg argv[KV_MAX_ARGS];
	struct kv_out out;
};

/* this copy's instance (its CPU) and what all instances share */
static struct resp_limits kv_lim = {KV_MAX_ARGS, 512ull << 20, 64 * 1024};
static struct kv_shared *sh;
static unsigned me;
#define ST (sh->cpu[me])

static void conn_free(struct lwip_app_conn *b)
{
	struct kv_conn *c = (struct kv_conn *)b;
	kfree(c->in);
	kv_out_free(&c->out);
	kfree(c);
	ST.closed++;
}

/* Queue pending replies into lwIP's send buffer. */
static void conn_flush(struct kv_conn *c)
{
	struct kv_out *o = &c->out;
	while (o->off < o->len) {
		size_t n = o->len - o->off, room = tcp_sndbuf(c->base.pcb);
		if (n > room)
			n = room;
		if (n > 0xffff)
			n = 0xffff;
		if (!n ||
		    tcp_write(c->base.pcb, o->p + o->off, (u16_t)n, TCP_WRITE_FLAG_COPY) != ERR_OK)
			break;
		o->off += n;
	}
	if (o->off == o->len) {
		o->off = o->len = 0;
		if (o->cap > KV_OUT_HIGH) /* a big reply went out: give its memory back */
			kv_out_free(o);
	}
	tcp_output(c->base.pcb);
}

/* Parse and run what is complete; *closed when the connection went. */
static err_t conn_run(struct kv_conn *c, int *closed)
{
	size_t start = 0;
	while (!c->closing && c->out.len - c->out.off < KV_OUT_HIGH) {
		enum resp_rc rc = resp_feed(&c->rp, c->in + start, c->inlen - start);
		if (rc == RESP_MORE)
			break;
		if (rc == RESP_ERROR) {
			ST.errors++;
			kv_out_put(&c->out, "-", 1);
			kv_out_put(&c->out, c->rp.err, strlen(c->rp.err));
			kv_out_put(&c->out, "\r\n", 2);
			c->closing = 1; /* the stream cannot be resynced (Redis closes too) */
			break;
		}
		if (c->rp.argc)
			ST.requests++;
		int r = kv_exec(c->in + start, c->rp.argv, c->rp.argc, &c->out);
		if (r == KV_SHUTDOWN)
			sh->shutdown = 1;
		else if (r == KV_QUIT)
			c->closing = 1;
		start += c->rp.used;
		resp_next(&c->rp);
	}
	if (start) {
		memmove(c->in, c->in + start, c->inlen - start);
		c->inlen -= start;
	}
	if (c->inlen == 0 && c->incap > 64 * 1024) { /* after a big request */
		kfree(c->in);
		c->in = 0, c->incap = 0;
	}
	while (c->out.len - c->out.off < KV_OUT_HIGH && c->unacked) {
		u16_t n = c->unacked > 0xffff ? 0xffff : (u16_t)c->unacked;
		tcp_recved(c->base.pcb, n);
		c->unacked -= n;
	}
	conn_flush(c);
	*closed = 0;
	if (c->out.oom || ((c->closing || c->peer_closed) && c->out.len == c->out.off)) {
		*closed = 1;
		return lwip_app_conn_close(&c->base);
	}
	return ERR_OK;
}

static err_t kv_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	struct kv_conn *c = arg;
	if (!c || err != ERR_OK) {
		if (p)
			pbuf_free(p);
		return ERR_OK;
	}
	int closed;
	if (!p) {
		c->peer_closed = 1;
		return conn_run(c, &closed);
	}
	if (c->closing) { /* answered an error already: discard the rest */
		tcp_recved(pcb, p->tot_len);
		pbuf_free(p);
		return ERR_OK;
	}
	if (c->inlen + p->tot_len > c->incap) {
		size_t cap = c->incap ? c->incap : 4096;
		while (cap < c->inlen + p->tot_len)
			cap *= 2;
		uint8_t *n = krealloc(c->in, cap);
		if (!n) { /* no memory for this request: drop the client */
			pbuf_free(p);
			tcp_arg(pcb, 0);
			tcp_abort(pcb);
			conn_free(&c->base);
			return ERR_ABRT;
		}
		c->in = n, c->incap = cap;
	}
	pbuf_copy_partial(p, c->in + c->inlen, p->tot_len, 0);
	c->inlen += p->tot_len;
	c->unacked += p->tot_len;
	pbuf_free(p);
	return conn_run(c, &closed);
}

static err_t kv_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
	(void)pcb, (void)len;
	int closed;
	return arg ? conn_run(arg, &closed) : ERR_OK;
}

static const struct lwip_app_ops kv_ops = {
	.size = sizeof(struct kv_conn),
	.zero = sizeof(struct kv_conn),
	.recv = kv_recv,
	.sent = kv_sent,
	.free = conn_free,
};

static err_t kv_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
	(void)arg;
	err_t r;
	struct kv_conn *c = (struct kv_conn *)lwip_app_accept(&kv_ops, pcb, err, &r);
	if (c) {
		resp_init(&c->rp, &kv_lim, c->argv);
		ST.conns++;
	}
	return r;
}

/* On every instance, on its CPU (pk_net_app_each): listen on the port. */
static int kv_listen(void *arg)
{
	sh = arg;
	me = sched_cpu_self();
	kv_lim.max_bulk = sh->max_bulk;
	return lwip_app_listen(KV_PORT, kv_accept, "kv") ? 0 : -1;
}
PK_NET_APP("kv", kv_listen);

struct kv_job {
	struct kv_shared *sh;
	uint64_t end;
};

/* CPU 0 waits here (halting) while the instances serve. */
static void *kv_wait(void *arg)
{
	struct kv_job *j = arg;
	while (!j->sh->shutdown && (!j->end || rdtsc() < j->end))
		sched_sleep(10 * 1000 * 1000);
	return 0;
}

static int kv_run(const char *cmdline)
{
	uint32_t ip = 0;
	if (pk_net_cmdline_ip(cmdline, "kv", &ip) < 0)
		return PK_EXIT_BAD_CMDLINE;
	/* on the heap: a static would be .bss in each of the stack's copies */
	struct kv_shared *shp = kcalloc(1, sizeof(*shp));
	if (!shp)
		return PK_EXIT_TESTS_FAILED;
	shp->max_bulk = cmdline_get_uint(cmdline, "kv_max_value", 512ull << 20);
	uint64_t secs = cmdline_get_uint(cmdline, "kv_secs", 0);
	struct pk_net_cfg cfg = {ip, ip ? 0xffffff00u : 0, ip ? (ip & 0xffffff00u) | 2 : 0};
	if (pk_net_up(&cfg, 30ull * 1000 * 1000 * 1000) < 0)
		return PK_EXIT_TESTS_FAILED;
	unsigned n = pk_net_instances();
	kv_store_shards(n);
	if (pk_net_app_each("kv", shp) < 0)
		return PK_EXIT_TESTS_FAILED;
	struct pk_net_cfg now;
	pk_net_ops_on(0)->addr(&now);
	kprintf("kv: serving RESP2 on %u.%u.%u.%u:%u, %u CPUs, %u shards\n", now.ip >> 24,
		now.ip >> 16 & 255, now.ip >> 8 & 255, now.ip & 255, KV_PORT, n, n);
	struct kv_job job = {shp, secs ? rdtsc() + secs * tsc_khz * 1000 : 0};
	struct task *t = sched_spawn(kv_wait, &job, "kv");
	if (!t)
		return PK_EXIT_TESTS_FAILED;
	sched_join(t);
	pk_net_down(2000000);
	uint64_t conns = 0, closed = 0, requests = 0, errors = 0;
	char per[8 * PK_MAX_CPUS] = "";
	size_t off = 0;
	for (unsigned i = 0; i < n; i++) {
		conns += shp->cpu[i].conns, closed += shp->cpu[i].closed;
		requests += shp->cpu[i].requests, errors += shp->cpu[i].errors;
		off += (size_t)pk_snprintf(per + off, sizeof(per) - off, "%s%lu", i ? "," : "",
					   shp->cpu[i].conns);
	}
	kprintf("KV port=%u conns=%lu closed=%lu requests=%lu errors=%lu keys=%lu cpus=%u "
		"conns_per_cpu=%s steered=%lu rx_dropped=%lu\n",
		KV_PORT, conns, closed, requests, errors, kv_keys(), n, per, vnet_steered(),
		vnet_rx_dropped());
	return PK_EXIT_OK;
}
APP("kv", kv_run, "RESP2 key-value server on TCP port 6379 (lwIP; redis-cli, redis-benchmark)");
