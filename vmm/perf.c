/* SPDX-License-Identifier: MIT */
/*
 * vmm/perf.c - vmm-side sampling and the record file (perf.h).
 *
 * Why a signal and immediate_exit: a vCPU thread spends its life inside
 * KVM_RUN, where only a signal gets it out; a signal that lands while the
 * thread is outside KVM_RUN (handling an exit) would be lost, so the kick
 * also sets kvm_run.immediate_exit, which makes the next KVM_RUN return
 * EINTR at once (KVM api.rst, "immediate_exit"). SIGUSR1 is the vmm's kick
 * signal already (vcpu.c installs an empty handler for it).
 */
#include "cli.h"
#include "perf.h"

#include "lib/mmu/mmu_translate.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "lib/elfsym/elfsym.h"
#include "lib/perf_chain/perf_chain.h"
#include "proto/perf.h"
#include "hcall.h"
#include "kvm.h"
#include "sandbox.h"

VMM_OPTION(perf, .name = "perf", .arg = "FILE", VMM_STRING(perf_file),
	   .help = "profile: samples + guest perf records to FILE");

VMM_OPTION(perf_freq, .name = "perf-freq", .arg = "HZ",
	   VMM_UINT(perf_hz, 0, 100000, "0..100000 Hz"),
	   .help = "vmm-side sampling rate with --perf (default 1000, 0 = off)");

struct perf_buf {
	pthread_mutex_t lock;
	uint8_t *data;
	size_t len, cap;
	uint64_t samples, lost;
};

static struct {
	int on;
	struct vm *vm;
	struct perf_buf *vcpu; /* one per vCPU: its own samples */
	struct perf_buf guest; /* perf_flush records */
	atomic_int *pending;   /* per vCPU: a sample is due */
	atomic_ullong total;   /* bytes buffered, all buffers */
	atomic_int stop, closed;
	atomic_uint sources;
	pthread_t timer;
	int timer_running;
	int fd; /* FILE, opened before the guest runs so a bad path fails early */
	uint64_t elf_id, guest_elf_id;
	uint64_t prog_id; /* PROGRAM's .text hash when a program runs */
	uint32_t guest_tsc_khz, guest_hz;
} perf;

uint64_t perf_elf_text_id(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	uint64_t id = elf_text_id_fd(fd);
	close(fd);
	return id;
}

static int buf_append(struct perf_buf *b, const void *rec, size_t len)
{
	int rc = 0;
	pthread_mutex_lock(&b->lock);
	if (atomic_load(&perf.closed) || atomic_load(&perf.total) + len > PERF_BUF_LIMIT) {
		rc = -ENOSPC;
	} else {
		if (b->len + len > b->cap) {
			size_t cap = b->cap ? b->cap * 2 : 64 * 1024;
			while (cap < b->len + len)
				cap *= 2;
			uint8_t *p = realloc(b->data, cap);
			if (!p)
				rc = -ENOMEM;
			else
				b->data = p, b->cap = cap;
		}
		if (!rc) {
			memcpy(b->data + b->len, rec, len);
			b->len += len;
			atomic_fetch_add(&perf.total, len);
		}
	}
	if (rc)
		b->lost++;
	pthread_mutex_unlock(&b->lock);
	return rc;
}

static void perf_report_pmu(struct vm *vm)
{
	/* CPUID 0Ah (SDM Vol 3B 20.2.1): EAX[7:0] version, [15:8] counters;
	 * AMD 8000_0001 ECX[23] PerfCtrCore, 8000_0022 PerfMonV2 (APM Vol 2
	 * 13.2). The vCPUs get these leaves as KVM_GET_SUPPORTED_CPUID says. */
	uint32_t ver = 0, gp = 0, amd_core = 0, amd_v2 = 0;
	for (uint32_t i = 0; i < vm->cpuid->nent; i++) {
		const struct kvm_cpuid_entry2 *e = &vm->cpuid->entries[i];
		if (e->function == 0xa)
			ver = e->eax & 0xff, gp = (e->eax >> 8) & 0xff;
		else if (e->function == 0x80000001)
			amd_core = (e->ecx >> 23) & 1;
		else if (e->function == 0x80000022)
			amd_v2 = e->eax & 1;
	}
	int cap = -1;
#ifdef KVM_CAP_PMU_CAPABILITY
	cap = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_PMU_CAPABILITY);
