/* SPDX-License-Identifier: MIT */
/*
 * vmm/load.c - load the guest ELF (libelf). Only ET_EXEC x86-64 ELF64;
 * the header's sizes, encoding and version, and every PT_LOAD before a byte
 * is copied: file range inside the file, p_filesz <= p_memsz, no
 * wraparound, p_align a power of two, sorted, inside guest RAM and below
 * the first GiB the boot page tables map, p_vaddr one of those mappings,
 * clear of the vmm's boot structures and of the other segments; the entry
 * point must be inside an executable segment. Segments load at p_paddr.
 * elf_load_image does it on a buffer (the fuzz target's door, fuzz/).
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmm.h"

#include "lib/elfsym/elfsym.h"
#include "lib/progelf/progelf.h"

static int load_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* What the vmm's boot page tables reach (boot.c): GiB 0 identity-mapped and
 * again behind PK_KERNEL_VMA. A segment beyond it would load and then fault
 * on the guest's first access to it. */
static bool load_vaddr_ok(uint64_t vaddr, uint64_t paddr)
{
	return vaddr == paddr || vaddr == PK_KERNEL_VMA + paddr;
}

/* The ELF header fields libelf does not check for us (Solo5's ehdr_is_valid
 * and more): the image is an ELF64 little-endian x86-64 ET_EXEC of the
 * current version whose header and program-header entries have exactly the
 * sizes of this ABI's structs (gelf would otherwise translate any size). */
static int load_check_ehdr(const GElf_Ehdr *eh, char *err, size_t errlen)
{
	if (eh->e_ident[EI_DATA] != ELFDATA2LSB)
		return load_fail(err, errlen, "not a little-endian ELF (EI_DATA=%u)",
				 eh->e_ident[EI_DATA]);
	if (eh->e_ident[EI_VERSION] != EV_CURRENT || eh->e_version != EV_CURRENT)
		return load_fail(err, errlen, "unknown ELF version (EI_VERSION=%u, e_version=%u)",
				 eh->e_ident[EI_VERSION], eh->e_version);
	if (eh->e_machine != EM_X86_64)
		return load_fail(err, errlen, "not an x86-64 ELF (e_machine=%u)", eh->e_machine);
	if (eh->e_type != ET_EXEC)
		return load_fail(err, errlen, "not an executable ELF (e_type=%u, want ET_EXEC)",
				 eh->e_type);
	if (eh->e_ehsize != sizeof(Elf64_Ehdr))
		return load_fail(err, errlen, "e_ehsize %u, want %zu (sizeof(Elf64_Ehdr))",
				 eh->e_ehsize, sizeof(Elf64_Ehdr));
	if (eh->e_phentsize != sizeof(Elf64_Phdr))
		return load_fail(err, errlen, "e_phentsize %u, want %zu (sizeof(Elf64_Phdr))",
				 eh->e_phentsize, sizeof(Elf64_Phdr));
	return 0;
}

/* One PT_LOAD against the file, guest RAM, the boot mapping and the
 * segments before it (prev[0..n)). */
static int load_check_phdr(const GElf_Phdr *p, size_t i, size_t file_size,
			   const struct guest_mem *m, uint64_t reserved_end, const GElf_Phdr *prev,
			   unsigned n, char *err, size_t errlen)
{
	if (p->p_filesz > p->p_memsz)
		return load_fail(err, errlen, "segment %zu: p_filesz 0x%lx > p_memsz 0x%lx", i,
				 p->p_filesz, p->p_memsz);
	if (p->p_offset > file_size || p->p_filesz > file_size - p->p_offset)
		return load_fail(err, errlen,
				 "segment %zu: file range 0x%lx+0x%lx past the end of the "
				 "file (%zu bytes)",
				 i, p->p_offset, p->p_filesz, file_size);
	if (p->p_paddr + p->p_memsz < p->p_paddr)
		return load_fail(err, errlen, "segment %zu: p_paddr 0x%lx + p_memsz 0x%lx wraps", i,
				 p->p_paddr, p->p_memsz);
	/* ELF gABI: 0 and 1 mean no alignment, else a power of two */
	if (p->p_align & (p->p_align - 1))
		return load_fail(err, errlen, "segment %zu: p_align 0x%lx is not a power of two", i,
				 p->p_align);
	if (p->p_paddr < reserved_end)
		return load_fail(err, errlen,
				 "segment %zu at 0x%lx overlaps the vmm's boot structures "
				 "below 0x%lx",
				 i, p->p_paddr, reserved_end);
	if (p->p_paddr + p->p_memsz > BOOT_MAPPED_END)
		return load_fail(err, errlen,
				 "segment %zu [0x%lx, 0x%lx) reaches above the first GiB, which "
				 "the vmm's boot page tables do not map",
				 i, p->p_paddr, p->p_paddr + p->p_memsz);
	if (p->p_memsz && !mem_ptr(m, p->p_paddr, p->p_memsz))
		return load_fail(err, errlen,
				 "segment %zu [0x%lx, 0x%lx) is outside guest RAM (%lu MiB; "
				 "try a larger --memory)",
				 i, p->p_paddr, p->p_paddr + p->p_memsz, m->size >> 20);
	if (!load_vaddr_ok(p->p_vaddr, p->p_paddr))
		return load_fail(err, errlen,
				 "segment %zu: p_vaddr 0x%lx is neither p_paddr 0x%lx nor "
				 "PK_KERNEL_VMA + p_paddr (the boot page tables map nothing else)",
				 i, p->p_vaddr, p->p_paddr);
	/* gABI: loadable segments are sorted by p_vaddr */
	if (n && p->p_vaddr < prev[n - 1].p_vaddr)
		return load_fail(err, errlen,
				 "segment %zu: p_vaddr 0x%lx below the previous PT_LOAD's 0x%lx "
				 "(PT_LOAD entries must be sorted)",
				 i, p->p_vaddr, prev[n - 1].p_vaddr);
	for (unsigned j = 0; j < n; j++)
		if (p->p_paddr < prev[j].p_paddr + prev[j].p_memsz &&
		    prev[j].p_paddr < p->p_paddr + p->p_memsz)
			return load_fail(err, errlen,
					 "segment %zu [0x%lx, 0x%lx) overlaps another segment", i,
					 p->p_paddr, p->p_paddr + p->p_memsz);
	return 0;
}

