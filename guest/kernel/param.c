/* SPDX-License-Identifier: MIT */
/* guest/kernel/param.c - the registered command-line options (param.h). */
#include "param.h"

#include "console.h"
#include "lib/cmdline/cmdline.h"
#include "lib/kstring/kstring.h"

extern const struct pk_param __start_pk_params[], __stop_pk_params[];

const struct pk_param *param_find(const char *key, size_t len)
{
	for (const struct pk_param *p = __start_pk_params; p < __stop_pk_params; p++)
		if (strlen(p->name) == len && strncmp(key, p->name, len) == 0)
			return p;
	return 0;
}

void param_warn_unknown(const char *cmdline)
{
	const char *pos = cmdline, *w;
	size_t keylen, wordlen;
	while ((w = cmdline_next(&pos, &keylen, &wordlen)))
		if (!param_find(w, keylen))
			kprintf("perfkern: ignoring unknown command-line option '%.*s'\n",
				(int)wordlen, w);
}

void param_print_all(void)
{
	for (const struct pk_param *p = __start_pk_params; p < __stop_pk_params; p++)
		kprintf("  %-16s %s\n", p->name, p->help);
}
