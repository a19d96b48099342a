/* SPDX-License-Identifier: MIT */
/* lib/elfsym/elfsym.c - ELF function symbols (elfsym.h). */
#include "elfsym.h"

#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/ksyms/ksyms_search.h"
#include "proto/perf.h"

struct sym {
	uint64_t addr, size;
	char *name;
};

/* Among symbols at one address the best name: a sized one (a C function)
 * over a label, a plain name over a reserved _/__ one (linker-script
 * markers such as __kernel_start), then the smaller name. */
static int sym_rank(const struct sym *s)
{
	return (s->size ? 2 : 0) + (s->name[0] != '_');
}

/* ksyms_search picks the last of equal addresses: the best sorts last. */
static int sym_cmp(const void *a, const void *b)
{
	const struct sym *x = a, *y = b;
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	if (sym_rank(x) != sym_rank(y))
		return sym_rank(x) - sym_rank(y);
	return strcmp(y->name, x->name);
}

static int syms_fill(struct elf_syms *s, struct sym *v, size_t n)
{
	qsort(v, n, sizeof(*v), sym_cmp);
	s->addr = calloc(n ? n : 1, 8);
	s->size = calloc(n ? n : 1, 8);
	s->name = calloc(n ? n : 1, sizeof(char *));
	if (!s->addr || !s->size || !s->name)
		return -1;
	for (size_t i = 0; i < n; i++) {
		s->addr[i] = v[i].addr;
		s->size[i] = v[i].size;
		s->name[i] = v[i].name;
	}
	s->n = n;
	return 0;
}

int elf_syms_from(struct elf_syms *s, const uint64_t *addr, const uint64_t *size,
		  const char *const *name, size_t n)
{
	memset(s, 0, sizeof(*s));
	struct sym *v = calloc(n ? n : 1, sizeof(*v));
	if (!v)
		return -1;
	for (size_t i = 0; i < n; i++)
		v[i] = (struct sym){addr[i], size[i], strdup(name[i])};
	int rc = syms_fill(s, v, n);
	free(v);
	return rc;
}

int elf_syms_load(const char *path, struct elf_syms *s, char *err, size_t errlen)
{
	memset(s, 0, sizeof(*s));
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "cannot open");
		return -1;
	}
	int rc = elf_syms_load_fd(fd, s, err, errlen);
	close(fd);
	return rc;
}

/* A function, or an assembly label in an executable section. */
static int sym_wanted(Elf *e, const GElf_Sym *sym)
{
	if (!sym->st_value || sym->st_shndx == SHN_UNDEF || sym->st_shndx >= SHN_LORESERVE)
		return 0;
	int type = GELF_ST_TYPE(sym->st_info);
	if (type == STT_FUNC)
		return 1;
	if (type != STT_NOTYPE)
		return 0;
	GElf_Shdr ts;
	Elf_Scn *tscn = elf_getscn(e, sym->st_shndx);
	return tscn && gelf_getshdr(tscn, &ts) && (ts.sh_flags & SHF_EXECINSTR);
}

static uint64_t text_id(Elf *e, Elf_Scn *scn, const GElf_Shdr *sh, size_t shstr)
{
	const char *sname = elf_strptr(e, shstr, sh->sh_name);
	if (!sname || strcmp(sname, ".text") || sh->sh_type != SHT_PROGBITS)
		return 0;
	Elf_Data *d = elf_getdata(scn, 0);
	return d && d->d_buf ? pk_perf_fnv1a(PK_PERF_FNV_INIT, d->d_buf, d->d_size) : 0;
}

static uint64_t text_id_of(Elf *e)
{
	size_t shstr;
	uint64_t id = 0;
	if (e && elf_kind(e) == ELF_K_ELF && elf_getshdrstrndx(e, &shstr) == 0)
		for (Elf_Scn *scn = elf_nextscn(e, 0); scn && !id; scn = elf_nextscn(e, scn)) {
			GElf_Shdr sh;
			if (gelf_getshdr(scn, &sh))
				id = text_id(e, scn, &sh, shstr);
		}
	if (e)
		elf_end(e);
	return id;
}

uint64_t elf_text_id_fd(int fd)
{
	elf_version(EV_CURRENT);
	return text_id_of(elf_begin(fd, ELF_C_READ, 0));
}

