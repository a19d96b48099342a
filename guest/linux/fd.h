/* SPDX-License-Identifier: MIT */
/* guest/linux/fd.h - open file descriptions and the fd table (fd.c),
 * shared by the file calls (sys_fs.c) and pipes (pipe.c). */
#ifndef PK_LINUX_FD_H
#define PK_LINUX_FD_H

#include <stddef.h>
#include <stdint.h>

#include "guest/arch/spinlock.h"

#define LINUX_FD_MAX 256

enum lfile_kind { LF_CONSOLE_IN, LF_CONSOLE_OUT, LF_FILE, LF_PIPE_R, LF_PIPE_W, LF_SOCK, LF_EPOLL };

struct lpipe;
struct lsock;
struct lepoll;
struct vfs_file;
struct lfile {
	int refs; /* atomic: fds (dup) pointing here */
	enum lfile_kind kind;
	int flags;	      /* O_* given at open (access mode, O_APPEND, O_NONBLOCK) */
	struct spinlock lock; /* the offset */
	uint64_t off;
	uint64_t dir_cookie; /* getdents64 position */
	struct vfs_file *vf;
	struct lpipe *pipe;
	struct lsock *sock; /* LF_SOCK (sys_net.c) */
	struct lepoll *ep;  /* LF_EPOLL (sys_poll.c) */
	int in_epoll;	    /* atomic: some epoll set names it (sys_poll.c) */
	uint32_t mode;	    /* S_IF* of a vfs file, from open */
	char *path;	    /* a directory's absolute path (openat's dirfd), else NULL */
};

/* The description behind fd with a reference taken, or NULL (EBADF). */
struct lfile *lfd_get(int fd);
void lfile_put(struct lfile *f);
/* Install f at the lowest free fd >= min (the table takes the caller's
 * reference); the fd, or -EMFILE. */
int lfd_install(struct lfile *f, int min, int cloexec);
struct lfile *lfile_new(enum lfile_kind kind, int flags);
long linux_fd_close(long fd);
long linux_fd_pread(int fd, void *buf, size_t n, uint64_t off);
/* A user path at dirfd made absolute and normalised into out. */
int linux_upath(long dirfd, uint64_t upath, char *out, size_t max);
const char *linux_cwd(void);
int linux_set_cwd(const char *abs);

/* pipe.c */
long lpipe_read(struct lpipe *p, void *buf, uint64_t n, int nonblock);
long lpipe_write(struct lpipe *p, const void *buf, uint64_t n, int nonblock);
void lpipe_close(struct lpipe *p, int writer);
/* POLLIN/POLLOUT/POLLHUP/POLLERR of one end, now */
unsigned lpipe_events(struct lpipe *p, int writer);

/* sys_net.c: read/write on a socket fd, its close, its readiness */
long lsock_rw(struct lfile *f, void *buf, uint64_t n, int write);
void lsock_close(struct lsock *s);
struct pk_sock *lsock_handle(struct lfile *f);
/* sys_poll.c */
void lepoll_close(struct lepoll *ep);
/* f is being freed: out of every epoll set */
void lepoll_forget(struct lfile *f);

#define O_ACCMODE 3
#define O_RDONLY 0
#define O_WRONLY 1
#define O_RDWR 2
#define O_CREAT 0100
#define O_EXCL 0200
#define O_TRUNC 01000
#define O_APPEND 02000
#define O_NONBLOCK 04000
#define O_DIRECTORY 0200000
#define O_CLOEXEC 02000000
#define AT_FDCWD (-100)
#define S_IFMT 0170000
#define S_IFDIR 0040000
#define S_IFCHR 0020000
#define S_IFIFO 0010000
#define S_IFREG 0100000
#define S_IFSOCK 0140000

#endif
