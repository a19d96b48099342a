/* SPDX-License-Identifier: MIT */
/* tools/kperf/kperf_cli.c - option tables and parsing (kperf_cli.h). */
#include "kperf_cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "perf_data.h"

/* Every option once; each command picks its subset by KO_* bit. */
static const struct kp_optdef {
	unsigned bit;
	const char *name;
	int shrt;
	const char *arg; /* NULL: a flag */
	const char *help;
} defs[] = {
	{KO_INPUT, "input", 'i', "FILE",
	 "vmm --perf file or console log (default " KP_DEFAULT_DATA ")"},
	{KO_OUTPUT, "output", 'o', "FILE",
	 "the recording (default " KP_DEFAULT_DATA "), or plot's chart prefix (default kperf)"},
	{KO_ELF, "elf", 'k', "ELF", "guest ELF with symbols (default " KP_DEFAULT_ELF ")"},
	{KO_PROG, "program", 'p', "ELF",
	 "the Linux program that ran (vmm PROGRAM): its symbols for lower-half addresses"},
	{KO_FREQ, "freq", 'F', "HZ", "sampling rate, 1..100000 (default 1000)"},
	{KO_EVENT, "event", 'e', "EVENTS", "what to record (below)"},
	{KO_SORT, "sort", 0, "KEY", "sym (default), cpu or task"},
	{KO_SOURCE, "source", 0, "SRC", "only samples from pmu, timer or vmm"},
	{KO_FOLDED, "folded", 0, 0, "folded call stacks (flamegraph.pl input)"},
	{KO_TOP, "top", 0, "N", "only the first N rows, 1..1000000"},
};
#define NDEFS (sizeof(defs) / sizeof(defs[0]))
#define OPT_HELP 'h'

int kp_parse_ulong(const char *s, unsigned long lo, unsigned long hi, unsigned long *v)
{
	if (*s < '0' || *s > '9') /* strtoul would take " 5", "+5" and "-5" */
		return -1;
	char *end;
	errno = 0;
	unsigned long x = strtoul(s, &end, 10);
	if (errno || *end || x < lo || x > hi)
		return -1;
	*v = x;
	return 0;
}

static const char *opt_label(const struct kp_optdef *d, char *buf, size_t n)
{
	if (d->shrt)
		snprintf(buf, n, "-%c/--%s", d->shrt, d->name);
	else
		snprintf(buf, n, "--%s", d->name);
	return buf;
}

static int parse_source(const char *v, unsigned *src)
{
	for (unsigned s = 1; s < PK_PERF_SRC_COUNT; s++)
		if (!strcmp(v, kp_source_name(s))) {
			*src = s;
			return 0;
		}
	return -1;
}

/* One option's value into o; -1 with the message printed. */
static int set_opt(const struct kp_cmd *c, const struct kp_optdef *d, const char *v,
		   struct kopts *o)
{
	unsigned long x;
	char l[32];
	switch (d->bit) {
	case KO_INPUT:
		o->in = v;
		break;
	case KO_OUTPUT:
		o->out = v;
		break;
	case KO_ELF:
		o->elf = v;
		break;
	case KO_PROG:
		o->prog = v;
		break;
	case KO_EVENT:
		o->events = v;
		break;
	case KO_FOLDED:
		o->folded = 1;
		break;
	case KO_FREQ:
		if (kp_parse_ulong(v, 1, 100000, &x) < 0) {
			fprintf(stderr, "kperf %s: %s %s: expected 1..100000 Hz\n", c->name,
				opt_label(d, l, sizeof(l)), v);
			return -1;
		}
		o->hz = (unsigned)x;
		break;
	case KO_TOP:
		if (kp_parse_ulong(v, 1, 1000000, &x) < 0) {
			fprintf(stderr, "kperf %s: --top %s: expected a row count, 1..1000000\n",
				c->name, v);
			return -1;
		}
		o->top = (int)x;
		break;
	case KO_SORT:
		if (!strcmp(v, "sym"))
			o->sort = KP_SORT_SYM;
		else if (!strcmp(v, "cpu"))
			o->sort = KP_SORT_CPU;
		else if (!strcmp(v, "task"))
			o->sort = KP_SORT_TASK;
		else {
			fprintf(stderr, "kperf %s: --sort %s: expected sym, cpu or task\n", c->name,
				v);
			return -1;
		}
		break;
	case KO_SOURCE:
		if (parse_source(v, &o->source) < 0) {
			fprintf(stderr, "kperf %s: --source %s: expected pmu, timer or vmm\n",
				c->name, v);
			return -1;
		}
		break;
	}
	o->given |= d->bit;
	return 0;
}

