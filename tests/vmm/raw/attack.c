/* SPDX-License-Identifier: MIT */
/*
 * tests/vmm/raw/attack.c - a raw 2-vCPU guest that attacks the vmm's
 * hypercall boundary the way a hostile guest would: no perfkern kernel
 * code, only `outl %eax, $(PK_HC_PORT_BASE + nr)` with EAX = the GPA of a
 * request (proto/hypercall.h). vCPU 0 makes calls; vCPU 1 rewrites the
 * request (or a buffer it points to) underneath it, so a vmm that checks
 * one read of guest RAM and uses another is caught.
 *
 * The mode comes from the command line (`vmm ... raw_attack.elf --
 * attack=NAME [ms=N]`): see the table at the end. The RAM the attacks
 * point into (the last 64 KiB) is first filled with the 16-byte line
 * RAW_PATTERN, so anything else on stdout or in an --out file came from
 * host memory. When the time is up (ms, default
 * 2000) vCPU 0 prints "attack NAME done: ..." and exits with 0.
 * tests/vmm/attack.sh judges the results.
 */
#include <stddef.h>
#include <stdint.h>

#include "proto/boot.h"
#include "proto/fs.h"
#include "proto/hypercall.h"
#include "proto/pc.h"
#include "proto/perf.h"

#define RAW_PATTERN "PKGUESTPATTERN.\n" /* 16 bytes; attack.sh knows it */
#define RAW_BIG (1u << 20)		/* the "long" length of a flipping len */
#define RAW_FILL (64u << 10)		/* bytes of RAW_PATTERN below the end of RAM */

extern char raw_end[]; /* raw.ld: end of the image, 16-aligned */

/* ---- freestanding basics ------------------------------------------------ */

void *memset(void *d, int c, size_t n)
{
	uint8_t *p = d;
	while (n--)
		*p++ = (uint8_t)c;
	return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
	uint8_t *p = d;
	const uint8_t *q = s;
	while (n--)
		*p++ = *q++;
	return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const uint8_t *p = a, *q = b;
	for (; n; n--, p++, q++)
		if (*p != *q)
			return *p - *q;
	return 0;
}

static size_t raw_strlen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

static inline void raw_outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" ::"a"(v), "Nd"(port) : "memory");
}

static inline void raw_outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port) : "memory");
}

static inline uint64_t raw_rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

static inline void raw_pause(void)
{
	__asm__ volatile("pause" ::: "memory");
}

/* One hypercall: the request's address (identity-mapped: GPA = VA) goes
 * out in EAX; the vmm writes ret. */
static int64_t raw_hc(unsigned nr, void *req)
{
	volatile struct pk_hc_hdr *h = req;
	h->ret = PK_HC_ENOSYS;
	raw_outl((uint16_t)(PK_HC_PORT_BASE + nr), (uint32_t)(uintptr_t)req);
	return h->ret;
}

static void raw_print(const char *s)
{
	struct pk_hc_console_write cw = {.data = (uintptr_t)s, .len = raw_strlen(s)};
	raw_hc(PK_HC_CONSOLE_WRITE, &cw);
}

static char *raw_utoa(char *p, uint64_t v)
{
	char tmp[24];
	int n = 0;
	do
		tmp[n++] = (char)('0' + v % 10);
	while (v /= 10);
	while (n)
		*p++ = tmp[--n];
	return p;
}

static __attribute__((noreturn)) void raw_exit(uint64_t code)
{
	struct pk_hc_exit ex = {.code = code};
	raw_hc(PK_HC_EXIT, &ex);
	for (;;)
		__asm__ volatile("cli; hlt");
}

/* ---- shared between the vCPUs ------------------------------------------- */

static volatile int ready, done;
static volatile uint64_t flips;
uint64_t ram_end; /* first byte after low guest RAM (virtq.c too) */
uint64_t raw_tsc_khz;
static const struct attack *mode;

