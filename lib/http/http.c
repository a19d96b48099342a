/* SPDX-License-Identifier: MIT */
/*
 * lib/http/http.c - see http.h. The grammar is RFC 9112's, strictly where
 * leniency would let a request mean two things (whitespace before a field's
 * colon, obs-fold, two different Content-Lengths: RFC 9112 5.1, 5.2, 6.3),
 * leniently where it cannot (a bare LF ends a line, RFC 9112 2.2).
 */
#include "http.h"

/* RFC 9110 5.6.2 tchar */
static int http_tchar(uint8_t c)
{
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
		return 1;
	switch (c) {
	case '!':
	case '#':
	case '$':
	case '%':
	case '&':
	case '\'':
	case '*':
	case '+':
	case '-':
	case '.':
	case '^':
	case '_':
	case '`':
	case '|':
	case '~':
		return 1;
	}
	return 0;
}

static uint8_t http_lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
}

/* case-insensitive: does s[0..n) equal the lower-case word w? */
static int http_is(const uint8_t *s, size_t n, const char *w)
{
	size_t i = 0;
	for (; i < n && w[i]; i++)
		if (http_lower(s[i]) != (uint8_t)w[i])
			return 0;
	return i == n && !w[i];
}

static int http_exact(const uint8_t *s, size_t n, const char *w)
{
	size_t i = 0;
	for (; i < n && w[i]; i++)
		if (s[i] != (uint8_t)w[i])
			return 0;
	return i == n && !w[i];
}

/* the end of the line starting at i (index of its '\n'), or len */
static size_t http_eol(const uint8_t *b, size_t i, size_t len)
{
	while (i < len && b[i] != '\n')
		i++;
	return i;
}

/* the line [s, e) without its CR */
static size_t http_trim_cr(const uint8_t *b, size_t s, size_t e)
{
	return e > s && b[e - 1] == '\r' ? e - 1 : e;
}

/* an incomplete request line whose method is already not a token */
static int http_bad_method(const uint8_t *b, size_t s, size_t len)
{
	size_t i = s;
	while (i < len && http_tchar(b[i]))
		i++;
	return i < len && (i == s || b[i] != ' ');
}

/* request-line = method SP request-target SP HTTP-version (RFC 9112 3) */
static enum http_rc http_request_line(const uint8_t *b, size_t s, size_t e, struct http_req *r)
{
	size_t i = s;
	while (i < e && http_tchar(b[i]))
		i++;
	if (i == s || i >= e || b[i] != ' ')
		return HTTP_BAD;
	/* methods are case-sensitive (RFC 9110 9.1) */
	r->method = http_exact(b + s, i - s, "GET")    ? HTTP_GET
		    : http_exact(b + s, i - s, "HEAD") ? HTTP_HEAD
						       : HTTP_OTHER;
	size_t t = ++i;
	while (i < e && b[i] > ' ' && b[i] < 0x7f)
		i++;
	if (i == t || i >= e || b[i] != ' ')
		return HTTP_BAD;
	r->target = t, r->target_len = i - t;
	i++;
	static const char v[] = "HTTP/1.";
	if (e - i != 8)
		return HTTP_BAD;
	for (size_t k = 0; k < 7; k++)
		if (b[i + k] != (uint8_t)v[k])
			return HTTP_BAD;
	if (b[i + 7] < '0' || b[i + 7] > '9')
		return HTTP_BAD;
	r->minor = b[i + 7] - '0';
	r->keep_alive = r->minor >= 1;
	return HTTP_OK;
}

/* the Connection field's comma-separated options (RFC 9110 7.6.1) */
static void http_connection(const uint8_t *b, size_t s, size_t e, struct http_req *r)
{
	while (s < e) {
		while (s < e && (b[s] == ' ' || b[s] == '\t' || b[s] == ','))
			s++;
		size_t t = s;
		while (s < e && b[s] != ',' && b[s] != ' ' && b[s] != '\t')
			s++;
		if (http_is(b + t, s - t, "close"))
			r->keep_alive = 0;
		else if (http_is(b + t, s - t, "keep-alive") && r->minor == 0)
			r->keep_alive = 1;
	}
}

