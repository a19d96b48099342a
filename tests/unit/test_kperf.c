/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_kperf.c - the perf data path on the host: record-file
 * and serial-log parsing (valid, truncated at every length, corrupted,
 * fuzzed), symbolisation, aggregation and folding, the frame-chain walk
 * and the vmm's guest page-table walk.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "lib/perf_chain/perf_chain.h"
#include "lib/blob/blob.h"
#include "lib/mmu/mmu_translate.h"
#include "tools/kperf/kperf_cli.h"
#include "tools/kperf/perf_data.h"
#include "tools/kperf/perf_plot.h"
#include "tools/kperf/perf_report.h"
#include "lib/elfsym/elfsym.h"
#include "vmm/perf.h"

static uint8_t buf[4096];
static size_t blen;

static void put(const void *p, size_t n)
{
	memcpy(buf + blen, p, n);
	blen += n;
}

static void put_sample(uint32_t cpu, uint8_t src, uint64_t rip, unsigned depth,
		       const uint64_t *frames)
{
	struct pk_perf_sample s = {0};
	s.h.type = PK_PERF_REC_SAMPLE;
	s.h.size = (uint16_t)(sizeof(s) + depth * 8);
	s.h.cpu = cpu;
	s.tsc = 1000 + blen;
	s.rip = rip;
	s.source = src;
	s.depth = (uint16_t)depth;
	put(&s, sizeof(s));
	put(frames, depth * 8);
}

/* A file: header, 3 samples (two sources), a count, a lost record, and a
 * record type from the future. */
static void build_file(void)
{
	blen = 0;
	struct pk_perf_header h = {.magic = PK_PERF_MAGIC,
				   .version = PK_PERF_VERSION,
				   .header_size = sizeof(h),
				   .ncpus = 2,
				   .tsc_khz = 1000000};
	put(&h, sizeof(h));
	uint64_t fr[2] = {0x2005, 0x3009};
	put_sample(0, PK_PERF_SRC_TIMER, 0x1004, 2, fr);
	put_sample(1, PK_PERF_SRC_VMM, 0x1008, 1, fr);
	put_sample(0, PK_PERF_SRC_TIMER, 0x2001, 0, fr);
	struct pk_perf_count c = {{PK_PERF_REC_COUNT, sizeof(c), 1}, "region", 1, 0, 0, 777, 99};
	put(&c, sizeof(c));
	struct pk_perf_lost l = {{PK_PERF_REC_LOST, sizeof(l), 0}, 5};
	put(&l, sizeof(l));
	struct pk_perf_rec future = {99, 16, 0};
	put(&future, sizeof(future));
	put(&(uint64_t){0}, 8);
}

START_TEST(parse_file)
{
	build_file();
	struct kp_data d = {0};
	char err[200] = "";
	ck_assert_int_eq(kp_parse_file(&d, buf, blen, err, sizeof(err)), 0);
	ck_assert_uint_eq(d.ns, 3);
	ck_assert_uint_eq(d.s[0].depth, 2);
	ck_assert_uint_eq(d.frames[d.s[0].frames + 1], 0x3009);
	ck_assert_uint_eq(d.s[1].cpu, 1);
	ck_assert_uint_eq(d.s[1].source, PK_PERF_SRC_VMM);
	ck_assert_uint_eq(d.nc, 1);
	ck_assert_str_eq(d.c[0].name, "region");
	ck_assert_uint_eq(d.c[0].value, 777);
	ck_assert_uint_eq(d.lost, 5);
	ck_assert_uint_eq(d.unknown, 1);
	ck_assert_uint_eq(d.sources, (1u << PK_PERF_SRC_TIMER) | (1u << PK_PERF_SRC_VMM));
	kp_free(&d);
}
END_TEST

