/* SPDX-License-Identifier: MIT */
/*
 * vmm/io.h - port I/O and MMIO exits, dispatched through two tables of
 * address ranges that the owning files register (like HCALL, hcall.h):
 *     PIO_RANGE(PK_PORT_COM1, PK_PORT_COM1 + 7, com1_pio);
 *     MMIO_RANGE(0xfed00000, 0xfed003ff, hpet_mmio);
 * A port nobody claims ignores writes and reads all-ones (an absent ISA
 * device); an MMIO access nobody claims does the same, with a counted
 * warning, instead of stopping the VM. The kvm_run fields are checked
 * (sizes, data_offset inside the run page) before a handler sees them, so
 * the dispatch also runs on a fake kvm_run without /dev/kvm (fuzz/pio.c).
 */
#ifndef PK_VMM_IO_H
#define PK_VMM_IO_H

#include <stdbool.h>
#include <stdint.h>

struct vcpu;

/* data: size * count bytes (OUT: what the guest wrote; IN: fill it).
 * Returns -1 to resume the vCPU or a vmm exit status. */
typedef int pio_fn(struct vcpu *v, uint16_t port, bool out, uint8_t *data, unsigned size,
		   unsigned count);
struct pio_range {
	uint16_t lo, hi; /* inclusive */
	uint32_t reserved;
	const char *name;
	pio_fn *fn;
};
#define PIO_RANGE(lo_, hi_, fn_)                                                                   \
	static const struct pio_range pio_range_##fn_                                              \
		__attribute__((used, section("pk_pio"), aligned(8))) = {(lo_), (hi_), 0, #fn_,     \
									fn_}

/* data: len (1..8) bytes at gpa. Returns -1 or a vmm exit status. */
typedef int mmio_fn(struct vcpu *v, uint64_t gpa, bool write, uint8_t *data, unsigned len);
struct mmio_range {
	uint64_t lo, hi; /* inclusive */
	const char *name;
	mmio_fn *fn;
};
#define MMIO_RANGE(lo_, hi_, fn_)                                                                  \
	static const struct mmio_range mmio_range_##fn_                                            \
		__attribute__((used, section("pk_mmio"), aligned(8))) = {(lo_), (hi_), #fn_, fn_}

const struct pio_range *pio_find(uint16_t port);
const struct pio_range *pio_table(unsigned *n);
const struct mmio_range *mmio_find(uint64_t gpa);
const struct mmio_range *mmio_table(unsigned *n);

/* KVM_EXIT_IO / KVM_EXIT_MMIO of v->run (v->vm->run_size bytes). */
int io_exit(struct vcpu *v);
int mmio_exit(struct vcpu *v);

#endif
