/* SPDX-License-Identifier: MIT */
/*
 * lib/progelf/progelf.h - what an ELF handed to perfkern is, and whether a
 * static x86-64 Linux program in it can be loaded. Pure C, no libc: the
 * vmm checks PROGRAM with it before the boot, and the guest loader checks
 * the very image it is about to map with the same code (an image from the
 * initrd has never been near the vmm), so both sides agree on every field.
 *
 * Layout of the program in the lower half of the one address space
 * (canonical lower half, SDM Vol 1 3.3.7.1): ET_EXEC segments at their own
 * addresses inside [PROGELF_USER_MIN, PROGELF_IMAGE_TOP), a static-PIE
 * moved so that its lowest segment starts at PROGELF_PIE_BASE.
 */
#ifndef PK_LIB_PROGELF_H
#define PK_LIB_PROGELF_H

#include <stddef.h>
#include <stdint.h>

/* ELF gABI / System V x86-64 psABI values (Elf64_Ehdr / Elf64_Phdr). */
#define PE_ET_EXEC 2
#define PE_ET_DYN 3
#define PE_EM_X86_64 62
#define PE_PT_LOAD 1
#define PE_PT_DYNAMIC 2
#define PE_PT_INTERP 3
#define PE_PT_NOTE 4
#define PE_PT_PHDR 6
#define PE_PT_TLS 7
#define PE_PF_X 1u
#define PE_PF_W 2u
#define PE_PF_R 4u

struct pe_ehdr {
	uint8_t ident[16];
	uint16_t type, machine;
	uint32_t version;
	uint64_t entry, phoff, shoff;
	uint32_t flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};
struct pe_phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz, align;
};
_Static_assert(sizeof(struct pe_ehdr) == 64, "Elf64_Ehdr");
_Static_assert(sizeof(struct pe_phdr) == 56, "Elf64_Phdr");

#define PROGELF_PAGE 4096ull
#define PROGELF_USER_MIN 0x200000ull	   /* below: the identity-mapped boot stub */
#define PROGELF_IMAGE_TOP 0x10000000000ull /* 1 TiB: brk, mmap and stacks live above */
#define PROGELF_PIE_BASE 0x40000000ull	   /* where a static-PIE's lowest segment goes */
#define PROGELF_MAX_SPAN (1ull << 30)	   /* an image spans at most 1 GiB */
#define PROGELF_MAX_FILE (1ull << 30)	   /* and its file is at most 1 GiB */
#define PROGELF_MAX_PHNUM 64
#define PROGELF_MAX_SEGS 16

enum progelf_kind {
	PROGELF_KERNEL = 1,  /* a perfkern kernel or raw vmm guest: booted as before */
	PROGELF_PROGRAM = 2, /* anything else x86-64: a Linux program to check */
};

struct progelf_seg {
	uint64_t vaddr, memsz; /* where it runs (base applied) */
	uint64_t offset, filesz;
	uint32_t flags; /* PE_PF_* */
};

struct progelf_info {
	int pie;	 /* ET_DYN static-PIE */
	uint64_t base;	 /* added to every link-time address (0 for ET_EXEC) */
	uint64_t entry;	 /* run-time entry point */
	uint64_t lo, hi; /* run-time span, page-rounded */
	uint64_t phdr;	 /* run-time address of the program headers (AT_PHDR) */
	uint16_t phnum;	 /* AT_PHNUM */
	unsigned nseg;	 /* PT_LOAD segments, sorted by vaddr */
	struct progelf_seg seg[PROGELF_MAX_SEGS];
};

/*
 * The ELF header fields every kind shares (64-bit little-endian x86-64,
 * current version, this ABI's header and program-header sizes, program
 * headers inside the file). 0, or -22 with err naming the field.
 */
int progelf_ident(const void *img, size_t len, char *err, size_t errlen);

/*
 * PROGELF_KERNEL when the image carries a perfkern boot marker: a PT_LOAD
 * in the higher half (p_vaddr >= PK_KERNEL_VMA, the kernel's link address),
 * a Xen PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY, every perfkern kernel has
 * one) or a "perfkern" note of type PK_ELFNOTE_VMM_GUEST (proto/boot.h; the
 * raw test guests); else PROGELF_PROGRAM. Call after progelf_ident.
 */
enum progelf_kind progelf_kind(const void *img, size_t len);

/*
 * Every field of a program: ET_EXEC or static-PIE ET_DYN, no PT_INTERP
 * ("dynamically linked: link it with -static"), each PT_LOAD inside the
 * file, p_filesz <= p_memsz, no wraparound, p_align a power of two with
 * p_offset = p_vaddr mod page, sorted and not overlapping, never both
 * writable and executable (W^X), at most PROGELF_MAX_SEGS of them, the
 * whole image inside [PROGELF_USER_MIN, PROGELF_IMAGE_TOP) after the PIE
 * base and no larger than PROGELF_MAX_SPAN, the entry in an executable
 * segment. Fills *out; 0, or -22 with err saying which field and why.
 */
int progelf_check(const void *img, size_t len, struct progelf_info *out, char *err, size_t errlen);

#endif
