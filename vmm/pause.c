/* SPDX-License-Identifier: MIT */
/*
 * vmm/pause.c - the one vCPU pause mechanism of the gdb stub and the
 * monitor (see dbg.h), and the KVM guest-debug state it loads.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "dbg.h"
#include "kvm.h"

#ifndef KVM_GUESTDBG_BLOCKIRQ
#define KVM_GUESTDBG_BLOCKIRQ 0x00100000 /* linux 5.15+; keeps IRQs out of a step */
#endif

int pause_init(struct vm *vm, bool start_paused)
{
	struct vm_dbg *d = calloc(1, sizeof(*d));
	if (!d)
		return vmm_syserr("debugger state");
	d->cpu = calloc(vm->ncpus, sizeof(*d->cpu));
	if (!d->cpu)
		return vmm_syserr("debugger state");
	pthread_mutex_init(&d->lock, 0);
	pthread_mutex_init(&d->owner, 0);
	pthread_cond_init(&d->cond, 0);
	atomic_init(&d->paused, start_paused);
	d->event_cpu = -1;
	d->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (d->wake_fd < 0)
		return vmm_syserr("debugger wake eventfd");
	/* KVM_CAP_SET_GUEST_DEBUG2 returns the supported control bits */
	int caps = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_SET_GUEST_DEBUG2);
	if (caps > 0 && (caps & KVM_GUESTDBG_BLOCKIRQ))
		d->guest_debug_extra = KVM_GUESTDBG_BLOCKIRQ;
	vm->dbg = d;
	return 0;
}

static void pause_kick(struct vm *vm, unsigned except)
{
	for (unsigned i = 0; i < vm->ncpus; i++) {
		struct vcpu *v = &vm->vcpus[i];
		if (i == except || !v->thread)
			continue;
		/* immediate_exit covers a kick that lands just before KVM_RUN */
		v->run->immediate_exit = 1;
		pthread_kill(v->thread, SIGUSR1);
	}
}

void pause_all(struct vm *vm)
{
	struct vm_dbg *d = vm->dbg;
	pthread_mutex_lock(&d->lock);
	atomic_store(&d->paused, 1);
	for (unsigned i = 0; i < vm->ncpus; i++)
		d->cpu[i].release = false;
	pthread_mutex_unlock(&d->lock);
	pause_kick(vm, ~0u);
	pthread_mutex_lock(&d->lock);
	while (d->parked < vm->ncpus && !atomic_load(&vm->stopping)) {
		/* re-kick now and then: a thread not yet started when we first
		 * kicked, or one that raced into KVM_RUN, is caught next time */
		struct timespec dl;
		clock_gettime(CLOCK_REALTIME, &dl);
		dl.tv_nsec += 50 * 1000000L;
		if (dl.tv_nsec >= 1000000000L) {
			dl.tv_sec++;
			dl.tv_nsec -= 1000000000L;
		}
		if (pthread_cond_timedwait(&d->cond, &d->lock, &dl) == ETIMEDOUT) {
			pthread_mutex_unlock(&d->lock);
			pause_kick(vm, ~0u);
			pthread_mutex_lock(&d->lock);
		}
	}
	pthread_mutex_unlock(&d->lock);
}

void pause_resume_all(struct vm *vm)
{
	struct vm_dbg *d = vm->dbg;
	pthread_mutex_lock(&d->lock);
	d->event_cpu = -1;
	atomic_store(&d->paused, 0);
	pthread_cond_broadcast(&d->cond);
	pthread_mutex_unlock(&d->lock);
}

void pause_wake(struct vm *vm)
{
	pthread_mutex_lock(&vm->dbg->lock);
	pthread_cond_broadcast(&vm->dbg->cond);
	pthread_mutex_unlock(&vm->dbg->lock);
}

void pause_step(struct vm *vm, unsigned idx)
{
	struct vm_dbg *d = vm->dbg;
	pthread_mutex_lock(&d->lock);
	d->event_cpu = -1;
	d->cpu[idx].release = true;
	pthread_cond_broadcast(&d->cond);
	pthread_mutex_unlock(&d->lock);
}

/* DR7 (SDM Vol 3B 18.2.4): L0-L3 enable bits 0,2,4,6; R/Wn at 16+4n
 * (00 exec, 01 write, 11 read/write); LENn at 18+4n (00 1, 01 2, 11 4,
 * 10 8 bytes); LE (bit 8) as the SDM recommends for exact data breaks. */
