/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_sandbox.c - the seccomp filters of vmm/sandbox.c on
 * this host, no /dev/kvm needed: each case forks a child that installs
 * the base filter and one role, then does what that role does (allowed)
 * or what it must not (trapped with a message and exit 126, or killed).
 * Built without sanitizers: their runtimes make system calls of their own.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_run.h"
#include "tmpdir.h"
#include "vmm/kvm.h"
#include "vmm/sandbox.h"

static struct vm vm;
static struct vmm_opts opts;
static int elf_fd = -1; /* this test's own ELF, opened before the sandbox */

/* Run body in a sandboxed child with stderr into a pipe; returns the wait
 * status, the child's stderr in err. */
static int in_child(enum sandbox_role role, void (*body)(void), char *err, size_t errlen)
{
	int p[2];
	ck_assert_int_eq(pipe(p), 0);
	fflush(0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		dup2(p[1], 2);
		close(p[0]);
		memset(&opts, 0, sizeof(opts));
		memset(&vm, 0, sizeof(vm));
		opts.cpus = 1;
		vm.opts = &opts;
		vm.ncpus = 1;
		elf_fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
		if (sandbox_setup(&vm, SB_BASE) < 0 || sandbox_thread_enter(role) < 0)
			_exit(50);
		body();
		_exit(0);
	}
	close(p[1]);
	size_t n = 0;
	ssize_t r;
	while (n + 1 < errlen && (r = read(p[0], err + n, errlen - 1 - n)) > 0)
		n += (size_t)r;
	err[n] = 0;
	close(p[0]);
	int st;
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	return st;
}

static void vcpu_work(void)
{
	/* what a vCPU thread does between KVM_RUNs: allowed */
	void *big = malloc(8 << 20); /* mmap */
	if (!big)
		_exit(60);
	memset(big, 1, 8 << 20);
	free(big);
	if (ioctl(-1, KVM_RUN, 0) != -1 || errno != EBADF) /* the filter let it through */
		_exit(61);
	if (ioctl(-1, KVM_GET_REGS, 0) != -1 || errno != EBADF)
		_exit(62);
	struct stat st;
	if (fstat(2, &st) < 0)
		_exit(63);
	/* a crash dump's symbol lookup (vcpu.c): libelf through the fd */
	char sym[64];
	uint64_t off;
	elf_symbol_fd(elf_fd, 0x1000, &off, sym, sizeof(sym));
	pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
	pthread_mutex_lock(&mu);
	pthread_mutex_unlock(&mu);
	fprintf(stderr, "vcpu work done\n");
}

START_TEST(vcpu_allowed)
{
	char err[512];
	int st = in_child(SB_VCPU, vcpu_work, err, sizeof(err));
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x: %s", st, err);
	ck_assert_ptr_nonnull(strstr(err, "vcpu work done"));
}
END_TEST

static void vcpu_vm_ioctl(void)
{
	ioctl(-1, KVM_CREATE_VCPU, 0); /* a VM ioctl: no thread may after setup */
}

START_TEST(vcpu_vm_ioctl_trapped)
{
	char err[512];
	int st = in_child(SB_VCPU, vcpu_vm_ioctl, err, sizeof(err));
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == VMM_EXIT_SANDBOX, "status %#x: %s", st,
		      err);
	ck_assert_msg(strstr(err, "the vCPU thread made system call 16 (ioctl)"), "%s", err);
}
END_TEST

static void main_getppid(void)
{
	syscall(SYS_getppid);
}

START_TEST(main_forbidden_named)
{
	char err[512];
	int st = in_child(SB_MAIN, main_getppid, err, sizeof(err));
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == VMM_EXIT_SANDBOX, "status %#x: %s", st,
		      err);
	ck_assert_msg(strstr(err, "the main thread made system call 110 (getppid)"), "%s", err);
}
END_TEST

/* what the virtio-net I/O thread does: eventfd kicks, poll, libslirp's
 * UDP socket to a loopback peer (socket, bind, sendto, recvfrom,
 * FIONREAD), writev; and its lazy open of /etc/resolv.conf fails softly */
static int net_efd = -1; /* made before the sandbox, as virtio_pci.c does */
static void net_work(void)
{
	int e = net_efd;
	uint64_t one = 1, v;
	if (e < 0 || write(e, &one, 8) != 8 || read(e, &v, 8) != 8)
		_exit(70);
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001)};
	socklen_t al = sizeof(a);
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    getsockname(s, (struct sockaddr *)&a, &al) < 0)
		_exit(71);
	if (sendto(s, "ping", 4, 0, (struct sockaddr *)&a, sizeof(a)) != 4)
		_exit(72);
	struct pollfd p = {.fd = s, .events = POLLIN};
	int waiting = 0;
	char buf[8];
	if (poll(&p, 1, 1000) != 1 || ioctl(s, FIONREAD, &waiting) < 0 ||
	    recvfrom(s, buf, sizeof(buf), 0, 0, 0) != 4)
		_exit(73);
	struct iovec iov = {"net\n", 4};
	if (writev(2, &iov, 1) != 4)
		_exit(74);
	if (open("/etc/resolv.conf", O_RDONLY) != -1 || errno != EACCES)
		_exit(75);
	close(s);
	fprintf(stderr, "net work done\n");
}

