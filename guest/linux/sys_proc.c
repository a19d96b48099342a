/* SPDX-License-Identifier: MIT */
/*
 * guest/linux/sys_proc.c - the process-wide calls: identity, limits,
 * CPUs, signals (accepted and recorded: nothing ever delivers one), time
 * and randomness.
 */
#include "guest/arch/cpu.h"
#include "guest/arch/cpufeat.h"
#include "guest/arch/smp.h"
#include "guest/arch/tsc.h"
#include "lib/kstring/kstring.h"
#include "guest/kernel/console.h"
#include "guest/mm/frames.h"
#include "lib/sched/sched.h"
#include "linux.h"

#define PROG_PID 1

static long sys_getpid(void)
{
	return PROG_PID;
}
LINUX_SYS(39, getpid, sys_getpid, "");

static long sys_getppid(void)
{
	return 0;
}
LINUX_SYS(110, getppid, sys_getppid, "");

static long sys_getid(void)
{
	return 0; /* root, as the one process of a machine is */
}
LINUX_SYS(102, getuid, sys_getid, "");
LINUX_SYS(104, getgid, sys_getid, "");
LINUX_SYS(107, geteuid, sys_getid, "");
LINUX_SYS(108, getegid, sys_getid, "");

struct utsname {
	char sysname[65], nodename[65], release[65], version[65], machine[65], domainname[65];
};
static long sys_uname(uint64_t p)
{
	struct utsname un, *u = &un;
	memset(u, 0, sizeof(*u));
	/* libcs compare the release against their minimum kernel version */
	pk_strlcpy(u->sysname, "Linux", sizeof(u->sysname));
	pk_strlcpy(u->nodename, "perfkern", sizeof(u->nodename));
	pk_strlcpy(u->release, "6.1.0-perfkern", sizeof(u->release));
	pk_strlcpy(u->version, "#1 perfkern", sizeof(u->version));
	pk_strlcpy(u->machine, "x86_64", sizeof(u->machine));
	pk_strlcpy(u->domainname, "(none)", sizeof(u->domainname));
	return linux_copy_out(p, u, sizeof(*u));
}
LINUX_SYS(63, uname, sys_uname, "p");

struct rlimit64 {
	uint64_t cur, max;
};
#define RLIMIT_STACK 3
#define RLIMIT_NOFILE 7
#define RLIM_INFINITY (~0ull)
#define LINUX_FD_MAX 256 /* fd.c */

static long sys_prlimit64(long pid, long res, uint64_t newp, uint64_t oldp)
{
	if (pid != 0 && pid != PROG_PID)
		return -ESRCH;
	if (res < 0 || res >= 16)
		return -EINVAL;
	if (newp && !linux_uaccess_ok(newp, sizeof(struct rlimit64), 0))
		return -EFAULT;
	if (oldp) {
		struct rlimit64 r = {RLIM_INFINITY, RLIM_INFINITY};
		if (res == RLIMIT_STACK)
			r.cur = r.max = LINUX_STACK_SIZE;
		else if (res == RLIMIT_NOFILE)
			r.cur = r.max = LINUX_FD_MAX;
		if (linux_copy_out(oldp, &r, sizeof(r)))
			return -EFAULT;
	}
	return 0; /* new limits are accepted and change nothing */
}
LINUX_SYS(302, prlimit64, sys_prlimit64, "ddxx");

static long sys_getrlimit(long res, uint64_t oldp)
{
	return sys_prlimit64(0, res, 0, oldp);
}
LINUX_SYS(97, getrlimit, sys_getrlimit, "dx");

static long sys_sched_getaffinity(long pid, uint64_t len, uint64_t mask)
{
	(void)pid;
	uint64_t bytes = ((uint64_t)smp_online_count + 63) / 64 * 8;
	if (len < bytes || (len & 7))
		return -EINVAL;
	uint64_t m[(PK_MAX_CPUS + 63) / 64];
	memset(m, 0, sizeof(m));
	for (unsigned i = 0; i < smp_online_count; i++)
		m[i / 64] |= 1ull << (i % 64);
	return linux_copy_out(mask, m, bytes) ? -EFAULT : (long)bytes;
}
LINUX_SYS(204, sched_getaffinity, sys_sched_getaffinity, "ddp");

