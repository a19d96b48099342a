/* SPDX-License-Identifier: MIT */
/* tests/unit/test_gdb_proto.c - the gdb remote protocol codec: framing,
 * checksums, escapes, run-length, hex, and malformed input. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "check_run.h"
#include "vmm/gdb_proto.h"

static struct gdb_rx rx;

/* feed a whole string; returns the last non-NONE event (or NONE), and
 * stops at a DROP as the stub does (it closes the connection) */
static enum gdb_rx_event feed(const char *s, size_t n)
{
	enum gdb_rx_event last = GDB_RX_NONE;
	for (size_t i = 0; i < n && last != GDB_RX_DROP; i++) {
		enum gdb_rx_event e = gdb_rx_feed(&rx, (uint8_t)s[i]);
		if (e != GDB_RX_NONE)
			last = e;
	}
	return last;
}
#define FEED(s) feed(s, sizeof(s) - 1)

START_TEST(rx_plain_packet)
{
	gdb_rx_init(&rx);
	/* "qSupported" sums to 0x37 (the well-known first packet) */
	ck_assert_int_eq(FEED("$qSupported#37"), GDB_RX_PACKET);
	ck_assert_str_eq(rx.buf, "qSupported");
	ck_assert_uint_eq(rx.len, 10);
	ck_assert_int_eq(FEED("$?#3f"), GDB_RX_PACKET);
	ck_assert_str_eq(rx.buf, "?");
	ck_assert_int_eq(FEED("$g#67"), GDB_RX_PACKET); /* uppercase hex accepted too */
	ck_assert_int_eq(FEED("$g#6A"), GDB_RX_BADSUM);
}
END_TEST

START_TEST(rx_controls_and_noise)
{
	gdb_rx_init(&rx);
	ck_assert_int_eq(gdb_rx_feed(&rx, '+'), GDB_RX_ACK);
	ck_assert_int_eq(gdb_rx_feed(&rx, '-'), GDB_RX_NAK);
	ck_assert_int_eq(gdb_rx_feed(&rx, 0x03), GDB_RX_INTR);
	/* gdb sends nothing but $ + - 0x03 between packets: anything else
	 * is not gdb, and the stub drops the connection */
	ck_assert_int_eq(gdb_rx_feed(&rx, 'g'), GDB_RX_DROP);
	ck_assert_str_eq(rx.why, "a byte outside a packet");
	ck_assert_int_eq(gdb_rx_feed(&rx, '\n'), GDB_RX_DROP);
	/* after a drop the decoder starts over */
	ck_assert_int_eq(FEED("$g#67"), GDB_RX_PACKET);
	/* a raw '$' inside a packet is never data */
	ck_assert_int_eq(FEED("$m10,4$g#67"), GDB_RX_DROP);
	ck_assert_str_eq(rx.why, "'$' inside a packet");
	/* 0x03 inside a packet is data, not an interrupt */
	gdb_rx_init(&rx);
	ck_assert_int_eq(FEED("$\x03#03"), GDB_RX_PACKET);
	ck_assert_uint_eq(rx.len, 1);
}
END_TEST

START_TEST(rx_bad_checksums)
{
	gdb_rx_init(&rx);
	ck_assert_int_eq(FEED("$g#00"), GDB_RX_BADSUM);
	ck_assert_int_eq(FEED("$g#zz"), GDB_RX_BADSUM);
	ck_assert_int_eq(FEED("$g#6"), GDB_RX_NONE); /* incomplete: waits */
	ck_assert_int_eq(FEED("7"), GDB_RX_PACKET);
	/* after a bad packet the next good one decodes */
	ck_assert_int_eq(FEED("$g#01$?#3f"), GDB_RX_PACKET);
	ck_assert_str_eq(rx.buf, "?");
	/* GDB_RX_MAX_BAD bad checksums in a row are answered with '-', one
	 * more drops the connection; a good packet resets the count */
	gdb_rx_init(&rx);
	for (int i = 0; i < GDB_RX_MAX_BAD; i++)
		ck_assert_int_eq(FEED("$g#00"), GDB_RX_BADSUM);
	ck_assert_int_eq(FEED("$g#67"), GDB_RX_PACKET);
	for (int i = 0; i < GDB_RX_MAX_BAD; i++)
		ck_assert_int_eq(FEED("$g#00"), GDB_RX_BADSUM);
	ck_assert_int_eq(FEED("$g#00"), GDB_RX_DROP);
	ck_assert_str_eq(rx.why, "too many bad checksums in a row");
	/* the same bound for NAKs */
	gdb_rx_init(&rx);
	for (int i = 0; i < GDB_RX_MAX_BAD; i++)
		ck_assert_int_eq(gdb_rx_feed(&rx, '-'), GDB_RX_NAK);
	ck_assert_int_eq(gdb_rx_feed(&rx, '-'), GDB_RX_DROP);
}
END_TEST

