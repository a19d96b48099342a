/* SPDX-License-Identifier: MIT */
/*
 * guest/perf/perf.c - sample rings, timer/PMI sampling, counting and the
 * hand-over to the host (perf.h).
 *
 * One ring per CPU, written only by that CPU with interrupts off, so no
 * locks. Under the vmm a ring that fills up is flushed from the interrupt
 * itself (one perf_flush exit); on a PC the console cannot be used from
 * an interrupt (the interrupted code may hold it), so samples beyond the
 * ring are counted as lost and everything is printed by perf_end().
 */
#include "perf.h"

#include "proto/perf.h"
#include "guest/kernel/param.h"
#include "lib/cmdline/cmdline.h"
#include "lib/heap/pages.h"
#include "lib/kstring/kstring.h"
#include "lib/printf/printf.h"
#include "lib/sched/sched.h"
#include "guest/arch/apic.h"
#include "guest/kernel/console.h"
#include "guest/arch/cpu.h"
#include "guest/kernel/hypercall.h"
#include "guest/arch/layout.h"
#include "guest/arch/percpu.h"
#include "lib/perf_chain/perf_chain.h"
#include "guest/arch/pmu.h"
#include "guest/kernel/result.h"
#include "guest/arch/smp.h"
#include "guest/arch/trap.h"
#include "guest/arch/tsc.h"

/* One pool from the frame allocator, taken at the first perf_begin and
 * split evenly among the CPUs: 1 CPU gets 1 MiB, 256 CPUs 4 KiB each. Not
 * static: a megabyte of .bss would put the kernel image over a 2 MiB page
 * boundary, and every boot would pay for one more huge page (docs/boot.md
 * "What a boot touches"). */
#define PERF_POOL_BYTES (1024 * 1024)
#define PERF_RING_MIN 4096

enum perf_mode { PERF_OFF, PERF_TIMER, PERF_PMU, PERF_COUNT };

struct perf_ring {
	uint8_t *buf;
	uint32_t len, cap;
	uint64_t lost;
} __attribute__((aligned(64)));

static uint8_t *pool;
static struct perf_ring rings[PK_MAX_CPUS];
static enum perf_mode mode;
static uint32_t hz;
static uint64_t pmu_period, pmu_reload_val, start_tsc, elf_id, lost_other;
static unsigned nev;
static uint8_t ev[PERF_MAX_EVENTS];
static uint64_t ev_raw[PERF_MAX_EVENTS];
static unsigned ev_slot[PERF_MAX_EVENTS]; /* pmu_event.h slots: fixed counters first */
static unsigned pmi_slot;		  /* the cycles counter that raises PMIs */
static uint64_t cpu_start[PK_MAX_CPUS][PERF_MAX_EVENTS];
static uint64_t cpu_start_tsc[PK_MAX_CPUS];
uint64_t perf_prog_id;

extern const char __text_start[], __text_end[];

static void ring_flush(struct perf_ring *r)
{
	if (!r->len)
		return;
	struct pk_hc_perf_flush req = {.data = kvirt_to_phys(r->buf),
				       .len = r->len,
				       .tsc_khz = (uint32_t)tsc_khz,
				       .hz = hz,
				       .elf_id = elf_id};
	hypercall(PK_HC_PERF_FLUSH, &req);
	r->len = 0;
}

/* Append one record to this CPU's ring (interrupts must be off). */
static void ring_put(const void *rec, uint32_t len)
{
	uint32_t cpu = this_cpu()->index;
	if (cpu >= PK_MAX_CPUS || !rings[cpu].cap) {
		__atomic_fetch_add(&lost_other, 1, __ATOMIC_RELAXED);
		return;
	}
	struct perf_ring *r = &rings[cpu];
	if (r->len + len > r->cap && platform_vmm)
		ring_flush(r);
	if (r->len + len > r->cap) {
		r->lost++;
		return;
	}
	memcpy(r->buf + r->len, rec, len);
	r->len += len;
}

/* The chain walk may only read the stack in use: this CPU's own, or the
 * running task's, so a corrupt rbp ends the walk instead of faulting. */
