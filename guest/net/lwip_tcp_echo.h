/* SPDX-License-Identifier: MIT */
/* guest/net/lwip_tcp_echo.h - an RFC 862 TCP echo service on lwIP's raw
 * API (run=lwip-echo): every byte a client sends comes back, with lwIP's
 * send buffer as the backpressure. */
#ifndef PK_NET_LWIP_TCP_ECHO_H
#define PK_NET_LWIP_TCP_ECHO_H

#include <stdint.h>

/* Listen on port: 0, or -1 with a message. */
int tcp_echo_listen(uint16_t port);

struct tcp_echo_stats {
	uint64_t conns, closed, bytes, aborted;
};
void tcp_echo_stats(struct tcp_echo_stats *out);

#endif
