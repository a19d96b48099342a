/* SPDX-License-Identifier: MIT */
/*
 * guest/net/net_ops.c - what one copy of the stack exports (net_inst.h):
 * its pk_net_ops. Inside the stack, so every copy has its own, renamed
 * pkn<i>_pk_net_ops by the build; guest/net/net_inst.c finds them.
 */
#include "guest/net/lwip_port.h"
#include "guest/net/net_inst.h"
#include "guest/net/sock.h"

const struct pk_net_ops pk_net_ops = {
	.start = pk_lwip_start,
	.poll = pk_lwip_poll,
	.wait = pk_lwip_wait,
	.addr = pk_lwip_addr,
	.sock_new = sock_op_new,
	.sock_bind = sock_op_bind,
	.sock_listen = sock_op_listen,
	.sock_accept = sock_op_accept,
	.sock_connect = sock_op_connect,
	.sock_recv = sock_op_recv,
	.sock_send = sock_op_send,
	.sock_shutdown = sock_op_shutdown,
	.sock_close = sock_op_close,
	.sock_name = sock_op_name,
	.sock_setopt = sock_op_setopt,
	.sock_getopt = sock_op_getopt,
};