static long sys_sched_yield(void)
{
	sched_yield(); /* the other program thread of this CPU, or kernel tasks */
	return 0;
}
LINUX_SYS(24, sched_yield, sys_sched_yield, "");

static long sys_zero(void)
{
	return 0;
}
/* robust futex lists are only read when a thread dies holding a lock */
LINUX_SYS(273, set_robust_list, sys_zero, "xd");

static long sys_enosys_quiet(void)
{
	return -ENOSYS;
}
/* glibc registers rseq at start and lives without it */
LINUX_SYS(334, rseq, sys_enosys_quiet, "xddx");

/* Signals: one process, no kill, no timers that signal, so nothing is
 * delivered; the handlers and the mask are recorded for sigaction/
 * sigprocmask to report back. */
struct ksigaction {
	uint64_t handler, flags, restorer, mask;
};
static struct ksigaction sig_actions[65];
static uint64_t sig_mask;

static long sys_rt_sigaction(long sig, uint64_t act, uint64_t oact, uint64_t size)
{
	if (sig < 1 || sig > 64 || size != 8 || sig == 9 || sig == 19)
		return -EINVAL;
	if (oact && !linux_uaccess_ok(oact, sizeof(struct ksigaction), 1))
		return -EFAULT;
	struct ksigaction old = sig_actions[sig], nw;
	if (act && linux_copy_in(&nw, act, sizeof(nw)))
		return -EFAULT;
	if (act)
		sig_actions[sig] = nw;
	return oact ? linux_copy_out(oact, &old, sizeof(old)) : 0;
}
LINUX_SYS(13, rt_sigaction, sys_rt_sigaction, "dxxd");

static long sys_rt_sigprocmask(long how, uint64_t set, uint64_t oset, uint64_t size)
{
	if (size != 8 || how < 0 || how > 2)
		return -EINVAL;
	if (oset && !linux_uaccess_ok(oset, 8, 1))
		return -EFAULT;
	uint64_t old = sig_mask, s;
	if (set) {
		if (linux_copy_in(&s, set, 8))
			return -EFAULT;
		sig_mask = how == 0 ? sig_mask | s : how == 1 ? sig_mask & ~s : s;
	}
	return oset ? linux_copy_out(oset, &old, 8) : 0;
}
LINUX_SYS(14, rt_sigprocmask, sys_rt_sigprocmask, "dxxd");
LINUX_SYS(131, sigaltstack, sys_zero, "xx");

/* kill/tkill/tgkill of this process: nothing can run a handler, so a
 * signal whose action is the default ends the program as Linux would
 * (128 + signal: raise(SIGABRT) from abort() exits 134), an ignored one
 * is dropped, and one with a handler is refused (ENOSYS). */
#define SIG_IGN 1
static long signal_self(long sig)
{
	if (sig < 0 || sig > 64)
		return -EINVAL;
	if (sig == 0)
		return 0;
	uint64_t h = sig_actions[sig].handler;
	/* default action ignore: SIGCHLD 17, SIGCONT 18, SIGURG 23, SIGWINCH 28 */
	if (h == SIG_IGN || (!h && (sig == 17 || sig == 18 || sig == 23 || sig == 28)))
		return 0;
	if (h && sig != 9 && sig != 19)
		return -ENOSYS;
	kprintf("linux: program %s killed by signal %ld (exit %ld)\n", linux_prog.name, sig,
		128 + sig);
	linux_exit_group((int)(128 + sig));
}

static long sys_kill(long pid, long sig)
{
	if (pid != PROG_PID && pid != 0 && pid != -1)
		return -ESRCH;
	return signal_self(sig);
}
LINUX_SYS(62, kill, sys_kill, "dd");

static long sys_tkill(long tid, long sig)
{
	(void)tid; /* one process: any of its threads ends it the same way */
	return signal_self(sig);
}
LINUX_SYS(200, tkill, sys_tkill, "dd");

static long sys_tgkill(long pid, long tid, long sig)
{
	if (pid != PROG_PID)
		return -ESRCH;
	return sys_tkill(tid, sig);
}
LINUX_SYS(234, tgkill, sys_tgkill, "ddd");

