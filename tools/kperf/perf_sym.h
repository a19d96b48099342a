/* SPDX-License-Identifier: MIT */
/*
 * tools/kperf/perf_sym.h - address -> function name from the guest ELF's
 * symbol table (libelf), with the kernel's own search (ksyms_search.c),
 * and the proto/perf.h elf_id of the file to check a recording against.
 */
#ifndef PK_KPERF_PERF_SYM_H
#define PK_KPERF_PERF_SYM_H

#include <stddef.h>
#include <stdint.h>

struct kp_syms {
	uint64_t *addr, *size; /* sorted by address */
	char **name;
	size_t n;
	uint64_t text_id; /* FNV-1a of .text, 0 when there is none */
};

int kp_syms_load(const char *elf, struct kp_syms *s, char *err, size_t errlen);
/* Build from arrays (tests); names are copied. */
int kp_syms_from(struct kp_syms *s, const uint64_t *addr, const uint64_t *size,
		 const char *const *name, size_t n);
/* Function containing addr, or NULL (outside every sized symbol). */
const char *kp_syms_lookup(const struct kp_syms *s, uint64_t addr, uint64_t *off);
/* Address and size of a symbol by name; 0 when absent. */
int kp_syms_find(const struct kp_syms *s, const char *name, uint64_t *addr, uint64_t *size);
void kp_syms_free(struct kp_syms *s);

#endif