/* [off, off+n) of the file into dst; n fits (checked by the caller) */
static int load_pread(int fd, uint8_t *dst, uint64_t off, uint64_t n, char *err, size_t errlen)
{
	while (n) {
		ssize_t r = pread(fd, dst, n, (off_t)off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			snprintf(err, errlen, "read failed: %s",
				 r < 0 ? strerror(errno) : "file shrank while reading");
			return r < 0 ? -errno : -EIO;
		}
		dst += r;
		off += (uint64_t)r;
		n -= (uint64_t)r;
	}
	return 0;
}

/* [off, off+n) of the file into buf+off */
static int load_read_at(int fd, uint8_t *buf, uint64_t off, uint64_t n, char *err, size_t errlen)
{
	return load_pread(fd, buf + off, off, n, err, errlen);
}

/* One segment's bytes from the file into guest RAM at dst. A read-only
 * one (text, rodata, symbols: the kernel maps them W^X, so the guest never
 * writes them) has its whole pages mapped from the file, MAP_PRIVATE: no
 * copy, no host page zeroed, and the pages are the file's in the page
 * cache, shared by every VM of this kernel (a vmm or gdb write, a software
 * breakpoint, copies the page, never reaches the file). Its head and tail,
 * which share a page with a neighbour, and every writable segment are
 * read. The file must stay whole while the VM runs, as a running
 * executable must (a truncated one faults the vmm). */
static int load_segment(int fd, struct guest_mem *m, const GElf_Phdr *p, uint8_t *dst, char *err,
			size_t errlen)
{
	uint64_t pg = 4096, a = (p->p_paddr + pg - 1) & ~(pg - 1),
		 b = (p->p_paddr + p->p_filesz) & ~(pg - 1);
	if (!m->file_maps || (p->p_flags & PF_W) || b <= a || (p->p_offset - p->p_paddr) % pg ||
	    mmap(dst + (a - p->p_paddr), b - a, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, fd,
		 (off_t)(p->p_offset + (a - p->p_paddr))) == MAP_FAILED)
		return load_pread(fd, dst, p->p_offset, p->p_filesz, err, errlen);
	uint64_t lo = (uint64_t)(dst + (a - p->p_paddr) - m->host), hi = lo + (b - a);
	if (m->file_lo == m->file_hi || lo < m->file_lo)
		m->file_lo = lo;
	if (hi > m->file_hi)
		m->file_hi = hi;
	int rc = load_pread(fd, dst, p->p_offset, a - p->p_paddr, err, errlen);
	if (rc == 0)
		rc = load_pread(fd, dst + (b - p->p_paddr), p->p_offset + (b - p->p_paddr),
				p->p_paddr + p->p_filesz - b, err, errlen);
	return rc;
}

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14 */
#endif

#define LOAD_POPULATE_MAX (4ull << 20) /* beyond: big zeroed arrays fault on use */