static int stack_read(void *ctx, uint64_t va, uint64_t *val)
{
	const struct percpu *c = ctx;
	int ok = va >= c->stack_lo && va + 8 <= c->stack_hi;
	const struct task *t = sched_current();
	if (!ok && t && t->stack)
		ok = va >= (uint64_t)t->stack && va + 8 <= (uint64_t)t->stack + t->stack_size;
	if (!ok)
		return -1;
	*val = *(const uint64_t *)va;
	return 0;
}

/* The last task this CPU's ring named, and the name it gave. */
static const struct task *named_task[PK_MAX_CPUS];
static char named_name[PK_MAX_CPUS][32];

/* A task record before the first sample of a task (or after a rename):
 * kperf report --sort task prints names, not task addresses. */
static void perf_name_task(const struct percpu *c, const struct task *t)
{
	if (!t || c->index >= PK_MAX_CPUS)
		return;
	const char *name = sched_task_name(t);
	if (named_task[c->index] == t && !strncmp(named_name[c->index], name, 31))
		return;
	struct pk_perf_task r;
	memset(&r, 0, sizeof(r));
	r.h.type = PK_PERF_REC_TASK;
	r.h.size = sizeof(r);
	r.h.cpu = c->index;
	r.task = (uint64_t)t;
	pk_strlcpy(r.name, name, sizeof(r.name));
	ring_put(&r, sizeof(r));
	named_task[c->index] = t;
	memcpy(named_name[c->index], r.name, sizeof(r.name));
}

static void perf_sample(const struct trap_frame *f, uint8_t source)
{
	struct percpu *c = this_cpu();
	perf_name_task(c, sched_current());
	struct {
		struct pk_perf_sample s;
		uint64_t frames[PK_PERF_MAX_DEPTH];
	} rec;
	memset(&rec.s, 0, sizeof(rec.s));
	int trunc;
	rec.s.depth = (uint16_t)perf_chain_walk(f->rbp, stack_read, c, rec.frames,
						PK_PERF_MAX_DEPTH, &trunc);
	rec.s.h.type = PK_PERF_REC_SAMPLE;
	rec.s.h.size = (uint16_t)(sizeof(rec.s) + rec.s.depth * 8u);
	rec.s.h.cpu = c->index;
	rec.s.tsc = rdtsc();
	rec.s.task = (uint64_t)sched_current();
	rec.s.rip = f->rip;
	rec.s.source = source;
	rec.s.flags = trunc ? PK_PERF_SAMPLE_TRUNCATED : 0;
	ring_put(&rec, rec.s.h.size);
}

static void perf_timer_irq(struct trap_frame *f)
{
	perf_sample(f, PK_PERF_SRC_TIMER);
}

static void perf_pmi(struct trap_frame *f)
{
	if (pmu_overflowed(&pmu_caps, &pmu_msr) & pmu_slot_bit(pmi_slot)) {
		perf_sample(f, PK_PERF_SRC_PMU);
		pmu_overflow_ack(&pmu_caps, &pmu_msr, pmi_slot, pmu_reload_val);
	}
	apic_lvt_pmi(VEC_PMI); /* delivery masked the LVT entry (SDM Vol 3B 20.6.3) */
}

static void count_snapshot(uint64_t *out)
{
	for (unsigned i = 0; i < nev; i++)
		out[i] = pmu_read(&pmu_caps, &pmu_msr, ev_slot[i]);
}

static void emit_counts(const char *name, const uint64_t *before, uint64_t tsc0)
{
	uint64_t now[PERF_MAX_EVENTS], tsc = rdtsc();
	count_snapshot(now);
	for (unsigned i = 0; i < nev; i++) {
		struct pk_perf_count r;
		memset(&r, 0, sizeof(r));
		r.h.type = PK_PERF_REC_COUNT;
		r.h.size = sizeof(r);
		r.h.cpu = this_cpu()->index;
		pk_strlcpy(r.name, name, sizeof(r.name));
		r.event = ev[i];
		r.raw = ev_raw[i];
		r.value = pmu_delta(pmu_slot_width(&pmu_caps, ev_slot[i]), before[i], now[i]);
		r.tsc_cycles = tsc - tsc0;
		uint64_t fl = irq_save();
		ring_put(&r, sizeof(r));
		irq_restore(fl);
	}
}