/* requests and buffers vCPU 1 races on */
static struct pk_hc_console_write cw;
static struct pk_hc_result_write rw;
static struct pk_hc_perf_flush pf;
static struct pk_hc_abort ab;
static struct pk_hc_prog_read pr;
static volatile uint64_t inconsistent; /* prog-read answers no single request explains */
static _Alignas(8) char name[16];
static _Alignas(8) struct {
	struct pk_perf_rec h;
	uint64_t payload;
} rec;

struct attack {
	const char *name;
	void (*setup)(void);
	int64_t (*call)(void); /* vCPU 0, in a loop */
	void (*flip)(void);    /* vCPU 1, in a loop */
	/* vCPU 0 after the race (vCPU 1 stopped): 0 = the vmm still works;
	 * fills stats[4] for the done line */
	int64_t (*finish)(uint64_t *stats);
};

/* attack=virtq (virtq.c): the virtio-net device's rings */
int virtq_attack_setup(void);
int64_t virtq_attack_call(void);
void virtq_attack_flip(void);
int64_t virtq_attack_finish(uint64_t *stats);
static void virtq_setup(void)
{
	if (virtq_attack_setup() < 0) {
		raw_print("attack virtq: no virtio-net device on PCI bus 0 (vmm --net user)\n");
		raw_exit(4);
	}
}

/* 8-byte stores, as another CPU sees them */
static void put16(volatile char *dst, const char *src)
{
	uint64_t a, b;
	memcpy(&a, src, 8);
	memcpy(&b, src + 8, 8);
	((volatile uint64_t *)dst)[0] = a;
	((volatile uint64_t *)dst)[1] = b;
}

/* result_write's name: checked, then used. vCPU 1 swaps the 16 bytes
 * between a good name and a path two levels above --out. */
static void name_setup(void)
{
	put16(name, "AAAAAAAAAAAAAAAA");
	rw = (struct pk_hc_result_write){
		.name = (uintptr_t)name, .name_len = 16, .data = ram_end - 16, .len = 16};
}
static int64_t name_call(void)
{
	return raw_hc(PK_HC_RESULT_WRITE, &rw);
}
static void name_flip(void)
{
	put16(name, "../../PWNED-AAAA");
	put16(name, "AAAAAAAAAAAAAAAA");
}

/* console_write of the last 16 bytes of RAM, len 16 <-> 1 MiB */
static void console_setup(void)
{
	cw = (struct pk_hc_console_write){.data = ram_end - 16, .len = 16};
}
static int64_t console_call(void)
{
	return raw_hc(PK_HC_CONSOLE_WRITE, &cw);
}
static void console_flip(void)
{
	((volatile uint64_t *)&cw.len)[0] = RAW_BIG;
	((volatile uint64_t *)&cw.len)[0] = 16;
}

/* result_write of the last 16 bytes of RAM, len 16 <-> 1 MiB */
static void rlen_setup(void)
{
	rw = (struct pk_hc_result_write){
		.name = (uintptr_t)name, .name_len = 8, .data = ram_end - 16, .len = 16};
}
/* a new file each call (leak0000, leak0001, ...): a leak in any one call
 * stays visible, the next call cannot overwrite it */
static int64_t rlen_call(void)
{
	static unsigned seq;
	char n[8] = {'l', 'e', 'a', 'k'};
	for (int i = 0; i < 4; i++)
		n[4 + i] = "0123456789abcdef"[(seq >> (12 - 4 * i)) & 15];
	seq++;
	memcpy(name, n, 8);
	return raw_hc(PK_HC_RESULT_WRITE, &rw);
}
static void rlen_flip(void)
{
	((volatile uint64_t *)&rw.len)[0] = RAW_BIG;
	((volatile uint64_t *)&rw.len)[0] = 16;
}

/* perf_flush: one record of a type readers skip; its size flips between
 * 16 (valid) and 4 (too small: a reader must stop) after the check */
static void perf_setup(void)
{
	rec.h = (struct pk_perf_rec){.type = 0x77, .size = 16, .cpu = 0};
	rec.payload = 0x5041545445524e21ull;
	pf = (struct pk_hc_perf_flush){.data = (uintptr_t)&rec, .len = sizeof(rec)};
}
static int64_t perf_call(void)
{
	return raw_hc(PK_HC_PERF_FLUSH, &pf);
}
static void perf_flip(void)
{
	((volatile uint16_t *)&rec.h.size)[0] = 4;
	((volatile uint16_t *)&rec.h.size)[0] = 16;
}

