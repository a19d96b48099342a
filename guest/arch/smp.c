/* SPDX-License-Identifier: MIT */
/*
 * guest/arch/smp.c - AP bring-up, and cross-CPU calls run by the loop an AP
 * ends in (the scheduler's executor, handed over by smp_start).
 *
 * CPU indices follow the firmware's order (BSP first, then the MADT), so a
 * CPU's index never depends on which AP happened to wake first. APs are
 * started all at once (INIT to every AP, one wait, SIPI to every AP; SDM
 * Vol 3A 9.4.4.1), and claim a boot stack by ticket in boot.S.
 */
#include "smp.h"

#include "lib/kstring/kstring.h"
#include "lib/heap/pages.h"
#include "guest/mm/paging.h"
#include "acpi.h"
#include "apic.h"
#include "guest/kernel/console.h"
#include "cpu.h"
#include "desc.h"
#include "guest/kernel/hypercall.h"
#include "layout.h"
#include "mmio.h"
#include "percpu.h"
#include "trap.h"
#include "tsc.h"

uint32_t smp_cpu_count = 1;
/* what an AP runs once online (the scheduler\'s executor loop) */
static void (*smp_ap_loop)(void);
volatile uint32_t smp_online_count = 1;
volatile uint32_t smp_gate_open;     /* boot.S: vmm vCPUs spin on this */
volatile uint32_t smp_ap_ticket;     /* boot.S: boot-stack tickets */
static volatile uint32_t smp_closed; /* after the timeout: late APs park */
static volatile uint32_t smp_ready;  /* smp_wait: online APs may enter smp_ap_loop */
static uint32_t cpu_apic[PK_MAX_CPUS];
static volatile uint8_t cpu_online[PK_MAX_CPUS];

extern uint64_t ap_stack_tops[PK_MAX_CPUS - 1]; /* boot.S: by ticket */
extern uint64_t early_pml4[];			/* boot.S, linked at its physical address */
extern const char trampoline_start[], trampoline_end[];
extern struct {
	uint32_t cr3, efer;
} trampoline_params;

int smp_cpu_online(uint32_t index)
{
	return index < smp_cpu_count && cpu_online[index];
}

static int smp_index_of(uint32_t apic)
{
	for (uint32_t i = 0; i < smp_cpu_count; i++)
		if (cpu_apic[i] == apic)
			return (int)i;
	return -1;
}

/* The lowest free page below the EBDA/VGA area that the memory map calls
 * usable; the SIPI vector can only name a page below 1 MiB. */
static uint64_t smp_trampoline_page(const struct pk_bootinfo *bi)
{
	uint64_t need = (uint64_t)(trampoline_end - trampoline_start);
	for (uint32_t i = 0; i < bi->memmap_count; i++) {
		const struct pk_memmap_entry *e = &bi->memmap[i];
		if (e->type != PK_MEM_USABLE)
			continue;
		uint64_t p = (e->base + 0xfff) & ~0xfffull;
		if (p < 0x1000)
			p = 0x1000;
		uint64_t end = e->base + e->length;
		if (end > 0xa0000)
			end = 0xa0000;
		if (p + need <= end && need <= 0x1000)
			return p;
	}
	return 0;
}

/*
 * Boot/executor stacks (one per AP ticket) and IST stacks for the first
 * `cpus` CPUs, from the frame allocator, each on an unmapped guard page.
 * An AP uses its stack before it leaves boot.S's early tables, which
 * direct-map only the first 4 GiB: the stack must lie below that.
 * Returns how many CPUs (from index 0) are ready to start.
 */
