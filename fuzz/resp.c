/* SPDX-License-Identifier: MIT */
/*
 * fuzz/resp.c - lib/resp, run=kv's RESP2 request parser, on arbitrary
 * bytes: first the whole input as a pipeline of requests, then the same
 * bytes fed in growing pieces, as TCP would deliver them. Beyond "no
 * crash": every argument lies inside its request, an error always says
 * why, and both feeds agree on where the first request ends.
 */
#include <stdlib.h>

#include "lib/resp/resp.h"

static const struct resp_limits lim = {64, 4096, 512};

static enum resp_rc first(const uint8_t *data, size_t size, size_t step, size_t *used)
{
	struct resp_arg argv[64];
	struct resp_parser p;
	resp_init(&p, &lim, argv);
	enum resp_rc rc = RESP_MORE;
	for (size_t n = step < size ? step : size;; n = n + step < size ? n + step : size) {
		rc = resp_feed(&p, data, n);
		if (rc != RESP_MORE || n == size)
			break;
	}
	if (rc == RESP_ERROR && !p.err)
		abort();
	if (rc == RESP_DONE) {
		if (p.used > size || p.used == 0 || p.argc > lim.max_args)
			abort();
		for (unsigned a = 0; a < p.argc; a++)
			if (argv[a].off + argv[a].len > p.used || argv[a].len > lim.max_bulk)
				abort();
	}
	*used = p.used;
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off = 0;
	while (off < size) {
		size_t whole, piecewise;
		enum resp_rc a = first(data + off, size - off, size - off, &whole);
		enum resp_rc b = first(data + off, size - off, 3, &piecewise);
		if (a != b || (a == RESP_DONE && whole != piecewise))
			abort();
		if (a != RESP_DONE)
			break;
		off += whole;
	}
	return 0;
}
