/* SPDX-License-Identifier: MIT */
/* guest/kernel/ksyms.c - the kernel's own symbol table (lib/ksyms search). */
#include "ksyms.h"

/* Emitted by tools/ksyms_gen.sh into section .ksyms. */
extern const uint64_t ksyms_num;
extern const uint64_t ksyms_addr[];
extern const uint32_t ksyms_name_off[];
extern const char ksyms_names[];
extern const char __text_end[];

static const struct ksyms_table *ksyms_self(void)
{
	static struct ksyms_table t;
	t = (struct ksyms_table){ksyms_num, ksyms_addr, ksyms_name_off, ksyms_names};
	return &t;
}

const char *ksyms_lookup(uint64_t addr, uint64_t *offset)
{
	if (addr >= (uint64_t)__text_end)
		return 0;
	return ksyms_table_lookup(ksyms_self(), addr, offset);
}

uint64_t ksyms_address(const char *name)
{
	return ksyms_table_address(ksyms_self(), name);
}
