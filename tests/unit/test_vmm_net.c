/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_vmm_net.c - the vmm's network pieces that need no KVM:
 * `--net` parsing (vmm/net_opts.c) and the PCI bus (vmm/pci.c) through
 * the 0xCF8/0xCFC ports on a fake kvm_run: the host bridge, a function's
 * BAR sizing and write masks, absent devices and malformed accesses.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "check_run.h"
#include "lib/virtio/virtio_pci.h"
#include "vmm/io.h"
#include "vmm/kvm.h"
#include "vmm/net.h"
#include "vmm/pci.h"

START_TEST(net_opts_good)
{
	struct net_opts o;
	char err[160];
	ck_assert_int_eq(net_parse("tap:pknet0", &o, err, sizeof(err)), 0);
	ck_assert_int_eq(o.kind, NET_TAP);
	ck_assert_str_eq(o.ifname, "pknet0");
	ck_assert_int_eq(net_parse("user", &o, err, sizeof(err)), 0);
	ck_assert_int_eq(o.kind, NET_USER);
	ck_assert_uint_eq(o.nfwd, 0);
	ck_assert_int_eq(net_parse("user,hostfwd=tcp:127.0.0.1:6379-:6379,hostfwd=udp::5555-"
				   "10.0.2.16:7",
				   &o, err, sizeof(err)),
			 0);
	ck_assert_uint_eq(o.nfwd, 2);
	ck_assert(!o.fwd[0].udp);
	ck_assert_uint_eq(o.fwd[0].host_addr, 0x7f000001);
	ck_assert_uint_eq(o.fwd[0].host_port, 6379);
	ck_assert_uint_eq(o.fwd[0].guest_addr, 0x0a00020f); /* default 10.0.2.15 */
	ck_assert_uint_eq(o.fwd[0].guest_port, 6379);
	ck_assert(o.fwd[1].udp);
	ck_assert_uint_eq(o.fwd[1].host_addr, 0x7f000001); /* empty: loopback, not any */
	ck_assert_uint_eq(o.fwd[1].guest_addr, 0x0a000210);
	ck_assert_uint_eq(o.fwd[1].guest_port, 7);
}
END_TEST

START_TEST(net_opts_bad)
{
	static const char *const bad[] = {
		"",
		"tap",
		"tap:",
		"tap:a/b",
		"tap:0123456789abcdef",
		"usr",
		"userx",
		"user,",
		"user,frob=1",
		"user,hostfwd=",
		"user,hostfwd=sctp::1-:2",
		"user,hostfwd=tcp::0-:2",
		"user,hostfwd=tcp::65536-:2",
		"user,hostfwd=tcp::1-:",
		"user,hostfwd=tcp::1:2",
		"user,hostfwd=tcp:1.2.3:1-:2",
		"user,hostfwd=tcp:1.2.3.4:1-5.6.7.8.9:2",
		"user,hostfwd=tcp::-1-:2",
		"user,hostfwd=tcp::12x-:2",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct net_opts o;
		char err[160] = "";
		ck_assert_msg(net_parse(bad[i], &o, err, sizeof(err)) == -1, "accepted '%s'",
			      bad[i]);
		ck_assert_msg(err[0], "no message for '%s'", bad[i]);
	}
	/* more forwards than the table holds */
	char many[1024] = "user";
	for (int i = 0; i <= NET_MAX_FWD; i++)
		snprintf(many + strlen(many), sizeof(many) - strlen(many), ",hostfwd=tcp::%d-:1",
			 1000 + i);
	struct net_opts o;
	char err[160];
	ck_assert_int_eq(net_parse(many, &o, err, sizeof(err)), -1);
}
END_TEST

/* the PCI ports through io_exit, as a vCPU would reach them */
static _Alignas(4096) uint8_t page[2 * 4096];
static struct vm tvm;
static struct vcpu tv = {.vm = &tvm};

static uint32_t port_io(uint16_t port, bool out, unsigned size, uint32_t v)
{
	struct kvm_run *run = (struct kvm_run *)page;
	tvm.run_size = sizeof(page);
	tv.run = run;
	run->exit_reason = KVM_EXIT_IO;
	run->io = (__typeof__(run->io)){.direction = out ? KVM_EXIT_IO_OUT : KVM_EXIT_IO_IN,
					.size = (uint8_t)size,
					.port = port,
					.count = 1,
					.data_offset = 4096};
	memcpy(page + 4096, &v, 4);
	ck_assert_int_eq(io_exit(&tv), -1);
	uint32_t r = 0;
	memcpy(&r, page + 4096, size);
	return r;
}

static uint32_t cfg(unsigned dev, unsigned off, unsigned size)
{
	port_io(PCI_CONF_ADDR, true, 4, PCI_CONF_ENABLE | dev << 11 | (off & 0xfc));
	return port_io((uint16_t)(PCI_CONF_DATA + (off & 3)), false, size, 0);
}

static void cfg_w(unsigned dev, unsigned off, unsigned size, uint32_t v)
{
	port_io(PCI_CONF_ADDR, true, 4, PCI_CONF_ENABLE | dev << 11 | (off & 0xfc));
	port_io((uint16_t)(PCI_CONF_DATA + (off & 3)), true, size, v);
}

