/* SPDX-License-Identifier: MIT */
/*
 * tools/kperf/kperf.c - perf-like profiling of the perfkern kernel:
 *   kperf record [-F HZ] [-e EVENTS] [-o FILE] -- ./build/bin/vmm guest.elf ...
 *   kperf stat [-i FILE] | kperf stat [-e EVENTS] -- ./build/bin/vmm ...
 *   kperf report [-i FILE] [-k ELF] [--sort sym|cpu|task] [--source S] [--folded]
 *   kperf annotate [-i FILE] [-k ELF] SYMBOL
 *   kperf plot [-i FILE] [-k ELF] [-o PREFIX]
 * FILE is a vmm --perf record file or a console log with framed perf blobs
 * (QEMU / bare metal). Exit 0, 1 for bad input data, 2 for bad usage.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "perf_data.h"
#include "perf_plot.h"
#include "perf_report.h"
#include "perf_spawn.h"
#include "perf_sym.h"

#define DEFAULT_DATA "kperf.data"
#define DEFAULT_ELF "build/bin/guest.elf"

struct kopts {
	const char *in, *elf, *out, *events, *sort_s, *source_s;
	unsigned hz;
	int folded, top;
	unsigned source;
	enum kp_sort sort;
};

static void usage(FILE *f)
{
	fprintf(f, "usage: kperf record [-F HZ] [-e EVENTS] [-o FILE] -- VMM [vmm args] guest.elf "
		   "[-- guest args]\n"
		   "       kperf stat [-i FILE] | kperf stat [-e EVENTS] -- VMM ...\n"
		   "       kperf report [-i FILE] [-k ELF] [--sort sym|cpu|task] [--source "
		   "pmu|timer|vmm] [--folded] [--top N]\n"
		   "       kperf annotate [-i FILE] [-k ELF] SYMBOL\n"
		   "       kperf plot [-i FILE] [-k ELF] [-o PREFIX]\n"
		   "  -e vmm             (default) vmm-side sampling at -F HZ, any guest\n"
		   "  -e timer           guest LAPIC-timer sampling at -F HZ (perf=timer:HZ)\n"
		   "  -e pmu             guest PMU (cycles overflow) sampling, timer fallback\n"
		   "  -e EV[,EV...]      guest counting: cycles instructions ref-cycles\n"
		   "                     LLC-references LLC-misses branches branch-misses rNNNN\n"
		   "  FILE defaults to " DEFAULT_DATA ", ELF to " DEFAULT_ELF "\n");
}

static int load(const struct kopts *o, struct kp_data *d)
{
	char err[256];
	if (kp_load(o->in, d, err, sizeof(err)) < 0) {
		fprintf(stderr, "kperf: %s: %s\n", o->in, err);
		return -1;
	}
	return 0;
}

static int load_syms(const struct kopts *o, const struct kp_data *d, struct kp_syms *s)
{
	char err[256];
	if (kp_syms_load(o->elf, s, err, sizeof(err)) < 0) {
		fprintf(stderr, "kperf: %s: %s (give the guest ELF with -k)\n", o->elf, err);
		return -1;
	}
	if (d->hdr.id_kind == PK_PERF_ID_TEXT_FNV && d->hdr.elf_id && s->text_id &&
	    d->hdr.elf_id != s->text_id)
		fprintf(stderr,
			"kperf: warning: %s is not the kernel that was recorded (.text hash "
			"%016lx, recording says %016lx); symbols may be wrong\n",
			o->elf, (unsigned long)s->text_id, (unsigned long)d->hdr.elf_id);
	return 0;
}

/* The record and the symbols every symbol-level command needs; on error
 * nothing is left allocated. */
static int load_both(const struct kopts *o, struct kp_data *d, struct kp_syms *s)
{
	if (load(o, d) < 0)
		return -1;
	if (load_syms(o, d, s) < 0) {
		kp_free(d);
		return -1;
	}
	return 0;
}

