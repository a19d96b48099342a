/* SPDX-License-Identifier: MIT */
/*
 * tools/kperf/kperf.c - perf-like profiling of the perfkern kernel:
 *   kperf record [-F HZ] [-e EVENTS] [-o FILE] -- ./build/bin/vmm guest.elf ...
 *   kperf stat [-i FILE] | kperf stat [-e EVENTS] [-o FILE] -- ./build/bin/vmm ...
 *   kperf report [-i FILE] [-k ELF] [-p PROGRAM] [--sort sym|cpu|task] [--source S] [--folded]
 * [--top N] kperf annotate [-i FILE] [-k ELF] [--source S] SYMBOL kperf plot [-i FILE] [-k ELF]
 * [--source S] [-o PREFIX] FILE is a vmm --perf record file or a console log with framed perf blobs
 * (QEMU / bare metal). The commands[] table at the end says which options
 * each subcommand takes (kperf_cli.c parses them). Exit 0, 1 for bad input
 * data, 2 for bad usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kperf_cli.h"
#include "perf_data.h"
#include "perf_plot.h"
#include "perf_report.h"
#include "perf_spawn.h"
#include "lib/elfsym/elfsym.h"

#define EVENTS_HELP                                                                                \
	"EVENTS:\n"                                                                                \
	"  vmm                (default) vmm-side sampling at -F HZ, any guest\n"                   \
	"  timer              guest LAPIC-timer sampling at -F HZ (perf=timer:HZ)\n"               \
	"  pmu                guest PMU (cycles overflow) sampling, timer fallback\n"              \
	"  EV[,EV...]         guest counting: cycles instructions ref-cycles\n"                    \
	"                     LLC-references LLC-misses branches branch-misses rNNNN\n"

static int load(const struct kopts *o, struct kp_data *d)
{
	char err[256];
	if (kp_load(o->in, d, err, sizeof(err)) < 0) {
		fprintf(stderr, "kperf: %s: %s\n", o->in, err);
		return -1;
	}
	return 0;
}

static int load_syms(const struct kopts *o, const struct kp_data *d, struct elf_syms *s)
{
	char err[256];
	if (elf_syms_load(o->elf, s, err, sizeof(err)) < 0) {
		fprintf(stderr, "kperf: %s: %s (give the guest ELF with -k)\n", o->elf, err);
		return -1;
	}
	if (d->hdr.id_kind == PK_PERF_ID_TEXT_FNV && d->hdr.elf_id && s->text_id &&
	    d->hdr.elf_id != s->text_id)
		fprintf(stderr,
			"kperf: warning: %s is not the kernel that was recorded (.text hash "
			"%016lx, recording says %016lx); symbols may be wrong\n",
			o->elf, (unsigned long)s->text_id, (unsigned long)d->hdr.elf_id);
	if (!o->prog)
		return 0;
	/* the program's symbols below the split, the kernel's above it */
	struct elf_syms p, both;
	if (elf_syms_load(o->prog, &p, err, sizeof(err)) < 0) {
		fprintf(stderr, "kperf: %s: %s (-p names the program that ran)\n", o->prog, err);
		elf_syms_free(s);
		return -1;
	}
	/* a wrong program names every sample wrongly: refused, not warned */
	if (d->hdr.prog_id && d->hdr.prog_id != p.text_id) {
		fprintf(stderr,
			"kperf: %s is not the program that was recorded (.text hash %016lx, "
			"recording says %016lx): give -p the PROGRAM the vmm ran\n",
			o->prog, (unsigned long)p.text_id, (unsigned long)d->hdr.prog_id);
		elf_syms_free(&p);
		elf_syms_free(s);
		return -1;
	}
	if (!d->hdr.prog_id)
		fprintf(stderr,
			"kperf: note: the recording does not name its program (QEMU/PC, or an "
			"older vmm): %s is not checked\n",
			o->prog);
	int rc = elf_syms_merge(&both, s, &p, ELF_SYMS_SPLIT);
	elf_syms_free(&p);
	elf_syms_free(s);
	if (rc < 0) {
		fprintf(stderr, "kperf: out of memory\n");
		return -1;
	}
	*s = both;
	return 0;
}

/* The record and the symbols every symbol-level command needs; on error
 * nothing is left allocated. */
static int load_both(const struct kopts *o, struct kp_data *d, struct elf_syms *s)
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

/* Markers (PK_PERF_REC_MARK) in recording order, after the profile. */
static void print_marks(const struct kp_data *d)
{
	if (d->nm)
		printf("# %zu markers: ms since the first guest record, CPU, task, name\n", d->nm);
	for (size_t i = 0; i < d->nm; i++) {
		const struct kp_mark *m = &d->m[i];
		char task[40];
		if (kp_mark_task(d, m)[0])
			snprintf(task, sizeof(task), "%s", kp_mark_task(d, m));
		else
			snprintf(task, sizeof(task), m->task ? "%#lx" : "[executor]",
				 (unsigned long)m->task);
		printf("# marker %10.3f  cpu %u  %s  %s\n", kp_mark_ms(d, m), m->cpu, task,
		       m->name);
	}
}

static int cmd_report(struct kopts *o)
{
	struct kp_data d;
	struct elf_syms s;
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
		print_marks(&d);
	}
	kp_rows_free(rows, n);
	elf_syms_free(&s);
	kp_free(&d);
	return rc;
}

