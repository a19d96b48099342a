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

/* gdb_bp.c: Z/z TYPE,ADDR,KIND on behalf of vCPU v (its page tables find
 * a software breakpoint's RAM); 0 or -errno */
int gdb_bp_set(struct vcpu *v, unsigned type, uint64_t addr, uint64_t kind, bool insert);
/* remove every breakpoint (restore the int3'd bytes, free DR0-DR3) */
void gdb_bp_clear_all(struct vm *vm);

#endif
