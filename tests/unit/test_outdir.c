/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_outdir.c - vmm/outdir.c against a temporary directory,
 * as an attacker with write access to --out would set it up: a planted
 * symlink, FIFO, hard link, directory, names that climb out, and a guest
 * that writes more than the caps allow. No /dev/kvm needed.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_run.h"
#include "tmpdir.h"
#include "vmm/kvm.h"

static char dir[80], parent[64];
static struct vm vm;
static struct vmm_opts opts;

static void od_setup(void)
{
	/* parent/out is --out; parent/victim is what an attack aims at */
	ck_assert_ptr_nonnull(check_tmpdir(parent, sizeof(parent), "pk-outdir"));
	snprintf(dir, sizeof(dir), "%s/out", parent);
	ck_assert_int_eq(mkdir(dir, 0755), 0);
	memset(&vm, 0, sizeof(vm));
	memset(&opts, 0, sizeof(opts));
	opts.out_dir = dir;
	opts.out_max_files = 1024;
	opts.out_max_bytes = 1ull << 30;
	vm.opts = &opts;
	ck_assert_int_eq(outdir_open(&vm), 0);
	ck_assert_int_ge(vm.out.fd, 0);
}

static void od_teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", parent);
	ck_assert_int_eq(system(cmd), 0);
}

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

/* the whole file, NUL-terminated; "" when it does not exist */
static const char *slurp(const char *path)
{
	static char buf[4096];
	buf[0] = 0;
	FILE *f = fopen(path, "r");
	if (!f)
		return buf;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = 0;
	fclose(f);
	return buf;
}

static int wr(const char *name, const char *data)
{
	return outdir_write(&vm, name, strlen(name), data, strlen(data));
}

static char *at(const char *name)
{
	static char p[128];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return p;
}