/* abort with the last 16 bytes of RAM (an escape sequence among them),
 * msg_len 16 <-> 64 KiB: one call, the VM ends (exit 123) */
static void abort_setup(void)
{
	put16((char *)(uintptr_t)(ram_end - 16), "abort\x1b[2J-12345!");
	ab = (struct pk_hc_abort){.msg = ram_end - 16, .msg_len = 16};
}
static int64_t abort_call(void)
{
	uint64_t t = raw_rdtsc();
	while (flips < 100000 && raw_rdtsc() - t < (1ull << 32))
		raw_pause(); /* vCPU 1 is flipping */
	return raw_hc(PK_HC_ABORT, &ab);
}
static void abort_flip(void)
{
	((volatile uint64_t *)&ab.msg_len)[0] = PK_HC_CONSOLE_MAX;
	((volatile uint64_t *)&ab.msg_len)[0] = 16;
}

/* prog_read of the program's first 16 bytes into the last 16 bytes of
 * RAM; vCPU 1 flips len 16 <-> 1 MiB and offset 0 <-> 2^64 - 16. The
 * vmm copies the request once: an answer of 0 must report done <= 16 and
 * leave the ELF magic there (offset 0 and len 16 were what it read). */
static void pread_setup(void)
{
	pr = (struct pk_hc_prog_read){.what = PK_PROG_IMAGE, .buf = ram_end - 16, .len = 16};
}
static int64_t pread_call(void)
{
	put16((char *)(uintptr_t)(ram_end - 16), RAW_PATTERN);
	int64_t r = raw_hc(PK_HC_PROG_READ, &pr);
	const volatile uint8_t *b = (const volatile uint8_t *)(uintptr_t)(ram_end - 16);
	if (r == 0 && (pr.done > 16 || b[0] != 0x7f || b[1] != 'E' || b[2] != 'L' || b[3] != 'F'))
		inconsistent++;
	if (r != 0 && pr.done != 0) /* refused: done stays as the vmm wrote it, 0 */
		inconsistent++;
	return r;
}
static void pread_flip(void)
{
	((volatile uint64_t *)&pr.len)[0] = RAW_BIG;
	((volatile uint64_t *)&pr.offset)[0] = ~15ull;
	((volatile uint64_t *)&pr.len)[0] = 16;
	((volatile uint64_t *)&pr.offset)[0] = 0;
}

/* vmm-reserved exit codes, through either path */
static int64_t exit_call(void)
{
	raw_exit(124); /* poses as "--timeout expired" */
}
static int64_t port_call(void)
{
	raw_outl(PK_PORT_DEBUG_EXIT, 125); /* poses as "SIGTERM" */
	return 0;
}

/* terminal escapes through console_write and COM1 */
static int64_t escape_call(void)
{
	raw_print("escape: \x1b[31mRED\x1b[0m \x1b]0;PWNED\x07 \x7f\xc3\xa9\n");
	const char *s = "com1: \x1b[2J\x1b[H\n";
	while (*s)
		raw_outb(PK_PORT_COM1, (uint8_t)*s++);
	raw_exit(0);
}

/* ---- the file hypercalls (proto/fs.h; attack.sh shares a directory
 * holding aaaaaaaaaaaa.txt = one pattern line, symlinks abs -> /etc,
 * up -> ../secret, proc -> /proc and a FIFO, as share 0 at /rw and
 * share 1 at /ro:ro) ---------------------------------------------------- */

#define O_WRONLY 01
#define O_RDWR 02
#define O_CREAT 0100
#define O_TRUNC 01000
#define FS_OK_NAME "aaaaaaaaaaaa.txt" /* 16 bytes, like the attack paths */

