/* SPDX-License-Identifier: MIT */
/*
 * vmm/io.c - KVM_EXIT_IO and KVM_EXIT_MMIO through the range tables of
 * io.h. KVM fills kvm_run (api.rst, "KVM_EXIT_IO": data at data_offset in
 * the run mapping, size * count bytes; "KVM_EXIT_MMIO": len <= 8 bytes in
 * mmio.data); the fields are checked before any handler sees them.
 */
#include "io.h"

#include <string.h>

#include "hcall.h"
#include "kvm.h"

/* GNU ld's section brackets (io.h); weak: a program may link no range of a kind */
extern const struct pio_range __start_pk_pio[] __attribute__((weak));
extern const struct pio_range __stop_pk_pio[] __attribute__((weak));
extern const struct mmio_range __start_pk_mmio[] __attribute__((weak));
extern const struct mmio_range __stop_pk_mmio[] __attribute__((weak));

const struct pio_range *pio_table(unsigned *n)
{
	*n = __start_pk_pio ? (unsigned)(__stop_pk_pio - __start_pk_pio) : 0;
	return __start_pk_pio;
}

const struct mmio_range *mmio_table(unsigned *n)
{
	*n = __start_pk_mmio ? (unsigned)(__stop_pk_mmio - __start_pk_mmio) : 0;
	return __start_pk_mmio;
}

const struct pio_range *pio_find(uint16_t port)
{
	unsigned n;
	const struct pio_range *t = pio_table(&n);
	for (unsigned i = 0; i < n; i++)
		if (port >= t[i].lo && port <= t[i].hi)
			return &t[i];
	return 0;
}

const struct mmio_range *mmio_find(uint64_t gpa)
{
	unsigned n;
	const struct mmio_range *t = mmio_table(&n);
	for (unsigned i = 0; i < n; i++)
		if (gpa >= t[i].lo && gpa <= t[i].hi)
			return &t[i];
	return 0;
}

int io_exit(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	size_t run_size = v->vm->run_size;
	unsigned size = run->io.size, count = run->io.count;
	uint64_t off = run->io.data_offset;
	uint16_t port = run->io.port;
	bool out = run->io.direction == KVM_EXIT_IO_OUT;
	v->st.io_exits++;
	/* 1, 2 or 4 bytes per access (in/out, ins/outs); the data inside the
	 * run mapping */
	if ((size != 1 && size != 2 && size != 4) || count == 0 || off > run_size ||
	    (uint64_t)size * count > run_size - off) {
		guest_warn(v, "port 0x%x: bad KVM_EXIT_IO (size %u, count %u, data_offset %llu)",
			   port, size, count, (unsigned long long)off);
		return -1;
	}
	uint8_t *data = (uint8_t *)run + off;
	const struct pio_range *r = pio_find(port);
	if (r)
		return r->fn(v, port, out, data, size, count);
	if (!out) /* no device: the ISA bus floats high */
		memset(data, 0xff, (size_t)size * count);
	return -1; /* PIC, PIT, POST codes...: writes ignored */
}

int mmio_exit(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	uint64_t gpa = run->mmio.phys_addr;
	unsigned len = run->mmio.len;
	bool write = run->mmio.is_write;
	if (len == 0 || len > sizeof(run->mmio.data)) {
		guest_warn(v, "MMIO at 0x%llx: bad KVM_EXIT_MMIO (len %u)", (unsigned long long)gpa,
			   len);
		return -1;
	}
	const struct mmio_range *r = mmio_find(gpa);
	if (r)
		return r->fn(v, gpa, write, run->mmio.data, len);
	guest_warn(v, "MMIO %s of %u bytes at 0x%llx: no device there (%s)",
		   write ? "write" : "read", len, (unsigned long long)gpa,
		   write ? "ignored" : "reads all-ones");
	if (!write)
		memset(run->mmio.data, 0xff, len);
	return -1;
}
