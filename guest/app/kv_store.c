/* SPDX-License-Identifier: MIT */
/*
 * guest/app/kv_store.c - run=kv's tables and RESP2 commands (PING ECHO GET SET
 * DEL EXISTS INCR MGET MSET EXPIRE TTL CONFIG-GET QUIT SHUTDOWN). One shard
 * per serving CPU, each a chained hash table (FNV-1a) with its own lock,
 * doubled when the load passes 1; an entry is one kmalloc (the per-core
 * heap of the CPU that wrote it) with the key and value behind it. Expired
 * keys go when next touched. Outside the network stack: it never calls
 * lwIP, and every CPU's stack instance shares these shards.
 * Replies follow Redis 7's wording so clients print what they expect.
 */
#include "kv_store.h"

#include "guest/arch/cpu.h"
#include "guest/arch/spinlock.h"
#include "guest/arch/tsc.h"
#include "lib/heap/heap.h"
#include "lib/kstring/kstring.h"
#include "lib/printf/printf.h"

struct kv_ent {
	struct kv_ent *next;
	uint64_t hash, expire_ms; /* 0: no expiry */
	size_t klen, vlen;
	uint8_t data[]; /* key, then value */
};

/* One shard per serving CPU; a key belongs to shard (hash >> 32) % n.
 * Any CPU's connection may touch any shard under the shard's lock, held
 * for one table operation (and the copy of a reply): docs/netstack.md,
 * "run=kv on every CPU" says why a lock and not forwarding. */
struct kv_shard {
	struct spinlock lock;
	struct kv_ent **tab;
	uint64_t nbuckets, nkeys;
} __attribute__((aligned(64)));
static struct kv_shard shards[PK_MAX_CPUS];
static unsigned nshards = 1;

void kv_store_shards(unsigned n)
{
	nshards = n < 1 ? 1 : n > PK_MAX_CPUS ? PK_MAX_CPUS : n;
}

static uint64_t now_ms(void)
{
	return rdtsc() / (tsc_khz ? tsc_khz : 1000000);
}

static uint64_t fnv(const uint8_t *k, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	while (n--)
		h = (h ^ *k++) * 1099511628211ull;
	return h;
}

void kv_out_put(struct kv_out *o, const void *b, size_t n)
{
	if (o->oom)
		return;
	if (o->len + n > o->cap) {
		size_t cap = o->cap ? o->cap : 4096;
		while (cap < o->len + n)
			cap *= 2;
		uint8_t *p = krealloc(o->p, cap);
		if (!p) {
			o->oom = 1;
			return;
		}
		o->p = p, o->cap = cap;
	}
	memcpy(o->p + o->len, b, n);
	o->len += n;
}

void kv_out_free(struct kv_out *o)
{
	kfree(o->p);
	*o = (struct kv_out){0};
}

static void put_str(struct kv_out *o, const char *s)
{
	kv_out_put(o, s, strlen(s));
}

static void put_int(struct kv_out *o, char type, int64_t v)
{
	char b[32];
	int n = pk_snprintf(b, sizeof(b), "%c%ld\r\n", type, (long)v);
	kv_out_put(o, b, (size_t)n);
}

static void put_bulk(struct kv_out *o, const uint8_t *p, size_t n)
{
	put_int(o, '$', (int64_t)n);
	kv_out_put(o, p, n);
	kv_out_put(o, "\r\n", 2);
}

/* The shard of key k, locked. */
static struct kv_shard *shard_lock(const uint8_t *k, size_t n)
{
	struct kv_shard *s = &shards[(fnv(k, n) >> 32) % nshards];
	spin_lock(&s->lock);
	return s;
}

static void shard_unlock(struct kv_shard *s)
{
	spin_unlock(&s->lock);
}

/* Below, s is the key's shard and its lock is held. */
static struct kv_ent **find(struct kv_shard *s, const uint8_t *k, size_t n, uint64_t h)
{
	if (!s->tab)
		return 0;
	struct kv_ent **pp = &s->tab[h & (s->nbuckets - 1)];
	for (; *pp; pp = &(*pp)->next) {
		struct kv_ent *e = *pp;
		if (e->hash == h && e->klen == n && !memcmp(e->data, k, n)) {
			if (e->expire_ms && e->expire_ms <= now_ms()) { /* lazily expired */
				*pp = e->next;
				kfree(e);
				s->nkeys--;
				return 0;
			}
			return pp;
		}
	}
	return 0;
}

static struct kv_ent *lookup(struct kv_shard *s, const uint8_t *k, size_t n)
{
	struct kv_ent **pp = find(s, k, n, fnv(k, n));
	return pp ? *pp : 0;
}

static void grow(struct kv_shard *s)
{
	uint64_t nb = s->nbuckets ? s->nbuckets * 2 : 1024;
	struct kv_ent **t = kmalloc(nb * sizeof(*t));
	if (!t)
		return; /* longer chains, still correct */
	memset(t, 0, nb * sizeof(*t));
	for (uint64_t i = 0; i < s->nbuckets; i++)
		for (struct kv_ent *e = s->tab[i], *n; e; e = n) {
			n = e->next;
			e->next = t[e->hash & (nb - 1)];
			t[e->hash & (nb - 1)] = e;
		}
	kfree(s->tab);
	s->tab = t, s->nbuckets = nb;
}

