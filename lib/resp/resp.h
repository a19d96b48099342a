/* SPDX-License-Identifier: MIT */
/*
 * lib/resp/resp.h - a RESP2 request parser (the Redis protocol,
 * https://redis.io/docs/reference/protocol-spec/): arrays of bulk strings
 * ("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n") and inline commands ("PING\r\n").
 * Pure: no allocation, no I/O. Incremental: feed it the bytes of the
 * current request as they arrive (the same buffer start each time, longer
 * or moved); it resumes where it stopped and never reads a byte twice
 * except a header line's few digits. Bounded: every count and length is
 * checked against the limits before anything is trusted, so `*99999999`,
 * `$-5`, an endless line or garbage is a protocol error, not a wait.
 */
#ifndef PK_LIB_RESP_H
#define PK_LIB_RESP_H

#include <stddef.h>
#include <stdint.h>

struct resp_limits {
	uint32_t max_args;   /* elements per request (and argv's capacity) */
	uint64_t max_bulk;   /* bytes per bulk string */
	uint32_t max_inline; /* bytes of an inline command line */
};

struct resp_arg {
	size_t off, len; /* from the start of the request */
};

enum resp_rc {
	RESP_MORE = 0,	 /* need more bytes: call again with a longer buffer */
	RESP_DONE = 1,	 /* a request is in argv[0..argc), p->used bytes long */
	RESP_ERROR = -1, /* p->err says why; the connection cannot be resynced */
};

struct resp_parser {
	struct resp_limits lim;
	struct resp_arg *argv; /* lim.max_args entries, the caller's */
	uint32_t argc;	       /* arguments complete so far */
	size_t used;	       /* RESP_DONE: the request's length */
	const char *err;       /* RESP_ERROR: a reply-ready message */
	/* resume state */
	int state;
	uint32_t nargs; /* the array's length */
	uint64_t bulk;	/* the current bulk string's length */
	size_t pos;	/* next byte to look at */
};

void resp_init(struct resp_parser *p, const struct resp_limits *lim, struct resp_arg *argv);
/* Parse the request at buf[0..len). Call again with more bytes after
 * RESP_MORE; after RESP_DONE drop p->used bytes and call resp_next. */
enum resp_rc resp_feed(struct resp_parser *p, const uint8_t *buf, size_t len);
/* Start on the next request (after RESP_DONE). */
void resp_next(struct resp_parser *p);
/* Bytes the buffer must hold before the parser can move on (for sizing a
 * receive buffer: a bulk string's whole length once its header is read). */
size_t resp_want(const struct resp_parser *p);

#endif
