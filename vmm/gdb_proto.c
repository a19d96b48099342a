/* SPDX-License-Identifier: MIT */
/* vmm/gdb_proto.c - GDB remote protocol framing (see gdb_proto.h). */
#include "gdb_proto.h"

#include <string.h>

enum { RX_IDLE, RX_DATA, RX_ESC, RX_RLE, RX_CS1, RX_CS2 };

void gdb_rx_init(struct gdb_rx *rx)
{
	rx->state = RX_IDLE;
	rx->len = 0;
	rx->sum = 0;
	rx->bad = 0;
	rx->why = 0;
	rx->cs_hi = 0;
	rx->buf[0] = 0;
}

/* start a packet; keeps the bad-run count across packets */
static void rx_start(struct gdb_rx *rx)
{
	rx->state = RX_DATA;
	rx->len = 0;
	rx->sum = 0;
	rx->buf[0] = 0;
}

static enum gdb_rx_event rx_drop(struct gdb_rx *rx, const char *why)
{
	gdb_rx_init(rx);
	rx->why = why;
	return GDB_RX_DROP;
}

int gdb_hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool rx_put(struct gdb_rx *rx, char c)
{
	if (rx->len >= GDB_PACKET_MAX)
		return false;
	rx->buf[rx->len++] = c;
	return true;
}

enum gdb_rx_event gdb_rx_feed(struct gdb_rx *rx, uint8_t c)
{
	switch (rx->state) {
	case RX_IDLE:
		if (c == '$') {
			rx_start(rx);
			return GDB_RX_NONE;
		}
		if (c == 0x03)
			return GDB_RX_INTR;
		if (c == '+')
			return GDB_RX_ACK;
		if (c == '-')
			return ++rx->bad > GDB_RX_MAX_BAD ? rx_drop(rx, "too many NAKs in a row")
							  : GDB_RX_NAK;
		/* gdb sends nothing else between packets */
		return rx_drop(rx, "a byte outside a packet");
	case RX_CS1:
		rx->cs_hi = gdb_hex_digit(c);
		rx->state = RX_CS2;
		return GDB_RX_NONE;
	case RX_CS2: {
		int lo = gdb_hex_digit(c);
		rx->state = RX_IDLE;
		rx->buf[rx->len] = 0;
		if (rx->cs_hi < 0 || lo < 0 || (uint8_t)(rx->cs_hi << 4 | lo) != rx->sum)
			return ++rx->bad > GDB_RX_MAX_BAD
				       ? rx_drop(rx, "too many bad checksums in a row")
				       : GDB_RX_BADSUM;
		rx->bad = 0;
		return GDB_RX_PACKET;
	}
	default:
		break;
	}
	/* inside a packet: a raw '$' is never data (it is escaped) */
	if (c == '$')
		return rx_drop(rx, "'$' inside a packet");
	if (c == '#') {
		if (rx->state != RX_DATA)
			return rx_drop(rx, "an escape or run-length cut short by '#'");
		rx->state = RX_CS1;
		return GDB_RX_NONE;
	}
	rx->sum = (uint8_t)(rx->sum + c);
	switch (rx->state) {
	case RX_ESC:
		if (!rx_put(rx, (char)(c ^ 0x20)))
			return rx_drop(rx, "a packet longer than the PacketSize we announced");
		rx->state = RX_DATA;
		break;
	case RX_RLE: {
		/* count byte n: the previous character n - 29 more times */
		int n = (int)c - 29;
		if (rx->len == 0 || n < 0)
			return rx_drop(rx, "a malformed run-length");
		for (char prev = rx->buf[rx->len - 1]; n > 0; n--)
			if (!rx_put(rx, prev))
				return rx_drop(rx,
					       "a packet longer than the PacketSize we announced");
		rx->state = RX_DATA;
		break;
	}
	default:
		if (c == '}')
			rx->state = RX_ESC;
		else if (c == '*')
			rx->state = RX_RLE;
		else if (!rx_put(rx, (char)c))
			return rx_drop(rx, "a packet longer than the PacketSize we announced");
	}
	return GDB_RX_NONE;
}

static bool needs_escape(uint8_t c)
{
	return c == '$' || c == '#' || c == '}' || c == '*';
}

long gdb_encode(const void *payload, size_t len, bool rle, char *out, size_t outlen)
{
	static const char hex[] = "0123456789abcdef";
	const uint8_t *p = payload;
	size_t o = 0;
	uint8_t sum = 0;
#define PUT(ch)                                                                                    \
	do {                                                                                       \
		if (o >= outlen)                                                                   \
			return -1;                                                                 \
		out[o++] = (char)(ch);                                                             \
	} while (0)
	PUT('$');
	for (size_t i = 0; i < len;) {
		uint8_t c = p[i];
		size_t run = 1;
		while (i + run < len && p[i + run] == c)
			run++;
		if (needs_escape(c)) {
			PUT('}');
			PUT(c ^ 0x20);
			sum = (uint8_t)(sum + '}' + (c ^ 0x20));
			i++;
			continue;
		}
		PUT(c);
		sum = (uint8_t)(sum + c);
		i++;
		size_t extra = run - 1;
		if (!rle || extra < 3)
			continue; /* "c*n" is 3 bytes: only worth it from 3 repeats on */
		if (extra > 97)
			extra = 97; /* count byte stays printable (<= '~') */
		if (extra == 6 || extra == 7)
			extra = 5; /* 6 + 29 = '#', 7 + 29 = '$': never as a count */
		PUT('*');
		PUT(extra + 29);
		sum = (uint8_t)(sum + '*' + extra + 29);
		i += extra;
	}
	PUT('#');
	PUT(hex[sum >> 4]);
	PUT(hex[sum & 15]);
#undef PUT
	if (o < outlen)
		out[o] = 0;
	return (long)o;
}

void gdb_hex_encode(const void *data, size_t len, char *out)
{
	static const char hex[] = "0123456789abcdef";
	const uint8_t *p = data;
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = hex[p[i] >> 4];
		out[2 * i + 1] = hex[p[i] & 15];
	}
	out[2 * len] = 0;
}

long gdb_hex_decode(const char *hex, size_t hexlen, void *out, size_t outlen)
{
	if (hexlen % 2 || hexlen / 2 > outlen)
		return -1;
	uint8_t *o = out;
	for (size_t i = 0; i < hexlen; i += 2) {
		int hi = gdb_hex_digit(hex[i]), lo = gdb_hex_digit(hex[i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		o[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	return (long)(hexlen / 2);
}

int gdb_parse_u64(const char **s, uint64_t *v)
{
	const char *p = *s;
	uint64_t x = 0;
	int d, n = 0;
	while ((d = gdb_hex_digit((unsigned char)*p)) >= 0) {
		if (x >> 60)
			return -1;
		x = x << 4 | (uint64_t)d;
		p++;
		n++;
	}
	if (!n)
		return -1;
	*s = p;
	*v = x;
	return 0;
}
