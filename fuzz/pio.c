/* SPDX-License-Identifier: MIT */
/*
 * fuzz/pio.c - the port I/O and MMIO dispatch (vmm/io.c and the ranges
 * registered with PIO_RANGE/MMIO_RANGE) on a fake kvm_run: KVM's fields
 * come from the input, including the ones KVM would never send (sizes,
 * counts, data_offset pointing anywhere), so the checks in io.c are what
 * stands between them and the run page's end. The run page is an
 * exact-size heap block: ASan sees any access past it.
 *
 * Input: kind (1 byte: even = KVM_EXIT_IO, odd = KVM_EXIT_MMIO), then for
 * IO: direction (1), size (1), port (2), count (4), data_offset (4); for
 * MMIO: is_write (1), len (4), phys_addr (8); then data bytes (the IO data
 * at data_offset, or mmio.data; the rest is copied into guest RAM at
 * 0x10000 so a hypercall port write finds a request there).
 * Beyond "no crash": the status is "resume" or an exit code, an IN from a
 * port nobody claims reads all-ones, an unclaimed MMIO read too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/io.h"
#include "vmm/kvm.h"
#include "fake_vm.h"

#define FUZZ_RUN_SIZE 8192 /* a typical KVM_GET_VCPU_MMAP_SIZE: 2 pages */
#define FUZZ_RAM (4ull << 20)
#define FUZZ_BASE 0x10000ull

static struct vm vm;
static struct vcpu vcpu;
static struct vmm_opts opts;

static void fuzz_init(void)
{
	fake_vm_init(&vm, &vcpu, &opts, FUZZ_RAM);
	vm.run_size = FUZZ_RUN_SIZE;
}

static uint64_t take(const uint8_t **p, size_t *n, size_t len)
{
	uint64_t v = 0;
	size_t k = len < *n ? len : *n;
	memcpy(&v, *p, k);
	*p += k;
	*n -= k;
	return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!vm.mem.host)
		fuzz_init();
	struct kvm_run *run = malloc(FUZZ_RUN_SIZE);
	if (!run)
		return 0;
	memset(run, 0, FUZZ_RUN_SIZE);
	vcpu.run = run;
	const uint8_t *p = data;
	size_t n = size;
	int status, mmio = take(&p, &n, 1) & 1;
	if (!mmio) {
		run->exit_reason = KVM_EXIT_IO;
		run->io.direction = take(&p, &n, 1) & 1;
		run->io.size = (uint8_t)take(&p, &n, 1);
		run->io.port = (uint16_t)take(&p, &n, 2);
		run->io.count = (uint32_t)take(&p, &n, 4);
		run->io.data_offset = take(&p, &n, 4);
		/* the data KVM would have put there, where it fits */
		uint64_t off = run->io.data_offset;
		uint64_t len = (uint64_t)run->io.size * run->io.count;
		if (off >= sizeof(*run) && off < FUZZ_RUN_SIZE) {
			size_t k = FUZZ_RUN_SIZE - off < n ? FUZZ_RUN_SIZE - off : n;
			k = k < len ? k : len;
			memcpy((uint8_t *)run + off, p, k);
			p += k, n -= k;
		}
		int in = run->io.direction == KVM_EXIT_IO_IN;
		uint16_t port = run->io.port;
		size_t n_ram = n < (1u << 16) ? n : (1u << 16);
		memcpy(vm.mem.host + FUZZ_BASE, p, n_ram);
		status = io_exit(&vcpu);
		int sane = (run->io.size == 1 || run->io.size == 2 || run->io.size == 4) &&
			   run->io.count && off <= FUZZ_RUN_SIZE && len <= FUZZ_RUN_SIZE - off;
		if (in && sane && !pio_find(port))
			for (uint64_t i = 0; i < len; i++)
				if (((uint8_t *)run)[off + i] != 0xff) {
					fprintf(stderr,
						"pio fuzz: IN from port 0x%x not all-ones\n", port);
					abort();
				}
	} else {
		run->exit_reason = KVM_EXIT_MMIO;
		run->mmio.is_write = take(&p, &n, 1) & 1;
		run->mmio.len = (uint32_t)take(&p, &n, 4);
		run->mmio.phys_addr = take(&p, &n, 8);
		memcpy(run->mmio.data, p, n < 8 ? n : 8);
		status = mmio_exit(&vcpu);
		if (!run->mmio.is_write && run->mmio.len && run->mmio.len <= 8 &&
		    !mmio_find(run->mmio.phys_addr))
			for (unsigned i = 0; i < run->mmio.len; i++)
				if (run->mmio.data[i] != 0xff) {
					fprintf(stderr,
						"pio fuzz: unclaimed MMIO read not all-ones\n");
					abort();
				}
	}
	if (status < -1 || status > 255)
		abort();
	free(run);
	return 0;
}