START_TEST(parse_truncated_everywhere)
{
	build_file();
	size_t full = blen;
	/* every cut that does not fall on a record boundary is an error */
	for (size_t cut = 0; cut < full; cut++) {
		uint8_t *copy = malloc(cut ? cut : 1); /* exact size: ASan sees overreads */
		memcpy(copy, buf, cut);
		struct kp_data d = {0};
		char err[200] = "";
		int rc = kp_parse_file(&d, copy, cut, err, sizeof(err));
		if (rc < 0)
			ck_assert_msg(err[0], "error without a reason at cut %zu", cut);
		ck_assert_msg(rc < 0 || cut >= sizeof(struct pk_perf_header), "cut %zu accepted",
			      cut);
		kp_free(&d);
		free(copy);
	}
	struct kp_data d = {0};
	char err[200];
	ck_assert_int_lt(kp_parse_file(&d, buf, full - 4, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(err, "truncated"));
	kp_free(&d);
}
END_TEST

START_TEST(parse_corrupt)
{
	struct kp_data d = {0};
	char err[200];
	build_file();
	buf[0] ^= 1; /* magic */
	ck_assert_int_lt(kp_parse_file(&d, buf, blen, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(err, "magic"));
	kp_free(&d);
	build_file();
	buf[8] = 7; /* version */
	ck_assert_int_lt(kp_parse_file(&d, buf, blen, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(err, "version"));
	kp_free(&d);
	build_file();
	size_t first = sizeof(struct pk_perf_header);
	buf[first + 2] = 3; /* size 3: not a multiple of 8 */
	buf[first + 3] = 0;
	ck_assert_int_lt(kp_parse_file(&d, buf, blen, err, sizeof(err)), 0);
	kp_free(&d);
	build_file();
	buf[first + offsetof(struct pk_perf_sample, depth)] = 200; /* depth past the size */
	ck_assert_int_lt(kp_parse_file(&d, buf, blen, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(err, "depth"));
	kp_free(&d);
	build_file();
	buf[first + offsetof(struct pk_perf_sample, source)] = 0; /* no source */
	ck_assert_int_lt(kp_parse_file(&d, buf, blen, err, sizeof(err)), 0);
	kp_free(&d);
}
END_TEST

START_TEST(parse_fuzz)
{
	/* random byte flips: any verdict is fine, a crash (ASan) is not */
	srand(1234);
	for (int round = 0; round < 3000; round++) {
		build_file();
		int flips = 1 + rand() % 4;
		for (int k = 0; k < flips; k++)
			buf[(size_t)rand() % blen] ^= (uint8_t)(1u << (rand() % 8));
		size_t len = blen - (size_t)(rand() % 9);
		uint8_t *copy = malloc(len);
		memcpy(copy, buf, len);
		struct kp_data d = {0};
		char err[200];
		if (kp_parse_file(&d, copy, len, err, sizeof(err)) == 0)
			for (size_t i = 0; i < d.ns; i++)
				ck_assert_uint_le(d.s[i].frames + d.s[i].depth, d.nframes);
		kp_free(&d);
		free(copy);
	}
}
END_TEST

/* A console log: noise, a header blob and a records blob (blob.h framing). */
static char *build_log(size_t *len)
{
	build_file();
	size_t hs = sizeof(struct pk_perf_header);
	char *log = malloc(65536);
	size_t o = (size_t)sprintf(log, "perfkern: booted\r\nhello\n");
	const char *names[2] = {"perf.hdr", "perf.cpu0"};
	const uint8_t *parts[2] = {buf, buf + hs};
	size_t sizes[2] = {hs, blen - hs};
	for (int b = 0; b < 2; b++) {
		o += (size_t)sprintf(log + o, "PKBLOB %s %zu %08x\n", names[b], sizes[b],
				     blob_crc32(0, parts[b], sizes[b]));
		for (size_t off = 0; off < sizes[b]; off += 57) {
			size_t n = sizes[b] - off < 57 ? sizes[b] - off : 57;
			o += blob_base64(parts[b] + off, n, log + o);
			log[o++] = '\n';
		}
		o += (size_t)sprintf(log + o, "PKBLOB-END %s\n", names[b]);
	}
	o += (size_t)sprintf(log + o, "perfkern: exit 0\n");
	*len = o;
	return log;
}

START_TEST(parse_log)
{
	size_t len;
	char *log = build_log(&len);
	struct kp_data d = {0};
	char err[200] = "";
	ck_assert_msg(kp_parse_log(&d, log, len, err, sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(d.ns, 3);
	ck_assert_uint_eq(d.hdr.ncpus, 2);
	kp_free(&d);
	/* truncated logs: an error naming the blob at most cuts, never a crash */
	for (size_t cut = 0; cut < len; cut += 7) {
		char *copy = malloc(cut ? cut : 1);
		memcpy(copy, log, cut);
		struct kp_data t = {0};
		kp_parse_log(&t, copy, cut, err, sizeof(err));
		kp_free(&t);
		free(copy);
	}
	char *bad = strdup(log);
	char *p = strstr(bad, "PKBLOB perf.cpu0");
	p = strchr(p, '\n') + 1;
	*p = *p == 'A' ? 'B' : 'A'; /* one base64 character */
	ck_assert_int_lt(kp_parse_log(&d, bad, len, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(err, "CRC"));
	kp_free(&d);
	ck_assert_int_lt(kp_parse_log(&d, log, 30, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(err, "no perf"));
	kp_free(&d);
	free(bad);
	free(log);
}
END_TEST

START_TEST(base64_roundtrip)
{
	uint8_t in[100], out[100];
	char text[200];
	for (int i = 0; i < 100; i++)
		in[i] = (uint8_t)(i * 37 + 5);
	for (size_t n = 0; n <= 100; n++) {
		size_t t = blob_base64(in, n, text);
		ck_assert_int_eq(blob_unbase64(text, t, out), (long)n);
		ck_assert(memcmp(in, out, n) == 0);
	}
	ck_assert_int_eq(blob_unbase64("Zm9", 3, out), -1);
	ck_assert_int_eq(blob_unbase64("Zm=v", 4, out), -1);
	ck_assert_int_eq(blob_unbase64("Zm9*", 4, out), -1);
}
END_TEST

static struct elf_syms test_syms(void)
{
	static const uint64_t a[] = {0x3000, 0x1000, 0x2000};
	static const uint64_t sz[] = {0x10, 0x10, 0};
	static const char *const n[] = {"outer", "leaf", "middle"};
	struct elf_syms s;
	ck_assert_int_eq(elf_syms_from(&s, a, sz, n, 3), 0);
	return s;
}

/* aliases at one address: whatever their table order, one name wins */
START_TEST(symbols_alias_choice)
{
	static const uint64_t a[] = {0x1000, 0x1000, 0x1000, 0x2000, 0x2000, 0x3000, 0x3000};
	static const uint64_t sz[] = {0, 8, 0, 0, 0, 0, 0};
	static const char *const n[] = {"__start", "func", "zlabel", "__marker",
					"entry64", "b",	   "a"};
	for (int rev = 0; rev < 2; rev++) {
		uint64_t ra[7], rs[7];
		const char *rn[7];
		for (int i = 0; i < 7; i++) {
			int j = rev ? 6 - i : i;
			ra[i] = a[j], rs[i] = sz[j], rn[i] = n[j];
		}
		struct elf_syms s;
		ck_assert_int_eq(elf_syms_from(&s, ra, rs, rn, 7), 0);
		uint64_t off;
		ck_assert_str_eq(elf_syms_lookup(&s, 0x1000, &off), "func");	/* sized wins */
		ck_assert_str_eq(elf_syms_lookup(&s, 0x2001, &off), "entry64"); /* not __ */
		ck_assert_str_eq(elf_syms_lookup(&s, 0x3000, &off), "a");	/* smaller name */
		elf_syms_free(&s);
	}
}
END_TEST

START_TEST(symbols_report_fold)
{
	struct elf_syms s = test_syms();
	uint64_t off;
	ck_assert_str_eq(elf_syms_lookup(&s, 0x1004, &off), "leaf");
	ck_assert_uint_eq(off, 4);
	ck_assert_ptr_null(elf_syms_lookup(&s, 0x1010, &off));	       /* past leaf's size */
	ck_assert_str_eq(elf_syms_lookup(&s, 0x2fff, &off), "middle"); /* sizeless: to the next */
	ck_assert_ptr_null(elf_syms_lookup(&s, 0xfff, &off));
	build_file();
	struct kp_data d = {0};
	char err[200];
	ck_assert_int_eq(kp_parse_file(&d, buf, blen, err, sizeof(err)), 0);
	struct kp_row *rows;
	size_t n;
	uint64_t total;
	ck_assert_int_eq(kp_aggregate(&d, &s, KP_SORT_SYM, 0, &rows, &n, &total), 0);
	ck_assert_uint_eq(total, 3);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(rows[0].key, "leaf");
	ck_assert_uint_eq(rows[0].samples, 2);
	ck_assert_str_eq(rows[1].key, "middle");
	kp_rows_free(rows, n);
	ck_assert_int_eq(kp_aggregate(&d, &s, KP_SORT_CPU, PK_PERF_SRC_TIMER, &rows, &n, &total),
			 0);
	ck_assert_uint_eq(total, 2);
	ck_assert_str_eq(rows[0].key, "0\tleaf");
	kp_rows_free(rows, n);
	/* frames are return addresses: 0x2005 - 1 in middle, 0x3009 - 1 in outer */
	ck_assert_int_eq(kp_fold(&d, &s, 0, &rows, &n), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(rows[0].key, "middle");
	ck_assert_str_eq(rows[1].key, "middle;leaf");
	ck_assert_str_eq(rows[2].key, "outer;middle;leaf");
	ck_assert_uint_eq(rows[2].samples, 1);
	kp_rows_free(rows, n);
	kp_free(&d);
	elf_syms_free(&s);
}
END_TEST

/* kperf -p PROGRAM: the program's symbols in the lower half, the
 * kernel's in the higher half, one table (elf_syms_merge) */
START_TEST(symbols_program_and_kernel)
{
	static const uint64_t ka[] = {0xffffffff80201000ull, 0xffffffff80202000ull, 0x100000};
	static const uint64_t ksz[] = {0x100, 0x40, 0x10};
	static const char *const kn[] = {"sys_write", "sched_switch", "boot32"};
	static const uint64_t pa[] = {0x401000, 0x401100, 0xffffffff80201000ull};
	static const uint64_t psz[] = {0x40, 0x80, 0x10};
	static const char *const pn[] = {"main", "hot_loop", "bogus_high"};
	struct elf_syms k, p, m;
	ck_assert_int_eq(elf_syms_from(&k, ka, ksz, kn, 3), 0);
	ck_assert_int_eq(elf_syms_from(&p, pa, psz, pn, 3), 0);
	k.text_id = 42;
	ck_assert_int_eq(elf_syms_merge(&m, &k, &p, ELF_SYMS_SPLIT), 0);
	ck_assert_uint_eq(m.n, 4); /* boot32 and bogus_high are on the wrong side */
	ck_assert_uint_eq(m.text_id, 42);
	uint64_t off;
	ck_assert_str_eq(elf_syms_lookup(&m, 0x401110, &off), "hot_loop");
	ck_assert_uint_eq(off, 0x10);
	ck_assert_str_eq(elf_syms_lookup(&m, 0x401000, &off), "main");
	ck_assert_str_eq(elf_syms_lookup(&m, 0xffffffff80201008ull, &off), "sys_write");
	ck_assert_ptr_null(elf_syms_lookup(&m, 0x100004, &off)); /* the kernel's low part */
	ck_assert_ptr_null(elf_syms_lookup(&m, 0x401180, &off)); /* past hot_loop */
	/* synthetic samples in both halves: a program frame under a kernel leaf */
	uint64_t frames[] = {0x401020};
	struct kp_sample sm[] = {
		{.rip = 0x401104, .cpu = 0, .source = PK_PERF_SRC_TIMER, .task = 0x1000},
		{.rip = 0x401150, .cpu = 1, .source = PK_PERF_SRC_TIMER, .task = 0x2000},
		{.rip = 0x401170, .cpu = 1, .source = PK_PERF_SRC_TIMER, .task = 0x2000},
		{.rip = 0xffffffff80201010ull, .cpu = 0, .source = PK_PERF_SRC_TIMER, .depth = 1},
		{.rip = 0x7fff0000, .cpu = 0, .source = PK_PERF_SRC_TIMER},
	};
	struct kp_data d = {.s = sm, .ns = 5, .frames = frames, .nframes = 1};
	struct kp_row *rows;
	size_t n;
	uint64_t total;
	ck_assert_int_eq(kp_aggregate(&d, &m, KP_SORT_SYM, 0, &rows, &n, &total), 0);
	ck_assert_uint_eq(total, 5);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(rows[0].key, "hot_loop");
	ck_assert_uint_eq(rows[0].samples, 3);
	ck_assert_str_eq(rows[1].key, "[unknown]");
	ck_assert_str_eq(rows[2].key, "sys_write");
	kp_rows_free(rows, n);
	ck_assert_int_eq(kp_fold(&d, &m, 0, &rows, &n), 0);
	int seen = 0;
	for (size_t i = 0; i < n; i++)
		seen |= !strcmp(rows[i].key, "main;sys_write");
	ck_assert(seen);
	kp_rows_free(rows, n);
	/* without -p the program's addresses have no name */
	ck_assert_int_eq(kp_aggregate(&d, &k, KP_SORT_SYM, 0, &rows, &n, &total), 0);
	ck_assert_str_eq(rows[0].key, "[unknown]");
	ck_assert_uint_eq(rows[0].samples, 4);
	kp_rows_free(rows, n);
	elf_syms_free(&m);
	elf_syms_free(&p);
	elf_syms_free(&k);
}
END_TEST

static void put_task(uint32_t cpu, uint64_t task, const char *name)
{
	struct pk_perf_task t = {{PK_PERF_REC_TASK, sizeof(t), cpu}, task, {0}};
	strncpy(t.name, name, sizeof(t.name));
	put(&t, sizeof(t));
}

static void put_task_sample(uint32_t cpu, uint64_t task, uint64_t rip)
{
	struct pk_perf_sample x = {
		{PK_PERF_REC_SAMPLE, sizeof(x), cpu}, 1, task, rip, PK_PERF_SRC_TIMER, 0, 0, 0};
	put(&x, sizeof(x));
}

/* --sort task names the program's threads from the task records, the
 * latest record for an id naming the samples after it (a rename, a reused
 * id); a task no record named keeps its id */
START_TEST(task_names)
{
	blen = 0;
	struct pk_perf_header h = {.magic = PK_PERF_MAGIC,
				   .version = PK_PERF_VERSION,
				   .header_size = sizeof(h),
				   .ncpus = 2};
	put(&h, sizeof(h));
	put_task(0, 0xa000, "prog");
	put_task_sample(0, 0xa000, 0x401104);
	put_task(1, 0xb000, "worker-1");
	put_task_sample(1, 0xb000, 0x401104);
	put_task_sample(1, 0xb000, 0x401150);
	put_task(0, 0xa000, "psum-main"); /* PR_SET_NAME */
	put_task_sample(0, 0xa000, 0x401000);
	put_task_sample(0, 0xc000, 0x401000); /* never named */
	struct kp_data d = {0};
	char err[200];
	ck_assert_int_eq(kp_parse_file(&d, buf, blen, err, sizeof(err)), 0);
	ck_assert_uint_eq(d.ns, 5);
	ck_assert_uint_eq(d.ntn, 3);
	ck_assert_str_eq(kp_task_name(&d, &d.s[0]), "prog");
	ck_assert_str_eq(kp_task_name(&d, &d.s[3]), "psum-main");
	ck_assert_str_eq(kp_task_name(&d, &d.s[4]), "");
	static const uint64_t pa[] = {0x401000, 0x401100};
	static const uint64_t psz[] = {0x40, 0x80};
	static const char *const pn[] = {"main", "hot_loop"};
	struct elf_syms p;
	ck_assert_int_eq(elf_syms_from(&p, pa, psz, pn, 2), 0);
	struct kp_row *rows;
	size_t n;
	uint64_t total;
	ck_assert_int_eq(kp_aggregate(&d, &p, KP_SORT_TASK, 0, &rows, &n, &total), 0);
	ck_assert_uint_eq(n, 4);
	ck_assert_str_eq(rows[0].key, "worker-1\thot_loop");
	ck_assert_uint_eq(rows[0].samples, 2);
	ck_assert_str_eq(rows[1].key, "0xc000\tmain");
	ck_assert_str_eq(rows[2].key, "prog\thot_loop");
	ck_assert_str_eq(rows[3].key, "psum-main\tmain");
	kp_rows_free(rows, n);
	/* a task record cut short is refused like any short record */
	blen -= sizeof(struct pk_perf_sample) * 2 + sizeof(struct pk_perf_task);
	struct pk_perf_rec shortrec = {PK_PERF_REC_TASK, 16, 0};
	put(&shortrec, sizeof(shortrec));
	put(&(uint64_t){0xa000}, 8);
	kp_free(&d);
	ck_assert_int_lt(kp_parse_file(&d, buf, blen, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(err, "task record"));
	kp_free(&d);
	elf_syms_free(&p);
}
END_TEST

START_TEST(symbols_from_guest_elf)
{
	struct elf_syms s;
	char err[200];
	ck_assert_int_eq(elf_syms_load(GUEST_ELF, &s, err, sizeof(err)), 0);
	uint64_t a, sz, off;
	ck_assert(elf_syms_find(&s, "perfcheck_hot_a", &a, &sz));
	ck_assert_str_eq(elf_syms_lookup(&s, a + 1, &off), "perfcheck_hot_a");
	ck_assert(elf_syms_find(&s, "kernel_start64", &a, &sz)); /* an assembly label */
	ck_assert_uint_ne(s.text_id, 0);
	ck_assert_uint_eq(s.text_id, perf_elf_text_id(GUEST_ELF)); /* vmm agrees */
	elf_syms_free(&s);
	ck_assert_int_lt(elf_syms_load("/nonexistent", &s, err, sizeof(err)), 0);
	ck_assert_int_lt(elf_syms_load("/proc/self/status", &s, err, sizeof(err)), 0);
}
END_TEST

/* A fake stack for the chain walk: va 0x10000.. maps to stack[]. */
static uint64_t stack[64];
static int stack_rd(void *ctx, uint64_t va, uint64_t *val)
{
	(void)ctx;
	if (va < 0x10000 || va + 8 > 0x10000 + sizeof(stack))
		return -1;
	*val = stack[(va - 0x10000) / 8];
	return 0;
}

/* Names from the ELF or the guest cannot end a gnuplot string or a data
 * line: a newline there would start a command (!cmd, system(...)). */
START_TEST(gnuplot_quoting)
{
	char *out = 0;
	size_t n = 0;
	FILE *f = open_memstream(&out, &n);
	kp_gp_quote(f, "it's\n!touch x\\", "\r'system(\"id\")");
	fclose(f);
	ck_assert_str_eq(out, "'it''s?!touch x\\?''system(\"id\")'");
	free(out);
	f = open_memstream(&out, &n);
	kp_gp_quote(f, "plain", 0);
	kp_dat_label(f, "a\"b\nsystem(\"id\")\x7f");
	fclose(f);
	ck_assert_str_eq(out, "'plain'\"a?b?system(?id?)?\"");
	free(out);
}
END_TEST

START_TEST(cli_numbers)
{
	unsigned long v = 7;
	ck_assert_int_eq(kp_parse_ulong("1000", 1, 100000, &v), 0);
	ck_assert_uint_eq(v, 1000);
	ck_assert_int_eq(kp_parse_ulong("100000", 1, 100000, &v), 0);
	const char *bad[] = {"",
			     "0",
			     "100001",
			     "10x",
			     " 5",
			     "+5",
			     "-1",
			     "0x10",
			     "1e3",
			     "5 ",
			     "18446744073709551616"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(kp_parse_ulong(bad[i], 1, 100000, &v) < 0, "'%s' accepted", bad[i]);
	ck_assert_uint_eq(v, 100000); /* untouched by a refusal */
}
END_TEST

static int cli_run(struct kopts *o, int argc, char **argv)
{
	(void)o, (void)argc, (void)argv;
	return 0;
}

/* Each subcommand takes its own options; another's is an error. */
START_TEST(cli_per_command_options)
{
	static const struct kp_cmd rep = {"report", "", "r",	0, KO_INPUT | KO_FOLDED | KO_TOP,
					  0,	    0,	cli_run};
	static const struct kp_cmd rec = {"record", "-- CMD", "r",    0, KO_FREQ | KO_OUTPUT,
					  1,	    -1,	      cli_run};
	struct kopts o = {0};
	int first = -1;
	char *a1[] = {"report", "--folded", "-i", "f", "--top", "3", 0};
	ck_assert_int_eq(kp_cli_parse(&rep, 6, a1, &o, &first), 0);
	ck_assert(o.folded && o.top == 3 && !strcmp(o.in, "f") && first == 6);
	char *a2[] = {"report", "-F", "100", 0};
	ck_assert_int_eq(kp_cli_parse(&rep, 3, a2, &o, &first), -1);
	char *a3[] = {"record", "--folded", "--", "vmm", 0};
	ck_assert_int_eq(kp_cli_parse(&rec, 4, a3, &o, &first), -1);
	/* record stops at the command: its -F belongs to the vmm */
	char *a4[] = {"record", "-F", "99", "--", "vmm", "-F", "x", 0};
	o = (struct kopts){0};
	ck_assert_int_eq(kp_cli_parse(&rec, 7, a4, &o, &first), 0);
	ck_assert(o.hz == 99 && first == 4 && !strcmp(a4[first], "vmm"));
	char *a5[] = {"record", 0};
	ck_assert_int_eq(kp_cli_parse(&rec, 1, a5, &o, &first), -1); /* no command */
	char *a6[] = {"report", "stray", 0};
	ck_assert_int_eq(kp_cli_parse(&rep, 2, a6, &o, &first), -1);
}
END_TEST

START_TEST(chain_walk)
{
	uint64_t fr[8];
	int trunc;
	memset(stack, 0, sizeof(stack));
	/* three frames at 0x10000, 0x10040, 0x10080, then a zero rbp */
	stack[0] = 0x10040, stack[1] = 0xa1;
	stack[8] = 0x10080, stack[9] = 0xa2;
	stack[16] = 0, stack[17] = 0xa3;
	ck_assert_uint_eq(perf_chain_walk(0x10000, stack_rd, 0, fr, 8, &trunc), 3);
	ck_assert_uint_eq(fr[0], 0xa1);
	ck_assert_uint_eq(fr[2], 0xa3);
	ck_assert_int_eq(trunc, 0);
	ck_assert_uint_eq(perf_chain_walk(0x10000, stack_rd, 0, fr, 2, &trunc), 2);
	ck_assert_int_eq(trunc, 1);
	stack[8] = 0x10000; /* a loop back down: ends the walk */
	ck_assert_uint_eq(perf_chain_walk(0x10000, stack_rd, 0, fr, 8, &trunc), 2);
	stack[8] = 0x90000; /* unreadable: ends the walk */
	ck_assert_uint_eq(perf_chain_walk(0x10000, stack_rd, 0, fr, 8, &trunc), 2);
	ck_assert_uint_eq(perf_chain_walk(0x10004, stack_rd, 0, fr, 8, &trunc), 0); /* unaligned */
	ck_assert_uint_eq(perf_chain_walk(0, stack_rd, 0, fr, 8, &trunc), 0);
	ck_assert_uint_eq(perf_chain_walk(0x5000, stack_rd, 0, fr, 8, &trunc), 0);
}
END_TEST

/* the vmm sampler's translation: the shared walker over guest RAM */
static int gva_to_gpa(struct guest_mem *m, uint64_t cr3, uint64_t va, uint64_t *pa)
{
	uint64_t page;
	return mmu_translate(cr3, va, mem_read_table, m, pa, &page);
}

START_TEST(guest_page_walk)
{
	struct guest_mem m;
	ck_assert_int_eq(mem_alloc(&m, 16 << 20, HP_OFF), 0);
	uint64_t *pml4 = mem_ptr(&m, 0x1000, 4096), *pdpt = mem_ptr(&m, 0x2000, 4096);
	uint64_t *pd = mem_ptr(&m, 0x3000, 4096), *pt = mem_ptr(&m, 0x4000, 4096);
	/* va 0xffffffff80000000: PML4 511, PDPT 510 -> PD; PD[0] 2 MiB at 0x200000;
	 * PD[1] -> PT, PT[3] = 4K page 0x7000; va 0x40000000: 1 GiB page (beyond RAM) */
	pml4[511] = 0x2000 | 3;
	pml4[0] = 0x2000 | 3;
	pdpt[510] = 0x3000 | 3;
	pdpt[1] = 0x40000000 | 0x83;
	pd[0] = 0x200000 | 0x83;
	pd[1] = 0x4000 | 3;
	pt[3] = 0x7000 | 3;
	uint64_t pa;
	ck_assert_int_eq(gva_to_gpa(&m, 0x1000, 0xffffffff80012345ull, &pa), 0);
	ck_assert_uint_eq(pa, 0x212345);
	ck_assert_int_eq(gva_to_gpa(&m, 0x1000, 0xffffffff80203008ull, &pa), 0);
	ck_assert_uint_eq(pa, 0x7008);
	ck_assert_int_eq(gva_to_gpa(&m, 0x1000, 0x40000010, &pa), 0);
	ck_assert_uint_eq(pa, 0x40000010); /* translated; mem_ptr refuses it later */
	ck_assert_ptr_null(mem_ptr(&m, pa, 8));
	ck_assert_int_lt(gva_to_gpa(&m, 0x1000, 0xffffffff80204000ull, &pa), 0); /* PT[4] */
	ck_assert_int_lt(gva_to_gpa(&m, 0x1000, 0x7f0000000000ull, &pa), 0);
	pd[2] = 0x7ffff000ull | 3; /* a table outside guest RAM: the walk ends */
	ck_assert_int_lt(gva_to_gpa(&m, 0x1000, 0xffffffff80400000ull, &pa), 0);
	ck_assert_int_lt(gva_to_gpa(&m, 0xfffff000ull, 0x1000, &pa), 0); /* wild CR3 */
	mem_free(&m);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("kperf");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, parse_file);
	tcase_add_test(tc, symbols_alias_choice);
	tcase_add_test(tc, parse_truncated_everywhere);
	tcase_add_test(tc, parse_corrupt);
	tcase_add_test(tc, parse_fuzz);
	tcase_add_test(tc, parse_log);
	tcase_add_test(tc, base64_roundtrip);
	tcase_add_test(tc, symbols_report_fold);
	tcase_add_test(tc, symbols_from_guest_elf);
	tcase_add_test(tc, symbols_program_and_kernel);
	tcase_add_test(tc, task_names);
	tcase_add_test(tc, gnuplot_quoting);
	tcase_add_test(tc, cli_numbers);
	tcase_add_test(tc, cli_per_command_options);
	tcase_add_test(tc, chain_walk);
	tcase_add_test(tc, guest_page_walk);
	suite_add_tcase(s, tc);
	return check_run(s);
}
