/* SPDX-License-Identifier: MIT */
/*
 * fuzz/elf_load.c - the vmm's ELF checks and copy (vmm/load.c,
 * elf_load_image: the code elf_load runs after reading the file) on any
 * bytes, loading into a fake 64 MiB guest RAM from vmm/mem.c. Beyond
 * "no crash": an accepted image must lie where the checks promise, and
 * the kernel's path (elf_load_image_fd: segments read or mapped from the
 * file, here a memfd of the same bytes) must agree with the buffer's on
 * the verdict and on every byte of guest RAM it wrote.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vmm/vmm.h"

#define FUZZ_RAM (64ull << 20)

static struct guest_mem gm, gm_fd;

static void fuzz_assert(int ok, const char *what, const char *err)
{
	if (!ok) {
		fprintf(stderr, "elf_load fuzz: %s (err '%s')\n", what, err);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!gm.host &&
	    (mem_alloc(&gm, FUZZ_RAM, HP_OFF) < 0 || mem_alloc(&gm_fd, FUZZ_RAM, HP_OFF) < 0))
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
	/* the same bytes through a file: same verdict, same guest RAM */
	int fd = memfd_create("elf_load_fuzz", MFD_CLOEXEC);
	fuzz_assert(fd >= 0 && write(fd, data, size) == (ssize_t)size, "memfd", "");
	memcpy(buf, data, size);
	struct elf_image img_fd;
	char err_fd[256] = "";
	int rc_fd = elf_load_image_fd(buf, size, fd, &gm_fd, BOOT_RESERVED_END, &img_fd, err_fd,
				      sizeof(err_fd));
	close(fd);
	fuzz_assert((rc == 0) == (rc_fd == 0), "fd path disagrees on the verdict", err_fd);
	if (rc == 0) {
		fuzz_assert(img_fd.lo == img.lo && img_fd.hi == img.hi && img_fd.entry == img.entry,
			    "fd path places the image elsewhere", err_fd);
		fuzz_assert(!memcmp(gm.host + img.lo, gm_fd.host + img.lo, img.hi - img.lo),
			    "fd path wrote other bytes", err_fd);
	}
	free(buf);
	return 0;
}
