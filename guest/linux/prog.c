/* SPDX-License-Identifier: MIT */
/*
 * guest/linux/prog.c - run=prog: the one Linux program. Its ELF comes
 * from the vmm (prog_info / prog_read hypercalls: `vmm PROGRAM ARGS...`)
 * or, on QEMU and a PC, from the vfs (`app=/path args...` on the command
 * line). The image is checked with the vmm's own checks (lib/progelf),
 * loaded into the lower half with W^X from its flags, given a SysV stack,
 * and its first thread starts on CPU 0 at CPL 0. The program's exit
 * (exit_group from any thread, or its last thread's exit) ends the run.
 */
#include "lib/progelf/progelf.h"
#include "guest/app/app.h"
#include "guest/arch/cpu.h"
#include "guest/arch/trap.h"
#include "guest/fs/fs_errno.h"
#include "guest/fs/vfs.h"
#include "guest/kernel/console.h"
#include "guest/kernel/hypercall.h"
#include "guest/kernel/param.h"
#include "guest/perf/perf.h"
#include "lib/cmdline/cmdline.h"
#include "lib/kstring/kstring.h"
#include "lib/heap/heap.h"
#include "lib/heap/pages.h"
#include "lib/sched/sched.h"
#include "linux.h"
#include "include/perfkern/perfkern.h"
#include "lib/progelf/linux_stack.h"
#include "lib/lpath/lpath.h"

struct linux_program linux_prog;

PK_PARAM(app, "the Linux program to run from the vfs: app=/path [args...], the last option "
	      "(implies run=prog)");

/* Image and argument block from the vmm. */
static int fetch_vmm(uint8_t **img, size_t *len, char **args, size_t *args_len, unsigned *argc,
		     unsigned *envc)
{
	struct pk_hc_prog_info info = {0};
	if (!platform_vmm || hypercall(PK_HC_PROG_INFO, &info) != 0 || !info.image_len)
		return -ENOENT;
	if (info.image_len > PROGELF_MAX_FILE || info.args_len > PK_HC_PROG_ARGS_MAX)
		return -E2BIG;
	size_t pages = (info.image_len + 4095) & ~4095ull;
	uint8_t *b = pages_alloc(pages, 4096);
	char *a = kmalloc(info.args_len + 1);
	if (!b || !a)
		return -ENOMEM;
	for (uint32_t what = 0; what < 2; what++) {
		uint8_t *dst = what ? (uint8_t *)a : b;
		uint64_t size = what ? info.args_len : info.image_len;
		for (uint64_t off = 0; off < size;) {
			struct pk_hc_prog_read rq = {.what = what,
						     .offset = off,
						     .buf = kvirt_to_phys(dst + off),
						     .len = size - off};
			/* kmalloc memory is not physically contiguous beyond a
			 * page: the argument block comes a page at a time */
			if (what)
				rq.len = size - off < 4096 - ((uint64_t)(dst + off) & 4095)
						 ? size - off
						 : 4096 - ((uint64_t)(dst + off) & 4095);
			else if (rq.len > PK_HC_PROG_READ_MAX)
				rq.len = PK_HC_PROG_READ_MAX;
			if (hypercall(PK_HC_PROG_READ, &rq) != 0 || !rq.done)
				return -EIO;
			off += rq.done;
		}
	}
	a[info.args_len] = 0;
	*img = b;
	*len = info.image_len;
	*args = a;
	*args_len = info.args_len;
	*argc = info.argc;
	*envc = info.envc;
	if (info.flags & PK_PROG_F_STRACE)
		linux_strace = 1;
	return 0;
}

/* Why a file could not be the program, for the one error line. */
static const char *fetch_reason(int rc)
{
	switch (rc) {
	case -ENOENT:
		return "no such file (is the file system there? QEMU -initrd, GRUB module2)";
	case -EISDIR:
		return "is a directory";
	case -ENOTDIR:
		return "a component of the path is not a directory";
	case -E2BIG:
		return "larger than the 1 GiB a program may be";
	case -ENOMEM:
		return "no memory for its image";
	case -ENAMETOOLONG:
		return "path too long";
	default:
		return "read error";
	}
}

/* app=/path args... (app_program_words, cut off the kernel's options at
 * boot): the image through the vfs, argv = path then every later word,
 * split and unquoted as Linux does for init. A failure is reported here,
 * by path, and returned as 1 so the caller does not add a second line. */
