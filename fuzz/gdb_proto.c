/* SPDX-License-Identifier: MIT */
/*
 * fuzz/gdb_proto.c - libFuzzer target for the gdb stub's packet layer
 * (vmm/gdb_proto.c): the input is a byte stream from a hostile client.
 * Every event must be one the stub handles; a decoded packet must fit
 * the buffer and be NUL-terminated; re-encoding it (with and without
 * run-length) and decoding that again must give the same payload back;
 * the hex/number parsers run over every packet.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/gdb_proto.h"

static struct gdb_rx rx, rx2;
static char framed[4 * GDB_PACKET_MAX + 8];
static uint8_t bin[GDB_PACKET_MAX];

static void check_roundtrip(const char *p, size_t len, int rle)
{
	long n = gdb_encode(p, len, rle, framed, sizeof(framed));
	if (n < 4)
		abort(); /* the buffer fits any packet: encoding cannot fail */
	gdb_rx_init(&rx2);
	enum gdb_rx_event last = GDB_RX_NONE;
	for (long i = 0; i < n; i++) {
		enum gdb_rx_event e = gdb_rx_feed(&rx2, (uint8_t)framed[i]);
		if (e != GDB_RX_NONE && i != n - 1)
			abort(); /* only the last byte completes the packet */
		last = e;
	}
	if (last != GDB_RX_PACKET || rx2.len != len || memcmp(rx2.buf, p, len))
		abort();
}

static void parse_packet(const char *p, size_t len)
{
	/* what gdb.c does with "addr,len" and hex payloads */
	const char *s = p + 1;
	uint64_t a, b;
	if (len && gdb_parse_u64(&s, &a) == 0 && *s == ',') {
		s++;
		(void)gdb_parse_u64(&s, &b);
	}
	if (len > 1)
		(void)gdb_hex_decode(p + 1, len - 1, bin, sizeof(bin));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	gdb_rx_init(&rx);
	for (size_t i = 0; i < size; i++) {
		enum gdb_rx_event e = gdb_rx_feed(&rx, data[i]);
		switch (e) {
		case GDB_RX_PACKET:
			if (rx.len > GDB_PACKET_MAX || rx.buf[rx.len] != 0)
				abort();
			parse_packet(rx.buf, rx.len);
			check_roundtrip(rx.buf, rx.len, 1);
			check_roundtrip(rx.buf, rx.len, 0);
			break;
		case GDB_RX_DROP:
			if (!rx.why || rx.len != 0)
				abort();
			/* the stub closes here; a new client starts afresh */
			gdb_rx_init(&rx);
			break;
		case GDB_RX_NONE:
		case GDB_RX_BADSUM:
		case GDB_RX_INTR:
		case GDB_RX_ACK:
		case GDB_RX_NAK:
			break;
		default:
			abort();
		}
	}
	return 0;
}
