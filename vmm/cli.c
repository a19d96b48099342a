/* SPDX-License-Identifier: MIT */
/*
 * vmm/cli.c - the command line: the core options (CPUs, memory, time,
 * stats), the table walk that serves every module's VMM_OPTION (cli.h),
 * the usage text built from it, and the guest ELF + its command line.
 * Every bad value gets one clear line and exit 2.
 */
#include "cli.h"
#include "share.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define VMM_VERSION "0.1"

extern const struct vmm_option __start_vmm_opts[], __stop_vmm_opts[];

#define CLI_MAX_OPTS 96
#define CLI_STR2(x) #x
#define CLI_STR(x) CLI_STR2(x)

int64_t cli_parse_size(const char *s)
{
	char *end;
	errno = 0;
	if (!*s || *s == '-')
		return -1;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -1;
	unsigned shift = 0;
	switch (*end) {
	case 'K':
	case 'k':
		shift = 10;
		end++;
		break;
	case 'M':
	case 'm':
		shift = 20;
		end++;
		break;
	case 'G':
	case 'g':
		shift = 30;
		end++;
		break;
	}
	if (*end || v > (unsigned long long)(INT64_MAX >> shift))
		return -1;
	return (int64_t)(v << shift);
}

int cli_uint(const char *opt, const char *arg, unsigned long lo, unsigned long hi, const char *what,
	     unsigned long *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(arg, &end, 10);
	if (errno || *end || end == arg || *arg == '-' || *arg == '+' || *arg == ' ' || v < lo ||
	    v > hi) {
		fprintf(stderr, "vmm: --%s %s: expected %s\n", opt, arg, what);
		return -1;
	}
	*out = v;
	return 0;
}

VMM_OPTION(cpus, .name = "cpus", .short_name = 'c', .arg = "N",
	   VMM_UINT(cpus, 1, PK_MAX_CPUS_VMM, "1.." CLI_STR(PK_MAX_CPUS_VMM)),
	   .help = "vCPUs (default: every host logical CPU)");

static int opt_memory(const char *arg, struct vmm_opts *o)
{
	int64_t v = cli_parse_size(arg);
	if (v < 0) {
		fprintf(stderr, "vmm: --memory %s: not a size (e.g. 512M, 2G)\n", arg);
		return -1;
	}
	if ((uint64_t)v < (16ull << 20)) {
		fprintf(stderr, "vmm: --memory %s: the kernel needs at least 16M\n", arg);
		return -1;
	}
	o->mem = (uint64_t)v;
	return 0;
}
VMM_OPTION(memory, .name = "memory", .short_name = 'm', .arg = "SIZE", .parse = opt_memory,
	   .help = "guest RAM, K/M/G suffix (default 256M)");

static int opt_hugepages(const char *arg, struct vmm_opts *o)
{
	static const struct {
		const char *name;
		enum hugepage_mode mode;
	} modes[] = {
		{"auto", HP_AUTO}, {"1G", HP_1G}, {"2M", HP_2M}, {"thp", HP_THP}, {"off", HP_OFF}};
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		if (!strcmp(arg, modes[i].name)) {
			o->hugepages = modes[i].mode;
			return 0;
		}
	fprintf(stderr, "vmm: --hugepages %s: expected auto|1G|2M|thp|off\n", arg);
	return -1;
}
VMM_OPTION(hugepages, .name = "hugepages", .arg = "MODE", .parse = opt_hugepages,
	   .help = "auto|1G|2M|thp|off (default auto)");

static int opt_timeout(const char *arg, struct vmm_opts *o)
{
	char *end;
	errno = 0;
	o->timeout = strtod(arg, &end);
	if (errno || *end || end == arg || !(o->timeout > 0) || o->timeout > 1e7) {
		fprintf(stderr, "vmm: --timeout %s: expected seconds > 0\n", arg);
		return -1;
	}
	return 0;
}
VMM_OPTION(timeout, .name = "timeout", .arg = "SEC", .parse = opt_timeout,
	   .help = "stop a guest that runs longer (exit 124)");

