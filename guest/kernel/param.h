/* SPDX-License-Identifier: MIT */
/*
 * guest/kernel/param.h - kernel command-line options register themselves
 * where they are read: `PK_PARAM(smp_timeout_ms, "ms to wait for APs");`
 * puts {name, help} in the linker section pk_params, so the unknown-option
 * warning comes from the set the code really reads, never from a list kept
 * by hand somewhere else.
 */
#ifndef PK_KERNEL_PARAM_H
#define PK_KERNEL_PARAM_H

#include <stddef.h>

struct pk_param {
	const char *name;
	const char *help;
};

#define PK_PARAM(pname, phelp)                                                                     \
	static const struct pk_param pk_param_##pname                                              \
		__attribute__((used, section("pk_params"), aligned(8))) = {#pname, phelp}

/* The registered option called key[0..len), or NULL. */
const struct pk_param *param_find(const char *key, size_t len);
/* One warning line per word of cmdline whose key nobody registered
 * (Linux-style: the kernel keeps going). */
void param_warn_unknown(const char *cmdline);
/* "  name  help" for every registered option. */
void param_print_all(void);

#endif
