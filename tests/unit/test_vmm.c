/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_vmm.c - the vmm's host-side logic without /dev/kvm:
 * option parsing, the guest-address check, KVM's stats layout, and the
 * hypercall table's handling of hostile requests (ELF loading and the boot
 * structures: test_vmm_elf.c).
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_run.h"
#include "proto/hypercall.h"
#include "vmm/dbg.h"
#include "vmm/hcall.h"
#include "vmm/io.h"
#include "proto/pc.h"
#include "vmm/kvm.h"
#include "vmm/kvm_stats.h"

static int parse(struct vmm_opts *o, const char *const *args)
{
	static char *argv[32]; /* o->rest points into it */
	int argc = 0;
	argv[argc++] = "vmm";
	for (; *args; args++)
		argv[argc++] = (char *)*args;
	argv[argc] = 0;
	return cli_parse(argc, argv, o);
}

START_TEST(cli_good)
{
	struct vmm_opts o;
	const char *a[] = {"-c",  "3",	     "-m",    "1G", "--hugepages", "2M",     "--timeout",
			   "2.5", "--stats", "g.elf", "--", "run=tests",   "test=x", 0};
	ck_assert_int_eq(parse(&o, a), 0);
	ck_assert_uint_eq(o.cpus, 3);
	ck_assert_uint_eq(o.mem, 1ull << 30);
	ck_assert_int_eq(o.hugepages, HP_2M);
	ck_assert(o.timeout == 2.5 && o.stats);
	ck_assert_str_eq(o.elf, "g.elf");
	ck_assert_str_eq(o.cmdline, "run=tests test=x");
	/* words after the ELF without "--" are a program's arguments: which
	 * they are is decided once the ELF is read (vmm/prog.c) */
	const char *p[] = {"--env", "A=1", "--strace", "prog", "-x", "--", "y", 0};
	ck_assert_int_eq(parse(&o, p), 0);
	ck_assert_str_eq(o.elf, "prog");
	ck_assert_int_eq(o.nrest, 3);
	ck_assert_str_eq(o.rest[0], "-x");
	ck_assert_str_eq(o.rest[2], "y");
	ck_assert_uint_eq(o.nenv, 1);
	ck_assert(o.strace);
	ck_assert_str_eq(o.cmdline, "");
}
END_TEST

