/* SPDX-License-Identifier: MIT */
/* tests/unit/test_progelf.c - the program ELF checks both the vmm and the
 * guest run (lib/progelf) and the SysV initial stack (lib/progelf/linux_stack.c). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "lib/progelf/linux_stack.h"
#include "lib/progelf/progelf.h"

/* A minimal static ET_EXEC: header, 2 program headers, text and data. */
static size_t mk_elf(uint8_t *b, uint16_t type, int interp, uint32_t data_flags)
{
	memset(b, 0, 0x3000);
	struct pe_ehdr eh = {{0x7f, 'E', 'L', 'F', 2, 1, 1},
			     type,
			     PE_EM_X86_64,
			     1,
			     0x401000,
			     64,
			     0,
			     0,
			     64,
			     56,
			     2,
			     0,
			     0,
			     0};
	uint64_t base = type == PE_ET_DYN ? 0 : 0x400000;
	eh.entry = base + 0x1000;
	memcpy(b, &eh, sizeof(eh));
	struct pe_phdr ph[2] = {
		{PE_PT_LOAD, PE_PF_R | PE_PF_X, 0, base, base, 0x2000, 0x2000, 0x1000},
		{interp ? PE_PT_INTERP : PE_PT_LOAD, data_flags, 0x2000, base + 0x2000,
		 base + 0x2000, 0x1000, 0x5000, 0x1000},
	};
	memcpy(b + 64, ph, sizeof(ph));
	return 0x3000;
}

