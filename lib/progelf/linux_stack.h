/* SPDX-License-Identifier: MIT */
/*
 * lib/progelf/linux_stack.h - the initial stack of a Linux program (System V
 * x86-64 psABI 3.4.1 "Initial Stack and Register State", figure 3.9):
 *
 *   rsp ->  argc
 *           argv[0..argc-1], NULL
 *           envp[0..envc-1], NULL
 *           auxv pairs (a_type, a_val) ..., AT_NULL
 *           (padding) 16 AT_RANDOM bytes, the strings, AT_EXECFN's string
 *   top
 *
 * Pure logic (host unit tests build it): it writes into a buffer that the
 * program will see at another address.
 */
#ifndef PK_LINUX_STACK_H
#define PK_LINUX_STACK_H

#include <stddef.h>
#include <stdint.h>

/* auxv types (Linux include/uapi/linux/auxvec.h, asm/auxvec.h) */
#define AT_NULL 0
#define AT_PHDR 3
#define AT_PHENT 4
#define AT_PHNUM 5
#define AT_PAGESZ 6
#define AT_BASE 7
#define AT_FLAGS 8
#define AT_ENTRY 9
#define AT_UID 11
#define AT_EUID 12
#define AT_GID 13
#define AT_EGID 14
#define AT_PLATFORM 15
#define AT_HWCAP 16
#define AT_CLKTCK 17
#define AT_SECURE 23
#define AT_RANDOM 25
#define AT_HWCAP2 26
#define AT_EXECFN 31
#define AT_MINSIGSTKSZ 51

struct linux_auxv {
	uint64_t type, val;
};

struct linux_stack_in {
	const char *const *argv;
	unsigned argc;
	const char *const *envp;
	unsigned envc;
	/* entries to pass; AT_RANDOM's and AT_EXECFN's values are filled in
	 * here with the addresses of the copies on the stack. No AT_NULL. */
	const struct linux_auxv *auxv;
	unsigned nauxv;
	uint8_t random[16];
	const char *execfn;
};

/*
 * Build the stack in buf, which the program sees as [top - size, top).
 * Returns 0 and *sp (16-byte aligned, pointing at argc), or -7 (E2BIG)
 * when it does not fit, or -22 for a top/size that is not 16-aligned.
 */
int linux_stack_build(uint8_t *buf, size_t size, uint64_t top, const struct linux_stack_in *in,
		      uint64_t *sp);

#endif