static struct pk_hc_fs_open fo;
static struct pk_hc_fs_io fio;
static struct pk_hc_fs_close fc;
static struct pk_hc_fs_pathop fp;
static struct pk_hc_fs_getdents fg;
static struct pk_fs_seg seg;
static _Alignas(8) char fpath[16];
static _Alignas(16) char rbuf[32];
static uint32_t fs_handle;

static int64_t fs_open_req(uint32_t share, const char *p, uint32_t len, uint32_t flags)
{
	fo = (struct pk_hc_fs_open){
		.share = share, .flags = flags, .path = (uintptr_t)p, .path_len = len};
	int64_t rc = raw_hc(PK_HC_FS_OPEN, &fo);
	fs_handle = fo.handle;
	return rc;
}

static int64_t fs_rw(unsigned nr, uint32_t h, uint64_t gpa, uint64_t len, uint64_t off)
{
	seg = (struct pk_fs_seg){gpa, len};
	fio = (struct pk_hc_fs_io){.handle = h, .nseg = 1, .segs = (uintptr_t)&seg, .off = off};
	return raw_hc(nr, &fio);
}

static void fs_close_h(uint32_t h)
{
	fc = (struct pk_hc_fs_close){.handle = h};
	raw_hc(PK_HC_FS_CLOSE, &fc);
}

/* the path is checked, then swapped for one that climbs out to ../secret:
 * every open that succeeds prints what it read (a pattern line) */
static void fspath_setup(void)
{
	put16(fpath, FS_OK_NAME);
}
static int64_t fspath_call(void)
{
	if (fs_open_req(0, fpath, 16, 0) != 0)
		return -1;
	uint32_t h = fs_handle;
	int64_t n = fs_rw(PK_HC_FS_PREAD, h, (uintptr_t)rbuf, 16, 0);
	if (n > 0) {
		cw = (struct pk_hc_console_write){.data = (uintptr_t)rbuf, .len = (uint64_t)n};
		raw_hc(PK_HC_CONSOLE_WRITE, &cw);
	}
	fs_close_h(h);
	return n == 16 ? 0 : -1;
}
static void fspath_flip(void)
{
	put16(fpath, "sub/../../secret");
	put16(fpath, FS_OK_NAME);
}

/* open in the read-only share with flags flipping O_RDONLY <-> O_RDWR |
 * O_TRUNC, then a pwrite: 0 only if a write got through (must never) */
static int64_t fsflags_call(void)
{
	fo = (struct pk_hc_fs_open){.share = 1, .path = (uintptr_t)fpath, .path_len = 16};
	if (raw_hc(PK_HC_FS_OPEN, &fo) != 0)
		return -1;
	uint32_t h = fo.handle;
	put16(rbuf, "PWNED-PWNED-PWN\n");
	int64_t n = fs_rw(PK_HC_FS_PWRITE, h, (uintptr_t)rbuf, 16, 0);
	fs_close_h(h);
	return n > 0 ? 0 : -1;
}
static void fsflags_flip(void)
{
	((volatile uint32_t *)&fo.flags)[0] = O_RDWR | O_TRUNC;
	((volatile uint32_t *)&fo.flags)[0] = 0;
}

/* pread / pwrite of the last 16 bytes of RAM, the segment's length
 * flipping 16 <-> 1 MiB after the check */
static void fsseg_setup(void)
{
	fspath_setup();
	fs_open_req(0, "w.bin", 5, O_RDWR | O_CREAT);
}
static int64_t fsseg_call(void)
{
	static unsigned k;
	unsigned nr = k++ & 1 ? PK_HC_FS_PWRITE : PK_HC_FS_PREAD;
	seg = (struct pk_fs_seg){ram_end - 16, 16};
	fio = (struct pk_hc_fs_io){
		.handle = fs_handle, .nseg = 1, .segs = (uintptr_t)&seg, .off = 0};
	return raw_hc(nr, &fio) == 16 ? 0 : -1;
}
static void fsseg_flip(void)
{
	((volatile uint64_t *)&seg.len)[0] = RAW_BIG;
	((volatile uint64_t *)&seg.len)[0] = 16;
}

