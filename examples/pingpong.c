/* SPDX-License-Identifier: MIT */
/* examples/pingpong.c - a mutex/condvar ping-pong between two threads
 * (futex wait and wake on every turn), ROUNDS round trips; pong waits
 * with a (far) timeout every other turn, so timed futex waits must be
 * woken too, and a last timed wait nobody signals must time out. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <time.h>

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
		struct timespec far;
		clock_gettime(CLOCK_REALTIME, &far);
		far.tv_sec += 60;
		while (turn != 1)
			if (i & 1)
				pthread_cond_timedwait(&cv, &mu, &far);
			else
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
	struct timespec soon;
	clock_gettime(CLOCK_REALTIME, &soon);
	soon.tv_nsec += 20000000;
	if (soon.tv_nsec >= 1000000000)
		soon.tv_sec++, soon.tv_nsec -= 1000000000;
	pthread_mutex_lock(&mu);
	int rc = pthread_cond_timedwait(&cv, &mu, &soon);
	pthread_mutex_unlock(&mu);
	printf("ping-pong: a timed wait nobody signals: %s\n",
	       rc == ETIMEDOUT ? "ETIMEDOUT" : "WRONG");
	return count == ROUNDS && rc == ETIMEDOUT ? 0 : 1;
}
