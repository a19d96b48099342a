/* SPDX-License-Identifier: MIT */
/*
 * vmm/cli.h - command-line options that register themselves.
 *
 * A module declares its options next to the code they configure:
 *
 *   static int net_opt(const char *arg, struct vmm_opts *o) { ... }
 *   VMM_OPTION(net, .name = "net", .arg = "SPEC", .parse = net_opt,
 *              .help = "a virtio-net device (docs/network.md)");
 *
 * cli_parse builds getopt's table and the usage text from section
 * vmm_opts (GNU ld's __start_/__stop_ symbols), so adding an option is an
 * edit of one file. A module with options belongs to the vmm_calls object
 * library (vmm/CMakeLists.txt), which is linked whole: from a static
 * archive the linker would drop a file nothing names, and its options
 * with it.
 */
#ifndef PK_VMM_CLI_H
#define PK_VMM_CLI_H

#include "vmm.h"

struct vmm_option {
	const char *name; /* --name */
	char short_name;  /* -c, or 0 */
	const char *arg;  /* metavar for the usage text; NULL: a flag */
	const char *help; /* usage text (may hold \n + indentation); NULL: hidden */
	/* arg is NULL for a flag. 0 = taken, -1 = bad value (the parser printed
	 * one line naming the option and the reason), 1 = done, exit 0 (--help) */
	int (*parse)(const char *arg, struct vmm_opts *o);
};

#define VMM_OPTION(id, ...)                                                                        \
	static const struct vmm_option vmm_option_##id                                             \
		__attribute__((used, section("vmm_opts"), aligned(8))) = {__VA_ARGS__}

/* Checked numbers for parsers: *out = the decimal in [lo, hi] (no sign,
 * no suffix), or -1 after "vmm: --OPT ARG: expected WHAT". */
int cli_uint(const char *opt, const char *arg, unsigned long lo, unsigned long hi, const char *what,
	     unsigned long *out);

#endif
