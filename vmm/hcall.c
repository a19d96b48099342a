/* SPDX-License-Identifier: MIT */
/*
 * vmm/hcall.c - the hypercall table (proto/hypercall.h). Every guest
 * address goes through mem_ptr() before it is touched; a bad number or
 * pointer gets an error code back and a counted warning, never a crash.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../proto/hypercall.h"
#include "kvm.h"
#include "perf.h"

static void hc_warn(struct vcpu *v, const char *fmt, unsigned nr, uint64_t a)
{
	unsigned long n = atomic_fetch_add(&v->vm->hc_warnings, 1) + 1;
	if (n <= 10 || v->vm->opts->verbose) {
		fprintf(stderr, "vmm: vCPU %u: hypercall %u: ", v->index, nr);
		fprintf(stderr, fmt, (unsigned long long)a);
		fprintf(stderr, " (warning %lu)\n", n);
	}
}

static int64_t hc_console(struct vcpu *v, struct pk_hc_console_write *a)
{
	if (a->len > PK_HC_CONSOLE_MAX)
		return PK_HC_EINVAL;
	const void *p = mem_ptr(&v->vm->mem, a->data, a->len);
	if (!p)
		return PK_HC_EFAULT;
	fwrite(p, 1, a->len, stdout);
	fflush(stdout);
	return 0;
}

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

static int64_t hc_result(struct vcpu *v, struct pk_hc_result_write *a)
{
	const char *name = mem_ptr(&v->vm->mem, a->name, a->name_len);
	const void *data = a->len <= PK_HC_RESULT_MAX ? mem_ptr(&v->vm->mem, a->data, a->len) : 0;
	if (!name || !data)
		return PK_HC_EFAULT;
	if (!name_ok(name, a->name_len))
		return PK_HC_EINVAL;
	/* beneath the --out directory fd, checked and capped (outdir.c) */
	return outdir_write(v->vm, name, a->name_len, data, a->len) ? PK_HC_EIO : 0;
}

int hcall_dispatch(struct vcpu *v, unsigned nr, uint32_t gpa)
{
	static const size_t sizes[PK_HC_COUNT] = {
		[PK_HC_CONSOLE_WRITE] = sizeof(struct pk_hc_console_write),
		[PK_HC_EXIT] = sizeof(struct pk_hc_exit),
		[PK_HC_CPU_ONLINE] = sizeof(struct pk_hc_cpu_online),
		[PK_HC_TIME_INFO] = sizeof(struct pk_hc_time_info),
		[PK_HC_PERF_FLUSH] = sizeof(struct pk_hc_perf_flush),
		[PK_HC_RESULT_WRITE] = sizeof(struct pk_hc_result_write),
		[PK_HC_ABORT] = sizeof(struct pk_hc_abort),
	};
	struct vm *vm = v->vm;
	void *req = nr < PK_HC_COUNT ? mem_ptr(&vm->mem, gpa, sizes[nr]) : 0;
	if (!req) {
		hc_warn(v,
			nr < PK_HC_COUNT ? "struct at 0x%llx is outside guest RAM"
					 : "unknown number (struct at 0x%llx)",
			nr, gpa);
		struct pk_hc_hdr *h = mem_ptr(&vm->mem, gpa, sizeof(*h));
		if (h)
			h->ret = nr < PK_HC_COUNT ? PK_HC_EFAULT : PK_HC_ENOSYS;
		return -1;
	}
	struct pk_hc_hdr *h = req;
	int64_t ret = 0;
	switch (nr) {
	case PK_HC_CONSOLE_WRITE:
		ret = hc_console(v, req);
		break;
	case PK_HC_EXIT:
		return (int)(((struct pk_hc_exit *)req)->code & 0xff);
	case PK_HC_CPU_ONLINE:
		v->st.online_ns = vm_now_ns(vm);
		break;
	case PK_HC_TIME_INFO: {
		struct pk_hc_time_info *t = req;
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		t->tsc_khz = vm->tsc_khz;
		t->host_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
		t->boot_ns = vm_now_ns(vm);
		break;
	}
	case PK_HC_PERF_FLUSH:
		ret = perf_hc_flush(v, req);
		break;
	case PK_HC_RESULT_WRITE:
		ret = hc_result(v, req);
		break;
	case PK_HC_ABORT: {
		struct pk_hc_abort *a = req;
		const char *msg =
			a->msg_len <= PK_HC_CONSOLE_MAX ? mem_ptr(&vm->mem, a->msg, a->msg_len) : 0;
		fprintf(stderr, "vmm: guest abort on vCPU %u: %.*s\n", v->index,
			msg ? (int)a->msg_len : 0, msg ? msg : "");
		return VMM_EXIT_ABORT;
	}
	default:
		ret = PK_HC_ENOSYS;
	}
	if (ret)
		hc_warn(v, "failed for struct at 0x%llx", nr, gpa);
	h->ret = ret;
	return -1;
}
