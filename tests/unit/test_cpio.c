/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_cpio.c - guest/fs/cpio.c on archives built here: a good
 * one (and one written by the real cpio(1) when it is installed), then
 * hostile ones: truncated headers, bad magic, non-hex fields, names and
 * data that run past the end, huge sizes, names that climb out.
 */
#define _DEFAULT_SOURCE /* mkdtemp */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "tmpdir.h"
#include "lib/cpio/cpio.h"

#define HONEST 0xdeadbeefu /* add(): the real namesize/filesize */
static uint8_t arc[8192];
static size_t arc_len;

/* Append one newc entry (namesize/filesize overridable: HONEST = honest). */
static void add(const char *name, uint32_t mode, const void *data, uint32_t size,
		uint32_t namesize_field, uint32_t filesize_field)
{
	uint32_t ns = (uint32_t)strlen(name) + 1;
	char h[CPIO_HDR_SIZE + 1];
	snprintf(h, sizeof(h), "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X", 1u,
		 mode, 0u, 0u, 1u, 0u, filesize_field == HONEST ? size : filesize_field, 0u, 0u, 0u,
		 0u, namesize_field == HONEST ? ns : namesize_field, 0u);
	memcpy(arc + arc_len, h, CPIO_HDR_SIZE);
	arc_len += CPIO_HDR_SIZE;
	memcpy(arc + arc_len, name, ns);
	arc_len = (arc_len + ns + 3) & ~3ul;
	memcpy(arc + arc_len, data, size);
	arc_len = (arc_len + size + 3) & ~3ul;
}

static void reset(void)
{
	memset(arc, 0, sizeof(arc));
	arc_len = 0;
}

/* entries until the trailer: their count, or -1 (and *why) */
static int walk(size_t len, const char **why)
{
	size_t off = 0;
	int n = 0, rc;
	struct cpio_entry e;
	while ((rc = cpio_next(arc, len, &off, &e, why)) == 1)
		n++;
	return rc < 0 ? -1 : n;
}

START_TEST(good_archive)
{
	reset();
	add(".", 040755, "", 0, HONEST, HONEST);
	add("bin", 040755, "", 0, HONEST, HONEST);
	add("bin/hello.txt", 0100644, "hello\n", 6, HONEST, HONEST);
	add("TRAILER!!!", 0, "", 0, HONEST, HONEST);
	size_t off = 0;
	struct cpio_entry e;
	const char *why = 0;
	ck_assert_int_eq(cpio_next(arc, arc_len, &off, &e, &why), 1);
	ck_assert_uint_eq(e.namelen, 1);
	ck_assert_int_eq(cpio_next(arc, arc_len, &off, &e, &why), 1);
	ck_assert_int_eq(cpio_next(arc, arc_len, &off, &e, &why), 1);
	ck_assert_uint_eq(e.namelen, 13);
	ck_assert_mem_eq(e.name, "bin/hello.txt", 13);
	ck_assert_uint_eq(e.mode, 0100644);
	ck_assert_uint_eq(e.size, 6);
	ck_assert_mem_eq(e.data, "hello\n", 6);
	ck_assert_int_eq(cpio_next(arc, arc_len, &off, &e, &why), 0);
	/* the same archive cut anywhere before the trailer is an error */
	for (size_t cut = 0; cut < arc_len - 4; cut += 3)
		ck_assert_msg(walk(cut, &why) == -1 && why, "cut at %zu accepted", cut);
}
END_TEST