/* Per-task counting: on every switch the events since the last switch on
 * this CPU go to the task that ran (executor context is not charged); a
 * finished task leaves one count record per event, named after it. */
static uint64_t task_last[PK_MAX_CPUS][PERF_MAX_EVENTS];

static void perf_task_switch(struct task *prev, struct task *next, int prev_done)
{
	(void)next;
	unsigned cpu = this_cpu()->index;
	uint64_t now[PERF_MAX_EVENTS];
	count_snapshot(now);
	if (prev && cpu < PK_MAX_CPUS) {
		for (unsigned i = 0; i < nev; i++)
			prev->counters[i] += pmu_delta(pmu_slot_width(&pmu_caps, ev_slot[i]),
						       task_last[cpu][i], now[i]);
		if (prev_done)
			for (unsigned i = 0; i < nev; i++) {
				struct pk_perf_count r;
				memset(&r, 0, sizeof(r));
				r.h.type = PK_PERF_REC_COUNT;
				r.h.size = sizeof(r);
				r.h.cpu = cpu;
				pk_snprintf(r.name, sizeof(r.name), "task:%s",
					    sched_task_name(prev));
				r.event = ev[i];
				r.raw = ev_raw[i];
				r.value = prev->counters[i];
				uint64_t fl = irq_save();
				ring_put(&r, sizeof(r));
				irq_restore(fl);
			}
	}
	if (cpu < PK_MAX_CPUS)
		for (unsigned i = 0; i < nev; i++)
			task_last[cpu][i] = now[i];
}

static void perf_cpu_start(void *arg)
{
	(void)arg;
	uint32_t cpu = this_cpu()->index;
	if (mode == PERF_TIMER) {
		apic_timer_periodic_vec(hz, VEC_SAMPLE);
	} else if (mode == PERF_PMU) {
		pmu_program(&pmu_caps, &pmu_msr, pmi_slot,
			    pmu_evsel(&pmu_caps, PK_PERF_EV_CYCLES, 0, 1), pmu_reload_val);
		apic_lvt_pmi(VEC_PMI);
	} else if (mode == PERF_COUNT) {
		for (unsigned i = 0; i < nev; i++)
			pmu_program(&pmu_caps, &pmu_msr, ev_slot[i],
				    pmu_evsel(&pmu_caps, ev[i], ev_raw[i], 0), 0);
		if (cpu < PK_MAX_CPUS) {
			count_snapshot(cpu_start[cpu]);
			cpu_start_tsc[cpu] = rdtsc();
			count_snapshot(task_last[cpu]);
		}
	}
}

static void perf_cpu_stop(void *arg)
{
	(void)arg;
	uint32_t cpu = this_cpu()->index;
	if (mode == PERF_TIMER) {
		apic_timer_periodic_vec(0, VEC_SAMPLE);
	} else if (mode == PERF_PMU) {
		apic_lvt_pmi(0);
		pmu_program(&pmu_caps, &pmu_msr, pmi_slot, 0, 0);
	} else if (mode == PERF_COUNT && cpu < PK_MAX_CPUS) {
		emit_counts("cpu", cpu_start[cpu], cpu_start_tsc[cpu]);
		for (unsigned i = 0; i < nev; i++)
			pmu_program(&pmu_caps, &pmu_msr, ev_slot[i], 0, 0);
	}
}

static void on_every_cpu(void (*fn)(void *))
{
	for (uint32_t i = 0; i < smp_cpu_count; i++) {
		if (!smp_cpu_online(i))
			continue;
		smp_call(i, fn, 0);
		if (smp_call_wait(i, 1000) < 0)
			kprintf("perf: cpu %u did not answer\n", i);
	}
}

