/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_vmm_elf.c - what the vmm writes into guest RAM before
 * the first vCPU runs, without /dev/kvm: ELF validation (hand-built
 * malformed images and the real guest.elf), the partial read of a kernel,
 * and the boot structures.
 */
#include <check.h>
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check_run.h"
#include "vmm/kvm.h"

#ifndef GUEST_ELF
#error "CMake passes -DGUEST_ELF=path"
#endif

/* ---- ELF validation ---------------------------------------------------- */

static struct guest_mem gm;
static char err[256];

static void mem_setup(void)
{
	ck_assert_int_eq(mem_alloc(&gm, 64ull << 20, HP_OFF), 0);
}
static void mem_teardown(void)
{
	mem_free(&gm);
}

/* A minimal ET_EXEC with one PT_LOAD of 16 bytes at 2 MiB, entry inside. */
struct tiny_elf {
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	uint8_t code[16];
};
static struct tiny_elf tiny(void)
{
	struct tiny_elf t;
	memset(&t, 0, sizeof(t));
	memcpy(t.eh.e_ident, ELFMAG, SELFMAG);
	t.eh.e_ident[EI_CLASS] = ELFCLASS64;
	t.eh.e_ident[EI_DATA] = ELFDATA2LSB;
	t.eh.e_ident[EI_VERSION] = EV_CURRENT;
	t.eh.e_type = ET_EXEC;
	t.eh.e_machine = EM_X86_64;
	t.eh.e_version = EV_CURRENT;
	t.eh.e_entry = 0x200000;
	t.eh.e_phoff = offsetof(struct tiny_elf, ph);
	t.eh.e_ehsize = sizeof(Elf64_Ehdr);
	t.eh.e_phentsize = sizeof(Elf64_Phdr);
	t.eh.e_phnum = 1;
	t.ph.p_type = PT_LOAD;
	t.ph.p_flags = PF_R | PF_X;
	t.ph.p_offset = offsetof(struct tiny_elf, code);
	t.ph.p_paddr = t.ph.p_vaddr = 0x200000;
	t.ph.p_filesz = t.ph.p_memsz = sizeof(t.code);
	memset(t.code, 0x90, sizeof(t.code));
	return t;
}

static int load_bytes(const void *p, size_t n)
{
	char path[] = "/tmp/test_vmm_elf.XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, p, n), (ssize_t)n);
	close(fd);
	struct elf_image img;
	int rc = elf_load(path, &gm, BOOT_RESERVED_END, &img, err, sizeof(err));
	unlink(path);
	return rc;
}

