/* SPDX-License-Identifier: MIT */
/*
 * guest/linux/native.c - the native API table (include/perfkern/
 * perfkern.h) whose address the program's auxv carries (AT_PERFKERN).
 * The program calls these kernel functions directly. A call that may have
 * let another program thread run on this CPU (a block, a yield) puts the
 * caller's FS base and syscall frame slot back before it returns, as the
 * syscall exit does.
 */
#include "include/perfkern/perfkern.h"

#include "guest/arch/percpu.h"
#include "guest/arch/tsc.h"
#include "guest/perf/perf.h"
#include "lib/heap/heap.h"
#include "lib/kstring/kstring.h"
#include "lib/sched/sched.h"
#include "linux.h"

_Static_assert(sizeof(struct pk_region) == sizeof(struct perf_region), "pk_region");
_Static_assert(__builtin_offsetof(struct pk_region, live) ==
		       __builtin_offsetof(struct perf_region, live),
	       "pk_region");

/* A task made by spawn(): a kernel task running program code. */
struct api_task {
	void *(*fn)(void *arg);
	void *arg;
	uint64_t fs; /* the spawning thread's FS base */
	char name[16];
	void *rc;
};
static int task_key = -1; /* sched_local slot: the running api_task */

static void resume(void)
{
	struct lthread *t = linux_self();
	if (!t) {
		/* a spawned task: another thread may have loaded its FS here */
		struct api_task *a = task_key < 0 ? 0 : sched_local_get(task_key);
		if (a)
			linux_fs_set(a, a->fs);
		return;
	}
	this_cpu()->prog_kstack = t->kstack_top;
	linux_fs_load(t);
}

/* The FS base program code running here should see. */
static uint64_t caller_fs(void)
{
	struct lthread *t = linux_self();
	if (t)
		return t->fs;
	struct api_task *a = task_key < 0 ? 0 : sched_local_get(task_key);
	return a ? a->fs : 0;
}

static unsigned api_cpu_count(void)
{
	return sched_cpu_count();
}

static unsigned api_cpu_self(void)
{
	return sched_cpu_self();
}

static uint64_t api_tsc_khz(void)
{
	return tsc_khz;
}

static void api_yield(void)
{
	sched_yield();
	resume();
}

static int api_sleep_ns(uint64_t ns)
{
	int rc = sched_sleep(ns);
	resume();
	return rc;
}

struct api_chan {
	struct chan c;
	void *slots[];
};

static void *api_chan_new(unsigned cap)
{
	if (!cap || cap > (1u << 20))
		return 0;
	struct api_chan *a = kmalloc(sizeof(*a) + cap * sizeof(void *));
	if (a && chan_init(&a->c, a->slots, cap) != 0) {
		kfree(a);
		a = 0;
	}
	return a;
}

static int api_chan_send(void *c, void *item)
{
	int rc = chan_send(&((struct api_chan *)c)->c, item);
	resume();
	return rc;
}

static int api_chan_recv(void *c, void **item)
{
	int rc = chan_recv(&((struct api_chan *)c)->c, item);
	resume();
	return rc;
}

static void api_chan_close(void *c)
{
	chan_close(&((struct api_chan *)c)->c);
}

static void api_chan_free(void *c)
{
	kfree(c);
}

struct pfor {
	void (*fn)(uint64_t i, void *arg);
	void *arg;
	uint64_t fs;
};

/* On a helper task the FS base may be another thread's or none: the
 * caller's, so code reading its TLS (stack-protector canary) works; the
 * next program thread to return here reloads its own. */
static void pfor_one(uint64_t i, void *ctx)
{
	struct pfor *p = ctx;
	linux_fs_set(p, p->fs);
	p->fn(i, p->arg);
}

/* No CPU may keep owner as its FS owner once owner's memory is gone. */
static void fs_owner_forget(void *owner)
{
	for (unsigned i = 0; i < sched_cpu_count(); i++)
		__atomic_compare_exchange_n(&percpu_area[i].prog_fs_owner, &(void *){owner}, 0, 0,
					    __ATOMIC_RELAXED, __ATOMIC_RELAXED);
}

static int api_parallel_for(uint64_t n, void (*fn)(uint64_t i, void *arg), void *arg)
{
	struct pfor p = {fn, arg, caller_fs()};
	int rc = sched_parallel_for(n, pfor_one, &p);
	fs_owner_forget(&p);
	resume();
	return rc;
}

static struct pk_region api_region_begin(const char *name)
{
	struct perf_region r = perf_region_begin(name);
	struct pk_region out;
	__builtin_memcpy(&out, &r, sizeof(out));
	return out;
}

static void api_region_end(struct pk_region *r)
{
	perf_region_end((struct perf_region *)r);
}

#define API_TASK_STACK (64 * 1024) /* perfkern.h promises 64 KiB */

static void *api_task_main(void *arg)
{
	struct api_task *a = arg;
	sched_local_set(task_key, a);
	linux_fs_set(a, a->fs);
	a->rc = a->fn(a->arg);
	sched_local_set(task_key, 0);
	return a; /* freed by await: the task's name lives in it until then */
}

static void *api_spawn(int cpu, void *(*fn)(void *arg), void *arg, const char *name)
{
	static unsigned next_cpu;
	unsigned n = sched_cpu_count();
	if (!fn || cpu < PK_CPU_ANY || (cpu >= 0 && (unsigned)cpu >= n))
		return 0;
	if (__atomic_load_n(&task_key, __ATOMIC_ACQUIRE) < 0) {
		int k = sched_local_key(), none = -1;
		if (k < 0)
			return 0;
		/* racing first spawns: one key wins, the other slot stays unused */
		__atomic_compare_exchange_n(&task_key, &none, k, 0, __ATOMIC_ACQ_REL,
					    __ATOMIC_ACQUIRE);
	}
	unsigned on = cpu == PK_CPU_ANY ? __atomic_fetch_add(&next_cpu, 1, __ATOMIC_RELAXED) % n
					: (unsigned)cpu;
	struct api_task *a = kmalloc(sizeof(*a));
	if (!a)
		return 0;
	*a = (struct api_task){fn, arg, caller_fs(), "native", 0};
	if (name)
		pk_strlcpy(a->name, name, sizeof(a->name));
	struct task *t = sched_spawn_ex(on, API_TASK_STACK, api_task_main, a, a->name);
	if (!t)
		kfree(a);
	return t;
}

static void *api_await(void *task)
{
	struct api_task *a = sched_join(task);
	void *rc = a->rc;
	fs_owner_forget(a);
	kfree(a);
	resume();
	return rc;
}

const struct pk_api linux_native_api = {
	.version = PK_API_VERSION,
	.size = sizeof(struct pk_api),
	.cpu_count = api_cpu_count,
	.cpu_self = api_cpu_self,
	.tsc_khz = api_tsc_khz,
	.yield = api_yield,
	.sleep_ns = api_sleep_ns,
	.chan_new = api_chan_new,
	.chan_send = api_chan_send,
	.chan_recv = api_chan_recv,
	.chan_close = api_chan_close,
	.chan_free = api_chan_free,
	.parallel_for = api_parallel_for,
	.region_begin = api_region_begin,
	.region_end = api_region_end,
	.spawn = api_spawn,
	.await = api_await,
	.mark = perf_mark,
};
