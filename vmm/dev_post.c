/* SPDX-License-Identifier: MIT */
/*
 * vmm/dev_post.c - port 0x80, the PC's POST-code port: firmware and early
 * boot code write progress codes there (and Linux uses it as an I/O
 * delay). It latches the last code, which a read returns; --post-codes
 * prints each one, so a guest that stops early shows how far it came.
 *
 * The whole device, its option and its usage text are this file and one
 * line in vmm/CMakeLists.txt: the shape every vmm device takes (io.h,
 * cli.h).
 */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "io.h"
#include "kvm.h"

#define POST_PORT 0x80

static atomic_bool post_print;
static _Atomic uint8_t post_last;

static int post_opt(const char *arg, struct vmm_opts *o)
{
	(void)arg;
	(void)o;
	atomic_store(&post_print, true);
	return 0;
}
VMM_OPTION(post_codes, .name = "post-codes", .parse = post_opt,
	   .help = "print each POST code the guest writes to port 0x80");

/* data is size * count bytes (io_exit checked them): a `rep outsb` of
 * several codes leaves the last one in the latch */
static int post_pio(struct vcpu *v, uint16_t port, bool out, uint8_t *data, unsigned size,
		    unsigned count)
{
	(void)port;
	size_t n = (size_t)size * count;
	if (!out) {
		memset(data, atomic_load(&post_last), n);
		return -1;
	}
	uint8_t code = data[n - 1];
	atomic_store(&post_last, code);
	if (atomic_load(&post_print))
		fprintf(stderr, "vmm: vCPU %u: POST code %#04x\n", v->index, code);
	return -1;
}
PIO_RANGE(POST_PORT, POST_PORT, post_pio);