VMM_OPTION(stats, .name = "stats", VMM_FLAG(stats),
	   .help = "exit counts, KVM_RUN time, boot timeline");

static int opt_trace(const char *arg, struct vmm_opts *o)
{
	return cli_uint("trace", arg, 1, ~0ul, "an instruction count", &o->trace);
}
VMM_OPTION(trace, .name = "trace", .arg = "N", .parse = opt_trace,
	   .help = "single-step vCPU 0 for N instructions, printing each RIP");

static int opt_verbose(const char *arg, struct vmm_opts *o)
{
	(void)arg;
	o->verbose++;
	return 0;
}
VMM_OPTION(verbose, .name = "verbose", .short_name = 'v', .parse = opt_verbose,
	   .help = "more detail on stderr");

static int opt_help(const char *arg, struct vmm_opts *o);
VMM_OPTION(help, .name = "help", .short_name = 'h', .parse = opt_help, .help = "this text");

static int opt_version(const char *arg, struct vmm_opts *o)
{
	(void)arg;
	(void)o;
	printf("vmm (perfkern) %s, boot ABI %u\n", VMM_VERSION, PK_BOOTINFO_VERSION);
	return 1;
}
VMM_OPTION(version, .name = "version", .parse = opt_version, .help = "print the version");

/* One option's value: its parser, or the field its kind names. */
static int cli_take(const struct vmm_option *opt, const char *arg, struct vmm_opts *o)
{
	void *field = (char *)o + opt->field;
	unsigned long v;
	switch (opt->kind) {
	case VMM_OPT_FLAG:
		*(bool *)field = true;
		return 0;
	case VMM_OPT_STRING:
		if (!*arg) {
			fprintf(stderr, "vmm: --%s needs a value\n", opt->name);
			return -1;
		}
		*(const char **)field = arg;
		return 0;
	case VMM_OPT_UINT:
		if (cli_uint(opt->name, arg, opt->lo, opt->hi, opt->what, &v) < 0)
			return -1;
		*(unsigned *)field = (unsigned)v;
		return 0;
	case VMM_OPT_PARSE:
		break;
	}
	return opt->parse(arg, o);
}

static int opt_cmp(const void *a, const void *b)
{
	const struct vmm_option *x = *(const struct vmm_option *const *)a;
	const struct vmm_option *y = *(const struct vmm_option *const *)b;
	return strcmp(x->name, y->name);
}

/* The usage text, from the table: options sorted by name, so related ones
 * (--gdb, --gdb-wait) sit together whichever file declares them. */
static void cli_usage(FILE *f)
{
	const struct vmm_option *v[CLI_MAX_OPTS];
	size_t n = 0;
	for (const struct vmm_option *p = __start_vmm_opts; p < __stop_vmm_opts; p++)
		if (p->help && n < CLI_MAX_OPTS)
			v[n++] = p;
	qsort(v, n, sizeof(v[0]), opt_cmp);
	fprintf(f, "usage: vmm [options] guest.elf [-- guest command line]\n"
		   "       vmm [options] PROGRAM [ARGS...]  (a static x86-64 Linux executable)\n");
	for (size_t i = 0; i < n; i++) {
		char lhs[64];
		snprintf(lhs, sizeof(lhs), "%c%c%c --%s%s%s", v[i]->short_name ? '-' : ' ',
			 v[i]->short_name ? v[i]->short_name : ' ', v[i]->short_name ? ',' : ' ',
			 v[i]->name, v[i]->arg ? " " : "", v[i]->arg ? v[i]->arg : "");
		fprintf(f, " %-23s", lhs);
		if (strlen(lhs) > 22)
			fprintf(f, "\n %-23s", "");
		for (const char *h = v[i]->help; *h; h++) {
			fputc(*h, f);
			if (*h == '\n')
				fprintf(f, " %-23s", "");
		}
		fputc('\n', f);
	}
}

