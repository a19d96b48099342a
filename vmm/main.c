/* SPDX-License-Identifier: MIT */
/*
 * vmm/main.c - perfkern's monitor, in the order things happen:
 * options -> guest RAM -> ELF -> /dev/kvm -> boot structures -> VM and
 * vCPUs -> run until the guest exits, crashes, times out or we are told to
 * stop -> exit with the guest's code (docs/vmm.md "Exit codes").
 */
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "dbg.h"
#include "kvm.h"
#include "kvm_stats.h"
#include "net.h"
#include "perf.h"
#include "sandbox.h"

static struct vm the_vm;

/*
 * Wait for the end: vm_stop's eventfd, SIGINT/SIGTERM through a signalfd
 * (blocked in every thread, so no handler runs anywhere: a handler that
 * took vm_stop's locks could deadlock against the thread it interrupted),
 * or --timeout.
 */
/* --hugepages auto boots on 4 KiB pages; the chunks the boot touched become
 * huge pages this long after the last vCPU came online (or after the
 * vCPUs started, for a guest that never says so): after the boot, not in
 * its way (vmm/mem.c) */
#define COLLAPSE_AFTER_ONLINE_NS 50000000ull
#define COLLAPSE_AFTER_START_NS 250000000ull

static int main_collapse_ms(struct vm *vm)
{
	if (!vm->mem.collapse_pending)
		return -1;
	uint64_t online = atomic_load(&vm->all_online_ns), now = vm_now_ns(vm);
	uint64_t at = vm->t_start_ns + COLLAPSE_AFTER_START_NS;
	if (online && online + COLLAPSE_AFTER_ONLINE_NS < at)
		at = online + COLLAPSE_AFTER_ONLINE_NS;
	if (now >= at) {
		mem_collapse(&vm->mem);
		vm->t_collapse_ns = vm_now_ns(vm);
		return -1;
	}
	/* not yet: look again then, or every 10 ms until the vCPUs are online */
	uint64_t ms = (at - now + 999999) / 1000000;
	return (int)(online || ms < 10 ? ms : 10);
}

