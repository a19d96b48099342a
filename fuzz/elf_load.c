/* SPDX-License-Identifier: MIT */
/*
 * fuzz/elf_load.c - the vmm's ELF checks and copy (vmm/load.c,
 * elf_load_image: the code elf_load runs after reading the file) on any
 * bytes, loading into a fake 64 MiB guest RAM from vmm/mem.c. Beyond
 * "no crash": an accepted image must lie where the checks promise.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/vmm.h"

#define FUZZ_RAM (64ull << 20)

static struct guest_mem gm;

static void fuzz_assert(int ok, const char *what, const char *err)
{
	if (!ok) {
		fprintf(stderr, "elf_load fuzz: %s (err '%s')\n", what, err);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!gm.host && mem_alloc(&gm, FUZZ_RAM, HP_OFF) < 0)
		abort();
	/* an exact-size copy: ASan sees every read past the end; libelf may
	 * convert it in place (vmm.h) */
	uint8_t *buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	struct elf_image img;
	char err[256] = "";
	int rc = elf_load_image(buf, size, &gm, BOOT_RESERVED_END, &img, err, sizeof(err));
	if (rc == 0) {
		fuzz_assert(img.lo >= BOOT_RESERVED_END && img.lo < img.hi, "image range", err);
		fuzz_assert(img.hi <= BOOT_MAPPED_END && img.hi <= gm.low, "image above RAM/1 GiB",
			    err);
		fuzz_assert(img.entry >= img.lo && img.entry < img.hi, "entry outside image", err);
	} else {
		fuzz_assert(rc < 0 && err[0] && memchr(err, 0, sizeof(err)),
			    "refusal without reason", err);
	}
	free(buf);
	return 0;
}
