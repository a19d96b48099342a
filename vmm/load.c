/* SPDX-License-Identifier: MIT */
/*
 * vmm/load.c - load the guest ELF (libelf). Only ET_EXEC x86-64 ELF64;
 * every PT_LOAD is checked before a byte is copied: file range inside the
 * file, p_filesz <= p_memsz, no wraparound, inside guest RAM, clear of the
 * vmm's boot structures and of the other segments; the entry point must
 * be inside an executable segment. Segments load at p_paddr.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmm.h"

static int load_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int load_segments(Elf *e, int fd, uint64_t file_size, struct guest_mem *m,
			 uint64_t reserved_end, struct elf_image *img, char *err, size_t errlen)
{
	GElf_Ehdr eh;
	if (!gelf_getehdr(e, &eh))
		return load_fail(err, errlen, "unreadable ELF header: %s", elf_errmsg(-1));
	if (eh.e_machine != EM_X86_64)
		return load_fail(err, errlen, "not an x86-64 ELF (e_machine=%u)", eh.e_machine);
	if (eh.e_type != ET_EXEC)
		return load_fail(err, errlen, "not an executable ELF (e_type=%u, want ET_EXEC)",
				 eh.e_type);
	size_t phnum;
	if (elf_getphdrnum(e, &phnum) != 0)
		return load_fail(err, errlen, "unreadable program headers: %s", elf_errmsg(-1));

	GElf_Phdr ph[64];
	unsigned nload = 0;
	bool entry_ok = false;
	img->lo = UINT64_MAX;
	img->hi = 0;
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr p;
		if (!gelf_getphdr(e, (int)i, &p))
			return load_fail(err, errlen, "program header %zu unreadable", i);
		if (p.p_type != PT_LOAD)
			continue;
		if (nload == sizeof(ph) / sizeof(ph[0]))
			return load_fail(err, errlen, "more than %zu PT_LOAD segments",
					 sizeof(ph) / sizeof(ph[0]));
		if (p.p_filesz > p.p_memsz)
			return load_fail(err, errlen, "segment %zu: p_filesz 0x%lx > p_memsz 0x%lx",
					 i, p.p_filesz, p.p_memsz);
		if (p.p_offset > file_size || p.p_filesz > file_size - p.p_offset)
			return load_fail(err, errlen,
					 "segment %zu: file range 0x%lx+0x%lx past the end of the "
					 "file (%lu bytes)",
					 i, p.p_offset, p.p_filesz, file_size);
		if (p.p_paddr + p.p_memsz < p.p_paddr)
			return load_fail(err, errlen,
					 "segment %zu: p_paddr 0x%lx + p_memsz 0x%lx wraps", i,
					 p.p_paddr, p.p_memsz);
		if (p.p_paddr < reserved_end)
			return load_fail(err, errlen,
					 "segment %zu at 0x%lx overlaps the vmm's boot structures "
					 "below 0x%lx",
					 i, p.p_paddr, reserved_end);
		if (p.p_memsz && !mem_ptr(m, p.p_paddr, p.p_memsz))
			return load_fail(
				err, errlen,
				"segment %zu [0x%lx, 0x%lx) is outside guest RAM (%lu MiB; "
				"try a larger --memory)",
				i, p.p_paddr, p.p_paddr + p.p_memsz, m->size >> 20);
		for (unsigned j = 0; j < nload; j++)
			if (p.p_paddr < ph[j].p_paddr + ph[j].p_memsz &&
			    ph[j].p_paddr < p.p_paddr + p.p_memsz)
				return load_fail(
					err, errlen,
					"segment %zu [0x%lx, 0x%lx) overlaps another segment", i,
					p.p_paddr, p.p_paddr + p.p_memsz);
		if ((p.p_flags & PF_X) && eh.e_entry >= p.p_paddr &&
		    eh.e_entry - p.p_paddr < p.p_memsz)
			entry_ok = true;
		ph[nload++] = p;
	}
	if (!nload)
		return load_fail(err, errlen, "no PT_LOAD segment");
	if (!entry_ok)
		return load_fail(err, errlen,
				 "entry point 0x%lx is not inside an executable segment "
				 "(the vmm enters at the physical e_entry)",
				 eh.e_entry);

	for (unsigned j = 0; j < nload; j++) {
		uint8_t *dst = mem_ptr(m, ph[j].p_paddr, ph[j].p_memsz);
		if (!ph[j].p_memsz)
			continue;
		uint64_t done = 0;
		while (done < ph[j].p_filesz) {
			ssize_t n = pread(fd, dst + done, ph[j].p_filesz - done,
					  (off_t)(ph[j].p_offset + done));
			if (n <= 0)
				return load_fail(err, errlen, "read failed: %s",
						 n < 0 ? strerror(errno) : "short file");
			done += (uint64_t)n;
		}
		/* the rest (.bss) is already zero: guest RAM is a fresh anonymous
		 * mapping, and touching it would fault in megabytes for nothing */
		if (ph[j].p_paddr < img->lo)
			img->lo = ph[j].p_paddr;
		if (ph[j].p_paddr + ph[j].p_memsz > img->hi)
			img->hi = ph[j].p_paddr + ph[j].p_memsz;
	}
	img->entry = eh.e_entry;

	Elf_Scn *scn = 0;
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_SYMTAB)
			img->has_symbols = true;
	}
	return 0;
}

