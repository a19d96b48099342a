/* SPDX-License-Identifier: MIT */
/*
 * vmm/monitor.c - a small text monitor on a Unix socket (`vmm --monitor
 * PATH`, then `nc -U PATH` or `socat - UNIX-CONNECT:PATH`). One client at
 * a time, one command per line. Commands that read vCPU state pause the
 * VM for the moment they need (pause.c, shared with the gdb stub) unless
 * it is already stopped. The socket is made at setup (dbg_sock.c: 0600,
 * peer uid checked). A client is dropped when it sends a line longer than
 * MON_LINE_MAX or a byte that is not printable text, or says nothing for
 * --monitor-idle seconds; whenever a client goes, a VM it stopped with
 * `stop` (and nobody else holds) runs again.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cli.h"
#include "lib/mmu/mmu_walk.h"
#include "dbg.h"
#include "dbg_sock.h"
#include "kvm.h"
#include "sandbox.h"

VMM_OPTION(monitor, .name = "monitor", .arg = "PATH", VMM_STRING(monitor),
	   .help = "text monitor on Unix socket PATH, mode 0600 (nc -U PATH)");

VMM_OPTION(monitor_idle, .name = "monitor-idle", .arg = "SEC",
	   VMM_UINT(monitor_idle, 0, 86400, "seconds 0..86400 (0 = never)"),
	   .help = "drop a monitor client silent for SEC seconds (default 300, 0 = never)");

#define MON_PROMPT "(pk) "
#define MON_X_MAX 4096
#define MON_LINE_MAX 255 /* the longest command is ~30 bytes */

struct monitor {
	struct vm *vm;
	struct dbg_sock sock;
	int fd;
	unsigned idle_s; /* --monitor-idle, 0 = never */
	unsigned cpu;	 /* selected with `cpu N` */
	bool stopped_vm; /* this client's `stop` holds the VM paused */
};
static struct monitor the_mon = {.fd = -1, .sock.lfd = -1};

__attribute__((format(printf, 2, 3))) static void mon_printf(struct monitor *m, const char *fmt,
							     ...)
{
	char buf[1024]; /* the longest reply (help) is ~480 bytes */
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n <= 0)
		return;
	if ((size_t)n >= sizeof(buf))
		n = sizeof(buf) - 1;
	for (int o = 0; o < n;) {
		ssize_t w = send(m->fd, buf + o, (size_t)(n - o), MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			/* gone, or not reading (SO_SNDTIMEO): end the session */
			shutdown(m->fd, SHUT_RDWR);
			return;
		}
		o += (int)w;
	}
}

/* pause for the length of one command unless already paused;
 * returns whether the caller must resume */
static bool mon_hold(struct monitor *m)
{
	if (atomic_load(&m->vm->dbg->paused))
		return false;
	pause_all(m->vm);
	return true;
}

static void mon_release(struct monitor *m, bool held)
{
	if (held)
		pause_resume_all(m->vm);
}

static void mon_help(struct monitor *m)
{
	mon_printf(m, "help              this text\n"
		      "info cpus         every vCPU: state and RIP\n"
		      "cpu N             select vCPU N for regs/x/mmu\n"
		      "regs              registers of the selected vCPU\n"
		      "mmu [cpu]         page-table dump (" MMU_TABLE_HEADER ")\n"
		      "x ADDR LEN        hex dump of guest virtual memory (LEN <= 4096)\n"
		      "stats             exits and KVM_RUN time per vCPU\n"
		      "stop              pause every vCPU (until cont or disconnect)\n"
		      "cont              resume every vCPU\n"
		      "quit              stop the VM (vmm exits 125)\n");
}

static void mon_info_cpus(struct monitor *m)
{
	struct vm *vm = m->vm;
	bool held = mon_hold(m);
	for (unsigned i = 0; i < vm->ncpus; i++) {
		struct kvm_regs r;
		const char *state = vm->dbg->cpu[i].exited ? "exited" : held ? "running" : "paused";
		if (ioctl(vm->vcpus[i].fd, KVM_GET_REGS, &r) < 0)
			memset(&r, 0, sizeof(r));
		mon_printf(m, "%c CPU %u: %s rip=0x%llx\n", i == m->cpu ? '*' : ' ', i, state,
			   r.rip);
	}
	mon_release(m, held);
}

