/* SPDX-License-Identifier: MIT */
/* examples/pingpong.c - a mutex/condvar ping-pong between two threads
 * (futex wait and wake on every turn), ROUNDS round trips. */
#include <pthread.h>
#include <stdio.h>

#define ROUNDS 2000

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int turn; /* 0: ping's, 1: pong's */
static int count;

static void *pong(void *arg)
{
	(void)arg;
	for (int i = 0; i < ROUNDS; i++) {
		pthread_mutex_lock(&mu);
		while (turn != 1)
			pthread_cond_wait(&cv, &mu);
		count++;
		turn = 0;
		pthread_cond_signal(&cv);
		pthread_mutex_unlock(&mu);
	}
	return 0;
}

int main(void)
{
	pthread_t t;
	if (pthread_create(&t, 0, pong, 0))
		return 1;
	for (int i = 0; i < ROUNDS; i++) {
		pthread_mutex_lock(&mu);
		turn = 1;
		pthread_cond_signal(&cv);
		while (turn != 0)
			pthread_cond_wait(&cv, &mu);
		pthread_mutex_unlock(&mu);
	}
	pthread_join(t, 0);
	printf("ping-pong: %d round trips\n", count);
	return count == ROUNDS ? 0 : 1;
}
