/* SPDX-License-Identifier: MIT */
/* lib/progelf/linux_stack.c - the SysV initial stack (linux_stack.h). */
#include "linux_stack.h"

#include "lib/kstring/kstring.h"

static void put64(uint8_t *buf, uint64_t lo, uint64_t at, uint64_t v)
{
	memcpy(buf + (at - lo), &v, 8);
}

int linux_stack_build(uint8_t *buf, size_t size, uint64_t top, const struct linux_stack_in *in,
		      uint64_t *sp)
{
	if ((top | size) & 15 || size > top)
		return -22;
	uint64_t lo = top - size;
	/* the strings: argv then env, ascending, then AT_EXECFN's copy */
	uint64_t strs = 0;
	for (unsigned i = 0; i < in->argc + in->envc; i++) {
		strs += strlen(i < in->argc ? in->argv[i] : in->envp[i - in->argc]) + 1;
		if (strs > size)
			return -7;
	}
	uint64_t execfn_len = strlen(in->execfn) + 1;
	uint64_t words = 1 + (in->argc + 1) + (in->envc + 1) + 2 * ((uint64_t)in->nauxv + 1);
	uint64_t need = strs + execfn_len + 16 + words * 8 + 16;
	if (need > size || words > size)
		return -7;
	uint64_t execfn = top - execfn_len;
	uint64_t str0 = execfn - strs;
	uint64_t random = (str0 - 16) & ~15ull;
	uint64_t base = (random - words * 8) & ~15ull; /* argc: 16-aligned (psABI 3.4.1) */
	memcpy(buf + (execfn - lo), in->execfn, execfn_len);
	memcpy(buf + (random - lo), in->random, 16);

	uint64_t at = base, str = str0;
	put64(buf, lo, at, in->argc);
	at += 8;
	for (unsigned i = 0; i < in->argc + in->envc; i++) {
		if (i == in->argc) { /* argv's NULL */
			put64(buf, lo, at, 0);
			at += 8;
		}
		const char *s = i < in->argc ? in->argv[i] : in->envp[i - in->argc];
		size_t l = strlen(s) + 1;
		memcpy(buf + (str - lo), s, l);
		put64(buf, lo, at, str);
		at += 8;
		str += l;
	}
	if (in->envc == 0) { /* argv's NULL: no env string came after it */
		put64(buf, lo, at, 0);
		at += 8;
	}
	put64(buf, lo, at, 0); /* envp's NULL */
	at += 8;
	for (unsigned i = 0; i < in->nauxv; i++, at += 16) {
		uint64_t v = in->auxv[i].val;
		if (in->auxv[i].type == AT_RANDOM)
			v = random;
		else if (in->auxv[i].type == AT_EXECFN)
			v = execfn;
		put64(buf, lo, at, in->auxv[i].type);
		put64(buf, lo, at + 8, v);
	}
	put64(buf, lo, at, AT_NULL);
	put64(buf, lo, at + 8, 0);
	*sp = base;
	return 0;
}
