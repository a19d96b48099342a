/* SPDX-License-Identifier: MIT */
/*
 * lib/progelf/progelf.c - the ELF checks of progelf.h. Reads the image
 * through memcpy only (it may be unaligned, and on the vmm side it is the
 * vmm's own copy of the file), never trusts a count before bounding it.
 */
#include "progelf.h"

#include "lib/kstring/kstring.h"
#include "lib/printf/printf.h"
#include "proto/boot.h"

static int pe_fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int pe_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	pk_vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -22;
}

static void pe_ehdr_read(const void *img, struct pe_ehdr *eh)
{
	memcpy(eh, img, sizeof(*eh));
}

static void pe_phdr_read(const void *img, const struct pe_ehdr *eh, unsigned i, struct pe_phdr *ph)
{
	memcpy(ph, (const uint8_t *)img + eh->phoff + (uint64_t)i * sizeof(*ph), sizeof(*ph));
}

int progelf_ident(const void *img, size_t len, char *err, size_t errlen)
{
	const uint8_t *b = img;
	if (len < 16 || b[0] != 0x7f || b[1] != 'E' || b[2] != 'L' || b[3] != 'F')
		return pe_fail(err, errlen, "not an ELF file");
	if (b[4] != 2) /* EI_CLASS: ELFCLASS64 */
		return pe_fail(err, errlen, "not a 64-bit ELF (class %u)", b[4]);
	if (len < sizeof(struct pe_ehdr))
		return pe_fail(err, errlen, "not an ELF file");
	struct pe_ehdr eh;
	pe_ehdr_read(img, &eh);
	if (b[5] != 1) /* EI_DATA: ELFDATA2LSB */
		return pe_fail(err, errlen, "not a little-endian ELF (EI_DATA=%u)", b[5]);
	if (b[6] != 1 || eh.version != 1)
		return pe_fail(err, errlen, "unknown ELF version (EI_VERSION=%u, e_version=%u)",
			       b[6], eh.version);
	if (eh.machine != PE_EM_X86_64)
		return pe_fail(err, errlen, "not an x86-64 ELF (e_machine=%u)", eh.machine);
	if (eh.ehsize != sizeof(struct pe_ehdr))
		return pe_fail(err, errlen, "e_ehsize %u, want %zu (sizeof(Elf64_Ehdr))", eh.ehsize,
			       sizeof(struct pe_ehdr));
	if (eh.phentsize != sizeof(struct pe_phdr))
		return pe_fail(err, errlen, "e_phentsize %u, want %zu (sizeof(Elf64_Phdr))",
			       eh.phentsize, sizeof(struct pe_phdr));
	/* PN_XNUM (0xffff) would put the count in section 0: never in ours */
	if (eh.phnum > PROGELF_MAX_PHNUM)
		return pe_fail(err, errlen, "e_phnum %u: more than %u program headers", eh.phnum,
			       PROGELF_MAX_PHNUM);
	if (eh.phoff > len || (uint64_t)eh.phnum * sizeof(struct pe_phdr) > len - eh.phoff)
		return pe_fail(err, errlen,
			       "program headers at 0x%lx (%u of them) past the end of the file "
			       "(%zu bytes)",
			       (unsigned long)eh.phoff, eh.phnum, len);
	return 0;
}

/* Does the PT_NOTE at [off, off+size) hold a note (name, type)? (gABI
 * "Note Section": namesz, descsz, type, then name and desc, each padded
 * to 4 bytes on x86-64 as GNU ld writes them.) */
static int pe_note_has(const uint8_t *img, size_t len, uint64_t off, uint64_t size,
		       const char *name, uint32_t type)
{
	if (off > len || size > len - off)
		return 0;
	uint64_t pos = 0, nlen = strlen(name) + 1;
	while (size - pos >= 12) {
		uint32_t w[3];
		memcpy(w, img + off + pos, 12);
		uint64_t nsz = ((uint64_t)w[0] + 3) & ~3ull, dsz = ((uint64_t)w[1] + 3) & ~3ull;
		pos += 12;
		if (nsz > size - pos || dsz > size - pos - nsz)
			return 0;
		if (w[0] == nlen && w[2] == type && !memcmp(img + off + pos, name, nlen))
			return 1;
		pos += nsz + dsz;
	}
	return 0;
}

