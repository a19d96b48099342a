/* SPDX-License-Identifier: MIT */
/*
 * bench/apps/appbench.c - the `apps` suite's program (docs/benchmarks.md):
 * one static binary that runs the same way natively on Linux and under
 * `vmm PROGRAM`. Each case times its own work with CLOCK_MONOTONIC, so the
 * vmm's boot is never part of the number; iterations double until the work
 * takes BUDGET seconds (kvm-unit-tests' vmexit style).
 *
 * usage: appbench BUDGET_S CASE [ARGS]
 *   syscall          getpid (raw syscall) loop, and an indirect call loop
 *   read CHUNK FILE  read(2) CHUNK bytes at a time, rewinding at end of file
 *   pingpong         mutex + condvar turn passing between two threads
 *   barrier          a mutex + condvar barrier crossed by two threads
 *   spawn            pthread_create + pthread_join
 *   compute          a fixed integer hash loop (the control)
 * Prints "BENCH CASE VALUE UNIT OPS" lines; exit 0 when the work checked out.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double budget_s;

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* bench_run NAME FN ARG PER: FN(ARG, n) for n = 1, 2, 4, ... until one call
 * takes the budget; prints that call's ns per op, where one n is PER ops.
 * FN returns 0 when its work checked out. */
typedef int (*bench_fn)(void *arg, long n);

static int bench_run(const char *name, bench_fn fn, void *arg, long per)
{
	/* one untimed op first: what happens once per process (glibc's first
	 * thread stack, the first touch of a buffer) is in the wall time, not
	 * in the cost per op */
	if (fn(arg, 1))
		return -1;
	for (long n = 1;; n *= 2) {
		double t0 = now_s();
		if (fn(arg, n))
			return -1;
		double dt = now_s() - t0;
		if (dt >= budget_s || n >= (1L << 40)) {
			printf("BENCH %s %.3f ns/op %ld\n", name, dt * 1e9 / (double)(n * per),
			       n * per);
			return 0;
		}
	}
}

/* ---- syscall vs indirect call ----------------------------------------- */

static int bench_getpid(void *arg, long n)
{
	long want = *(long *)arg;
	for (long i = 0; i < n; i++)
		if (syscall(SYS_getpid) != want)
			return -1;
	return 0;
}

/* the call a syscall should cost no more than twice of: not inlined, through
 * a pointer the compiler cannot see through */
__attribute__((noinline)) static long callee(long x)
{
	__asm__ volatile("" : "+r"(x));
	return x + 1;
}
static long (*volatile indirect)(long) = callee;

static int bench_indirect(void *arg, long n)
{
	(void)arg;
	long x = 0;
	for (long i = 0; i < n; i++)
		x = indirect(x);
	return x == n ? 0 : -1;
}

/* ---- reads ------------------------------------------------------------- */

struct reader {
	int fd;
	size_t chunk;
	char *buf;
};

static int bench_read(void *arg, long n)
{
	struct reader *r = arg;
	for (long i = 0; i < n; i++) {
		ssize_t got = read(r->fd, r->buf, r->chunk);
		if (got < (ssize_t)r->chunk) { /* end of file: rewind, read again */
			if (got < 0 || lseek(r->fd, 0, SEEK_SET) != 0)
				return -1;
			if (read(r->fd, r->buf, r->chunk) != (ssize_t)r->chunk)
				return -1;
		}
	}
	return 0;
}

/* ---- threads ----------------------------------------------------------- */

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;

struct pp {
	long n;
	int turn; /* 0: main's, 1: the partner's */
	long gen, arrived;
};

/* the CPUs the last timing's two threads ran on: under the vmm threads are
 * pinned round robin, so a partner may share main's CPU (a local switch)
 * or not (a cross-CPU wake); printed as an INFO line */
static int main_cpu = -1, partner_cpu = -1;

static void *pong(void *arg)
{
	struct pp *p = arg;
	partner_cpu = sched_getcpu();
	for (long i = 0; i < p->n; i++) {
		pthread_mutex_lock(&mu);
		while (p->turn != 1)
			pthread_cond_wait(&cv, &mu);
		p->turn = 0;
		pthread_cond_signal(&cv);
		pthread_mutex_unlock(&mu);
	}
	return 0;
}

