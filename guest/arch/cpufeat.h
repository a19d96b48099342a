/* SPDX-License-Identifier: MIT */
/*
 * guest/arch/cpufeat.h - the CPUID feature bits perfkern cares about, as
 * one table: the early check compares it against what the compiler was
 * allowed to use (cpufeat_need.c), the demo prints it.
 * CPUF(name, leaf, subleaf, register, bit), SDM Vol 2A CPUID tables 3-8/3-10.
 */
#ifndef PK_ARCH_CPUFEAT_H
#define PK_ARCH_CPUFEAT_H

#include <stdint.h>

enum { CPUF_EAX, CPUF_EBX, CPUF_ECX, CPUF_EDX };

#define CPUF_LIST(X)                                                                               \
	X(SSE3, 1, 0, CPUF_ECX, 0)                                                                 \
	X(PCLMUL, 1, 0, CPUF_ECX, 1)                                                               \
	X(MONITOR, 1, 0, CPUF_ECX, 3)                                                              \
	X(SSSE3, 1, 0, CPUF_ECX, 9)                                                                \
	X(FMA, 1, 0, CPUF_ECX, 12)                                                                 \
	X(CX16, 1, 0, CPUF_ECX, 13)                                                                \
	X(PDCM, 1, 0, CPUF_ECX, 15)                                                                \
	X(SSE4_1, 1, 0, CPUF_ECX, 19)                                                              \
	X(SSE4_2, 1, 0, CPUF_ECX, 20)                                                              \
	X(X2APIC, 1, 0, CPUF_ECX, 21)                                                              \
	X(MOVBE, 1, 0, CPUF_ECX, 22)                                                               \
	X(POPCNT, 1, 0, CPUF_ECX, 23)                                                              \
	X(TSC_DEADLINE, 1, 0, CPUF_ECX, 24)                                                        \
	X(AES, 1, 0, CPUF_ECX, 25)                                                                 \
	X(XSAVE, 1, 0, CPUF_ECX, 26)                                                               \
	X(AVX, 1, 0, CPUF_ECX, 28)                                                                 \
	X(F16C, 1, 0, CPUF_ECX, 29)                                                                \
	X(RDRND, 1, 0, CPUF_ECX, 30)                                                               \
	X(HYPERVISOR, 1, 0, CPUF_ECX, 31)                                                          \
	X(APIC, 1, 0, CPUF_EDX, 9)                                                                 \
	X(FSGSBASE, 7, 0, CPUF_EBX, 0)                                                             \
	X(BMI1, 7, 0, CPUF_EBX, 3)                                                                 \
	X(AVX2, 7, 0, CPUF_EBX, 5)                                                                 \
	X(BMI2, 7, 0, CPUF_EBX, 8)                                                                 \
	X(ERMS, 7, 0, CPUF_EBX, 9)                                                                 \
	X(AVX512F, 7, 0, CPUF_EBX, 16)                                                             \
	X(AVX512DQ, 7, 0, CPUF_EBX, 17)                                                            \
	X(RDSEED, 7, 0, CPUF_EBX, 18)                                                              \
	X(ADX, 7, 0, CPUF_EBX, 19)                                                                 \
	X(AVX512CD, 7, 0, CPUF_EBX, 28)                                                            \
	X(SHA, 7, 0, CPUF_EBX, 29)                                                                 \
	X(AVX512BW, 7, 0, CPUF_EBX, 30)                                                            \
	X(AVX512VL, 7, 0, CPUF_EBX, 31)                                                            \
	X(LAHF, 0x80000001, 0, CPUF_ECX, 0)                                                        \
	X(LZCNT, 0x80000001, 0, CPUF_ECX, 5)                                                       \
	X(NX, 0x80000001, 0, CPUF_EDX, 20)                                                         \
	X(PDPE1GB, 0x80000001, 0, CPUF_EDX, 26)                                                    \
	X(INVTSC, 0x80000007, 0, CPUF_EDX, 8)

#define CPUF_ENUM(name, leaf, sub, reg, bit) CPUF_##name,
enum cpuf_index { CPUF_LIST(CPUF_ENUM) CPUF_COUNT };
#undef CPUF_ENUM
_Static_assert(CPUF_COUNT <= 64, "feature mask is 64 bits");

#define CPUF_BIT(name) (1ULL << CPUF_##name)

/* Features the compiler may have used in the main (non-early) kernel code:
 * built from the compiler's own predefined macros in cpufeat_need.c. */
extern const uint64_t cpufeat_need_mask;

/* The CPU's feature mask (filled by early_init on the BSP). */
extern uint64_t cpufeat_have_mask;
/* CPUID.0:EAX, the highest basic leaf (read once by the BSP's probe) */
extern uint32_t cpuid_max_basic;

static inline int cpu_has(enum cpuf_index f)
{
	return (cpufeat_have_mask >> f) & 1;
}

/* Name of feature i ("AVX2"), NULL past the end. */
const char *cpufeat_name(unsigned i);

#endif