START_TEST(progelf_good_exec)
{
	static uint8_t b[0x3000];
	size_t n = mk_elf(b, PE_ET_EXEC, 0, PE_PF_R | PE_PF_W);
	char err[200] = "";
	struct progelf_info pi;
	ck_assert_int_eq(progelf_ident(b, n, err, sizeof(err)), 0);
	ck_assert_int_eq(progelf_kind(b, n), PROGELF_PROGRAM);
	ck_assert_msg(progelf_check(b, n, &pi, err, sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(pi.nseg, 2);
	ck_assert_uint_eq(pi.entry, 0x401000);
	ck_assert_uint_eq(pi.lo, 0x400000);
	ck_assert_uint_eq(pi.hi, 0x407000);
	ck_assert_uint_eq(pi.phdr, 0x400040); /* headers inside the first segment */
}
END_TEST

START_TEST(progelf_pie_moved)
{
	static uint8_t b[0x3000];
	size_t n = mk_elf(b, PE_ET_DYN, 0, PE_PF_R | PE_PF_W);
	char err[200] = "";
	struct progelf_info pi;
	ck_assert_msg(progelf_check(b, n, &pi, err, sizeof(err)) == 0, "%s", err);
	ck_assert(pi.pie);
	ck_assert_uint_eq(pi.lo, PROGELF_PIE_BASE);
	ck_assert_uint_eq(pi.entry, PROGELF_PIE_BASE + 0x1000);
}
END_TEST

START_TEST(progelf_refusals)
{
	static uint8_t b[0x3000];
	char err[200];
	struct progelf_info pi;
	size_t n = mk_elf(b, PE_ET_EXEC, 1, PE_PF_R);
	ck_assert_int_lt(progelf_check(b, n, &pi, err, sizeof(err)), 0);
	ck_assert_str_eq(err, "dynamically linked: link it with -static");
	n = mk_elf(b, PE_ET_EXEC, 0, PE_PF_R | PE_PF_W | PE_PF_X);
	ck_assert_int_lt(progelf_check(b, n, &pi, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(err, "W^X"));
	n = mk_elf(b, PE_ET_EXEC, 0, PE_PF_R);
	b[0x12] = 3; /* e_machine EM_386 */
	ck_assert_int_lt(progelf_check(b, n, &pi, err, sizeof(err)), 0);
	ck_assert_str_eq(err, "not an x86-64 ELF (e_machine=3)");
	/* the data segment moved into the text one */
	n = mk_elf(b, PE_ET_EXEC, 0, PE_PF_R);
	uint64_t v = 0x401000;
	memcpy(b + 64 + 56 + 16, &v, 8);
	ck_assert_int_lt(progelf_check(b, n, &pi, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(err, "overlaps another segment"));
	/* a file range past the end */
	n = mk_elf(b, PE_ET_EXEC, 0, PE_PF_R);
	v = 0x100000;
	memcpy(b + 64 + 56 + 8, &v, 8); /* p_offset */
	ck_assert_int_lt(progelf_check(b, n, &pi, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(err, "past the end of the file"));
	/* linked below where programs go */
	n = mk_elf(b, PE_ET_EXEC, 0, PE_PF_R);
	for (int i = 0; i < 2; i++) {
		uint64_t va;
		memcpy(&va, b + 64 + 56 * i + 16, 8);
		va -= 0x300000;
		memcpy(b + 64 + 56 * i + 16, &va, 8);
	}
	ck_assert_int_lt(progelf_check(b, n, &pi, err, sizeof(err)), 0);
	/* truncated anywhere: never accepted, never read out of bounds (ASan) */
	n = mk_elf(b, PE_ET_EXEC, 0, PE_PF_R);
	for (size_t cut = 0; cut < 200; cut++) {
		uint8_t *c = malloc(cut ? cut : 1);
		memcpy(c, b, cut);
		ck_assert_int_lt(progelf_check(c, cut, &pi, err, sizeof(err)), 0);
		free(c);
	}
}
END_TEST

START_TEST(progelf_kernel_is_kernel)
{
	FILE *f = fopen(GUEST_ELF, "rb");
	ck_assert_ptr_nonnull(f);
	static uint8_t b[8 << 20];
	size_t n = fread(b, 1, sizeof(b), f);
	fclose(f);
	char err[200];
	ck_assert_int_eq(progelf_ident(b, n, err, sizeof(err)), 0);
	ck_assert_int_eq(progelf_kind(b, n), PROGELF_KERNEL);
}
END_TEST

static uint64_t rd(const uint8_t *buf, uint64_t lo, uint64_t va)
{
	uint64_t v;
	memcpy(&v, buf + (va - lo), 8);
	return v;
}

START_TEST(stack_layout)
{
	enum { SIZE = 8192 };
	static uint8_t buf[SIZE];
	const uint64_t top = 0x7fff0000, lo = top - SIZE;
	const char *argv[] = {"/prog", "a", "bc"}, *env[] = {"K=V"};
	struct linux_auxv aux[] = {{AT_PAGESZ, 4096}, {AT_RANDOM, 0}, {AT_EXECFN, 0}};
	struct linux_stack_in in = {
		argv,	3, env, 1, aux, 3, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16},
		"/prog"};
	uint64_t sp;
	ck_assert_int_eq(linux_stack_build(buf, SIZE, top, &in, &sp), 0);
	ck_assert_uint_eq(sp & 15, 0); /* psABI 3.4.1 */
	ck_assert(sp >= lo && sp < top);
	ck_assert_uint_eq(rd(buf, lo, sp), 3);
	for (int i = 0; i < 3; i++)
		ck_assert_str_eq((const char *)buf + (rd(buf, lo, sp + 8 + 8 * i) - lo), argv[i]);
	ck_assert_uint_eq(rd(buf, lo, sp + 32), 0);
	ck_assert_str_eq((const char *)buf + (rd(buf, lo, sp + 40) - lo), "K=V");
	ck_assert_uint_eq(rd(buf, lo, sp + 48), 0);
	uint64_t a = sp + 56;
	ck_assert_uint_eq(rd(buf, lo, a), AT_PAGESZ);
	ck_assert_uint_eq(rd(buf, lo, a + 8), 4096);
	ck_assert_uint_eq(rd(buf, lo, a + 16), AT_RANDOM);
	uint64_t r = rd(buf, lo, a + 24);
	ck_assert(r > a && r + 16 <= top);
	ck_assert_int_eq(memcmp(buf + (r - lo), in.random, 16), 0);
	ck_assert_uint_eq(rd(buf, lo, a + 32), AT_EXECFN);
	ck_assert_str_eq((const char *)buf + (rd(buf, lo, a + 40) - lo), "/prog");
	ck_assert_uint_eq(rd(buf, lo, a + 48), AT_NULL);
	/* no env at all: argv's NULL, then envp's NULL */
	in.envc = 0;
	ck_assert_int_eq(linux_stack_build(buf, SIZE, top, &in, &sp), 0);
	ck_assert_uint_eq(rd(buf, lo, sp + 32), 0);
	ck_assert_uint_eq(rd(buf, lo, sp + 40), 0);
	ck_assert_uint_eq(rd(buf, lo, sp + 48), AT_PAGESZ);
	/* too small: E2BIG, nothing written past the buffer (ASan) */
	ck_assert_int_eq(linux_stack_build(buf, 64, top, &in, &sp), -7);
	ck_assert_int_eq(linux_stack_build(buf, SIZE, top + 8, &in, &sp), -22);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("progelf");
	TCase *tc = tcase_create("pure");
	tcase_add_test(tc, progelf_good_exec);
	tcase_add_test(tc, progelf_pie_moved);
	tcase_add_test(tc, progelf_refusals);
	tcase_add_test(tc, progelf_kernel_is_kernel);
	tcase_add_test(tc, stack_layout);
	suite_add_tcase(s, tc);
	return check_run(s);
}