static int cmd_annotate(struct kopts *o, const char *symbol)
{
	struct kp_data d;
	struct elf_syms s;
	if (load_both(o, &d, &s) < 0)
		return 1;
	uint64_t addr, size;
	int rc = 0;
	if (!elf_syms_find(&s, symbol, &addr, &size)) {
		fprintf(stderr, "kperf: annotate: no symbol '%s' in %s%s%s\n", symbol, o->elf,
			o->prog ? " or " : "", o->prog ? o->prog : "");
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
	/* a lower-half symbol is the program's (-p), disassembled from its file */
	const char *file = o->prog && addr < ELF_SYMS_SPLIT ? o->prog : o->elf;
	char *argv[] = {"objdump", "-d",	 "-l", "--no-show-raw-insn", start, stop,
			"--",	   (char *)file, 0};
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
		fprintf(stderr, "kperf: annotate: objdump failed on %s\n", file);
		rc = 1;
	}
out:
	elf_syms_free(&s);
	kp_free(&d);
	return rc;
}

static int cmd_plot(struct kopts *o)
{
	struct kp_data d;
	struct elf_syms s;
	if (load_both(o, &d, &s) < 0)
		return 1;
	int rc = kp_plot(&d, &s, o->source, o->out ? o->out : "kperf") < 0 ? 1 : 0;
	elf_syms_free(&s);
	kp_free(&d);
	return rc;
}

static int run_record(struct kopts *o, int argc, char **argv)
{
	if (!o->out)
		o->out = KP_DEFAULT_DATA;
	return cmd_record(o, argc, argv);
}

static int run_stat(struct kopts *o, int argc, char **argv)
{
	if (argc > 0 && (o->given & KO_INPUT)) {
		fprintf(stderr, "kperf stat: -i reads a recording and a command makes one: give "
				"one of them\n");
		return 2;
	}
	if (!o->out)
		o->out = KP_DEFAULT_DATA;
	return cmd_stat(o, argc, argv);
}

static int run_report(struct kopts *o, int argc, char **argv)
{
	(void)argc, (void)argv;
	return cmd_report(o);
}

static int run_annotate(struct kopts *o, int argc, char **argv)
{
	(void)argc;
	return cmd_annotate(o, argv[0]);
}

static int run_plot(struct kopts *o, int argc, char **argv)
{
	(void)argc, (void)argv;
	return cmd_plot(o);
}

/* Linux tools/perf's shape: one row per subcommand with the options that
 * apply to it, its arguments and its usage text. */
static const struct kp_cmd commands[] = {
	{"record", "-- VMM [vmm args] guest.elf [-- guest args]",
	 "run the vmm with profiling on; the recording goes to -o", EVENTS_HELP,
	 KO_FREQ | KO_EVENT | KO_OUTPUT, 1, -1, run_record},
	{"stat", "[-- VMM [vmm args] guest.elf ...]",
	 "counter totals, IPC and miss rates of a recording (-i) or of a run it makes", EVENTS_HELP,
	 KO_INPUT | KO_EVENT | KO_OUTPUT, 0, -1, run_stat},
	{"report", "", "samples per symbol (or CPU, task), or folded stacks", 0,
	 KO_INPUT | KO_ELF | KO_PROG | KO_SORT | KO_SOURCE | KO_FOLDED | KO_TOP, 0, 0, run_report},
	{"annotate", "SYMBOL", "one function's disassembly with its samples per instruction", 0,
	 KO_INPUT | KO_ELF | KO_PROG | KO_SOURCE, 1, 1, run_annotate},
	{"plot", "", "gnuplot charts: timeline, top symbols, counter ratios (-o PREFIX)", 0,
	 KO_INPUT | KO_ELF | KO_PROG | KO_OUTPUT | KO_SOURCE, 0, 0, run_plot},
};
#define NCMDS (sizeof(commands) / sizeof(commands[0]))

int main(int argc, char **argv)
{
	if (argc < 2) {
		kp_cli_usage(stderr, commands, NCMDS);
		return 2;
	}
	const char *name = argv[1];
	if (!strcmp(name, "-h") || !strcmp(name, "--help") || !strcmp(name, "help")) {
		for (size_t i = 0; argc > 2 && i < NCMDS; i++)
			if (!strcmp(argv[2], commands[i].name)) {
				kp_cmd_usage(stdout, &commands[i]);
				return 0;
			}
		kp_cli_usage(stdout, commands, NCMDS);
		return 0;
	}
	for (size_t i = 0; i < NCMDS; i++) {
		const struct kp_cmd *c = &commands[i];
		if (strcmp(name, c->name))
			continue;
		struct kopts o = {.in = KP_DEFAULT_DATA, .elf = KP_DEFAULT_ELF, .hz = 1000};
		int first = 0;
		int rc = kp_cli_parse(c, argc - 1, argv + 1, &o, &first);
		if (rc)
			return rc > 0 ? 0 : 2;
		return c->run(&o, argc - 1 - first, argv + 1 + first);
	}
	fprintf(stderr, "kperf: unknown command '%s'\n", name);
	kp_cli_usage(stderr, commands, NCMDS);
	return 2;
}
