/* SPDX-License-Identifier: MIT */
/*
 * vmm/kvm.c - /dev/kvm, the VM (in-kernel irqchip so LAPIC timers, IPIs
 * and PMIs work), guest memory slots and vCPUs started in 64-bit mode.
 * KVM API: Documentation/virt/kvm/api.rst.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "dbg.h"
#include "proto/boot.h"
#include "kvm.h"

uint64_t vm_now_ns(const struct vm *vm)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)(t.tv_sec - vm->t0.tv_sec) * 1000000000ull + (uint64_t)t.tv_nsec -
	       (uint64_t)vm->t0.tv_nsec;
}

int kvm_open(struct vm *vm)
{
	vm->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm_fd < 0) {
		int e = errno;
		vmm_errorf(
			"vmm: /dev/kvm: %s. Enable virtualization in the firmware, load kvm-intel "
			"or kvm-amd, and check access to /dev/kvm (group kvm). Without KVM, "
			"`make run` boots the same vmm in the nested-KVM harness.\n",
			strerror(e));
		return -e;
	}
	int v = ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0);
	if (v != KVM_API_VERSION) {
		vmm_errorf("vmm: /dev/kvm: API version %d, this vmm needs %d\n", v,
			   KVM_API_VERSION);
		return -ENOTSUP;
	}
	static const struct {
		int cap;
		const char *name;
	} need[] = {
		{KVM_CAP_IRQCHIP, "KVM_CAP_IRQCHIP"},
		{KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY"},
		{KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID"},
		{KVM_CAP_MP_STATE, "KVM_CAP_MP_STATE"},
		{KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT"},
		{KVM_CAP_GET_TSC_KHZ, "KVM_CAP_GET_TSC_KHZ"},
	};
	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++)
		if (ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, need[i].cap) <= 0) {
			vmm_errorf("vmm: /dev/kvm lacks %s, which the vmm needs\n", need[i].name);
			return -ENOTSUP;
		}
	int sz = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (sz <= 0)
		return vmm_syserr("KVM_GET_VCPU_MMAP_SIZE");
	vm->run_size = (size_t)sz;
	return 0;
}

static int kvm_get_cpuid(struct vm *vm)
{
	for (int n = 128; n <= 4096; n *= 2) {
		struct kvm_cpuid2 *c =
			calloc(1, sizeof(*c) + (size_t)n * sizeof(struct kvm_cpuid_entry2));
		if (!c)
			return vmm_syserr("KVM_GET_SUPPORTED_CPUID buffer");
		c->nent = (uint32_t)n;
		if (ioctl(vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, c) == 0) {
			vm->cpuid = c;
			return 0;
		}
		int e = errno;
		free(c);
		if (e != E2BIG) {
			errno = e;
			return vmm_syserr("KVM_GET_SUPPORTED_CPUID");
		}
	}
	errno = E2BIG;
	return vmm_syserr("KVM_GET_SUPPORTED_CPUID: more than 4096 entries");
}

int kvm_create_vm(struct vm *vm)
{
	vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	if (vm->vm_fd < 0)
		return vmm_syserr("KVM_CREATE_VM");
	vm->vm_tid = gettid();
	/* Intel VMX needs these three pages for real-mode emulation (api.rst
	 * KVM_SET_TSS_ADDR); harmless elsewhere. Just below the 4 GiB top. */
	if (ioctl(vm->vm_fd, KVM_SET_TSS_ADDR, 0xfffbd000ul) < 0)
		return vmm_syserr("KVM_SET_TSS_ADDR");
	if (ioctl(vm->vm_fd, KVM_CREATE_IRQCHIP, 0) < 0)
		return vmm_syserr("KVM_CREATE_IRQCHIP");
	int khz = ioctl(vm->vm_fd, KVM_GET_TSC_KHZ, 0);
	vm->tsc_khz = khz > 0 ? (uint64_t)khz : 0;
	return kvm_get_cpuid(vm);
}