/* one pass over the refusals a hostile guest would try; a line per
 * mismatch ("fs-escapes: NAME got X wanted Y"), then done */
static unsigned fsx_bad;
static void fsx(const char *name, int64_t got, int64_t want)
{
	if (got == want)
		return;
	char msg[96], *p = msg;
	for (const char *s = "fs-escapes: "; *s; s++)
		*p++ = *s;
	for (const char *s = name; *s; s++)
		*p++ = *s;
	for (const char *s = " got -"; *s; s++)
		*p++ = *s;
	p = raw_utoa(p, (uint64_t)-got);
	*p++ = '\n';
	*p = 0;
	raw_print(msg);
	fsx_bad++;
}
static int64_t fsx_pathop(uint32_t op, uint32_t share, const char *path)
{
	fp = (struct pk_hc_fs_pathop){.op = op,
				      .share = share,
				      .path = (uintptr_t)path,
				      .path_len = (uint32_t)raw_strlen(path),
				      .mode = 0755};
	return raw_hc(PK_HC_FS_PATHOP, &fp);
}
static int64_t fsx_call(void)
{
	static const char *const refused[][2] = {
		{"../secret", "22"},	     {"abs/passwd", "40"}, {"up", "40"},
		{"proc/self/environ", "40"}, {"fifo", "13"},	   {"/etc/passwd", "22"},
	};
	for (unsigned i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		const char *w = refused[i][1];
		fsx(refused[i][0],
		    fs_open_req(0, refused[i][0], (uint32_t)raw_strlen(refused[i][0]), 0),
		    -((w[0] - '0') * 10 + (w[1] - '0')));
	}
	fsx("ro-write", fs_open_req(1, FS_OK_NAME, 16, O_WRONLY), -30);
	fsx("ro-create", fs_open_req(1, "new", 3, O_CREAT), -30);
	fsx("ro-unlink", fsx_pathop(PK_FS_OP_UNLINK, 1, FS_OK_NAME), -30);
	fsx("ro-mkdir", fsx_pathop(PK_FS_OP_MKDIR, 1, "newdir"), -30);
	fsx("mkdir-through-symlink", fsx_pathop(PK_FS_OP_MKDIR, 0, "abs/x"), -40);
	fsx("path-outside-ram", fs_open_req(0, (const char *)(uintptr_t)(ram_end - 4), 16, 0), -14);
	fsx("huge-path-len", fs_open_req(0, fpath, 1u << 31, 0), -36);
	fsx("no-such-share", fs_open_req(99, fpath, 16, 0), -2);
	fsx("bad-handle", fs_rw(PK_HC_FS_PREAD, 12345, (uintptr_t)rbuf, 16, 0), -9);
	fsx("ok-open", fs_open_req(0, FS_OK_NAME, 16, 0), 0);
	uint32_t h = fs_handle;
	fsx("buffer-outside-ram", fs_rw(PK_HC_FS_PREAD, h, ram_end - 8, 64, 0), -14);
	fsx("huge-length", fs_rw(PK_HC_FS_PREAD, h, (uintptr_t)rbuf, 1ull << 40, 0), -22);
	fio.nseg = 1u << 20;
	fsx("huge-nseg", raw_hc(PK_HC_FS_PREAD, &fio), -22);
	fg = (struct pk_hc_fs_getdents){.handle = h, .buf = (uintptr_t)rbuf, .len = 1ull << 40};
	fsx("huge-getdents", raw_hc(PK_HC_FS_GETDENTS, &fg), -22);
	fsx("ok-read", fs_rw(PK_HC_FS_PREAD, h, (uintptr_t)rbuf, 16, 0), 16);
	fs_close_h(h);
	fsx("ok-mkdir", fsx_pathop(PK_FS_OP_MKDIR, 0, "newdir"), 0);
	raw_print(fsx_bad ? "fs-escapes: some checks failed\n" : "fs-escapes: all refused\n");
	done = 1;
	raw_exit(fsx_bad ? 1 : 0);
}

static void no_flip(void)
{
	raw_pause();
}

