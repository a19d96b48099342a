/* SPDX-License-Identifier: MIT */
/*
 * vmm/hcall.h - the hypercall table (proto/hypercall.h) and the rules
 * every handler follows (docs/vmm-security.md): the dispatcher copies the
 * request struct out of guest RAM once; the handler works on that copy,
 * copies each embedded buffer once (mem_copy_in), checks the copy and uses
 * only the copy; the dispatcher writes `ret` (and the call's declared OUT
 * fields) back once. Guest RAM is never read twice.
 *
 * A new hypercall is one handler in its own file:
 *     static int64_t hc_frob(struct vcpu *v, struct pk_hc_frob *req, int *stop);
 *     HCALL(PK_HC_FROB, struct pk_hc_frob, hc_frob);
 * plus that file in vmm/CMakeLists.txt's vmm_calls list. HCALL puts an
 * entry into the linker section pk_hcall, which GNU ld brackets with
 * __start_pk_hcall / __stop_pk_hcall.
 */
#ifndef PK_VMM_HCALL_H
#define PK_VMM_HCALL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "proto/hypercall.h"

struct vcpu;
struct vm;

#define HCALL_REQ_MAX 64 /* bytes: the largest request struct */

/* req is the vmm's copy of the request. Returns 0 or a PK_HC_E* code for
 * `ret`; a handler that ends the VM sets *stop to the vmm exit status
 * (nothing is written back then). */
typedef int64_t hcall_fn(struct vcpu *v, void *req, int *stop);

struct hcall_def {
	uint32_t nr;
	uint32_t size;	  /* request bytes copied in */
	uint32_t out_off; /* OUT fields besides ret: bytes [out_off, size); 0 = none */
	uint32_t reserved;
	const char *name;
	hcall_fn *fn;
};

#define HCALL_DEFINE(nr_, type_, fn_, out_off_)                                                    \
	_Static_assert(sizeof(type_) <= HCALL_REQ_MAX, #type_ " exceeds HCALL_REQ_MAX");           \
	_Static_assert(offsetof(type_, hdr) == 0, #type_ " must start with pk_hc_hdr");            \
	static int64_t fn_##_entry(struct vcpu *v, void *req, int *stop)                           \
	{                                                                                          \
		return fn_(v, (type_ *)req, stop);                                                 \
	}                                                                                          \
	static const struct hcall_def hcall_def_##fn_                                              \
		__attribute__((used, section("pk_hcall"), aligned(8))) = {                         \
			(nr_), sizeof(type_), (out_off_), 0, #fn_, fn_##_entry}

/* IN-only request (the dispatcher writes `ret` back) */
#define HCALL(nr, type, fn) HCALL_DEFINE(nr, type, fn, 0)
/* the fields from `field` to the struct's end are OUT as well */
#define HCALL_OUT(nr, type, fn, field) HCALL_DEFINE(nr, type, fn, offsetof(type, field))

/* The entry for nr, or NULL. */
const struct hcall_def *hcall_find(unsigned nr);
/* Every registered entry: *n of them. */
const struct hcall_def *hcall_table(size_t *n);

/* A counted warning about something the guest did: the first 10, all with
 * -v (vm->hc_warnings counts them). */
void guest_warn(struct vcpu *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The status for a guest's exit request (exit hypercall, port 0xf4): its
 * low 8 bits, except that a code the vmm reserves (120-127, proto/exit.h)
 * becomes VMM_EXIT_GUEST_RESERVED with a line on stderr naming it. */
int hcall_exit_status(struct vcpu *v, uint64_t code, const char *via);

/* console.c: guest bytes to the host's f through the sanitizer (control
 * bytes but \n \r \t shown as \xNN) unless --raw-console. */
void console_emit(const struct vm *vm, FILE *f, const void *buf, size_t n);

#endif
