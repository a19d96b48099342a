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

#include <stddef.h>

#include "vmm.h"

/* How an option is taken: by its parse function, or straight into a
 * field of struct vmm_opts by the table walk (no code in the module). */
enum vmm_opt_kind {
	VMM_OPT_PARSE,	/* .parse */
	VMM_OPT_FLAG,	/* bool field = true */
	VMM_OPT_STRING, /* const char * field = the (non-empty) value */
	VMM_OPT_UINT,	/* unsigned field = a decimal in [lo, hi] */
};

struct vmm_option {
	const char *name; /* --name */
	char short_name;  /* -c, or 0 */
	const char *arg;  /* metavar for the usage text; NULL: a flag */
	const char *help; /* usage text (may hold \n + indentation); NULL: hidden */
	/* arg is NULL for a flag. 0 = taken, -1 = bad value (the parser printed
	 * one line naming the option and the reason), 1 = done, exit 0 (--help) */
	int (*parse)(const char *arg, struct vmm_opts *o);
	enum vmm_opt_kind kind;
	size_t field;	      /* offsetof(struct vmm_opts, ...) */
	unsigned long lo, hi; /* VMM_OPT_UINT's range */
	const char *what;     /* VMM_OPT_UINT: "expected WHAT" */
};

/* The field forms, type-checked (_Generic refuses a field of another type):
 *   VMM_OPTION(stats, .name = "stats", VMM_FLAG(stats), .help = "...");
 *   VMM_OPTION(out, .name = "out", .arg = "DIR", VMM_STRING(out_dir), ...);
 *   VMM_OPTION(hz, .name = "perf-freq", .arg = "HZ",
 *              VMM_UINT(perf_hz, 0, 100000, "0..100000 Hz"), ...); */
#define VMM_FIELD_(f, type)                                                                        \
	.field = offsetof(struct vmm_opts, f) +                                                    \
		 0 * sizeof(_Generic(((struct vmm_opts *)0)->f, type : 0))
#define VMM_FLAG(f) .kind = VMM_OPT_FLAG, VMM_FIELD_(f, bool)
#define VMM_STRING(f) .kind = VMM_OPT_STRING, VMM_FIELD_(f, const char *)
#define VMM_UINT(f, lo_, hi_, what_)                                                               \
	.kind = VMM_OPT_UINT, VMM_FIELD_(f, unsigned), .lo = (lo_), .hi = (hi_), .what = (what_)

#define VMM_OPTION(id, ...)                                                                        \
	static const struct vmm_option vmm_option_##id                                             \
		__attribute__((used, section("vmm_opts"), aligned(8))) = {__VA_ARGS__}

/* Checked numbers for parsers: *out = the decimal in [lo, hi] (no sign,
 * no suffix), or -1 after "vmm: --OPT ARG: expected WHAT". */
int cli_uint(const char *opt, const char *arg, unsigned long lo, unsigned long hi, const char *what,
	     unsigned long *out);

#endif