/* attack=image-write: two pages of a read-only PT_LOAD (raw.ld), which the
 * vmm maps from this ELF file (vmm/load.c), written from both vCPUs. The
 * guest must see its own writes (a private copy), the file must not:
 * attack.sh compares the ELF before and after, and a second run must find
 * the pages as linked again. */
#define IMAGE_WORDS (8192 / 8)
#define IMAGE_WORD 0x214547414d494b50ull /* "PKIMAGE!" */
__attribute__((section(".image"), aligned(4096),
	       used)) static const volatile uint64_t image[IMAGE_WORDS] = {[0 ... IMAGE_WORDS - 1] =
										   IMAGE_WORD};
static uint64_t image_intact; /* words as linked when the attack began */
static volatile uint64_t image_seq;

static void image_setup(void)
{
	for (unsigned i = 0; i < IMAGE_WORDS; i++)
		image_intact += image[i] == IMAGE_WORD;
}

static void image_store(unsigned i, uint64_t v)
{
	((volatile uint64_t *)(uintptr_t)image)[i % IMAGE_WORDS] = v;
}

static int64_t image_call(void)
{
	uint64_t n = ++image_seq;
	image_store((unsigned)n, n);
	return image[n % IMAGE_WORDS] == n ? 0 : -1; /* our write, read back */
}

static void image_flip(void)
{
	image_store((unsigned)image_seq + IMAGE_WORDS / 2, ~0ull);
}

/* stats: words intact at the start, then words still as linked (0 after a
 * full pass of writes; the vmm must still answer) */
static int64_t image_finish(uint64_t *st)
{
	for (unsigned i = 0; i < IMAGE_WORDS; i++)
		image_store(i, i);
	uint64_t left = 0;
	for (unsigned i = 0; i < IMAGE_WORDS; i++)
		left += image[i] == IMAGE_WORD;
	st[0] = image_intact;
	st[1] = left;
	return 0;
}

static const struct attack attacks[] = {
	{"result-name", name_setup, name_call, name_flip, 0},
	{"console-len", console_setup, console_call, console_flip, 0},
	{"result-len", rlen_setup, rlen_call, rlen_flip, 0},
	{"perf-records", perf_setup, perf_call, perf_flip, 0},
	{"abort-len", abort_setup, abort_call, abort_flip, 0},
	{"exit-reserved", 0, exit_call, no_flip, 0},
	{"port-reserved", 0, port_call, no_flip, 0},
	{"escape", 0, escape_call, no_flip, 0},
	{"virtq", virtq_setup, virtq_attack_call, virtq_attack_flip, virtq_attack_finish},
	{"fs-path", fspath_setup, fspath_call, fspath_flip, 0},
	{"fs-flags", fspath_setup, fsflags_call, fsflags_flip, 0},
	{"fs-seg", fsseg_setup, fsseg_call, fsseg_flip, 0},
	{"fs-escapes", fspath_setup, fsx_call, no_flip, 0},
	{"prog-read", pread_setup, pread_call, pread_flip, 0},
	{"image-write", image_setup, image_call, image_flip, image_finish},
};

/* ---- the command line ---------------------------------------------------- */

static const char *arg(const char *cmdline, const char *key)
{
	size_t k = raw_strlen(key);
	for (const char *p = cmdline; *p; p++) {
		if ((p == cmdline || p[-1] == ' ') && !memcmp(p, key, k))
			return p + k;
	}
	return 0;
}

static int word_is(const char *p, const char *w)
{
	size_t n = raw_strlen(w);
	return !memcmp(p, w, n) && (p[n] == 0 || p[n] == ' ');
}

static uint64_t arg_num(const char *cmdline, const char *key, uint64_t dflt)
{
	const char *p = arg(cmdline, key);
	if (!p || *p < '0' || *p > '9')
		return dflt;
	uint64_t v = 0;
	while (*p >= '0' && *p <= '9')
		v = v * 10 + (uint64_t)(*p++ - '0');
	return v;
}

