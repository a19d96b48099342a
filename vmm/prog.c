/* SPDX-License-Identifier: MIT */
/*
 * vmm/prog.c - the ELF on the command line: a perfkern kernel (booted as
 * always) or a static Linux program (checked here with the very code the
 * guest loader runs, lib/progelf, then handed to the kernel). Every check
 * runs before /dev/kvm is opened: bad input is exit 2 and one line.
 */
#include "prog.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/progelf/progelf.h"
#include "proto/hypercall.h"
#include "cli.h"
#include "kvm.h"

/* --- the options that only a PROGRAM takes --- */
VMM_OPTION(kernel, .name = "kernel", .arg = "FILE", VMM_STRING(kernel),
	   .help = "with a PROGRAM: the kernel it runs on (default: guest.elf next to vmm)");

static int opt_env(const char *arg, struct vmm_opts *o)
{
	/* NAME=VALUE with a non-empty NAME (POSIX environ) */
	if (arg[0] == '=' || !strchr(arg, '=')) {
		fprintf(stderr, "vmm: --env %s: expected NAME=VALUE\n", arg);
		return -1;
	}
	if (o->nenv == VMM_MAX_ENV) {
		fprintf(stderr, "vmm: --env: at most %d variables\n", VMM_MAX_ENV);
		return -1;
	}
	o->env[o->nenv++] = arg;
	return 0;
}
VMM_OPTION(env, .name = "env", .arg = "K=V", .parse = opt_env,
	   .help = "with a PROGRAM: an environment variable (repeatable)");

VMM_OPTION(strace, .name = "strace", VMM_FLAG(strace),
	   .help = "with a PROGRAM: print each system call it makes");
VMM_OPTION(kernel_cmdline, .name = "kernel-cmdline", .arg = "S", VMM_STRING(kernel_cmdline),
	   .help = "with a PROGRAM: more kernel options after run=prog");

char *prog_args_block(const char *const *argv, unsigned n, const char *const *env, unsigned m,
		      size_t *len)
{
	size_t total = 0;
	for (unsigned i = 0; i < n + m; i++) {
		total += strlen(i < n ? argv[i] : env[i - n]) + 1;
		if (total > PK_HC_PROG_ARGS_MAX)
			return 0;
	}
	char *b = malloc(total ? total : 1), *p = b;
	if (!b)
		return 0;
	for (unsigned i = 0; i < n + m; i++) {
		const char *s = i < n ? argv[i] : env[i - n];
		size_t l = strlen(s) + 1;
		memcpy(p, s, l);
		p += l;
	}
	*len = total;
	return b;
}

/* guest.elf in the vmm binary's own directory (before the sandbox). */
static int prog_default_kernel(char *out, size_t n)
{
	char self[PATH_MAX];
	ssize_t l = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (l <= 0)
		return -1;
	self[l] = 0;
	return snprintf(out, n, "%s/guest.elf", dirname(self)) < (int)n ? 0 : -1;
}

/* segfd: the kernel's segments are read from it (elf_read_headers); closed */
static int prog_load_kernel(struct vm *vm, const char *path, uint8_t *buf, size_t len, int segfd)
{
	char err[256];
	int rc = elf_load_image_fd(buf, len, segfd, &vm->mem, BOOT_RESERVED_END, &vm->img, err,
				   sizeof(err));
	if (segfd >= 0)
		close(segfd);
	if (rc < 0) {
		fprintf(stderr, "vmm: %s: %s\n", path, err);
		return -1;
	}
	return 0;
}