/* A writable segment's zero-filled tail (.bss), faulted in writable in one
 * call. The kernel reads most of its .bss before it writes it; a first
 * read of a never-touched anonymous page maps the host's shared zero page,
 * which KVM can map for the guest only read-only, and the first write then
 * costs two more nested page faults and a TLB flush of every vCPU (the
 * copy-on-write tells KVM through its MMU notifier). Populated, each page
 * takes one fault, writable. ~1 MiB for guest.elf, at most its first
 * LOAD_POPULATE_MAX (docs/benchmarks.md "boot"). Best effort: an old host
 * without MADV_POPULATE_WRITE, or one short of memory now, faults the
 * pages in later as before. */
static void load_populate_bss(uint8_t *p, uint64_t n)
{
	if (n > LOAD_POPULATE_MAX)
		n = LOAD_POPULATE_MAX;
	uintptr_t a = ((uintptr_t)p + 4095) & ~(uintptr_t)4095,
		  b = ((uintptr_t)p + n) & ~(uintptr_t)4095;
	if (b > a)
		(void)madvise((void *)a, b - a, MADV_POPULATE_WRITE);
}

/* segfd < 0: the segments' bytes are in file; else they come from segfd
 * (elf_read_headers), straight into guest RAM (load_segment) */
static int load_segments(Elf *e, const uint8_t *file, size_t file_size, int segfd,
			 struct guest_mem *m, uint64_t reserved_end, struct elf_image *img,
			 char *err, size_t errlen)
{
	GElf_Ehdr eh;
	if (!gelf_getehdr(e, &eh))
		return load_fail(err, errlen, "unreadable ELF header: %s", elf_errmsg(-1));
	int rc = load_check_ehdr(&eh, err, errlen);
	if (rc)
		return rc;
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
		rc = load_check_phdr(&p, i, file_size, m, reserved_end, ph, nload, err, errlen);
		if (rc)
			return rc;
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

	/* every segment passed: only now is guest RAM written */
	for (unsigned j = 0; j < nload; j++) {
		if (!ph[j].p_memsz)
			continue;
		uint8_t *dst = mem_ptr(m, ph[j].p_paddr, ph[j].p_memsz);
		if (segfd < 0)
			memcpy(dst, file + ph[j].p_offset, ph[j].p_filesz);
		else if ((rc = load_segment(segfd, m, &ph[j], dst, err, errlen)) < 0)
			return rc; /* the headers were checked: only the bytes are read now */
		/* the rest (.bss) is already zero, guest RAM being a fresh
		 * anonymous mapping; it is faulted in writable all the same */
		if (ph[j].p_flags & PF_W)
			load_populate_bss(dst + ph[j].p_filesz, ph[j].p_memsz - ph[j].p_filesz);
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

int elf_load_image_fd(void *file, size_t len, int segfd, struct guest_mem *m, uint64_t reserved_end,
		      struct elf_image *img, char *err, size_t errlen)
{
	memset(img, 0, sizeof(*img));
	elf_version(EV_CURRENT);
	Elf *e = elf_memory(file, len);
	int rc = -EINVAL;
	if (!e || elf_kind(e) != ELF_K_ELF)
		snprintf(err, errlen, "not an ELF file");
	else if (gelf_getclass(e) != ELFCLASS64)
		snprintf(err, errlen, "not a 64-bit ELF (class %d)", gelf_getclass(e));
	else
		rc = load_segments(e, file, len, segfd, m, reserved_end, img, err, errlen);
	if (e)
		elf_end(e);
	return rc;
}

int elf_load_image(void *file, size_t len, struct guest_mem *m, uint64_t reserved_end,
		   struct elf_image *img, char *err, size_t errlen)
{
	return elf_load_image_fd(file, len, -1, m, reserved_end, img, err, errlen);
}

static bool load_range_ok(uint64_t off, uint64_t n, size_t len)
{
	return off <= len && n <= len - off;
}

/* A perfkern kernel's parts that checking it uses: the ELF header, program
 * headers, every PT_NOTE and the section headers. Its PT_LOADs (only their
 * ranges are checked here) are left for the loader, which reads or maps
 * them into guest RAM (load_segment); guest.elf is 5 MiB of which 4 are
 * DWARF nothing at boot reads. The buffer's untouched pages stay unmapped
 * zeros. 1 when done, 0 when the file is anything else (a
 * program, which the guest reads whole, or a header this cannot follow:
 * the caller reads it all and load.c or progelf names what is wrong). */
static int load_read_kernel_parts(int fd, uint8_t *buf, size_t len, char *err, size_t errlen)
{
	GElf_Ehdr eh;
	char why[128];
	int rc = load_read_at(fd, buf, 0, len < sizeof(Elf64_Ehdr) ? len : sizeof(Elf64_Ehdr), err,
			      errlen);
	if (rc < 0 || progelf_ident(buf, len, why, sizeof(why)) < 0)
		return rc;
	memcpy(&eh, buf, sizeof(Elf64_Ehdr)); /* Elf64_Ehdr and GElf_Ehdr are one type */
	if ((rc = load_read_at(fd, buf, eh.e_phoff, (uint64_t)eh.e_phnum * sizeof(Elf64_Phdr), err,
			       errlen)) < 0)
		return rc;
	for (int pass = 0; pass < 2; pass++) {
		/* notes first: they decide whether this is a kernel at all */
		for (unsigned i = 0; i < eh.e_phnum; i++) {
			Elf64_Phdr p;
			memcpy(&p, buf + eh.e_phoff + (uint64_t)i * sizeof(p), sizeof(p));
			if (p.p_type != (pass ? PT_LOAD : PT_NOTE))
				continue;
			if (!load_range_ok(p.p_offset, p.p_filesz, len))
				return 0;
			if (pass)
				continue; /* the loader reads it into guest RAM */
			if ((rc = load_read_at(fd, buf, p.p_offset, p.p_filesz, err, errlen)) < 0)
				return rc;
		}
		if (!pass && progelf_kind(buf, len) != PROGELF_KERNEL)
			return 0;
	}
	uint64_t shsize = (uint64_t)eh.e_shnum * eh.e_shentsize;
	if (eh.e_shentsize != sizeof(Elf64_Shdr) || !load_range_ok(eh.e_shoff, shsize, len))
		return 0;
	rc = load_read_at(fd, buf, eh.e_shoff, shsize, err, errlen);
	return rc < 0 ? rc : 1;
}

int elf_read_headers(const char *path, uint64_t max, uint8_t **out, size_t *outlen, int *segfd,
		     char *err, size_t errlen)
{
	*out = 0;
	*outlen = 0;
	*segfd = -1;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		snprintf(err, errlen, "cannot open: %s", strerror(e));
		return -e;
	}
	struct stat st;
	int rc = -EINVAL;
	uint8_t *buf = 0;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "not a regular file");
		goto out;
	}
	if ((uint64_t)st.st_size > max) {
		snprintf(err, errlen, "%ld bytes: larger than the %lu MiB it may be",
			 (long)st.st_size, (unsigned long)(max >> 20));
		goto out;
	}
	size_t len = (size_t)st.st_size;
	/* calloc: what a kernel's read leaves out is zeros, never stale heap */
	buf = calloc(1, len ? len : 1);
	if (!buf) {
		rc = -ENOMEM;
		snprintf(err, errlen, "out of memory for %zu bytes", len);
		goto out;
	}
	if (len >= 2u << 20) {
		/* 4 KiB pages for what is read (thread.c: THP "always" would
		 * zero 2 MiB at each first touch); advice only, so unchecked */
		uintptr_t a = ((uintptr_t)buf + 4095) & ~(uintptr_t)4095;
		madvise((void *)a, ((uintptr_t)buf + len - a) & ~(uintptr_t)4095, MADV_NOHUGEPAGE);
	}
	rc = load_read_kernel_parts(fd, buf, len, err, errlen);
	if (rc == 1) {
		*segfd = fd; /* the kernel's segments: read by the loader */
		fd = -1;
	} else if (rc == 0) {
		rc = load_read_at(fd, buf, 0, len, err, errlen);
	}
	if (rc < 0)
		goto out;
	*out = buf;
	*outlen = len;
	buf = 0;
	rc = 0;
