/* SPDX-License-Identifier: MIT */
/*
 * lib/elfsym/elfsym.h - the one ELF symbol reader of the host tools
 * (libelf; host only): address -> function name for the vmm's crash dumps
 * and gdb stub and for kperf's reports, so they all name the same symbol
 * for an address. The search is the kernel's own (lib/ksyms), and the
 * proto/perf.h elf_id of the file checks a recording against its ELF.
 *
 * Which symbols count: STT_FUNC, and STT_NOTYPE labels in executable
 * sections (assembly entry points), with a value, a name, and not a local
 * .L label. Sorted by address; among symbols at one address a sized one
 * wins over a label, a plain name over a reserved _/__ one, then the
 * smaller name, so the choice never depends on symbol-table order.
 */
#ifndef PK_LIB_ELFSYM_H
#define PK_LIB_ELFSYM_H

#include <stddef.h>
#include <stdint.h>

struct elf_syms {
	uint64_t *addr, *size; /* sorted by address */
	char **name;
	size_t n;
	uint64_t text_id; /* FNV-1a of .text, 0 when there is none */
};

int elf_syms_load(const char *elf, struct elf_syms *s, char *err, size_t errlen);
/* The same from an open file (read with pread; the offset is unchanged). */
int elf_syms_load_fd(int fd, struct elf_syms *s, char *err, size_t errlen);
/* FNV-1a of the file's .text (proto/perf.h elf_id), 0 when there is none;
 * cheaper than a load when only the id is needed. */
uint64_t elf_text_id_fd(int fd);
/* The same of an ELF image in memory (a program the vmm read). */
uint64_t elf_text_id_mem(const void *image, size_t len);
/* Build from arrays (tests); names are copied. */
int elf_syms_from(struct elf_syms *s, const uint64_t *addr, const uint64_t *size,
		  const char *const *name, size_t n);
/*
 * A program's symbols beside the kernel's (`vmm PROGRAM`: docs/programs.md):
 * the program is loaded in the lower half, the kernel runs in the higher
 * half, so dst gets prog's symbols below split and kernel's from split up
 * (split = 1 << 63), one sorted table that every lookup uses unchanged.
 * Symbols on the wrong side of split are dropped (the kernel's boot code
 * below 4 GiB never runs once a program does). Names are copied; the
 * inputs stay the caller's. text_id is the kernel's.
 */
int elf_syms_merge(struct elf_syms *dst, const struct elf_syms *kernel, const struct elf_syms *prog,
		   uint64_t split);
#define ELF_SYMS_SPLIT (1ull << 63)
/* Function containing addr, or NULL (outside every sized symbol). */
const char *elf_syms_lookup(const struct elf_syms *s, uint64_t addr, uint64_t *off);
/* Address and size of a symbol by name; 0 when absent. */
int elf_syms_find(const struct elf_syms *s, const char *name, uint64_t *addr, uint64_t *size);
void elf_syms_free(struct elf_syms *s);

#endif