/* "cycles,instructions" -> ev[]; -1 on an unknown or unsupported event */
static int parse_events(const char *s)
{
	unsigned gp = 0;
	uint32_t fixed_used = 0;
	nev = 0;
	while (*s) {
		const char *e = s;
		while (*e && *e != ',')
			e++;
		uint64_t raw = 0;
		int id = pmu_event_parse(s, (unsigned)(e - s), &raw);
		if (id < 0) {
			kprintf("perf: unknown event '%.*s'\n", (int)(e - s), s);
			return -1;
		}
		/* Intel's fixed counters take cycles/instructions/ref-cycles and
		 * leave the general-purpose ones for the rest */
		int slot;
		if (nev == PERF_MAX_EVENTS) {
			kprintf("perf: more than %u events, '%.*s' left out\n", PERF_MAX_EVENTS,
				(int)(e - s), s);
		} else if (!pmu_evsel(&pmu_caps, (unsigned)id, raw, 0)) {
			kprintf("perf: this PMU has no '%.*s' event, left out\n", (int)(e - s), s);
		} else if ((slot = pmu_slot_assign(&pmu_caps, (unsigned)id, &fixed_used, &gp)) <
			   0) {
			kprintf("perf: more events than counters, '%.*s' left out\n", (int)(e - s),
				s);
		} else {
			ev_slot[nev] = (unsigned)slot;
			ev[nev] = (uint8_t)id;
			ev_raw[nev++] = raw;
		}
		s = *e ? e + 1 : e;
	}
	return 0;
}

PK_PARAM(perf, "profile the app: count:EVENTS, timer:HZ, pmu:HZ (docs/profiling.md)");

int perf_begin(const char *cmdline)
{
	char v[96];
	if (cmdline_get(cmdline, "perf", v, sizeof(v)) < 0)
		return 0;
	pmu_init();
	char *arg = v;
	while (*arg && *arg != ':')
		arg++;
	if (*arg)
		*arg++ = 0;
	if (!strcmp(v, "timer") || !strcmp(v, "pmu")) {
		uint64_t n = 0;
		const char *p = arg;
		for (; *p >= '0' && *p <= '9' && n <= 100000; p++)
			n = n * 10 + (uint64_t)(*p - '0');
		if (*p || !n || n > 100000) {
			kprintf("perf: perf=%s:%s: expected a rate of 1..100000 Hz\n", v, arg);
			return -1;
		}
		hz = (uint32_t)n;
		mode = v[0] == 't' ? PERF_TIMER : PERF_PMU;
		if (mode == PERF_PMU && pmu_caps.kind == PMU_NONE) {
			kprintf("perf: no PMU (%s); sampling with the LAPIC timer instead\n",
				pmu_caps.why);
			mode = PERF_TIMER;
		}
	} else if (!strcmp(v, "count")) {
		if (pmu_caps.kind == PMU_NONE) {
			kprintf("perf: counting needs a PMU: %s; nothing counted\n", pmu_caps.why);
			return 0;
		}
		if (parse_events(arg) < 0)
			return -1;
		mode = PERF_COUNT;
	} else {
		kprintf("perf: perf=%s: expected timer:HZ, pmu:HZ or count:EVENTS\n", v);
		return -1;
	}
	elf_id = pk_perf_fnv1a(PK_PERF_FNV_INIT, __text_start,
			       (uint64_t)(__text_end - __text_start));
	if (mode == PERF_TIMER)
		irq_register(VEC_SAMPLE, perf_timer_irq);
	if (mode == PERF_PMU) {
		int fixed = pmu_fixed_slot(&pmu_caps, PK_PERF_EV_CYCLES);
		pmi_slot = fixed >= 0 ? (unsigned)fixed : 0;
		pmu_period = tsc_khz * 1000 / hz; /* cycles ~ TSC ticks: ~hz PMIs/s */
		pmu_reload_val = pmu_reload(pmu_slot_width(&pmu_caps, pmi_slot), pmu_period);
		irq_register(VEC_PMI, perf_pmi);
	}
	kprintf("perf: %s%s, PMU: %s%s%s\n",
		mode == PERF_TIMER ? "LAPIC timer sampling"
		: mode == PERF_PMU ? "PMI sampling"
				   : "counting",
		platform_vmm ? " (records to the vmm)" : " (records on the console at the end)",
		pmu_kind_name(), pmu_caps.why ? " - " : "", pmu_caps.why ? pmu_caps.why : "");
	if (!pool && !(pool = pages_alloc(PERF_POOL_BYTES, 4096))) {
		kprintf("perf: no %u KiB for the sample rings\n", PERF_POOL_BYTES >> 10);
		mode = PERF_OFF;
		return -1;
	}
	uint32_t n = smp_cpu_count ? smp_cpu_count : 1;
	uint32_t cap = (PERF_POOL_BYTES / n) & ~63u;
	if (cap < PERF_RING_MIN)
		cap = PERF_RING_MIN; /* n <= PK_MAX_CPUS: still inside the pool */
	for (uint32_t i = 0; i < n && (uint64_t)(i + 1) * cap <= PERF_POOL_BYTES; i++)
		rings[i] = (struct perf_ring){pool + (uint64_t)i * cap, 0, cap, 0};
	start_tsc = rdtsc();
	on_every_cpu(perf_cpu_start);
	if (mode == PERF_COUNT)
		sched_switch_hook = perf_task_switch; /* per-task counts from here */
	return 0;
}