int kvm_set_memory(struct vm *vm)
{
	struct kvm_userspace_memory_region r = {
		.slot = 0,
		.guest_phys_addr = 0,
		.memory_size = vm->mem.low,
		.userspace_addr = (uint64_t)vm->mem.host,
	};
	if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0)
		return vmm_syserr("KVM_SET_USER_MEMORY_REGION (slot 0, %llu MiB)",
				  (unsigned long long)(vm->mem.low >> 20));
	if (vm->mem.high) {
		r.slot = 1;
		r.guest_phys_addr = MEM_HIGH_START;
		r.memory_size = vm->mem.high;
		r.userspace_addr = (uint64_t)(vm->mem.host + vm->mem.low);
		if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0)
			return vmm_syserr("KVM_SET_USER_MEMORY_REGION (slot 1, %llu MiB)",
					  (unsigned long long)(vm->mem.high >> 20));
	}
	return 0;
}

/* Long mode directly (SDM Vol 3A 10.8.5): the state the 64-bit entry of
 * docs/boot.md expects, with the selectors of proto/boot.h. */
static int vcpu_init_regs(struct vcpu *v)
{
	struct vm *vm = v->vm;
	struct kvm_sregs s;
	if (ioctl(v->fd, KVM_GET_SREGS, &s) < 0)
		return vmm_syserr("vCPU %u: KVM_GET_SREGS", v->index);
	struct kvm_segment code = {.base = 0,
				   .limit = 0xffffffff,
				   .selector = SEL_CODE64,
				   .type = 11,
				   .present = 1,
				   .dpl = 0,
				   .db = 0,
				   .s = 1,
				   .l = 1,
				   .g = 1};
	struct kvm_segment data = code;
	data.selector = SEL_DATA;
	data.type = 3;
	data.l = 0;
	data.db = 1;
	s.cs = code;
	s.ds = s.es = s.fs = s.gs = s.ss = data;
	s.tr = (struct kvm_segment){.limit = 0xffff, .type = 11, .present = 1};
	s.ldt = (struct kvm_segment){.type = 2, .present = 1, .limit = 0xffff};
	s.gdt.base = BOOT_GDT;
	s.gdt.limit = 8 * GDT_ENTRIES - 1;
	s.idt.base = 0;
	s.idt.limit = 0;
	s.cr0 = 0x80050033; /* PG, AM, WP, NE, ET, MP, PE */
	s.cr3 = BOOT_PML4;
	s.cr4 = 0x20;	/* PAE */
	s.efer = 0x500; /* LME, LMA */
	if (ioctl(v->fd, KVM_SET_SREGS, &s) < 0)
		return vmm_syserr("vCPU %u: KVM_SET_SREGS", v->index);
	struct kvm_regs r = {0};
	r.rip = vm->img.entry;
	r.rdi = BOOT_INFO;
	r.rsi = v->index;
	r.rflags = 0x2;
	if (ioctl(v->fd, KVM_SET_REGS, &r) < 0)
		return vmm_syserr("vCPU %u: KVM_SET_REGS", v->index);
	/* Enable the x87/SSE/AVX(-512) state the CPUID offers in XCR0 up front
	 * (KVM_SET_XCRS): under nested KVM on QEMU TCG the guest's own XSETBV
	 * never reaches KVM, which then reloads XCR0 = 1 on every entry. */
	const struct kvm_cpuid_entry2 *xsave = cpuid_leaf(vm, 0xd, 0);
	uint64_t xcr0 = xsave ? xsave->eax & 0xe7 : 0; /* x87 SSE AVX opmask ZMM */
	if ((xcr0 & 0xe0) != 0xe0)
		xcr0 &= 0x7;
	if ((xcr0 & 0x7) == 0x7 || xcr0 == 0x3) {
		struct kvm_xcrs x = {.nr_xcrs = 1, .xcrs = {{.xcr = 0, .value = xcr0}}};
		if (ioctl(v->fd, KVM_SET_XCRS, &x) < 0)
			return vmm_syserr("vCPU %u: KVM_SET_XCRS (XCR0 %#llx)", v->index,
					  (unsigned long long)xcr0);
	}
	/* The LAPIC in x2APIC mode already when the CPUID offers it (leaf 1
	 * ECX bit 21; SDM Vol 3A 11.12.1: IA32_APIC_BASE bit 10 with bit 11).
	 * A guest's own switch would make KVM rebuild its APIC map and kick
	 * every other vCPU out of guest mode, waiting for each: the APs spin
	 * at the entry meanwhile, and in the nested harness one such kick
	 * took 2.1 ms of a boot. Set here, before any vCPU runs, it waits for
	 * no one; the guest's write of the same value changes nothing. */
	const struct kvm_cpuid_entry2 *leaf1 = cpuid_leaf(vm, 1, 0);
	if (leaf1 && (leaf1->ecx >> 21) & 1) {
		struct {
			struct kvm_msrs h;
			struct kvm_msr_entry e;
		} m = {.h = {.nmsrs = 1},
		       .e = {.index = 0x1b, /* IA32_APIC_BASE */
			     .data = 0xfee00000ull | (1u << 11) | (1u << 10) |
				     (v->index == 0 ? 1u << 8 : 0)}}; /* BSP flag */
		if (ioctl(v->fd, KVM_SET_MSRS, &m) != 1)
			return vmm_syserr("vCPU %u: KVM_SET_MSRS (IA32_APIC_BASE, x2APIC)",
					  v->index);
	}
	/* with the in-kernel irqchip, APs would wait for INIT/SIPI: start all */
	struct kvm_mp_state mp = {.mp_state = KVM_MP_STATE_RUNNABLE};
	if (ioctl(v->fd, KVM_SET_MP_STATE, &mp) < 0)
		return vmm_syserr("vCPU %u: KVM_SET_MP_STATE", v->index);
	return 0;
}

