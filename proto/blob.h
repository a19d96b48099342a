/* SPDX-License-Identifier: MIT */
/*
 * proto/blob.h - the framing of result and perf blobs on a text console
 * (a PC's COM1; under the vmm they travel by hypercall instead):
 *
 *   PKBLOB <name> <length> <crc32>      crc32: 8 lowercase hex digits
 *   <base64 (RFC 4648), 76 characters per line, the last one shorter>
 *   PKBLOB-END <name>
 *
 * CRC-32 is IEEE 802.3's (reflected, as zlib's crc32()). The guest writes
 * it (guest/kernel/result.c), kperf reads perf.* blobs from a console log
 * (lib/blob's blob_head_parse), and tools/pkblob.py reads these very
 * #defines to decode results: one definition for the three of them.
 */
#ifndef PK_PROTO_BLOB_H
#define PK_PROTO_BLOB_H

#define PK_BLOB_HEAD "PKBLOB "	     /* + "<name> <length> <crc32>" */
#define PK_BLOB_END "PKBLOB-END "    /* + "<name>" */
#define PK_BLOB_NAME_MAX 64	     /* characters of [A-Za-z0-9._-] */
#define PK_BLOB_LINE_BYTES 57	     /* bytes per base64 line: 76 characters */
#define PK_BLOB_LEN_MAX (256u << 20) /* readers refuse longer blobs */

#endif
