/* SPDX-License-Identifier: MIT */
/* guest/kernel/result.c - result blobs to the host (result.h). */
#include "result.h"

#include "lib/blob/blob.h"
#include "lib/kstring/kstring.h"
#include "lib/printf/printf.h"
#include "console.h"
#include "hypercall.h"

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
	/* console_write, not kprintf: `quiet` must not drop the frame lines
	 * (the data lines never were) */
	char frame[PK_BLOB_NAME_MAX + 48];
	int fl = pk_snprintf(frame, sizeof(frame), PK_BLOB_HEAD "%s %zu %08x\n", name, len,
			     blob_crc32(0, data, len));
	console_write(frame, (size_t)fl < sizeof(frame) ? (size_t)fl : sizeof(frame) - 1);
	const uint8_t *p = data;
	for (size_t off = 0; off < len; off += PK_BLOB_LINE_BYTES) {
		char line[PK_BLOB_LINE_BYTES / 3 * 4 + 1];
		size_t chunk = len - off < PK_BLOB_LINE_BYTES ? len - off : PK_BLOB_LINE_BYTES;
		size_t c = blob_base64(p + off, chunk, line);
		line[c++] = '\n';
		console_write(line, c);
	}
	fl = pk_snprintf(frame, sizeof(frame), PK_BLOB_END "%s\n", name);
	console_write(frame, (size_t)fl < sizeof(frame) ? (size_t)fl : sizeof(frame) - 1);
	return 0;
}
