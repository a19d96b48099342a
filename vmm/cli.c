/* SPDX-License-Identifier: MIT */
/* vmm/cli.c - command-line options; every bad value gets one clear line. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmm.h"

#define VMM_VERSION "0.1"

static void cli_usage(FILE *f)
{
	fprintf(f, "usage: vmm [options] guest.elf [-- guest command line]\n"
		   "  -c, --cpus N          vCPUs (default: every host logical CPU)\n"
		   "  -m, --memory SIZE     guest RAM, K/M/G suffix (default 256M)\n"
		   "      --hugepages MODE  auto|1G|2M|thp|off (default auto)\n"
		   "      --timeout SEC     stop a guest that runs longer (exit 124)\n"
		   "      --stats           exit counts, KVM_RUN time, boot timeline\n"
		   "      --out DIR         where result_write blobs go\n"
		   "      --gdb PORT        gdb stub on 127.0.0.1:PORT (README: Debugging)\n"
		   "      --gdb-wait        with --gdb: vCPUs wait for gdb before the first "
		   "instruction\n"
		   "      --monitor PATH    text monitor on Unix socket PATH (nc -U PATH)\n"
		   "      --perf FILE       profile: samples + guest perf records to FILE\n"
		   "      --perf-freq HZ    vmm-side sampling rate with --perf (default 1000, 0 = "
		   "off)\n"
		   "      --raw-console     guest console bytes unescaped (default: control\n"
		   "                        bytes but \\n \\r \\t are shown as \\xNN)\n"
		   "  -v, --verbose         more detail on stderr\n"
		   "  -h, --help            this text\n"
		   "      --version         print the version\n");
}

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

int cli_parse(int argc, char **argv, struct vmm_opts *o)
{
	enum {
		OPT_HUGE = 256,
		OPT_TIMEOUT,
		OPT_STATS,
		OPT_OUT,
		OPT_VERSION,
		OPT_TRACE,
		OPT_GDB,
		OPT_GDB_WAIT,
		OPT_MONITOR,
		OPT_PERF,
		OPT_PERF_FREQ,
		OPT_RAW_CONSOLE
	};
	static const struct option longopts[] = {
		{"cpus", required_argument, 0, 'c'},
		{"memory", required_argument, 0, 'm'},
		{"hugepages", required_argument, 0, OPT_HUGE},
		{"timeout", required_argument, 0, OPT_TIMEOUT},
		{"stats", no_argument, 0, OPT_STATS},
		{"out", required_argument, 0, OPT_OUT},
		{"verbose", no_argument, 0, 'v'},
		{"help", no_argument, 0, 'h'},
		{"version", no_argument, 0, OPT_VERSION},
		{"trace", required_argument, 0, OPT_TRACE},
		{"gdb", required_argument, 0, OPT_GDB},
		{"gdb-wait", no_argument, 0, OPT_GDB_WAIT},
		{"monitor", required_argument, 0, OPT_MONITOR},
		{"perf", required_argument, 0, OPT_PERF},
		{"perf-freq", required_argument, 0, OPT_PERF_FREQ},
		{"raw-console", no_argument, 0, OPT_RAW_CONSOLE},
		{0, 0, 0, 0},
	};
	memset(o, 0, sizeof(*o));
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	o->cpus = ncpu > 0 ? (unsigned)ncpu : 1;
	o->mem = 256ull << 20;
	o->hugepages = HP_AUTO;
	o->perf_hz = 1000;
	optind = 1;
	opterr = 0;
	int c;
	char *end;
	while ((c = getopt_long(argc, argv, "+c:m:vh", longopts, 0)) != -1) {
		switch (c) {
		case 'c': {
			errno = 0;
			long n = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || n < 1 || n > PK_MAX_CPUS_VMM) {
				fprintf(stderr, "vmm: --cpus %s: expected 1..%d\n", optarg,
					PK_MAX_CPUS_VMM);
				return -1;
			}
			o->cpus = (unsigned)n;
			break;
		}
		case 'm': {
			int64_t v = cli_parse_size(optarg);
			if (v < 0) {
				fprintf(stderr, "vmm: --memory %s: not a size (e.g. 512M, 2G)\n",
					optarg);
				return -1;
			}
			if ((uint64_t)v < (16ull << 20)) {
				fprintf(stderr, "vmm: --memory %s: the kernel needs at least 16M\n",
					optarg);
				return -1;
			}
			o->mem = (uint64_t)v;
			break;
		}
		case OPT_HUGE:
			if (!strcmp(optarg, "auto"))
				o->hugepages = HP_AUTO;
			else if (!strcmp(optarg, "1G"))
				o->hugepages = HP_1G;
			else if (!strcmp(optarg, "2M"))
				o->hugepages = HP_2M;
			else if (!strcmp(optarg, "thp"))
				o->hugepages = HP_THP;
			else if (!strcmp(optarg, "off"))
				o->hugepages = HP_OFF;
			else {
				fprintf(stderr,
					"vmm: --hugepages %s: expected auto|1G|2M|thp|off\n",
					optarg);
				return -1;
			}
			break;
		case OPT_TIMEOUT:
			errno = 0;
			o->timeout = strtod(optarg, &end);
			if (errno || *end || end == optarg || !(o->timeout > 0) ||
			    o->timeout > 1e7) {
				fprintf(stderr, "vmm: --timeout %s: expected seconds > 0\n",
					optarg);
				return -1;
			}
			break;
		case OPT_TRACE:
			errno = 0;
			o->trace = strtoul(optarg, &end, 10);
			if (errno || *end || end == optarg || !o->trace) {
				fprintf(stderr, "vmm: --trace %s: expected an instruction count\n",
					optarg);
				return -1;
			}
			break;
		case OPT_GDB: {
			errno = 0;
			unsigned long p = strtoul(optarg, &end, 10);
			if (errno || *end || end == optarg || p < 1 || p > 65535) {
				fprintf(stderr, "vmm: --gdb %s: expected a TCP port 1..65535\n",
					optarg);
				return -1;
			}
			o->gdb_port = (unsigned)p;
			break;
		}
		case OPT_GDB_WAIT:
			o->gdb_wait = true;
			break;
		case OPT_MONITOR:
			if (!*optarg) {
				fprintf(stderr, "vmm: --monitor needs a socket path\n");
				return -1;
			}
			o->monitor = optarg;
			break;
		case OPT_PERF:
			o->perf_file = optarg;
			break;
		case OPT_PERF_FREQ: {
			errno = 0;
			unsigned long hz = strtoul(optarg, &end, 10);
			if (errno || *end || end == optarg || hz > 100000) {
				fprintf(stderr, "vmm: --perf-freq %s: expected 0..100000 Hz\n",
					optarg);
				return -1;
			}
			o->perf_hz = (unsigned)hz;
			break;
		}
		case OPT_RAW_CONSOLE:
			o->raw_console = true;
			break;
		case OPT_STATS:
			o->stats = true;
			break;
		case OPT_OUT:
			o->out_dir = optarg;
			break;
		case 'v':
			o->verbose++;
			break;
		case 'h':
			cli_usage(stdout);
			return 1;
		case OPT_VERSION:
			printf("vmm (perfkern) %s, boot ABI %u\n", VMM_VERSION,
			       PK_BOOTINFO_VERSION);
			return 1;
		case ':':
			fprintf(stderr, "vmm: %s needs a value\n", argv[optind - 1]);
			return -1;
		default:
			fprintf(stderr, "vmm: unknown option '%s' (see vmm --help)\n",
				argv[optind - 1]);
			return -1;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "vmm: no guest ELF given (usage: vmm [options] guest.elf)\n");
		return -1;
	}
	if (o->gdb_wait && !o->gdb_port) {
		fprintf(stderr, "vmm: --gdb-wait needs --gdb PORT\n");
		return -1;
	}
	o->elf = argv[optind++];
	if (optind < argc && strcmp(argv[optind], "--") == 0)
		optind++;
	else if (optind < argc) {
		fprintf(stderr,
			"vmm: unexpected '%s' after the ELF (guest arguments go after --)\n",
			argv[optind]);
		return -1;
	}
	size_t used = 0;
	for (; optind < argc; optind++) {
		size_t n = strlen(argv[optind]);
		if (used + n + 2 > sizeof(o->cmdline)) {
			fprintf(stderr, "vmm: guest command line longer than %zu bytes\n",
				sizeof(o->cmdline) - 1);
			return -1;
		}
		if (used)
			o->cmdline[used++] = ' ';
		memcpy(o->cmdline + used, argv[optind], n + 1);
		used += n;
	}
	return 0;
}
