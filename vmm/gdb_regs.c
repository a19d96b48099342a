/* SPDX-License-Identifier: MIT */
/*
 * vmm/gdb_regs.c - the x86-64 register file gdb sees: the target
 * description (gdb docs "Target Descriptions", features
 * org.gnu.gdb.i386.core/sse/segments/avx plus our control registers) and
 * the g/G/p/P marshalling from KVM's regs, sregs, fpu and xsave state.
 * Register numbers are the `regnum`s of the XML; g is them in order.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "gdb.h"
#include "kvm.h"

#define XSAVE_YMM_HI 576 /* YMM_Hi128 in the standard XSAVE layout (SDM Vol 1 13.4) */

enum {
	R_GP = 0,	/* rax..r15 in gdb order, 16 */
	R_RIP = 16,
	R_EFLAGS = 17,
	R_SEG = 18,	/* cs ss ds es fs gs */
	R_ST = 24,	/* st0..st7, 10 bytes */
	R_FCTRL = 32,	/* fctrl fstat ftag fiseg fioff foseg fooff fop */
	R_XMM = 40,	/* 16 x 16 bytes */
	R_MXCSR = 56,
	R_FS_BASE = 57,
	R_GS_BASE = 58,
	R_YMMH = 59, /* 16 x 16 bytes */
	R_CR0 = 75,	/* cr0 cr2 cr3 cr4 cr8 efer */
	R_COUNT = 81,
};

static unsigned reg_size(unsigned r)
{
	if (r < R_RIP + 1)
		return 8;
	if (r < R_ST)
		return 4;
	if (r < R_FCTRL)
		return 10;
	if (r < R_XMM)
		return 4;
	if (r < R_MXCSR)
		return 16;
	if (r == R_MXCSR)
		return 4;
	if (r < R_YMMH)
		return 8;
	if (r < R_CR0)
		return 16;
	return 8;
}

#define GPR(n) "<reg name=\"" n "\" bitsize=\"64\" type=\"int64\"/>"
#define SEG(n) "<reg name=\"" n "\" bitsize=\"32\" type=\"int32\"/>"
#define ST(n) "<reg name=\"st" #n "\" bitsize=\"80\" type=\"i387_ext\"/>"
#define FPC(n) "<reg name=\"" n "\" bitsize=\"32\" type=\"int\" group=\"float\"/>"
#define XMM(n) "<reg name=\"xmm" #n "\" bitsize=\"128\" type=\"vec128\"/>"
#define YMMH(n) "<reg name=\"ymm" #n "h\" bitsize=\"128\" type=\"uint128\"/>"
#define CTL(n) "<reg name=\"" n "\" bitsize=\"64\" type=\"int64\" group=\"system\"/>"

const char gdb_target_xml[] =
	"<?xml version=\"1.0\"?><!DOCTYPE target SYSTEM \"gdb-target.dtd\">"
	"<target version=\"1.0\"><architecture>i386:x86-64</architecture>"
	"<feature name=\"org.gnu.gdb.i386.core\">"
	"<reg name=\"rax\" bitsize=\"64\" type=\"int64\" regnum=\"0\"/>" GPR("rbx") GPR("rcx")
		GPR("rdx") GPR("rsi") GPR("rdi") "<reg name=\"rbp\" bitsize=\"64\" type=\"data_ptr\"/>"
	"<reg name=\"rsp\" bitsize=\"64\" type=\"data_ptr\"/>" GPR("r8") GPR("r9") GPR("r10")
		GPR("r11") GPR("r12") GPR("r13") GPR("r14") GPR("r15")
	"<reg name=\"rip\" bitsize=\"64\" type=\"code_ptr\"/>"
	"<reg name=\"eflags\" bitsize=\"32\" type=\"int32\"/>" SEG("cs") SEG("ss") SEG("ds")
		SEG("es") SEG("fs") SEG("gs") ST(0) ST(1) ST(2) ST(3) ST(4) ST(5) ST(6) ST(7)
			FPC("fctrl") FPC("fstat") FPC("ftag") FPC("fiseg") FPC("fioff") FPC("foseg")
				FPC("fooff") FPC("fop")
	"</feature><feature name=\"org.gnu.gdb.i386.sse\">"
	"<vector id=\"v4f\" type=\"ieee_single\" count=\"4\"/>"
	"<vector id=\"v2d\" type=\"ieee_double\" count=\"2\"/>"
	"<vector id=\"v16i8\" type=\"int8\" count=\"16\"/>"
	"<vector id=\"v8i16\" type=\"int16\" count=\"8\"/>"
	"<vector id=\"v4i32\" type=\"int32\" count=\"4\"/>"
	"<vector id=\"v2i64\" type=\"int64\" count=\"2\"/>"
	"<union id=\"vec128\"><field name=\"v4_float\" type=\"v4f\"/>"
	"<field name=\"v2_double\" type=\"v2d\"/><field name=\"v16_int8\" type=\"v16i8\"/>"
	"<field name=\"v8_int16\" type=\"v8i16\"/><field name=\"v4_int32\" type=\"v4i32\"/>"
	"<field name=\"v2_int64\" type=\"v2i64\"/><field name=\"uint128\" type=\"uint128\"/>"
	"</union>" XMM(0) XMM(1) XMM(2) XMM(3) XMM(4) XMM(5) XMM(6) XMM(7) XMM(8) XMM(9)
		XMM(10) XMM(11) XMM(12) XMM(13) XMM(14) XMM(15)
	"<reg name=\"mxcsr\" bitsize=\"32\" type=\"int\" group=\"vector\"/>"
	"</feature><feature name=\"org.gnu.gdb.i386.segments\">"
	"<reg name=\"fs_base\" bitsize=\"64\" type=\"int\"/>"
	"<reg name=\"gs_base\" bitsize=\"64\" type=\"int\"/>"
	"</feature><feature name=\"org.gnu.gdb.i386.avx\">" YMMH(0) YMMH(1) YMMH(2) YMMH(3)
		YMMH(4) YMMH(5) YMMH(6) YMMH(7) YMMH(8) YMMH(9) YMMH(10) YMMH(11) YMMH(12)
			YMMH(13) YMMH(14) YMMH(15)
	"</feature><feature name=\"org.perfkern.x86.sys\">" CTL("cr0") CTL("cr2") CTL("cr3")
		CTL("cr4") CTL("cr8") CTL("efer") "</feature></target>";
