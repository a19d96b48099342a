/* SPDX-License-Identifier: MIT */
/*
 * guest/arch/cpufeat_need.c - compiled with the main kernel's -march, so the
 * compiler's own predefined macros say which instruction sets it may have
 * emitted; early_init() checks the CPU against exactly this set before any
 * such code runs. Contains data only: safe to link into the early path.
 */
#include "cpufeat.h"

const uint64_t cpufeat_need_mask = 0
#ifdef __SSE3__
				   | CPUF_BIT(SSE3)
#endif
#ifdef __PCLMUL__
				   | CPUF_BIT(PCLMUL)
#endif
#ifdef __SSSE3__
				   | CPUF_BIT(SSSE3)
#endif
#ifdef __FMA__
				   | CPUF_BIT(FMA)
#endif
#ifdef __GCC_HAVE_SYNC_COMPARE_AND_SWAP_16
				   | CPUF_BIT(CX16)
#endif
#ifdef __SSE4_1__
				   | CPUF_BIT(SSE4_1)
#endif
#ifdef __SSE4_2__
				   | CPUF_BIT(SSE4_2)
#endif
#ifdef __MOVBE__
				   | CPUF_BIT(MOVBE)
#endif
#ifdef __POPCNT__
				   | CPUF_BIT(POPCNT)
#endif
#ifdef __AES__
				   | CPUF_BIT(AES)
#endif
#ifdef __XSAVE__
				   | CPUF_BIT(XSAVE)
#endif
#ifdef __AVX__
				   | CPUF_BIT(AVX) | CPUF_BIT(XSAVE)
#endif
#ifdef __F16C__
				   | CPUF_BIT(F16C)
#endif
#ifdef __RDRND__
				   | CPUF_BIT(RDRND)
#endif
#ifdef __BMI__
				   | CPUF_BIT(BMI1)
#endif
#ifdef __AVX2__
				   | CPUF_BIT(AVX2)
#endif
#ifdef __BMI2__
				   | CPUF_BIT(BMI2)
#endif
#ifdef __AVX512F__
				   | CPUF_BIT(AVX512F)
#endif
#ifdef __AVX512DQ__
				   | CPUF_BIT(AVX512DQ)
#endif
#ifdef __RDSEED__
				   | CPUF_BIT(RDSEED)
#endif
#ifdef __ADX__
				   | CPUF_BIT(ADX)
#endif
#ifdef __AVX512CD__
				   | CPUF_BIT(AVX512CD)
#endif
#ifdef __SHA__
				   | CPUF_BIT(SHA)
#endif
#ifdef __AVX512BW__
				   | CPUF_BIT(AVX512BW)
#endif
#ifdef __AVX512VL__
				   | CPUF_BIT(AVX512VL)
#endif
#ifdef __LAHF_SAHF__
				   | CPUF_BIT(LAHF)
#endif
#ifdef __LZCNT__
				   | CPUF_BIT(LZCNT)
#endif
	;
