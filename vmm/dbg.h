/* SPDX-License-Identifier: MIT */
/*
 * vmm/dbg.h - debugging and inspection: the one vCPU pause mechanism
 * (pause.c) the gdb stub (gdb*.c) and the monitor (monitor.c) share, and
 * guest virtual memory access through the live page tables (gdb_mem.c).
 *
 * Pausing: a pauser sets `paused`, sets immediate_exit and kicks every
 * vCPU with SIGUSR1 (api.rst "immediate_exit"); each vCPU thread parks
 * at the top of its run loop (pause_vcpu_park, called from vcpu.c) until
 * resumed. While parked, its registers are read and written from the
 * debugger's thread: KVM serialises vCPU ioctls on the vCPU mutex, and a
 * parked vCPU is not in KVM_RUN, so nothing waits.
 */
#ifndef PK_VMM_DBG_H
#define PK_VMM_DBG_H

#include <linux/kvm.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

struct vm;
struct vcpu;

/* gdb hardware breakpoint/watchpoint slots = DR0-DR3 (SDM Vol 3B 18.2) */
enum dbg_hw_type { HW_NONE, HW_EXEC, HW_WRITE, HW_READ, HW_ACCESS };
struct dbg_hw_slot {
	enum dbg_hw_type type;
	uint64_t addr;
	unsigned len;
};

#define DBG_MAX_SWBP 64
struct dbg_swbp {
	uint64_t va; /* where gdb inserted it (one of possibly many aliases) */
	uint64_t pa; /* the key: the int3 is this byte of guest RAM */
	uint8_t orig;
	bool used;
};

struct dbg_vcpu {
	bool parked, exited;
	bool release; /* may run while the VM is paused (single step) */
	bool step;    /* KVM_GUESTDBG_SINGLESTEP on this vCPU */
};

struct vm_dbg {
	pthread_mutex_t lock; /* guards everything below but `paused` */
	pthread_cond_t cond;  /* vCPU parked/exited, resume, event */
	atomic_int paused;
	unsigned parked; /* vCPUs parked or exited */
	/* whoever issues commands (gdb packet, monitor line) holds `owner`,
	 * so the two never pause/resume under each other's feet */
	pthread_mutex_t owner;
	bool gdb_attached;
	/* first debug exit since the last resume (the stop gdb reports) */
	int event_cpu; /* -1: none */
	struct kvm_debug_exit_arch event;
	int wake_fd;		    /* eventfd: wakes the gdb thread on an event */
	uint32_t guest_debug_extra; /* KVM_GUESTDBG_BLOCKIRQ when KVM has it */
	struct dbg_hw_slot hw[4];
	struct dbg_swbp sw[DBG_MAX_SWBP];
	struct dbg_vcpu *cpu;
};

/* pause.c */
int pause_init(struct vm *vm, bool start_paused);
/* Park every vCPU; returns once all are parked or exited. */
void pause_all(struct vm *vm);
void pause_resume_all(struct vm *vm);
/* Wake parked vCPUs so they see vm->stopping. */
void pause_wake(struct vm *vm);
/* Let only vCPU idx run one instruction (the VM stays paused otherwise). */
void pause_step(struct vm *vm, unsigned idx);
/* Load KVM_SET_GUEST_DEBUG on every vCPU from the breakpoint state
 * (call with all vCPUs parked). enable=false clears all debugging. */
int pause_apply_debug(struct vm *vm, bool enable);
/* DR7 for the four slots (exported for the unit test) */
uint64_t pause_dr7(const struct dbg_hw_slot hw[4]);
/* vcpu.c hooks: park while paused; a KVM_EXIT_DEBUG stops the VM */
void pause_vcpu_park(struct vcpu *v);
void pause_vcpu_debug_exit(struct vcpu *v);
void pause_vcpu_exited(struct vcpu *v);

/* gdb_mem.c: guest virtual memory of vCPU v (its CR3; physical when
 * paging is off). Returns bytes done (short at the first unmapped page)
 * or -1 when none. */
long dbg_mem_access(struct vcpu *v, uint64_t va, void *buf, uint64_t len, bool write);
/* Translate va with vCPU v's CR3: 0 or -1. */
int dbg_translate(struct vcpu *v, uint64_t va, uint64_t *pa);
/* gdb_bp.c: is the int3 vCPU v hit at pc one of gdb's (any alias)? */
bool gdb_bp_owns(struct vcpu *v, uint64_t pc);
/* page-table reader for mmu_walk/mmu_translate over guest RAM */
const uint64_t *dbg_read_table(void *vm, uint64_t phys);

/* gdb.c / monitor.c. Setup (single-threaded, before the guest runs):
 * create and listen on the socket (dbg_sock.h), message printed on
 * error. Serve: start the thread that accepts and talks to clients. */
int gdb_setup(struct vm *vm, const char *path, unsigned tcp_port);
int gdb_serve(struct vm *vm);
int monitor_setup(struct vm *vm, const char *path, unsigned idle_s);
int monitor_serve(struct vm *vm);
/* The guest is exiting with status: tell an attached gdb (W/X packet). */
void gdb_notify_exit(struct vm *vm, int status);

#endif