int elf_load(const char *path, struct guest_mem *m, uint64_t reserved_end, struct elf_image *img,
	     char *err, size_t errlen)
{
	memset(img, 0, sizeof(*img));
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		snprintf(err, errlen, "cannot open: %s", strerror(e));
		return -e;
	}
	struct stat st;
	int rc = -EINVAL;
	Elf *e = 0;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "not a regular file");
		goto out;
	}
	elf_version(EV_CURRENT);
	e = elf_begin(fd, ELF_C_READ, 0);
	if (!e || elf_kind(e) != ELF_K_ELF) {
		snprintf(err, errlen, "not an ELF file");
		goto out;
	}
	if (gelf_getclass(e) != ELFCLASS64) {
		snprintf(err, errlen, "not a 64-bit ELF (class %d)", gelf_getclass(e));
		goto out;
	}
	rc = load_segments(e, fd, (uint64_t)st.st_size, m, reserved_end, img, err, errlen);
out:
	if (e)
		elf_end(e);
	close(fd);
	return rc;
}

const char *elf_symbol(const char *path, uint64_t addr, uint64_t *off, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	const char *found = elf_symbol_fd(fd, addr, off, buf, len);
	close(fd);
	return found;
}

const char *elf_symbol_fd(int fd, uint64_t addr, uint64_t *off, char *buf, size_t len)
{
	elf_version(EV_CURRENT);
	Elf *e = elf_begin(fd, ELF_C_READ, 0);
	const char *found = 0;
	uint64_t best = 0;
	Elf_Scn *scn = 0;
	while (e && (scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB || !sh.sh_entsize)
			continue;
		Elf_Data *d = elf_getdata(scn, 0);
		for (size_t i = 0; d && i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Sym s;
			/* functions, and the untyped labels of assembly code */
			if (!gelf_getsym(d, (int)i, &s) || s.st_shndx == SHN_UNDEF ||
			    s.st_shndx == SHN_ABS ||
			    (GELF_ST_TYPE(s.st_info) != STT_FUNC &&
			     GELF_ST_TYPE(s.st_info) != STT_NOTYPE))
				continue;
			if (s.st_value <= addr && s.st_value >= best &&
			    (addr < s.st_value + s.st_size || !s.st_size)) {
				const char *n = elf_strptr(e, sh.sh_link, s.st_name);
				if (n) {
					snprintf(buf, len, "%s", n);
					found = buf;
					best = s.st_value;
				}
			}
		}
	}
	if (found && off)
		*off = addr - best;
	if (e)
		elf_end(e);
	return found;
}
