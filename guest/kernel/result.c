/* SPDX-License-Identifier: MIT */
/* guest/kernel/result.c - result blobs to the host (result.h). */
#include "result.h"

#include "lib/blob/blob.h"
#include "lib/kstring/kstring.h"
#include "console.h"
#include "hypercall.h"

#define LINE_BYTES 57 /* 57 bytes -> 76 base64 characters per line */

int result_write(const char *name, const void *data, size_t len)
{
	size_t n = strlen(name);
	if (!n || n > PK_HC_NAME_MAX)
		return PK_HC_EINVAL;
	if (platform_vmm) {
		struct pk_hc_result_write req = {.name = kvirt_to_phys(name),
						 .name_len = n,
						 .data = kvirt_to_phys(data),
						 .len = len};
		return (int)hypercall(PK_HC_RESULT_WRITE, &req);
	}
	kprintf("PKBLOB %s %zu %08x\n", name, len, blob_crc32(0, data, len));
	const uint8_t *p = data;
	for (size_t off = 0; off < len; off += LINE_BYTES) {
		char line[80];
		size_t chunk = len - off < LINE_BYTES ? len - off : LINE_BYTES;
		size_t c = blob_base64(p + off, chunk, line);
		line[c++] = '\n';
		console_write(line, c);
	}
	kprintf("PKBLOB-END %s\n", name);
	return 0;
}