static int del(struct kv_shard *s, const uint8_t *k, size_t n)
{
	struct kv_ent **pp = find(s, k, n, fnv(k, n));
	if (!pp)
		return 0;
	struct kv_ent *e = *pp;
	*pp = e->next;
	kfree(e);
	s->nkeys--;
	return 1;
}

/* 0, or -1 out of memory (the old value stays) */
static int set(struct kv_shard *s, const uint8_t *k, size_t kn, const uint8_t *v, size_t vn,
	       uint64_t expire_ms)
{
	if (s->nkeys >= s->nbuckets)
		grow(s);
	if (!s->tab)
		return -1;
	uint64_t h = fnv(k, kn);
	struct kv_ent *e = kmalloc(sizeof(*e) + kn + vn);
	if (!e)
		return -1;
	e->hash = h, e->klen = kn, e->vlen = vn, e->expire_ms = expire_ms;
	memcpy(e->data, k, kn);
	memcpy(e->data + kn, v, vn);
	del(s, k, kn);
	e->next = s->tab[h & (s->nbuckets - 1)];
	s->tab[h & (s->nbuckets - 1)] = e;
	s->nkeys++;
	return 0;
}

/* The one-key commands' lock around one operation */
static int set1(const uint8_t *k, size_t kn, const uint8_t *v, size_t vn, uint64_t expire_ms)
{
	struct kv_shard *s = shard_lock(k, kn);
	int r = set(s, k, kn, v, vn, expire_ms);
	shard_unlock(s);
	return r;
}

static int del1(const uint8_t *k, size_t n)
{
	struct kv_shard *s = shard_lock(k, n);
	int r = del(s, k, n);
	shard_unlock(s);
	return r;
}

static int exists1(const uint8_t *k, size_t n)
{
	struct kv_shard *s = shard_lock(k, n);
	int r = lookup(s, k, n) != 0;
	shard_unlock(s);
	return r;
}

/* GET's reply, copied out while the shard is locked */
static void get1(struct kv_out *o, const uint8_t *k, size_t n)
{
	struct kv_shard *s = shard_lock(k, n);
	struct kv_ent *e = lookup(s, k, n);
	if (e)
		put_bulk(o, e->data + e->klen, e->vlen);
	else
		kv_out_put(o, "$-1\r\n", 5);
	shard_unlock(s);
}

uint64_t kv_keys(void)
{
	uint64_t n = 0;
	for (unsigned i = 0; i < nshards; i++)
		n += __atomic_load_n(&shards[i].nkeys, __ATOMIC_RELAXED);
	return n;
}

/* Strict decimal int64 (Redis's string2ll): 1 and *v, or 0. */
static int parse_i64(const uint8_t *p, size_t n, int64_t *v)
{
	if (!n || n > 20)
		return 0;
	size_t i = p[0] == '-';
	if (i == n)
		return 0;
	uint64_t acc = 0, lim = i ? 9223372036854775808ull : 9223372036854775807ull;
	for (; i < n; i++) {
		if (p[i] < '0' || p[i] > '9' || acc > (lim - (uint64_t)(p[i] - '0')) / 10)
			return 0;
		acc = acc * 10 + (uint64_t)(p[i] - '0');
	}
	*v = p[0] == '-' ? (int64_t)(0 - acc) : (int64_t)acc;
	return 1;
}

/* case-insensitive, as Redis matches command names and options */
static int is(const uint8_t *p, size_t n, const char *word)
{
	size_t w = strlen(word);
	if (n != w)
		return 0;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = p[i] >= 'a' && p[i] <= 'z' ? (uint8_t)(p[i] - 32) : p[i];
		uint8_t w = (uint8_t)word[i];
		if (c != (w >= 'a' && w <= 'z' ? (uint8_t)(w - 32) : w))
			return 0;
	}
	return 1;
}

static void wrong_args(struct kv_out *o, const uint8_t *name, size_t n)
{
	put_str(o, "-ERR wrong number of arguments for '");
	kv_out_put(o, name, n < 32 ? n : 32);
	put_str(o, "' command\r\n");
}