/* field-line = field-name ":" OWS field-value OWS (RFC 9112 5) */
static enum http_rc http_field(const uint8_t *b, size_t s, size_t e, struct http_req *r,
			       int *have_len)
{
	size_t i = s;
	while (i < e && http_tchar(b[i]))
		i++;
	if (i == s || i >= e || b[i] != ':') /* also obs-fold and "Name :" */
		return HTTP_BAD;
	size_t name = i - s;
	i++;
	while (i < e && (b[i] == ' ' || b[i] == '\t'))
		i++;
	size_t ve = e;
	while (ve > i && (b[ve - 1] == ' ' || b[ve - 1] == '\t'))
		ve--;
	for (size_t k = i; k < ve; k++)
		if ((b[k] < ' ' && b[k] != '\t') || b[k] == 0x7f)
			return HTTP_BAD;
	if (http_is(b + s, name, "content-length")) {
		if (i == ve)
			return HTTP_BAD;
		uint64_t n = 0;
		for (size_t k = i; k < ve; k++) {
			if (b[k] < '0' || b[k] > '9' || n > (UINT64_MAX - 9) / 10)
				return HTTP_BAD;
			n = n * 10 + (uint64_t)(b[k] - '0');
		}
		if (*have_len && n != r->content_length)
			return HTTP_BAD;
		*have_len = 1;
		r->content_length = n;
	} else if (http_is(b + s, name, "transfer-encoding")) {
		return HTTP_NOT_IMPL;
	} else if (http_is(b + s, name, "connection")) {
		http_connection(b, i, ve, r);
	}
	return HTTP_OK;
}

enum http_rc http_parse(const uint8_t *buf, size_t len, size_t max_head, struct http_req *r)
{
	size_t s = 0, fields = 0;
	int have_len = 0, line = 0;
	r->content_length = 0;
	if (len > max_head)
		len = max_head;
	while (s < len && (buf[s] == '\r' || buf[s] == '\n'))
		s++;
	for (;;) {
		size_t e = http_eol(buf, s, len);
		if (e == len) { /* no end of line in what we may look at */
			if (!line && http_bad_method(buf, s, len))
				return HTTP_BAD; /* garbage: say so now, not at max_head */
			return len == max_head ? HTTP_TOO_BIG : HTTP_MORE;
		}
		size_t ce = http_trim_cr(buf, s, e);
		enum http_rc rc;
		if (!line++) {
			rc = http_request_line(buf, s, ce, r);
		} else if (ce == s) {
			r->used = e + 1;
			return HTTP_OK;
		} else if (++fields > HTTP_MAX_FIELDS) {
			return HTTP_TOO_BIG;
		} else {
			rc = http_field(buf, s, ce, r, &have_len);
		}
		if (rc != HTTP_OK)
			return rc;
		s = e + 1;
	}
}

/* append s[0..n) at *at if it fits */
static int http_put(char *buf, size_t cap, size_t *at, const char *s, size_t n)
{
	if (n > cap - *at)
		return 0;
	for (size_t i = 0; i < n; i++)
		buf[*at + i] = s[i];
	*at += n;
	return 1;
}

static int http_puts(char *buf, size_t cap, size_t *at, const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return http_put(buf, cap, at, s, n);
}

static int http_putu(char *buf, size_t cap, size_t *at, uint64_t v)
{
	char d[20];
	size_t n = 0;
	do
		d[sizeof(d) - ++n] = (char)('0' + v % 10);
	while ((v /= 10) && n < sizeof(d));
	return http_put(buf, cap, at, d + sizeof(d) - n, n);
}

size_t http_response(char *buf, size_t cap, int status, const char *reason, const char *extra,
		     const char *body, size_t body_len, int head_only, int keep_alive)
{
	size_t at = 0;
	int ok = http_puts(buf, cap, &at, "HTTP/1.1 ") && status >= 100 && status <= 999 &&
		 http_putu(buf, cap, &at, (uint64_t)status) && http_puts(buf, cap, &at, " ") &&
		 http_puts(buf, cap, &at, reason) &&
		 http_puts(buf, cap, &at,
			   "\r\nServer: perfkern\r\nContent-Type: text/html\r\nContent-Length: ") &&
		 http_putu(buf, cap, &at, body_len) &&
		 http_puts(buf, cap, &at,
			   keep_alive ? "\r\nConnection: keep-alive\r\n"
				      : "\r\nConnection: close\r\n") &&
		 http_puts(buf, cap, &at, extra) && http_puts(buf, cap, &at, "\r\n") &&
		 (head_only || http_put(buf, cap, &at, body, body_len));
	return ok ? at : 0;
}
