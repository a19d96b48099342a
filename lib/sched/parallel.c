/* SPDX-License-Identifier: MIT */
/*
 * lib/sched/parallel.c - sched_parallel_for: one helper task per other
 * CPU plus the caller, all taking chunks of the index range from one
 * atomic counter, so a slow CPU (or one busy with other tasks) simply
 * takes fewer chunks.
 */
#include "sched_int.h"

struct pf_job {
	uint64_t next __attribute__((aligned(64))); /* the only contended line */
	uint64_t n, chunk;
	void (*fn)(uint64_t i, void *arg);
	void *arg;
};

static void pf_run(struct pf_job *j)
{
	for (;;) {
		uint64_t i = __atomic_fetch_add(&j->next, j->chunk, __ATOMIC_RELAXED);
		if (i >= j->n)
			return;
		uint64_t end = j->n - i < j->chunk ? j->n : i + j->chunk;
		for (; i < end; i++)
			j->fn(i, j->arg);
	}
}

static void *pf_task(void *arg)
{
	pf_run(arg);
	return 0;
}

int sched_parallel_for(uint64_t n, void (*fn)(uint64_t i, void *arg), void *arg)
{
	return sched_parallel_for_cpus(sched_cpu_count(), n, fn, arg);
}

int sched_parallel_for_cpus(unsigned ncpu, uint64_t n, void (*fn)(uint64_t i, void *arg), void *arg)
{
	unsigned self = sched_cpu_self();
	if (ncpu == 0 || ncpu > sched_cpu_count())
		ncpu = sched_cpu_count();
	if (!fn || n > UINT64_MAX / 2) /* next may run past n by a chunk per CPU */
		return SCHED_EINVAL;
	struct pf_job job = {.n = n, .fn = fn, .arg = arg};
	/* ~8 chunks per CPU: enough to even out, few enough atomics */
	job.chunk = n / ((uint64_t)ncpu * 8);
	if (!job.chunk)
		job.chunk = 1;
	struct task *helpers[SCHED_MAX_EXEC];
	unsigned spawned = 0;
	/* the caller plus ncpu - 1 others, lowest numbers first */
	for (unsigned cpu = 0; cpu < sched_cpu_count() && spawned + 1 < ncpu && n > 1; cpu++)
		if (cpu != self &&
		    (helpers[spawned] = sched_spawn_on(cpu, pf_task, &job, "parallel_for")))
			spawned++;
	pf_run(&job);
	for (unsigned i = 0; i < spawned; i++)
		sched_join(helpers[i]);
	return ncpu > 1 && n > 1 && !spawned ? SCHED_EAGAIN : 0;
}
