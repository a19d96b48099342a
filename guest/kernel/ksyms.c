/* SPDX-License-Identifier: MIT */
/* guest/kernel/ksyms.c - address -> symbol lookups over the generated table. */
#include "ksyms.h"

#include "../lib/kstring.h"

/* Emitted by tools/ksyms_gen.sh into section .ksyms. */
extern const uint64_t ksyms_num;
extern const uint64_t ksyms_addr[];
extern const uint32_t ksyms_name_off[];
extern const char ksyms_names[];
extern const char __text_end[];

const char *ksyms_lookup(uint64_t addr, uint64_t *offset)
{
	if (addr >= (uint64_t)__text_end)
		return 0;
	long i = ksyms_search(ksyms_addr, ksyms_num, addr);
	if (i < 0)
		return 0;
	if (offset)
		*offset = addr - ksyms_addr[i];
	return ksyms_names + ksyms_name_off[i];
}

uint64_t ksyms_address(const char *name)
{
	for (uint64_t i = 0; i < ksyms_num; i++)
		if (strcmp(ksyms_names + ksyms_name_off[i], name) == 0)
			return ksyms_addr[i];
	return 0;
}