int kvm_create_vcpus(struct vm *vm)
{
	vm->vcpus = calloc(vm->ncpus, sizeof(*vm->vcpus));
	if (!vm->vcpus)
		return vmm_syserr("%u vCPU structures", vm->ncpus);
	for (unsigned i = 0; i < vm->ncpus; i++) {
		struct vcpu *v = &vm->vcpus[i];
		v->vm = vm;
		v->index = i;
		v->fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, i);
		if (v->fd < 0)
			return vmm_syserr("KVM_CREATE_VCPU %u", i);
		v->run = mmap(0, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
		if (v->run == MAP_FAILED)
			return vmm_syserr("vCPU %u: mmap of kvm_run", i);
		int rc = cpuid_setup(vm, v);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int kvm_init_vcpus(struct vm *vm)
{
	for (unsigned i = 0; i < vm->ncpus; i++) {
		int rc = vcpu_init_regs(&vm->vcpus[i]);
		if (rc < 0)
			return rc;
	}
	return 0;
}

void vm_stop(struct vm *vm, int status)
{
	int expect = -1;
	atomic_compare_exchange_strong(&vm->exit_status, &expect, status);
	atomic_store(&vm->stopping, 1);
	for (unsigned i = 0; i < vm->ncpus; i++) {
		struct vcpu *v = &vm->vcpus[i];
		if (v->run)
			v->run->immediate_exit = 1;
		if (v->thread)
			pthread_kill(v->thread, SIGUSR1);
	}
	/* wake main_wait: one write, no lock (callable from anywhere) */
	uint64_t one = 1;
	if (vm->stop_fd >= 0 && write(vm->stop_fd, &one, sizeof(one)) < 0) {
		/* EAGAIN: the counter is already non-zero, main is awake */
	}
	if (vm->dbg)
		pause_wake(vm); /* vCPUs parked by a debugger leave too */
}
