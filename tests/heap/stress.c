/* SPDX-License-Identifier: MIT */
/*
 * tests/heap/stress.c - a threaded malloc stress for LD_PRELOAD=libkheap.so
 * (tests/heap/preload.sh): threads swap blocks through shared slots (so
 * most frees are remote), check every block's content, exit and get
 * replaced (heap recycling), and one fork()s mid-run (the child allocates
 * on two threads and exits). Exit 0 only when every check held.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define SLOTS 4096
#define THREADS 4
#define GENERATIONS 6
#define OPS 60000

static unsigned char *slot[SLOTS];
static int bad;

static unsigned char *make(uint64_t *s)
{
	*s = *s * 6364136223846793005ull + 1442695040888963407ull;
	size_t n = 16 + (*s >> 40) % ((*s >> 33) % 128 == 0 ? 300000 : 700);
	unsigned char *p = (*s >> 30) % 16 == 0 ? calloc(1, n) : malloc(n);
	if (!p) {
		fprintf(stderr, "stress: malloc(%zu) failed\n", n);
		exit(1);
	}
	memcpy(p, &n, sizeof(n));
	memset(p + sizeof(n), (int)(n & 0xff), n - sizeof(n));
	return p;
}

static void check(unsigned char *p)
{
	size_t n;
	memcpy(&n, p, sizeof(n));
	if (n < 16 || n > 300016 || p[n - 1] != (unsigned char)(n & 0xff) ||
	    p[sizeof(n)] != (unsigned char)(n & 0xff)) {
		fprintf(stderr, "stress: corrupted block %p\n", (void *)p);
		__atomic_store_n(&bad, 1, __ATOMIC_RELAXED);
	}
}

static void *child_thread(void *arg)
{
	(void)arg;
	for (int i = 0; i < 10000; i++)
		free(malloc((size_t)i % 2000 + 1));
	return 0;
}

static void *worker(void *arg)
{
	uint64_t s = (uintptr_t)arg * 0x9e3779b97f4a7c15ull + 1;
	for (int i = 0; i < OPS; i++) {
		unsigned char *p = make(&s);
		unsigned char *old =
			__atomic_exchange_n(&slot[(s >> 20) % SLOTS], p, __ATOMIC_ACQ_REL);
		if (old) {
			check(old);
			if ((s >> 25) % 8 == 0) {
				size_t n;
				memcpy(&n, old, sizeof(n));
				old = realloc(old, n / 2 + 16); /* keeps the header */
				if (!old)
					exit(1);
			}
			free(old);
		}
		if ((uintptr_t)arg == 1 && i == OPS / 2) {
			pid_t pid = fork();
			if (pid == 0) {
				pthread_t t[2];
				for (int k = 0; k < 2; k++)
					pthread_create(&t[k], 0, child_thread, 0);
				for (int k = 0; k < 2; k++)
					pthread_join(t[k], 0);
				_exit(0);
			}
			int st = 0;
			if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
			    WEXITSTATUS(st) != 0) {
				fprintf(stderr, "stress: forked child failed (status %d)\n", st);
				__atomic_store_n(&bad, 1, __ATOMIC_RELAXED);
			}
		}
	}
	return 0;
}

int main(void)
{
	for (int g = 0; g < GENERATIONS; g++) {
		pthread_t t[THREADS];
		for (uintptr_t i = 0; i < THREADS; i++)
			pthread_create(&t[i], 0, worker, (void *)(i + 1 + (uintptr_t)g * THREADS));
		for (int i = 0; i < THREADS; i++)
			pthread_join(t[i], 0);
	}
	for (int i = 0; i < SLOTS; i++)
		if (slot[i]) {
			check(slot[i]);
			free(slot[i]);
		}
	if (bad)
		return 1;
	printf("stress: ok\n");
	return 0;
}
