/* SPDX-License-Identifier: MIT */
/*
 * examples/native.c - the native perfkern API (include/perfkern/
 * perfkern.h) from an ordinary static program: a parallel_for over every
 * CPU and a channel between a pthread and main, no system call for
 * either. On Linux the table is absent and it says so (exit 0).
 */
#include <perfkern/perfkern.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

#define N 1000000
#define ITEMS 1000

static uint64_t squares;
static const struct pk_api *pk;

static void square(uint64_t i, void *arg)
{
	(void)arg;
	__atomic_fetch_add(&squares, i * i % 7, __ATOMIC_RELAXED);
}

static void *producer(void *chan)
{
	for (uintptr_t i = 1; i <= ITEMS; i++)
		if (pk->chan_send(chan, (void *)i))
			return (void *)1;
	pk->chan_close(chan);
	return 0;
}

int main(void)
{
	pk = pk_api();
	if (!pk) {
		printf("native: not on perfkern (no AT_PERFKERN)\n");
		return 0;
	}
	printf("native: api v%u, %u CPUs\n", pk->version, pk->cpu_count());
	struct pk_region r = pk->region_begin("native-pfor");
	int rc = pk->parallel_for(N, square, 0);
	pk->region_end(&r);
	uint64_t want = 0;
	for (uint64_t i = 0; i < N; i++)
		want += i * i % 7;
	printf("native: parallel_for rc %d, sum %s\n", rc, squares == want ? "right" : "WRONG");

	void *chan = pk->chan_new(16);
	pthread_t t;
	if (!chan || pthread_create(&t, 0, producer, chan))
		return 1;
	uint64_t sum = 0;
	void *item;
	unsigned got = 0;
	while (pk->chan_recv(chan, &item) == 0) {
		sum += (uintptr_t)item;
		got++;
	}
	pthread_join(t, 0);
	pk->chan_free(chan);
	int ok = squares == want && got == ITEMS && sum == (uint64_t)ITEMS * (ITEMS + 1) / 2;
	printf("native: channel %u items, sum %s\n", got, ok ? "right" : "WRONG");
	return ok ? 0 : 1;
}
