/* SPDX-License-Identifier: MIT */
/*
 * tools/kperf/kperf_cli.h - kperf's command line in the shape of Linux
 * tools/perf: a commands[] table (kperf.c) where each subcommand names the
 * options that apply to it, its arguments and its usage. An option of
 * another subcommand is an error naming both, and numbers are checked
 * (digits only, no overflow, a range).
 */
#ifndef PK_KPERF_CLI_H
#define PK_KPERF_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "perf_report.h"

#define KP_DEFAULT_DATA "kperf.data"
#define KP_DEFAULT_ELF "build/bin/guest.elf"

/* One bit per option (kperf_cli.c has their names and help). */
enum {
	KO_INPUT = 1u << 0,  /* -i, --input FILE */
	KO_OUTPUT = 1u << 1, /* -o, --output FILE|PREFIX */
	KO_ELF = 1u << 2,    /* -k, --elf ELF */
	KO_FREQ = 1u << 3,   /* -F, --freq HZ */
	KO_EVENT = 1u << 4,  /* -e, --event EVENTS */
	KO_SORT = 1u << 5,   /* --sort sym|cpu|task */
	KO_SOURCE = 1u << 6, /* --source pmu|timer|vmm */
	KO_FOLDED = 1u << 7, /* --folded */
	KO_TOP = 1u << 8,    /* --top N */
	KO_PROG = 1u << 9,   /* -p, --program ELF */
};

struct kopts {
	const char *in, *elf, *out, *events;
	const char *prog; /* the Linux program's ELF (vmm PROGRAM), or NULL */
	unsigned hz;
	int folded, top;
	unsigned source;
	enum kp_sort sort;
	unsigned given; /* KO_* bits seen on the command line */
};

struct kp_cmd {
	const char *name;
	const char *args;	/* positional part of the usage line */
	const char *summary;	/* one line */
	const char *notes;	/* extra usage text, or NULL */
	unsigned opts;		/* KO_* that apply */
	int min_args, max_args; /* positional count; max -1 = a command line */
	int (*run)(struct kopts *o, int argc, char **argv);
};

/* Parse argv (argv[0] = the subcommand's name) for c into o. 0: run with
 * the positional arguments at argv + *first; 1: usage printed (exit 0);
 * -1: the error printed (exit 2). */
int kp_cli_parse(const struct kp_cmd *c, int argc, char **argv, struct kopts *o, int *first);
void kp_cmd_usage(FILE *f, const struct kp_cmd *c);
void kp_cli_usage(FILE *f, const struct kp_cmd *cmds, size_t n);
/* Decimal digits only, no overflow, lo <= value <= hi: 0, else -1. */
int kp_parse_ulong(const char *s, unsigned long lo, unsigned long hi, unsigned long *v);

#endif
