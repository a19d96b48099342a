/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_systable.c - the Linux syscall table as built into the
 * kernel: the pk_linux_sys section of guest.elf, read with libelf. Every
 * entry's number must be the host's SYS_<name> (the x86-64 Linux ABI the
 * programs were built for), no number twice, the strace argument letters
 * well-formed, and the calls static glibc and musl start with present.
 */
#include <check.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "check_run.h"

struct known {
	const char *name;
	long nr;
};
static const struct known linux_abi[] = {
	{"accept", SYS_accept},
	{"accept4", SYS_accept4},
	{"access", SYS_access},
	{"arch_prctl", SYS_arch_prctl},
	{"bind", SYS_bind},
	{"brk", SYS_brk},
	{"chdir", SYS_chdir},
	{"clock_getres", SYS_clock_getres},
	{"clock_gettime", SYS_clock_gettime},
	{"clock_nanosleep", SYS_clock_nanosleep},
	{"clone", SYS_clone},
	{"clone3", SYS_clone3},
	{"close", SYS_close},
	{"connect", SYS_connect},
	{"dup", SYS_dup},
	{"dup2", SYS_dup2},
	{"dup3", SYS_dup3},
	{"epoll_create", SYS_epoll_create},
	{"epoll_create1", SYS_epoll_create1},
	{"epoll_ctl", SYS_epoll_ctl},
	{"epoll_pwait", SYS_epoll_pwait},
	{"epoll_wait", SYS_epoll_wait},
	{"execve", SYS_execve},
	{"exit", SYS_exit},
	{"exit_group", SYS_exit_group},
	{"faccessat", SYS_faccessat},
	{"fcntl", SYS_fcntl},
	{"fdatasync", SYS_fdatasync},
	{"fork", SYS_fork},
	{"fstat", SYS_fstat},
	{"fsync", SYS_fsync},
	{"ftruncate", SYS_ftruncate},
	{"futex", SYS_futex},
	{"getcpu", SYS_getcpu},
	{"getcwd", SYS_getcwd},
	{"getdents64", SYS_getdents64},
	{"getegid", SYS_getegid},
	{"geteuid", SYS_geteuid},
	{"getgid", SYS_getgid},
	{"getpeername", SYS_getpeername},
	{"getpgid", SYS_getpgid},
	{"getpgrp", SYS_getpgrp},
	{"getpid", SYS_getpid},
	{"getppid", SYS_getppid},
	{"getrandom", SYS_getrandom},
	{"getresgid", SYS_getresgid},
	{"getresuid", SYS_getresuid},
	{"getrlimit", SYS_getrlimit},
	{"getsid", SYS_getsid},
	{"getsockname", SYS_getsockname},
	{"getsockopt", SYS_getsockopt},
	{"gettid", SYS_gettid},
	{"gettimeofday", SYS_gettimeofday},
	{"getuid", SYS_getuid},
	{"ioctl", SYS_ioctl},
	{"kill", SYS_kill},
	{"listen", SYS_listen},
	{"lseek", SYS_lseek},
	{"lstat", SYS_lstat},
	{"madvise", SYS_madvise},
	{"mkdir", SYS_mkdir},
	{"mkdirat", SYS_mkdirat},
	{"mmap", SYS_mmap},
	{"mprotect", SYS_mprotect},
	{"mremap", SYS_mremap},
	{"munmap", SYS_munmap},
	{"nanosleep", SYS_nanosleep},
	{"newfstatat", SYS_newfstatat},
	{"open", SYS_open},
	{"openat", SYS_openat},
	{"pipe", SYS_pipe},
	{"pipe2", SYS_pipe2},
	{"poll", SYS_poll},
	{"ppoll", SYS_ppoll},
	{"prctl", SYS_prctl},
	{"pread64", SYS_pread64},
	{"prlimit64", SYS_prlimit64},
	{"pselect6", SYS_pselect6},
	{"pwrite64", SYS_pwrite64},
	{"read", SYS_read},
	{"readlink", SYS_readlink},
	{"readv", SYS_readv},
	{"recvfrom", SYS_recvfrom},
	{"recvmsg", SYS_recvmsg},
	{"rename", SYS_rename},
	{"renameat", SYS_renameat},
	{"rmdir", SYS_rmdir},
	{"rseq", SYS_rseq},
	{"rt_sigaction", SYS_rt_sigaction},
	{"rt_sigprocmask", SYS_rt_sigprocmask},
	{"sched_getaffinity", SYS_sched_getaffinity},
	{"sched_setaffinity", SYS_sched_setaffinity},
	{"sched_yield", SYS_sched_yield},
	{"select", SYS_select},
	{"sendmsg", SYS_sendmsg},
	{"sendto", SYS_sendto},
	{"set_robust_list", SYS_set_robust_list},
	{"set_tid_address", SYS_set_tid_address},
	{"setsockopt", SYS_setsockopt},
	{"shutdown", SYS_shutdown},
	{"sigaltstack", SYS_sigaltstack},
	{"socket", SYS_socket},
	{"socketpair", SYS_socketpair},
	{"stat", SYS_stat},
	{"statx", SYS_statx},
	{"sysinfo", SYS_sysinfo},
	{"tgkill", SYS_tgkill},
	{"time", SYS_time},
	{"tkill", SYS_tkill},
	{"umask", SYS_umask},
	{"uname", SYS_uname},
	{"unlink", SYS_unlink},
	{"unlinkat", SYS_unlinkat},
	{"vfork", SYS_vfork},
	{"write", SYS_write},
	{"writev", SYS_writev},
};

