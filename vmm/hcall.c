/* SPDX-License-Identifier: MIT */
/*
 * vmm/hcall.c - the hypercall ports and dispatcher (rules in hcall.h).
 * The request is copied out of guest RAM exactly once, here; a bad number
 * or pointer gets an error code back and a counted warning, never a crash.
 */
#include "hcall.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "io.h"
#include "kvm.h"

/* GNU ld defines these around the pk_hcall entries (HCALL in hcall.h);
 * weak so that a program linking none of them gets an empty table. */
extern const struct hcall_def __start_pk_hcall[] __attribute__((weak));
extern const struct hcall_def __stop_pk_hcall[] __attribute__((weak));

const struct hcall_def *hcall_table(size_t *n)
{
	*n = __start_pk_hcall ? (size_t)(__stop_pk_hcall - __start_pk_hcall) : 0;
	return __start_pk_hcall;
}

const struct hcall_def *hcall_find(unsigned nr)
{
	size_t n;
	const struct hcall_def *t = hcall_table(&n);
	for (size_t i = 0; i < n; i++)
		if (t[i].nr == nr)
			return &t[i];
	return 0;
}

void guest_warn(struct vcpu *v, const char *fmt, ...)
{
	unsigned long n = atomic_fetch_add(&v->vm->hc_warnings, 1) + 1;
	if (n > 10 && !v->vm->opts->verbose)
		return;
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "vmm: vCPU %u: %s (warning %lu)\n", v->index, msg, n);
}

int hcall_exit_status(struct vcpu *v, uint64_t code, const char *via)
{
	unsigned c = (unsigned)(code & 0xff);
	if (c < VMM_EXIT_RESERVED_LO || c > VMM_EXIT_RESERVED_HI)
		return (int)c;
	fprintf(stderr,
		"vmm: vCPU %u: the guest asked to exit with %u (%s); %d-%d are the vmm's own "
		"codes, so the exit status is %d\n",
		v->index, c, via, VMM_EXIT_RESERVED_LO, VMM_EXIT_RESERVED_HI,
		VMM_EXIT_GUEST_RESERVED);
	return VMM_EXIT_GUEST_RESERVED;
}

int hcall_dispatch(struct vcpu *v, unsigned nr, uint32_t gpa)
{
	const struct guest_mem *mem = &v->vm->mem;
	const struct hcall_def *d = hcall_find(nr);
	int64_t ret;
	if (!d) {
		guest_warn(v, "hypercall %u: unknown number (struct at 0x%x)", nr, gpa);
		ret = PK_HC_ENOSYS;
		mem_copy_out(mem, gpa, sizeof(ret), &ret); /* when the header is RAM */
		return -1;
	}
	/* the vmm's copy of the request: the only read of the struct */
	_Alignas(8) uint8_t req[HCALL_REQ_MAX];
	if (mem_copy_in(mem, gpa, d->size, req) < 0) {
		guest_warn(v, "hypercall %u (%s): struct at 0x%x is outside guest RAM", nr, d->name,
			   gpa);
		ret = PK_HC_EFAULT;
		mem_copy_out(mem, gpa, sizeof(ret), &ret);
		return -1;
	}
	int stop = -1;
	ret = d->fn(v, req, &stop);
	if (stop >= 0)
		return stop;
	if (ret && !(d->flags & HCALL_F_ANSWERS))
		guest_warn(v, "hypercall %u (%s) failed (%lld) for struct at 0x%x", nr, d->name,
			   (long long)ret, gpa);
	/* written once each, from the copy: ret, then the declared OUT fields */
	mem_copy_out(mem, gpa, sizeof(ret), &ret);
	if (d->out_off)
		mem_copy_out(mem, gpa + d->out_off, d->size - d->out_off, req + d->out_off);
	return -1;
}

/* The hypercall ports: one 32-bit OUT carrying the request's GPA. */
static int hcall_pio(struct vcpu *v, uint16_t port, bool out, uint8_t *data, unsigned size,
		     unsigned count)
{
	if (!out || size != 4 || count != 1) {
		guest_warn(v, "port 0x%x: a hypercall is one 32-bit OUT, not %s of %u x %u bytes",
			   port, out ? "an OUT" : "an IN", count, size);
		if (!out)
			memset(data, 0xff, (size_t)size * count);
		return -1;
	}
	uint32_t gpa;
	memcpy(&gpa, data, 4);
	v->st.hypercalls++;
	return hcall_dispatch(v, port - PK_HC_PORT_BASE, gpa);
}
PIO_RANGE(PK_HC_PORT_BASE, PK_HC_PORT_BASE + PK_HC_PORT_COUNT - 1, hcall_pio);
