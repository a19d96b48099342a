/* SPDX-License-Identifier: MIT */
/*
 * guest/app/kv_store.h - run=kv's data and commands: one hash table of
 * byte-string keys and values (kmalloc), lazy expiry, and the RESP2 reply
 * each command writes into a growable output buffer. One instance per
 * CPU's stack (one for now, docs/network.md "run=kv").
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

#endif