static void mon_regs(struct monitor *m)
{
	struct vcpu *v = &m->vm->vcpus[m->cpu];
	struct kvm_regs r;
	struct kvm_sregs s;
	bool held = mon_hold(m);
	if (ioctl(v->fd, KVM_GET_REGS, &r) < 0 || ioctl(v->fd, KVM_GET_SREGS, &s) < 0) {
		mon_release(m, held);
		mon_printf(m, "error: CPU %u: cannot read registers: %s\n", m->cpu,
			   strerror(errno));
		return;
	}
	mon_release(m, held);
	mon_printf(m,
		   "CPU %u\nrip %016llx rflags %016llx\n"
		   "rax %016llx rbx %016llx rcx %016llx rdx %016llx\n"
		   "rsi %016llx rdi %016llx rbp %016llx rsp %016llx\n"
		   "r8  %016llx r9  %016llx r10 %016llx r11 %016llx\n"
		   "r12 %016llx r13 %016llx r14 %016llx r15 %016llx\n",
		   m->cpu, r.rip, r.rflags, r.rax, r.rbx, r.rcx, r.rdx, r.rsi, r.rdi, r.rbp, r.rsp,
		   r.r8, r.r9, r.r10, r.r11, r.r12, r.r13, r.r14, r.r15);
	mon_printf(m,
		   "cs %04x ss %04x ds %04x es %04x fs %04x gs %04x\n"
		   "fs_base %016llx gs_base %016llx\n"
		   "cr0 %016llx cr2 %016llx cr3 %016llx cr4 %016llx cr8 %llx efer %llx\n",
		   s.cs.selector, s.ss.selector, s.ds.selector, s.es.selector, s.fs.selector,
		   s.gs.selector, s.fs.base, s.gs.base, s.cr0, s.cr2, s.cr3, s.cr4, s.cr8, s.efer);
}

static void mon_emit_run(void *ctx, const struct mmu_run *run)
{
	char line[160];
	mmu_format(run, line, sizeof(line));
	mon_printf(ctx, "%s\n", line);
}

static void mon_mmu(struct monitor *m, unsigned cpu)
{
	struct kvm_sregs s;
	bool held = mon_hold(m);
	if (ioctl(m->vm->vcpus[cpu].fd, KVM_GET_SREGS, &s) < 0) {
		mon_release(m, held);
		mon_printf(m, "error: CPU %u: cannot read CR3: %s\n", cpu, strerror(errno));
		return;
	}
	mon_printf(m, "%s\n", MMU_TABLE_HEADER);
	/* the tables are walked while the VM is held, so they hold still */
	int n = mmu_walk(s.cr3, dbg_read_table, m->vm, mon_emit_run, m);
	mon_release(m, held);
	if (n < 0)
		mon_printf(m, "error: CR3 0x%llx is outside guest RAM\n", s.cr3);
}

static void mon_x(struct monitor *m, const char *args)
{
	unsigned long long addr, len;
	char extra;
	if (sscanf(args, "%llx %llu %c", &addr, &len, &extra) != 2 || len == 0 || len > MON_X_MAX) {
		mon_printf(m, "error: usage: x ADDR LEN (hex address, 1..%d bytes)\n", MON_X_MAX);
		return;
	}
	uint8_t buf[MON_X_MAX];
	bool held = mon_hold(m);
	long n = dbg_mem_access(&m->vm->vcpus[m->cpu], addr, buf, len, false);
	mon_release(m, held);
	if (n < 0) {
		mon_printf(m, "error: 0x%llx is not mapped on CPU %u\n", addr, m->cpu);
		return;
	}
	for (long o = 0; o < n; o += 16) {
		char line[128];
		int k = snprintf(line, sizeof(line), "%016llx:", addr + (unsigned long long)o);
		for (long i = o; i < o + 16 && i < n; i++)
			k += snprintf(line + k, sizeof(line) - (size_t)k, " %02x", buf[i]);
		mon_printf(m, "%s\n", line);
	}
	if ((unsigned long long)n < len)
		mon_printf(m, "error: unmapped from 0x%llx on\n", addr + (unsigned long long)n);
}