uint64_t pause_dr7(const struct dbg_hw_slot hw[4])
{
	uint64_t dr7 = 0;
	for (unsigned n = 0; n < 4; n++) {
		const struct dbg_hw_slot *s = &hw[n];
		if (s->type == HW_NONE)
			continue;
		uint64_t rw = s->type == HW_EXEC ? 0 : s->type == HW_WRITE ? 1 : 3;
		uint64_t len = s->type == HW_EXEC ? 0
			       : s->len == 1	  ? 0
			       : s->len == 2	  ? 1
			       : s->len == 4	  ? 3
						  : 2;
		dr7 |= (1ull << (2 * n)) | rw << (16 + 4 * n) | len << (18 + 4 * n);
	}
	return dr7 ? dr7 | (1ull << 8) : 0;
}

int pause_apply_debug(struct vm *vm, bool enable)
{
	struct vm_dbg *d = vm->dbg;
	int rc = 0;
	uint64_t dr7 = pause_dr7(d->hw);
	for (unsigned i = 0; i < vm->ncpus; i++) {
		struct kvm_guest_debug g = {0};
		if (enable) {
			g.control = KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_SW_BP;
			if (dr7) {
				g.control |= KVM_GUESTDBG_USE_HW_BP;
				for (unsigned n = 0; n < 4; n++)
					g.arch.debugreg[n] = d->hw[n].addr;
				g.arch.debugreg[7] = dr7;
			}
			if (d->cpu[i].step)
				g.control |= KVM_GUESTDBG_SINGLESTEP | d->guest_debug_extra;
		}
		if (ioctl(vm->vcpus[i].fd, KVM_SET_GUEST_DEBUG, &g) < 0)
			rc = -errno;
	}
	return rc;
}

void pause_vcpu_park(struct vcpu *v)
{
	struct vm *vm = v->vm;
	struct vm_dbg *d = vm->dbg;
	if (!atomic_load(&d->paused)) {
		/* a kick that lost the race with a resume: pause_all re-kicks
		 * every 50 ms, so clearing here never loses a pause */
		if (v->run->immediate_exit && !atomic_load(&vm->stopping))
			v->run->immediate_exit = 0;
		return;
	}
	pthread_mutex_lock(&d->lock);
	struct dbg_vcpu *c = &d->cpu[v->index];
	if (atomic_load(&d->paused) && !c->release) {
		c->parked = true;
		d->parked++;
		pthread_cond_broadcast(&d->cond);
		while (atomic_load(&d->paused) && !c->release && !atomic_load(&vm->stopping))
			pthread_cond_wait(&d->cond, &d->lock);
		c->parked = false;
		d->parked--;
	}
	pthread_mutex_unlock(&d->lock);
	v->run->immediate_exit = 0;
	/* a pause requested between the wait and here is seen on the next
	 * loop: the caller re-checks `paused` after clearing immediate_exit */
	if (atomic_load(&d->paused) && !c->release)
		v->run->immediate_exit = 1;
}

/* An int3 that is not one of gdb's belongs to the guest (its own
 * breakpoint, a test's deliberate int3): hand the #BP back to it, as a
 * software exception KVM re-executes with the instruction length it
 * recorded at the exit (api.rst KVM_SET_VCPU_EVENTS). */
static bool pause_reinject_bp(struct vcpu *v)
{
	const struct kvm_debug_exit_arch *e = &v->run->debug.arch;
	if (e->exception != 3 || gdb_bp_owns(v, e->pc))
		return false;
	struct kvm_vcpu_events ev;
	if (ioctl(v->fd, KVM_GET_VCPU_EVENTS, &ev) < 0)
		return false;
	ev.exception.injected = 1;
	ev.exception.nr = 3;
	ev.exception.has_error_code = 0;
	ev.flags = 0;
	return ioctl(v->fd, KVM_SET_VCPU_EVENTS, &ev) == 0;
}

void pause_vcpu_debug_exit(struct vcpu *v)
{
	struct vm *vm = v->vm;
	struct vm_dbg *d = vm->dbg;
	if (pause_reinject_bp(v))
		return;
	pthread_mutex_lock(&d->lock);
	d->cpu[v->index].release = false;
	if (!d->gdb_attached) {
		pthread_mutex_unlock(&d->lock); /* stale exit after a detach */
		return;
	}
	/* the first event since the resume is the one gdb hears about */
	if (d->event_cpu < 0) {
		d->event_cpu = (int)v->index;
		d->event = v->run->debug.arch;
	}
	atomic_store(&d->paused, 1);
	pthread_mutex_unlock(&d->lock);
	pause_kick(vm, v->index);
	uint64_t one = 1;
	if (write(d->wake_fd, &one, sizeof(one)) < 0) {
		/* counter saturated: the gdb thread is awake anyway */
	}
}

void pause_vcpu_exited(struct vcpu *v)
{
	struct vm_dbg *d = v->vm->dbg;
	pthread_mutex_lock(&d->lock);
	d->cpu[v->index].exited = true;
	d->parked++;
	pthread_cond_broadcast(&d->cond);
	pthread_mutex_unlock(&d->lock);
}