/* struct sysinfo (include/uapi/linux/sysinfo.h) */
struct ksysinfo {
	int64_t uptime;
	uint64_t loads[3], totalram, freeram, sharedram, bufferram, totalswap, freeswap;
	uint16_t procs, pad;
	uint64_t totalhigh, freehigh;
	uint32_t mem_unit;
	char reserved[4];
};
_Static_assert(sizeof(struct ksysinfo) == 112, "struct sysinfo");

static long sys_sysinfo(uint64_t p)
{
	struct frame_alloc fa;
	frames_stats(&fa);
	struct ksysinfo s = {0};
	s.uptime = (int64_t)(linux_now_ns() / 1000000000u);
	s.totalram = fa.total_pages * 4096;
	s.freeram = fa.free_pages * 4096;
	s.procs = 1;
	s.mem_unit = 1;
	return linux_copy_out(p, &s, sizeof(s));
}
LINUX_SYS(99, sysinfo, sys_sysinfo, "p");

static long sys_sched_setaffinity(long pid, uint64_t len, uint64_t mask)
{
	(void)pid;
	/* threads stay where they were placed (two per CPU): accepted */
	return linux_uaccess_ok(mask, len, 0) ? 0 : -EFAULT;
}
LINUX_SYS(203, sched_setaffinity, sys_sched_setaffinity, "ddp");

static long sys_getcpu(uint64_t cpu, uint64_t node)
{
	uint32_t c = sched_cpu_self(), n = 0;
	if ((cpu && linux_copy_out(cpu, &c, 4)) || (node && linux_copy_out(node, &n, 4)))
		return -EFAULT;
	return 0;
}
LINUX_SYS(309, getcpu, sys_getcpu, "pp");

static long sys_umask(long mask)
{
	static long cur = 022;
	long old = cur;
	cur = mask & 0777;
	return old;
}
LINUX_SYS(95, umask, sys_umask, "x");

static long sys_getresid(uint64_t a, uint64_t b, uint64_t c)
{
	uint64_t p[3] = {a, b, c};
	uint32_t zero = 0;
	for (int i = 0; i < 3; i++)
		if (linux_copy_out(p[i], &zero, 4))
			return -EFAULT;
	return 0;
}
LINUX_SYS(118, getresuid, sys_getresid, "ppp");
LINUX_SYS(120, getresgid, sys_getresid, "ppp");

static long sys_one(void)
{
	return PROG_PID; /* process group and session: the one process */
}
LINUX_SYS(111, getpgrp, sys_one, "");
LINUX_SYS(121, getpgid, sys_one, "d");
LINUX_SYS(124, getsid, sys_one, "d");

/* --- time: CLOCK_MONOTONIC counts from boot (TSC); CLOCK_REALTIME is
 * the same count (the guest has no wall clock of its own) --- */
struct ktimespec {
	int64_t sec, nsec;
};

uint64_t linux_now_ns(void)
{
	/* split so that no 128-bit division (libgcc's __udivti3) is needed */
	uint64_t t = rdtsc();
	return t / tsc_khz * 1000000u + t % tsc_khz * 1000000u / tsc_khz;
}
#define now_ns linux_now_ns

static long sys_clock_gettime(long clk, uint64_t tp)
{
	if (clk < 0 || clk > 11)
		return -EINVAL;
	uint64_t ns = now_ns();
	struct ktimespec ts = {(int64_t)(ns / 1000000000u), (int64_t)(ns % 1000000000u)};
	return linux_copy_out(tp, &ts, sizeof(ts));
}
LINUX_SYS(228, clock_gettime, sys_clock_gettime, "dp");

static long sys_clock_getres(long clk, uint64_t tp)
{
	if (clk < 0 || clk > 11)
		return -EINVAL;
	struct ktimespec res = {0, 1};
	return tp ? linux_copy_out(tp, &res, sizeof(res)) : 0;
}
LINUX_SYS(229, clock_getres, sys_clock_getres, "dp");

