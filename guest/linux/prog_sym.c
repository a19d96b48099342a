/* SPDX-License-Identifier: MIT */
/*
 * guest/linux/prog_sym.c - the program's own symbols for fault reports:
 * its ELF section headers, SHT_SYMTAB and the string table it links to,
 * read straight from the image in memory with every offset bounded (the
 * section headers were never checked by progelf: nothing loads them).
 */
#include "lib/progelf/progelf.h"
#include "lib/kstring/kstring.h"
#include "proto/perf.h"
#include "linux.h"

struct pe_shdr {
	uint32_t name, type;
	uint64_t flags, addr, offset, size;
	uint32_t link, info;
	uint64_t align, entsize;
};
struct pe_sym {
	uint32_t name;
	uint8_t info, other;
	uint16_t shndx;
	uint64_t value, size;
};

static int in_file(uint64_t off, uint64_t n)
{
	return off <= linux_prog.image_len && n <= linux_prog.image_len - off;
}

const char *linux_prog_symbol(uint64_t addr, uint64_t *off)
{
	const uint8_t *img = linux_prog.image;
	if (!img)
		return 0;
	struct pe_ehdr eh;
	memcpy(&eh, img, sizeof(eh));
	if (eh.shentsize != sizeof(struct pe_shdr) || !in_file(eh.shoff, (uint64_t)eh.shnum * 64))
		return 0;
	/* a static-PIE runs moved by base: symbols hold link-time values */
	uint64_t base = eh.type == PE_ET_DYN ? PROGELF_PIE_BASE : 0;
	const char *best = 0;
	uint64_t best_v = 0;
	for (unsigned i = 0; i < eh.shnum; i++) {
		struct pe_shdr sh, st;
		memcpy(&sh, img + eh.shoff + i * 64ull, sizeof(sh));
		if (sh.type != 2 /* SHT_SYMTAB */ || sh.entsize != sizeof(struct pe_sym) ||
		    !in_file(sh.offset, sh.size) || sh.link >= eh.shnum)
			continue;
		memcpy(&st, img + eh.shoff + sh.link * 64ull, sizeof(st));
		if (!in_file(st.offset, st.size))
			continue;
		for (uint64_t j = 0; j < sh.size / sizeof(struct pe_sym); j++) {
			struct pe_sym s;
			memcpy(&s, img + sh.offset + j * sizeof(s), sizeof(s));
			uint64_t v = s.value + base;
			if ((s.info & 0xf) != 2 /* STT_FUNC */ || v > addr || v < best_v ||
			    (s.size && addr >= v + s.size) || s.name >= st.size)
				continue;
			const char *n = (const char *)img + st.offset + s.name;
			if (strnlen(n, st.size - s.name) == st.size - s.name)
				continue;
			best = n;
			best_v = v;
		}
	}
	if (best && off)
		*off = addr - best_v;
	return best;
}

uint64_t linux_prog_text_id(void)
{
	const uint8_t *img = linux_prog.image;
	struct pe_ehdr eh;
	if (!img || linux_prog.image_len < sizeof(eh))
		return 0;
	memcpy(&eh, img, sizeof(eh));
	struct pe_shdr names, sh;
	if (eh.shentsize != sizeof(struct pe_shdr) || !in_file(eh.shoff, (uint64_t)eh.shnum * 64) ||
	    eh.shstrndx >= eh.shnum)
		return 0;
	memcpy(&names, img + eh.shoff + eh.shstrndx * 64ull, sizeof(names));
	if (!in_file(names.offset, names.size))
		return 0;
	for (unsigned i = 0; i < eh.shnum; i++) {
		memcpy(&sh, img + eh.shoff + i * 64ull, sizeof(sh));
		/* the first ".text" PROGBITS section, as lib/elfsym's text_id */
		if (sh.type != 1 /* SHT_PROGBITS */ || sh.name + 6 > names.size ||
		    memcmp(img + names.offset + sh.name, ".text", 6) ||
		    !in_file(sh.offset, sh.size))
			continue;
		return pk_perf_fnv1a(PK_PERF_FNV_INIT, img + sh.offset, sh.size);
	}
	return 0;
}