#define REJECTS(t, field, value, msg)                                                              \
	do {                                                                                       \
		struct tiny_elf t_ = (t);                                                          \
		t_.field = (value);                                                                \
		ck_assert_int_lt(load_bytes(&t_, sizeof(t_)), 0);                                  \
		ck_assert_msg(strstr(err, (msg)) != NULL, "%s: got '%s'", #field, err);            \
	} while (0)

START_TEST(elf_checks)
{
	struct tiny_elf t = tiny();
	ck_assert_int_eq(load_bytes(&t, sizeof(t)), 0);
	ck_assert_mem_eq(mem_ptr(&gm, 0x200000, 16), t.code, 16);
	REJECTS(t, eh.e_machine, EM_386, "not an x86-64 ELF (e_machine=3)");
	REJECTS(t, eh.e_type, ET_DYN, "not an executable ELF");
	REJECTS(t, eh.e_ident[EI_CLASS], ELFCLASS32, "not a 64-bit ELF");
	REJECTS(t, eh.e_ident[0], 0, "not an ELF file");
	REJECTS(t, ph.p_filesz, 32, "p_filesz 0x20 > p_memsz 0x10");
	REJECTS(t, ph.p_offset, 1u << 20, "past the end of the file");
	REJECTS(t, ph.p_paddr, ~0ull - 4, "wraps");
	REJECTS(t, ph.p_paddr, 0x1000, "overlaps the vmm's boot structures");
	REJECTS(t, ph.p_paddr, 1ull << 40, "above the first GiB");
	REJECTS(t, ph.p_paddr, (1ull << 30) - 8, "above the first GiB"); /* straddles it */
	REJECTS(t, ph.p_paddr, 512ull << 20, "outside guest RAM");	 /* 64 MiB of RAM */
	REJECTS(t, eh.e_phentsize, sizeof(Elf64_Phdr) + 8, "e_phentsize 64, want 56");
	REJECTS(t, eh.e_ehsize, 0x50, "e_ehsize 80, want 64");
	REJECTS(t, eh.e_ident[EI_DATA], ELFDATA2MSB, "not a little-endian ELF");
	REJECTS(t, eh.e_version, 2, "unknown ELF version");
	REJECTS(t, ph.p_align, 0x1001, "p_align 0x1001 is not a power of two");
	REJECTS(t, ph.p_vaddr, 0x400000, "neither p_paddr");
	REJECTS(t, ph.p_offset, ~0ull - 4, "past the end of the file"); /* offset + filesz wraps */
	REJECTS(t, ph.p_memsz, 128ull << 20, "outside guest RAM");
	REJECTS(t, eh.e_entry, 0x300000, "not inside an executable segment");
	REJECTS(t, ph.p_flags, PF_R, "not inside an executable segment");
	REJECTS(t, ph.p_type, PT_NOTE, "no PT_LOAD segment");
	ck_assert_int_lt(load_bytes(&t, 10), 0); /* truncated header */
	ck_assert_int_lt(load_bytes("", 0), 0);
	struct elf_image img;
	ck_assert_int_lt(elf_load("/nonexistent.elf", &gm, 0, &img, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(err, "cannot open"));
	ck_assert_int_lt(elf_load("/tmp", &gm, 0, &img, err, sizeof(err)), 0);
}
END_TEST

START_TEST(elf_real_guest)
{
	struct elf_image img;
	ck_assert_msg(elf_load(GUEST_ELF, &gm, BOOT_RESERVED_END, &img, err, sizeof(err)) == 0,
		      "%s", err);
	ck_assert(img.has_symbols);
	ck_assert_uint_lt(img.entry, 0x200000); /* the low 64-bit stub */
	ck_assert_uint_ge(img.lo, 0x100000);
	char buf[64];
	uint64_t off;
	ck_assert_ptr_nonnull(elf_symbol(GUEST_ELF, img.entry, &off, buf, sizeof(buf)));
	/* the writable segment's .bss is faulted in at load (load.c), so the
	 * guest's first read of it does not map the host's zero page */
	FILE *f = fopen(GUEST_ELF, "rb");
	ck_assert_ptr_nonnull(f);
	Elf64_Ehdr eh;
	ck_assert_int_eq(fread(&eh, sizeof(eh), 1, f), 1);
	unsigned bss_pages = 0;
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		ck_assert_int_eq(fseek(f, (long)(eh.e_phoff + i * sizeof(ph)), SEEK_SET), 0);
		ck_assert_int_eq(fread(&ph, sizeof(ph), 1, f), 1);
		if (ph.p_type != PT_LOAD || !(ph.p_flags & PF_W) || ph.p_memsz <= ph.p_filesz)
			continue;
		uint64_t a = (ph.p_paddr + ph.p_filesz + 4095) & ~4095ull,
			 b = (ph.p_paddr + ph.p_memsz) & ~4095ull;
		for (uint64_t pa = a; pa < b; pa += 4096, bss_pages++) {
			unsigned char v = 0;
			ck_assert_int_eq(mincore(mem_ptr(&gm, pa, 4096), 4096, &v), 0);
			ck_assert_msg(v & 1, ".bss page 0x%lx not resident after elf_load", pa);
		}
	}
	fclose(f);
	ck_assert_uint_gt(bss_pages, 0);
	/* too little memory for the image (linked at 2 MiB): a clear refusal */
	struct guest_mem small;
	ck_assert_int_eq(mem_alloc(&small, 2ull << 20, HP_OFF), 0);
	ck_assert_int_lt(elf_load(GUEST_ELF, &small, BOOT_RESERVED_END, &img, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(err, "outside guest RAM"));
	mem_free(&small);
}
END_TEST

/* elf_read_headers reads a kernel's headers, notes and section headers
 * only and hands back its fd, anything else whole; loading the segments
 * from that fd writes the same guest RAM as loading the whole file */
START_TEST(elf_read_parts)
{
	FILE *f = fopen(GUEST_ELF, "rb");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	size_t n = (size_t)ftell(f);
	uint8_t *whole = malloc(n);
	rewind(f);
	ck_assert_uint_eq(fread(whole, 1, n, f), n);
	fclose(f);
	uint8_t *part;
	size_t plen;
	int segfd;
	ck_assert_int_eq(elf_read_headers(GUEST_ELF, BOOT_MAPPED_END, &part, &plen, &segfd, err,
					  sizeof(err)),
			 0);
	ck_assert_uint_eq(plen, n);
	ck_assert_int_ge(segfd, 0);
	const Elf64_Ehdr *eh = (const void *)whole;
	size_t skipped = 0, notes = 0, read_in = 0;
	for (unsigned i = 0; i < eh->e_phnum; i++) {
		const Elf64_Phdr *ph = (const void *)(whole + eh->e_phoff + i * sizeof(*ph));
		if (ph->p_type == PT_NOTE) {
			ck_assert_mem_eq(part + ph->p_offset, whole + ph->p_offset, ph->p_filesz);
			notes += ph->p_filesz;
		}
		/* a PT_LOAD is left in the file: calloc's zeros but for the
		 * notes inside it */
		for (size_t k = 0; ph->p_type == PT_LOAD && k < ph->p_filesz; k++)
			read_in += part[ph->p_offset + k] != 0;
	}
	ck_assert_uint_gt(notes, 0);
	ck_assert_uint_le(read_in, notes);
	ck_assert_mem_eq(part + eh->e_shoff, whole + eh->e_shoff,
			 (size_t)eh->e_shnum * eh->e_shentsize);
	for (size_t i = 0; i < n; i++)
		skipped += part[i] != whole[i];
	ck_assert_uint_gt(skipped, n / 2); /* the DWARF was not read */
	struct guest_mem b;
	struct elf_image ib;
	ck_assert_int_eq(mem_alloc(&b, 64ull << 20, HP_OFF), 0);
	ck_assert_int_eq(elf_load_image(whole, n, &b, BOOT_RESERVED_END, &ib, err, sizeof(err)), 0);
	ck_assert(ib.has_symbols);
	struct guest_mem c;
	struct elf_image ic;
	ck_assert_int_eq(mem_alloc(&c, 64ull << 20, HP_OFF), 0);
	ck_assert_int_eq(
		elf_load_image_fd(part, plen, segfd, &c, BOOT_RESERVED_END, &ic, err, sizeof(err)),
		0);
	ck_assert_uint_eq(ic.entry, ib.entry);
	ck_assert_uint_eq(ic.hi, ib.hi);
	ck_assert(ic.has_symbols);
	ck_assert_mem_eq(c.host + ic.lo, b.host + ib.lo, ic.hi - ic.lo);
	/* the text is the file's pages (a mapping of guest.elf inside guest
	 * RAM), and a write to it stays in guest RAM: the file keeps its byte */
	ck_assert_uint_lt(c.file_lo, c.file_hi);
	ck_assert_uint_le(c.file_hi, c.mapped);
	FILE *maps = fopen("/proc/self/maps", "r");
	ck_assert_ptr_nonnull(maps);
	char line[512];
	bool mapped = false;
	while (fgets(line, sizeof(line), maps)) {
		unsigned long lo, hi;
		if (sscanf(line, "%lx-%lx", &lo, &hi) == 2 && lo >= (uintptr_t)c.host &&
		    hi <= (uintptr_t)c.host + c.mapped && strstr(line, "guest.elf"))
			mapped = true;
	}
	fclose(maps);
	ck_assert_msg(mapped, "no mapping of guest.elf inside guest RAM");
	off_t at = -1; /* where the first file-mapped byte is in the file */
	for (unsigned i = 0; i < eh->e_phnum; i++) {
		const Elf64_Phdr *ph = (const void *)(whole + eh->e_phoff + i * sizeof(*ph));
		if (ph->p_type == PT_LOAD && c.file_lo >= ph->p_paddr &&
		    c.file_lo < ph->p_paddr + ph->p_filesz)
			at = (off_t)(ph->p_offset + (c.file_lo - ph->p_paddr));
	}
	ck_assert_int_ge(at, 0);
	uint8_t *text = c.host + c.file_lo, before, after;
	ck_assert_int_eq(pread(segfd, &before, 1, at), 1);
	ck_assert_uint_eq(*text, before);
	*text ^= 0xff;
	ck_assert_int_eq(pread(segfd, &after, 1, at), 1);
	ck_assert_uint_eq(after, before);
	ck_assert_uint_eq(*text, (uint8_t)(before ^ 0xff));
	close(segfd);
	mem_free(&b);
	mem_free(&c);
	free(part);
	free(whole);

	/* not a kernel (a program-shaped ELF): every byte */
	struct tiny_elf t = tiny();
	char path[] = "/tmp/test_vmm_elf.XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, &t, sizeof(t)), (ssize_t)sizeof(t));
	close(fd);
	ck_assert_int_eq(elf_read_headers(path, 1 << 20, &part, &plen, &segfd, err, sizeof(err)),
			 0);
	unlink(path);
	ck_assert_int_eq(segfd, -1);
	ck_assert_uint_eq(plen, sizeof(t));
	ck_assert_mem_eq(part, &t, sizeof(t));
	free(part);
}
END_TEST

START_TEST(boot_structures)
{
	struct vmm_opts o = {.cpus = 4};
	strcpy(o.cmdline, "run=tests");
	ck_assert_int_eq(boot_setup(&gm, &o, 2500000, true), 0);
	const struct pk_bootinfo *bi = mem_ptr(&gm, BOOT_INFO, sizeof(*bi));
	ck_assert_uint_eq(bi->magic, PK_BOOTINFO_MAGIC);
	ck_assert_uint_eq(bi->cpu_count, 4);
	ck_assert_uint_eq(bi->tsc_khz, 2500000);
	ck_assert_str_eq(bi->cmdline, "run=tests");
	ck_assert_uint_eq(bi->flags & PK_BOOTF_VMM_SHARES, 0); /* no --share */
	o.nshares = 1;
	ck_assert_int_eq(boot_setup(&gm, &o, 2500000, true), 0);
	ck_assert_uint_ne(bi->flags & PK_BOOTF_VMM_SHARES, 0);
	ck_assert_uint_eq(bi->memmap[1].base + bi->memmap[1].length, 64ull << 20);
	const uint64_t *pml4 = mem_ptr(&gm, BOOT_PML4, 4096);
	ck_assert(pml4[0] & 1 && pml4[256] & 1 && pml4[511] & 1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vmm_elf");
	TCase *elf = tcase_create("elf");
	tcase_add_checked_fixture(elf, mem_setup, mem_teardown);
	tcase_add_test(elf, elf_checks);
	tcase_add_test(elf, elf_real_guest);
	tcase_add_test(elf, elf_read_parts);
	tcase_add_test(elf, boot_structures);
	suite_add_tcase(s, elf);
	return check_run(s);
}
