/* SPDX-License-Identifier: MIT */
/*
 * lib/resp/resp.c - the RESP2 request parser (resp.h). States: the first
 * byte decides array or inline; an array is its "*N" line, then per
 * element a "$L" line and L bytes plus CRLF. Numbers are strict decimal
 * (Redis's string2ll rules: no '+', no leading zeros needed, no spaces),
 * at most 19 digits, so nothing overflows.
 */
#include "resp.h"

enum { S_START, S_ARRAY, S_BULKHDR, S_BULK, S_INLINE };

#define RESP_NUMLINE 24 /* "*" or "$", sign, 19 digits, CRLF */

void resp_init(struct resp_parser *p, const struct resp_limits *lim, struct resp_arg *argv)
{
	p->lim = *lim;
	p->argv = argv;
	p->err = 0;
	resp_next(p);
}

void resp_next(struct resp_parser *p)
{
	p->state = S_START;
	p->argc = 0;
	p->nargs = 0;
	p->bulk = 0;
	p->pos = 0;
	p->used = 0;
}

size_t resp_want(const struct resp_parser *p)
{
	if (p->state == S_BULK)
		return (size_t)(p->pos + p->bulk + 2);
	return p->pos + 1;
}

static enum resp_rc fail(struct resp_parser *p, const char *why)
{
	p->err = why;
	return RESP_ERROR;
}

/* The number on the line at buf[p->pos] after its type byte: 1 with *v and
 * p->pos past the CRLF, 0 when the line is incomplete, -1 when malformed. */
static int read_num(struct resp_parser *p, const uint8_t *buf, size_t len, int64_t *v)
{
	size_t i = p->pos + 1, end = len < p->pos + RESP_NUMLINE ? len : p->pos + RESP_NUMLINE;
	int neg = 0, digits = 0;
	int64_t n = 0;
	if (i < end && buf[i] == '-')
		neg = 1, i++;
	for (; i < end && buf[i] >= '0' && buf[i] <= '9'; i++, digits++) {
		if (digits == 18)
			return -1; /* past any limit we accept */
		n = n * 10 + (buf[i] - '0');
	}
	if (i < end && buf[i] != '\r')
		return -1; /* garbage now, not a wait for more */
	if (i + 1 >= end)
		return len < p->pos + RESP_NUMLINE ? 0 : -1;
	if (!digits || buf[i] != '\r' || buf[i + 1] != '\n')
		return -1;
	*v = neg ? -n : n;
	p->pos = i + 2;
	return 1;
}

static int is_space(uint8_t c)
{
	return c == ' ' || c == '\t';
}

/* An inline command: the line up to LF (a CR before it dropped), split at
 * blanks. No quoting: clients that need binary values speak arrays. */
static enum resp_rc parse_inline(struct resp_parser *p, const uint8_t *buf, size_t len)
{
	size_t limit = len < p->lim.max_inline ? len : p->lim.max_inline;
	size_t i = p->pos;
	while (i < limit && buf[i] != '\n')
		i++;
	if (i >= limit) {
		p->pos = i; /* resume the LF search here */
		return len >= p->lim.max_inline
			       ? fail(p, "ERR Protocol error: too big inline request")
			       : RESP_MORE;
	}
	size_t end = i > 0 && buf[i - 1] == '\r' ? i - 1 : i;
	p->argc = 0;
	for (size_t k = 0; k < end;) {
		while (k < end && is_space(buf[k]))
			k++;
		if (k == end)
			break;
		size_t s = k;
		while (k < end && !is_space(buf[k]))
			k++;
		if (p->argc == p->lim.max_args)
			return fail(p, "ERR Protocol error: too many arguments");
		p->argv[p->argc].off = s;
		p->argv[p->argc].len = k - s;
		p->argc++;
	}
	p->used = i + 1;
	return RESP_DONE; /* argc 0: an empty line, which the caller skips */
}

enum resp_rc resp_feed(struct resp_parser *p, const uint8_t *buf, size_t len)
{
	int64_t v;
	int r;
	for (;;) {
		if (p->pos >= len && p->state != S_BULK)
			return RESP_MORE;
		switch (p->state) {
		case S_START:
			p->state = buf[0] == '*' ? S_ARRAY : S_INLINE;
			break;
		case S_INLINE:
			return parse_inline(p, buf, len);
		case S_ARRAY:
			r = read_num(p, buf, len, &v);
			if (r == 0)
				return RESP_MORE;
			if (r < 0 || v < -1 || v > (int64_t)p->lim.max_args)
				return fail(p, "ERR Protocol error: invalid multibulk length");
			if (v <= 0) { /* "*0", "*-1": nothing to run (as Redis) */
				p->argc = 0;
				p->used = p->pos;
				return RESP_DONE;
			}
			p->nargs = (uint32_t)v;
			p->state = S_BULKHDR;
			break;
		case S_BULKHDR:
			if (buf[p->pos] != '$')
				return fail(p, "ERR Protocol error: expected '$'");
			r = read_num(p, buf, len, &v);
			if (r == 0)
				return RESP_MORE;
			if (r < 0 || v < 0 || (uint64_t)v > p->lim.max_bulk)
				return fail(p, "ERR Protocol error: invalid bulk length");
			p->bulk = (uint64_t)v;
			p->state = S_BULK;
			break;
		case S_BULK:
			if (len - p->pos < p->bulk + 2)
				return RESP_MORE;
			if (buf[p->pos + p->bulk] != '\r' || buf[p->pos + p->bulk + 1] != '\n')
				return fail(p, "ERR Protocol error: bulk string without CRLF");
			p->argv[p->argc].off = p->pos;
			p->argv[p->argc].len = (size_t)p->bulk;
			p->argc++;
			p->pos += (size_t)p->bulk + 2;
			if (p->argc == p->nargs) {
				p->used = p->pos;
				return RESP_DONE;
			}
			p->state = S_BULKHDR;
			break;
		}
	}
}
