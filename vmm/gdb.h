/* SPDX-License-Identifier: MIT */
/* vmm/gdb.h - the gdb stub's internal interfaces (gdb.c, gdb_regs.c). */
#ifndef PK_VMM_GDB_H
#define PK_VMM_GDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dbg.h"

/* the target description (qXfer:features:read:target.xml) */
const char *gdb_target_xml(size_t *len);

/* g/G: every register of the target description in regnum order */
long gdb_regs_read_all(struct vcpu *v, uint8_t *out, size_t max);
int gdb_regs_write_all(struct vcpu *v, const uint8_t *in, size_t len);
/* p/P: one register; returns its size in bytes / 0, or -1 */
long gdb_reg_read(struct vcpu *v, unsigned regnum, uint8_t *out);
int gdb_reg_write(struct vcpu *v, unsigned regnum, const uint8_t *in, size_t len);

/* gdb_swbp.c: the int3 table keyed by guest-physical address; va goes
 * through translate, RAM through byte (NULL outside RAM). 0 or -errno. */
struct swbp_mem {
	void *ctx;
	int (*translate)(void *ctx, uint64_t va, uint64_t *pa);
	uint8_t *(*byte)(void *ctx, uint64_t pa);
};
int swbp_insert(struct dbg_swbp *t, const struct swbp_mem *m, uint64_t va);
/* removes the breakpoint on the byte va maps to, whichever alias set it */
int swbp_remove(struct dbg_swbp *t, const struct swbp_mem *m, uint64_t va);
void swbp_clear(struct dbg_swbp *t, const struct swbp_mem *m);
/* is the int3 at va one of ours (through any alias)? */
bool swbp_owns(const struct dbg_swbp *t, const struct swbp_mem *m, uint64_t va);

/* gdb_bp.c: Z/z TYPE,ADDR,KIND on behalf of vCPU v (its page tables find
 * a software breakpoint's RAM); 0 or -errno */
int gdb_bp_set(struct vcpu *v, unsigned type, uint64_t addr, uint64_t kind, bool insert);
/* remove every breakpoint (restore the int3'd bytes, free DR0-DR3) */
void gdb_bp_clear_all(struct vm *vm);

#endif
