/* SPDX-License-Identifier: MIT */
/*
 * fuzz/hcall.c - the hypercall decoder (vmm/hcall.c and every handler in
 * the HCALL table) over fake guest RAM: a 4 MiB guest_mem from vmm/mem.c
 * and a struct vm / vcpu with no KVM fds. Input: nr (1 byte), the
 * request's GPA (4 bytes, little-endian), then bytes copied into guest RAM
 * at FUZZ_BASE; seeds point the GPA and the request's pointers there.
 * Beyond "no crash": the status is "resume" or an exit code, and the vmm
 * writes nothing into guest RAM but ret and the call's OUT fields.
 * The guest's console output goes to /dev/null.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/hcall.h"
#include "vmm/kvm.h"
#include "fake_vm.h"

#define FUZZ_RAM (4ull << 20)
#define FUZZ_BASE 0x10000ull
#define FUZZ_MAX (64u << 10) /* input bytes placed in RAM, at most */

static struct vm vm;
static struct vcpu vcpu;
static struct vmm_opts opts;
static uint8_t *before;

static void fuzz_init(void)
{
	fake_vm_init(&vm, &vcpu, &opts, FUZZ_RAM);
	before = malloc(FUZZ_MAX);
	if (!before)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!vm.mem.host)
		fuzz_init();
	if (size < 5)
		return 0;
	unsigned nr = data[0];
	uint32_t gpa;
	memcpy(&gpa, data + 1, 4);
	size_t n = size - 5 < FUZZ_MAX ? size - 5 : FUZZ_MAX;
	uint8_t *ram = vm.mem.host + FUZZ_BASE;
	memset(ram, 0, FUZZ_MAX);
	memcpy(ram, data + 5, n);
	memcpy(before, ram, FUZZ_MAX);

	int status = hcall_dispatch(&vcpu, nr, gpa);
	if (status < -1 || status > 255)
		abort();

	/* only [gpa, gpa + 8) (ret) and the declared OUT fields may change */
	const struct hcall_def *d = hcall_find(nr);
	uint64_t lo = gpa, hi = (uint64_t)gpa + 8;
	if (d && d->out_off)
		hi = (uint64_t)gpa + d->size;
	int changed = memcmp(ram, before, FUZZ_MAX) != 0;
	for (uint64_t i = 0; changed && i < FUZZ_MAX; i++) {
		uint64_t a = FUZZ_BASE + i;
		if (ram[i] != before[i] && (a < lo || a >= hi)) {
			fprintf(stderr, "hcall fuzz: call %u at 0x%x changed guest byte 0x%llx\n",
				nr, gpa, (unsigned long long)a);
			abort();
		}
	}
	return 0;
}
