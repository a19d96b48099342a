/* SPDX-License-Identifier: MIT */
/* guest/net/sock.h - inside the stack: the socket ops of sock.c, which
 * net_ops.c puts into this copy's struct pk_net_ops (net_inst.h says what
 * each does). */
#ifndef PK_NET_SOCK_H
#define PK_NET_SOCK_H

#include "net_inst.h"

int sock_op_new(int type, struct pk_sock **out);
int sock_op_bind(struct pk_sock *h, const struct pk_sockaddr *a);
int sock_op_listen(struct pk_sock *h, int backlog);
int sock_op_accept(struct pk_sock *h, struct pk_sock **out, struct pk_sockaddr *peer);
int sock_op_connect(struct pk_sock *h, const struct pk_sockaddr *to, int first);
long sock_op_recv(struct pk_sock *h, void *buf, size_t n, int flags, struct pk_sockaddr *from);
long sock_op_send(struct pk_sock *h, const void *buf, size_t n, int flags,
		  const struct pk_sockaddr *to);
int sock_op_shutdown(struct pk_sock *h, int how);
void sock_op_close(struct pk_sock *h);
int sock_op_name(struct pk_sock *h, int peer, struct pk_sockaddr *out);
int sock_op_setopt(struct pk_sock *h, int opt, int val);
int sock_op_getopt(struct pk_sock *h, int opt, int *val);

#endif
