/* SPDX-License-Identifier: MIT */
/*
 * vmm/hcall_vm.c - the hypercalls about the VM itself: exit, abort,
 * cpu_online, time_info; and port 0xf4, the other way to exit.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "proto/pc.h"
#include "hcall.h"
#include "io.h"
#include "kvm.h"

static int64_t hc_exit(struct vcpu *v, struct pk_hc_exit *req, int *stop)
{
	*stop = hcall_exit_status(v, req->code, "exit hypercall");
	return 0;
}
HCALL(PK_HC_EXIT, struct pk_hc_exit, hc_exit);

/* QEMU's isa-debug-exit port (proto/pc.h): the value written is the
 * guest's exit code here (QEMU itself exits with (value << 1) | 1). */
static int debug_exit_pio(struct vcpu *v, uint16_t port, bool out, uint8_t *data, unsigned size,
			  unsigned count)
{
	(void)port;
	if (!out) {
		memset(data, 0xff, (size_t)size * count);
		return -1;
	}
	uint32_t code = 0;
	memcpy(&code, data, size < 4 ? size : 4);
	return hcall_exit_status(v, code, "port 0xf4");
}
PIO_RANGE(PK_PORT_DEBUG_EXIT, PK_PORT_DEBUG_EXIT, debug_exit_pio);

static int64_t hc_abort(struct vcpu *v, struct pk_hc_abort *req, int *stop)
{
	*stop = VMM_EXIT_ABORT;
	uint64_t n = req->msg_len;
	uint8_t *msg = n <= PK_HC_CONSOLE_MAX ? malloc(n ? n : 1) : 0;
	int ok = msg && mem_copy_in(&v->vm->mem, req->msg, n, msg) == 0;
	if (ok) {
		const uint8_t *nul = memchr(msg, 0, n); /* a C string's NUL ends it */
		if (nul)
			n = (uint64_t)(nul - msg);
	}
	flockfile(stderr);
	fprintf(stderr, "vmm: guest abort on vCPU %u: ", v->index);
	if (ok)
		console_emit(v->vm, stderr, msg, n);
	else
		fprintf(stderr, "(message of %llu bytes at 0x%llx is not readable)",
			(unsigned long long)req->msg_len, (unsigned long long)req->msg);
	fputc('\n', stderr);
	funlockfile(stderr);
	free(msg);
	return 0;
}
HCALL(PK_HC_ABORT, struct pk_hc_abort, hc_abort);

static int64_t hc_cpu_online(struct vcpu *v, struct pk_hc_cpu_online *req, int *stop)
{
	(void)req, (void)stop;
	uint64_t now = vm_now_ns(v->vm);
	/* the first call per vCPU counts: a guest repeating it moves nothing */
	if (!v->st.online_ns && atomic_fetch_add(&v->vm->cpus_online, 1) + 1 == v->vm->ncpus)
		atomic_store(&v->vm->all_online_ns, now); /* main_wait: mem_collapse */
	v->st.online_ns = now;
	return 0;
}
HCALL(PK_HC_CPU_ONLINE, struct pk_hc_cpu_online, hc_cpu_online);

static int64_t hc_time_info(struct vcpu *v, struct pk_hc_time_info *req, int *stop)
{
	(void)stop;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	req->tsc_khz = v->vm->tsc_khz;
	req->host_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	req->boot_ns = vm_now_ns(v->vm);
	return 0;
}
HCALL_OUT(PK_HC_TIME_INFO, struct pk_hc_time_info, hc_time_info, tsc_khz);