static int fetch_vfs(uint8_t **img, size_t *len, char **args, size_t *args_len, unsigned *argc,
		     unsigned *envc)
{
	const char *words = app_program_words;
	if (!words[0])
		return -ENOENT;
	size_t cap = strlen(words) + 1;
	char *a = kmalloc(cap);
	if (!a)
		return -ENOMEM;
	int n = cmdline_words(words, a, cap);
	/* n >= 1 and a starts with "app=": the split cut at that word */
	size_t used = 0;
	for (int i = 0; i < n; i++)
		used += strlen(a + used) + 1;
	memmove(a, a + 4, used - 4); /* argv[0]: the path, without "app=" */
	used -= 4;
	char path[256];
	int rc = a[0] ? lpath_resolve("/", a, path, sizeof(path)) : -ENOENT;
	struct vfs_file *f = 0;
	struct vfs_stat st = {0};
	if (!rc)
		rc = vfs_open(path, 0, 0, &f);
	if (!rc)
		rc = vfs_fstat(f, &st);
	if (!rc && (st.mode & S_IFMT) == S_IFDIR)
		rc = -EISDIR;
	if (!rc && st.size > PROGELF_MAX_FILE)
		rc = -E2BIG;
	uint8_t *b = rc ? 0 : pages_alloc((st.size + 4095) & ~4095ull, 4096);
	if (!rc && !b)
		rc = -ENOMEM;
	for (uint64_t off = 0; !rc && off < st.size;) {
		long got = vfs_pread(f, b + off, st.size - off, off);
		if (got <= 0)
			rc = got < 0 ? (int)got : -EIO;
		off += got > 0 ? (uint64_t)got : 0;
	}
	if (f)
		vfs_close(f);
	if (rc) {
		kprintf("linux: app=%s: %s (%d)\n", a, fetch_reason(rc), rc);
		return 1;
	}
	*img = b;
	*len = st.size;
	*args = a;
	*args_len = used;
	*argc = (unsigned)n;
	*envc = 0;
	return 0;
}

/* Segments into the lower half: one zeroed run for the whole image, the
 * file bytes copied in, then each segment's pages get its own rights. */
static int load_image(const struct progelf_info *pi, const uint8_t *img)
{
	void *k;
	int rc = linux_vm_map(pi->lo, pi->hi - pi->lo, LINUX_PROT_READ | LINUX_PROT_WRITE, &k);
	if (rc) {
		kprintf("linux: no memory for the image [0x%lx, 0x%lx): %d\n", pi->lo, pi->hi, rc);
		return rc;
	}
	for (unsigned i = 0; i < pi->nseg; i++) {
		const struct progelf_seg *s = &pi->seg[i];
		memcpy((uint8_t *)k + (s->vaddr - pi->lo), img + s->offset, s->filesz);
	}
	uint64_t prev_end = 0;
	int prev_prot = 0;
	for (unsigned i = 0; i < pi->nseg; i++) {
		const struct progelf_seg *s = &pi->seg[i];
		int prot = (s->flags & PE_PF_R ? LINUX_PROT_READ : 0) |
			   (s->flags & PE_PF_W ? LINUX_PROT_WRITE : 0) |
			   (s->flags & PE_PF_X ? LINUX_PROT_EXEC : 0);
		uint64_t a = s->vaddr & ~4095ull, b = (s->vaddr + s->memsz + 4095) & ~4095ull;
		if (a == b)
			continue;
		rc = (int)linux_vm_protect(a, b - a, prot);
		/* a page two segments share gets both their rights */
		if (!rc && a < prev_end) {
			int both = prot | prev_prot;
			if ((both & LINUX_PROT_WRITE) && (both & LINUX_PROT_EXEC)) {
				kprintf("linux: segments %u and %u share the page at 0x%lx, one "
					"writable and one executable (W^X)\n",
					i - 1, i, a);
				return -EINVAL;
			}
			rc = (int)linux_vm_protect(a, 4096, both);
		}
		if (rc)
			return rc;
		prev_end = b;
		prev_prot = prot;
	}
	return 0;
}

