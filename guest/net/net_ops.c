/* SPDX-License-Identifier: MIT */
/*
 * guest/net/net_ops.c - what one copy of the stack exports (net_inst.h):
 * its pk_net_ops. Inside the stack, so every copy has its own, renamed
 * pkn<i>_pk_net_ops by the build; guest/net/net_inst.c finds them.
 */
#include "guest/net/lwip_port.h"
#include "guest/net/net_inst.h"

const struct pk_net_ops pk_net_ops = {
	.start = pk_lwip_start,
	.poll = pk_lwip_poll,
	.wait = pk_lwip_wait,
	.addr = pk_lwip_addr,
};