int kp_cli_parse(const struct kp_cmd *c, int argc, char **argv, struct kopts *o, int *first)
{
	/* all options are known to getopt, so one of another subcommand is
	 * named as such instead of as an unknown option */
	struct option lo[NDEFS + 2];
	char so[3 + 2 * NDEFS + 2], *p = so;
	/* a command line to run (record/stat) ends option parsing at its first
	 * word; the others take options anywhere */
	if (c->max_args < 0)
		*p++ = '+';
	*p++ = ':'; /* a missing argument is reported as ':' */
	for (size_t i = 0; i < NDEFS; i++) {
		lo[i] = (struct option){defs[i].name, defs[i].arg ? required_argument : no_argument,
					0, (int)(256 + i)};
		if (defs[i].shrt) {
			*p++ = (char)defs[i].shrt;
			if (defs[i].arg)
				*p++ = ':';
		}
	}
	*p++ = OPT_HELP;
	*p = 0;
	lo[NDEFS] = (struct option){"help", no_argument, 0, OPT_HELP};
	lo[NDEFS + 1] = (struct option){0, 0, 0, 0};

	optind = 0; /* glibc: a full re-initialisation (tests parse many times) */
	opterr = 0;
	int ch;
	while ((ch = getopt_long(argc, argv, so, lo, 0)) != -1) {
		if (ch == OPT_HELP) {
			kp_cmd_usage(stdout, c);
			return 1;
		}
		if (ch == '?' || ch == ':') {
			char sh[3] = {'-', (char)optopt, 0};
			const char *what = optopt > 0 && optopt < 256 ? sh : argv[optind - 1];
			fprintf(stderr, "kperf %s: %s '%s' (kperf %s --help)\n", c->name,
				ch == ':' ? "missing argument for" : "unknown option", what,
				c->name);
			return -1;
		}
		const struct kp_optdef *d = 0;
		for (size_t i = 0; i < NDEFS && !d; i++)
			if (ch == (int)(256 + i) || (defs[i].shrt && ch == defs[i].shrt))
				d = &defs[i];
		char l[32];
		if (!(c->opts & d->bit)) {
			fprintf(stderr, "kperf %s: %s does not apply to %s (kperf %s --help)\n",
				c->name, opt_label(d, l, sizeof(l)), c->name, c->name);
			return -1;
		}
		if (set_opt(c, d, optarg, o) < 0)
			return -1;
	}
	int pos = optind, n = argc - optind;
	if (c->max_args < 0 && n > 0 && !strcmp(argv[pos], "--"))
		pos++, n--;
	if (n < c->min_args || (c->max_args >= 0 && n > c->max_args)) {
		if (n > c->max_args && c->max_args >= 0)
			fprintf(stderr, "kperf %s: unexpected argument '%s'\n", c->name,
				argv[pos + c->max_args]);
		else
			fprintf(stderr, "kperf %s: missing %s\n", c->name, c->args);
		kp_cmd_usage(stderr, c);
		return -1;
	}
	*first = pos;
	return 0;
}

void kp_cmd_usage(FILE *f, const struct kp_cmd *c)
{
	fprintf(f, "usage: kperf %s [options]%s%s\n  %s\n", c->name, c->args[0] ? " " : "", c->args,
		c->summary);
	for (size_t i = 0; i < NDEFS; i++) {
		if (!(c->opts & defs[i].bit))
			continue;
		char l[48];
		const struct kp_optdef *d = &defs[i];
		if (d->shrt)
			snprintf(l, sizeof(l), "-%c, --%s%s%s", d->shrt, d->name, d->arg ? " " : "",
				 d->arg ? d->arg : "");
		else
			snprintf(l, sizeof(l), "    --%s%s%s", d->name, d->arg ? " " : "",
				 d->arg ? d->arg : "");
		fprintf(f, "  %-22s %s\n", l, d->help);
	}
	if (c->notes)
		fputs(c->notes, f);
}

void kp_cli_usage(FILE *f, const struct kp_cmd *cmds, size_t n)
{
	fprintf(f, "usage: kperf COMMAND [options] (kperf COMMAND --help for its options)\n");
	for (size_t i = 0; i < n; i++)
		fprintf(f, "  %-9s %s\n", cmds[i].name, cmds[i].summary);
}
