/* SPDX-License-Identifier: MIT */
/*
 * lib/blob/blob.h - the framed text encoding for result/perf blobs on a
 * serial line (PC platform; the vmm gets them by hypercall instead):
 *   PKBLOB <name> <length> <crc32 as 8 hex digits>
 *   <base64, 76 characters per line>
 *   PKBLOB-END <name>
 * tools/pkblob.py decodes and verifies it. Host-compilable.
 */
#ifndef PK_LIB_BLOB_H
#define PK_LIB_BLOB_H

#include <stddef.h>
#include <stdint.h>

/* CRC-32 (IEEE 802.3, reflected, as zlib's crc32()). */
uint32_t blob_crc32(uint32_t crc, const void *data, size_t len);

/* Base64 (RFC 4648) of len bytes into out (4*ceil(len/3) bytes, no NUL);
 * returns the number of characters written. */
size_t blob_base64(const void *data, size_t len, char *out);

/* Decode base64 text (no whitespace) into out (room for 3*n/4 bytes);
 * returns the byte count, or -1 on a character or padding error. */
long blob_unbase64(const char *in, size_t n, void *out);

#endif