static uint32_t smp_stacks_prepare(uint32_t cpus)
{
	for (uint32_t t = 0; t + 1 < cpus; t++) {
		if (ap_stack_tops[t])
			continue;
		uint8_t *b = pages_alloc(KSTACK_STRIDE, PAGE_SIZE);
		if (!b || (uint64_t)b - PK_DIRECT_MAP_BASE + KSTACK_STRIDE > (4ull << 30)) {
			if (b)
				pages_free(b, KSTACK_STRIDE);
			return t + 1;
		}
		paging_guard(b);
		ap_stack_tops[t] = (uint64_t)b + KSTACK_STRIDE;
	}
	return desc_ist_prepare(cpus);
}

static void smp_start_aps(const struct pk_bootinfo *bi)
{
	uint64_t page = smp_trampoline_page(bi);
	if (!page) {
		kprintf("smp: no usable page below 640 KiB for the AP trampoline; "
			"running on the BSP only\n");
		return;
	}
	uint8_t *dst = phys_to_virt(page);
	memcpy(dst, trampoline_start, (size_t)(trampoline_end - trampoline_start));
	uint64_t poff = (uint64_t)((const char *)&trampoline_params - trampoline_start);
	uint32_t *params = (uint32_t *)(dst + poff);
	/* APs start on boot.S's early tables: they identity-map this page (the
	 * kernel's do not) and sit at 1 MiB; ap_main moves to the kernel's */
	params[0] = (uint32_t)(uint64_t)early_pml4;
	params[1] = (uint32_t)(rdmsr(MSR_EFER) & ~(1ull << 10)); /* LMA is read-only */

	for (uint32_t i = 1; i < smp_cpu_count; i++)
		apic_send_init(cpu_apic[i]);
	tsc_delay_us(10000); /* INIT -> SIPI: 10 ms (SDM Vol 3A 9.4.4.1) */
	for (uint32_t i = 1; i < smp_cpu_count; i++)
		apic_send_sipi(cpu_apic[i], (uint8_t)(page >> 12));
	tsc_delay_us(200);
	for (uint32_t i = 1; i < smp_cpu_count; i++)
		if (!cpu_online[i])
			apic_send_sipi(cpu_apic[i], (uint8_t)(page >> 12));
}

static void smp_wake_irq(struct trap_frame *f)
{
	(void)f; /* the interrupt itself ended the hlt */
}

void smp_start(const struct pk_bootinfo *bi, void (*ap_loop)(void))
{
	smp_ap_loop = ap_loop;
	uint32_t n = 0;
	irq_register(VEC_IPI_WAKE, smp_wake_irq);
	cpu_apic[n++] = this_cpu()->apic_id;
	if (acpi.has_madt) {
		for (uint32_t i = 0; i < acpi.cpu_count && n < PK_MAX_CPUS; i++)
			if (acpi.cpus[i].apic_id != cpu_apic[0])
				cpu_apic[n++] = acpi.cpus[i].apic_id;
		if (acpi.cpus_ignored)
			kprintf("smp: %u CPUs beyond PK_MAX_CPUS=%u left parked\n",
				acpi.cpus_ignored, PK_MAX_CPUS);
	} else if (bi->boot_protocol == PK_BOOT_VMM) {
		/* the vmm gives vCPU i the APIC ID i */
		for (uint32_t i = 1; i < bi->cpu_count && n < PK_MAX_CPUS; i++)
			cpu_apic[n++] = i;
	}
	cpu_online[0] = 1;
	/* stacks for the APs, guarded while no other CPU can cache them */
	uint32_t with_stacks = smp_stacks_prepare(n);
	if (with_stacks < n) {
		kprintf("smp: no memory for the stacks of cpus %u..%u; left parked\n", with_stacks,
			n - 1);
		n = with_stacks;
	}
	smp_cpu_count = n;
	if (n == 1)
		return;

	if (bi->boot_protocol == PK_BOOT_VMM)
		__atomic_store_n(&smp_gate_open, 1, __ATOMIC_RELEASE);
	else
		smp_start_aps(bi);
}

