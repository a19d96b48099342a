/* SPDX-License-Identifier: MIT */
/*
 * lib/blob/blob.h - the pieces of the blob framing of proto/blob.h: CRC-32,
 * base64 both ways, and the checked parse of a header line.
 */
#ifndef PK_LIB_BLOB_H
#define PK_LIB_BLOB_H

#include <stddef.h>
#include <stdint.h>

#include "proto/blob.h"

/* CRC-32 (IEEE 802.3, reflected, as zlib's crc32()). */
uint32_t blob_crc32(uint32_t crc, const void *data, size_t len);

/* Base64 (RFC 4648) of len bytes into out (4*ceil(len/3) bytes, no NUL);
 * returns the number of characters written. */
size_t blob_base64(const void *data, size_t len, char *out);

/* Decode base64 text (no whitespace) into out (room for 3*n/4 bytes);
 * returns the byte count, or -1 on a character or padding error. */
long blob_unbase64(const char *in, size_t n, void *out);

/* A header line (n bytes, no newline): 0 and its fields when it is exactly
 * PK_BLOB_HEAD "<name> <length> <crc32>" with a valid name, a decimal
 * length (at most 19 digits; the reader checks PK_BLOB_LEN_MAX) and 8
 * lowercase hex digits; -1 otherwise. */
int blob_head_parse(const char *line, size_t n, char name[PK_BLOB_NAME_MAX + 1], uint64_t *len,
		    uint32_t *crc);

/* Is line (n bytes) the PK_BLOB_END line of blob name? */
int blob_is_end(const char *line, size_t n, const char *name);

#endif
