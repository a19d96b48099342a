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
	fprintf(f,
		"usage: vmm [options] guest.elf [-- guest command line]\n"
		"       vmm [options] PROGRAM [ARGS...]   (a static x86-64 Linux executable)\n"
		"      --kernel FILE     with a PROGRAM: the kernel to run it on (default: "
		"guest.elf next to vmm)\n"
		"      --env K=V         with a PROGRAM: an environment variable (repeatable)\n"
		"      --strace          with a PROGRAM: print each system call it makes\n"
		"      --kernel-cmdline S  with a PROGRAM: more kernel options after run=prog\n"
		"  -c, --cpus N          vCPUs (default: every host logical CPU)\n"
		"  -m, --memory SIZE     guest RAM, K/M/G suffix (default 256M)\n"
		"      --hugepages MODE  auto|1G|2M|thp|off (default auto)\n"
		"      --timeout SEC     stop a guest that runs longer (exit 124)\n"
		"      --stats           exit counts, KVM_RUN time, boot timeline\n"
		"      --out DIR         where result_write blobs go (docs/vmm-security.md)\n"
		"      --out-max-files N at most N result files per run (default 1024)\n"
		"      --out-max-bytes SIZE  at most SIZE result bytes per run (default 1G)\n"
		"      --gdb PATH        gdb stub on Unix socket PATH, mode 0600 (gdb: target "
		"remote PATH)\n"
		"      --gdb tcp:PORT    gdb stub on 127.0.0.1:PORT instead: ANY local user can "
		"connect\n"
		"      --gdb-wait        with --gdb: vCPUs wait for gdb before the first "
		"instruction\n"
		"      --monitor PATH    text monitor on Unix socket PATH, mode 0600 (nc -U PATH)\n"
		"      --monitor-idle S  drop a monitor client silent for S seconds (default "
		"300, 0 = never)\n"
		"      --perf FILE       profile: samples + guest perf records to FILE\n"
		"      --perf-freq HZ    vmm-side sampling rate with --perf (default 1000, 0 = "
		"off)\n"
		"      --raw-console     guest console bytes unescaped (default: control\n"
		"                        bytes but \\n \\r \\t are shown as \\xNN)\n"
		"      --no-sandbox      no seccomp filter, no_new_privs or rlimits (debugging)\n"
		"      --user UID[:GID]  when started as root: drop to UID/GID after setup\n"
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

/* --gdb PATH (a Unix socket) or --gdb tcp:PORT. A bare number was the
 * old TCP form: refused with a pointer to tcp:PORT rather than silently
 * becoming a socket file named "1234" in the current directory. */
static int cli_parse_gdb(const char *arg, struct vmm_opts *o)
{
	char *end;
	if (!strncmp(arg, "tcp:", 4)) {
		const char *n = arg + 4;
		errno = 0;
		unsigned long p = strtoul(n, &end, 10);
		if (errno || *end || end == n || *n == '-' || *n == '+' || p < 1 || p > 65535) {
			fprintf(stderr, "vmm: --gdb %s: expected tcp:PORT with PORT 1..65535\n",
				arg);
			return -1;
		}
		o->gdb_port = (unsigned)p;
		o->gdb_path = 0;
		return 0;
	}
	if (!*arg) {
		fprintf(stderr, "vmm: --gdb needs a socket path (or tcp:PORT)\n");
		return -1;
	}
	if (arg[strspn(arg, "0123456789")] == 0) {
		fprintf(stderr,
			"vmm: --gdb %s: a bare port is not accepted; use --gdb PATH for a Unix "
			"socket (mode 0600, owner only) or --gdb tcp:%s for TCP on 127.0.0.1 "
			"(any local user can connect)\n",
			arg, arg);
		return -1;
	}
	o->gdb_path = arg;
	o->gdb_port = 0;
	return 0;
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
		OPT_MONITOR_IDLE,
		OPT_PERF,
		OPT_PERF_FREQ,
		OPT_OUT_MAX_FILES,
		OPT_OUT_MAX_BYTES,
		OPT_NO_SANDBOX,
		OPT_USER,
		OPT_SELFTEST,
		OPT_RAW_CONSOLE,
		OPT_KERNEL,
		OPT_ENV,
		OPT_STRACE,
		OPT_KERNEL_CMDLINE
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
		{"monitor-idle", required_argument, 0, OPT_MONITOR_IDLE},
		{"perf", required_argument, 0, OPT_PERF},
		{"perf-freq", required_argument, 0, OPT_PERF_FREQ},
		{"out-max-files", required_argument, 0, OPT_OUT_MAX_FILES},
		{"out-max-bytes", required_argument, 0, OPT_OUT_MAX_BYTES},
		{"no-sandbox", no_argument, 0, OPT_NO_SANDBOX},
		{"user", required_argument, 0, OPT_USER},
		/* test-only, not in the usage text: tests/vmm/sandbox.sh */
		{"sandbox-selftest", required_argument, 0, OPT_SELFTEST},
		{"raw-console", no_argument, 0, OPT_RAW_CONSOLE},
		{"kernel", required_argument, 0, OPT_KERNEL},
		{"env", required_argument, 0, OPT_ENV},
		{"strace", no_argument, 0, OPT_STRACE},
		{"kernel-cmdline", required_argument, 0, OPT_KERNEL_CMDLINE},
		{0, 0, 0, 0},
	};
	memset(o, 0, sizeof(*o));
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	o->cpus = ncpu > 0 ? (unsigned)ncpu : 1;
	o->mem = 256ull << 20;
	o->hugepages = HP_AUTO;
	o->perf_hz = 1000;
	o->monitor_idle = VMM_MONITOR_IDLE_DEFAULT;
	o->out_max_files = 1024;
	o->out_max_bytes = 1ull << 30;
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
		case OPT_GDB:
			if (cli_parse_gdb(optarg, o) < 0)
				return -1;
			break;
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
		case OPT_MONITOR_IDLE: {
			errno = 0;
			unsigned long sec = strtoul(optarg, &end, 10);
			if (errno || *end || end == optarg || *optarg == '-' || sec > 86400) {
				fprintf(stderr,
					"vmm: --monitor-idle %s: expected seconds 0..86400 (0 = "
					"never)\n",
					optarg);
				return -1;
			}
			o->monitor_idle = (unsigned)sec;
			break;
		}
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
		case OPT_OUT_MAX_FILES: {
			errno = 0;
			unsigned long n = strtoul(optarg, &end, 10);
			if (errno || *end || end == optarg || *optarg == '-' || n > 1000000) {
				fprintf(stderr, "vmm: --out-max-files %s: expected 0..1000000\n",
					optarg);
				return -1;
			}
			o->out_max_files = (unsigned)n;
			break;
		}
		case OPT_OUT_MAX_BYTES: {
			int64_t v = cli_parse_size(optarg);
			if (v < 0) {
				fprintf(stderr,
					"vmm: --out-max-bytes %s: not a size (e.g. 64M, 1G)\n",
					optarg);
				return -1;
			}
			o->out_max_bytes = (uint64_t)v;
			break;
		}
		case OPT_NO_SANDBOX:
			o->no_sandbox = true;
			break;
		case OPT_USER: {
			errno = 0;
			unsigned long u = strtoul(optarg, &end, 10), g = u;
			if (!errno && *end == ':' && end[1] != '-' && end[1]) {
				const char *gs = end + 1;
				g = strtoul(gs, &end, 10);
				if (end == gs)
					errno = EINVAL;
			}
			if (errno || *end || end == optarg || *optarg == '-' || !u || !g ||
			    u >= 0xffffffffu || g >= 0xffffffffu) {
				fprintf(stderr,
					"vmm: --user %s: expected UID[:GID], numeric and not 0\n",
					optarg);
				return -1;
			}
			o->drop_user = true;
			o->uid = (uint32_t)u;
			o->gid = (uint32_t)g;
			break;
		}
		case OPT_SELFTEST:
			o->selftest = optarg;
			break;
		case OPT_RAW_CONSOLE:
			o->raw_console = true;
			break;
		case OPT_KERNEL:
			o->kernel = optarg;
			break;
		case OPT_ENV:
			/* K=V with a non-empty K that holds no '=' (POSIX environ) */
			if (optarg[0] == '=' || !strchr(optarg, '=')) {
				fprintf(stderr, "vmm: --env %s: expected NAME=VALUE\n", optarg);
				return -1;
			}
			if (o->nenv == VMM_MAX_ENV) {
				fprintf(stderr, "vmm: --env: at most %d variables\n", VMM_MAX_ENV);
				return -1;
			}
			o->env[o->nenv++] = optarg;
			break;
		case OPT_STRACE:
			o->strace = true;
			break;
		case OPT_KERNEL_CMDLINE:
			o->kernel_cmdline = optarg;
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
	if (o->gdb_wait && !o->gdb_path && !o->gdb_port) {
		fprintf(stderr, "vmm: --gdb-wait needs --gdb PATH (or --gdb tcp:PORT)\n");
		return -1;
	}
	if (o->selftest && strcmp(o->selftest, "forbidden-syscall") &&
	    strcmp(o->selftest, "forbidden-vcpu") && strcmp(o->selftest, "log")) {
		fprintf(stderr,
			"vmm: --sandbox-selftest %s: expected forbidden-syscall, "
			"forbidden-vcpu or log\n",
			o->selftest);
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
