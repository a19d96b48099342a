/* SPDX-License-Identifier: MIT */
/*
 * fuzz/cpio.c - the initrd's cpio newc parser (lib/cpio) on arbitrary
 * bytes: walk every entry to the trailer or the first error, normalise
 * each name. Beyond "no crash": every entry's name and data lie inside the
 * input, the walk moves forward, and a normalised name has no "..", no
 * leading '/' and no empty component.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/cpio/cpio.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off = 0;
	struct cpio_entry e;
	const char *why = 0;
	char name[4096];
	for (int n = 0; n < 100000; n++) {
		size_t before = off;
		int rc = cpio_next(data, size, &off, &e, &why);
		if (rc < 0 && !why)
			abort(); /* an error always says why */
		if (rc <= 0)
			break;
		const uint8_t *end = data + size;
		if ((const uint8_t *)e.name < data || (const uint8_t *)e.name + e.namelen > end ||
		    e.data < data || e.size > (uint64_t)(end - e.data) || off <= before ||
		    off > size)
			abort();
		int len = cpio_name_norm(e.name, e.namelen, name, sizeof(name));
		if (len < 0)
			continue;
		if ((size_t)len != strlen(name) ||
		    (len && (name[0] == '/' || name[len - 1] == '/')) || strstr(name, "//"))
			abort();
		for (char *p = name; *p;) { /* no ".." component */
			char *s = strchr(p, '/');
			size_t cl = s ? (size_t)(s - p) : strlen(p);
			if (cl == 2 && p[0] == '.' && p[1] == '.')
				abort();
			if (cl == 1 && p[0] == '.')
				abort();
			p += cl + (s ? 1 : 0);
		}
	}
	return 0;
}
