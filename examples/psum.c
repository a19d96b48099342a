/* SPDX-License-Identifier: MIT */
/* examples/psum.c - a pthreads parallel sum: N threads (argv[1], default
 * 2) add up disjoint slices of 1..M and the main thread joins them. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define M 20000000ull

struct slice {
	unsigned long long lo, hi, sum;
};

static void *work(void *arg)
{
	struct slice *s = arg;
	for (unsigned long long i = s->lo; i < s->hi; i++)
		s->sum += i;
	return 0;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 2;
	if (n < 1 || n > 64)
		return 2;
	pthread_t t[64];
	struct slice s[64];
	for (int i = 0; i < n; i++) {
		s[i] = (struct slice){M * i / n + 1, M * (i + 1) / n + 1, 0};
		if (pthread_create(&t[i], 0, work, &s[i])) {
			printf("pthread_create %d failed\n", i);
			return 1;
		}
	}
	unsigned long long total = 0;
	for (int i = 0; i < n; i++) {
		pthread_join(t[i], 0);
		total += s[i].sum;
	}
	printf("sum 1..%llu with %d threads = %llu (%s)\n", M, n, total,
	       total == M * (M + 1) / 2 ? "right" : "WRONG");
	return total == M * (M + 1) / 2 ? 0 : 1;
}