int perf_counting(void)
{
	return mode == PERF_COUNT;
}

int perf_active(void)
{
	return mode != PERF_OFF;
}

struct perf_region perf_region_begin(const char *name)
{
	struct perf_region r = {.name = name, .live = 1};
	if (mode == PERF_COUNT)
		count_snapshot(r.start);
	r.tsc = rdtsc();
	return r;
}

void perf_region_end(struct perf_region *r)
{
	r->live = 0;
	if (mode == PERF_COUNT)
		emit_counts(r->name, r->start, r->tsc);
}

void perf_mark(const char *name)
{
	if (mode == PERF_OFF)
		return;
	struct percpu *c = this_cpu();
	struct pk_perf_mark r;
	memset(&r, 0, sizeof(r));
	r.h.type = PK_PERF_REC_MARK;
	r.h.size = sizeof(r);
	r.h.cpu = c->index;
	r.task = (uint64_t)sched_current();
	pk_strlcpy(r.name, name, sizeof(r.name));
	uint64_t fl = irq_save();
	r.tsc = rdtsc();
	perf_name_task(c, sched_current()); /* kperf names the marker's task */
	ring_put(&r, sizeof(r));
	irq_restore(fl);
}

void perf_end(void)
{
	if (mode == PERF_OFF)
		return;
	sched_switch_hook = 0;
	on_every_cpu(perf_cpu_stop);
	uint64_t lost = lost_other;
	for (unsigned i = 0; i < PK_MAX_CPUS; i++)
		lost += rings[i].lost;
	if (lost) {
		struct pk_perf_lost l = {{PK_PERF_REC_LOST, sizeof(l), 0}, lost};
		uint64_t fl = irq_save();
		ring_put(&l, sizeof(l));
		irq_restore(fl);
	}
	unsigned src = mode == PERF_TIMER ? PK_PERF_SRC_TIMER
		       : mode == PERF_PMU ? PK_PERF_SRC_PMU
					  : 0;
	if (platform_vmm) {
		for (unsigned i = 0; i < PK_MAX_CPUS; i++)
			ring_flush(&rings[i]);
	} else {
		struct pk_perf_header h = {
			.magic = PK_PERF_MAGIC,
			.version = PK_PERF_VERSION,
			.header_size = sizeof(h),
			.id_kind = PK_PERF_ID_TEXT_FNV,
			.ncpus = smp_online_count,
			.elf_id = elf_id,
			.tsc_khz = tsc_khz,
			.sources = src ? 1u << src : 0,
			.sample_hz = hz,
			.start_tsc = start_tsc,
			.flags = PK_PERF_HDR_GUEST,
			.prog_id = perf_prog_id,
		};
		result_write("perf.hdr", &h, sizeof(h));
		for (unsigned i = 0; i < PK_MAX_CPUS; i++) {
			if (!rings[i].len)
				continue;
			char name[16];
			pk_snprintf(name, sizeof(name), "perf.cpu%u", i);
			result_write(name, rings[i].buf, rings[i].len);
		}
	}
	kprintf("perf: done, %lu samples lost\n", lost);
	mode = PERF_OFF;
}
