/* SPDX-License-Identifier: MIT */
/* vmm/dbg_sock.c - debug sockets: 0600, peer uid, no blind unlink (see dbg_sock.h). */
#include "dbg_sock.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* a client that stops reading gets its connection dropped after this
 * long instead of blocking the serving thread (and the owner lock) */
#define DBG_SEND_TIMEOUT_S 5

/* A socket file is at the path: stale (nobody listens: ECONNREFUSED) or
 * still served by someone (connect succeeds). */
static bool sock_in_use(const struct sockaddr_un *a)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	bool used = connect(fd, (const struct sockaddr *)a, sizeof(*a)) == 0;
	close(fd);
	return used;
}

/* Only a socket may be removed; a regular file, symlink, directory or
 * FIFO at the path is somebody's data and is refused. */
static int sock_clear_stale(const char *what, const char *path, const struct sockaddr_un *a)
{
	struct stat st;
	if (lstat(path, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		int e = errno;
		fprintf(stderr, "vmm: %s %s: cannot stat: %s\n", what, path, strerror(e));
		return -e;
	}
	if (!S_ISSOCK(st.st_mode)) {
		const char *kind = S_ISREG(st.st_mode)	 ? "a regular file"
				   : S_ISLNK(st.st_mode) ? "a symlink"
				   : S_ISDIR(st.st_mode) ? "a directory"
							 : "not a socket";
		fprintf(stderr,
			"vmm: %s %s: exists and is %s; refusing to replace it (remove it or "
			"choose another path)\n",
			what, path, kind);
		return -EEXIST;
	}
	if (sock_in_use(a)) {
		fprintf(stderr, "vmm: %s %s: another process is listening on this socket\n", what,
			path);
		return -EADDRINUSE;
	}
	if (unlink(path) < 0 && errno != ENOENT) {
		int e = errno;
		fprintf(stderr, "vmm: %s %s: cannot remove the stale socket: %s\n", what, path,
			strerror(e));
		return -e;
	}
	return 0;
}

int dbg_sock_listen_unix(struct dbg_sock *s, const char *what, const char *path)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	*s = (struct dbg_sock){.what = what, .lfd = -1, .unix_path = true};
	if (strlen(path) >= sizeof(a.sun_path) || strlen(path) >= sizeof(s->path)) {
		fprintf(stderr, "vmm: %s %s: path longer than %zu bytes\n", what, path,
			sizeof(a.sun_path) - 1);
		return -ENAMETOOLONG;
	}
	strcpy(a.sun_path, path);
	int rc = sock_clear_stale(what, path, &a);
	if (rc < 0)
		return rc;
	s->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s->lfd < 0) {
		rc = -errno;
		fprintf(stderr, "vmm: %s %s: socket: %s\n", what, path, strerror(-rc));
		return rc;
	}
	/* bind() creates the file with 0777 & ~umask (unix(7)); a umask of
	 * 0177 makes it 0600 from the first instant, no chmod window. The
	 * umask is per process: setup is single-threaded. */
	mode_t old = umask(0177);
	int b = bind(s->lfd, (struct sockaddr *)&a, sizeof(a));
	int e = errno;
	umask(old);
	if (b < 0 || listen(s->lfd, 1) < 0) {
		e = b < 0 ? e : errno;
		fprintf(stderr, "vmm: %s %s: cannot listen: %s\n", what, path, strerror(e));
		close(s->lfd);
		s->lfd = -1;
		return -e;
	}
	struct stat st;
	if (lstat(path, &st) == 0) {
		s->dev = st.st_dev;
		s->ino = st.st_ino;
		s->ctime = st.st_ctim;
	}
	strcpy(s->path, path);
	s->uid = geteuid(); /* the user who started us, even if a sandbox drops it later */
	return 0;
}

int dbg_sock_listen_tcp(struct dbg_sock *s, const char *what, unsigned port)
{
	*s = (struct dbg_sock){.what = what, .lfd = -1};
	s->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s->lfd < 0)
		return -errno;
	int one = 1;
	setsockopt(s->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons((uint16_t)port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	if (bind(s->lfd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(s->lfd, 1) < 0) {
		int e = errno;
		fprintf(stderr, "vmm: %s tcp:%u: cannot listen on 127.0.0.1:%u: %s\n", what, port,
			port, strerror(e));
		close(s->lfd);
		s->lfd = -1;
		return -e;
	}
	fprintf(stderr,
		"vmm: warning: %s tcp:%u has no access control: any local user (or container "
		"sharing this network namespace) can connect and read or write guest memory "
		"and registers; prefer a Unix socket path\n",
		what, port);
	return 0;
}

/* SO_PEERCRED is the peer's credentials at connect() time (unix(7)) */
static bool sock_peer_ok(struct dbg_sock *s, int fd)
{
	struct ucred uc;
	socklen_t len = sizeof(uc);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) < 0) {
		fprintf(stderr, "vmm: %s %s: refused a client: SO_PEERCRED: %s\n", s->what, s->path,
			strerror(errno));
		return false;
	}
	if (uc.uid == s->uid)
		return true;
	fprintf(stderr,
		"vmm: %s %s: refused a client with uid %u (pid %d): only uid %u may connect\n",
		s->what, s->path, (unsigned)uc.uid, (int)uc.pid, (unsigned)s->uid);
	return false;
}

int dbg_sock_accept(struct dbg_sock *s)
{
	for (;;) {
		int fd = accept4(s->lfd, 0, 0, SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			fprintf(stderr, "vmm: %s: accept: %s\n", s->what, strerror(errno));
			return -1;
		}
		if (s->unix_path && !sock_peer_ok(s, fd)) {
			close(fd);
			continue;
		}
		struct timeval tv = {.tv_sec = DBG_SEND_TIMEOUT_S};
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		if (!s->unix_path) {
			int one = 1;
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		}
		return fd;
	}
}

void dbg_sock_unlink(const struct dbg_sock *s)
{
	struct stat st;
	if (!s->unix_path || !s->path[0] || lstat(s->path, &st) < 0)
		return;
	if (S_ISSOCK(st.st_mode) && st.st_dev == s->dev && st.st_ino == s->ino &&
	    st.st_ctim.tv_sec == s->ctime.tv_sec && st.st_ctim.tv_nsec == s->ctime.tv_nsec)
		unlink(s->path);
}