out:
	free(buf);
	if (fd >= 0)
		close(fd);
	return rc;
}

/* The headers in vmm memory first (elf_read_headers): they are read once,
 * then checked, and the segments land where that one copy says (a file
 * changed under us cannot pass the checks with one layout and load
 * another; its bytes are the guest's own business). Nothing larger than
 * BOOT_MAPPED_END fits below it anyway. */
int elf_load(const char *path, struct guest_mem *m, uint64_t reserved_end, struct elf_image *img,
	     char *err, size_t errlen)
{
	memset(img, 0, sizeof(*img));
	uint8_t *buf;
	size_t len;
	int segfd;
	int rc = elf_read_headers(path, BOOT_MAPPED_END, &buf, &len, &segfd, err, errlen);
	if (rc == 0)
		rc = elf_load_image_fd(buf, len, segfd, m, reserved_end, img, err, errlen);
	if (segfd >= 0)
		close(segfd);
	free(buf);
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
	/* read when a dump needs it, not at boot (lib/elfsym: the reader kperf uses) */
	struct elf_syms syms;
	char err[64];
	if (elf_syms_load_fd(fd, &syms, err, sizeof(err)) < 0)
		return 0;
	const char *n = elf_syms_lookup(&syms, addr, off);
	if (n)
		snprintf(buf, len, "%s", n);
	elf_syms_free(&syms);
	return n ? buf : 0;
}
