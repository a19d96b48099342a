/* SPDX-License-Identifier: MIT */
/* tools/kperf/perf_spawn.c - child processes without a shell (perf_spawn.h). */
#include "perf_spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

pid_t kp_spawn(char *const argv[], int *out_fd)
{
	int p[2] = {-1, -1};
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	if (out_fd) {
		if (pipe2(p, O_CLOEXEC) < 0) {
			fprintf(stderr, "kperf: %s: pipe: %s\n", argv[0], strerror(errno));
			posix_spawn_file_actions_destroy(&fa);
			return -1;
		}
		posix_spawn_file_actions_adddup2(&fa, p[1], STDOUT_FILENO);
	}
	pid_t pid;
	int rc = posix_spawnp(&pid, argv[0], &fa, 0, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (out_fd)
		close(p[1]);
	if (rc != 0) {
		fprintf(stderr, "kperf: cannot run %s: %s\n", argv[0], strerror(rc));
		if (out_fd)
			close(p[0]);
		return -1;
	}
	if (out_fd)
		*out_fd = p[0];
	return pid;
}

int kp_wait(pid_t pid)
{
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