static void mon_stats(struct monitor *m)
{
	struct vm *vm = m->vm;
	for (unsigned i = 0; i < vm->ncpus; i++) {
		struct vcpu_stats *s = &vm->vcpus[i].st;
		uint64_t total = 0;
		for (unsigned r = 0; r < 64; r++)
			total += s->exits[r];
		mon_printf(m, "CPU %u: exits %lu (io %lu, hypercalls %lu), in KVM_RUN %lu us\n", i,
			   total, s->io_exits, s->hypercalls, s->ns_in_run / 1000);
	}
}

/* one command line; returns -1 to end the session */
static int mon_command(struct monitor *m, char *line)
{
	struct vm *vm = m->vm;
	char *nl = strpbrk(line, "\r\n");
	if (nl)
		*nl = 0;
	while (*line == ' ' || *line == '\t')
		line++;
	char *args = strpbrk(line, " \t");
	if (args) {
		*args++ = 0;
		while (*args == ' ' || *args == '\t')
			args++;
	} else {
		args = line + strlen(line);
	}
	unsigned long n;
	char *end;
	if (!*line) {
		/* empty line: just the prompt */
	} else if (!strcmp(line, "help")) {
		mon_help(m);
	} else if (!strcmp(line, "info") && !strcmp(args, "cpus")) {
		mon_info_cpus(m);
	} else if (!strcmp(line, "cpu")) {
		n = strtoul(args, &end, 10);
		if (end == args || *end || n >= vm->ncpus)
			mon_printf(m, "error: cpu %s: expected 0..%u\n", args, vm->ncpus - 1);
		else
			m->cpu = (unsigned)n;
	} else if (!strcmp(line, "regs")) {
		mon_regs(m);
	} else if (!strcmp(line, "mmu")) {
		n = m->cpu;
		if (*args) {
			n = strtoul(args, &end, 10);
			if (end == args || *end || n >= vm->ncpus) {
				mon_printf(m, "error: mmu %s: expected a CPU 0..%u\n", args,
					   vm->ncpus - 1);
				goto prompt;
			}
		}
		mon_mmu(m, (unsigned)n);
	} else if (!strcmp(line, "x")) {
		mon_x(m, args);
	} else if (!strcmp(line, "stats")) {
		mon_stats(m);
	} else if (!strcmp(line, "stop")) {
		/* ours to undo on disconnect unless someone else paused first */
		if (!atomic_load(&vm->dbg->paused))
			m->stopped_vm = true;
		pause_all(vm);
		mon_printf(m, "stopped\n");
	} else if (!strcmp(line, "cont")) {
		if (vm->dbg->gdb_attached)
			mon_printf(m, "error: gdb is attached: continue from gdb\n");
		else {
			pause_resume_all(vm);
			m->stopped_vm = false;
			mon_printf(m, "running\n");
		}
	} else if (!strcmp(line, "quit")) {
		mon_printf(m, "stopping the VM\n");
		fprintf(stderr, "vmm: stopped from the monitor\n");
		vm_stop(vm, VMM_EXIT_SIGNAL);
		return -1;
	} else {
		mon_printf(m, "error: unknown command '%.40s' (try help)\n", line);
	}
prompt:
	mon_printf(m, MON_PROMPT);
	return 0;
}

/* printable text plus tab/CR/LF: what a person or a script types */
static bool mon_text_byte(unsigned char c)
{
	return (c >= 0x20 && c < 0x7f) || c == '\t' || c == '\r' || c == '\n';
}

