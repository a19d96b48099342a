/* SPDX-License-Identifier: MIT */
/*
 * fuzz/progelf.c - the program ELF checks both the vmm (before boot) and
 * the guest loader run (lib/progelf) on any bytes. Beyond "no crash": an
 * accepted program lies where the checks promise (sorted, non-overlapping
 * segments inside the file and inside the program area, never W+X, the
 * entry in an executable one), and a refusal always says why.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/progelf/progelf.h"

static void fuzz_assert(int ok, const char *what, const char *err)
{
	if (!ok) {
		fprintf(stderr, "progelf fuzz: %s (err '%s')\n", what, err);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *buf = malloc(size ? size : 1); /* exact size: ASan sees overreads */
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	char err[256] = "";
	if (progelf_ident(buf, size, err, sizeof(err)) == 0)
		(void)progelf_kind(buf, size);
	struct progelf_info pi;
	err[0] = 0;
	int rc = progelf_check(buf, size, &pi, err, sizeof(err));
	if (rc == 0) {
		fuzz_assert(pi.nseg > 0 && pi.nseg <= PROGELF_MAX_SEGS, "segment count", err);
		fuzz_assert(pi.lo < pi.hi && pi.hi - pi.lo <= PROGELF_MAX_SPAN, "span", err);
		fuzz_assert(pi.lo >= PROGELF_USER_MIN &&
				    pi.hi <= PROGELF_IMAGE_TOP + PROGELF_PIE_BASE,
			    "outside the program area", err);
		int entry_ok = 0;
		for (unsigned i = 0; i < pi.nseg; i++) {
			const struct progelf_seg *s = &pi.seg[i];
			fuzz_assert(s->offset <= size && s->filesz <= size - s->offset,
				    "file range", err);
			fuzz_assert(s->filesz <= s->memsz, "filesz > memsz", err);
			fuzz_assert(s->vaddr >= pi.lo && s->vaddr + s->memsz <= pi.hi,
				    "outside span", err);
			fuzz_assert(!((s->flags & PE_PF_W) && (s->flags & PE_PF_X)), "W+X", err);
			fuzz_assert(!i || s->vaddr >= pi.seg[i - 1].vaddr + pi.seg[i - 1].memsz,
				    "overlap or unsorted", err);
			entry_ok |= (s->flags & PE_PF_X) && pi.entry >= s->vaddr &&
				    pi.entry - s->vaddr < s->memsz;
		}
		fuzz_assert(entry_ok, "entry not in an executable segment", err);
		fuzz_assert(pi.phdr >= pi.lo && pi.phdr + (uint64_t)pi.phnum * 56 <= pi.hi,
			    "program headers outside the image", err);
	} else {
		fuzz_assert(rc < 0 && err[0] && memchr(err, 0, sizeof(err)),
			    "refusal without reason", err);
	}
	free(buf);
	return 0;
}