static long sys_gettimeofday(uint64_t tv, uint64_t tz)
{
	if (tz && !linux_uaccess_ok(tz, 8, 1))
		return -EFAULT;
	uint64_t ns = now_ns();
	int64_t v[2] = {(int64_t)(ns / 1000000000u), (int64_t)(ns % 1000000000u / 1000)};
	const int64_t zero = 0;
	if ((tv && linux_copy_out(tv, v, 16)) || (tz && linux_copy_out(tz, &zero, 8)))
		return -EFAULT;
	return 0;
}
LINUX_SYS(96, gettimeofday, sys_gettimeofday, "pp");

static long sys_time(uint64_t t)
{
	long s = (long)(now_ns() / 1000000000u);
	return t && linux_copy_out(t, &s, 8) ? -EFAULT : s;
}
LINUX_SYS(201, time, sys_time, "p");

/* Sleep: the task is suspended (sched_sleep), never spinning. */
static long sleep_until(uint64_t deadline)
{
	uint64_t now = now_ns();
	if (deadline > now)
		sched_sleep(deadline - now);
	return 0;
}

static long read_ts(uint64_t p, uint64_t *ns)
{
	struct ktimespec ts;
	if (linux_copy_in(&ts, p, sizeof(ts)))
		return -EFAULT;
	if (ts.sec < 0 || ts.nsec < 0 || ts.nsec >= 1000000000)
		return -EINVAL;
	*ns = (uint64_t)ts.sec * 1000000000u + (uint64_t)ts.nsec;
	return 0;
}

static long sys_nanosleep(uint64_t req, uint64_t rem)
{
	uint64_t ns;
	long rc = read_ts(req, &ns);
	if (rc)
		return rc;
	if (rem && !linux_uaccess_ok(rem, sizeof(struct ktimespec), 1))
		return -EFAULT;
	return sleep_until(now_ns() + ns);
}
LINUX_SYS(35, nanosleep, sys_nanosleep, "pp");

#define TIMER_ABSTIME 1
static long sys_clock_nanosleep(long clk, long flags, uint64_t req, uint64_t rem)
{
	if (clk < 0 || clk > 11)
		return -EINVAL;
	uint64_t ns;
	long rc = read_ts(req, &ns);
	if (rc)
		return rc;
	if (rem && !(flags & TIMER_ABSTIME) && !linux_uaccess_ok(rem, sizeof(struct ktimespec), 1))
		return -EFAULT;
	return sleep_until(flags & TIMER_ABSTIME ? ns : now_ns() + ns);
}
LINUX_SYS(230, clock_nanosleep, sys_clock_nanosleep, "ddpp");

int linux_random(void *buf, size_t n)
{
	uint8_t *p = buf;
	int seed = cpu_has(CPUF_RDSEED);
	if (!seed && !cpu_has(CPUF_RDRND))
		return 0;
	while (n) {
		uint64_t v = 0;
		unsigned char ok = 0;
		for (int tries = 0; !ok && tries < 100; tries++) {
			/* RDSEED for the first, RDRAND (a DRBG seeded by it) after */
			if (seed)
				__asm__ volatile("rdseed %0; setc %1" : "=r"(v), "=qm"(ok));
			else
				__asm__ volatile("rdrand %0; setc %1" : "=r"(v), "=qm"(ok));
			if (!ok && seed)
				seed = 0;
		}
		if (!ok)
			return 0;
		size_t k = n < 8 ? n : 8;
		memcpy(p, &v, k);
		p += k;
		n -= k;
	}
	return 1;
}

static long sys_getrandom(uint64_t buf, uint64_t len, long flags)
{
	(void)flags;
	if (len > 33554431)
		len = 33554431; /* Linux: at most 32 MiB - 1 per call */
	if (!linux_uaccess_ok(buf, len, 1))
		return -EFAULT;
	/* through a bounce: the buffer may go away under us */
	uint8_t tmp[256];
	for (uint64_t done = 0; done < len;) {
		uint64_t k = len - done < sizeof(tmp) ? len - done : sizeof(tmp);
		if (!linux_random(tmp, k))
			return -EIO; /* no RDRAND/RDSEED: no entropy to offer */
		if (linux_copy_out(buf + done, tmp, k))
			return done ? (long)done : -EFAULT;
		done += k;
	}
	return (long)len;
}
LINUX_SYS(318, getrandom, sys_getrandom, "pdx");