const size_t gdb_target_xml_len = sizeof(gdb_target_xml) - 1;

struct regstate {
	struct kvm_regs r;
	struct kvm_sregs s;
	struct kvm_fpu f;
	struct kvm_xsave x;
	bool have_xsave;
};

static int regs_load(struct vcpu *v, struct regstate *st)
{
	if (ioctl(v->fd, KVM_GET_REGS, &st->r) < 0 || ioctl(v->fd, KVM_GET_SREGS, &st->s) < 0 ||
	    ioctl(v->fd, KVM_GET_FPU, &st->f) < 0)
		return -errno;
	st->have_xsave = ioctl(v->fd, KVM_GET_XSAVE, &st->x) == 0;
	return 0;
}

static __u64 *gpr(struct kvm_regs *r, unsigned n)
{
	/* gdb's order: rax rbx rcx rdx rsi rdi rbp rsp r8..r15 */
	__u64 *t[16] = {&r->rax, &r->rbx, &r->rcx, &r->rdx, &r->rsi, &r->rdi,
			   &r->rbp, &r->rsp, &r->r8,  &r->r9,  &r->r10, &r->r11,
			   &r->r12, &r->r13, &r->r14, &r->r15};
	return t[n];
}

static struct kvm_segment *seg(struct kvm_sregs *s, unsigned n)
{
	struct kvm_segment *t[6] = {&s->cs, &s->ss, &s->ds, &s->es, &s->fs, &s->gs};
	return t[n];
}

static __u64 *ctl(struct kvm_sregs *s, unsigned n)
{
	__u64 *t[6] = {&s->cr0, &s->cr2, &s->cr3, &s->cr4, &s->cr8, &s->efer};
	return t[n];
}

/* one register into out (reg_size bytes, little endian) */
static void reg_get(struct regstate *st, unsigned r, uint8_t *out)
{
	uint64_t v = 0;
	unsigned size = reg_size(r);
	memset(out, 0, size);
	if (r < 16)
		v = *gpr(&st->r, r);
	else if (r == R_RIP)
		v = st->r.rip;
	else if (r == R_EFLAGS)
		v = st->r.rflags;
	else if (r < R_ST)
		v = seg(&st->s, r - R_SEG)->selector;
	else if (r < R_FCTRL) {
		memcpy(out, st->f.fpr[r - R_ST], 10);
		return;
	} else if (r < R_XMM) {
		switch (r - R_FCTRL) {
		case 0:
			v = st->f.fcw;
			break;
		case 1:
			v = st->f.fsw;
			break;
		case 2: /* FXSAVE's abridged tag: bit set = valid; gdb wants the
			   full word, 11b = empty (SDM Vol 1 10.5.1.1) */
			for (unsigned i = 0; i < 8; i++)
				if (!(st->f.ftwx & (1u << i)))
					v |= 3ull << (2 * i);
			break;
		case 4:
			v = (uint32_t)st->f.last_ip;
			break;
		case 6:
			v = (uint32_t)st->f.last_dp;
			break;
		case 7:
			v = st->f.last_opcode;
			break;
		default:
			v = 0; /* segment parts: 0 in 64-bit mode */
		}
	} else if (r < R_MXCSR) {
		memcpy(out, st->f.xmm[r - R_XMM], 16);
		return;
	} else if (r == R_MXCSR)
		v = st->f.mxcsr;
	else if (r == R_FS_BASE)
		v = st->s.fs.base;
	else if (r == R_GS_BASE)
		v = st->s.gs.base;
	else if (r < R_CR0) {
		if (st->have_xsave)
			memcpy(out, (uint8_t *)st->x.region + XSAVE_YMM_HI + 16 * (r - R_YMMH), 16);
		return;
	} else
		v = *ctl(&st->s, r - R_CR0);
	memcpy(out, &v, size < 8 ? size : 8);
}