enum progelf_kind progelf_kind(const void *img, size_t len)
{
	struct pe_ehdr eh;
	pe_ehdr_read(img, &eh);
	for (unsigned i = 0; i < eh.phnum; i++) {
		struct pe_phdr p;
		pe_phdr_read(img, &eh, i, &p);
		if (p.type == PE_PT_LOAD && p.vaddr >= PK_KERNEL_VMA)
			return PROGELF_KERNEL;
		if (p.type == PE_PT_NOTE && (pe_note_has(img, len, p.offset, p.filesz, "Xen", 18) ||
					     pe_note_has(img, len, p.offset, p.filesz,
							 PK_ELFNOTE_NAME, PK_ELFNOTE_VMM_GUEST)))
			return PROGELF_KERNEL;
	}
	return PROGELF_PROGRAM;
}

static int pe_pow2(uint64_t a)
{
	return (a & (a - 1)) == 0;
}

/* One PT_LOAD on its own and against the one before it. */
static int pe_check_load(const struct pe_phdr *p, unsigned i, size_t len,
			 const struct progelf_info *o, char *err, size_t errlen)
{
	if (p->filesz > p->memsz)
		return pe_fail(err, errlen, "segment %u: p_filesz 0x%lx > p_memsz 0x%lx", i,
			       (unsigned long)p->filesz, (unsigned long)p->memsz);
	if (p->offset > len || p->filesz > len - p->offset)
		return pe_fail(err, errlen,
			       "segment %u: file range 0x%lx+0x%lx past the end of the file (%zu "
			       "bytes)",
			       i, (unsigned long)p->offset, (unsigned long)p->filesz, len);
	if (p->vaddr + p->memsz < p->vaddr || p->vaddr + p->memsz + PROGELF_PAGE < p->vaddr)
		return pe_fail(err, errlen, "segment %u: p_vaddr 0x%lx + p_memsz 0x%lx wraps", i,
			       (unsigned long)p->vaddr, (unsigned long)p->memsz);
	if (!pe_pow2(p->align))
		return pe_fail(err, errlen, "segment %u: p_align 0x%lx is not a power of two", i,
			       (unsigned long)p->align);
	/* gABI "Program Loading": p_vaddr and p_offset agree modulo the page */
	if ((p->vaddr ^ p->offset) & (PROGELF_PAGE - 1))
		return pe_fail(err, errlen,
			       "segment %u: p_vaddr 0x%lx and p_offset 0x%lx differ modulo the "
			       "page size",
			       i, (unsigned long)p->vaddr, (unsigned long)p->offset);
	if ((p->flags & PE_PF_W) && (p->flags & PE_PF_X))
		return pe_fail(err, errlen,
			       "segment %u at 0x%lx is writable and executable (W^X: perfkern maps "
			       "no such page)",
			       i, (unsigned long)p->vaddr);
	if (o->nseg) {
		const struct progelf_seg *prev = &o->seg[o->nseg - 1];
		if (p->vaddr < prev->vaddr)
			return pe_fail(err, errlen,
				       "segment %u: p_vaddr 0x%lx below the previous PT_LOAD's "
				       "0x%lx (PT_LOAD entries must be sorted)",
				       i, (unsigned long)p->vaddr, (unsigned long)prev->vaddr);
		if (p->vaddr < prev->vaddr + prev->memsz)
			return pe_fail(
				err, errlen, "segment %u [0x%lx, 0x%lx) overlaps another segment",
				i, (unsigned long)p->vaddr, (unsigned long)(p->vaddr + p->memsz));
	}
	if (o->nseg == PROGELF_MAX_SEGS)
		return pe_fail(err, errlen, "more than %u PT_LOAD segments", PROGELF_MAX_SEGS);
	return 0;
}

