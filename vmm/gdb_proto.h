/* SPDX-License-Identifier: MIT */
/*
 * vmm/gdb_proto.h - the GDB remote serial protocol's framing, pure and
 * host-testable (gdb docs, "Overview" and "Binary Data" of Appendix E):
 *   $payload#cs   cs = two hex digits, sum of the payload bytes mod 256
 *   }x            escape: the next byte XOR 0x20 ($ # } * are escaped)
 *   c*n           run-length: c repeated (n - 29) more times
 *   + / -         acknowledgements, 0x03 alone = interrupt (Ctrl-C)
 * No I/O here: the stub feeds bytes in and sends what the encoder makes.
 */
#ifndef PK_VMM_GDB_PROTO_H
#define PK_VMM_GDB_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Largest decoded packet we accept; qSupported advertises it. A G packet
 * with AVX state is ~2.3 KiB of hex, X packets are capped by it. */
#define GDB_PACKET_MAX 16384

/* Consecutive bad checksums or NAKs ('-') tolerated before the stream
 * is treated as garbage: a real gdb retries a packet a few times. */
#define GDB_RX_MAX_BAD 8

enum gdb_rx_event {
	GDB_RX_NONE,   /* byte consumed, nothing complete yet */
	GDB_RX_PACKET, /* rx->buf[0..len) holds a decoded, checksummed packet */
	GDB_RX_BADSUM, /* framing done but checksum wrong/not hex: answer '-' */
	GDB_RX_INTR,   /* 0x03 outside a packet */
	GDB_RX_ACK,    /* '+' */
	GDB_RX_NAK,    /* '-': resend the last reply */
	/* not gdb talking: a byte outside a packet other than $ + - 0x03, a
	 * packet over GDB_PACKET_MAX, a malformed escape/run-length, a '$'
	 * inside a packet, more than GDB_RX_MAX_BAD bad checksums or NAKs in a
	 * row. The stub drops the connection; rx->why says which. */
	GDB_RX_DROP,
};

struct gdb_rx {
	int state;
	uint8_t sum;	 /* running sum of the raw bytes between $ and # */
	int cs_hi;	 /* first checksum digit, -1 = bad digit */
	unsigned bad;	 /* bad checksums / NAKs since the last good packet */
	const char *why; /* reason of the last GDB_RX_DROP */
	size_t len;
	char buf[GDB_PACKET_MAX + 1]; /* NUL-terminated for convenience */
};

void gdb_rx_init(struct gdb_rx *rx);
/* Feed one byte from the wire (see enum gdb_rx_event). After a DROP the
 * decoder is back at its initial state. */
enum gdb_rx_event gdb_rx_feed(struct gdb_rx *rx, uint8_t c);

/* Frame payload as $...#cs with escapes and (rle) run-length encoding
 * into out; returns the framed length or -1 when out is too small. */
long gdb_encode(const void *payload, size_t len, bool rle, char *out, size_t outlen);

/* Hex helpers. gdb_hex_decode returns bytes decoded or -1 on a bad digit
 * or an odd count; gdb_parse_u64 parses hex digits at *s (advancing it),
 * -1 when there are none or the value overflows 64 bits. */
void gdb_hex_encode(const void *data, size_t len, char *out);
long gdb_hex_decode(const char *hex, size_t hexlen, void *out, size_t outlen);
int gdb_hex_digit(int c);
int gdb_parse_u64(const char **s, uint64_t *v);

#endif
