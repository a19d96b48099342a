/* SPDX-License-Identifier: MIT */
/* lib/lpath/lpath.c - lexical path normalisation (lpath.h). */
#include "lpath.h"

#include "lib/kstring/kstring.h"

int lpath_resolve(const char *base, const char *path, char *out, size_t max)
{
	if (!*path)
		return -2; /* ENOENT */
	char tmp[512];
	size_t n = 0;
	const char *parts[2] = {*path == '/' ? "" : base, path};
	for (int k = 0; k < 2; k++) {
		for (const char *p = parts[k]; *p;) {
			while (*p == '/')
				p++;
			const char *e = p;
			while (*e && *e != '/')
				e++;
			size_t l = (size_t)(e - p);
			if (l == 0 || (l == 1 && p[0] == '.')) {
				/* nothing */
			} else if (l == 2 && p[0] == '.' && p[1] == '.') {
				while (n > 0 && tmp[n - 1] != '/')
					n--;
				if (n > 0)
					n--; /* the '/' before the last component */
			} else {
				if (n + 1 + l >= sizeof(tmp))
					return -36; /* ENAMETOOLONG */
				tmp[n++] = '/';
				memcpy(tmp + n, p, l);
				n += l;
			}
			p = e;
		}
	}
	if (n == 0)
		tmp[n++] = '/';
	if (n + 1 > max)
		return -36; /* ENAMETOOLONG */
	memcpy(out, tmp, n);
	out[n] = 0;
	return 0;
}