static void main_wait(struct vm *vm)
{
	while (!atomic_load(&vm->stopping)) {
		int ms = main_collapse_ms(vm);
		if (vm->opts->timeout > 0) {
			int64_t ns = (int64_t)(vm->opts->timeout * 1e9) - (int64_t)vm_now_ns(vm);
			if (ns <= 0) {
				fprintf(stderr,
					"vmm: guest still running after --timeout %g s; stopped\n",
					vm->opts->timeout);
				vm_stop(vm, VMM_EXIT_TIMEOUT);
				return;
			}
			int tms = (int)((ns + 999999) / 1000000);
			ms = ms < 0 || tms < ms ? tms : ms;
		}
		struct pollfd pf[2] = {{.fd = vm->stop_fd, .events = POLLIN},
				       {.fd = vm->sig_fd, .events = POLLIN}};
		if (poll(pf, 2, ms) < 0 && errno != EINTR)
			break;
		if (pf[1].revents & POLLIN) {
			struct signalfd_siginfo si;
			if (read(vm->sig_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
				vm_stop(vm, VMM_EXIT_SIGNAL);
				return;
			}
		}
	}
}

static void main_stats(struct vm *vm)
{
	fprintf(stderr, "vmm stats: memory %s, %u vCPUs, tsc %lu kHz, %lu hypercall warnings\n",
		vm->mem.backing, vm->ncpus, vm->tsc_khz, atomic_load(&vm->hc_warnings));
	fprintf(stderr,
		"  timeline (us since exec): memory ready %lu, ELF copied %lu, /dev/kvm open %lu, "
		"VM created %lu, vCPUs created %lu, ELF loaded %lu, vCPUs set up %lu, "
		"sandboxed %lu, threads started %lu, exit %lu\n",
		vm->t_mem_ns / 1000, vm->t_copied_ns / 1000, vm->t_kvm_ns / 1000,
		vm->t_vm_ns / 1000, vm->t_made_ns / 1000, vm->t_elf_ns / 1000,
		vm->t_vcpus_ns / 1000, vm->t_sandbox_ns / 1000, vm->t_start_ns / 1000,
		vm->t_exit_ns / 1000);
	for (unsigned i = 0; i < vm->ncpus; i++) {
		struct vcpu_stats *s = &vm->vcpus[i].st;
		fprintf(stderr,
			"  vCPU %u: thread at %lu us, first KVM_RUN at %lu, online at %lu, in "
			"KVM_RUN %lu us of %lu, io exits %lu (hypercalls %lu), exits by reason:",
			i, s->thread_ns / 1000, s->run_ns / 1000, s->online_ns / 1000,
			s->ns_in_run / 1000, s->ns_total / 1000, s->io_exits, s->hypercalls);
		for (unsigned r = 0; r < 64; r++)
			if (s->exits[r])
				fprintf(stderr, " %u:%lu", r, s->exits[r]);
		fprintf(stderr, "\n");
	}
	if (vm->t_collapse_ns)
		fprintf(stderr,
			"  memory: %u of %u touched 2 MiB chunks made huge pages at %lu us "
			"(MADV_COLLAPSE, --hugepages auto)%s%s\n",
			vm->mem.chunks_collapsed, vm->mem.chunks_touched, vm->t_collapse_ns / 1000,
			vm->mem.collapse_errno ? "; the others: " : "",
			vm->mem.collapse_errno ? strerror(vm->mem.collapse_errno) : "");
	else if (vm->mem.collapse_pending)
		fprintf(stderr, "  memory: the guest ended on 4 KiB pages, before the collapse "
				"to huge pages was due\n");
	kvm_stats_print(vm, stderr);
	net_stats(vm);
}

/* /dev/kvm, the VM, its memory slots and vCPUs (kvm.c), off the main
 * thread. KVM_CREATE_VM is the longest step of a boot (tens of ms under
 * nested KVM) and needs nothing but the options, so it starts first; the
 * memory slots wait for main's mem_alloc (mem_ready). When main fails
 * first, it returns and the exit ends this thread where it waits. */
struct vm_create_job {
	struct vm *vm;
	pthread_t thread;
	int rc;
	struct vmm_errbuf err;
	struct vmm_count mem_ready; /* 1: main has mapped guest RAM (vm->mem) */
};

static void *vm_create_ahead(void *arg)
{
	struct vm_create_job *j = arg;
	struct vm *vm = j->vm;
	vmm_err_defer(&j->err);
	j->rc = kvm_open(vm);
	vm->t_kvm_ns = vm_now_ns(vm);
	if (j->rc == 0)
		j->rc = kvm_create_vm(vm);
	vm->t_vm_ns = vm_now_ns(vm);
	vmm_count_wait(&j->mem_ready, 1);
	if (j->rc == 0)
		j->rc = kvm_set_memory(vm);
	if (j->rc == 0) {
		perf_pmu_cpuid(vm); /* no vPMU on the host: none in the guest's CPUID */
		j->rc = kvm_create_vcpus(vm);
	}
	/* their threads get going (pinned, confined) while main sets up;
	 * with --user only after the uid drop (sandbox.h) */
	if (j->rc == 0 && !vm->opts->drop_user)
		j->rc = vcpu_prestart_all(vm);
	vm->t_made_ns = vm_now_ns(vm);
	vmm_err_defer(0);
	return 0;
}

int main(int argc, char **argv)
{
	struct vm *vm = &the_vm;
	struct vmm_opts opts;
	clock_gettime(CLOCK_MONOTONIC, &vm->t0);
	/* nothing the parent leaked survives, whatever the options say */
	sandbox_close_inherited();
	/* SIGINT/SIGTERM blocked here, so in every thread started later: the
	 * main thread reads them from a signalfd (main_wait) */
	sigset_t stopsigs;
	sigemptyset(&stopsigs);
	sigaddset(&stopsigs, SIGINT);
	sigaddset(&stopsigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stopsigs, 0);
	/* The VM is created on a second thread from the first moment, while
	 * this one parses the options, checks the rest of the input, maps
	 * guest RAM and loads the ELF: KVM_CREATE_VM takes tens of ms and
	 * needs none of that until the memory slots (the thread waits for
	 * mem_ready; vm->opts and ncpus are set long before). Its errors wait:
	 * bad input is reported first, and alone, as if KVM had not been
	 * touched (a --help or bad flag exits with the VM half made). */
	struct vm_create_job job = {.vm = vm, .mem_ready = VMM_COUNT_INIT};
	bool ahead = vmm_thread_start(&job.thread, vm_create_ahead, &job) == 0;
	int rc = cli_parse(argc, argv, &opts);
	if (rc)
		return rc > 0 ? 0 : VMM_EXIT_USAGE;
	vm->opts = &opts;
	vm->ncpus = opts.cpus;
	vm->elf_fd = vm->smaps_fd = -1;
	vm->gate_ready = vm->gate_open = (struct vmm_count)VMM_COUNT_INIT;
	atomic_init(&vm->exit_status, -1);
	vm->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	vm->sig_fd = signalfd(-1, &stopsigs, SFD_CLOEXEC | SFD_NONBLOCK);
	if (vm->stop_fd < 0 || vm->sig_fd < 0) {
		perror("vmm: eventfd/signalfd");
		return VMM_EXIT_HOST;
	}
	vm->host_cpus = sysconf(_SC_NPROCESSORS_ONLN);

	/* bad input first: --out must be a directory before anything runs */
	if (outdir_open(vm) < 0)
		return VMM_EXIT_USAGE;
	/* and every --share a directory, opened now: the sandbox opens nothing */
	if ((rc = share_open_all(vm)) < 0)
		return rc == -ENOMEM ? VMM_EXIT_HOST : VMM_EXIT_USAGE;
	/* the filters and the Landlock ruleset (over --out and --share), for
	 * the vCPU threads that the VM thread starts */
	if (sandbox_prepare(vm) < 0)
		return VMM_EXIT_HOST;
	if (mem_alloc(&vm->mem, opts.mem, opts.hugepages) < 0)
		return VMM_EXIT_HOST;
	vm->t_mem_ns = vm_now_ns(vm);
	vmm_count_add(&job.mem_ready);
	/* a kernel, or a Linux program and the kernel it runs on (prog.h) */
	const char *kernel_path;
	rc = prog_load(vm, &opts, &kernel_path);
	vm->t_copied_ns = vm_now_ns(vm);
	if (ahead)
		pthread_join(job.thread, 0);
	if (rc < 0)
		return VMM_EXIT_USAGE; /* bad input, like a bad flag */
	vm->t_elf_ns = vm_now_ns(vm);
	/* kept open for crash-dump symbols: the sandbox allows no open() */
	vm->kernel_path = kernel_path;
	vm->elf_fd = open(kernel_path, O_RDONLY | O_CLOEXEC);
	if (opts.verbose)
		vm->smaps_fd = open("/proc/self/smaps", O_RDONLY | O_CLOEXEC);
	if (!ahead)
		vm_create_ahead(&job);
	vmm_err_flush(&job.err);
	if (job.rc < 0) /* the failing open or ioctl is named (vmm_syserr) */
		return VMM_EXIT_HOST;
	const struct kvm_cpuid_entry2 *ext = cpuid_leaf(vm, 0x80000001, 0);
	bool gb = ext && (ext->edx >> 26) & 1; /* pdpe1gb */
	console_init();
	if (boot_setup(&vm->mem, &opts, vm->tsc_khz, gb) < 0) {
		fprintf(stderr, "vmm: no room for the boot structures in guest memory\n");
		return VMM_EXIT_HOST;
	}
	if (kvm_init_vcpus(vm) < 0)
		return VMM_EXIT_HOST;
	if (opts.stats)
		kvm_stats_open(vm);

	bool gdb = opts.gdb_path || opts.gdb_port;
	if ((gdb || opts.monitor) && pause_init(vm, opts.gdb_wait) < 0)
		return VMM_EXIT_HOST;
	/* the debug sockets exist before the guest runs (and before any
	 * sandbox); their threads start below. A path we may not replace or
	 * bind is a bad option value: exit 2 like one. */
	if ((gdb && (rc = gdb_setup(vm, opts.gdb_path, opts.gdb_port)) < 0) ||
	    (opts.monitor && (rc = monitor_setup(vm, opts.monitor, opts.monitor_idle)) < 0))
		return rc == -ENOMEM || rc == -EMFILE || rc == -ENFILE ? VMM_EXIT_HOST
								       : VMM_EXIT_USAGE;
	/* the NIC before the sandbox: /dev/net/tun, slirp's forwarded ports */
	if ((rc = net_setup(vm)) < 0)
		return rc == -EINVAL ? VMM_EXIT_USAGE : VMM_EXIT_HOST;
	if ((rc = perf_init(vm)) < 0)
		return rc == -ENOMEM ? VMM_EXIT_HOST : VMM_EXIT_USAGE; /* message printed */
	vm->t_vcpus_ns = vm_now_ns(vm);
	if (outdir_limit_fsize(vm) < 0)
		return VMM_EXIT_HOST;
	/* everything privileged is open: confine the process (sandbox.h).
	 * Main keeps the base filter only if it starts threads below. */
	bool spawns = !vm->prestarted || vm->net || opts.perf_hz || gdb || opts.monitor;
	if (sandbox_setup(vm, spawns ? SB_BASE : SB_MAIN) < 0)
		return VMM_EXIT_HOST;
	vm->t_sandbox_ns = vm_now_ns(vm);
	if (net_start(vm) < 0 || vcpu_start_all(vm) < 0)
		return VMM_EXIT_HOST;
	sandbox_release_ruleset(); /* every thread that needed it is confined */
	vm->t_start_ns = vm_now_ns(vm);
	if (perf_start(vm) < 0)
		fprintf(stderr, "vmm: --perf-freq: no sampling thread; guest records only\n");
	/* the debug sockets were made at setup; their threads start here,
	 * each entering the debug role of the sandbox first */
	if ((gdb && gdb_serve(vm) < 0) || (opts.monitor && monitor_serve(vm) < 0)) {
		vm_stop(vm, VMM_EXIT_HOST);
		_exit(VMM_EXIT_HOST);
	}
	if (sandbox_thread_enter(SB_MAIN) < 0) {
		vm_stop(vm, VMM_EXIT_SANDBOX);
		_exit(VMM_EXIT_SANDBOX);
	}
	sandbox_selftest(vm, SB_MAIN);
	main_wait(vm);
	if (perf_finish(vm) < 0 && atomic_load(&vm->exit_status) == 0)
		atomic_store(&vm->exit_status, VMM_EXIT_HOST); /* the profile was lost */
	if (gdb)
		gdb_notify_exit(vm, atomic_load(&vm->exit_status));
	if (atomic_load(&vm->exit_status) == VMM_EXIT_TIMEOUT) {
		/* each vCPU says where it was; a stuck one must not hang us */
		if (vcpu_join_all(vm, 2000) < 0) {
			fflush(stdout);
			_exit(VMM_EXIT_TIMEOUT);
		}
	}
	if (!opts.stats && !opts.verbose) {
		/* nothing left to report: leave now, the kernel tears the VM
		 * down on exit anyway (joining vCPU threads costs a kick and a
		 * KVM_RUN exit each) */
		fflush(stdout);
		_exit(atomic_load(&vm->exit_status));
	}
	if (vcpu_join_all(vm, 5000) < 0) {
		fflush(stdout);
		_exit(atomic_load(&vm->exit_status));
	}
	vm->t_exit_ns = vm_now_ns(vm);
	fflush(stdout);
	if (opts.verbose) {
		uint64_t page_kb = 0, huge_kb = 0;
		mem_smaps(&vm->mem, vm->smaps_fd, &page_kb, &huge_kb);
		fprintf(stderr,
			"vmm: %lu MiB guest memory backed by %s (smaps: KernelPageSize %lu kB, "
			"AnonHugePages %lu kB)\n",
			opts.mem >> 20, vm->mem.backing, page_kb, huge_kb);
	}
	if (opts.stats)
		main_stats(vm);
	return atomic_load(&vm->exit_status);
}