/* The program: checked, kept in vmm memory, its kernel loaded. */
static int prog_setup_program(struct vm *vm, struct vmm_opts *o, uint8_t *img, size_t len,
			      const char **kernel_path)
{
	static char kpath[PATH_MAX];
	char err[256];
	struct progelf_info info;
	if (progelf_check(img, len, &info, err, sizeof(err)) < 0) {
		fprintf(stderr, "vmm: %s: %s\n", o->elf, err);
		return -1;
	}
	const char *argv[1 + 4096];
	if (o->nrest > 4096) {
		fprintf(stderr, "vmm: %s: more than 4096 arguments\n", o->elf);
		return -1;
	}
	argv[0] = o->elf;
	for (int i = 0; i < o->nrest; i++)
		argv[1 + i] = o->rest[i];
	struct vm_prog *p = &vm->prog;
	p->args = prog_args_block(argv, 1 + (unsigned)o->nrest, o->env, o->nenv, &p->args_len);
	if (!p->args) {
		fprintf(stderr, "vmm: %s: arguments and environment exceed %u KiB\n", o->elf,
			PK_HC_PROG_ARGS_MAX >> 10);
		return -1;
	}
	p->image = img;
	p->image_len = len;
	p->argc = 1 + (uint32_t)o->nrest;
	p->envc = o->nenv;
	p->flags = o->strace ? PK_PROG_F_STRACE : 0;

	const char *k = o->kernel;
	if (!k) {
		if (prog_default_kernel(kpath, sizeof(kpath)) < 0) {
			fprintf(stderr,
				"vmm: %s: no --kernel given and the vmm's own directory "
				"is unknown\n",
				o->elf);
			return -1;
		}
		k = kpath;
	}
	uint8_t *kbuf;
	size_t klen;
	int segfd;
	int rc = elf_read_headers(k, BOOT_MAPPED_END, &kbuf, &klen, &segfd, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "vmm: kernel %s (for program %s): %s\n", k, o->elf, err);
		return -1;
	}
	if (progelf_ident(kbuf, klen, err, sizeof(err)) < 0 ||
	    progelf_kind(kbuf, klen) != PROGELF_KERNEL) {
		fprintf(stderr, "vmm: --kernel %s: not a perfkern kernel\n", k);
		if (segfd >= 0)
			close(segfd);
		free(kbuf);
		return -1;
	}
	rc = prog_load_kernel(vm, k, kbuf, klen, segfd);
	free(kbuf);
	if (rc < 0)
		return -1;
	const char *kc = o->kernel_cmdline ? o->kernel_cmdline : "";
	/* quiet: the program's output without the kernel's boot lines (-v
	 * keeps them) */
	if (snprintf(o->cmdline, sizeof(o->cmdline), "run=prog%s%s%s%s", o->verbose ? "" : " quiet",
		     o->strace ? " strace" : "", *kc ? " " : "", kc) >= (int)sizeof(o->cmdline)) {
		fprintf(stderr, "vmm: --kernel-cmdline: longer than %zu bytes with run=prog\n",
			sizeof(o->cmdline) - 1);
		return -1;
	}
	*kernel_path = k;
	return 0;
}

int prog_load(struct vm *vm, struct vmm_opts *o, const char **kernel_path)
{
	char err[256];
	uint8_t *buf;
	size_t len;
	*kernel_path = o->elf;
	/* a program may be as large as progelf allows, a kernel as large as
	 * the first GiB it loads into: the larger bound, checked again below */
	int segfd; /* a kernel's segments stay in the file until loaded */
	if (elf_read_headers(o->elf, PROGELF_MAX_FILE, &buf, &len, &segfd, err, sizeof(err)) < 0) {
		fprintf(stderr, "vmm: %s: %s\n", o->elf, err);
		return -1;
	}
	if (progelf_ident(buf, len, err, sizeof(err)) == 0 &&
	    progelf_kind(buf, len) == PROGELF_PROGRAM) {
		if (prog_setup_program(vm, o, buf, len, kernel_path) == 0)
			return 0; /* buf stays: the guest reads it */
		free(buf);
		return -1;
	}
	/* a kernel (or no valid ELF at all: load.c names what is wrong) */
	int rc = -1;
	if (o->nrest && strcmp(o->rest[0], "--"))
		fprintf(stderr,
			"vmm: unexpected '%s' after the ELF (guest arguments go after --)\n",
			o->rest[0]);
	else if (o->kernel || o->nenv || o->strace || o->kernel_cmdline)
		fprintf(stderr,
			"vmm: %s is a perfkern kernel: --kernel, --env, --strace and "
			"--kernel-cmdline are for programs\n",
			o->elf);
	else {
		rc = prog_load_kernel(vm, o->elf, buf, len, segfd); /* closes segfd */
		segfd = -1;
	}
	if (segfd >= 0)
		close(segfd);
	free(buf);
	return rc;
}
