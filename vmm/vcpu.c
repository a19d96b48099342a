/* SPDX-License-Identifier: MIT */
/*
 * vmm/vcpu.c - one thread per vCPU, pinned to a host CPU, looping on
 * KVM_RUN. Port I/O and MMIO exits go through the range tables of io.h
 * (hypercalls, COM1, port 0xf4 register themselves there). Anything fatal
 * stops the whole VM with a register dump of the failing vCPU.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "dbg.h"
#include "io.h"
#include "kvm.h"
#include "perf.h"
#include "sandbox.h"

/* Vectors pending (IRR) and in service (ISR) in the in-kernel LAPIC: a
 * halted vCPU with a vector in IRR and IF set means a lost wakeup. The
 * registers are 8 x 32 bits at 16-byte strides from 0x200 and 0x100
 * (SDM Vol 3A 11.8.4, table 11-1). */
static void vcpu_dump_lapic(struct vcpu *v)
{
	struct kvm_lapic_state la;
	if (ioctl(v->fd, KVM_GET_LAPIC, &la) < 0)
		return;
	static const struct {
		const char *name;
		unsigned off;
	} regs[] = {{"IRR", 0x200}, {"ISR", 0x100}};
	fprintf(stderr, "  lapic TPR %02x", (uint8_t)la.regs[0x80]);
	for (unsigned k = 0; k < 2; k++) {
		fprintf(stderr, " %s:", regs[k].name);
		int any = 0;
		for (unsigned vec = 0; vec < 256; vec++) {
			uint32_t w;
			memcpy(&w, &la.regs[regs[k].off + (vec / 32) * 16], 4);
			if (w >> (vec % 32) & 1)
				fprintf(stderr, " %02x", vec), any = 1;
		}
		if (!any)
			fprintf(stderr, " -");
	}
	fprintf(stderr, "\n");
}

static void vcpu_dump(struct vcpu *v, const char *why)
{
	struct kvm_regs r;
	struct kvm_sregs s;
	flockfile(stderr); /* vCPUs stopped together dump one after another */
	fprintf(stderr, "vmm: vCPU %u: %s\n", v->index, why);
	if (ioctl(v->fd, KVM_GET_REGS, &r) < 0 || ioctl(v->fd, KVM_GET_SREGS, &s) < 0) {
		funlockfile(stderr);
		return;
	}
	char sym[128];
	uint64_t off = 0;
	const char *name = elf_symbol_fd(v->vm->elf_fd, r.rip, &off, sym, sizeof(sym));
	fprintf(stderr, "  rip %016llx", r.rip);
	if (name)
		fprintf(stderr, " %s+0x%llx", name, (unsigned long long)off);
	if (r.rip == 0xfff0 && s.cr0 == 0x10)
		fprintf(stderr, " (reset state: AMD SVM reinitialises a vCPU on shutdown, so "
				"the faulting registers are lost; run on Intel or use --trace)");
	/* A long-mode vCPU whose page tables are not in guest RAM cannot be
	 * running the guest: a table walk there fails on its first TLB miss.
	 * Seen under nested SVM on QEMU TCG, where the emulated world switch
	 * left the host's RIP/CR3 in the vCPU (docs/testing.md, "the nested
	 * harness's L0 fault"); the test harness retries on this line. */
	if ((s.efer & 0x400 /* EFER.LMA, SDM vol. 3A 2.2.1 */) &&
	    !mem_ptr(&v->vm->mem, s.cr3 & 0x000ffffffffff000ull, 4096))
		fprintf(stderr, " (CR3 outside guest RAM: not the guest's state; "
				"the host's nested virtualisation lost it)");
	fprintf(stderr,
		"\n  rax %016llx rbx %016llx rcx %016llx rdx %016llx\n"
		"  rsi %016llx rdi %016llx rbp %016llx rsp %016llx\n"
		"  r8  %016llx r9  %016llx r10 %016llx r11 %016llx\n"
		"  r12 %016llx r13 %016llx r14 %016llx r15 %016llx\n"
		"  rflags %016llx cr0 %016llx cr2 %016llx cr3 %016llx cr4 %016llx efer %llx\n",
		r.rax, r.rbx, r.rcx, r.rdx, r.rsi, r.rdi, r.rbp, r.rsp, r.r8, r.r9, r.r10, r.r11,
		r.r12, r.r13, r.r14, r.r15, r.rflags, s.cr0, s.cr2, s.cr3, s.cr4, s.efer);
	vcpu_dump_lapic(v);
	funlockfile(stderr);
}

/* A thread started before main's sandbox: count in, confined (ok) or not,
 * and wait until vcpu_start_all opens the gate. False: leave. */