/* Run the vmm command with --perf FILE (+ rate) and perf=... for the guest. */
static int run_recording(const struct kopts *o, int argc, char **argv, unsigned vmm_hz,
			 const char *guest_opt)
{
	if (argc < 1) {
		fprintf(stderr, "kperf: no command to record (kperf record -- ./build/bin/vmm "
				"guest.elf)\n");
		return 2;
	}
	char hz[16];
	snprintf(hz, sizeof(hz), "%u", vmm_hz);
	char **av = calloc((size_t)argc + 8, sizeof(char *));
	if (!av)
		return 1;
	int n = 0, has_dd = 0;
	av[n++] = argv[0];
	av[n++] = "--perf";
	av[n++] = (char *)o->out;
	av[n++] = "--perf-freq";
	av[n++] = hz;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			has_dd = 1;
		av[n++] = argv[i];
	}
	if (guest_opt) {
		if (!has_dd)
			av[n++] = "--";
		av[n++] = (char *)guest_opt;
	}
	av[n] = 0;
	fprintf(stderr, "kperf: running");
	for (int i = 0; i < n; i++)
		fprintf(stderr, " %s", av[i]);
	fprintf(stderr, "\n");
	pid_t pid = fork();
	if (pid == 0) {
		execvp(av[0], av);
		fprintf(stderr, "kperf: %s: cannot run it\n", av[0]);
		_exit(127);
	}
	free(av);
	int st = 0;
	if (pid < 0 || waitpid(pid, &st, 0) < 0) {
		perror("kperf: fork");
		return 1;
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int cmd_record(struct kopts *o, int argc, char **argv)
{
	char opt[160] = "";
	unsigned vmm_hz = o->hz;
	if (o->events) {
		if (!strcmp(o->events, "timer") || !strcmp(o->events, "pmu")) {
			/* the guest samples itself; the vmm only collects its rings */
			snprintf(opt, sizeof(opt), "perf=%s:%u", o->events, o->hz);
			vmm_hz = 0;
		} else if (!strcmp(o->events, "vmm")) {
			opt[0] = 0;
		} else {
			snprintf(opt, sizeof(opt), "perf=count:%s", o->events);
			vmm_hz = 0;
		}
	}
	int rc = run_recording(o, argc, argv, vmm_hz, opt[0] ? opt : 0);
	struct kp_data d;
	char err[256];
	if (kp_load(o->out, &d, err, sizeof(err)) < 0) {
		fprintf(stderr, "kperf: %s: %s\n", o->out, err);
		return rc ? rc : 1;
	}
	fprintf(stderr, "kperf: %zu samples, %zu counts, %lu lost in %s (command exit %d)\n", d.ns,
		d.nc, (unsigned long)d.lost, o->out, rc);
	kp_free(&d);
	return rc;
}

static void print_ratio(const char *what, const char *name, uint32_t cpu, uint64_t num,
			uint64_t den)
{
	if (den)
		printf("  %-12s cpu %-3u %-20s %10.3f\n", what, cpu, name,
		       (double)num / (double)den);
}

static int stat_print(const struct kp_data *d)
{
	if (!d->nc) {
		printf("kperf stat: no counter records (the guest found no PMU? see its log; "
		       "record with -e cycles,instructions)\n");
		return 0;
	}
	printf("%-4s %-20s %-16s %16s %14s\n", "cpu", "region", "event", "count", "tsc cycles");
	uint64_t tot[PK_PERF_EV_COUNT] = {0};
	for (size_t i = 0; i < d->nc; i++) {
		const struct kp_count *c = &d->c[i];
		char ev[32];
		if (c->event == PK_PERF_EV_RAW)
			snprintf(ev, sizeof(ev), "r%lx", (unsigned long)c->raw);
		else
			snprintf(ev, sizeof(ev), "%s", kp_event_name(c->event));
		printf("%-4u %-20s %-16s %16lu %14lu\n", c->cpu, c->name, ev,
		       (unsigned long)c->value, (unsigned long)c->cycles);
		if (c->event < PK_PERF_EV_COUNT && !strcmp(c->name, "cpu"))
			tot[c->event] += c->value;
	}
	printf("totals (region cpu, all CPUs):\n");
	for (unsigned e = 0; e < PK_PERF_EV_COUNT; e++)
		if (tot[e])
			printf("  %-16s %16lu\n", kp_event_name(e), (unsigned long)tot[e]);
	/* derived figures per (cpu, region) like perf stat: IPC, miss rates */
	for (size_t i = 0; i < d->nc; i++) {
		const struct kp_count *a = &d->c[i];
		for (size_t j = 0; j < d->nc; j++) {
			const struct kp_count *b = &d->c[j];
			if (a->cpu != b->cpu || strcmp(a->name, b->name))
				continue;
			if (a->event == PK_PERF_EV_INSTRUCTIONS && b->event == PK_PERF_EV_CYCLES)
				print_ratio("IPC", a->name, a->cpu, a->value, b->value);
			if (a->event == PK_PERF_EV_LLC_MISSES && b->event == PK_PERF_EV_LLC_REFS)
				print_ratio("LLC miss", a->name, a->cpu, a->value, b->value);
			if (a->event == PK_PERF_EV_BRANCH_MISSES && b->event == PK_PERF_EV_BRANCHES)
				print_ratio("branch miss", a->name, a->cpu, a->value, b->value);
		}
	}
	return 0;
}

static int cmd_stat(struct kopts *o, int argc, char **argv)
{
	if (argc > 0) {
		if (!o->events)
			o->events = "cycles,instructions,branches,branch-misses";
		o->hz = 0;
		int rc = cmd_record(o, argc, argv);
		o->in = o->out;
		if (rc)
			return rc;
	}
	struct kp_data d;
	if (load(o, &d) < 0)
		return 1;
	stat_print(&d);
	kp_free(&d);
	return 0;
}

static void print_header(const struct kopts *o, const struct kp_data *d, uint64_t total)
{
	printf("# kperf report: %s, %lu samples (", o->in, (unsigned long)total);
	for (unsigned s = 1; s < PK_PERF_SRC_COUNT; s++)
		if (d->sources & (1u << s)) {
			size_t k = 0;
			for (size_t i = 0; i < d->ns; i++)
				k += d->s[i].source == s;
			printf(" %s %zu", kp_source_name(s), k);
		}
	printf(" ), %u CPUs, %lu lost, rate %u Hz\n", d->hdr.ncpus, (unsigned long)d->lost,
	       d->hdr.sample_hz);
}

static int cmd_report(struct kopts *o)
{
	struct kp_data d;
	struct kp_syms s;
	if (load_both(o, &d, &s) < 0)
		return 1;
	struct kp_row *rows = 0;
	size_t n = 0;
	uint64_t total = 0;
	int rc = 0;
	if (o->folded) {
		if (kp_fold(&d, &s, o->source, &rows, &n) < 0)
			rc = 1;
		for (size_t i = 0; i < n; i++)
			printf("%s %lu\n", rows[i].key, (unsigned long)rows[i].samples);
	} else {
		if (kp_aggregate(&d, &s, o->sort, o->source, &rows, &n, &total) < 0)
			rc = 1;
		print_header(o, &d, total);
		if (!total)
			printf("# no samples%s\n", o->source ? " from that source" : "");
		const char *col = o->sort == KP_SORT_CPU    ? "CPU\t"
				  : o->sort == KP_SORT_TASK ? "Task\t"
							    : "";
		printf("# Overhead  Samples  %sSymbol\n", col);
		for (size_t i = 0; i < n && (o->top <= 0 || (int)i < o->top); i++)
			printf("%9.2f%% %8lu  %s\n",
			       100.0 * (double)rows[i].samples / (double)total,
			       (unsigned long)rows[i].samples, rows[i].key);
	}
	kp_rows_free(rows, n);
	kp_syms_free(&s);
	kp_free(&d);
	return rc;
}

static int cmd_annotate(struct kopts *o, const char *symbol)
{
	struct kp_data d;
	struct kp_syms s;
	if (load_both(o, &d, &s) < 0)
		return 1;
	uint64_t addr, size;
	int rc = 0;
	if (!kp_syms_find(&s, symbol, &addr, &size)) {
		fprintf(stderr, "kperf: annotate: no symbol '%s' in %s\n", symbol, o->elf);
		rc = 1;
		goto out;
	}
	uint64_t total = 0;
	for (size_t i = 0; i < d.ns; i++)
		if ((!o->source || d.s[i].source == o->source) && d.s[i].rip - addr < size)
			total++;
	/* argv, no shell: the ELF path is one argument whatever it contains */
	char start[48], stop[48];
	snprintf(start, sizeof(start), "--start-address=0x%lx", (unsigned long)addr);
	snprintf(stop, sizeof(stop), "--stop-address=0x%lx", (unsigned long)(addr + size));
	char *argv[] = {"objdump", "-d",	   "-l", "--no-show-raw-insn", start, stop,
			"--",	   (char *)o->elf, 0};
	int fd = -1;
	pid_t pid = kp_spawn(argv, &fd);
	FILE *p = pid < 0 ? 0 : fdopen(fd, "r");
	if (!p) {
		fprintf(stderr, "kperf: annotate: cannot run objdump\n");
		if (pid >= 0) {
			close(fd);
			kp_wait(pid);
		}
		rc = 1;
		goto out;
	}
	printf("# kperf annotate %s: %lu samples in %#lx..%#lx\n", symbol, (unsigned long)total,
	       (unsigned long)addr, (unsigned long)(addr + size));
	printf("# Percent Samples  Instruction\n");
	char line[512];
	while (fgets(line, sizeof(line), p)) {
		unsigned long ia;
		char colon;
		if (sscanf(line, " %lx%c", &ia, &colon) == 2 && colon == ':' && ia - addr < size) {
			uint64_t k = 0;
			for (size_t i = 0; i < d.ns; i++)
				k += (!o->source || d.s[i].source == o->source) && d.s[i].rip == ia;
			if (k)
				printf("%7.2f%% %7lu  %s",
				       total ? 100.0 * (double)k / (double)total : 0.0,
				       (unsigned long)k, line);
			else
				printf("%17s%s", "", line);
		} else if (line[0] == '/') {
			printf("%17s%s", "", line); /* -l: file:line of what follows */
		}
	}
	fclose(p);
	if (kp_wait(pid) != 0) {
		fprintf(stderr, "kperf: annotate: objdump failed on %s\n", o->elf);
		rc = 1;
	}
out:
	kp_syms_free(&s);
	kp_free(&d);
	return rc;
}

static int cmd_plot(struct kopts *o)
{
	struct kp_data d;
	struct kp_syms s;
	if (load_both(o, &d, &s) < 0)
		return 1;
	int rc = kp_plot(&d, &s, o->source, o->out ? o->out : "kperf") < 0 ? 1 : 0;
	kp_syms_free(&s);
	kp_free(&d);
	return rc;
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

int main(int argc, char **argv)
{
	enum { OPT_SORT = 256, OPT_SOURCE, OPT_FOLDED, OPT_TOP };
	static const struct option lo[] = {
		{"input", required_argument, 0, 'i'},
		{"output", required_argument, 0, 'o'},
		{"elf", required_argument, 0, 'k'},
		{"freq", required_argument, 0, 'F'},
		{"event", required_argument, 0, 'e'},
		{"sort", required_argument, 0, OPT_SORT},
		{"source", required_argument, 0, OPT_SOURCE},
		{"folded", no_argument, 0, OPT_FOLDED},
		{"top", required_argument, 0, OPT_TOP},
		{"help", no_argument, 0, 'h'},
		{0, 0, 0, 0},
	};
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	const char *cmd = argv[1];
	struct kopts o = {.in = DEFAULT_DATA, .elf = DEFAULT_ELF, .hz = 1000};
	optind = 2;
	opterr = 0;
	int c;
	char *end;
	while ((c = getopt_long(argc, argv, "+i:o:k:F:e:h", lo, 0)) != -1) {
		switch (c) {
		case 'i':
			o.in = optarg;
			break;
		case 'o':
			o.out = optarg;
			break;
		case 'k':
			o.elf = optarg;
			break;
		case 'F':
			o.hz = (unsigned)strtoul(optarg, &end, 10);
			if (*end || !o.hz || o.hz > 100000) {
				fprintf(stderr, "kperf: -F %s: expected 1..100000 Hz\n", optarg);
				return 2;
			}
			break;
		case 'e':
			o.events = optarg;
			break;
		case OPT_SORT:
			if (!strcmp(optarg, "sym"))
				o.sort = KP_SORT_SYM;
			else if (!strcmp(optarg, "cpu"))
				o.sort = KP_SORT_CPU;
			else if (!strcmp(optarg, "task"))
				o.sort = KP_SORT_TASK;
			else {
				fprintf(stderr, "kperf: --sort %s: expected sym, cpu or task\n",
					optarg);
				return 2;
			}
			break;
		case OPT_SOURCE:
			if (parse_source(optarg, &o.source) < 0) {
				fprintf(stderr, "kperf: --source %s: expected pmu, timer or vmm\n",
					optarg);
				return 2;
			}
			break;
		case OPT_FOLDED:
			o.folded = 1;
			break;
		case OPT_TOP:
			o.top = atoi(optarg);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			fprintf(stderr, "kperf: bad option '%s' (kperf --help)\n",
				argv[optind - 1]);
			return 2;
		}
	}
	int rest = argc - optind;
	char **rv = argv + optind;
	if (!strcmp(cmd, "record") || !strcmp(cmd, "stat")) {
		if (!o.out)
			o.out = DEFAULT_DATA;
		if (rest > 0 && !strcmp(rv[0], "--"))
			rest--, rv++;
		return !strcmp(cmd, "record") ? cmd_record(&o, rest, rv) : cmd_stat(&o, rest, rv);
	}
	if (!strcmp(cmd, "report") && rest == 0)
		return cmd_report(&o);
	if (!strcmp(cmd, "annotate") && rest == 1)
		return cmd_annotate(&o, rv[0]);
	if (!strcmp(cmd, "plot") && rest == 0)
		return cmd_plot(&o);
	fprintf(stderr, "kperf: bad command line for '%s'\n", cmd);
	usage(stderr);
	return 2;
}
