/* SPDX-License-Identifier: MIT */
/* lib/blob/blob.c - CRC-32 and base64 for framed blobs (blob.h). */
#include "blob.h"

uint32_t blob_crc32(uint32_t crc, const void *data, size_t len)
{
	const uint8_t *p = data;
	crc = ~crc;
	while (len--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1));
	}
	return ~crc;
}

long blob_unbase64(const char *in, size_t n, void *out)
{
	uint8_t *o = out;
	long len = 0;
	if (n % 4)
		return -1;
	for (size_t i = 0; i < n; i += 4) {
		uint32_t v = 0;
		int pad = 0;
		for (int k = 0; k < 4; k++) {
			char c = in[i + k];
			int d;
			if (c >= 'A' && c <= 'Z')
				d = c - 'A';
			else if (c >= 'a' && c <= 'z')
				d = c - 'a' + 26;
			else if (c >= '0' && c <= '9')
				d = c - '0' + 52;
			else if (c == '+')
				d = 62;
			else if (c == '/')
				d = 63;
			else if (c == '=' && k >= 2 && i + 4 == n)
				d = 0, pad++;
			else
				return -1;
			if (pad && c != '=')
				return -1; /* data after padding */
			v = v << 6 | (uint32_t)d;
		}
		o[len++] = (uint8_t)(v >> 16);
		if (pad < 2)
			o[len++] = (uint8_t)(v >> 8);
		if (pad < 1)
			o[len++] = (uint8_t)v;
	}
	return len;
}

size_t blob_base64(const void *data, size_t len, char *out)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const uint8_t *p = data;
	size_t o = 0;
	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16;
		if (i + 1 < len)
			v |= (uint32_t)p[i + 1] << 8;
		if (i + 2 < len)
			v |= p[i + 2];
		out[o++] = tab[v >> 18 & 63];
		out[o++] = tab[v >> 12 & 63];
		out[o++] = i + 1 < len ? tab[v >> 6 & 63] : '=';
		out[o++] = i + 2 < len ? tab[v & 63] : '=';
	}
	return o;
}
