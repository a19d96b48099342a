/* SPDX-License-Identifier: MIT */
/*
 * vmm/hcall_prog.c - prog_info and prog_read: the guest fetches the
 * program the vmm was given (vmm/prog.c). The blobs are the vmm's own,
 * fixed before the vCPUs start; the guest names only an offset, a length
 * and a destination, which mem_copy_out bounds against guest RAM. Nothing
 * is read from guest RAM but the request struct (copied by the dispatcher).
 */
#include "hcall.h"
#include "kvm.h"

static int64_t hc_prog_info(struct vcpu *v, struct pk_hc_prog_info *req, int *stop)
{
	(void)stop;
	const struct vm_prog *p = &v->vm->prog;
	req->image_len = p->image ? p->image_len : 0;
	req->args_len = p->image ? p->args_len : 0;
	req->argc = p->image ? p->argc : 0;
	req->envc = p->image ? p->envc : 0;
	req->flags = p->image ? p->flags : 0;
	req->reserved = 0;
	return 0;
}
HCALL_OUT(PK_HC_PROG_INFO, struct pk_hc_prog_info, hc_prog_info, image_len);

static int64_t hc_prog_read(struct vcpu *v, struct pk_hc_prog_read *req, int *stop)
{
	(void)stop;
	const struct vm_prog *p = &v->vm->prog;
	req->done = 0;
	const uint8_t *src;
	size_t size;
	if (req->what == PK_PROG_IMAGE) {
		src = p->image;
		size = p->image_len;
	} else if (req->what == PK_PROG_ARGS) {
		src = (const uint8_t *)p->args;
		size = p->args_len;
	} else {
		guest_warn(v, "prog_read: unknown blob %u", req->what);
		return PK_HC_EINVAL;
	}
	if (!src)
		return PK_HC_EINVAL; /* booted as a kernel: there is no program */
	if (req->len > PK_HC_PROG_READ_MAX || req->offset > size) {
		guest_warn(v, "prog_read: offset 0x%llx len 0x%llx outside the %zu-byte blob",
			   (unsigned long long)req->offset, (unsigned long long)req->len, size);
		return PK_HC_EINVAL;
	}
	uint64_t n = size - req->offset < req->len ? size - req->offset : req->len;
	if (mem_copy_out(&v->vm->mem, req->buf, n, src + req->offset) < 0) {
		guest_warn(v, "prog_read: buffer 0x%llx+0x%llx is not guest RAM",
			   (unsigned long long)req->buf, (unsigned long long)n);
		return PK_HC_EFAULT;
	}
	req->done = n;
	return 0;
}
HCALL_OUT(PK_HC_PROG_READ, struct pk_hc_prog_read, hc_prog_read, done);
