/* SPDX-License-Identifier: MIT */
/* bench/boot/timeit.c [-o FILE] CMD ARGS... - run CMD with its output
 * discarded (or, with -o, stdout and stderr into FILE: the apps suite keeps
 * the program's own BENCH lines) and print "<wall ns> <exit status>"
 * (CLOCK_MONOTONIC, fork to exit). */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	const char *keep = "/dev/null";
	if (argc > 2 && !strcmp(argv[1], "-o")) {
		keep = argv[2];
		argc -= 2, argv += 2;
	}
	if (argc < 2) {
		fprintf(stderr, "usage: timeit [-o FILE] CMD [ARGS...]\n");
		return 2;
	}
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	pid_t pid = fork();
	if (pid == 0) {
		int in = open("/dev/null", O_RDONLY);
		int out = open(keep, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (in < 0 || out < 0) {
			perror(keep);
			_exit(127);
		}
		dup2(in, 0);
		dup2(out, 1);
		dup2(out, 2);
		execvp(argv[1], argv + 1);
		_exit(127);
	}
	int st = 0;
	waitpid(pid, &st, 0);
	clock_gettime(CLOCK_MONOTONIC, &b);
	long long ns = (b.tv_sec - a.tv_sec) * 1000000000ll + (b.tv_nsec - a.tv_nsec);
	printf("%lld %d\n", ns, WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	return 0;
}