static struct pci_func fn;
static unsigned written;
static void fn_written(struct pci_func *f, unsigned off, unsigned len)
{
	(void)f, (void)off, (void)len;
	written++;
}

START_TEST(pci_config_space)
{
	pci_reset_bus();
	memset(&fn, 0, sizeof(fn));
	fn.dev = 3;
	fn.bar_size[0] = 0x8000;
	fn.cfg_written = fn_written;
	pci_set16(&fn, PCI_VENDOR_ID, 0x1af4);
	pci_set16(&fn, PCI_DEVICE_ID, 0x1041);
	ck_assert_int_eq(pci_register(&fn), 0);
	ck_assert_int_eq(pci_register(&fn), -1); /* slot taken */
	/* the host bridge at 00.0, our function at 00.3, nothing elsewhere */
	ck_assert_uint_eq(cfg(0, 0, 4), 0x00081b36);
	ck_assert_uint_eq(cfg(0, 0x0b, 1), 0x06);
	ck_assert_uint_eq(cfg(3, 0, 4), 0x10411af4);
	ck_assert_uint_eq(cfg(3, 2, 2), 0x1041);
	ck_assert_uint_eq(cfg(4, 0, 4), 0xffffffffu);
	ck_assert_uint_eq(cfg(31, 0, 2), 0xffff);
	/* the address register reads back; bus 1 and function 1 are absent */
	port_io(PCI_CONF_ADDR, true, 4, 0x80000000u | 3 << 11 | 0x10);
	ck_assert_uint_eq(port_io(PCI_CONF_ADDR, false, 4, 0), 0x80000000u | 3 << 11 | 0x10);
	port_io(PCI_CONF_ADDR, true, 4, PCI_CONF_ENABLE | 1 << 16 | 3 << 11);
	ck_assert_uint_eq(port_io(PCI_CONF_DATA, false, 4, 0), 0xffffffffu);
	port_io(PCI_CONF_ADDR, true, 4, PCI_CONF_ENABLE | 3 << 11 | 1 << 8);
	ck_assert_uint_eq(port_io(PCI_CONF_DATA, false, 4, 0), 0xffffffffu);
	port_io(PCI_CONF_ADDR, true, 4, 3 << 11); /* enable bit clear */
	ck_assert_uint_eq(port_io(PCI_CONF_DATA, false, 4, 0), 0xffffffffu);
	/* BAR 0 in the window; sizing reads the mask, the address comes back */
	uint32_t bar = cfg(3, PCI_BAR0, 4);
	ck_assert_uint_eq(bar, PCI_MMIO_BASE);
	cfg_w(3, PCI_BAR0, 4, 0xffffffffu);
	ck_assert_uint_eq(cfg(3, PCI_BAR0, 4), 0xffff8000u);
	cfg_w(3, PCI_BAR0, 4, bar);
	ck_assert_uint_eq(cfg(3, PCI_BAR0, 4), bar);
	/* no BAR 1: reads 0 whatever is written */
	cfg_w(3, PCI_BAR0 + 4, 4, 0xffffffffu);
	ck_assert_uint_eq(cfg(3, PCI_BAR0 + 4, 4), 0);
	/* read-only ids stay; memory decoding turns the BAR on */
	cfg_w(3, PCI_VENDOR_ID, 4, 0);
	ck_assert_uint_eq(cfg(3, 0, 4), 0x10411af4);
	ck_assert_uint_eq(pci_bar_addr(&fn, 0), 0);
	cfg_w(3, PCI_COMMAND, 2, 0xffff);
	ck_assert_uint_eq(cfg(3, PCI_COMMAND, 2),
			  PCI_CMD_MEM | PCI_CMD_MASTER | PCI_CMD_INTX_DISABLE);
	ck_assert_uint_eq(pci_bar_addr(&fn, 0), PCI_MMIO_BASE);
	ck_assert_uint_gt(written, 0);
	/* accesses that straddle the data window: ignored / all-ones */
	port_io(PCI_CONF_ADDR, true, 4, PCI_CONF_ENABLE | 3 << 11);
	ck_assert_uint_eq(port_io(PCI_CONF_DATA + 3, false, 2, 0), 0xffff);
	ck_assert_uint_eq(port_io(PCI_CONF_ADDR + 1, false, 1, 0), 0xff); /* 0xcf9: not ours */
	/* direct calls past config space */
	ck_assert_uint_eq(pci_cfg_read(3, 255, 4), 0xffffffffu);
	pci_cfg_write(3, 254, 4, 0);
	/* a BAR that is not a power of two, or a slot out of range, is refused */
	struct pci_func f2 = {.dev = 5, .bar_size = {0x3000}};
	ck_assert_int_eq(pci_register(&f2), -1);
	struct pci_func f3 = {.dev = 32};
	ck_assert_int_eq(pci_register(&f3), -1);
	pci_reset_bus();
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vmm_net");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, net_opts_good);
	tcase_add_test(tc, net_opts_bad);
	tcase_add_test(tc, pci_config_space);
	suite_add_tcase(s, tc);
	return check_run(s);
}