#endif
	if (vm->opts->verbose)
		fprintf(stderr,
			"vmm: perf: vPMU: arch perfmon v%u (%u counters), AMD PerfCtrCore %u, "
			"PerfMonV2 %u, KVM_CAP_PMU_CAPABILITY %d%s\n",
			ver, gp, amd_core, amd_v2, cap,
			!ver && !amd_core ? " - no PMU exposed: sampling by timer/vmm only" : "");
}

void perf_pmu_cpuid(struct vm *vm)
{
	int cap = -1;
#ifdef KVM_CAP_PMU_CAPABILITY
	/* KVM returns the valid KVM_PMU_CAP_* bits, or 0 when enable_pmu=0 */
	cap = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_PMU_CAPABILITY);
#endif
	if (cap != 0)
		return; /* PMU virtualized (or a kernel too old to say): pass through */
	for (uint32_t i = 0; i < vm->cpuid->nent; i++) {
		struct kvm_cpuid_entry2 *e = &vm->cpuid->entries[i];
		if (e->function == 0xa)
			e->eax = e->ebx = e->ecx = e->edx = 0; /* SDM 20.2.1: version 0 */
		else if (e->function == 0x80000001)
			e->ecx &= ~(1u << 23); /* PerfCtrCore (APM Vol 3 CPUID Fn8000_0001) */
		else if (e->function == 0x80000022)
			e->eax = e->ebx = e->ecx = e->edx = 0; /* no PerfMonV2 */
	}
}

int perf_init(struct vm *vm)
{
	const struct vmm_opts *o = vm->opts;
	if (!o->perf_file)
		return 0;
	perf.vm = vm;
	perf.fd = open(o->perf_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (perf.fd < 0) {
		int e = errno;
		fprintf(stderr, "vmm: --perf %s: %s\n", o->perf_file, strerror(e));
		return -e;
	}
	perf.vcpu = calloc(vm->ncpus, sizeof(*perf.vcpu));
	perf.pending = calloc(vm->ncpus, sizeof(*perf.pending));
	if (!perf.vcpu || !perf.pending)
		return -ENOMEM;
	for (unsigned i = 0; i < vm->ncpus; i++)
		pthread_mutex_init(&perf.vcpu[i].lock, 0);
	pthread_mutex_init(&perf.guest.lock, 0);
	/* the kernel's .text, not PROGRAM's: the guest hashes its own */
	perf.elf_id = vm->elf_fd >= 0 ? elf_text_id_fd(vm->elf_fd) : 0;
	/* and PROGRAM's, from the image the vmm already read (kperf -p) */
	perf.prog_id = vm->prog.image ? elf_text_id_mem(vm->prog.image, vm->prog.image_len) : 0;
	perf_report_pmu(vm);
	perf.on = 1;
	return 0;
}

static void *perf_timer(void *arg)
{
	struct vm *vm = arg;
	if (sandbox_thread_enter(SB_PERF) < 0) {
		vm_stop(vm, VMM_EXIT_SANDBOX);
		return 0;
	}
	uint64_t period = 1000000000ull / vm->opts->perf_hz;
	struct timespec next;
	clock_gettime(CLOCK_MONOTONIC, &next);
	while (!atomic_load(&perf.stop) && !atomic_load(&vm->stopping)) {
		next.tv_nsec += (long)period;
		while (next.tv_nsec >= 1000000000L) {
			next.tv_sec++;
			next.tv_nsec -= 1000000000L;
		}
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, 0);
		for (unsigned i = 0; i < vm->ncpus; i++) {
			struct vcpu *v = &vm->vcpus[i];
			atomic_store(&perf.pending[i], 1);
			v->run->immediate_exit = 1;
			pthread_kill(v->thread, SIGUSR1);
		}
	}
	return 0;
}

int perf_start(struct vm *vm)
{
	if (!perf.on || !vm->opts->perf_hz)
		return 0;
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	int rc = vmm_thread_start(&perf.timer, perf_timer, vm);
	pthread_sigmask(SIG_SETMASK, &old, 0);
	if (rc)
		return -rc;
	perf.timer_running = 1;
	return 0;
}

