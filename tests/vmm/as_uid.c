/* SPDX-License-Identifier: MIT */
/* tests/vmm/as_uid.c - `as_uid UID CMD ARGS...`: run CMD as UID/GID UID
 * with no supplementary groups. The nested L1's busybox has no applet that
 * sets a uid without a password database (its setpriv lacks --reuid), and
 * debug_sockets.sh needs a client of another uid. */
#define _GNU_SOURCE
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: as_uid UID CMD [ARGS...]\n");
		return 2;
	}
	char *end;
	unsigned long id = strtoul(argv[1], &end, 10);
	if (*end || end == argv[1]) {
		fprintf(stderr, "as_uid: %s: not a uid\n", argv[1]);
		return 2;
	}
	if (setgroups(0, 0) < 0 || setgid((gid_t)id) < 0 || setuid((uid_t)id) < 0) {
		perror("as_uid: setgroups/setgid/setuid");
		return 1;
	}
	execvp(argv[2], argv + 2);
	perror(argv[2]);
	return 127;
}