/* n round trips: 2n hand-offs (a turn passed, a futex wake of the waiter) */
static int bench_pingpong(void *arg, long n)
{
	(void)arg;
	struct pp p = {.n = n};
	pthread_t t;
	if (pthread_create(&t, 0, pong, &p))
		return -1;
	for (long i = 0; i < n; i++) {
		pthread_mutex_lock(&mu);
		p.turn = 1;
		pthread_cond_signal(&cv);
		while (p.turn != 0)
			pthread_cond_wait(&cv, &mu);
		pthread_mutex_unlock(&mu);
	}
	return pthread_join(t, 0);
}

/* a two-party barrier of a mutex and a condvar, as programs write one */
static void barrier_wait(struct pp *p)
{
	pthread_mutex_lock(&mu);
	long gen = p->gen;
	if (++p->arrived == 2) {
		p->arrived = 0;
		p->gen++;
		pthread_cond_broadcast(&cv);
	} else {
		while (p->gen == gen)
			pthread_cond_wait(&cv, &mu);
	}
	pthread_mutex_unlock(&mu);
}

static void *barrier_partner(void *arg)
{
	struct pp *p = arg;
	partner_cpu = sched_getcpu();
	for (long i = 0; i < p->n; i++)
		barrier_wait(p);
	return 0;
}

static int bench_barrier(void *arg, long n)
{
	(void)arg;
	struct pp p = {.n = n};
	pthread_t t;
	if (pthread_create(&t, 0, barrier_partner, &p))
		return -1;
	for (long i = 0; i < n; i++)
		barrier_wait(&p);
	if (pthread_join(t, 0))
		return -1;
	return p.gen == n ? 0 : -1;
}

static void *nothing(void *arg)
{
	return arg;
}

static int bench_spawn(void *arg, long n)
{
	(void)arg;
	for (long i = 0; i < n; i++) {
		pthread_t t;
		void *ret = 0;
		if (pthread_create(&t, 0, nothing, (void *)(i + 1)) || pthread_join(t, &ret) ||
		    ret != (void *)(i + 1))
			return -1;
	}
	return 0;
}

/* ---- compute ----------------------------------------------------------- */

static volatile uint64_t sink;

/* 64 rounds of xorshift and multiply per op: registers only, no memory,
 * no system call: the same instructions wherever it runs */
static int bench_compute(void *arg, long n)
{
	(void)arg;
	uint64_t x = 0x9e3779b97f4a7c15u;
	for (long i = 0; i < n; i++)
		for (int k = 0; k < 64; k++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			x *= 0xff51afd7ed558ccdu;
		}
	sink = x;
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: appbench BUDGET_S syscall|read CHUNK FILE|pingpong|barrier|"
			"spawn|compute\n");
	return 2;
}

int main(int argc, char **argv)
{
	if (argc < 3 || (budget_s = atof(argv[1])) <= 0)
		return usage();
	const char *c = argv[2];
	int rc = -1;
	if (!strcmp(c, "syscall")) {
		long pid = getpid();
		rc = bench_run("getpid", bench_getpid, &pid, 1);
		if (!rc)
			rc = bench_run("indirect_call", bench_indirect, 0, 1);
	} else if (!strcmp(c, "read") && argc == 5) {
		struct reader r = {.chunk = strtoul(argv[3], 0, 0)};
		r.fd = open(argv[4], O_RDONLY);
		r.buf = r.chunk ? malloc(r.chunk) : 0;
		if (r.fd < 0 || !r.buf) {
			fprintf(stderr, "appbench: open %s / %zu-byte buffer: %m\n", argv[4],
				r.chunk);
			return 1;
		}
		char name[32];
		snprintf(name, sizeof(name), "read_%s", argv[3]);
		rc = bench_run(name, bench_read, &r, 1);
	} else if (!strcmp(c, "pingpong")) {
		rc = bench_run("pingpong", bench_pingpong, 0, 2);
		main_cpu = sched_getcpu();
	} else if (!strcmp(c, "barrier")) {
		rc = bench_run("barrier", bench_barrier, 0, 1);
		main_cpu = sched_getcpu();
	} else if (!strcmp(c, "spawn")) {
		rc = bench_run("spawn_join", bench_spawn, 0, 1);
	} else if (!strcmp(c, "compute")) {
		rc = bench_run("compute", bench_compute, 0, 1);
	} else {
		return usage();
	}
	if (main_cpu >= 0)
		printf("INFO %s cpus main=%d partner=%d\n", c, main_cpu, partner_cpu);
	if (rc)
		fprintf(stderr, "appbench: %s: the work failed its check\n", c);
	return rc ? 1 : 0;
}