START_TEST(hostile_archives)
{
	const char *why = 0;
	/* bad magic */
	reset();
	add("a", 0100644, "x", 1, HONEST, HONEST);
	arc[5] = '7'; /* 070707 is the old binary-compatible "odc" format */
	ck_assert_int_eq(walk(arc_len, &why), -1);
	ck_assert_ptr_nonnull(strstr(why, "magic"));
	/* a non-hex field */
	reset();
	add("a", 0100644, "x", 1, HONEST, HONEST);
	arc[6 + 8 * 6 + 3] = 'g';
	ck_assert_int_eq(walk(arc_len, &why), -1);
	ck_assert_ptr_nonnull(strstr(why, "hexadecimal"));
	/* name size past the end, zero, not NUL-terminated */
	static const uint32_t bad_ns[] = {0, 1, 0xffffffffu, 5000};
	for (unsigned i = 0; i < 4; i++) {
		reset();
		add("abc", 0100644, "x", 1, bad_ns[i], HONEST);
		ck_assert_msg(walk(arc_len, &why) == -1, "namesize %u accepted", bad_ns[i]);
	}
	reset();
	add("abc", 0100644, "x", 1, 3, HONEST); /* "abc" without its NUL */
	ck_assert_int_eq(walk(arc_len, &why), -1);
	/* huge file sizes */
	static const uint32_t bad_fs[] = {0xffffffffu, 0x80000000u, 8192};
	for (unsigned i = 0; i < 3; i++) {
		reset();
		add("f", 0100644, "data", 4, HONEST, bad_fs[i]);
		add("TRAILER!!!", 0, "", 0, HONEST, HONEST);
		ck_assert_msg(walk(arc_len, &why) == -1, "filesize %x accepted", bad_fs[i]);
		ck_assert_ptr_nonnull(strstr(why, "past the end"));
	}
	/* no trailer at all; an empty buffer; an offset past the end */
	reset();
	add("f", 0100644, "data", 4, HONEST, HONEST);
	ck_assert_int_eq(walk(arc_len, &why), -1);
	ck_assert_int_eq(walk(0, &why), -1);
	size_t off = 1u << 30;
	struct cpio_entry e;
	ck_assert_int_eq(cpio_next(arc, arc_len, &off, &e, &why), -1);
}
END_TEST

START_TEST(names)
{
	char out[64];
	ck_assert_int_eq(cpio_name_norm("./bin/ls", 8, out, sizeof(out)), 6);
	ck_assert_str_eq(out, "bin/ls");
	ck_assert_int_eq(cpio_name_norm("/a//b/./c/", 10, out, sizeof(out)), 5);
	ck_assert_str_eq(out, "a/b/c");
	ck_assert_int_eq(cpio_name_norm(".", 1, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "");
	ck_assert_int_eq(cpio_name_norm("..", 2, out, sizeof(out)), -1);
	ck_assert_int_eq(cpio_name_norm("a/../../etc/passwd", 18, out, sizeof(out)), -1);
	ck_assert_int_eq(cpio_name_norm("a\0b", 3, out, sizeof(out)), -1);
	ck_assert_int_eq(cpio_name_norm("abcdefgh", 8, out, 8), -1); /* no room for NUL */
	ck_assert_int_eq(cpio_name_norm("abcdefg", 7, out, 8), 7);
	ck_assert_int_eq(cpio_name_norm("..a/b..", 7, out, sizeof(out)), 7);
}
END_TEST

/* An archive made by the real tool, when it is installed. */
START_TEST(real_cpio)
{
	if (system("command -v cpio >/dev/null 2>&1") != 0)
		return; /* cpio absent: covered by the hand-made archives */
	char dir[64], cmd[320];
	ck_assert_ptr_nonnull(check_tmpdir(dir, sizeof(dir), "pk-cpio"));
	snprintf(cmd, sizeof(cmd),
		 "cd %s && mkdir -p d/e && printf 'some data\\n' >d/e/f.txt && "
		 "find . | cpio -o -H newc --quiet >%s.cpio",
		 dir, dir);
	ck_assert_int_eq(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), "%s.cpio", dir);
	FILE *f = fopen(cmd, "rb");
	ck_assert_ptr_nonnull(f);
	arc_len = fread(arc, 1, sizeof(arc), f);
	fclose(f);
	size_t off = 0;
	struct cpio_entry e;
	const char *why = 0;
	int found = 0, rc;
	while ((rc = cpio_next(arc, arc_len, &off, &e, &why)) == 1) {
		char name[64];
		int n = cpio_name_norm(e.name, e.namelen, name, sizeof(name));
		ck_assert_int_ge(n, 0);
		if (!strcmp(name, "d/e/f.txt")) {
			found = 1;
			ck_assert_uint_eq(e.size, 10);
			ck_assert_mem_eq(e.data, "some data\n", 10);
		}
	}
	ck_assert_msg(rc == 0, "real archive: %s", why);
	ck_assert(found);
	snprintf(cmd, sizeof(cmd), "rm -rf %s %s.cpio", dir, dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cpio");
	TCase *c = tcase_create("cpio");
	tcase_add_test(c, good_archive);
	tcase_add_test(c, hostile_archives);
	tcase_add_test(c, names);
	tcase_add_test(c, real_cpio);
	suite_add_tcase(s, c);
	return check_run(s);
}
