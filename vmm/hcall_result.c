/* SPDX-License-Identifier: MIT */
/*
 * vmm/hcall_result.c - result_write: a named blob from the guest becomes
 * the file NAME in --out. Name and contents are copied out of guest RAM
 * once; the name is checked on the copy and only the copy is used; the
 * file is made beneath the --out directory fd (outdir.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hcall.h"
#include "kvm.h"
#include "outdir.h"

static int name_ok(const char *s, uint64_t n)
{
	if (!n || n > PK_HC_NAME_MAX || (n == 1 && s[0] == '.') || (n == 2 && !memcmp(s, "..", 2)))
		return 0;
	for (uint64_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '.' || s[i] == '_' || s[i] == '-'))
			return 0;
	return 1;
}

static int64_t hc_result_write(struct vcpu *v, struct pk_hc_result_write *req, int *stop)
{
	(void)stop;
	struct vm *vm = v->vm;
	if (req->name_len > PK_HC_NAME_MAX || req->len > PK_HC_RESULT_MAX)
		return PK_HC_EINVAL;
	char name[PK_HC_NAME_MAX];
	if (mem_copy_in(&vm->mem, req->name, req->name_len, name) < 0 ||
	    !mem_ptr(&vm->mem, req->data, req->len))
		return PK_HC_EFAULT;
	if (!name_ok(name, req->name_len))
		return PK_HC_EINVAL;
	if (!vm->opts->out_dir)
		return 0; /* no --out: results are dropped, as documented */
	void *data = malloc(req->len ? req->len : 1);
	if (!data)
		return PK_HC_EIO;
	int rc = mem_copy_in(&vm->mem, req->data, req->len, data);
	if (rc == 0) /* beneath the --out directory fd, checked and capped */
		rc = outdir_write(vm, name, req->name_len, data, req->len);
	free(data);
	if (rc == -EFAULT)
		return PK_HC_EFAULT;
	return rc < 0 ? PK_HC_EIO : 0; /* outdir_write named the file and the reason */
}
HCALL(PK_HC_RESULT_WRITE, struct pk_hc_result_write, hc_result_write);