static bool vcpu_gate_wait(struct vm *vm, bool ok)
{
	vmm_count_add(&vm->gate_ready);
	if (ok)
		vmm_count_wait(&vm->gate_open, 1);
	return ok;
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *v = arg;
	struct vm *vm = v->vm;
	v->st.thread_ns = vm_now_ns(vm);
	long ncpu = vm->host_cpus; /* sysconf would open /sys under the sandbox */
	if (ncpu > 0) {
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET((int)(v->index % (unsigned)ncpu), &set);
		pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	}
	/* confined before the first KVM_RUN: nothing the guest influences
	 * runs in this thread without its filter (sandbox.h) */
	if (vm->prestarted ? !vcpu_gate_wait(vm, sandbox_thread_confine(SB_VCPU) == 0)
			   : sandbox_thread_enter(SB_VCPU) < 0) {
		vm_stop(vm, VMM_EXIT_SANDBOX);
		return 0;
	}
	if (v->index == 0)
		sandbox_selftest(vm, SB_VCPU);
	unsigned long trace = v->index == 0 ? vm->opts->trace : 0;
	if (trace) {
		struct kvm_guest_debug dbg = {.control = KVM_GUESTDBG_ENABLE |
							 KVM_GUESTDBG_SINGLESTEP};
		if (ioctl(v->fd, KVM_SET_GUEST_DEBUG, &dbg) < 0)
			perror("vmm: --trace: KVM_SET_GUEST_DEBUG");
	}
	uint64_t start = vm_now_ns(vm);
	v->st.run_ns = start;
	while (!atomic_load(&vm->stopping)) {
		if (vm->dbg) /* gdb stub / monitor: park here while paused */
			pause_vcpu_park(v);
		uint64_t t0 = vm_now_ns(vm);
		int rc = ioctl(v->fd, KVM_RUN, 0);
		v->st.ns_in_run += vm_now_ns(vm) - t0;
		perf_vcpu_poll(v); /* --perf: a sample due? (vmm/perf.c) */
		if (rc < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			vcpu_dump(v, strerror(errno));
			vm_stop(vm, VMM_EXIT_KVM);
			break;
		}
		uint32_t reason = v->run->exit_reason;
		v->st.exits[reason < 64 ? reason : 63]++;
		int status = -1;
		switch (reason) {
		case KVM_EXIT_IO:
			status = io_exit(v); /* io.h: the port table */
			break;
		case KVM_EXIT_MMIO:
			status = mmio_exit(v); /* io.h: the MMIO table */
			break;
		case KVM_EXIT_HLT:
			break; /* only without the in-kernel LAPIC */
		case KVM_EXIT_SHUTDOWN:
			vcpu_dump(v, "triple fault (KVM_EXIT_SHUTDOWN)");
			status = VMM_EXIT_CRASH;
			break;
		case KVM_EXIT_INTR:
			break;
		case KVM_EXIT_DEBUG:
			if (vm->dbg && !trace) {
				pause_vcpu_debug_exit(v); /* breakpoint/step: gdb's */
				break;
			}
			fprintf(stderr, "vmm: trace vCPU 0: rip %016llx\n",
				(unsigned long long)v->run->debug.arch.pc);
			if (--trace == 0) {
				struct kvm_guest_debug off = {0};
				ioctl(v->fd, KVM_SET_GUEST_DEBUG, &off);
			}
			break;
		case KVM_EXIT_FAIL_ENTRY:
			vcpu_dump(v, "VM entry failed");
			status = VMM_EXIT_KVM;
			break;
		case KVM_EXIT_INTERNAL_ERROR: {
			/* suberror 1 = emulation failure (api.rst, kvm_run.internal) */
			char why[96];
			snprintf(why, sizeof(why), "KVM internal error, suberror %u%s",
				 v->run->internal.suberror,
				 v->run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION
					 ? " (instruction emulation failed)"
					 : "");
			vcpu_dump(v, why);
			status = VMM_EXIT_KVM;
			break;
		}
		default: {
			char why[64];
			snprintf(why, sizeof(why), "unhandled exit reason %u", reason);
			vcpu_dump(v, why);
			status = VMM_EXIT_KVM;
		}
		}
		if (status >= 0) {
			vm_stop(vm, status);
			break;
		}
	}
	/* a guest that ran out of time is usually stuck: show where */
	if (atomic_load(&vm->exit_status) == VMM_EXIT_TIMEOUT)
		vcpu_dump(v, "where it was at --timeout");
	v->st.ns_total = vm_now_ns(vm) - start;
	if (vm->dbg)
		pause_vcpu_exited(v);
	return 0;
}

static void vcpu_kick_handler(int sig)
{
	(void)sig; /* only interrupts KVM_RUN (immediate_exit is set too) */
}

static int vcpu_spawn_all(struct vm *vm)
{
	struct sigaction sa = {.sa_handler = vcpu_kick_handler};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, 0);
	/* SIGINT/SIGTERM are blocked in every thread from main's first line
	 * (the main thread reads them from a signalfd), inherited here */
	int rc = 0;
	for (unsigned i = 0; i < vm->ncpus && !rc; i++)
		rc = vmm_thread_start(&vm->vcpus[i].thread, vcpu_thread, &vm->vcpus[i]);
	if (rc) {
		vm_stop(vm, VMM_EXIT_HOST);
		return -rc;
	}
	return 0;
}

int vcpu_prestart_all(struct vm *vm)
{
	vm->prestarted = true;
	int rc = vcpu_spawn_all(vm);
	if (rc)
		vmm_errorf("vmm: starting the vCPU threads: %s\n", strerror(-rc));
	return rc;
}

int vcpu_start_all(struct vm *vm)
{
	if (!vm->prestarted)
		return vcpu_spawn_all(vm);
	/* every thread confined (or gone, having stopped the VM) first: then
	 * the Landlock ruleset can close */
	vmm_count_wait(&vm->gate_ready, vm->ncpus);
	vmm_count_add(&vm->gate_open);
	return 0;
}

int vcpu_join_all(struct vm *vm, unsigned timeout_ms)
{
	struct timespec dl;
	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += timeout_ms / 1000;
	dl.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (dl.tv_nsec >= 1000000000L)
		dl.tv_sec++, dl.tv_nsec -= 1000000000L;
	int rc = 0;
	for (unsigned i = 0; i < vm->ncpus; i++) {
		if (!vm->vcpus[i].thread)
			continue;
		if (pthread_timedjoin_np(vm->vcpus[i].thread, 0, &dl)) {
			fprintf(stderr, "vmm: vCPU %u did not leave KVM_RUN within %u ms\n", i,
				timeout_ms);
			rc = -1;
		} else {
			vm->vcpus[i].thread = 0; /* joined: never again */
		}
	}
	return rc;
}