static int start_program(const struct progelf_info *pi, char *args, unsigned argc, unsigned envc)
{
	const char **v = kcalloc(argc + envc + 1, sizeof(char *));
	if (!v)
		return -ENOMEM;
	char *p = args;
	for (unsigned i = 0; i < argc + envc; i++) {
		v[i] = p;
		p += strlen(p) + 1;
	}
	void *k;
	uint64_t lo = LINUX_STACK_TOP - LINUX_STACK_SIZE;
	int rc = linux_vm_map(lo, LINUX_STACK_SIZE, LINUX_PROT_READ | LINUX_PROT_WRITE, &k);
	if (rc)
		return rc;
	struct linux_auxv aux[] = {
		{AT_PHDR, pi->phdr},
		{AT_PHENT, sizeof(struct pe_phdr)},
		{AT_PHNUM, pi->phnum},
		{AT_PAGESZ, 4096},
		{AT_BASE, 0},
		{AT_FLAGS, 0},
		{AT_ENTRY, pi->entry},
		{AT_UID, 0},
		{AT_EUID, 0},
		{AT_GID, 0},
		{AT_EGID, 0},
		{AT_HWCAP, cpuid(1, 0).edx},
		{AT_CLKTCK, 100},
		{AT_SECURE, 0},
		{AT_RANDOM, 0},
		{AT_EXECFN, 0},
		{AT_PERFKERN, (uint64_t)&linux_native_api}, /* include/perfkern/perfkern.h */
	};
	struct linux_stack_in in = {v,	 argc, v + argc, envc, aux, sizeof(aux) / sizeof(aux[0]),
				    {0}, v[0]};
	linux_random(in.random, sizeof(in.random));
	uint64_t sp;
	rc = linux_stack_build(k, LINUX_STACK_SIZE, LINUX_STACK_TOP, &in, &sp);
	kfree(v);
	if (rc)
		return rc;
	int cpu = linux_thread_pick_cpu();
	struct lthread *t = kcalloc(1, sizeof(*t));
	if (cpu < 0 || !t)
		return -ENOMEM;
	t->start.rip = pi->entry;
	t->start.rsp = sp;
	t->start.rflags = 0x202; /* IF: the program runs with interrupts on */
	return linux_thread_spawn(t, (unsigned)cpu);
}

/* --- a fatal fault in program code: 128 + the signal Linux would send --- */
static int prog_fault_status(const struct trap_frame *f)
{
	if (f->rip >= LINUX_STACK_TOP || !linux_prog.image)
		return -1;
	static const uint8_t sig[32] = {
		[0] = 8,  [1] = 5,   [3] = 5,	[4] = 11, [5] = 11, [6] = 4,
		[12] = 7, [13] = 11, [14] = 11, [16] = 8, [17] = 7, [19] = 8};
	int s = f->vector < 32 && sig[f->vector] ? sig[f->vector] : 11;
	static const char *const names[32] = {
		[4] = "SIGILL", [5] = "SIGTRAP", [7] = "SIGBUS", [8] = "SIGFPE", [11] = "SIGSEGV"};
	kprintf("linux: program %s killed by %s (exit %d)\n", linux_prog.name, names[s], 128 + s);
	return 128 + s;
}

static const struct trap_program prog_trap = {prog_fault_status, linux_prog_symbol};

static int prog_run(const char *cmdline)
{
	uint8_t *img;
	size_t len, args_len;
	char *args;
	unsigned argc, envc;
	console_quiet = 0; /* from here on everything is about the program */
	if (cmdline_has(cmdline, "strace"))
		linux_strace = 1;
	int rc = fetch_vmm(&img, &len, &args, &args_len, &argc, &envc);
	if (rc == -ENOENT)
		rc = fetch_vfs(&img, &len, &args, &args_len, &argc, &envc);
	if (rc == -ENOENT)
		kprintf("linux: no program: none given (vmm PROGRAM, or app=/path with a file "
			"system)\n");
	else if (rc < 0) /* rc 1: fetch_vfs named the path and the reason */
		kprintf("linux: no program: it could not be read (%d)\n", rc);
	if (rc)
		return PK_EXIT_BAD_CMDLINE;
	char err[200];
	struct progelf_info pi;
	if (progelf_check(img, len, &pi, err, sizeof(err)) < 0) {
		kprintf("linux: %s: %s\n", args, err);
		return PK_EXIT_BAD_CMDLINE;
	}
	linux_prog = (struct linux_program){img, len, pi.hi, args};
	perf_prog_id = linux_prog_text_id(); /* the recording names it (kperf -p) */
	trap_set_program(&prog_trap);
	linux_fd_init();
	linux_vm_set_brk(pi.hi);
	if ((rc = load_image(&pi, img)) || (rc = start_program(&pi, args, argc, envc))) {
		kprintf("linux: %s: cannot start it (%d)\n", args, rc);
		return PK_EXIT_TESTS_FAILED;
	}
	/* the program ends the run: exit_group or its last thread's exit
	 * stop the VM at once, or, with perf= on, complete this future so
	 * that app_main flushes the profile first; meanwhile this CPU's
	 * executor runs its tasks */
	return (int)(intptr_t)sched_await(&linux_exit_future);
}
APP("prog", prog_run, "run the Linux program (vmm PROGRAM ARGS..., or app=/path args...)");
