/* SPDX-License-Identifier: MIT */
/*
 * vmm/gdb_regs.c - the x86-64 register file gdb sees: the target
 * description (gdb docs "Target Descriptions", features
 * org.gnu.gdb.i386.core/sse/segments/avx plus our control registers) and
 * the g/G/p/P marshalling from KVM's regs, sregs, fpu and xsave state.
 * Register numbers are the `regnum`s of the XML; g is them in order.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "gdb.h"
#include "kvm.h"

#define XSAVE_YMM_HI 576 /* YMM_Hi128 in the standard XSAVE layout (SDM Vol 1 13.4) */

enum {
	R_GP = 0, /* rax..r15 in gdb order, 16 */
	R_RIP = 16,
	R_EFLAGS = 17,
	R_SEG = 18,   /* cs ss ds es fs gs */
	R_ST = 24,    /* st0..st7, 10 bytes */
	R_FCTRL = 32, /* fctrl fstat ftag fiseg fioff foseg fooff fop */
	R_XMM = 40,   /* 16 x 16 bytes */
	R_MXCSR = 56,
	R_FS_BASE = 57,
	R_GS_BASE = 58,
	R_YMMH = 59, /* 16 x 16 bytes */
	R_CR0 = 75,  /* cr0 cr2 cr3 cr4 cr8 efer */
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

/* The target description, built once: one <reg> per register in regnum
 * order, grouped in the features gdb's amd64 code looks for. */
static char target_xml[8192];
static size_t target_xml_len;

static void xml_add(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void xml_add(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(target_xml + target_xml_len, sizeof(target_xml) - target_xml_len, fmt,
			  ap);
	va_end(ap);
	if (n > 0 && target_xml_len + (size_t)n < sizeof(target_xml))
		target_xml_len += (size_t)n;
}

static void xml_reg(const char *name, unsigned bits, const char *type, const char *group)
{
	xml_add("<reg name=\"%s\" bitsize=\"%u\" type=\"%s\"%s%s%s/>", name, bits, type,
		group ? " group=\"" : "", group ? group : "", group ? "\"" : "");
}

static void xml_build(void)
{
	static const char *const gp[16] = {"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp",
					   "r8",  "r9",	 "r10", "r11", "r12", "r13", "r14", "r15"};
	static const char *const segs[6] = {"cs", "ss", "ds", "es", "fs", "gs"};
	static const char *const fpc[8] = {"fctrl", "fstat", "ftag",  "fiseg",
					   "fioff", "foseg", "fooff", "fop"};
	static const char *const ctl[6] = {"cr0", "cr2", "cr3", "cr4", "cr8", "efer"};
	char name[16];
	xml_add("<?xml version=\"1.0\"?><!DOCTYPE target SYSTEM \"gdb-target.dtd\">"
		"<target version=\"1.0\"><architecture>i386:x86-64</architecture>"
		"<feature name=\"org.gnu.gdb.i386.core\">");
	for (unsigned i = 0; i < 16; i++)
		xml_reg(gp[i], 64, i == 6 || i == 7 ? "data_ptr" : "int64", 0);
	xml_reg("rip", 64, "code_ptr", 0);
	xml_reg("eflags", 32, "int32", 0);
	for (unsigned i = 0; i < 6; i++)
		xml_reg(segs[i], 32, "int32", 0);
	for (unsigned i = 0; i < 8; i++) {
		snprintf(name, sizeof(name), "st%u", i);
		xml_reg(name, 80, "i387_ext", 0);
	}
	for (unsigned i = 0; i < 8; i++)
		xml_reg(fpc[i], 32, "int", "float");
	xml_add("</feature><feature name=\"org.gnu.gdb.i386.sse\">"
		"<vector id=\"v4f\" type=\"ieee_single\" count=\"4\"/>"
		"<vector id=\"v2d\" type=\"ieee_double\" count=\"2\"/>"
		"<vector id=\"v16i8\" type=\"int8\" count=\"16\"/>"
		"<vector id=\"v8i16\" type=\"int16\" count=\"8\"/>"
		"<vector id=\"v4i32\" type=\"int32\" count=\"4\"/>"
		"<vector id=\"v2i64\" type=\"int64\" count=\"2\"/>"
		"<union id=\"vec128\"><field name=\"v4_float\" type=\"v4f\"/>"
		"<field name=\"v2_double\" type=\"v2d\"/>"
		"<field name=\"v16_int8\" type=\"v16i8\"/>"
		"<field name=\"v8_int16\" type=\"v8i16\"/>"
		"<field name=\"v4_int32\" type=\"v4i32\"/>"
		"<field name=\"v2_int64\" type=\"v2i64\"/>"
		"<field name=\"uint128\" type=\"uint128\"/></union>");
	for (unsigned i = 0; i < 16; i++) {
		snprintf(name, sizeof(name), "xmm%u", i);
		xml_reg(name, 128, "vec128", 0);
	}
	xml_reg("mxcsr", 32, "int", "vector");
	xml_add("</feature><feature name=\"org.gnu.gdb.i386.segments\">");
	xml_reg("fs_base", 64, "int", 0);
	xml_reg("gs_base", 64, "int", 0);
	xml_add("</feature><feature name=\"org.gnu.gdb.i386.avx\">");
	for (unsigned i = 0; i < 16; i++) {
		snprintf(name, sizeof(name), "ymm%uh", i);
		xml_reg(name, 128, "uint128", 0);
	}
	/* ours: gdb shows registers of unknown features as $cr3 etc. */
	xml_add("</feature><feature name=\"org.perfkern.x86.sys\">");
	for (unsigned i = 0; i < 6; i++)
		xml_reg(ctl[i], 64, "int64", "system");
	xml_add("</feature></target>");
}

const char *gdb_target_xml(size_t *len)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, xml_build);
	*len = target_xml_len;
	return target_xml;
}

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
	__u64 *t[16] = {&r->rax, &r->rbx, &r->rcx, &r->rdx, &r->rsi, &r->rdi, &r->rbp, &r->rsp,
			&r->r8,	 &r->r9,  &r->r10, &r->r11, &r->r12, &r->r13, &r->r14, &r->r15};
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
