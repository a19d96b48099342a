/* SPDX-License-Identifier: MIT */
/*
 * fuzz/gdb_proto.c - the gdb stub's packet layer (vmm/gdb_proto.c) on any
 * byte stream from the socket: every decoded packet must re-encode (plain
 * and run-length) to a frame that decodes back to the same payload, and
 * the hex helpers run over each payload.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/gdb_proto.h"

static struct gdb_rx rx, rx2;
static char frame[2 * GDB_PACKET_MAX + 8];
static uint8_t bin[GDB_PACKET_MAX / 2];

static void roundtrip(const char *p, size_t len, bool rle)
{
	long n = gdb_encode(p, len, rle, frame, sizeof(frame));
	if (n < 0) {
		fprintf(stderr, "gdb_proto fuzz: a %zu-byte packet does not re-encode\n", len);
		abort();
	}
	gdb_rx_init(&rx2);
	enum gdb_rx_event ev = GDB_RX_NONE;
	for (long i = 0; i < n; i++) {
		ev = gdb_rx_feed(&rx2, (uint8_t)frame[i]);
		if (ev != GDB_RX_NONE && i != n - 1)
			break;
	}
	if (ev != GDB_RX_PACKET || rx2.len != len || memcmp(rx2.buf, p, len) != 0) {
		fprintf(stderr,
			"gdb_proto fuzz: %s re-encoding of a %zu-byte packet decodes to "
			"event %d, %zu bytes\n",
			rle ? "rle" : "plain", len, ev, rx2.len);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	gdb_rx_init(&rx);
	for (size_t i = 0; i < size; i++) {
		if (gdb_rx_feed(&rx, data[i]) != GDB_RX_PACKET)
			continue;
		if (rx.buf[rx.len] != 0 || rx.len > GDB_PACKET_MAX)
			abort();
		roundtrip(rx.buf, rx.len, false);
		roundtrip(rx.buf, rx.len, true);
		gdb_hex_decode(rx.buf, rx.len, bin, sizeof(bin));
		const char *s = rx.buf;
		uint64_t v;
		while (*s && gdb_parse_u64(&s, &v) == 0 && *s)
			s++; /* "addr,len" style: skip the separator */
	}
	return 0;
}
