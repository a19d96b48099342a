/* SPDX-License-Identifier: MIT */
/* vmm/kvm.h - the VM and its vCPUs. */
#ifndef PK_VMM_KVM_H
#define PK_VMM_KVM_H

#include <linux/kvm.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "outdir.h"
#include "prog.h"
#include "share.h"
#include "vmm.h"

struct vcpu_stats {
	uint64_t exits[64]; /* by KVM_EXIT_* reason (clamped) */
	uint64_t hypercalls, io_exits;
	uint64_t ns_in_run, ns_total;
	uint64_t online_ns;	    /* cpu_online hypercall, ns since vmm start */
	uint64_t thread_ns, run_ns; /* its thread started, its first KVM_RUN */
};

struct vcpu {
	struct vm *vm;
	unsigned index;
	int fd;
	struct kvm_run *run;
	pthread_t thread;
	struct vcpu_stats st;
	int stats_fd; /* KVM_GET_STATS_FD with --stats (kvm_stats.h) */
};

struct vm {
	int kvm_fd, vm_fd;
	int vm_tid; /* the thread that made the VM: KVM names its debugfs TID-FD */
	size_t run_size;
	const struct vmm_opts *opts;
	struct guest_mem mem;
	struct elf_image img;
	struct vm_prog prog; /* vmm PROGRAM ARGS...: what the guest reads (prog.h) */
	struct vcpu *vcpus;
	unsigned ncpus;
	struct vm_dbg *dbg;	  /* gdb stub / monitor state (dbg.h), NULL without */
	struct kvm_cpuid2 *cpuid; /* KVM_GET_SUPPORTED_CPUID, patched per vCPU */
	uint64_t tsc_khz;
	struct timespec t0;	/* vmm start */
	atomic_int stopping;	/* set once; vCPU threads leave KVM_RUN */
	atomic_int exit_status; /* -1 while running */
	atomic_ulong hc_warnings;
	atomic_uint cpus_online;    /* vCPUs that made the cpu_online hypercall */
	atomic_ulong all_online_ns; /* when the last of them did (0: not yet) */
	struct outdir out;	    /* --out DIR (outdir.h) */
	struct shares shares;	    /* --share HOST:GUEST[:ro] (share.h) */
	struct vnet *net;	    /* --net: the virtio-net device (virtio_net.c), NULL without */
	int stop_fd;		    /* eventfd: vm_stop wakes the main thread (main_wait) */
	int sig_fd;		    /* signalfd: SIGINT/SIGTERM, blocked in every thread */
	int elf_fd;		    /* the ELF, pre-opened: crash-dump symbols under the sandbox */
	const char *kernel_path; /* that ELF: the kernel (PROGRAM's --kernel, or the ELF given) */
	int smaps_fd;		 /* /proc/self/smaps, pre-opened with -v */
	int stats_fd;		 /* the VM's KVM_GET_STATS_FD with --stats */
	long host_cpus;		 /* online host CPUs, for pinning vCPU threads */
	/* vCPU threads started while main still sets up (vcpu_prestart_all)
	 * confine themselves, count in at gate_ready and wait for gate_open */
	struct vmm_count gate_ready, gate_open;
	bool prestarted;
	uint64_t t_mem_ns, t_copied_ns, t_elf_ns, t_kvm_ns, t_vm_ns, t_made_ns, t_vcpus_ns,
		t_sandbox_ns, t_start_ns, t_exit_ns, t_collapse_ns;
};

uint64_t vm_now_ns(const struct vm *vm);

int kvm_open(struct vm *vm);
/* The VM with its irqchip, TSC rate and supported CPUID: no guest RAM
 * needed, so it starts before the RAM is mapped (main.c) */
int kvm_create_vm(struct vm *vm);
/* The memory slots over vm->mem */
int kvm_set_memory(struct vm *vm);
/* The vCPUs with their CPUID (needs no ELF: made ahead, main.c), then
 * their registers at the ELF's entry. */
int kvm_create_vcpus(struct vm *vm);
int kvm_init_vcpus(struct vm *vm);
/* Set the status (first caller wins) and kick every vCPU out of KVM_RUN. */
void vm_stop(struct vm *vm, int status);

/* cpuid.c: the CPUID the guest sees on vCPU `index`. */
int cpuid_setup(struct vm *vm, struct vcpu *v);
/* KVM's supported leaf fn (subleaf idx) in vm->cpuid, or NULL */
const struct kvm_cpuid_entry2 *cpuid_leaf(const struct vm *vm, uint32_t fn, uint32_t idx);

/* vcpu.c */
int vcpu_start_all(struct vm *vm);
/* From the VM thread, once the vCPUs exist: their threads start now, pin
 * and confine themselves (sandbox_thread_confine) while main sets up,
 * then wait until vcpu_start_all lets them into KVM_RUN. */
int vcpu_prestart_all(struct vm *vm);
/* Join the vCPU threads; -1 when one has not stopped within timeout_ms. */
int vcpu_join_all(struct vm *vm, unsigned timeout_ms);

/* hcall.c: port-I/O exits in the hypercall range; returns -1 to resume the
 * vCPU or a vmm exit status (exit/abort). */
int hcall_dispatch(struct vcpu *v, unsigned nr, uint32_t gpa);

#endif
