/* SPDX-License-Identifier: MIT */
/*
 * bench/boot/floor.c - the floor for "boot-to-exit": the least a KVM
 * loader can do. One memory slot, identity page tables (2 MiB pages), every
 * vCPU in long mode at a 3-instruction guest that writes port 0xf4; the
 * process exits on the first port write. No ELF, no checks, no hypercalls.
 * usage: floor [VCPUS] [MEM_MIB]
 */
#include <fcntl.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

static int vm_fd;
static uint8_t *ram;
static size_t run_size;

static void die(const char *what)
{
	perror(what);
	exit(120);
}

static void *vcpu(void *arg)
{
	long id = (long)arg;
	int fd = ioctl(vm_fd, KVM_CREATE_VCPU, id);
	if (fd < 0)
		die("KVM_CREATE_VCPU");
	struct kvm_run *run = mmap(0, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	struct kvm_sregs s;
	ioctl(fd, KVM_GET_SREGS, &s);
	struct kvm_segment cs = {.limit = 0xffffffff,
				 .selector = 8,
				 .type = 11,
				 .present = 1,
				 .s = 1,
				 .l = 1,
				 .g = 1};
	struct kvm_segment ds = cs;
	ds.selector = 16, ds.type = 3, ds.l = 0, ds.db = 1;
	s.cs = cs;
	s.ds = s.es = s.fs = s.gs = s.ss = ds;
	s.cr0 = 0x80050033, s.cr3 = 0x1000, s.cr4 = 0x20, s.efer = 0x500;
	if (ioctl(fd, KVM_SET_SREGS, &s) < 0)
		die("KVM_SET_SREGS");
	struct kvm_regs r = {.rip = 0x100000, .rflags = 2};
	ioctl(fd, KVM_SET_REGS, &r);
	struct kvm_mp_state mp = {.mp_state = KVM_MP_STATE_RUNNABLE};
	ioctl(fd, KVM_SET_MP_STATE, &mp);
	for (;;) {
		if (ioctl(fd, KVM_RUN, 0) < 0)
			die("KVM_RUN");
		if (run->exit_reason == KVM_EXIT_IO && run->io.port == 0xf4)
			exit(0);
		if (run->exit_reason != KVM_EXIT_IO) {
			fprintf(stderr, "floor: vCPU %ld: exit reason %u\n", id, run->exit_reason);
			exit(121);
		}
	}
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 2;
	size_t mem = (size_t)(argc > 2 ? atol(argv[2]) : 64) << 20;
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		die("/dev/kvm");
	run_size = (size_t)ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	vm_fd = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm_fd < 0 || ioctl(vm_fd, KVM_CREATE_IRQCHIP, 0) < 0)
		die("KVM_CREATE_VM/IRQCHIP");
	ram = mmap(0, mem, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1,
		   0);
	struct kvm_userspace_memory_region reg = {.memory_size = mem,
						  .userspace_addr = (uint64_t)ram};
	if (ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION, &reg) < 0)
		die("KVM_SET_USER_MEMORY_REGION");
	uint64_t *pml4 = (uint64_t *)(ram + 0x1000), *pdpt = (uint64_t *)(ram + 0x2000);
	uint64_t *pd = (uint64_t *)(ram + 0x3000);
	pml4[0] = 0x2003, pdpt[0] = 0x3003;
	for (uint64_t i = 0; i < 512; i++)
		pd[i] = (i << 21) | 0x83;
	/* mov $0, %eax; out %eax, $0xf4; hlt */
	static const uint8_t code[] = {0xb8, 0, 0, 0, 0, 0xe7, 0xf4, 0xf4};
	memcpy(ram + 0x100000, code, sizeof(code));
	pthread_t t[256];
	for (long i = 0; i < n && i < 256; i++)
		pthread_create(&t[i], 0, vcpu, (void *)i);
	pthread_join(t[0], 0);
	return 0;
}