void smp_wait(uint32_t timeout_ms)
{
	uint32_t n = smp_cpu_count;
	__atomic_store_n(&smp_ready, 1, __ATOMIC_RELEASE);
	if (n == 1)
		return;
	uint64_t deadline = rdtsc() + tsc_us_to_cycles((uint64_t)timeout_ms * 1000);
	while (smp_online_count < n && rdtsc() < deadline)
		cpu_relax();
	__atomic_store_n(&smp_closed, 1, __ATOMIC_SEQ_CST);
	for (uint32_t i = 1; i < n; i++)
		if (!cpu_online[i])
			kprintf("smp: cpu %u (apic %u) did not answer within %u ms; "
				"continuing without it\n",
				i, cpu_apic[i], timeout_ms);
}

void smp_report_online(uint32_t index)
{
	if (platform_vmm) { /* the vmm's --stats boot timeline */
		struct pk_hc_cpu_online req = {.cpu = index};
		hypercall(PK_HC_CPU_ONLINE, &req);
	}
}

static void __attribute__((noreturn)) ap_park(void)
{
	for (;;)
		__asm__ volatile("cli; hlt");
}

/* boot.S ap_entry64 -> here, on the ticket's boot stack, vector state on. */
void ap_main(uint32_t ticket)
{
	uint32_t apic = apic_id_cpuid();
	int idx = smp_index_of(apic);
	if (idx <= 0 || __atomic_load_n(&smp_closed, __ATOMIC_SEQ_CST)) {
		kprintf("smp: CPU with apic %u %s; parked\n", apic,
			idx <= 0 ? "is not in the CPU table" : "arrived after the timeout");
		ap_park();
	}
	uint64_t hi = ap_stack_tops[ticket];
	struct percpu *c = percpu_init((uint32_t)idx, apic, hi - KSTACK_SIZE, hi);
	desc_init_cpu(c);
	apic_init_cpu();
	paging_init_ap(); /* the LAPIC is on: shootdown IPIs can reach us */
	c->online_tsc = rdtsc();
	kprintf("cpu %u online: apic %u%s\n", c->index, apic, apic_x2 ? " (x2APIC)" : "");
	__atomic_store_n(&cpu_online[idx], 1, __ATOMIC_RELEASE);
	__atomic_fetch_add(&smp_online_count, 1, __ATOMIC_RELEASE);
	/* after the count: the BSP, waiting for it, goes on during this exit */
	smp_report_online(c->index);
	while (!__atomic_load_n(&smp_ready, __ATOMIC_ACQUIRE))
		cpu_relax(); /* the BSP's sched_init, then smp_wait */
	smp_ap_loop();
	ap_park(); /* the loop never returns */
}

int smp_call_pending(void)
{
	return this_cpu()->call_fn != 0;
}

void smp_call_run(void)
{
	struct percpu *c = this_cpu();
	void (*fn)(void *) = c->call_fn;
	if (!fn)
		return;
	void *arg = c->call_arg;
	c->call_fn = 0;
	fn(arg);
	__atomic_store_n(&c->call_done, c->call_seq, __ATOMIC_RELEASE);
}

void smp_call(uint32_t cpu, void (*fn)(void *), void *arg)
{
	struct percpu *c = &percpu_area[cpu];
	if (c == this_cpu()) {
		c->call_seq++;
		fn(arg);
		c->call_done = c->call_seq;
		return;
	}
	c->call_arg = arg;
	c->call_seq++;
	__atomic_store_n(&c->call_fn, fn, __ATOMIC_RELEASE);
	apic_send_ipi(c->apic_id, VEC_IPI_WAKE);
}

int smp_call_wait(uint32_t cpu, uint32_t timeout_ms)
{
	struct percpu *c = &percpu_area[cpu];
	uint64_t deadline = rdtsc() + tsc_us_to_cycles((uint64_t)timeout_ms * 1000);
	while (__atomic_load_n(&c->call_done, __ATOMIC_ACQUIRE) != c->call_seq)
		if (rdtsc() > deadline)
			return -1;
		else
			cpu_relax();
	return 0;
}
