/* SPDX-License-Identifier: MIT */
/*
 * guest/linux/sys_net.h - what the socket system calls (sys_net.c) and
 * their options (sys_sockopt.c) share: Linux's socket constants and
 * structures (socket(7), ip(7), tcp(7)) and the socket fd's description.
 */
#ifndef PK_LINUX_SYS_NET_H
#define PK_LINUX_SYS_NET_H

#include <stdint.h>

#include "include/perfkern/net.h"
#include "fd.h"

#define AF_UNIX 1
#define AF_INET 2
#define SOCK_STREAM 1
#define SOCK_DGRAM 2
#define SOCK_NONBLOCK O_NONBLOCK
#define SOCK_CLOEXEC O_CLOEXEC
#define IPPROTO_IP 0
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17
#define SOL_SOCKET 1
#define SO_TYPE 3
#define SO_ERROR 4
#define SO_REUSEADDR 2
#define SO_BROADCAST 6
#define SO_SNDBUF 7
#define SO_RCVBUF 8
#define SO_KEEPALIVE 9
#define SO_LINGER 13
#define SO_REUSEPORT 15
#define SO_RCVTIMEO 20
#define SO_SNDTIMEO 21
#define SO_ACCEPTCONN 30
#define SO_PROTOCOL 38
#define SO_DOMAIN 39
#define TCP_NODELAY 1
#define MSG_OOB 0x1
#define MSG_PEEK 0x2
#define MSG_TRUNC 0x20
#define MSG_DONTWAIT 0x40
#define MSG_WAITALL 0x100
#define MSG_NOSIGNAL 0x4000
#define MSG_MORE 0x8000

struct lsock {
	struct pk_sock *s;
	int type;
	int listening;
	uint64_t rcvtimeo, sndtimeo; /* ns; PK_NET_FOREVER = none set */
};

/* Linux's struct sockaddr_in (ip(7)): port and address in network order. */
struct ksockaddr_in {
	uint16_t family;
	uint16_t port;
	uint32_t addr;
	uint8_t zero[8];
};
_Static_assert(sizeof(struct ksockaddr_in) == 16, "sockaddr_in");

struct ktimeval {
	int64_t sec, usec;
};

/* fd's description when it is a socket (a reference: lfile_put it);
 * NULL with *err = -EBADF or -ENOTSOCK otherwise. */
struct lfile *sock_get(long fd, long *err);

#endif
