/* SPDX-License-Identifier: MIT */
/*
 * vmm/monitor.c - a small text monitor on a Unix socket (`vmm --monitor
 * PATH`, then `nc -U PATH` or `socat - UNIX-CONNECT:PATH`). One client at
 * a time, one command per line. Commands that read vCPU state pause the
 * VM for the moment they need (pause.c, shared with the gdb stub) unless
 * it is already stopped.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "../guest/mm/mmu_walk.h"
#include "dbg.h"
#include "kvm.h"
#include "sandbox.h"

#define MON_PROMPT "(pk) "
#define MON_X_MAX 4096

struct monitor {
	struct vm *vm;
	int lfd, fd;
	unsigned cpu; /* selected with `cpu N` */
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
};
static struct monitor the_mon = {.fd = -1, .lfd = -1};

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
		if (w <= 0)
			return;
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
		      "stop              pause every vCPU\n"
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
		pause_all(vm);
		mon_printf(m, "stopped\n");
	} else if (!strcmp(line, "cont")) {
		if (vm->dbg->gdb_attached)
			mon_printf(m, "error: gdb is attached: continue from gdb\n");
		else {
			pause_resume_all(vm);
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

static void mon_session(struct monitor *m)
{
	char line[256];
	size_t len = 0;
	bool overlong = false;
	mon_printf(m, "perfkern vmm monitor, %u vCPUs; type help\n" MON_PROMPT, m->vm->ncpus);
	for (;;) {
		char c;
		ssize_t r = recv(m->fd, &c, 1, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0 || atomic_load(&m->vm->stopping))
			return;
		if (c != '\n') {
			if (len < sizeof(line) - 1)
				line[len++] = c;
			else
				overlong = true;
			continue;
		}
		line[len] = 0;
		len = 0;
		if (overlong) {
			overlong = false;
			mon_printf(m, "error: line longer than %zu bytes\n" MON_PROMPT,
				   sizeof(line) - 1);
			continue;
		}
		pthread_mutex_lock(&m->vm->dbg->owner);
		int rc = mon_command(m, line);
		pthread_mutex_unlock(&m->vm->dbg->owner);
		if (rc < 0)
			return;
	}
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
		int fd = accept(m->lfd, 0, 0);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			perror("vmm: monitor: accept");
			return 0;
		}
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
	if (the_mon.path[0])
		unlink(the_mon.path);
}

int monitor_start(struct vm *vm, const char *path)
{
	struct monitor *m = &the_mon;
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(a.sun_path)) {
		fprintf(stderr, "vmm: --monitor %s: path longer than %zu bytes\n", path,
			sizeof(a.sun_path) - 1);
		return -ENAMETOOLONG;
	}
	strcpy(a.sun_path, path);
	m->vm = vm;
	m->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (m->lfd < 0)
		return -errno;
	unlink(path); /* a stale socket from an earlier run */
	if (bind(m->lfd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(m->lfd, 1) < 0) {
		int e = errno;
		fprintf(stderr, "vmm: --monitor %s: cannot listen: %s\n", path, strerror(e));
		close(m->lfd);
		return -e;
	}
	strcpy(m->path, path);
	atexit(mon_unlink);
	pthread_t t;
	int rc = pthread_create(&t, 0, mon_thread, m);
	if (rc)
		return -rc;
	pthread_detach(t);
	fprintf(stderr, "vmm: monitor on %s (nc -U %s)\n", path, path);
	return 0;
}
