/* SPDX-License-Identifier: MIT */
/*
 * guest/mm/paging_tlb.c - TLB shootdown (SDM Vol 3A 5.10.5): after a
 * mapping is weakened (unmapped, made less permissive, split), every CPU
 * that may cache it invalidates it before the initiator returns.
 *
 * One request at a time: the initiator takes sd_lock, publishes the range
 * and a bitmask of target CPUs (every CPU on the kernel tables but
 * itself), sends VEC_IPI_TLB to each and waits for the mask to drain.
 * Deadlock-free with interrupts off: anyone spinning here (for the lock
 * or for acks) services a request aimed at itself meanwhile, so two CPUs
 * shooting at each other both make progress.
 */
#include "guest/arch/apic.h"
#include "guest/kernel/console.h"
#include "guest/arch/cpu.h"
#include "guest/arch/layout.h"
#include "guest/arch/percpu.h"
#include "guest/arch/trap.h"
#include "guest/arch/tsc.h"
#include "paging.h"
#include "paging_impl.h"

#define MASK_WORDS ((PK_MAX_CPUS + 63) / 64)
/* Beyond this many 4 KiB invlpgs a CR3 reload is cheaper (no global
 * pages: it drops every translation, SDM Vol 3A 5.10.4.1). */
#define FLUSH_ALL_PAGES 64
#define ACK_TIMEOUT_US 1000000

static uint64_t cpus_on_tables[MASK_WORDS]; /* shootdown targets */

static struct {
	struct spinlock lock;
	uint64_t va, size;
	uint64_t pending[MASK_WORDS]; /* targets that have not flushed yet */
} sd = {SPINLOCK_INIT, 0, 0, {0}};

void paging_flush_local(uint64_t va, uint64_t size)
{
	if (size > FLUSH_ALL_PAGES * PAGE_4K) {
		write_cr3(read_cr3());
		return;
	}
	for (uint64_t off = 0; off < size; off += PAGE_4K)
		__asm__ volatile("invlpg (%0)" ::"r"(va + off) : "memory");
}

/* Flush if a request names this CPU; then clear our bit (the ack). */
static void tlb_service(void)
{
	uint32_t me = this_cpu()->index;
	uint64_t bit = 1ull << (me % 64);
	if (!(__atomic_load_n(&sd.pending[me / 64], __ATOMIC_ACQUIRE) & bit))
		return;
	paging_flush_local(sd.va, sd.size);
	__atomic_fetch_and(&sd.pending[me / 64], ~bit, __ATOMIC_RELEASE);
}

static void tlb_irq(struct trap_frame *f)
{
	(void)f;
	tlb_service();
}

void paging_tlb_init(void)
{
	irq_register(VEC_IPI_TLB, tlb_irq);
}

/* Called before the CPU loads the kernel CR3 (and after its LAPIC is on):
 * a locked RMW, so an initiator that edited a PTE and then reads the mask
 * either sees this CPU or was seen by its CR3 load. */
void paging_cpu_online(uint32_t cpu)
{
	__atomic_fetch_or(&cpus_on_tables[cpu / 64], 1ull << (cpu % 64), __ATOMIC_SEQ_CST);
}

static int pending_any(void)
{
	for (unsigned w = 0; w < MASK_WORDS; w++)
		if (__atomic_load_n(&sd.pending[w], __ATOMIC_ACQUIRE))
			return 1;
	return 0;
}

void paging_shootdown(uint64_t va, uint64_t size)
{
	paging_flush_local(va, size);
	if (!paging_ready)
		return;
	struct percpu *c = this_cpu();
	uint64_t targets[MASK_WORDS], any = 0;
	while (!spin_trylock(&sd.lock)) {
		tlb_service();
		cpu_relax();
	}
	for (unsigned w = 0; w < MASK_WORDS; w++) {
		targets[w] = __atomic_load_n(&cpus_on_tables[w], __ATOMIC_SEQ_CST);
		if (w == c->index / 64)
			targets[w] &= ~(1ull << (c->index % 64));
		any |= targets[w];
	}
	if (!any) {
		spin_unlock(&sd.lock);
		return;
	}
	sd.va = va;
	sd.size = size;
	for (unsigned w = 0; w < MASK_WORDS; w++)
		__atomic_store_n(&sd.pending[w], targets[w], __ATOMIC_RELEASE);
	paging_stats.shootdowns++;
	for (uint32_t cpu = 0; cpu < PK_MAX_CPUS; cpu++) {
		if (targets[cpu / 64] & (1ull << (cpu % 64))) {
			apic_send_ipi(percpu_area[cpu].apic_id, VEC_IPI_TLB);
			paging_stats.ipis++;
		}
	}
	uint64_t deadline = rdtsc() + tsc_us_to_cycles(ACK_TIMEOUT_US);
	while (pending_any()) {
		tlb_service(); /* never set for ourselves; harmless */
		cpu_relax();
		if (rdtsc() > deadline) {
			for (unsigned w = 0; w < MASK_WORDS; w++)
				if (sd.pending[w])
					kprintf("paging: shootdown 0x%lx+0x%lx: no ack from cpus "
						"0x%lx (word %u) within 1 s\n",
						va, size, sd.pending[w], w);
			for (unsigned w = 0; w < MASK_WORDS; w++)
				__atomic_store_n(&sd.pending[w], 0, __ATOMIC_RELEASE);
			break;
		}
	}
	spin_unlock(&sd.lock);
}
