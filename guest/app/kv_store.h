/* SPDX-License-Identifier: MIT */
/*
 * guest/app/kv_store.h - run=kv's data and commands: one hash table of
 * byte-string keys and values (kmalloc), lazy expiry, and the RESP2 reply
 * each command writes into a growable output buffer. One shard per
 * serving CPU, shared by every CPU's stack instance (docs/netstack.md).
 */
#ifndef PK_APP_KV_STORE_H
#define PK_APP_KV_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "lib/resp/resp.h"

struct kv_out {
	uint8_t *p;
	size_t len, off, cap; /* bytes [off, len) still to send */
	int oom;	      /* a reply did not fit: the connection closes */
};

void kv_out_put(struct kv_out *o, const void *b, size_t n);
void kv_out_free(struct kv_out *o);
enum { KV_SHUTDOWN = 1, KV_QUIT = 2 };
/* Run one request (argv offsets into req); its reply goes to out. 0, or
 * KV_SHUTDOWN / KV_QUIT when the server / the connection should end. */
int kv_exec(const uint8_t *req, const struct resp_arg *argv, uint32_t argc, struct kv_out *out);
uint64_t kv_keys(void);
/* Split the keys over n shards (one per serving CPU); before serving. */
void kv_store_shards(unsigned n);

/* What every CPU's kv instance shares (kv.c, in the stack): the options,
 * the shutdown flag, and per-CPU counters the final line reports. */
struct kv_shared {
	uint64_t max_bulk;
	volatile int shutdown;
	struct {
		uint64_t conns, closed, requests, errors;
	} cpu[PK_MAX_CPUS];
};

#endif
