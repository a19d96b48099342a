/* SPDX-License-Identifier: MIT */
/*
 * lib/http/http.h - an HTTP/1.x request-head parser and canned responses
 * for run=http (guest/app/http.c), RFC 9112. Pure: no allocation, no I/O.
 * Bounded: the head (request line + header fields + blank line) must fit
 * in max_head bytes or it is refused; every count and length is checked
 * before it is trusted, so garbage, an endless line, a huge Content-Length
 * or a header flood is an error code, never a wait for more bytes that
 * cannot help.
 */
#ifndef PK_LIB_HTTP_H
#define PK_LIB_HTTP_H

#include <stddef.h>
#include <stdint.h>

enum http_method { HTTP_GET, HTTP_HEAD, HTTP_OTHER };

enum http_rc {
	HTTP_MORE = 0,	     /* the head is incomplete: call again with more bytes */
	HTTP_OK = 1,	     /* a head, r->used bytes long */
	HTTP_BAD = -400,     /* malformed: answer 400 and close */
	HTTP_TOO_BIG = -431, /* the head exceeds max_head or HTTP_MAX_FIELDS */
	HTTP_NOT_IMPL = -501 /* Transfer-Encoding: a body we cannot frame */
};

#define HTTP_MAX_FIELDS 100

struct http_req {
	enum http_method method;
	int minor;		   /* HTTP/1.minor */
	int keep_alive;		   /* the connection stays open after the response */
	size_t target, target_len; /* offset and length of the request-target */
	uint64_t content_length;   /* body bytes after the head */
	size_t used;		   /* HTTP_OK: the head's length */
};

/* Parse the head at the start of buf[0..len). Leading empty lines are
 * skipped (RFC 9112 2.2). HTTP_MORE only while len < max_head. */
enum http_rc http_parse(const uint8_t *buf, size_t len, size_t max_head, struct http_req *r);

/* Write a complete response into buf (cap bytes): status line, Server,
 * Content-Type, Content-Length, Connection (keep-alive or close), extra
 * header lines (each ending in CRLF; may be ""), then the body unless
 * head_only. The length written, or 0 when it does not fit. */
size_t http_response(char *buf, size_t cap, int status, const char *reason, const char *extra,
		     const char *body, size_t body_len, int head_only, int keep_alive);

#endif