/* one register from in; which KVM state it dirtied goes into *dirty */
enum { D_REGS = 1, D_SREGS = 2, D_FPU = 4, D_XSAVE = 8 };
static int reg_set(struct regstate *st, unsigned r, const uint8_t *in, unsigned *dirty)
{
	uint64_t v = 0;
	unsigned size = reg_size(r);
	memcpy(&v, in, size < 8 ? size : 8);
	if (r < 16)
		*gpr(&st->r, r) = v, *dirty |= D_REGS;
	else if (r == R_RIP)
		st->r.rip = v, *dirty |= D_REGS;
	else if (r == R_EFLAGS)
		st->r.rflags = (uint32_t)v, *dirty |= D_REGS;
	else if (r < R_ST)
		return seg(&st->s, r - R_SEG)->selector == (uint16_t)v ? 0 : -EINVAL;
	else if (r < R_FCTRL)
		memcpy(st->f.fpr[r - R_ST], in, 10), *dirty |= D_FPU;
	else if (r < R_XMM) {
		if (r == R_FCTRL)
			st->f.fcw = (uint16_t)v, *dirty |= D_FPU;
		else if (r == R_FCTRL + 1)
			st->f.fsw = (uint16_t)v, *dirty |= D_FPU;
		/* the rest (tag word, last IP/DP/opcode) are read-only here */
	} else if (r < R_MXCSR)
		memcpy(st->f.xmm[r - R_XMM], in, 16), *dirty |= D_FPU;
	else if (r == R_MXCSR)
		st->f.mxcsr = (uint32_t)v, *dirty |= D_FPU;
	else if (r == R_FS_BASE)
		st->s.fs.base = v, *dirty |= D_SREGS;
	else if (r == R_GS_BASE)
		st->s.gs.base = v, *dirty |= D_SREGS;
	else if (r < R_CR0) {
		if (!st->have_xsave)
			return -EINVAL;
		memcpy((uint8_t *)st->x.region + XSAVE_YMM_HI + 16 * (r - R_YMMH), in, 16);
		*dirty |= D_XSAVE;
	} else
		*ctl(&st->s, r - R_CR0) = v, *dirty |= D_SREGS;
	return 0;
}

static int regs_store(struct vcpu *v, struct regstate *st, unsigned dirty)
{
	/* XSAVE first: it also carries the x87/SSE state the FPU write sets */
	if ((dirty & D_XSAVE) && ioctl(v->fd, KVM_SET_XSAVE, &st->x) < 0)
		return -errno;
	if ((dirty & D_FPU) && ioctl(v->fd, KVM_SET_FPU, &st->f) < 0)
		return -errno;
	if ((dirty & D_SREGS) && ioctl(v->fd, KVM_SET_SREGS, &st->s) < 0)
		return -errno;
	if ((dirty & D_REGS) && ioctl(v->fd, KVM_SET_REGS, &st->r) < 0)
		return -errno;
	return 0;
}

long gdb_regs_read_all(struct vcpu *v, uint8_t *out, size_t max)
{
	struct regstate st;
	if (regs_load(v, &st) < 0)
		return -1;
	size_t o = 0;
	for (unsigned r = 0; r < R_COUNT; r++) {
		if (o + reg_size(r) > max)
			return -1;
		reg_get(&st, r, out + o);
		o += reg_size(r);
	}
	return (long)o;
}

int gdb_regs_write_all(struct vcpu *v, const uint8_t *in, size_t len)
{
	struct regstate st;
	if (regs_load(v, &st) < 0)
		return -1;
	unsigned dirty = 0;
	size_t o = 0;
	/* a shorter G (older gdb) sets the leading registers only */
	for (unsigned r = 0; r < R_COUNT && o + reg_size(r) <= len; r++) {
		uint8_t cur[16];
		reg_get(&st, r, cur);
		/* only registers gdb changed: unchanged read-only ones pass */
		if (memcmp(cur, in + o, reg_size(r)) && reg_set(&st, r, in + o, &dirty) < 0)
			return -1;
		o += reg_size(r);
	}
	return regs_store(v, &st, dirty);
}

long gdb_reg_read(struct vcpu *v, unsigned r, uint8_t *out)
{
	struct regstate st;
	if (r >= R_COUNT || regs_load(v, &st) < 0)
		return -1;
	reg_get(&st, r, out);
	return reg_size(r);
}

int gdb_reg_write(struct vcpu *v, unsigned r, const uint8_t *in, size_t len)
{
	struct regstate st;
	if (r >= R_COUNT || len != reg_size(r) || regs_load(v, &st) < 0)
		return -1;
	unsigned dirty = 0;
	if (reg_set(&st, r, in, &dirty) < 0)
		return -1;
	return regs_store(v, &st, dirty);
}
