/* SPDX-License-Identifier: MIT */
/*
 * vmm/prog.h - `vmm [options] PROGRAM [ARGS...]`: what the ELF on the
 * command line is (lib/progelf), and for a Linux program the kernel it
 * runs on, its image and its argument block, served to the guest by the
 * prog_info / prog_read hypercalls (vmm/hcall_prog.c).
 */
#ifndef PK_VMM_PROG_H
#define PK_VMM_PROG_H

#include <stddef.h>
#include <stdint.h>

struct vm;
struct vmm_opts;

/* What the guest may read (immutable once the vCPUs run). */
struct vm_prog {
	uint8_t *image; /* PROGRAM's file, NULL when the ELF is a kernel */
	size_t image_len;
	char *args; /* argv then env, each NUL-terminated */
	size_t args_len;
	uint32_t argc, envc, flags;
};

/*
 * Read opts->elf once; a kernel is loaded into guest RAM as before (its
 * "-- cmdline" kept), a program is checked field by field and the kernel
 * (--kernel, default guest.elf next to the vmm binary) loaded instead
 * with cmdline "run=prog". 0, or -1 after one line on stderr naming the
 * file and the reason (exit VMM_EXIT_USAGE). kernel_path gets the path of
 * the image that was loaded (for the crash-dump symbol fd).
 */
int prog_load(struct vm *vm, struct vmm_opts *o, const char **kernel_path);

/* The argument block for argv (n strings) then env (m strings): a malloc'd
 * buffer, or NULL when it exceeds PK_HC_PROG_ARGS_MAX or memory is out. */
char *prog_args_block(const char *const *argv, unsigned n, const char *const *env, unsigned m,
		      size_t *len);

#endif