START_TEST(rx_escapes_and_rle)
{
	gdb_rx_init(&rx);
	/* "}]" is ']' ^ 0x20 = '}', "}\x03" is '#'; checksum over raw bytes */
	const char raw[] = "X0,2:}]}\x03";
	char pkt[64];
	unsigned sum = 0;
	for (size_t i = 0; i < sizeof(raw) - 1; i++)
		sum += (unsigned char)raw[i];
	int n = snprintf(pkt, sizeof(pkt), "$%s#%02x", raw, sum & 0xff);
	ck_assert_int_eq(feed(pkt, (size_t)n), GDB_RX_PACKET);
	ck_assert_uint_eq(rx.len, 7);
	ck_assert(memcmp(rx.buf, "X0,2:}#", 7) == 0);
	/* "0* " = '0' + 3 more (' ' is 32 = 3 + 29) */
	sum = '0' + '*' + ' ';
	n = snprintf(pkt, sizeof(pkt), "$0* #%02x", sum & 0xff);
	ck_assert_int_eq(feed(pkt, (size_t)n), GDB_RX_PACKET);
	ck_assert_str_eq(rx.buf, "0000");
	/* run-length with nothing before it, or a count below 29: malformed */
	sum = '*' + ' ';
	n = snprintf(pkt, sizeof(pkt), "$* #%02x", sum & 0xff);
	ck_assert_int_eq(feed(pkt, (size_t)n), GDB_RX_DROP);
	ck_assert_str_eq(rx.why, "a malformed run-length");
	/* an escape cut short by '#' */
	ck_assert_int_eq(FEED("$a}#dd"), GDB_RX_DROP);
}
END_TEST

START_TEST(rx_overflow)
{
	/* the byte past GDB_PACKET_MAX drops at once: no waiting for '#' */
	gdb_rx_init(&rx);
	gdb_rx_feed(&rx, '$');
	for (int i = 0; i < GDB_PACKET_MAX; i++)
		ck_assert_int_eq(gdb_rx_feed(&rx, 'a'), GDB_RX_NONE);
	ck_assert_int_eq(gdb_rx_feed(&rx, 'a'), GDB_RX_DROP);
	ck_assert_str_eq(rx.why, "a packet longer than the PacketSize we announced");
	ck_assert_uint_eq(rx.len, 0);
	/* and a run-length bomb is capped the same way */
	gdb_rx_init(&rx);
	gdb_rx_feed(&rx, '$');
	enum gdb_rx_event last = GDB_RX_NONE;
	int i;
	for (i = 0; i < 1000 && last != GDB_RX_DROP; i++)
		last = FEED("a*~");
	ck_assert_int_eq(last, GDB_RX_DROP);
	ck_assert_int_lt(i, 1000);
}
END_TEST

/* encode then decode gives the payload back */
static void roundtrip(const void *p, size_t len, bool rle)
{
	char out[4 * GDB_PACKET_MAX];
	long n = gdb_encode(p, len, rle, out, sizeof(out));
	ck_assert_int_gt(n, 3);
	gdb_rx_init(&rx);
	ck_assert_int_eq(feed(out, (size_t)n), GDB_RX_PACKET);
	ck_assert_uint_eq(rx.len, len);
	ck_assert(memcmp(rx.buf, p, len) == 0);
}

START_TEST(encode_roundtrip)
{
	char out[64];
	ck_assert_int_eq(gdb_encode("OK", 2, true, out, sizeof(out)), 6);
	ck_assert_str_eq(out, "$OK#9a");
	ck_assert_int_eq(gdb_encode("", 0, true, out, sizeof(out)), 4);
	ck_assert_str_eq(out, "$#00");
	/* escapes for $ # } * */
	ck_assert_int_gt(gdb_encode("a$b#c}d*", 8, false, out, sizeof(out)), 0);
	ck_assert_ptr_eq(strchr(out + 1, '$'), NULL);
	roundtrip("a$b#c}d*", 8, false);
	/* run-length: 0000000000 -> "0*&" style, never '#' or '$' as a count */
	char zeros[500];
	memset(zeros, '0', sizeof(zeros));
	for (size_t n = 1; n < sizeof(zeros); n++)
		roundtrip(zeros, n, true);
	ck_assert_int_lt(gdb_encode(zeros, 100, true, out, sizeof(out)), 20);
	unsigned char all[256];
	for (int i = 0; i < 256; i++)
		all[i] = (unsigned char)i;
	roundtrip(all, sizeof(all), true);
	/* too small an output buffer is an error, not an overrun */
	ck_assert_int_eq(gdb_encode("hello", 5, false, out, 5), -1);
}
END_TEST

START_TEST(hex_helpers)
{
	char h[16];
	gdb_hex_encode("\x01\xab\xff", 3, h);
	ck_assert_str_eq(h, "01abff");
	unsigned char b[4];
	ck_assert_int_eq(gdb_hex_decode("01ABff", 6, b, sizeof(b)), 3);
	ck_assert(memcmp(b, "\x01\xab\xff", 3) == 0);
	ck_assert_int_eq(gdb_hex_decode("0", 1, b, sizeof(b)), -1);   /* odd */
	ck_assert_int_eq(gdb_hex_decode("0g", 2, b, sizeof(b)), -1);  /* bad digit */
	ck_assert_int_eq(gdb_hex_decode("0011223344", 10, b, 4), -1); /* too long */
	const char *s = "ffffffff80001000,8";
	uint64_t v;
	ck_assert_int_eq(gdb_parse_u64(&s, &v), 0);
	ck_assert_uint_eq(v, 0xffffffff80001000ull);
	ck_assert_int_eq(*s, ',');
	s = ",8";
	ck_assert_int_eq(gdb_parse_u64(&s, &v), -1);
	s = "10000000000000000"; /* 17 digits: overflow */
	ck_assert_int_eq(gdb_parse_u64(&s, &v), -1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("gdb_proto");
	TCase *tc = tcase_create("codec");
	tcase_add_test(tc, rx_plain_packet);
	tcase_add_test(tc, rx_controls_and_noise);
	tcase_add_test(tc, rx_bad_checksums);
	tcase_add_test(tc, rx_escapes_and_rle);
	tcase_add_test(tc, rx_overflow);
	tcase_add_test(tc, encode_roundtrip);
	tcase_add_test(tc, hex_helpers);
	suite_add_tcase(s, tc);
	return check_run(s);
}