/* Why the session ended, for the log; NULL = the client closed or quit. */
static const char *mon_serve_client(struct monitor *m)
{
	char line[MON_LINE_MAX + 1], buf[512];
	size_t len = 0;
	mon_printf(m, "perfkern vmm monitor, %u vCPUs; type help\n" MON_PROMPT, m->vm->ncpus);
	for (;;) {
		struct pollfd pf = {.fd = m->fd, .events = POLLIN};
		int pr = poll(&pf, 1, m->idle_s ? (int)m->idle_s * 1000 : -1);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr < 0 || atomic_load(&m->vm->stopping))
			return 0;
		if (pr == 0) {
			mon_printf(m, "\nerror: idle for %u s (--monitor-idle): disconnecting\n",
				   m->idle_s);
			return "idle timeout (--monitor-idle)";
		}
		ssize_t r = recv(m->fd, buf, sizeof(buf), 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0 || atomic_load(&m->vm->stopping))
			return 0;
		for (ssize_t i = 0; i < r; i++) {
			unsigned char c = (unsigned char)buf[i];
			if (!mon_text_byte(c)) {
				mon_printf(m, "\nerror: byte 0x%02x is not text: disconnecting\n",
					   c);
				return "binary data";
			}
			if (c != '\n') {
				if (len == MON_LINE_MAX) {
					mon_printf(m,
						   "\nerror: line longer than %d bytes: "
						   "disconnecting\n",
						   MON_LINE_MAX);
					return "a line longer than MON_LINE_MAX";
				}
				line[len++] = (char)c;
				continue;
			}
			line[len] = 0;
			len = 0;
			pthread_mutex_lock(&m->vm->dbg->owner);
			int rc = mon_command(m, line);
			pthread_mutex_unlock(&m->vm->dbg->owner);
			if (rc < 0)
				return 0;
		}
	}
}

static void mon_session(struct monitor *m)
{
	struct vm *vm = m->vm;
	m->stopped_vm = false;
	const char *why = mon_serve_client(m);
	if (why)
		fprintf(stderr, "vmm: --monitor: dropped the client: %s\n", why);
	/* a `stop` without `cont` must not outlive the client; gdb, when
	 * attached, owns the pause (it resumes on its own detach) */
	pthread_mutex_lock(&vm->dbg->owner);
	if (m->stopped_vm && !vm->dbg->gdb_attached && !atomic_load(&vm->stopping)) {
		fprintf(stderr, "vmm: --monitor: client gone: resuming the VM it stopped\n");
		pause_resume_all(vm);
	}
	m->stopped_vm = false;
	pthread_mutex_unlock(&vm->dbg->owner);
}

static void *mon_thread(void *arg)
{
	struct monitor *m = arg;
	sigset_t all;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, 0);
	if (sandbox_thread_enter(SB_DEBUG) < 0) {
		vm_stop(m->vm, VMM_EXIT_SANDBOX);
		return 0;
	}
	while (!atomic_load(&m->vm->stopping)) {
		int fd = dbg_sock_accept(&m->sock);
		if (fd < 0)
			return 0;
		m->fd = fd;
		m->cpu = m->cpu < m->vm->ncpus ? m->cpu : 0;
		mon_session(m);
		m->fd = -1;
		close(fd);
	}
	return 0;
}

static void mon_unlink(void)
{
	dbg_sock_unlink(&the_mon.sock);
}

int monitor_setup(struct vm *vm, const char *path, unsigned idle_s)
{
	struct monitor *m = &the_mon;
	m->vm = vm;
	m->idle_s = idle_s;
	int rc = dbg_sock_listen_unix(&m->sock, "--monitor", path);
	if (rc < 0)
		return rc;
	atexit(mon_unlink);
	fprintf(stderr, "vmm: monitor on %s (nc -U %s)\n", path, path);
	return 0;
}

int monitor_serve(struct vm *vm)
{
	struct monitor *m = &the_mon;
	if (m->vm != vm || m->sock.lfd < 0)
		return -EINVAL;
	pthread_t t;
	int rc = vmm_thread_start(&t, mon_thread, m);
	if (rc) {
		fprintf(stderr, "vmm: monitor: cannot start its thread: %s\n", strerror(rc));
		return -rc;
	}
	pthread_detach(t);
	return 0;
}
