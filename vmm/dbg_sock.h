/* SPDX-License-Identifier: MIT */
/*
 * vmm/dbg_sock.h - the listening sockets of the gdb stub and the monitor
 * (docs/debug-sockets.md). Both can read and write guest memory and
 * registers, so:
 *   - Unix sockets are created with mode 0600 and every client's uid
 *     (SO_PEERCRED, unix(7)) must be the vmm's effective uid at setup;
 *   - a stale socket is only replaced when lstat says it is a socket and
 *     nobody answers on it; any other file at the path is left alone;
 *   - TCP (gdb only, asked for with tcp:PORT) binds 127.0.0.1 and warns.
 * Sockets are created during setup, before the guest runs; the serving
 * threads only accept, read and write afterwards.
 */
#ifndef PK_VMM_DBG_SOCK_H
#define PK_VMM_DBG_SOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

struct dbg_sock {
	const char *what; /* "--gdb" / "--monitor", for messages */
	int lfd;
	bool unix_path; /* false: TCP 127.0.0.1 */
	uid_t uid;	/* the only uid a Unix client may have */
	/* the socket file we made, for the unlink at exit: inode numbers are
	 * reused at once on tmpfs, so the change time tells ours apart */
	dev_t dev;
	ino_t ino;
	struct timespec ctime;
	char path[108]; /* sizeof(sockaddr_un.sun_path) */
};

/* Create, bind (mode 0600) and listen on PATH; refuses a non-socket at
 * PATH and a socket someone still listens on. 0 or -errno, message
 * printed. Call single-threaded: it changes the umask around bind. */
int dbg_sock_listen_unix(struct dbg_sock *s, const char *what, const char *path);
/* 127.0.0.1:port, with a warning that every local user can connect. */
int dbg_sock_listen_tcp(struct dbg_sock *s, const char *what, unsigned port);
/* Accept the next client that passes the uid check (refusals are logged
 * and closed); sets a send timeout so a client that never reads cannot
 * block the serving thread. -1 when the listening socket failed. */
int dbg_sock_accept(struct dbg_sock *s);
/* Remove the socket file if it is still the one we created. */
void dbg_sock_unlink(const struct dbg_sock *s);

#endif