START_TEST(cli_bad)
{
	struct vmm_opts o;
	const char *const bad[][4] = {
		{"-c", "0", "g", 0},
		{"-c", "x", "g", 0},
		{"-c", "100000", "g", 0},
		{"-m", "12Q", "g", 0},
		{"-m", "1M", "g", 0},
		{"-m", "-5G", "g", 0},
		{"--hugepages", "3M", "g", 0},
		{"--timeout", "-1", "g", 0},
		{"--timeout", "abc", "g", 0},
		{"--bogus", "g", 0, 0},
		{"--env", "NOEQUALS", "g", 0},
		{"--env", "=v", "g", 0},
		{"--kernel", 0},
		/* the table-taken kinds (cli.h): an empty string, out-of-range,
		 * signed or suffixed numbers, a value given to a flag */
		{"--monitor", "", "g", 0},
		{"--perf-freq", "100001", "g", 0},
		{"--out-max-files", "1e3", "g", 0},
		{"--monitor-idle", "-1", "g", 0},
		{"--cpus", "+2", "g", 0},
		{"--stats=1", "g", 0, 0},
		{"--post-codes=yes", "g", 0, 0},
		{0},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(parse(&o, bad[i]) == -1, "case %zu accepted", i);
	ck_assert_int_eq(cli_parse_size("4096K"), 4096 << 10);
	ck_assert_int_eq(cli_parse_size("99999999999999G"), -1);
	ck_assert_int_eq(cli_parse_size(""), -1);
}
END_TEST

/* --gdb PATH | tcp:PORT [--gdb-wait], --monitor PATH, --monitor-idle (vmm/cli.c) */
START_TEST(cli_debug)
{
	struct vmm_opts o;
	const char *a[] = {
		"--gdb", "/tmp/g.sock", "--gdb-wait", "--monitor", "/tmp/m.sock", "g.elf", 0};
	ck_assert_int_eq(parse(&o, a), 0);
	ck_assert_str_eq(o.gdb_path, "/tmp/g.sock");
	ck_assert_uint_eq(o.gdb_port, 0);
	ck_assert(o.gdb_wait);
	ck_assert_str_eq(o.monitor, "/tmp/m.sock");
	ck_assert_uint_eq(o.monitor_idle, VMM_MONITOR_IDLE_DEFAULT);
	const char *tcp[] = {"--gdb", "tcp:1234", "--gdb-wait", "--monitor-idle", "0", "g.elf", 0};
	ck_assert_int_eq(parse(&o, tcp), 0);
	ck_assert(o.gdb_path == 0 && o.gdb_port == 1234 && o.gdb_wait && o.monitor_idle == 0);
	const char *rel[] = {"--gdb", "gdb.sock", "--monitor-idle", "7", "g.elf", 0};
	ck_assert_int_eq(parse(&o, rel), 0);
	ck_assert_str_eq(o.gdb_path, "gdb.sock");
	ck_assert_uint_eq(o.monitor_idle, 7);
	const char *none[] = {"g.elf", 0};
	ck_assert_int_eq(parse(&o, none), 0);
	ck_assert(o.gdb_path == 0 && o.gdb_port == 0 && !o.gdb_wait && !o.monitor);
	const char *const bad[][4] = {
		/* a bare number was the old TCP form: refused, not a socket named 1234 */
		{"--gdb", "1234", "g", 0},
		{"--gdb", "tcp:0", "g", 0},
		{"--gdb", "tcp:65536", "g", 0},
		{"--gdb", "tcp:12ab", "g", 0},
		{"--gdb", "tcp:", "g", 0},
		{"--gdb", "tcp:-1", "g", 0},
		{"--gdb", "", "g", 0},
		{"--gdb-wait", "g", 0, 0},
		{"--monitor", "", "g", 0},
		{"--gdb", 0, 0, 0},
		{"--monitor-idle", "-1", "g", 0},
		{"--monitor-idle", "5s", "g", 0},
		{"--monitor-idle", "86401", "g", 0},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(parse(&o, bad[i]) == -1, "case %zu accepted", i);
}
END_TEST

/* DR7 layout, SDM Vol 3B 18.2.4: Ln at bit 2n, R/Wn at 16+4n, LENn at 18+4n */
START_TEST(dr7_encoding)
{
	struct dbg_hw_slot hw[4] = {{0}};
	ck_assert_uint_eq(pause_dr7(hw), 0); /* nothing armed: DR7 off */
	hw[0] = (struct dbg_hw_slot){.type = HW_EXEC, .addr = 0x1000, .len = 1};
	ck_assert_uint_eq(pause_dr7(hw), 0x101); /* L0 + LE, R/W0 = 00, LEN0 = 00 */
	hw[0] = (struct dbg_hw_slot){0};
	hw[1] = (struct dbg_hw_slot){.type = HW_WRITE, .addr = 0x2000, .len = 4};
	/* L1 (bit 2), R/W1 = 01 at 20, LEN1 = 11 at 22 */
	ck_assert_uint_eq(pause_dr7(hw), 0x104 | (1ull << 20) | (3ull << 22));
	hw[3] = (struct dbg_hw_slot){.type = HW_ACCESS, .addr = 0x3000, .len = 8};
	/* L3 (bit 6), R/W3 = 11 at 28, LEN3 = 10 (8 bytes) at 30 */
	ck_assert_uint_eq(pause_dr7(hw),
			  0x104 | (1ull << 20) | (3ull << 22) | 0x40 | (3ull << 28) | (2ull << 30));
	hw[1] = hw[3] = (struct dbg_hw_slot){0};
	hw[2] = (struct dbg_hw_slot){.type = HW_READ, .addr = 0x4000, .len = 2};
	/* x86 has no read-only breakpoints: R/W = 11 (read or write), LEN = 01 */
	ck_assert_uint_eq(pause_dr7(hw), 0x110 | (3ull << 24) | (1ull << 26));
}
END_TEST

START_TEST(mem_bounds)
{
	struct guest_mem m = {.host = (uint8_t *)0x10000,
			      .size = MEM_HOLE_START + 0x1000,
			      .low = MEM_HOLE_START,
			      .high = 0x1000};
	ck_assert_ptr_eq(mem_ptr(&m, 0, 16), m.host);
	ck_assert_ptr_eq(mem_ptr(&m, MEM_HOLE_START - 16, 16), m.host + MEM_HOLE_START - 16);
	ck_assert_ptr_null(mem_ptr(&m, MEM_HOLE_START - 16, 17));
	ck_assert_ptr_null(mem_ptr(&m, MEM_HOLE_START, 1)); /* the MMIO hole */
	ck_assert_ptr_eq(mem_ptr(&m, MEM_HIGH_START, 0x1000), m.host + MEM_HOLE_START);
	ck_assert_ptr_null(mem_ptr(&m, MEM_HIGH_START + 1, 0x1000));
	ck_assert_ptr_null(mem_ptr(&m, ~0ull, 2));
	ck_assert_ptr_null(mem_ptr(&m, 8, ~0ull));
}
END_TEST

/* ---- hypercalls from a hostile guest ----------------------------------- */

static struct vm hvm;
static struct vcpu hv;
static struct vmm_opts hopts;

static void hc_setup(void)
{
	memset(&hvm, 0, sizeof(hvm));
	ck_assert_int_eq(mem_alloc(&hvm.mem, 64ull << 20, HP_OFF), 0);
	hvm.opts = &hopts;
	hv.vm = &hvm;
}
static void hc_teardown(void)
{
	mem_free(&hvm.mem);
}

START_TEST(hcall_hostile)
{
	struct pk_hc_console_write *cw = mem_ptr(&hvm.mem, 0x20000, sizeof(*cw));
	memcpy(mem_ptr(&hvm.mem, 0x21000, 3), "hi\n", 3);
	*cw = (struct pk_hc_console_write){.data = 0x21000, .len = 3};
	ck_assert_int_eq(hcall_dispatch(&hv, PK_HC_CONSOLE_WRITE, 0x20000), -1);
	ck_assert_int_eq(cw->hdr.ret, 0);
	cw->data = 1ull << 40; /* outside RAM */
	hcall_dispatch(&hv, PK_HC_CONSOLE_WRITE, 0x20000);
	ck_assert_int_eq(cw->hdr.ret, PK_HC_EFAULT);
	cw->data = (64ull << 20) - 2; /* straddles the end of RAM */
	hcall_dispatch(&hv, PK_HC_CONSOLE_WRITE, 0x20000);
	ck_assert_int_eq(cw->hdr.ret, PK_HC_EFAULT);
	cw->len = PK_HC_CONSOLE_MAX + 1;
	hcall_dispatch(&hv, PK_HC_CONSOLE_WRITE, 0x20000);
	ck_assert_int_eq(cw->hdr.ret, PK_HC_EINVAL);
	/* unknown number: -ENOSYS in the header, the vCPU resumes */
	ck_assert_int_eq(hcall_dispatch(&hv, 99, 0x20000), -1);
	ck_assert_int_eq(cw->hdr.ret, PK_HC_ENOSYS);
	/* struct itself outside RAM: nothing written, the vCPU resumes */
	ck_assert_int_eq(hcall_dispatch(&hv, PK_HC_CONSOLE_WRITE, 0xfffffff8u), -1);
	/* result_write: bad names are refused */
	struct pk_hc_result_write *rw = mem_ptr(&hvm.mem, 0x22000, sizeof(*rw));
	memcpy(mem_ptr(&hvm.mem, 0x23000, 8), "../etc/x", 8);
	*rw = (struct pk_hc_result_write){
		.name = 0x23000, .name_len = 8, .data = 0x21000, .len = 3};
	hcall_dispatch(&hv, PK_HC_RESULT_WRITE, 0x22000);
	ck_assert_int_eq(rw->hdr.ret, PK_HC_EINVAL);
	ck_assert_uint_ge(atomic_load(&hvm.hc_warnings), 5);
	/* exit and time_info */
	struct pk_hc_exit *ex = mem_ptr(&hvm.mem, 0x24000, sizeof(*ex));
	ex->code = 7;
	ck_assert_int_eq(hcall_dispatch(&hv, PK_HC_EXIT, 0x24000), 7);
	struct pk_hc_time_info *ti = mem_ptr(&hvm.mem, 0x25000, sizeof(*ti));
	hvm.tsc_khz = 1234;
	ck_assert_int_eq(hcall_dispatch(&hv, PK_HC_TIME_INFO, 0x25000), -1);
	ck_assert_uint_eq(ti->tsc_khz, 1234);
	ck_assert_int_eq(ti->hdr.ret, 0);
}
END_TEST

/* Every number of proto/hypercall.h is registered exactly once (the
 * linker-section table would silently lose a call whose object file a
 * static link dropped). */
START_TEST(hcall_table_complete)
{
	size_t n;
	const struct hcall_def *t = hcall_table(&n);
	/* 9 is reserved (for programs): the one number nobody registers */
	unsigned unregistered = 0;
	for (unsigned nr = 0; nr < PK_HC_COUNT; nr++) {
		unsigned seen = 0;
		for (size_t i = 0; i < n; i++)
			seen += t[i].nr == nr;
		if (nr == 9) {
			ck_assert_uint_eq(seen, 0);
			unregistered++;
			continue;
		}
		ck_assert_msg(seen == 1, "hypercall %u registered %u times", nr, seen);
		ck_assert_ptr_nonnull(hcall_find(nr)->fn);
	}
	ck_assert_uint_eq(n + unregistered, PK_HC_COUNT);
	ck_assert_ptr_null(hcall_find(PK_HC_COUNT));
}
END_TEST

/* Only ret and the declared OUT fields are written back; a guest asking
 * for a vmm-reserved exit code gets 127. */
START_TEST(hcall_out_and_exit_codes)
{
	struct pk_hc_console_write *cw = mem_ptr(&hvm.mem, 0x20000, sizeof(*cw));
	memcpy(mem_ptr(&hvm.mem, 0x21000, 3), "ok\n", 3);
	*cw = (struct pk_hc_console_write){.hdr.ret = 55, .data = 0x21000, .len = 3};
	ck_assert_int_eq(hcall_dispatch(&hv, PK_HC_CONSOLE_WRITE, 0x20000), -1);
	ck_assert_int_eq(cw->hdr.ret, 0);
	ck_assert_uint_eq(cw->data, 0x21000);
	ck_assert_uint_eq(cw->len, 3);
	struct pk_hc_exit *ex = mem_ptr(&hvm.mem, 0x24000, sizeof(*ex));
	for (uint64_t c = 118; c < 131; c++) {
		ex->code = c;
		int want = c >= 120 && c <= 127 ? VMM_EXIT_GUEST_RESERVED : (int)c;
		ck_assert_int_eq(hcall_dispatch(&hv, PK_HC_EXIT, 0x24000), want);
	}
	ex->code = 0x100 + 124; /* only the low 8 bits count, reserved or not */
	ck_assert_int_eq(hcall_dispatch(&hv, PK_HC_EXIT, 0x24000), VMM_EXIT_GUEST_RESERVED);
	ck_assert_int_eq(hcall_exit_status(&hv, 3, "test"), 3);
}
END_TEST

/* The console sanitizer: ESC and friends become text, UTF-8 passes. */
START_TEST(console_sanitized)
{
	char *buf = 0;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	const char in[] = "a\x1b[31mb\tc\r\n\x7f\x07\xc3\xa9\x00";
	console_emit(&hvm, f, in, sizeof(in) - 1);
	fflush(f);
	ck_assert_str_eq(buf, "a\\x1b[31mb\tc\r\n\\x7f\\x07\xc3\xa9\\x00");
	fclose(f);
	free(buf);
	hopts.raw_console = true;
	f = open_memstream(&buf, &len);
	console_emit(&hvm, f, in, 3);
	fflush(f);
	ck_assert_mem_eq(buf, "a\x1b[", 3);
	fclose(f);
	free(buf);
	hopts.raw_console = false;
}
END_TEST

/* The port table: the owners are registered, ranges do not overlap. */
START_TEST(pio_table_sane)
{
	unsigned n;
	const struct pio_range *t = pio_table(&n);
	ck_assert_uint_eq(n, 5); /* hypercalls, COM1, 0xf4, 0x80, PCI config (vmm/pci.c) */
	for (unsigned i = 0; i < n; i++)
		for (unsigned j = i + 1; j < n; j++)
			ck_assert_msg(t[i].hi < t[j].lo || t[j].hi < t[i].lo, "%s overlaps %s",
				      t[i].name, t[j].name);
	ck_assert_ptr_nonnull(pio_find(PK_HC_PORT_BASE));
	ck_assert_ptr_nonnull(pio_find(PK_HC_PORT_BASE + PK_HC_PORT_COUNT - 1));
	ck_assert_ptr_nonnull(pio_find(PK_PORT_COM1 + 5));
	ck_assert_ptr_nonnull(pio_find(PK_PORT_DEBUG_EXIT));
	ck_assert_ptr_nonnull(pio_find(0x80)); /* dev_post.c */
	ck_assert_ptr_null(pio_find(0x81));
	ck_assert_ptr_nonnull(pio_find(0xcf8));
	ck_assert_ptr_nonnull(pio_find(0xcff));
	ck_assert_ptr_null(pio_find(0xd00));
	ck_assert_ptr_null(mmio_find(0xfed00000));
}
END_TEST

/* io_exit / mmio_exit on a fake kvm_run: no /dev/kvm needed. */
START_TEST(io_dispatch_fake_run)
{
	static _Alignas(4096) uint8_t page[2 * 4096];
	struct kvm_run *run = (struct kvm_run *)page;
	hvm.run_size = sizeof(page);
	hv.run = run;
	uint8_t *data = page + 4096;
	run->exit_reason = KVM_EXIT_IO;
	run->io = (__typeof__(run->io)){.direction = KVM_EXIT_IO_IN,
					.size = 1,
					.port = PK_PORT_COM1 + 5,
					.count = 1,
					.data_offset = 4096};
	ck_assert_int_eq(io_exit(&hv), -1);
	ck_assert_uint_eq(data[0], 0x60); /* THR empty */
	run->io.port = 0x61;		  /* nobody's: all-ones */
	run->io.size = 2;
	run->io.count = 3;
	ck_assert_int_eq(io_exit(&hv), -1);
	for (int i = 0; i < 6; i++)
		ck_assert_uint_eq(data[i], 0xff);
	/* data outside the run page: refused with a warning */
	unsigned long w = atomic_load(&hvm.hc_warnings);
	run->io.data_offset = sizeof(page) - 2;
	ck_assert_int_eq(io_exit(&hv), -1);
	run->io.size = 3;
	run->io.data_offset = 4096;
	ck_assert_int_eq(io_exit(&hv), -1);
	ck_assert_uint_eq(atomic_load(&hvm.hc_warnings), w + 2);
	/* port 0x80 latches the last POST code of a string write */
	run->io = (__typeof__(run->io)){.direction = KVM_EXIT_IO_OUT,
					.size = 1,
					.port = 0x80,
					.count = 3,
					.data_offset = 4096};
	memcpy(data, "\x11\x22\x33", 3);
	ck_assert_int_eq(io_exit(&hv), -1);
	run->io.direction = KVM_EXIT_IO_IN;
	run->io.count = 1;
	data[0] = 0;
	ck_assert_int_eq(io_exit(&hv), -1);
	ck_assert_uint_eq(data[0], 0x33);
	/* port 0xf4: the guest's code, except the vmm's own */
	run->io = (__typeof__(run->io)){.direction = KVM_EXIT_IO_OUT,
					.size = 4,
					.port = PK_PORT_DEBUG_EXIT,
					.count = 1,
					.data_offset = 4096};
	uint32_t code = 5;
	memcpy(data, &code, 4);
	ck_assert_int_eq(io_exit(&hv), 5);
	code = 121;
	memcpy(data, &code, 4);
	ck_assert_int_eq(io_exit(&hv), VMM_EXIT_GUEST_RESERVED);
	/* a hypercall through the port: time_info at 0x25000 */
	struct pk_hc_time_info *ti = mem_ptr(&hvm.mem, 0x25000, sizeof(*ti));
	memset(ti, 0, sizeof(*ti));
	hvm.tsc_khz = 77;
	run->io.port = PK_HC_PORT_BASE + PK_HC_TIME_INFO;
	code = 0x25000;
	memcpy(data, &code, 4);
	ck_assert_int_eq(io_exit(&hv), -1);
	ck_assert_uint_eq(ti->tsc_khz, 77);
	/* MMIO nobody claims: reads all-ones, writes ignored, the VM goes on */
	run->exit_reason = KVM_EXIT_MMIO;
	run->mmio = (__typeof__(run->mmio)){.phys_addr = 0xfed00000, .len = 4, .is_write = 0};
	ck_assert_int_eq(mmio_exit(&hv), -1);
	ck_assert_uint_eq(run->mmio.data[3], 0xff);
	run->mmio.is_write = 1;
	ck_assert_int_eq(mmio_exit(&hv), -1);
	run->mmio.len = 9;
	ck_assert_int_eq(mmio_exit(&hv), -1);
}
END_TEST

/* KVM_GET_STATS_FD's layout (api.rst 4.133), built by hand: a counter, a
 * histogram (left out), a gauge; then layouts that do not fit the buffer */
static void stats_sum(const char *name, uint64_t v, void *arg)
{
	uint64_t *acc = arg;
	acc[0] += v;
	acc[1] += strcmp(name, "exits") == 0 ? v : 0;
}

START_TEST(kvm_stats_layout)
{
	enum { NAMESZ = 48, NDESC = 3 };
	size_t dsz = sizeof(struct kvm_stats_desc) + NAMESZ;
	static uint8_t buf[4096];
	memset(buf, 0, sizeof(buf));
	struct kvm_stats_header h = {.name_size = NAMESZ,
				     .num_desc = NDESC,
				     .id_offset = 24,
				     .desc_offset = 24 + NAMESZ};
	h.data_offset = h.desc_offset + NDESC * dsz;
	struct {
		const char *name;
		uint32_t flags;
		uint16_t size;
		uint32_t off;
	} d[NDESC] = {{"exits", KVM_STATS_TYPE_CUMULATIVE, 1, 0},
		      {"halt_wait_hist", KVM_STATS_TYPE_LOG_HIST, 32, 8},
		      {"pages_2m", KVM_STATS_TYPE_INSTANT, 1, 8 + 32 * 8}};
	for (unsigned i = 0; i < NDESC; i++) {
		struct kvm_stats_desc k = {
			.flags = d[i].flags, .size = d[i].size, .offset = d[i].off};
		memcpy(buf + h.desc_offset + i * dsz, &k, sizeof(k));
		strcpy((char *)buf + h.desc_offset + i * dsz + sizeof(k), d[i].name);
	}
	uint64_t vals[34] = {0};
	vals[0] = 1234;
	for (unsigned i = 1; i <= 32; i++)
		vals[i] = 1000000; /* histogram buckets: must not be summed */
	vals[33] = 7;
	memcpy(buf + h.data_offset, vals, sizeof(vals));
	memcpy(buf, &h, sizeof(h));
	size_t len = h.data_offset + sizeof(vals);
	uint64_t acc[2] = {0, 0};
	ck_assert_int_eq(kvm_stats_each(buf, len, stats_sum, acc), 2);
	ck_assert_uint_eq(acc[0], 1234 + 7);
	ck_assert_uint_eq(acc[1], 1234);
	/* the last value cut off by the length */
	ck_assert_int_eq(kvm_stats_each(buf, len - 1, stats_sum, acc), -EINVAL);
	/* more descriptors than the buffer holds, a huge name size, a short header */
	struct kvm_stats_header bad = h;
	bad.num_desc = 1000000;
	memcpy(buf, &bad, sizeof(bad));
	ck_assert_int_eq(kvm_stats_each(buf, len, stats_sum, acc), -EINVAL);
	bad = h;
	bad.name_size = 0x7fffffff;
	memcpy(buf, &bad, sizeof(bad));
	ck_assert_int_eq(kvm_stats_each(buf, len, stats_sum, acc), -EINVAL);
	ck_assert_int_eq(kvm_stats_each(buf, sizeof(h) - 1, stats_sum, acc), -EINVAL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vmm");
	TCase *pure = tcase_create("pure");
	tcase_add_test(pure, cli_good);
	tcase_add_test(pure, cli_bad);
	tcase_add_test(pure, cli_debug);
	tcase_add_test(pure, dr7_encoding);
	tcase_add_test(pure, mem_bounds);
	tcase_add_test(pure, kvm_stats_layout);
	suite_add_tcase(s, pure);
	TCase *hc = tcase_create("hcall");
	tcase_add_checked_fixture(hc, hc_setup, hc_teardown);
	tcase_add_test(hc, hcall_hostile);
	tcase_add_test(hc, hcall_table_complete);
	tcase_add_test(hc, hcall_out_and_exit_codes);
	tcase_add_test(hc, console_sanitized);
	tcase_add_test(hc, pio_table_sane);
	tcase_add_test(hc, io_dispatch_fake_run);
	suite_add_tcase(s, hc);
	return check_run(s);
}