static int opt_help(const char *arg, struct vmm_opts *o)
{
	(void)arg;
	(void)o;
	cli_usage(stdout);
	return 1;
}

int cli_parse(int argc, char **argv, struct vmm_opts *o)
{
	static struct option longopts[CLI_MAX_OPTS + 1];
	static const struct vmm_option *table[CLI_MAX_OPTS];
	char shorts[2 * CLI_MAX_OPTS + 3] = "+:"; /* ":": a missing value is reported as such */
	size_t n = 0, ns = 2;
	for (const struct vmm_option *p = __start_vmm_opts; p < __stop_vmm_opts; p++) {
		if (n == CLI_MAX_OPTS) {
			fprintf(stderr, "vmm: more than %d options registered\n", CLI_MAX_OPTS);
			return -1;
		}
		table[n] = p;
		longopts[n] = (struct option){p->name, p->arg ? required_argument : no_argument, 0,
					      256 + (int)n};
		if (p->short_name) {
			shorts[ns++] = p->short_name;
			if (p->arg)
				shorts[ns++] = ':';
		}
		n++;
	}
	longopts[n] = (struct option){0, 0, 0, 0};
	shorts[ns] = 0;

	memset(o, 0, sizeof(*o));
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	o->cpus = ncpu > 0 ? (unsigned)ncpu : 1;
	o->mem = 256ull << 20;
	o->hugepages = HP_AUTO;
	o->perf_hz = 1000;
	o->monitor_idle = VMM_MONITOR_IDLE_DEFAULT;
	o->out_max_files = 1024;
	o->out_max_bytes = 1ull << 30;
	o->share_max_handles = SHARE_MAX_HANDLES_DEFAULT;
	o->share_max_bytes = SHARE_MAX_BYTES_DEFAULT;
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, shorts, longopts, 0)) != -1) {
		const struct vmm_option *opt = 0;
		if (c >= 256 && c < 256 + (int)n)
			opt = table[c - 256];
		for (size_t i = 0; !opt && c > 0 && c < 256 && i < n; i++)
			if (table[i]->short_name == c)
				opt = table[i];
		if (c == ':') {
			fprintf(stderr, "vmm: %s needs a value\n", argv[optind - 1]);
			return -1;
		}
		if (c == '?' && optopt >= 256) {
			fprintf(stderr, "vmm: %s takes no value\n", argv[optind - 1]);
			return -1;
		}
		if (!opt) {
			fprintf(stderr, "vmm: unknown option '%s' (see vmm --help)\n",
				argv[optind - 1]);
			return -1;
		}
		int rc = cli_take(opt, opt->arg ? optarg : 0, o);
		if (rc)
			return rc;
	}
	if (optind >= argc) {
		fprintf(stderr, "vmm: no guest ELF given (usage: vmm [options] guest.elf)\n");
		return -1;
	}
	if (o->gdb_wait && !o->gdb_path && !o->gdb_port) {
		fprintf(stderr, "vmm: --gdb-wait needs --gdb PATH (or --gdb tcp:PORT)\n");
		return -1;
	}
	o->elf = argv[optind++];
	/* whether the words after the ELF are a kernel command line (after
	 * --) or a program's arguments depends on what the ELF is: vmm/prog.c
	 * decides once it has read it */
	o->rest = (const char *const *)argv + optind;
	o->nrest = argc - optind;
	if (optind < argc && strcmp(argv[optind], "--") == 0)
		optind++;
	else
		optind = argc;
	size_t used = 0;
	for (; optind < argc; optind++) {
		size_t len = strlen(argv[optind]);
		if (used + len + 2 > sizeof(o->cmdline)) {
			fprintf(stderr, "vmm: guest command line longer than %zu bytes\n",
				sizeof(o->cmdline) - 1);
			return -1;
		}
		if (used)
			o->cmdline[used++] = ' ';
		memcpy(o->cmdline + used, argv[optind], len + 1);
		used += len;
	}
	return 0;
}
