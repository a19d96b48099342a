/* SPDX-License-Identifier: MIT */
/* lib/blob/blob.c - CRC-32 and base64 for framed blobs (blob.h). */
#include "blob.h"

#include "lib/kstring/kstring.h"

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

static int blob_name_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == '-';
}

int blob_head_parse(const char *line, size_t n, char name[PK_BLOB_NAME_MAX + 1], uint64_t *len,
		    uint32_t *crc)
{
	const size_t hl = sizeof(PK_BLOB_HEAD) - 1;
	if (n < hl || memcmp(line, PK_BLOB_HEAD, hl))
		return -1;
	size_t i = hl, k = 0;
	while (i < n && blob_name_char(line[i]) && k < PK_BLOB_NAME_MAX)
		name[k++] = line[i++];
	name[k] = 0;
	if (!k || i >= n || line[i++] != ' ')
		return -1;
	uint64_t v = 0;
	size_t digits = 0;
	for (; i < n && line[i] >= '0' && line[i] <= '9'; i++, digits++) {
		if (digits == 19) /* past any length a reader takes, and before overflow */
			return -1;
		v = v * 10 + (uint64_t)(line[i] - '0');
	}
	if (!digits || i >= n || line[i++] != ' ' || n - i != 8)
		return -1;
	uint32_t c = 0;
	for (; i < n; i++) {
		char h = line[i];
		if (h >= '0' && h <= '9')
			c = c << 4 | (uint32_t)(h - '0');
		else if (h >= 'a' && h <= 'f')
			c = c << 4 | (uint32_t)(h - 'a' + 10);
		else
			return -1;
	}
	*len = v;
	*crc = c;
	return 0;
}

int blob_is_end(const char *line, size_t n, const char *name)
{
	const size_t el = sizeof(PK_BLOB_END) - 1, nl = strlen(name);
	return n == el + nl && !memcmp(line, PK_BLOB_END, el) && !memcmp(line + el, name, nl);
}