static void vcpu0(const struct pk_bootinfo *bi)
{
	const char *a = arg(bi->cmdline, "attack=");
	for (size_t i = 0; a && i < sizeof(attacks) / sizeof(attacks[0]); i++)
		if (word_is(a, attacks[i].name))
			mode = &attacks[i];
	if (!mode) {
		raw_print("attack: usage: attack=result-name|console-len|result-len|perf-records|"
			  "abort-len|exit-reserved|port-reserved|escape|virtq|prog-read|fs-path|"
			  "fs-flags|fs-seg|fs-escapes|image-write [ms=N]\n");
		raw_exit(2);
	}
	if (bi->cpu_count < 2) {
		raw_print("attack: needs 2 vCPUs (vmm -c 2)\n");
		raw_exit(3);
	}
	/* low RAM ends where the usable run that starts at BOOT_RESERVED_END ends */
	for (uint32_t i = 0; i < bi->memmap_count && i < PK_MEMMAP_MAX; i++)
		if (bi->memmap[i].type == PK_MEM_USABLE && bi->memmap[i].base < (1ull << 30))
			ram_end = bi->memmap[i].base + bi->memmap[i].length;
	raw_tsc_khz = bi->tsc_khz;
	if (ram_end > (1ull << 30))
		ram_end = 1ull << 30; /* the identity map's end */
	/* the RAM the attacks point into (its last RAW_FILL bytes) */
	uint64_t fill =
		ram_end - RAW_FILL > (uintptr_t)raw_end ? ram_end - RAW_FILL : (uintptr_t)raw_end;
	for (uint64_t p = fill; p + 16 <= ram_end; p += 16)
		put16((char *)(uintptr_t)p, RAW_PATTERN);
	if (mode->setup)
		mode->setup();
	uint64_t ms = arg_num(bi->cmdline, "ms=", 2000);
	uint64_t budget = bi->tsc_khz ? ms * bi->tsc_khz : 0, t0 = raw_rdtsc();
	__asm__ volatile("" ::: "memory"); /* mode and the requests before ready */
	ready = 1;
	uint64_t calls = 0, ok = 0;
	while (calls < 1000000 && (budget ? raw_rdtsc() - t0 < budget : calls < 20000)) {
		ok += mode->call() == 0;
		calls++;
	}
	done = 1;
	int64_t fin = 0;
	uint64_t st[4] = {0};
	if (mode->finish) {
		for (uint64_t t = raw_rdtsc(); raw_rdtsc() - t < 1000000;)
			raw_pause(); /* vCPU 1 sees done and stops writing */
		fin = mode->finish(st);
	}
	char msg[192], *p = msg;
	const char *parts[] = {"attack ", mode->name, " done: ", 0};
	for (int i = 0; parts[i]; i++)
		for (const char *s = parts[i]; *s; s++)
			*p++ = *s;
	p = raw_utoa(p, calls);
	memcpy(p, " calls, ", 8), p += 8;
	p = raw_utoa(p, ok);
	memcpy(p, " ok, ", 5), p += 5;
	p = raw_utoa(p, flips);
	memcpy(p, " flips", 6), p += 6;
	if (mode->finish) {
		static const char *const names[] = {
			" rounds=", " answered=", " resets=", " timeouts=", " final="};
		for (int i = 0; i < 5; i++) {
			for (const char *s = names[i]; *s; s++)
				*p++ = *s;
			p = raw_utoa(p, i < 4 ? st[i] : (uint64_t)fin);
		}
	}
	memcpy(p, "\n", 2);
	raw_print(msg);
	if (mode->setup == pread_setup) {
		p = msg;
		for (const char *s = "attack prog-read: "; *s; s++)
			*p++ = *s;
		p = raw_utoa(p, inconsistent);
		memcpy(p, " inconsistent answers\n", 23);
		raw_print(msg);
	}
	raw_exit(0);
}

void raw_main(const struct pk_bootinfo *bi, uint64_t index)
{
	if (index == 0)
		vcpu0(bi);
	if (index != 1)
		return; /* more vCPUs: idle */
	while (!ready)
		raw_pause();
	__asm__ volatile("" ::: "memory");
	while (!done) {
		mode->flip();
		flips++;
	}
}
