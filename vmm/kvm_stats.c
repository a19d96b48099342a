/* SPDX-License-Identifier: MIT */
/*
 * vmm/kvm_stats.c - what KVM itself counted, for --stats: the exits it
 * handled without us (NPT faults, CPUID, MSRs, HLT, interrupts), which the
 * vmm's own counters (KVM_EXIT_* reasons seen in user space) cannot show.
 *
 * KVM's binary statistics (Linux 5.14+, Documentation/virt/kvm/api.rst
 * 4.133 KVM_GET_STATS_FD): one fd per vCPU and one per VM, taken at setup
 * (the sandbox allows no ioctl on the VM afterwards), read with pread at
 * exit. The file is a header, an id string, descriptors (name, type, size
 * and an offset into the data block) and the data block of u64 values.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kvm.h"
#include "kvm_stats.h"

#define STATS_MAX_BYTES (1u << 20) /* far above 6.1's ~3 KiB per vCPU */

int kvm_stats_each(const uint8_t *buf, size_t len,
		   void (*fn)(const char *name, uint64_t value, void *arg), void *arg)
{
	struct kvm_stats_header h;
	if (len < sizeof(h))
		return -EINVAL;
	memcpy(&h, buf, sizeof(h));
	size_t dsz = sizeof(struct kvm_stats_desc) + h.name_size;
	if (!h.name_size || h.name_size > 256 || h.desc_offset > len ||
	    h.num_desc > (len - h.desc_offset) / dsz || h.data_offset > len)
		return -EINVAL;
	int n = 0;
	for (uint32_t i = 0; i < h.num_desc; i++) {
		struct kvm_stats_desc d;
		const uint8_t *p = buf + h.desc_offset + (size_t)i * dsz;
		memcpy(&d, p, sizeof(d));
		char name[257];
		memcpy(name, p + sizeof(d), h.name_size);
		name[h.name_size] = 0;
		unsigned type = d.flags & KVM_STATS_TYPE_MASK;
		/* one counter or gauge; histograms are left out of a one-line summary */
		if (d.size != 1 || type > KVM_STATS_TYPE_PEAK)
			continue;
		uint64_t at = (uint64_t)h.data_offset + d.offset, v;
		if (at + sizeof(v) > len)
			return -EINVAL;
		memcpy(&v, buf + at, sizeof(v));
		fn(name, v, arg);
		n++;
	}
	return n;
}

static int stats_fd(int fd)
{
	int s = ioctl(fd, KVM_GET_STATS_FD, 0);
	return s < 0 ? -1 : s;
}

void kvm_stats_open(struct vm *vm)
{
	vm->stats_fd = stats_fd(vm->vm_fd);
	for (unsigned i = 0; i < vm->ncpus; i++)
		vm->vcpus[i].stats_fd = stats_fd(vm->vcpus[i].fd);
	if (vm->stats_fd < 0)
		fprintf(stderr, "vmm: --stats: KVM_GET_STATS_FD: %s (no KVM counters)\n",
			strerror(errno));
	/* the VM is made off the main thread, so a script reading KVM's
	 * debugfs (kvm/PID-FD) cannot find it by the vmm's pid */
	fprintf(stderr, "vmm: --stats: KVM's debugfs names this VM %d-%d\n", vm->vm_tid, vm->vm_fd);
}

struct stats_line {
	FILE *f;
	unsigned printed;
};

static void stats_print_one(const char *name, uint64_t v, void *arg)
{
	struct stats_line *l = arg;
	if (!v)
		return;
	fprintf(l->f, "%s %s=%lu", l->printed++ ? "," : "", name, (unsigned long)v);
}

static void stats_print_fd(FILE *f, const char *what, int fd)
{
	if (fd < 0)
		return;
	uint8_t *buf = malloc(STATS_MAX_BYTES);
	ssize_t n = buf ? pread(fd, buf, STATS_MAX_BYTES, 0) : -1;
	struct stats_line l = {f, 0};
	fprintf(f, "  %s, as KVM counted (nonzero):", what);
	if (n < 0 || kvm_stats_each(buf, (size_t)n, stats_print_one, &l) < 0)
		fprintf(f, " unreadable");
	fprintf(f, "\n");
	free(buf);
}

void kvm_stats_print(struct vm *vm, FILE *f)
{
	char what[32];
	for (unsigned i = 0; i < vm->ncpus; i++) {
		snprintf(what, sizeof(what), "vCPU %u", i);
		stats_print_fd(f, what, vm->vcpus[i].stats_fd);
	}
	stats_print_fd(f, "VM", vm->stats_fd);
}
