/* SPDX-License-Identifier: MIT */
/*
 * guest/app/bench_exits.c - run=bench-exits: the cost of one hypercall
 * round trip (time_info) against a raw port-I/O exit the vmm ignores
 * (port 0x80), measured in guest TSC cycles over the same number of calls.
 * Prints one machine-readable line for bench/boot/run.sh:
 *   BENCH exits hypercall_cycles=N raw_io_cycles=N ratio=X.XX
 */
#include "guest/kernel/console.h"
#include "guest/arch/cpu.h"
#include "guest/kernel/hypercall.h"
#include "guest/arch/layout.h"
#include "app.h"

#define ROUNDS 5
#define CALLS 200

static uint64_t per_call(int hcall)
{
	uint64_t best = ~0ull;
	for (int r = 0; r < ROUNDS; r++) {
		struct pk_hc_time_info req;
		uint64_t t0 = rdtsc_ordered();
		for (int i = 0; i < CALLS; i++) {
			if (hcall)
				hypercall(PK_HC_TIME_INFO, &req);
			else
				outb(0x80, 0); /* POST code port: an exit the vmm ignores */
		}
		uint64_t dt = (rdtsc_ordered() - t0) / CALLS;
		if (dt < best)
			best = dt;
	}
	return best;
}

static int bench_exits_run(const char *cmdline)
{
	(void)cmdline;
	if (!platform_vmm) {
		kprintf("bench-exits: needs the perfkern vmm\n");
		return PK_EXIT_BAD_CMDLINE;
	}
	uint64_t raw = per_call(0), hc = per_call(1);
	kprintf("BENCH exits hypercall_cycles=%lu raw_io_cycles=%lu ratio=%lu.%02lu\n", hc, raw,
		hc / raw, hc * 100 / raw % 100);
	return PK_EXIT_OK;
}
APP("bench-exits", bench_exits_run, "hypercall round trip vs a raw I/O exit (vmm)");
