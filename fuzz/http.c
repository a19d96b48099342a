/* SPDX-License-Identifier: MIT */
/*
 * fuzz/http.c - lib/http, run=http's request-head parser, on arbitrary
 * bytes: the input as a pipeline of heads (as run=http consumes them),
 * each also fed in growing pieces as TCP would deliver them. Beyond "no
 * crash": a head lies inside the input and its target inside the head,
 * HTTP_MORE only comes below max_head, and both feeds agree.
 */
#include <stdlib.h>

#include "lib/http/http.h"

#define MAX_HEAD 512

static enum http_rc first(const uint8_t *data, size_t size, size_t step, struct http_req *r)
{
	enum http_rc rc = HTTP_MORE;
	for (size_t n = step < size ? step : size;; n = n + step < size ? n + step : size) {
		rc = http_parse(data, n, MAX_HEAD, r);
		if (rc == HTTP_MORE && n >= MAX_HEAD)
			abort();
		if (rc != HTTP_MORE || n == size)
			break;
	}
	if (rc == HTTP_OK && (r->used > size || r->used == 0 || r->used > MAX_HEAD ||
			      r->target + r->target_len > r->used || r->target_len == 0))
		abort();
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off = 0;
	while (off < size) {
		struct http_req a, b;
		enum http_rc ra = first(data + off, size - off, size - off, &a);
		enum http_rc rb = first(data + off, size - off, 7, &b);
		/* a prefix decides only what the whole would decide the same */
		if (ra != rb || (ra == HTTP_OK && a.used != b.used))
			abort();
		if (ra != HTTP_OK)
			break;
		uint64_t body = a.content_length < size ? a.content_length : size;
		off += a.used + (size_t)body;
	}
	return 0;
}