START_TEST(net_allowed)
{
	char err[512];
	net_efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	ck_assert_int_ge(net_efd, 0);
	int st = in_child(SB_NET, net_work, err, sizeof(err));
	close(net_efd);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x: %s", st, err);
	ck_assert_ptr_nonnull(strstr(err, "net work done"));
}
END_TEST

static void net_unix_socket(void)
{
	socket(AF_UNIX, SOCK_STREAM, 0); /* slirp only makes Internet sockets */
}

START_TEST(net_unix_socket_trapped)
{
	char err[512];
	int st = in_child(SB_NET, net_unix_socket, err, sizeof(err));
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == VMM_EXIT_SANDBOX, "status %#x: %s", st,
		      err);
	ck_assert_msg(strstr(err, "the net thread made system call 41 (socket)"), "%s", err);
}
END_TEST

static void perf_open(void)
{
	open("/etc/passwd", O_RDONLY);
}

START_TEST(perf_no_open)
{
	char err[512];
	int st = in_child(SB_PERF, perf_open, err, sizeof(err));
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == VMM_EXIT_SANDBOX, "status %#x: %s", st,
		      err);
	ck_assert_msg(strstr(err, "(openat)"), "%s", err);
}
END_TEST

static void exec_mapping(void)
{
	mmap(0, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

START_TEST(exec_mapping_killed)
{
	char err[512];
	int st = in_child(SB_VCPU, exec_mapping, err, sizeof(err));
	ck_assert_msg(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS, "status %#x: %s", st, err);
}
END_TEST

static void *thread_fn(void *a)
{
	return a;
}

static void new_thread(void)
{
	pthread_t t;
	pthread_create(&t, 0, thread_fn, 0);
}

START_TEST(main_no_new_threads)
{
	char err[512];
	int st = in_child(SB_MAIN, new_thread, err, sizeof(err));
	/* glibc's first pthread_create installs a handler (trapped: 126) before
	 * its clone3 (killed) */
	ck_assert_msg((WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS) ||
			      (WIFEXITED(st) && WEXITSTATUS(st) == VMM_EXIT_SANDBOX),
		      "status %#x: %s", st, err);
}
END_TEST

static void *vcpu_thread_fn(void *a)
{
	(void)a;
	if (sandbox_thread_enter(SB_VCPU) < 0)
		_exit(70);
	vcpu_work();
	return 0;
}

static void base_starts_threads(void)
{
	/* under the base filter (before SB_MAIN) main starts a thread that
	 * enters its role, as vcpu_start_all does */
	pthread_t t;
	if (pthread_create(&t, 0, vcpu_thread_fn, 0) || pthread_join(t, 0))
		_exit(71);
}

START_TEST(base_then_role)
{
	char err[512];
	int st = in_child(SB_BASE, base_starts_threads, err, sizeof(err));
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x: %s", st, err);
	ck_assert_ptr_nonnull(strstr(err, "vcpu work done"));
}
END_TEST

/* Landlock: a vCPU thread may open files beneath the registered
 * directory (--out), and nothing else, although seccomp allows openat */
static int ll_dir = -1;
static void vcpu_open_files(void)
{
	int fd = openat(ll_dir, "result.bin", O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	if (fd < 0)
		_exit(70);
	close(fd);
	errno = 0;
	fd = open("/etc/passwd", O_RDONLY | O_CLOEXEC);
	fprintf(stderr, "outside: %s\n", fd >= 0 ? "opened" : strerror(errno));
	if (fd >= 0 || errno != EACCES)
		_exit(71);
	/* what the nested self-test opens (L1 has no /etc/passwd) */
	fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	_exit(fd < 0 && errno == EACCES ? 0 : 72);
}

START_TEST(landlock_confines_files)
{
	if (syscall(SYS_landlock_create_ruleset, NULL, 0, 1u /* VERSION */) < 1) {
		printf("SKIP landlock_confines_files: no Landlock in this kernel\n");
		return;
	}
	char dir[64];
	ck_assert_ptr_nonnull(check_tmpdir(dir, sizeof(dir), "pk-landlock"));
	ll_dir = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(ll_dir, 0);
	ck_assert_int_eq(sandbox_fs_allow(ll_dir, true), 0);
	char err[512];
	int st = in_child(SB_VCPU, vcpu_open_files, err, sizeof(err));
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x: %s", st, err);
	ck_assert_ptr_nonnull(strstr(err, "outside: Permission denied"));
	char path[96];
	snprintf(path, sizeof(path), "%s/result.bin", dir);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sandbox");
	TCase *t = tcase_create("sandbox");
	tcase_add_test(t, vcpu_allowed);
	tcase_add_test(t, vcpu_vm_ioctl_trapped);
	tcase_add_test(t, main_forbidden_named);
	tcase_add_test(t, perf_no_open);
	tcase_add_test(t, exec_mapping_killed);
	tcase_add_test(t, main_no_new_threads);
	tcase_add_test(t, base_then_role);
	tcase_add_test(t, net_allowed);
	tcase_add_test(t, net_unix_socket_trapped);
	tcase_add_test(t, landlock_confines_files);
	suite_add_tcase(s, t);
	return check_run(s);
}