START_TEST(plain_write_and_rewrite)
{
	ck_assert_int_eq(wr("hello.txt", "a long first version"), 0);
	ck_assert_str_eq(slurp(at("hello.txt")), "a long first version");
	ck_assert_int_eq(wr("hello.txt", "short"), 0); /* truncated, not overlaid */
	ck_assert_str_eq(slurp(at("hello.txt")), "short");
	struct stat st;
	ck_assert_int_eq(stat(at("hello.txt"), &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0644 & ~umask(022));
	ck_assert_uint_eq(atomic_load(&vm.out.refused), 0);
}
END_TEST

START_TEST(symlink_not_followed)
{
	char victim[128];
	snprintf(victim, sizeof(victim), "%s/victim", parent);
	put(victim, "precious");
	ck_assert_int_eq(symlink("../victim", at("hello.txt")), 0);
	ck_assert_int_eq(wr("hello.txt", "pwned"), -ELOOP);
	ck_assert_str_eq(slurp(victim), "precious");
	/* a dangling one is not created through either */
	ck_assert_int_eq(symlink("../created", at("new.txt")), 0);
	ck_assert_int_eq(wr("new.txt", "pwned"), -ELOOP);
	snprintf(victim, sizeof(victim), "%s/created", parent);
	ck_assert_int_eq(access(victim, F_OK), -1);
	ck_assert_uint_eq(atomic_load(&vm.out.refused), 2);
	ck_assert_uint_eq(atomic_load(&vm.hc_warnings), 2);
}
END_TEST

START_TEST(fifo_no_hang)
{
	ck_assert_int_eq(mkfifo(at("pipe"), 0644), 0);
	alarm(5); /* a blocking open would hang here: Check reports the signal */
	ck_assert_int_eq(wr("pipe", "x"), -ENXIO);
	/* with a reader waiting, still refused: never written into */
	int rd = open(at("pipe"), O_RDONLY | O_NONBLOCK);
	ck_assert_int_ge(rd, 0);
	ck_assert_int_lt(wr("pipe", "x"), 0);
	char c;
	ck_assert_int_le(read(rd, &c, 1), 0);
	close(rd);
	alarm(0);
}
END_TEST

START_TEST(hard_link_refused)
{
	char victim[128];
	snprintf(victim, sizeof(victim), "%s/victim", parent);
	put(victim, "precious");
	ck_assert_int_eq(link(victim, at("hello.txt")), 0);
	ck_assert_int_eq(wr("hello.txt", "pwned"), -EMLINK);
	ck_assert_str_eq(slurp(victim), "precious"); /* not even truncated */
}
END_TEST

START_TEST(directory_refused)
{
	ck_assert_int_eq(mkdir(at("sub"), 0755), 0);
	ck_assert_int_eq(wr("sub", "x"), -EISDIR);
}
END_TEST

START_TEST(names_that_climb)
{
	static const char *const bad[] = {"..", ".", "", "../victim", "a/b", "/etc/passwd", 0};
	for (int i = 0; bad[i]; i++)
		ck_assert_msg(wr(bad[i], "x") == -EINVAL, "name '%s' accepted", bad[i]);
	ck_assert_int_eq(outdir_write(&vm, "a\0b", 3, "x", 1), -EINVAL);
	char longname[300];
	memset(longname, 'a', sizeof(longname));
	ck_assert_int_eq(outdir_write(&vm, longname, sizeof(longname), "x", 1), -EINVAL);
	char victim[128];
	snprintf(victim, sizeof(victim), "%s/victim", parent);
	ck_assert_int_eq(access(victim, F_OK), -1);
}
END_TEST

START_TEST(caps)
{
	vm.out.max_files = 2;
	vm.out.max_bytes = 100;
	ck_assert_int_eq(outdir_write(&vm, "a", 1, "0123456789", 10), 0);
	char big[95] = {0};
	ck_assert_int_eq(outdir_write(&vm, "b", 1, big, sizeof(big)), -EDQUOT); /* 105 > 100 */
	ck_assert_int_eq(access(at("b"), F_OK), -1);				/* not created */
	ck_assert_int_eq(outdir_write(&vm, "c", 1, big, 90), 0);		/* 100: exactly */
	ck_assert_int_eq(outdir_write(&vm, "d", 1, "", 0), -EDQUOT);		/* third file */
	ck_assert_int_eq(access(at("d"), F_OK), -1);
	/* a length that would wrap the byte counter */
	vm.out.max_files = 100;
	ck_assert_int_eq(outdir_write(&vm, "e", 1, "", (size_t)-1), -EDQUOT);
}
END_TEST

START_TEST(open_errors)
{
	struct vm v2 = {0};
	struct vmm_opts o2 = opts;
	v2.opts = &o2;
	o2.out_dir = 0;
	ck_assert_int_eq(outdir_open(&v2), 0);
	ck_assert_int_eq(outdir_write(&v2, "x", 1, "y", 1), 0); /* no --out: dropped */
	put(at("file"), "x");
	o2.out_dir = at("file");
	ck_assert_int_eq(outdir_open(&v2), -ENOTDIR);
	o2.out_dir = "/nonexistent/pk-out";
	ck_assert_int_eq(outdir_open(&v2), -ENOENT);
}
END_TEST

START_TEST(fsize_limit_efbig)
{
	/* in a child: RLIMIT_FSIZE is for the whole process */
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		dup2(null, 1); /* not regular files: no console headroom */
		dup2(null, 2);
		vm.out.max_bytes = 4096;
		if (outdir_limit_fsize(&vm) < 0)
			_exit(10);
		struct rlimit rl;
		if (getrlimit(RLIMIT_FSIZE, &rl) < 0 || rl.rlim_cur != 4096 || rl.rlim_max != 4096)
			_exit(11);
		vm.out.max_bytes = 1 << 20; /* pretend the caps were wrong */
		static char big[8192];
		int rc = outdir_write(&vm, "big", 3, big, sizeof(big));
		_exit(rc == -EFBIG ? 0 : 12); /* SIGXFSZ did not kill us */
	}
	int st;
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child status %#x", st);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("outdir");
	TCase *t = tcase_create("outdir");
	tcase_add_checked_fixture(t, od_setup, od_teardown);
	tcase_add_test(t, plain_write_and_rewrite);
	tcase_add_test(t, symlink_not_followed);
	tcase_add_test(t, fifo_no_hang);
	tcase_add_test(t, hard_link_refused);
	tcase_add_test(t, directory_refused);
	tcase_add_test(t, names_that_climb);
	tcase_add_test(t, caps);
	tcase_add_test(t, open_errors);
	tcase_add_test(t, fsize_limit_efbig);
	suite_add_tcase(s, t);
	return check_run(s);
}
