/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_dbg_sock.c - the debug sockets' setup rules without
 * /dev/kvm (vmm/dbg_sock.c): mode 0600 whatever the umask, nothing but a
 * stale socket is ever removed, a live socket is not stolen, and a client
 * whose uid differs from ours is refused (SO_PEERCRED; needs root to
 * become another uid, skipped otherwise).
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_run.h"
#include "tmpdir.h"
#include "vmm/dbg_sock.h"

static char dir[64], path[128];

static void setup(void)
{
	ck_assert_ptr_nonnull(check_tmpdir(dir, sizeof(dir), "pk-dbgsock"));
	/* searchable by the other uid of peer_uid_checked: only the socket's
	 * own mode stands between it and us */
	ck_assert_int_eq(chmod(dir, 0711), 0);
	snprintf(path, sizeof(path), "%s/s", dir);
}

static void teardown(void)
{
	char other[160];
	unlink(path);
	snprintf(other, sizeof(other), "%s/t", dir);
	unlink(other);
	rmdir(dir);
}

static int client_connect(const char *p)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	strcpy(a.sun_path, p);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

START_TEST(mode_0600_despite_umask)
{
	struct dbg_sock s;
	mode_t old = umask(0); /* the worst umask: bind alone would give 0777 */
	ck_assert_int_eq(dbg_sock_listen_unix(&s, "--monitor", path), 0);
	ck_assert_uint_eq(umask(old), 0); /* restored */
	struct stat st;
	ck_assert_int_eq(lstat(path, &st), 0);
	ck_assert(S_ISSOCK(st.st_mode));
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	close(s.lfd);
}
END_TEST

START_TEST(regular_file_and_symlink_are_left_alone)
{
	struct dbg_sock s;
	int fd = open(path, O_CREAT | O_WRONLY, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "data", 4), 4);
	close(fd);
	ck_assert_int_eq(dbg_sock_listen_unix(&s, "--monitor", path), -EEXIST);
	struct stat st;
	ck_assert_int_eq(lstat(path, &st), 0);
	ck_assert(S_ISREG(st.st_mode) && st.st_size == 4);
	/* a symlink (even to a socket) is refused, the link and target kept */
	char target[160];
	snprintf(target, sizeof(target), "%s/t", dir);
	ck_assert_int_eq(rename(path, target), 0);
	ck_assert_int_eq(symlink(target, path), 0);
	ck_assert_int_eq(dbg_sock_listen_unix(&s, "--gdb", path), -EEXIST);
	ck_assert_int_eq(lstat(path, &st), 0);
	ck_assert(S_ISLNK(st.st_mode));
	ck_assert_int_eq(stat(target, &st), 0);
	ck_assert(S_ISREG(st.st_mode) && st.st_size == 4);
	unlink(path);
	/* a directory */
	ck_assert_int_eq(mkdir(path, 0700), 0);
	ck_assert_int_eq(dbg_sock_listen_unix(&s, "--gdb", path), -EEXIST);
	ck_assert_int_eq(rmdir(path), 0);
}
END_TEST

START_TEST(stale_replaced_live_refused)
{
	struct dbg_sock a, b;
	ck_assert_int_eq(dbg_sock_listen_unix(&a, "--monitor", path), 0);
	/* someone listens: not ours to take */
	ck_assert_int_eq(dbg_sock_listen_unix(&b, "--monitor", path), -EADDRINUSE);
	/* the listener is gone (a killed vmm): the stale file is replaced */
	close(a.lfd);
	usleep(10000); /* a different change time even on a coarse clock */
	ck_assert_int_eq(dbg_sock_listen_unix(&b, "--monitor", path), 0);
	/* and the unlink at exit only removes the file it made */
	dbg_sock_unlink(&a); /* a's inode is gone: b's socket stays */
	ck_assert_int_eq(access(path, F_OK), 0);
	dbg_sock_unlink(&b);
	ck_assert_int_eq(access(path, F_OK), -1);
	close(b.lfd);
}
END_TEST

START_TEST(peer_uid_checked)
{
	struct dbg_sock s;
	ck_assert_int_eq(dbg_sock_listen_unix(&s, "--gdb", path), 0);
	/* our own uid is accepted */
	int c = client_connect(path);
	ck_assert_int_ge(c, 0);
	int fd = dbg_sock_accept(&s);
	ck_assert_int_ge(fd, 0);
	close(fd);
	close(c);
	if (geteuid() != 0) {
		fprintf(stderr,
			"SKIP peer_uid_checked/other-uid: needs root to become uid 65534\n");
		close(s.lfd);
		return;
	}
	/* uid 65534 cannot even connect through mode 0600 ... */
	pid_t pid = fork();
	if (pid == 0) {
		if (setgid(65534) || setuid(65534))
			_exit(3);
		_exit(client_connect(path) < 0 && errno == EACCES ? 0 : 1);
	}
	int st;
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_int_eq(WEXITSTATUS(st), 0);
	/* ... and with the mode opened up, SO_PEERCRED still refuses it: the
	 * refused client sees EOF, the next (ours) is the one accepted */
	ck_assert_int_eq(chmod(path, 0666), 0);
	int ready[2];
	ck_assert_int_eq(pipe(ready), 0);
	pid = fork();
	if (pid == 0) {
		if (setgid(65534) || setuid(65534))
			_exit(3);
		int cfd = client_connect(path);
		if (cfd < 0)
			_exit(4);
		ck_assert_int_eq(write(ready[1], "c", 1), 1); /* queued first */
		char ch;
		_exit(read(cfd, &ch, 1) == 0 ? 0 : 5); /* EOF: refused */
	}
	char ch;
	ck_assert_int_eq(read(ready[0], &ch, 1), 1);
	c = client_connect(path);
	ck_assert_int_ge(c, 0);
	fd = dbg_sock_accept(&s); /* refuses the first, returns ours */
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_int_eq(WEXITSTATUS(st), 0);
	ck_assert_int_eq(write(c, "x", 1), 1);
	ck_assert_int_eq(read(fd, &ch, 1), 1); /* the accepted one is ours */
	close(fd);
	close(c);
	close(s.lfd);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("dbg_sock");
	TCase *t = tcase_create("sockets");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, mode_0600_despite_umask);
	tcase_add_test(t, regular_file_and_symlink_are_left_alone);
	tcase_add_test(t, stale_replaced_live_refused);
	tcase_add_test(t, peer_uid_checked);
	suite_add_tcase(s, t);
	return check_run(s);
}