struct perf_read_ctx {
	const struct guest_mem *mem;
	uint64_t cr3;
};

static int perf_read_guest(void *ctx, uint64_t va, uint64_t *val)
{
	const struct perf_read_ctx *c = ctx;
	uint64_t pa, page;
	/* the walker the kernel, the gdb stub and the monitor use; every
	 * table is read through mem_ptr, so a wild CR3 just ends the walk */
	if (mmu_translate(c->cr3, va, mem_read_table, (void *)c->mem, &pa, &page) < 0)
		return -1;
	const uint64_t *p = mem_ptr(c->mem, pa, 8);
	if (!p)
		return -1;
	memcpy(val, p, 8);
	return 0;
}

static void perf_sample(struct vcpu *v)
{
	struct kvm_regs r;
	struct kvm_sregs s;
	if (ioctl(v->fd, KVM_GET_REGS, &r) < 0 || ioctl(v->fd, KVM_GET_SREGS, &s) < 0)
		return;
	struct {
		struct pk_perf_sample s;
		uint64_t frames[PK_PERF_MAX_DEPTH];
	} rec;
	memset(&rec.s, 0, sizeof(rec.s));
	rec.s.h.type = PK_PERF_REC_SAMPLE;
	rec.s.h.cpu = v->index;
	rec.s.tsc = vm_now_ns(v->vm);
	rec.s.rip = r.rip;
	rec.s.source = PK_PERF_SRC_VMM;
	/* a frame walk needs long mode with paging on (CR0.PG, EFER.LMA) */
	if ((s.cr0 & (1ull << 31)) && (s.efer & (1ull << 10))) {
		struct perf_read_ctx ctx = {&v->vm->mem, s.cr3};
		int trunc;
		rec.s.depth = (uint16_t)perf_chain_walk(r.rbp, perf_read_guest, &ctx, rec.frames,
							PK_PERF_MAX_DEPTH, &trunc);
		if (trunc)
			rec.s.flags |= PK_PERF_SAMPLE_TRUNCATED;
	}
	if ((s.cs.selector & 3) == 3)
		rec.s.flags |= PK_PERF_SAMPLE_USER;
	size_t len = sizeof(rec.s) + rec.s.depth * 8u;
	rec.s.h.size = (uint16_t)len;
	struct perf_buf *b = &perf.vcpu[v->index];
	if (buf_append(b, &rec, len) == 0)
		b->samples++;
}

void perf_vcpu_poll(struct vcpu *v)
{
	if (!perf.on)
		return;
	/* the kick's immediate_exit has done its job; vm_stop's must stay */
	if (v->run->immediate_exit && !atomic_load(&v->vm->stopping))
		v->run->immediate_exit = 0;
	if (!atomic_exchange(&perf.pending[v->index], 0))
		return;
	perf_sample(v);
}

/* Structural check of guest-supplied records before they are kept. */
static int perf_records_ok(const uint8_t *p, uint64_t len, unsigned *sources)
{
	uint64_t off = 0;
	while (off < len) {
		struct pk_perf_rec h;
		if (len - off < sizeof(h))
			return 0;
		memcpy(&h, p + off, sizeof(h));
		if (h.size < sizeof(h) || (h.size & 7) || h.size > len - off)
			return 0;
		if (h.type == PK_PERF_REC_SAMPLE && h.size >= sizeof(struct pk_perf_sample)) {
			uint8_t src = p[off + offsetof(struct pk_perf_sample, source)];
			if (src < PK_PERF_SRC_COUNT)
				*sources |= 1u << src;
		}
		off += h.size;
	}
	return 1;
}

/* The perf_flush hypercall: the records are copied out of guest RAM once,
 * checked on the copy, and the copy is what goes into the file. */