struct entry { /* struct linux_sysdef on x86-64 (guest/linux/linux.h) */
	uint32_t nr, pad;
	uint64_t name, fn, args;
};

static Elf *e;
static int fd = -1;

/* The NUL-terminated string at virtual address va, from its section. */
static const char *str_at(uint64_t va)
{
	Elf_Scn *scn = 0;
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_PROGBITS || va < sh.sh_addr ||
		    va >= sh.sh_addr + sh.sh_size)
			continue;
		Elf_Data *d = elf_getdata(scn, 0);
		const char *s = (const char *)d->d_buf + (va - sh.sh_addr);
		return memchr(s, 0, sh.sh_addr + sh.sh_size - va) ? s : 0;
	}
	return 0;
}

static const struct entry *table(size_t *n)
{
	elf_version(EV_CURRENT);
	fd = open(GUEST_ELF, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	e = elf_begin(fd, ELF_C_READ, 0);
	ck_assert_ptr_nonnull(e);
	/* __start_pk_linux_sys / __stop_pk_linux_sys */
	uint64_t start = 0, stop = 0;
	Elf_Scn *scn = 0;
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB)
			continue;
		Elf_Data *d = elf_getdata(scn, 0);
		for (size_t i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Sym s;
			gelf_getsym(d, (int)i, &s);
			const char *nm = elf_strptr(e, sh.sh_link, s.st_name);
			if (nm && !strcmp(nm, "__start_pk_linux_sys"))
				start = s.st_value;
			if (nm && !strcmp(nm, "__stop_pk_linux_sys"))
				stop = s.st_value;
		}
	}
	ck_assert_msg(start && stop > start, "no pk_linux_sys table in %s", GUEST_ELF);
	ck_assert_uint_eq((stop - start) % sizeof(struct entry), 0);
	*n = (stop - start) / sizeof(struct entry);
	/* the entries: bytes at start, in whichever section holds them */
	scn = 0;
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_PROGBITS && start >= sh.sh_addr &&
		    stop <= sh.sh_addr + sh.sh_size)
			return (const struct entry *)((const char *)elf_getdata(scn, 0)->d_buf +
						      (start - sh.sh_addr));
	}
	ck_abort_msg("pk_linux_sys is in no section");
	return 0;
}

START_TEST(systable_matches_linux_abi)
{
	size_t n;
	const struct entry *t = table(&n);
	ck_assert_uint_ge(n, 60);
	for (size_t i = 0; i < n; i++) {
		const char *name = str_at(t[i].name), *args = str_at(t[i].args);
		ck_assert_msg(name && args, "entry %zu: name/args not in the image", i);
		ck_assert_msg(t[i].fn, "%s: no handler", name);
		long want = -1;
		for (size_t k = 0; k < sizeof(linux_abi) / sizeof(linux_abi[0]); k++)
			if (!strcmp(linux_abi[k].name, name))
				want = linux_abi[k].nr;
		ck_assert_msg(want == (long)t[i].nr, "%s is %u in the table, SYS_%s is %ld", name,
			      t[i].nr, name, want);
		ck_assert_msg(strlen(args) <= 6 && strspn(args, "dxsp") == strlen(args),
			      "%s: strace letters '%s'", name, args);
		for (size_t j = 0; j < i; j++)
			ck_assert_msg(t[j].nr != t[i].nr, "number %u twice (%s)", t[i].nr, name);
	}
	/* what static glibc and musl call before main, and the threads' calls */
	static const char *const need[] = {
		"brk",	    "arch_prctl", "set_tid_address", "set_robust_list", "mmap",	 "munmap",
		"mprotect", "write",	  "writev",	     "exit_group",	"clone", "clone3",
		"futex",    "ioctl",	  "newfstatat",	     "getrandom"};
	for (size_t k = 0; k < sizeof(need) / sizeof(need[0]); k++) {
		int found = 0;
		for (size_t i = 0; i < n; i++)
			found |= !strcmp(str_at(t[i].name), need[k]);
		ck_assert_msg(found, "%s is not in the table", need[k]);
	}
	elf_end(e);
	close(fd);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("systable");
	TCase *tc = tcase_create("guest.elf");
	tcase_add_test(tc, systable_matches_linux_abi);
	suite_add_tcase(s, tc);
	return check_run(s);
}