uint64_t elf_text_id_mem(const void *image, size_t len)
{
	elf_version(EV_CURRENT);
	/* ELF_C_READ_MMAP-free: libelf only reads the image */
	return text_id_of(elf_memory((char *)image, len));
}

int elf_syms_load_fd(int fd, struct elf_syms *s, char *err, size_t errlen)
{
	memset(s, 0, sizeof(*s));
	elf_version(EV_CURRENT);
	Elf *e = elf_begin(fd, ELF_C_READ, 0);
	size_t shstr;
	struct sym *v = 0;
	size_t n = 0, cap = 0;
	int rc = -1;
	if (!e || elf_kind(e) != ELF_K_ELF || elf_getshdrstrndx(e, &shstr) != 0) {
		snprintf(err, errlen, "not an ELF file");
		goto out;
	}
	for (Elf_Scn *scn = elf_nextscn(e, 0); scn; scn = elf_nextscn(e, scn)) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh))
			continue;
		if (!s->text_id)
			s->text_id = text_id(e, scn, &sh, shstr);
		Elf_Data *d = elf_getdata(scn, 0);
		if (!d || sh.sh_type != SHT_SYMTAB || !sh.sh_entsize)
			continue;
		size_t cnt = sh.sh_size / sh.sh_entsize;
		for (size_t i = 0; i < cnt; i++) {
			GElf_Sym sym;
			if (!gelf_getsym(d, (int)i, &sym) || !sym_wanted(e, &sym))
				continue;
			const char *nm = elf_strptr(e, sh.sh_link, sym.st_name);
			if (!nm || !nm[0] || (nm[0] == '.' && nm[1] == 'L'))
				continue;
			if (n == cap) {
				cap = cap ? cap * 2 : 1024;
				struct sym *nv = realloc(v, cap * sizeof(*v));
				if (!nv)
					goto out;
				v = nv;
			}
			v[n++] = (struct sym){sym.st_value, sym.st_size, strdup(nm)};
		}
	}
	if (!n) {
		snprintf(err, errlen, "no function symbols (stripped?)");
		goto out;
	}
	rc = syms_fill(s, v, n);
	if (rc)
		snprintf(err, errlen, "out of memory");
out:
	if (rc)
		for (size_t i = 0; i < n; i++)
			free(v[i].name);
	free(v);
	if (e)
		elf_end(e);
	return rc;
}

int elf_syms_merge(struct elf_syms *dst, const struct elf_syms *kernel, const struct elf_syms *prog,
		   uint64_t split)
{
	size_t cap = kernel->n + prog->n, n = 0;
	uint64_t *addr = malloc((cap ? cap : 1) * sizeof(*addr));
	uint64_t *size = malloc((cap ? cap : 1) * sizeof(*size));
	const char **name = malloc((cap ? cap : 1) * sizeof(*name));
	int rc = -1;
	if (!addr || !size || !name)
		goto out;
	/* both inputs are sorted and the halves do not overlap: prog's part
	 * then kernel's part is sorted too */
	for (int half = 0; half < 2; half++) {
		const struct elf_syms *from = half ? kernel : prog;
		for (size_t i = 0; i < from->n; i++)
			if ((from->addr[i] >= split) == half) {
				addr[n] = from->addr[i];
				size[n] = from->size[i];
				name[n++] = from->name[i];
			}
	}
	rc = elf_syms_from(dst, addr, size, (const char *const *)name, n);
	if (!rc)
		dst->text_id = kernel->text_id;
out:
	free(addr);
	free(size);
	free(name);
	return rc;
}

const char *elf_syms_lookup(const struct elf_syms *s, uint64_t addr, uint64_t *off)
{
	long i = ksyms_search(s->addr, s->n, addr);
	if (i < 0)
		return 0;
	uint64_t o = addr - s->addr[i];
	/* assembly symbols have no size: accept them up to the next symbol */
	if (s->size[i] && o >= s->size[i])
		return 0;
	if (off)
		*off = o;
	return s->name[i];
}

int elf_syms_find(const struct elf_syms *s, const char *name, uint64_t *addr, uint64_t *size)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->name[i], name)) {
			*addr = s->addr[i];
			*size = s->size[i];
			if (!*size)
				*size = i + 1 < s->n ? s->addr[i + 1] - s->addr[i] : 16;
			return 1;
		}
	return 0;
}

void elf_syms_free(struct elf_syms *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->name[i]);
	free(s->addr);
	free(s->size);
	free(s->name);
	memset(s, 0, sizeof(*s));
}