/* Base, span and entry once every segment passed. */
static int pe_place(const struct pe_ehdr *eh, struct progelf_info *o, char *err, size_t errlen)
{
	uint64_t lo = o->seg[0].vaddr & ~(PROGELF_PAGE - 1);
	const struct progelf_seg *last = &o->seg[o->nseg - 1];
	uint64_t hi = (last->vaddr + last->memsz + PROGELF_PAGE - 1) & ~(PROGELF_PAGE - 1);
	if (hi - lo > PROGELF_MAX_SPAN)
		return pe_fail(err, errlen,
			       "segments span 0x%lx bytes, more than the %lu MiB allowed",
			       (unsigned long)(hi - lo), (unsigned long)(PROGELF_MAX_SPAN >> 20));
	o->base = o->pie ? PROGELF_PIE_BASE - lo : 0;
	if (!o->pie && (lo < PROGELF_USER_MIN || hi > PROGELF_IMAGE_TOP))
		return pe_fail(err, errlen,
			       "segments [0x%lx, 0x%lx) are outside [0x%llx, 0x%llx), where "
			       "perfkern loads programs (link it at the default address)",
			       (unsigned long)lo, (unsigned long)hi, PROGELF_USER_MIN,
			       PROGELF_IMAGE_TOP);
	int entry_ok = 0;
	for (unsigned j = 0; j < o->nseg; j++) {
		struct progelf_seg *s = &o->seg[j];
		if ((s->flags & PE_PF_X) && eh->entry >= s->vaddr &&
		    eh->entry - s->vaddr < s->memsz)
			entry_ok = 1;
		s->vaddr += o->base;
	}
	if (!entry_ok)
		return pe_fail(err, errlen, "entry point 0x%lx is not inside an executable segment",
			       (unsigned long)eh->entry);
	o->lo = lo + o->base;
	o->hi = hi + o->base;
	o->entry = eh->entry + o->base;
	return 0;
}

int progelf_check(const void *img, size_t len, struct progelf_info *o, char *err, size_t errlen)
{
	memset(o, 0, sizeof(*o));
	if (len > PROGELF_MAX_FILE)
		return pe_fail(err, errlen, "%zu bytes: larger than the %lu MiB a program may be",
			       len, (unsigned long)(PROGELF_MAX_FILE >> 20));
	int rc = progelf_ident(img, len, err, errlen);
	if (rc)
		return rc;
	struct pe_ehdr eh;
	pe_ehdr_read(img, &eh);
	if (eh.type != PE_ET_EXEC && eh.type != PE_ET_DYN)
		return pe_fail(err, errlen,
			       "not an executable ELF (e_type=%u, want ET_EXEC or a static-PIE "
			       "ET_DYN)",
			       eh.type);
	o->pie = eh.type == PE_ET_DYN;
	o->phnum = eh.phnum;
	uint64_t phdr_link = 0;
	int have_phdr = 0;
	for (unsigned i = 0; i < eh.phnum; i++) {
		struct pe_phdr p;
		pe_phdr_read(img, &eh, i, &p);
		if (p.type == PE_PT_INTERP)
			return pe_fail(err, errlen, "dynamically linked: link it with -static");
		if (p.type == PE_PT_PHDR) {
			phdr_link = p.vaddr;
			have_phdr = 1;
		}
		if (p.type != PE_PT_LOAD)
			continue;
		rc = pe_check_load(&p, i, len, o, err, errlen);
		if (rc)
			return rc;
		/* no PT_PHDR (static glibc has none): the headers are wherever
		 * the segment holding file offset e_phoff puts them */
		if (!have_phdr && eh.phoff >= p.offset && eh.phoff - p.offset < p.filesz &&
		    eh.phnum * sizeof(struct pe_phdr) <= p.filesz - (eh.phoff - p.offset)) {
			phdr_link = p.vaddr + (eh.phoff - p.offset);
			have_phdr = 1;
		}
		o->seg[o->nseg++] =
			(struct progelf_seg){p.vaddr, p.memsz, p.offset, p.filesz, p.flags};
	}
	if (!o->nseg)
		return pe_fail(err, errlen, "no PT_LOAD segment");
	rc = pe_place(&eh, o, err, errlen);
	if (rc)
		return rc;
	/* libc finds PT_TLS through AT_PHDR: headers that are not loaded
	 * would leave it reading unmapped memory */
	if (!have_phdr)
		return pe_fail(err, errlen,
			       "the program headers (file offset 0x%lx) are in no loaded segment",
			       (unsigned long)eh.phoff);
	o->phdr = phdr_link + o->base;
	/* a PT_PHDR may claim any address: AT_PHDR must point into the image */
	if (o->phdr < o->lo || o->phdr > o->hi ||
	    (uint64_t)eh.phnum * sizeof(struct pe_phdr) > o->hi - o->phdr)
		return pe_fail(err, errlen,
			       "PT_PHDR at 0x%lx is outside the loaded image [0x%lx, 0x%lx)",
			       (unsigned long)o->phdr, (unsigned long)o->lo, (unsigned long)o->hi);
	return 0;
}