int kv_exec(const uint8_t *req, const struct resp_arg *argv, uint32_t argc, struct kv_out *o)
{
#define A(i) (req + argv[i].off)
#define L(i) (argv[i].len)
#define IS(i, w) is(A(i), L(i), w)
	if (!argc)
		return 0;
	int64_t v;
	struct kv_ent *e;
	if (IS(0, "PING")) {
		if (argc > 2)
			goto arity;
		if (argc == 2)
			put_bulk(o, A(1), L(1));
		else
			put_str(o, "+PONG\r\n");
	} else if (IS(0, "ECHO")) { /* redis-cli --pipe ends with one */
		if (argc != 2)
			goto arity;
		put_bulk(o, A(1), L(1));
	} else if (IS(0, "GET")) {
		if (argc != 2)
			goto arity;
		get1(o, A(1), L(1));
	} else if (IS(0, "SET")) {
		uint64_t exp = 0;
		if (argc != 3 && argc != 5)
			goto arity;
		if (argc == 5) {
			int ex = IS(3, "EX"), px = IS(3, "PX");
			if ((!ex && !px) || !parse_i64(A(4), L(4), &v) || v <= 0 ||
			    v > (int64_t)1e15) {
				put_str(o, "-ERR syntax error\r\n");
				return 0;
			}
			exp = now_ms() + (uint64_t)v * (ex ? 1000 : 1);
		}
		put_str(o, set1(A(1), L(1), A(2), L(2), exp) ? "-OOM command not allowed\r\n"
							     : "+OK\r\n");
	} else if (IS(0, "DEL") || IS(0, "EXISTS")) {
		if (argc < 2)
			goto arity;
		int isdel = IS(0, "DEL");
		int64_t n = 0;
		for (uint32_t i = 1; i < argc; i++)
			n += isdel ? del1(A(i), L(i)) : exists1(A(i), L(i));
		put_int(o, ':', n);
	} else if (IS(0, "INCR")) {
		if (argc != 2)
			goto arity;
		v = 0;
		struct kv_shard *s = shard_lock(A(1), L(1)); /* read and write as one */
		e = lookup(s, A(1), L(1));
		int r = 0;
		if ((e && !parse_i64(e->data + e->klen, e->vlen, &v)) || v == INT64_MAX) {
			r = 1;
		} else {
			char b[24];
			int n = pk_snprintf(b, sizeof(b), "%ld", (long)(v + 1));
			r = set(s, A(1), L(1), (const uint8_t *)b, (size_t)n, e ? e->expire_ms : 0)
				    ? 2
				    : 0;
		}
		shard_unlock(s);
		if (r == 1)
			put_str(o, "-ERR value is not an integer or out of range\r\n");
		else if (r == 2)
			put_str(o, "-OOM command not allowed\r\n");
		else
			put_int(o, ':', v + 1);
	} else if (IS(0, "MGET")) {
		if (argc < 2)
			goto arity;
		put_int(o, '*', argc - 1);
		for (uint32_t i = 1; i < argc; i++)
			get1(o, A(i), L(i));
	} else if (IS(0, "MSET")) {
		if (argc < 3 || argc % 2 == 0)
			goto arity;
		int bad = 0;
		for (uint32_t i = 1; i + 1 < argc; i += 2)
			bad |= set1(A(i), L(i), A(i + 1), L(i + 1), 0);
		put_str(o, bad ? "-OOM command not allowed\r\n" : "+OK\r\n");
	} else if (IS(0, "EXPIRE")) {
		if (argc != 3)
			goto arity;
		if (!parse_i64(A(2), L(2), &v) || v > (int64_t)1e12 || v < -(int64_t)1e12) {
			put_str(o, "-ERR value is not an integer or out of range\r\n");
			return 0;
		}
		struct kv_shard *s = shard_lock(A(1), L(1));
		e = lookup(s, A(1), L(1));
		int had = e != 0;
		if (e && v <= 0)
			del(s, A(1), L(1)); /* an expiry in the past deletes (Redis) */
		else if (e)
			e->expire_ms = now_ms() + (uint64_t)v * 1000;
		shard_unlock(s);
		put_int(o, ':', had);
	} else if (IS(0, "TTL")) {
		if (argc != 2)
			goto arity;
		struct kv_shard *s = shard_lock(A(1), L(1));
		e = lookup(s, A(1), L(1));
		uint64_t now = now_ms();
		int64_t ttl = !e	      ? -2
			      : !e->expire_ms ? -1
					      : (int64_t)((e->expire_ms - now + 999) / 1000);
		shard_unlock(s);
		put_int(o, ':', ttl);
	} else if (IS(0, "CONFIG")) {
		/* enough for redis-benchmark: CONFIG GET save / appendonly */
		if (argc != 3 || !IS(1, "GET")) {
			put_str(o, "-ERR only CONFIG GET is supported\r\n");
			return 0;
		}
		const char *val = IS(2, "save") ? "" : IS(2, "appendonly") ? "no" : 0;
		if (!val) {
			put_str(o, "*0\r\n");
			return 0;
		}
		put_str(o, "*2\r\n");
		put_bulk(o, A(2), L(2));
		put_bulk(o, (const uint8_t *)val, strlen(val));
	} else if (IS(0, "SHUTDOWN")) {
		put_str(o, "+OK\r\n");
		return KV_SHUTDOWN;
	} else if (IS(0, "QUIT")) {
		put_str(o, "+OK\r\n");
		return KV_QUIT;
	} else {
		put_str(o, "-ERR unknown command '");
		kv_out_put(o, A(0), L(0) < 32 ? L(0) : 32);
		put_str(o, "'\r\n");
	}
	return 0;
arity:
	wrong_args(o, A(0), L(0));
	return 0;
#undef A
#undef L
#undef IS
}
