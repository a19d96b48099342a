/* SPDX-License-Identifier: MIT */
/*
 * lib/cpio/cpio.c - newc cpio parsing (cpio.h). Layout (the kernel's
 * Documentation/driver-api/early-userspace/buffer-format.rst): a 110-byte
 * ASCII header, the name (namesize bytes with its NUL), padding to 4
 * bytes, the data (filesize bytes), padding to 4; the last entry is
 * named "TRAILER!!!". Offsets are relative to the archive's start.
 */
#include "cpio.h"

#include <stdbool.h>

static int cpio_fail(const char **why, const char *msg)
{
	if (why)
		*why = msg;
	return -1;
}

/* 8 hex digits, or false */
static bool cpio_hex8(const uint8_t *p, uint32_t *out)
{
	uint32_t v = 0;
	for (int i = 0; i < 8; i++) {
		uint8_t c = p[i];
		uint32_t d;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return false;
		v = v << 4 | d;
	}
	*out = v;
	return true;
}

static size_t cpio_pad4(size_t x)
{
	return (x + 3) & ~(size_t)3;
}

int cpio_next(const uint8_t *buf, size_t len, size_t *off, struct cpio_entry *e, const char **why)
{
	size_t o = *off;
	if (o > len || len - o < CPIO_HDR_SIZE)
		return cpio_fail(why, "cpio: truncated header (no TRAILER!!! entry)");
	const uint8_t *h = buf + o;
	static const char magic[] = "07070";
	for (int i = 0; i < 5; i++)
		if (h[i] != (uint8_t)magic[i])
			return cpio_fail(why, "cpio: bad magic (not a newc archive)");
	if (h[5] != '1' && h[5] != '2')
		return cpio_fail(why, "cpio: bad magic (not a newc archive)");
	uint32_t f[13];
	for (int i = 0; i < 13; i++)
		if (!cpio_hex8(h + 6 + 8 * i, &f[i]))
			return cpio_fail(why, "cpio: header field is not hexadecimal");
	/* fields: ino mode uid gid nlink mtime filesize devmajor devminor
	 * rdevmajor rdevminor namesize check */
	uint32_t namesize = f[11];
	size_t name_at = o + CPIO_HDR_SIZE;
	if (namesize < 2 || namesize > len - name_at)
		return cpio_fail(why, "cpio: name size is 0 or runs past the end");
	const char *name = (const char *)buf + name_at;
	if (name[namesize - 1] != 0)
		return cpio_fail(why, "cpio: name is not NUL-terminated");
	for (uint32_t i = 0; i + 1 < namesize; i++)
		if (!name[i])
			return cpio_fail(why, "cpio: NUL inside a name");
	size_t data_at = cpio_pad4(name_at + namesize);
	if (data_at > len)
		return cpio_fail(why, "cpio: name padding runs past the end");
	uint64_t size = f[6];
	if (size > len - data_at)
		return cpio_fail(why, "cpio: file data runs past the end");
	e->name = name;
	e->namelen = namesize - 1;
	e->ino = f[0];
	e->mode = f[1];
	e->nlink = f[4];
	e->mtime = f[5];
	e->data = buf + data_at;
	e->size = size;
	if (e->namelen == 10) {
		static const char trailer[] = "TRAILER!!!";
		bool t = true;
		for (int i = 0; i < 10; i++)
			t &= name[i] == trailer[i];
		if (t)
			return 0;
	}
	size_t next = data_at + (size_t)size;
	/* the padding after the last entry may be missing: clamp to len */
	next = cpio_pad4(next) > len ? len : cpio_pad4(next);
	*off = next;
	return 1;
}

int cpio_name_norm(const char *name, size_t n, char *out, size_t cap)
{
	size_t w = 0, i = 0;
	while (i < n) {
		while (i < n && name[i] == '/')
			i++;
		size_t s = i;
		while (i < n && name[i] != '/') {
			if (!name[i])
				return -1;
			i++;
		}
		size_t len = i - s;
		if (!len || (len == 1 && name[s] == '.'))
			continue;
		if (len == 2 && name[s] == '.' && name[s + 1] == '.')
			return -1; /* never above the archive's root */
		if (w + (w ? 1 : 0) + len + 1 > cap)
			return -1;
		if (w)
			out[w++] = '/';
		for (size_t k = 0; k < len; k++)
			out[w++] = name[s + k];
	}
	if (!cap)
		return -1;
	out[w] = 0;
	return (int)w;
}