static int64_t perf_hc_flush(struct vcpu *v, struct pk_hc_perf_flush *req, int *stop)
{
	(void)stop;
	if (req->len > PK_HC_PERF_MAX)
		return PK_HC_EINVAL;
	if (!mem_ptr(&v->vm->mem, req->data, req->len))
		return PK_HC_EFAULT;
	if (!perf.on) {
		/* no --perf: dropped, as documented, but say so once */
		static atomic_int told;
		if (!atomic_exchange(&told, 1))
			fprintf(stderr,
				"vmm: the guest's perf records are dropped: no --perf FILE\n");
		return 0;
	}
	uint8_t *rec = malloc(req->len ? req->len : 1);
	if (!rec)
		return PK_HC_EIO;
	int64_t ret = PK_HC_EFAULT;
	unsigned src = 0;
	if (mem_copy_in(&v->vm->mem, req->data, req->len, rec) < 0)
		goto out;
	ret = PK_HC_EINVAL;
	if (!perf_records_ok(rec, req->len, &src))
		goto out;
	pthread_mutex_lock(&perf.guest.lock);
	if (req->tsc_khz)
		perf.guest_tsc_khz = req->tsc_khz;
	if (req->hz)
		perf.guest_hz = req->hz;
	if (req->elf_id)
		perf.guest_elf_id = req->elf_id;
	pthread_mutex_unlock(&perf.guest.lock);
	atomic_fetch_or(&perf.sources, src);
	ret = buf_append(&perf.guest, rec, req->len) ? PK_HC_EIO : 0;
out:
	free(rec);
	return ret;
}
HCALL(PK_HC_PERF_FLUSH, struct pk_hc_perf_flush, perf_hc_flush);

static int write_all(int fd, const void *p, size_t n)
{
	const uint8_t *b = p;
	while (n) {
		ssize_t w = write(fd, b, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

int perf_finish(struct vm *vm)
{
	if (!perf.on)
		return 0;
	atomic_store(&perf.stop, 1);
	if (perf.timer_running)
		pthread_join(perf.timer, 0);
	/* taking every lock once orders us after the last append */
	atomic_store(&perf.closed, 1);
	uint64_t vmm_samples = 0, lost = perf.guest.lost;
	for (unsigned i = 0; i < vm->ncpus; i++) {
		pthread_mutex_lock(&perf.vcpu[i].lock);
		pthread_mutex_unlock(&perf.vcpu[i].lock);
		vmm_samples += perf.vcpu[i].samples;
		lost += perf.vcpu[i].lost;
	}
	pthread_mutex_lock(&perf.guest.lock);
	pthread_mutex_unlock(&perf.guest.lock);
	unsigned sources = atomic_load(&perf.sources);
	if (vmm_samples)
		sources |= 1u << PK_PERF_SRC_VMM;
	struct pk_perf_header h = {
		.magic = PK_PERF_MAGIC,
		.version = PK_PERF_VERSION,
		.header_size = sizeof(h),
		.id_kind = perf.elf_id ? PK_PERF_ID_TEXT_FNV : PK_PERF_ID_NONE,
		.ncpus = vm->ncpus,
		.elf_id = perf.elf_id,
		.tsc_khz = perf.guest_tsc_khz ? perf.guest_tsc_khz : vm->tsc_khz,
		.sources = sources,
		.sample_hz = vm->opts->perf_hz ? vm->opts->perf_hz : perf.guest_hz,
		.prog_id = perf.prog_id,
	};
	if (perf.guest_elf_id && perf.elf_id && perf.guest_elf_id != perf.elf_id)
		fprintf(stderr, "vmm: perf: the guest's .text hash differs from %s's\n",
			vm->kernel_path);
	const char *path = vm->opts->perf_file;
	int fd = perf.fd;
	int rc = 0;
	if (write_all(fd, &h, sizeof(h)) < 0)
		rc = -errno;
	if (!rc && write_all(fd, perf.guest.data, perf.guest.len) < 0)
		rc = -errno;
	for (unsigned i = 0; i < vm->ncpus && !rc; i++)
		if (write_all(fd, perf.vcpu[i].data, perf.vcpu[i].len) < 0)
			rc = -errno;
	if (lost && !rc) {
		struct pk_perf_lost l = {{PK_PERF_REC_LOST, sizeof(l), 0}, lost};
		if (write_all(fd, &l, sizeof(l)) < 0)
			rc = -errno;
	}
	if (close(fd) < 0 && !rc)
		rc = -errno;
	if (rc)
		fprintf(stderr, "vmm: --perf %s: %s\n", path, strerror(-rc ? -rc : EIO));
	else
		fprintf(stderr,
			"vmm: perf: %lu vmm samples, %zu bytes of guest records, %lu lost -> %s\n",
			vmm_samples, perf.guest.len, lost, path);
	return rc;
}
